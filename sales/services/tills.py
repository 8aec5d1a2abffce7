"""Tokens, shifts and the Z-report. Each write is one durable transaction."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cash.selectors import shift_cash_orders_totals
from cash.services import shift_cash_close, shift_cash_open, till_cash_order
from inventory.money import round_money
from inventory.selectors import shop_local_date

from ..exceptions import ShiftAlreadyOpen, ShiftClosed, ShiftNotFound
from ..models import PaymentType, Receipt, ReceiptKind, ReceiptPayment, Shift, Till, TillToken, token_hash

ZERO = Decimal("0")

# The Z-report's figures in the order they are shown (admin page, printout), with their labels.
Z_REPORT_FIGURES = [
    ("receipts_count", gettext_lazy("receipts")),
    ("sales_count", gettext_lazy("sales")),
    ("sales_amount", gettext_lazy("sales amount")),
    ("discount_amount", gettext_lazy("discounts")),
    ("returns_count", gettext_lazy("returns")),
    ("returns_amount", gettext_lazy("returns amount")),
    ("first_receipt", gettext_lazy("first receipt")),
    ("last_receipt", gettext_lazy("last receipt")),
    ("opening_float", gettext_lazy("opening float")),
    ("cash_paid_in", gettext_lazy("cash paid in")),
    ("cash_paid_out", gettext_lazy("cash paid out")),
    ("cash_expected", gettext_lazy("cash expected")),
    ("cash_difference", gettext_lazy("cash shortage (-) or surplus (+)")),
    ("cash_to_desk", gettext_lazy("cash moved to the cash desk")),
    ("cash_left_in_drawer", gettext_lazy("cash left in the drawer")),
]


# --- tokens ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def till_token_issue(*, till: Till, actor=None) -> str:
    """Issue a token for a till and return it: it is shown this once and stored only as a hash."""
    raw = f"{till.code}.{TillToken.generate()}"
    TillToken.objects.create(till=till, prefix=raw[:12], key_hash=token_hash(raw), created_by=actor)
    return raw


def till_token_revoke(*, token: TillToken) -> None:
    TillToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def till_for_token(raw: str) -> Till | None:
    """The active till a token belongs to, or None (unknown, revoked, or till switched off)."""
    token = (
        TillToken.objects.select_related("till__shop")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, till__is_active=True)
        .first()
    )
    return token.till if token else None


# --- shifts ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def shift_open(*, till: Till, opening_float: Decimal, opened_at=None, cashier_name: str = "") -> Shift:
    """Open the till's next shift. Raises ShiftAlreadyOpen (also when two opens race: a constraint decides)."""
    Till.objects.select_for_update().get(pk=till.pk)
    if Shift.objects.filter(till=till, closed_at__isnull=True).exists():
        raise ShiftAlreadyOpen()
    number = (Shift.objects.filter(till=till).aggregate(n=Max("number"))["n"] or 0) + 1
    opened_at = opened_at or timezone.now()
    shift = Shift.objects.create(
        till=till,
        number=number,
        opened_at=opened_at,
        business_date=shop_local_date(shop=till.shop, at=opened_at),
        opening_float=opening_float,
        cashier_name=cashier_name,
    )
    # The drawer's books follow the float the till counted (topped up from the cash desk, or given back).
    shift_cash_open(
        till_id=till.pk,
        shop=till.shop,
        till_code=till.code,
        shift_id=shift.pk,
        shift_label=f"{till.code} #{shift.number}",
        opening_float=opening_float,
        business_date=shift.business_date,
    )
    return shift


@transaction.atomic(durable=True)
def shift_close(
    *, till: Till, shift_id: int, counted_cash: Decimal, till_report: dict | None = None, closed_at=None
) -> Shift:
    """Close a shift: compute its Z-report from the receipts we hold and compare it with the till's figures.

    Waits for uploads in flight (they hold the shift's lock), so the report counts every
    receipt the shift took. Differences (cash counted vs expected; any figure the till
    reports that differs from ours) are stored and flag the shift for the owner.
    """
    shift = Shift.objects.select_for_update().filter(pk=shift_id, till=till).first()
    if shift is None:
        raise ShiftNotFound()
    if not shift.is_open:
        raise ShiftClosed()
    shift.closed_at = closed_at or timezone.now()
    shift.counted_cash = counted_cash
    shift.z_report = z_report_compute(shift)
    # The drawer's cash: shortage or surplus against the cashier, takings to the shop's cash desk.
    cash = shift_cash_close(
        till_id=till.pk,
        shop=till.shop,
        till_code=till.code,
        shift_id=shift.pk,
        shift_label=f"{till.code} #{shift.number}",
        cashier_name=shift.cashier_name,
        counted_amount=counted_cash,
        business_date=shop_local_date(shop=till.shop, at=shift.closed_at),
    )
    shift.z_report.update(_jsonable(cash))
    shift.till_report = _jsonable(till_report) if till_report else None
    shift.differences = z_report_differences(shift.z_report, till_report or {}, counted_cash)
    shift.has_differences = bool(shift.differences)
    shift.save(update_fields=["closed_at", "counted_cash", "z_report", "till_report", "differences", "has_differences"])
    return shift


