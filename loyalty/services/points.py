"""Points services: the sale's half (prepare under the locks, then write with the receipt), holds, the daily run.

Sales orchestrates a sale; it calls these with arguments (loyalty never reads sales tables):

1. `receipts_points_prepare` inside sales' transaction, before its own rows: finds each
   receipt's account (card, phone, or for a return its sale's account), locks the points
   balances in account order, reads the lots, and applies every receipt in order with the
   one calculator (`calculator.sale_quote`, `calculator.return_quote`). A receipt whose
   points cannot be paid gets its errors (by field path) and is left out; nothing is written.
2. `receipts_points_write` once sales knows the receipts' ids and postings: the ledger rows
   through the kernel, one `ReceiptPoints` and one `AccountPurchase` row per receipt, the
   consumed holds. Unique per receipt: a replay can never write points twice.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.bulk import rows_insert
from inventory.choices import DocumentType, PostingAction
from inventory.models import Product
from inventory.services.kernel import balances_for_update, ledger_write, ledger_write_by_date, posting_create

from ..choices import HoldStatus, PointsKind
from ..exceptions import AccountNotFound, HoldConflict, PointsUnavailable
from ..ledger import POINTS, PointsMovement
from ..models import AccountPurchase, PointsHold, PointsLedgerEntry, ReceiptPoints
from ..selectors.points import _decimal, accounts_by_identifiers, accounts_points_load, phone_normalise
from .calculator import (
    ZERO,
    AccountPoints,
    Move,
    NotEnoughPoints,
    eligible_amount,
    lot_dates,
    points_value,
    return_quote,
    sale_quote,
    whole_down,
)

RECEIPT_SOURCE = DocumentType.RECEIPT


@dataclass
class ReceiptPointsIn:
    """One receipt as sales passes it: its key in the batch, who, what, how much paid with points (money)."""

    index: int
    uuid: uuid.UUID
    business_date: datetime.date
    is_return: bool
    total_amount: Decimal
    lines: list  # (product_id, amount)
    points_amount: Decimal = ZERO  # money paid (or, in a return, given back) with points
    card_number: str = ""
    phone: str = ""
    original_receipt_id: int | None = None


@dataclass
class _Planned:
    account_id: int
    moves: list[Move]
    business_date: datetime.date
    eligible: Decimal
    accrued: Decimal
    paid: Decimal
    available_on: datetime.date
    expires_on: datetime.date
    paid_expires_on: datetime.date | None
    active_after: Decimal
    pending_after: Decimal
    pending_lots: list
    purchase_amount: Decimal
    original_receipt_id: int | None
    hold_id: int | None
    phone: str | None


@dataclass
class PointsPlan:
    """What the receipts of a batch will do to points (by the caller's index) and what was refused."""

    shop_id: int
    planned: dict[int, _Planned] = field(default_factory=dict)
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    balances: dict = field(default_factory=dict)

    def info(self, index: int) -> dict | None:
        """The printed receipt's loyalty part for a planned receipt (see selectors.receipt_points_info)."""
        p = self.planned.get(index)
        if p is None:
            return None
        from ..selectors.points import phone_mask

        return {
            "account_id": p.account_id,
            "phone_masked": phone_mask(p.phone),
            "points_accrued": p.accrued,
            "points_paid": p.paid,
            "accrued_available_on": p.available_on if p.accrued > 0 else None,
            "balance": p.active_after,
            "pending": p.pending_after,
            "future_accruals": p.pending_lots,
        }


def _excluded(product_ids) -> set[int]:
    ids = set(product_ids)
    if not ids:
        return set()
    return set(Product.objects.filter(pk__in=ids, excluded_from_discounts=True).values_list("pk", flat=True))


def receipts_points_prepare(*, shop_id: int, till_id: int, receipts: list[ReceiptPointsIn]) -> PointsPlan:
    """Plan the points of till receipts; call inside the caller's transaction, before the stock locks.

    Returns the plan: `errors[index]` for receipts that must be refused (points over the
    tier's share or the balance, a points payment without an account, not whole points),
    `planned[index]` for receipts that move points. Receipts with no card, phone or loyal
    sale are in neither. Locks the points balances of every account involved, in order.
    """
    plan = PointsPlan(shop_id=shop_id)
    value = points_value()
    today = timezone.localdate()
    wanted = [r for r in receipts if r.card_number or r.phone or r.original_receipt_id or r.points_amount]
    if not wanted:
        return plan
    phones = {r.index: phone_normalise(r.phone) for r in wanted if r.phone}
    by_card, by_phone = accounts_by_identifiers(
        cards={r.card_number for r in wanted if r.card_number}, phones={p for p in phones.values() if p}
    )
    originals = _originals([r.original_receipt_id for r in wanted if r.is_return and r.original_receipt_id])
    accounts: dict[int, dict | None] = {}
    for r in wanted:
        if r.is_return and r.original_receipt_id:
            sale = originals.get(r.original_receipt_id)
            accounts[r.index] = sale and {"account_id": sale["account_id"], "terms": None, "phone": sale["phone"]}
        else:
            accounts[r.index] = by_card.get(r.card_number) or by_phone.get(phones.get(r.index, ""))
    for r in wanted:
        errors = {}
        if r.points_amount:
            if accounts[r.index] is None:
                errors["card_number"] = [_("Points can only be paid with a known loyalty card or phone.")]
            elif (r.points_amount / value) != whole_down(r.points_amount / value):
                errors["payments"] = [_("Points pay in whole points of %(value)s each.") % {"value": value.normalize()}]
        if errors:
            plan.errors[r.index] = errors
    live = [r for r in wanted if r.index not in plan.errors and accounts.get(r.index)]
    if not live:
        return plan
    account_ids = sorted({accounts[r.index]["account_id"] for r in live})
    plan.balances = balances_for_update(POINTS, [(pk,) for pk in account_ids])
    # Active holds of these accounts, live or this till's for these receipts, in one query: the
    # receipt's own hold is consumed; the others' live holds are not spendable.
    holds, held = {}, defaultdict(Decimal)
    if any(r.points_amount and not r.is_return for r in live):
        now = timezone.now()
        uuids = {r.uuid for r in live}
        for hold in PointsHold.objects.filter(account_id__in=account_ids, status=HoldStatus.ACTIVE).filter(
            Q(expires_at__gt=now) | Q(till_id=till_id, receipt_uuid__in=uuids)
        ):
            if hold.till_id == till_id and hold.receipt_uuid in uuids:
                holds[hold.receipt_uuid] = hold
            else:
                held[hold.account_id] += hold.points
    states = accounts_points_load(
        account_ids,
        today=today,
        debts={key[0]: row.debt for key, row in plan.balances.items()},
        with_holds=False,
    )
    for account_id, points in held.items():
        states[account_id].held = points
    excluded = _excluded(product_id for r in live for product_id, _amount in r.lines)
    for r in live:
        account = accounts[r.index]
        state = states[account["account_id"]]
        eligible = eligible_amount(r.lines, excluded)
        try:
            if r.is_return:
                planned = _plan_return(r, account, state, eligible, originals.get(r.original_receipt_id), value)
            else:
                planned = _plan_sale(r, account, state, eligible, holds.get(r.uuid), value)
        except _Refused as refused:
            plan.errors[r.index] = refused.errors
            continue
        plan.planned[r.index] = planned
    return plan


class _Refused(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _snapshot(state: AccountPoints) -> tuple[Decimal, Decimal, list]:
    return state.active, state.pending, state.pending_lots()


def _plan_sale(r: ReceiptPointsIn, account: dict, state: AccountPoints, eligible, hold, value) -> _Planned:
    points_paid = whole_down(r.points_amount / value)
    quote = sale_quote(
        eligible=eligible,
        terms=account["terms"],
        spendable=state.spendable,
        points_paid=points_paid,
        day=r.business_date,
    )
    if quote.problem == "share":
        raise _Refused(
            {
                "payments": [
                    _(
                        "At most %(max)s points may pay for this receipt (the tier's share of the lines that take points)."
                    )
                    % {"max": quote.max_payable}
                ]
            }
        )
    moves: list[Move] = []
    paid_expires_on = None
    try:
        spent = state.spend(PointsKind.REDEMPTION, points_paid)
    except NotEnoughPoints as short:
        raise _Refused(
            {
                "payments": [
                    _("Only %(available)s points are spendable, %(needed)s needed.")
                    % {"available": short.available, "needed": short.needed}
                ]
            }
        ) from None
    if spent:
        paid_expires_on = max(m.expires_on for m in spent)
    moves += spent
    moves += state.credit(PointsKind.ACCRUAL, quote.accrued, quote.available_on, quote.expires_on)
    active, pending, lots = _snapshot(state)
    return _Planned(
        account_id=account["account_id"],
        moves=moves,
        business_date=r.business_date,
        eligible=eligible,
        accrued=quote.accrued,
        paid=points_paid,
        available_on=quote.available_on,
        expires_on=quote.expires_on,
        paid_expires_on=paid_expires_on,
        active_after=active,
        pending_after=pending,
        pending_lots=lots,
        purchase_amount=r.total_amount,
        original_receipt_id=None,
        hold_id=hold.pk if hold is not None else None,
        phone=account.get("phone"),
    )


def _plan_return(r: ReceiptPointsIn, account: dict, state: AccountPoints, eligible, sale, value) -> _Planned:
    available_on, expires_on = lot_dates(r.business_date)
    take = give = ZERO
    moves: list[Move] = []
    if sale is not None:
        take, give = return_quote(
            sale_eligible=sale["eligible"],
            sale_accrued=sale["accrued"],
            sale_paid=sale["paid"],
            returned_before=sale["returned"],
            taken_before=sale["taken"],
            given_before=sale["given"],
            returning=eligible,
        )
        # Later returns of the same sale in this batch see this one.
        sale["returned"] += eligible
        sale["taken"] += take
        sale["given"] += give
        available_on, expires_on = sale["available_on"], sale["expires_on"]
        moves += state.take_back(PointsKind.RETURN, take, available_on, expires_on)
        if give:
            back_expires = sale["paid_expires_on"] or expires_on
            moves += state.credit(PointsKind.REFUND, give, r.business_date, back_expires)
    if r.points_amount != give * value:
        raise _Refused(
            {
                "payments": [
                    _("This return gives back %(points)s points (%(amount)s); the points payment must say so.")
                    % {"points": give, "amount": give * value}
                ]
            }
        )
    active, pending, lots = _snapshot(state)
    return _Planned(
        account_id=account["account_id"],
        moves=moves,
        business_date=r.business_date,
        eligible=-eligible,
        accrued=-take,
        paid=-give,
        available_on=available_on,
        expires_on=expires_on,
        paid_expires_on=None,
        active_after=active,
        pending_after=pending,
        pending_lots=lots,
        purchase_amount=-r.total_amount,
        original_receipt_id=r.original_receipt_id,
        hold_id=None,
        phone=account.get("phone"),
    )


def _originals(receipt_ids) -> dict[int, dict]:
    """Sales' points rows and what their earlier returns took (two queries)."""
    ids = sorted({pk for pk in receipt_ids if pk})
    if not ids:
        return {}
    found = {
        row["receipt_id"]: {
            "account_id": row["account_id"],
            "phone": row["account__customer__phone"],
            "eligible": row["eligible_amount"],
            "accrued": _decimal(row["accrued"]),
            "paid": _decimal(row["paid"]),
            "available_on": row["available_on"],
            "expires_on": row["expires_on"],
            "paid_expires_on": row["paid_expires_on"],
            "returned": ZERO,
            "taken": ZERO,
            "given": ZERO,
        }
        for row in ReceiptPoints.objects.filter(receipt_id__in=ids).values(
            "receipt_id",
            "account_id",
            "account__customer__phone",
            "eligible_amount",
            "accrued",
            "paid",
            "available_on",
            "expires_on",
            "paid_expires_on",
        )
    }
    if found:
        for original, returned, taken, given in (
            ReceiptPoints.objects.filter(original_receipt_id__in=list(found))
            .values("original_receipt_id")
            .annotate(e=Sum("eligible_amount"), a=Sum("accrued"), p=Sum("paid"))
            .values_list("original_receipt_id", "e", "a", "p")
        ):
            found[original]["returned"] = -Decimal(str(returned)).quantize(Decimal("0.01"))
            found[original]["taken"] = -_decimal(taken)
            found[original]["given"] = -_decimal(given)
    return found


RECEIPT_POINTS_COLUMNS = [
    "receipt_id",
    "original_receipt_id",
    "account_id",
    "shop_id",
    "business_date",
    "eligible_amount",
    "accrued",
    "paid",
    "available_on",
    "expires_on",
    "paid_expires_on",
    "active_after",
    "pending_after",
    "pending_lots",
    "created_at",
]


def receipts_points_write(*, plan: PointsPlan, receipts: dict[int, tuple[int, int]]) -> None:
    """Write the plan's points for receipts now written: `receipts` {index: (receipt id, posting id)}.

    In the caller's transaction, on the balances the plan locked. Raises IntegrityError if a
    receipt's points were written before (the caller's replay rules normally stop it earlier).
    """
    if not plan.planned:
        return
    now = timezone.now()
    by_date: dict[datetime.date, list[PointsMovement]] = defaultdict(list)
    points_rows, purchase_rows, consumed = [], [], {}
    for index, p in plan.planned.items():
        receipt_id, posting_id = receipts[index]
        for m in p.moves:
            by_date[p.business_date].append(
                PointsMovement(
                    (p.account_id,),
                    (m.active, m.pending, m.debt),
                    m.kind,
                    receipt_id,
                    m.available_on,
                    m.expires_on,
                    source_id=receipt_id,
                    posting_id=posting_id,
                )
            )
        points_rows.append(
            (
                receipt_id,
                p.original_receipt_id,
                p.account_id,
                plan.shop_id,
                p.business_date,
                p.eligible,
                p.accrued,
                p.paid,
                p.available_on,
                p.expires_on,
                p.paid_expires_on,
                p.active_after,
                p.pending_after,
                # PostgreSQL gets arrays of text cast to jsonb; SQLite's rows are prepared by the field.
                json.dumps(p.pending_lots) if connection.vendor == "postgresql" else p.pending_lots,
                now,
            )
        )
        purchase_rows.append((p.account_id, plan.shop_id, p.business_date, p.purchase_amount, receipt_id, "shop", now))
        if p.hold_id is not None:
            consumed[p.hold_id] = receipt_id
    rows_insert(ReceiptPoints, RECEIPT_POINTS_COLUMNS, points_rows)
    rows_insert(
        AccountPurchase,
        ["account_id", "shop_id", "business_date", "amount", "receipt_id", "channel", "created_at"],
        purchase_rows,
    )
    if by_date:
        ledger_write_by_date(POINTS, movements_by_date=by_date, source_type=RECEIPT_SOURCE, balances=plan.balances)
    for hold_id, receipt_id in consumed.items():
        PointsHold.objects.filter(pk=hold_id).update(status=HoldStatus.CONSUMED, closed_at=now, receipt_id=receipt_id)


# --- holds ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def points_hold_place(
    *, account_id: int, shop_id: int, till_id: int, receipt_uuid: uuid.UUID, points: Decimal
) -> tuple[PointsHold, bool]:
    """Reserve spendable points for a receipt the till is about to upload; (hold, created).

    Under the account's balance lock: the points must be spendable beside every other live
    hold. The same receipt asking again for the same points gets its hold back (a retry);
    another amount is a HoldConflict. Raises PointsUnavailable when short; nothing is written then.
    """
    from django.conf import settings

    balances_for_update(POINTS, [(account_id,)])
    existing = PointsHold.objects.filter(till_id=till_id, receipt_uuid=receipt_uuid).first()
    if existing is not None:
        if existing.points == points and existing.status == HoldStatus.ACTIVE and existing.account_id == account_id:
            return existing, False
        raise HoldConflict()
    today = timezone.localdate()
    state = accounts_points_load([account_id], today=today)[account_id]
    if points > state.spendable:
        raise PointsUnavailable(
            _("Only %(available)s points are spendable, %(needed)s asked.")
            % {"available": state.spendable, "needed": points}
        )
    now = timezone.now()
    hold = PointsHold.objects.create(
        account_id=account_id,
        shop_id=shop_id,
        till_id=till_id,
        receipt_uuid=receipt_uuid,
        points=points,
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.POINTS_HOLD_MINUTES),
    )
    return hold, True


