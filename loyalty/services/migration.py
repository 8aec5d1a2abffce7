"""Balances from the old system (Excel or CSV): a dry run that lists every problem row and the totals, an
idempotent real run, and a reconciliation per card and overall (the old total equals the new total).

A row: card number, points, and optionally the date they were earned (spendable from) and the
date they expire. Cards must already be on accounts (customers and cards are imported first).
Each good row becomes a `migration` row of the points ledger on its account, in its lot;
the ledger's one-row-per-source-line-kind-and-lot rule makes a second run write nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.choices import DocumentType, PostingAction
from inventory.services.kernel import balances_for_update, ledger_write, posting_create
from inventory.text import control_character

from ..choices import CardStatus, PointsKind
from ..ledger import POINTS, PointsMovement
from ..models import Card, PointsImport, PointsLedgerEntry

HEADERS = {
    "card_number": ("card_number", "card", "номер карты", "карта"),
    "points": ("points", "balance", "баллы", "бонусы"),
    "earned_on": ("earned_on", "accrual_date", "дата начисления"),
    "expires_on": ("expires_on", "expiry_date", "дата сгорания"),
}
CHUNK = 5000


@dataclass
class MigrationRow:
    line: int
    card_number: str
    points: Decimal
    earned_on: datetime.date
    expires_on: datetime.date
    account_id: int | None = None


@dataclass
class MigrationResult:
    rows: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    file_points: Decimal = Decimal(0)  # every row's points that could be read
    good_points: Decimal = Decimal(0)
    written_points: Decimal = Decimal(0)  # written by this run (0 on a dry run and on a repeat)
    already_points: Decimal = Decimal(0)  # there from an earlier run of the same rows
    reconciliation: list[dict] = field(default_factory=list)  # per card: file, ledger, difference
    import_id: int | None = None

    @property
    def ledger_points(self) -> Decimal:
        return sum((r["ledger"] for r in self.reconciliation), Decimal(0))


def read_table(*, name: str, content: bytes) -> list[dict]:
    """Rows of an .xlsx or .csv (UTF-8, comma or semicolon) as dicts by our column names; ValueError when unreadable."""
    if len(content) > settings.IMPORT_MAX_FILE_BYTES:
        raise ValueError(_("The file is larger than %(n)d bytes.") % {"n": settings.IMPORT_MAX_FILE_BYTES})
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        table = ([("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True))
    else:
        text = content.decode("utf-8-sig")
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
        table = csv.reader(io.StringIO(text), dialect)
    header = next(table, None)
    if not header:
        raise ValueError(_("The file is empty."))
    names = {}
    for i, title in enumerate(header):
        title = str(title).strip().lower()
        for key, aliases in HEADERS.items():
            if title in aliases:
                names[i] = key
    if not {"card_number", "points"} <= set(names.values()):
        raise ValueError(_("The first row must name the columns card_number and points."))
    rows = []
    for row in table:
        if len(rows) >= settings.IMPORT_MAX_ROWS:
            raise ValueError(_("At most %(n)d rows per file.") % {"n": settings.IMPORT_MAX_ROWS})
        rows.append({names[i]: value for i, value in enumerate(row) if i in names})
    return rows


def _date(value, today) -> datetime.date | None | str:
    if value in ("", None):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return "bad"


def _check(rows: list[dict], result: MigrationResult, today: datetime.date) -> list[MigrationRow]:
    good, seen = [], set()
    lifetime = datetime.timedelta(days=settings.POINTS_LIFETIME_DAYS)
    for n, raw in enumerate(rows, start=2):  # line 1 is the header
        card = str(raw.get("card_number", "")).strip()
        points_text = str(raw.get("points", "")).strip()
        if not card and not points_text:
            continue
        result.rows += 1
        problem = None
        try:
            points = Decimal(points_text.replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            points = None
        if points is not None and points.is_finite():
            result.file_points += points
        earned = _date(raw.get("earned_on"), today)
        expires = _date(raw.get("expires_on"), today)
        if control_character(card) or not card.isdigit() or len(card) > 13:
            problem = _("The card number must be up to 13 digits.")
        elif points is None or not points.is_finite() or points != points.to_integral_value() or points <= 0:
            problem = _("The points must be a whole number above zero.")
        elif points >= 10**12:
            problem = _("The points are too many.")
        elif earned == "bad" or expires == "bad":
            problem = _("Dates are written as 2026-11-25 or 25.11.2026.")
        else:
            earned = earned or today
            expires = expires or earned + lifetime
            if expires <= earned:
                problem = _("The points expire before they were earned.")
            elif expires <= today:
                problem = _("These points have expired already: fix the date or leave the row out.")
            elif (card, earned, expires) in seen:
                problem = _("The same card and dates come twice in the file.")
        if problem:
            result.problems.append((n, problem))
            continue
        seen.add((card, earned, expires))
        good.append(MigrationRow(n, card, points, earned, expires))
    accounts = {}
    cards = sorted({r.card_number for r in good})
    for start in range(0, len(cards), CHUNK):
        accounts.update(
            Card.objects.filter(number__in=cards[start : start + CHUNK])
            .exclude(status=CardStatus.FREE)
            .values_list("number", "account_id")
        )
    checked = []
    for row in good:
        row.account_id = accounts.get(row.card_number)
        if row.account_id is None:
            result.problems.append((row.line, _("No account has this card: import the customers and cards first.")))
            continue
        result.good_points += row.points
        checked.append(row)
    return checked


def points_migration_import(*, name: str, content: bytes, commit: bool, actor=None) -> MigrationResult:
    """Check the file (always) and, with `commit` and no problem row, write its balances; the reconciliation.

    A file with problem rows writes nothing: fix it and run again (a partial migration is how
    points get lost). Rows already written by an earlier run are left alone (idempotent).
    Raises ValueError for a file that cannot be read.
    """
    today = timezone.localdate()
    result = MigrationResult()
    rows = _check(read_table(name=name, content=content), result, today)
    existing = _existing(rows)
    fresh = []
    for row in rows:
        had = existing.get((row.account_id, row.earned_on, row.expires_on))
        if had is None:
            fresh.append(row)
        elif had == row.points:
            result.already_points += row.points
        else:
            result.problems.append(
                (row.line, _("An earlier import wrote %(had)s points for this card and dates.") % {"had": had})
            )
    if commit and not result.problems and fresh:
        result.import_id = _write(fresh, name=name, content=content, result=result, actor=actor, today=today)
    result.reconciliation = _reconcile(rows)
    result.problems.sort()
    return result


def _existing(rows: list[MigrationRow]) -> dict[tuple, Decimal]:
    ids = sorted({r.account_id for r in rows})
    found: dict[tuple, Decimal] = {}
    for start in range(0, len(ids), CHUNK):
        for account_id, available_on, expires_on, points in (
            PointsLedgerEntry.objects.filter(
                account_id__in=ids[start : start + CHUNK],
                kind=PointsKind.MIGRATION,
                source_type=DocumentType.POINTS_MIGRATION,
            )
            .values("account_id", "available_on", "expires_on")
            .annotate(p=Sum("active") + Sum("pending"))
            .values_list("account_id", "available_on", "expires_on", "p")
        ):
            found[(account_id, available_on, expires_on)] = Decimal(str(points)).quantize(Decimal(1))
    return found


@transaction.atomic(durable=True)
def _write(rows: list[MigrationRow], *, name, content, result: MigrationResult, actor, today) -> int:
    batch = PointsImport.objects.create(
        file_name=name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=result.rows,
        problems=0,
        file_points=result.file_points,
        imported_points=sum((r.points for r in rows), Decimal(0)),
        created_by=actor,
    )
    posting = posting_create(
        action=PostingAction.POST,
        actor=actor,
        document_type=DocumentType.POINTS_MIGRATION,
        document_id=batch.pk,
        number=f"PM-{batch.pk:06d}",
    )
    by_account: dict[int, list[MigrationRow]] = defaultdict(list)
    for row in rows:
        by_account[row.account_id].append(row)
    ids = sorted(by_account)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        balances = balances_for_update(POINTS, [(pk,) for pk in chunk])
        movements = []
        for account_id in chunk:
            for row in by_account[account_id]:
                pending = row.earned_on > today
                movements.append(
                    PointsMovement(
                        (account_id,),
                        (Decimal(0) if pending else row.points, row.points if pending else Decimal(0), Decimal(0)),
                        PointsKind.MIGRATION,
                        account_id,  # one row per account, kind and lot: a second run cannot write it again
                        row.earned_on,
                        row.expires_on,
                    )
                )
        ledger_write(
            POINTS,
            movements=movements,
            posting_id=posting.pk,
            business_date=today,
            source_type=DocumentType.POINTS_MIGRATION,
            source_id=batch.pk,
            balances=balances,
        )
    result.written_points = batch.imported_points
    return batch.pk


def _reconcile(rows: list[MigrationRow]) -> list[dict]:
    """Per card: the file's points, the migration rows' points in the ledger now, the difference."""
    wanted: dict[int, tuple[str, Decimal]] = {}
    for row in rows:
        card, points = wanted.get(row.account_id, (row.card_number, Decimal(0)))
        wanted[row.account_id] = (card, points + row.points)
    ledger: dict[int, Decimal] = defaultdict(Decimal)
    ids = sorted(wanted)
    for start in range(0, len(ids), CHUNK):
        for account_id, points in (
            PointsLedgerEntry.objects.filter(
                account_id__in=ids[start : start + CHUNK],
                kind=PointsKind.MIGRATION,
                source_type=DocumentType.POINTS_MIGRATION,
            )
            .values("account_id")
            .annotate(p=Sum("active") + Sum("pending"))
            .values_list("account_id", "p")
        ):
            ledger[account_id] = Decimal(str(points)).quantize(Decimal(1))
    return [
        {"card_number": card, "file": points, "ledger": ledger[pk], "difference": ledger[pk] - points}
        for pk, (card, points) in sorted(wanted.items(), key=lambda item: item[1][0])
    ]