@transaction.atomic(durable=True)
def till_cash_record(
    *, till: Till, client_uuid, direction: str, amount: Decimal, counterparty: str = "", comment: str = ""
):
    """A pay-in ("in") or pay-out ("out") the till recorded during its open shift, posted at once (cash orders).

    Under the open shift's lock, so it counts in the shift's Z-report. Returns (order, created
    now?). Raises ShiftNotFound without an open shift; TillOrderConflict, LedgerOverdraft from cash.
    """
    shift = Shift.objects.select_for_update().filter(till=till, closed_at__isnull=True).first()
    if shift is None:
        raise ShiftNotFound(_("The till has no open shift: open one before recording cash."))
    return till_cash_order(
        till_id=till.pk,
        shop=till.shop,
        till_code=till.code,
        shift_id=shift.pk,
        client_uuid=client_uuid,
        direction=direction,
        amount=amount,
        business_date=shop_local_date(shop=till.shop, at=timezone.now()),
        counterparty=counterparty,
        comment=comment,
    )


def z_report_compute(shift: Shift) -> dict:
    """The shift's figures from its receipts: two aggregate queries, whatever the number of receipts."""
    by_kind = {
        row["kind"]: row
        for row in Receipt.objects.filter(shift=shift)
        .values("kind")
        .annotate(
            count=Count("id"),
            amount=Sum("total_amount"),
            discount=Sum("discount_amount"),
            first=Min("sequence"),
            last=Max("sequence"),
            first_time=Min("till_time"),
            last_time=Max("till_time"),
        )
    }
    payments: dict[str, dict[str, Decimal]] = {ReceiptKind.SALE: {}, ReceiptKind.RETURN: {}}
    for row in (
        ReceiptPayment.objects.filter(receipt__shift=shift)
        .values("receipt__kind", "type")
        .annotate(amount=Sum("amount"))
        .order_by()
    ):
        payments[row["receipt__kind"]][row["type"]] = row["amount"]
    sales, returns = by_kind.get(ReceiptKind.SALE, {}), by_kind.get(ReceiptKind.RETURN, {})
    rows = [r for r in (sales, returns) if r]
    net = {
        t: payments[ReceiptKind.SALE].get(t, ZERO) - payments[ReceiptKind.RETURN].get(t, ZERO)
        for t in sorted(set(payments[ReceiptKind.SALE]) | set(payments[ReceiptKind.RETURN]))
    }
    paid = shift_cash_orders_totals(shift_id=shift.pk)  # pay-ins and pay-outs the till recorded
    cash_expected = shift.opening_float + net.get(PaymentType.CASH, ZERO) + paid["in"] - paid["out"]
    report = {
        "receipts_count": sum(r["count"] for r in rows),
        "sales_count": sales.get("count", 0),
        "sales_amount": round_money(sales.get("amount") or ZERO),
        "discount_amount": round_money(sales.get("discount") or ZERO),
        "returns_count": returns.get("count", 0),
        "returns_amount": round_money(returns.get("amount") or ZERO),
        "payments": {k: round_money(v) for k, v in net.items()},
        "sales_payments": {k: round_money(v) for k, v in payments[ReceiptKind.SALE].items()},
        "returns_payments": {k: round_money(v) for k, v in payments[ReceiptKind.RETURN].items()},
        "first_receipt": min((r["first"] for r in rows), default=None),
        "last_receipt": max((r["last"] for r in rows), default=None),
        "first_time": min((r["first_time"] for r in rows), default=None),
        "last_time": max((r["last_time"] for r in rows), default=None),
        "opening_float": round_money(shift.opening_float),
        "cash_paid_in": round_money(paid["in"]),
        "cash_paid_out": round_money(paid["out"]),
        "cash_expected": round_money(cash_expected),
    }
    return _jsonable(report)


def z_report_differences(ours: dict, till: dict, counted_cash: Decimal) -> list[dict]:
    """Every figure where the till, or the counted cash, disagrees with our Z-report."""
    differences = []

    def compare(name: str, our_value, till_value):
        if till_value is None:
            return
        if Decimal(str(our_value)) != Decimal(str(till_value)):
            differences.append(
                {
                    "figure": name,
                    "ours": str(our_value),
                    "till": str(till_value),
                    "difference": str(Decimal(str(till_value)) - Decimal(str(our_value))),
                }
            )

    compare("counted_cash", ours["cash_expected"], counted_cash)
    for name in ("receipts_count", "sales_amount", "returns_amount"):
        compare(name, ours[name], till.get(name))
    for kind, amount in (till.get("payments") or {}).items():
        compare(f"payments.{kind}", ours["payments"].get(kind, "0"), amount)
    return differences


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