@transaction.atomic(durable=True)
def points_hold_release(*, till_id: int, receipt_uuid: uuid.UUID) -> PointsHold:
    """Give a hold's points back (the customer paid otherwise, the sale was cancelled). Idempotent."""
    hold = PointsHold.objects.select_for_update().filter(till_id=till_id, receipt_uuid=receipt_uuid).first()
    if hold is None:
        raise AccountNotFound(_("This receipt holds no points."))
    if hold.status == HoldStatus.ACTIVE:
        hold.status = HoldStatus.RELEASED
        hold.closed_at = timezone.now()
        hold.save(update_fields=["status", "closed_at"])
    return hold


# --- a plain redemption and credit (the concurrency contract; adjustments use the same pieces) ------


@transaction.atomic(durable=True)
def points_redeem(*, account_id: int, points: Decimal, source_type: str, source_id: int, actor=None) -> list:
    """Spend `points` from one account (the lots that expire first), or raise PointsUnavailable; one posting."""
    balances = balances_for_update(POINTS, [(account_id,)])
    state = accounts_points_load(
        [account_id], today=timezone.localdate(), debts={account_id: balances[(account_id,)].debt}
    )[account_id]
    try:
        moves = state.spend(PointsKind.REDEMPTION, points)
    except NotEnoughPoints as short:
        raise PointsUnavailable(
            _("Only %(available)s points are spendable, %(needed)s needed.")
            % {"available": short.available, "needed": short.needed}
        ) from None
    posting = posting_create(
        action=PostingAction.POST, actor=actor, document_type=source_type, document_id=source_id, number=str(source_id)
    )
    return _write_moves(account_id, moves, posting.pk, source_type, source_id, balances).entries


