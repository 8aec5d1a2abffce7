"""Reads of the cash domain."""

from decimal import Decimal

from django.db.models import DecimalField, Sum
from django.db.models.functions import Coalesce

from inventory.choices import DocumentStatus

from .choices import OrderDirection
from .models import CashOrder

ZERO = Decimal("0.00")


def shift_cash_orders_totals(*, shift_id: int) -> dict[str, Decimal]:
    """Posted pay-ins and pay-outs a till recorded during a shift: {"in": ..., "out": ...} (for its Z-report)."""
    rows = dict(
        CashOrder.objects.filter(shift_id=shift_id, status=DocumentStatus.POSTED)
        .values("direction")
        .annotate(total=Coalesce(Sum("amount"), ZERO, output_field=DecimalField(max_digits=18, decimal_places=2)))
        .values_list("direction", "total")
        .order_by()
    )
    return {"in": rows.get(OrderDirection.IN, ZERO), "out": rows.get(OrderDirection.OUT, ZERO)}


def cash_book(*, location_id: int, date_from, date_to) -> list[dict]:
    """The cash book of one location over a period: per day with movements (and the first day always),
    the opening balance, each ledger row (its document, what it was, in or out) and the closing balance.

    Two queries: the opening balance (a sum before the period) and the period's rows. Amounts are
    Decimals quantized to cents (SQLite sums floats).
    """
    from django.db.models import Sum

    from .models import CashLedgerEntry

    cents = Decimal("0.01")
    before = CashLedgerEntry.objects.filter(location_id=location_id, business_date__lt=date_from).aggregate(
        s=Sum("amount", output_field=DecimalField(max_digits=18, decimal_places=2))
    )["s"]
    balance = Decimal(str(before or 0)).quantize(cents)
    rows = list(
        CashLedgerEntry.objects.filter(location_id=location_id, business_date__range=(date_from, date_to))
        .order_by("business_date", "id")
        .values("business_date", "amount", "kind", "source_type", "source_id", "posting__document_number")
    )
    orders = {
        o.pk: o
        for o in CashOrder.objects.filter(
            pk__in=[r["source_id"] for r in rows if r["source_type"] == "cash_order"]
        ).only("pk", "counterparty", "reason", "comment")
    }
    days: list[dict] = []
    for r in rows:
        if not days or days[-1]["date"] != r["business_date"]:
            if days:
                balance = days[-1]["closing"]
            days.append({"date": r["business_date"], "opening": balance, "lines": [], "in": ZERO, "out": ZERO})
        day = days[-1]
        amount = Decimal(str(r["amount"])).quantize(cents)
        order = orders.get(r["source_id"]) if r["source_type"] == "cash_order" else None
        what = (
            " — ".join(x for x in (order.get_reason_display(), order.counterparty) if x)
            if order
            else str(dict(CashLedgerEntry._meta.get_field("kind").choices).get(r["kind"], r["kind"]))
        )
        day["lines"].append({"document": r["posting__document_number"], "what": what, "amount": amount})
        day["in" if amount > 0 else "out"] += abs(amount)
        day["closing"] = day["opening"] + day["in"] - day["out"]
    if not days:
        days.append({"date": date_from, "opening": balance, "lines": [], "in": ZERO, "out": ZERO, "closing": balance})
    return days


def card_takings_open(*, date_from, date_to, location_ids=None) -> list[dict]:
    """Days of card takings not settled yet: {location_id, day, gross} for each card location and day with
    net card takings (sales less refunds) above zero and no posted settlement naming that day.

    One grouped query over the card rows of the period (index on location, business date).
    """
    from django.db.models import Exists, OuterRef

    from inventory.money import money_output

    from .choices import CashMovementKind, LocationKind, OrderReason
    from .models import CashLedgerEntry

    settled = CashOrder.objects.filter(
        location_id=OuterRef("location_id"),
        takings_date=OuterRef("business_date"),
        reason=OrderReason.CARD_SETTLEMENT,
        status=DocumentStatus.POSTED,
    )
    rows = CashLedgerEntry.objects.filter(
        location__kind=LocationKind.CARD,
        kind__in=[CashMovementKind.CARD_SALE, CashMovementKind.CARD_RETURN],
        business_date__range=(date_from, date_to),
    )
    if location_ids is not None:
        rows = rows.filter(location_id__in=location_ids)
    return [
        {"location_id": r["location_id"], "day": r["business_date"], "gross": r["gross"]}
        for r in rows.values("location_id", "business_date")
        .annotate(gross=Sum("amount", output_field=money_output()))
        .filter(gross__gt=0)
        .annotate(settled=Exists(settled))
        .filter(settled=False)
        .order_by("business_date", "location_id")
    ]


def encashments_open(*, date_from=None, date_to=None):
    """Posted encashments into transit that no posted bank credit names yet (money still on its way)."""
    from django.db.models import Exists, OuterRef

    from .choices import LocationKind, OrderReason

    credited = CashOrder.objects.filter(settles_id=OuterRef("pk"), status=DocumentStatus.POSTED)
    orders = CashOrder.objects.filter(
        reason=OrderReason.ENCASHMENT,
        status=DocumentStatus.POSTED,
        counter_location__kind=LocationKind.TRANSIT,
    ).exclude(Exists(credited))
    if date_from is not None:
        orders = orders.filter(business_date__gte=date_from)
    if date_to is not None:
        orders = orders.filter(business_date__lte=date_to)
    return orders
