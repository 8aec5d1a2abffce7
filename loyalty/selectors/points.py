"""Reads of the points ledger: accounts by card or phone, an account's lots and holds, receipts' points."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from ..choices import CardStatus, HoldStatus
from ..models import Card, Customer, PointsBalance, PointsHold, PointsLedgerEntry, ReceiptPoints, Tier
from ..services.calculator import ZERO, AccountPoints, TierTerms

PHONE_DIGITS = re.compile(r"\D+")


def phone_normalise(raw: str) -> str:
    """A phone as E.164 (+77011234567); Kazakh and Russian local forms (8 701 ..., 701 ...) get +7. '' when not a phone."""
    digits = PHONE_DIGITS.sub("", raw or "")
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10:
        digits = "7" + digits
    if not 10 <= len(digits) <= 15:
        return ""
    return "+" + digits


def phone_mask(phone: str | None) -> str:
    """+77011234567 -> +7701***4567: what a printed receipt shows."""
    if not phone:
        return ""
    return phone[:5] + "***" + phone[-4:] if len(phone) > 9 else "***"


ACCOUNT_FIELDS = (
    "account_id",
    "account__customer__phone",
    "account__customer__name",
    "account__tier__name",
    "account__tier__accrual_percent",
    "account__tier__max_redeem_percent",
)


def _entry_tier() -> tuple:
    tier = Tier.objects.order_by("rank").values_list("name", "accrual_percent", "max_redeem_percent").first()
    return tier or ("", ZERO, ZERO)


def _account_row(values: tuple) -> dict:
    account_id, phone, name, tier_name, accrual, share = values
    if tier_name is None:
        tier_name, accrual, share = _entry_tier()
    return {
        "account_id": account_id,
        "phone": phone,
        "phone_masked": phone_mask(phone),
        "name": name or "",
        "tier": tier_name,
        "terms": TierTerms(Decimal(accrual), Decimal(share)),
    }


def accounts_by_identifiers(*, cards: set[str], phones: set[str]) -> tuple[dict[str, dict], dict[str, dict]]:
    """Accounts by active card number and by normalised phone: ({card: row}, {phone: row}); one query per kind.

    Blocked and free cards identify nothing. Unique indexes on card number and phone make each a lookup.
    """
    by_card, by_phone = {}, {}
    if cards:
        for number, *values in Card.objects.filter(number__in=cards, status=CardStatus.ACTIVE).values_list(
            "number", *ACCOUNT_FIELDS
        ):
            by_card[number] = _account_row(tuple(values))
    if phones:
        fields = ("phone", "account__id", "phone", "name", *ACCOUNT_FIELDS[3:])
        for phone, *values in Customer.objects.filter(phone__in=phones, account__isnull=False).values_list(*fields):
            by_phone[phone] = _account_row(tuple(values))
    return by_card, by_phone


def account_find(*, card: str = "", phone: str = "") -> dict | None:
    """One account by card number (or barcode: the same digits) or phone; None when none matches."""
    card = (card or "").strip()
    normal = phone_normalise(phone) if phone else ""
    by_card, by_phone = accounts_by_identifiers(cards={card} if card else set(), phones={normal} if normal else set())
    return by_card.get(card) or by_phone.get(normal)


def _decimal(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal(1))


def accounts_points_load(
    account_ids,
    *,
    today: datetime.date,
    debts: dict[int, Decimal] | None = None,
    skip_holds: set[int] = frozenset(),
    with_holds: bool = True,
) -> dict[int, AccountPoints]:
    """Each account's lots that still hold points, its debt and its live holds (`skip_holds`: hold ids left out).

    Call under the accounts' balance locks when the result decides a write. Two queries (three without `debts`).
    """
    ids = sorted(set(account_ids))
    states = {pk: AccountPoints(pk, today) for pk in ids}
    if not ids:
        return states
    rows = (
        PointsLedgerEntry.objects.filter(account_id__in=ids)
        .values("account_id", "available_on", "expires_on")
        .annotate(a=Sum("active"), p=Sum("pending"))
        .filter(~Q(a=0) | ~Q(p=0))
        .values_list("account_id", "available_on", "expires_on", "a", "p")
    )
    for account_id, available_on, expires_on, active, pending in rows:
        states[account_id].lots[(available_on, expires_on)] = [_decimal(active), _decimal(pending)]
    if debts is None:
        debts = dict(PointsBalance.objects.filter(account_id__in=ids).values_list("account_id", "debt"))
    for pk, debt in debts.items():
        if pk in states:
            states[pk].debt = _decimal(debt)
    if not with_holds:  # nothing is spent: holds change nothing
        return states
    holds = (
        PointsHold.objects.filter(account_id__in=ids, status=HoldStatus.ACTIVE, expires_at__gt=timezone.now())
        .exclude(pk__in=skip_holds)
        .values("account_id")
        .annotate(s=Sum("points"))
        .values_list("account_id", "s")
    )
    for account_id, held in holds:
        states[account_id].held = _decimal(held)
    return states


def account_points_get(*, account_id: int, today: datetime.date) -> AccountPoints:
    return accounts_points_load([account_id], today=today)[account_id]


def receipts_points_get(receipt_ids) -> dict[int, dict]:
    """What each receipt did to points, as its printed receipt shows it; receipts without a card are absent."""
    found = {}
    for row in ReceiptPoints.objects.filter(receipt_id__in=list(receipt_ids)).select_related("account__customer"):
        found[row.receipt_id] = receipt_points_info(row, phone=row.account.customer.phone)
    return found


def receipt_points_info(row: ReceiptPoints, *, phone: str | None) -> dict:
    return {
        "account_id": row.account_id,
        "phone_masked": phone_mask(phone),
        "points_accrued": row.accrued,
        "points_paid": row.paid,
        "accrued_available_on": row.available_on if row.accrued > 0 else None,
        "balance": row.active_after,
        "pending": row.pending_after,
        "future_accruals": row.pending_lots,
    }


def account_holds_live(account_id: int):
    return PointsHold.objects.filter(account_id=account_id, status=HoldStatus.ACTIVE, expires_at__gt=timezone.now())


# --- reports: set-based, over every account -----------------------------------------------------------


def _rows(sql: str, params: list) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def points_liability(*, shop_ids: list[int] | None = None) -> list[dict]:
    """Outstanding points by the accounts' home shop (None: no home shop): accounts, spendable, pending,
    debt. One grouped query over the balances; `shop_ids` limits it to those home shops."""
    from ..models import LoyaltyAccount

    balance = PointsBalance._meta.db_table
    account = LoyaltyAccount._meta.db_table
    where, params = "", []
    if shop_ids is not None:
        where = f"WHERE a.home_shop_id IN ({', '.join(['%s'] * len(shop_ids))})" if shop_ids else "WHERE 1 = 0"
        params = list(shop_ids)
    sql = (
        f"SELECT a.home_shop_id, COUNT(*), SUM(b.active), SUM(b.pending), SUM(b.debt) "
        f"FROM {balance} b JOIN {account} a ON a.id = b.account_id {where} "
        "GROUP BY a.home_shop_id ORDER BY a.home_shop_id IS NULL, a.home_shop_id"
    )
    return [
        {"shop_id": shop, "accounts": n, "active": _decimal(a), "pending": _decimal(p), "debt": _decimal(d)}
        for shop, n, a, p, d in _rows(sql, params)
    ]


def points_expiring(
    *, date_from: datetime.date, date_to: datetime.date, shop_ids: list[int] | None = None
) -> list[dict]:
    """Spendable points that expire from `date_from` to `date_to`, by expiry date: accounts and points.

    Lots are summed per account first (a lot partly spent counts what is left), in SQL.
    """
    from ..models import LoyaltyAccount

    entry = PointsLedgerEntry._meta.db_table
    account = LoyaltyAccount._meta.db_table
    join, params = "", [date_from, date_to]
    if shop_ids is not None:
        join = f"JOIN {account} a ON a.id = e.account_id AND a.home_shop_id IN ({', '.join(['%s'] * len(shop_ids))})"
        params = [*shop_ids, *params] if shop_ids else params
        if not shop_ids:
            return []
    sql = (
        "SELECT expires_on, COUNT(*), SUM(left_points) FROM ("
        f"SELECT e.account_id, e.expires_on, SUM(e.active) AS left_points FROM {entry} e {join} "
        "WHERE e.expires_on >= %s AND e.expires_on <= %s GROUP BY e.account_id, e.expires_on "
        "HAVING SUM(e.active) > 0) lots GROUP BY expires_on ORDER BY expires_on"
    )
    return [{"expires_on": _as_date(day), "accounts": n, "points": _decimal(p)} for day, n, p in _rows(sql, params)]


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