def _write_moves(account_id, moves, posting_id, source_type, source_id, balances, line_id=None):
    return ledger_write(
        POINTS,
        movements=[
            PointsMovement(
                (account_id,), (m.active, m.pending, m.debt), m.kind, line_id or source_id, m.available_on, m.expires_on
            )
            for m in moves
        ],
        posting_id=posting_id,
        business_date=timezone.localdate(),
        source_type=source_type,
        source_id=source_id,
        balances=balances,
    )


# --- the daily run: activation of due points, expiry of old ones -------------------------------------

RUN_CHUNK = 5000


def points_daily_run(*, today: datetime.date | None = None) -> dict:
    """Activate pending points due by `today` and write off spendable points expiring by it. Safe to run twice.

    Set-based: one grouped query finds the due lots of every account (partial indexes keep it
    to rows still holding points), the rows are written through the kernel in chunks of
    accounts, each chunk its own transaction under the accounts' locks (re-read under the
    lock, so a sale racing the run is never double-counted). Returns the counts.
    """
    from django.conf import settings

    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=settings.POINTS_RUN_LOOKBACK_DAYS)
    due = (
        PointsLedgerEntry.objects.filter(available_on__lte=today, available_on__gt=since)
        .exclude(pending=0)
        .values("account_id")
        .annotate(p=Sum("pending"))
        .filter(~Q(p=0))
        .values_list("account_id", flat=True)
    )
    expiring = (
        PointsLedgerEntry.objects.filter(expires_on__lte=today, expires_on__gt=since)
        .exclude(active=0)
        .values("account_id", "expires_on")
        .annotate(a=Sum("active"))
        .filter(~Q(a=0))
        .values_list("account_id", flat=True)
    )
    accounts = sorted(set(due) | set(expiring))
    counts = {"accounts": 0, "activated": ZERO, "expired": ZERO}
    for start in range(0, len(accounts), RUN_CHUNK):
        _run_chunk(accounts[start : start + RUN_CHUNK], today, since, counts)
    return counts


@transaction.atomic(durable=True)
def _run_chunk(account_ids: list[int], today, since, counts) -> None:
    balances = balances_for_update(POINTS, [(pk,) for pk in account_ids])
    movements = []
    source_id = today.toordinal()
    for account_id, available_on, expires_on, pending in (
        PointsLedgerEntry.objects.filter(account_id__in=account_ids, available_on__lte=today, available_on__gt=since)
        .values("account_id", "available_on", "expires_on")
        .annotate(p=Sum("pending"))
        .filter(~Q(p=0))
        .values_list("account_id", "available_on", "expires_on", "p")
    ):
        pending = _decimal(pending)
        movements.append(
            PointsMovement(
                (account_id,), (pending, -pending, ZERO), PointsKind.ACTIVATION, account_id, available_on, expires_on
            )
        )
        counts["activated"] += pending
    for account_id, available_on, expires_on, active in (
        PointsLedgerEntry.objects.filter(account_id__in=account_ids, expires_on__lte=today, expires_on__gt=since)
        .values("account_id", "available_on", "expires_on")
        .annotate(a=Sum("active"))
        .filter(~Q(a=0))
        .values_list("account_id", "available_on", "expires_on", "a")
    ):
        active = _decimal(active)
        movements.append(
            PointsMovement(
                (account_id,), (-active, ZERO, ZERO), PointsKind.EXPIRY, account_id, available_on, expires_on
            )
        )
        counts["expired"] += active
    # Points activated today on a lot that also expires by today go at once.
    for account_id, available_on, expires_on, pending in [
        (m.key[0], m.available_on, m.expires_on, m.amounts[0])
        for m in movements
        if m.kind == PointsKind.ACTIVATION and m.expires_on <= today
    ]:
        movements.append(
            PointsMovement(
                (account_id,), (-pending, ZERO, ZERO), PointsKind.EXPIRY, account_id, available_on, expires_on
            )
        )
        counts["expired"] += pending
    if not movements:
        return
    posting = posting_create(
        action=PostingAction.POST,
        document_type=DocumentType.POINTS_EXPIRY,
        document_id=source_id,
        number=f"PX-{today.isoformat()}",
    )
    # Re-read under the lock, a second run finds nothing to write; the ledger's unique rule is the last word.
    ledger_write(
        POINTS,
        movements=_merge_same_lot(movements),
        posting_id=posting.pk,
        business_date=today,
        source_type=DocumentType.POINTS_EXPIRY,
        source_id=source_id,
        balances=balances,
    )
    counts["accounts"] += len({m.key[0] for m in movements})


def _merge_same_lot(movements: list[PointsMovement]) -> list[PointsMovement]:
    merged: dict[tuple, list] = {}
    for m in movements:
        key = (m.key, m.kind, m.available_on, m.expires_on)
        if key in merged:
            merged[key] = [a + b for a, b in zip(merged[key], m.amounts, strict=True)]
        else:
            merged[key] = list(m.amounts)
    return [
        PointsMovement(key, tuple(amounts), kind, key[0], available_on, expires_on)
        for (key, kind, available_on, expires_on), amounts in merged.items()
    ]


# --- manual adjustments: documents with a reason, posted and audited ------------------------------


def adjustment_allowed(*, user, shop_id: int, points: Decimal) -> None:
    """Who may post an adjustment of `points` for `shop_id`: everyone who sees all shops (the owner, the
    accountant) without limit; a shop manager for their own shops, up to the owner's limit. Raises
    AdjustmentOverLimit or PermissionDenied."""
    from django.core.exceptions import PermissionDenied

    from inventory.scoping import user_may_see_shops, user_sees_all_shops

    from ..exceptions import AdjustmentOverLimit
    from ..models import PointsSettings

    if user is None or user_sees_all_shops(user):
        return
    if not user_may_see_shops(user=user, shop_ids=[shop_id]):
        raise PermissionDenied(_("This shop is not yours."))
    limit = PointsSettings.current().manager_adjustment_limit
    if abs(points) > limit:
        raise AdjustmentOverLimit(
            _("You may adjust at most %(limit)s points; ask the owner for %(points)s.")
            % {"limit": limit, "points": abs(points)}
        )


def points_adjustment_post(*, document_id: int, actor):
    """Post a points adjustment: credit or take the points, in one transaction, with its posting (audit).

    Raises DocumentNotDraft, PeriodClosed, AdjustmentOverLimit, PermissionDenied, PointsUnavailable
    (taking more than is spendable); nothing is written then.
    """
    from inventory.services.kernel import document_post

    from ..models import PointsAdjustment

    with transaction.atomic(durable=True):
        return document_post(
            model=PointsAdjustment,
            document_id=document_id,
            actor=actor,
            write=lambda doc, _lines, posting: _adjustment_write(doc, posting, actor),
            require_lines=False,
        )


def _adjustment_write(doc, posting, actor) -> None:
    adjustment_allowed(user=actor, shop_id=doc.shop_id, points=doc.points)
    today = timezone.localdate()
    balances = balances_for_update(POINTS, [(doc.account_id,)])
    state = accounts_points_load(
        [doc.account_id], today=today, debts={doc.account_id: balances[(doc.account_id,)].debt}
    )[doc.account_id]
    if doc.points > 0:
        _available, expires_on = lot_dates(today - datetime.timedelta(days=_activation_days()))
        moves = state.credit(doc.kind, doc.points, today, doc.expires_on or expires_on)
    else:
        try:
            moves = state.spend(doc.kind, -doc.points)
        except NotEnoughPoints as short:
            raise PointsUnavailable(
                _("Only %(available)s points are spendable, %(needed)s needed.")
                % {"available": short.available, "needed": short.needed}
            ) from None
    ledger_write(
        POINTS,
        movements=[
            PointsMovement(
                (doc.account_id,), (m.active, m.pending, m.debt), m.kind, doc.pk, m.available_on, m.expires_on
            )
            for m in moves
        ],
        posting_id=posting.pk,
        business_date=doc.business_date,
        source_type=DocumentType.POINTS_ADJUSTMENT,
        source_id=doc.pk,
        balances=balances,
    )


def _activation_days() -> int:
    from django.conf import settings

    return settings.POINTS_ACTIVATION_DAYS


@transaction.atomic(durable=True)
def points_adjustment_create(*, actor, post: bool = False, **fields):
    """A draft adjustment (validated as the admin form does); with `post`, posted in the same transaction."""
    from inventory.services.kernel import document_post

    from ..models import PointsAdjustment

    doc = PointsAdjustment(created_by=actor, **fields)
    doc.full_clean(exclude=["number"])
    doc.save()
    if post:
        document_post(
            model=PointsAdjustment,
            document_id=doc.pk,
            actor=actor,
            write=lambda d, _lines, posting: _adjustment_write(d, posting, actor),
            require_lines=False,
        )
        doc.refresh_from_db()
    return doc
