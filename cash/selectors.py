"""Reads of the cash domain."""

import datetime
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


# --- reports -------------------------------------------------------------------------------------------


def location_balances_at(*, day, shop_id: int | None = None) -> list[dict]:
    """Every location's balance at the end of `day`: one grouped query (locations LEFT JOIN their rows up to
    the day). With `shop_id`, that shop's drawers and desk only. Ordered by shop, kind, code."""
    from django.db.models import Q

    from inventory.money import money_output

    from .models import CashLocation

    locations = CashLocation.objects.all()
    if shop_id:
        locations = locations.filter(shop_id=shop_id)
    return list(
        locations.annotate(
            amount=Coalesce(
                Sum("entries__amount", filter=Q(entries__business_date__lte=day)), ZERO, output_field=money_output()
            )
        )
        .order_by("shop__code", "kind", "code")
        .values("pk", "code", "name", "kind", "shop__code", "shop__name", "is_active", "amount")
    )


def unsettled_money(*, day) -> list[dict]:
    """Money on its way to the bank at the end of `day`: encashments into transit not credited by then, and
    days of card takings not settled by then, each with its age in days. Two queries."""
    from django.db.models import Exists, OuterRef, Q

    from inventory.money import money_output

    from .choices import CashMovementKind, LocationKind, OrderReason
    from .models import CashLedgerEntry

    credited = CashOrder.objects.filter(settles_id=OuterRef("pk"), status=DocumentStatus.POSTED, business_date__lte=day)
    encashments = (
        CashOrder.objects.filter(
            reason=OrderReason.ENCASHMENT,
            status=DocumentStatus.POSTED,
            counter_location__kind=LocationKind.TRANSIT,
            business_date__lte=day,
        )
        .exclude(Exists(credited))
        .order_by("business_date", "pk")
        .values("number", "business_date", "amount", "location__name", "shop__code")
    )
    rows = [
        {
            "what": "transit",
            "document": e["number"],
            "location": e["location__name"],
            "shop": e["shop__code"] or "",
            "date": e["business_date"],
            "amount": e["amount"],
            "age": (day - e["business_date"]).days,
        }
        for e in encashments
    ]
    settled = CashOrder.objects.filter(
        location_id=OuterRef("location_id"),
        takings_date=OuterRef("business_date"),
        reason=OrderReason.CARD_SETTLEMENT,
        status=DocumentStatus.POSTED,
        business_date__lte=day,
    )
    cards = (
        CashLedgerEntry.objects.filter(
            Q(kind=CashMovementKind.CARD_SALE) | Q(kind=CashMovementKind.CARD_RETURN),
            location__kind=LocationKind.CARD,
            business_date__lte=day,
            business_date__gt=day - datetime.timedelta(days=366),
        )
        .values("location__name", "business_date")
        .annotate(gross=Sum("amount", output_field=money_output()), settled=Exists(settled))
        .filter(gross__gt=0, settled=False)
        .order_by("business_date", "location__name")
    )
    rows += [
        {
            "what": "card",
            "document": "",
            "location": c["location__name"],
            "shop": "",
            "date": c["business_date"],
            "amount": c["gross"],
            "age": (day - c["business_date"]).days,
        }
        for c in cards
    ]
    return rows


# Cash moves between our own locations net to nothing for the company: a cash flow leaves them out.
EXTERNAL_KINDS = (
    "sale",
    "sale_return",
    "card_sale",
    "card_return",
    "shortage",
    "surplus",
    "float_unbooked",
)


def cash_flow(*, date_from, date_to, shop_id: int | None = None) -> list[dict]:
    """Money in and out of the company by month, shop and category over a period (three grouped queries):
    till takings and refunds by kind, cash orders with an outside counterparty by reason and expense
    category, acquirers' fees. Moves between our own locations are left out (they net to nothing).

    Rows: {month, shop, category, in, out}; `category` is a label in the active language."""
    from django.db.models import Case, F, Q, When
    from django.db.models.functions import TruncMonth

    from inventory.money import money_output

    from .choices import INTERNAL_REASONS, CashMovementKind, OrderReason
    from .models import CashLedgerEntry, ExpenseCategory

    kinds = dict(CashMovementKind.choices)
    reasons = dict(OrderReason.choices)
    money = money_output()
    plus = Sum(Case(When(amount__gt=0, then=F("amount")), default=ZERO), output_field=money)
    minus = Sum(Case(When(amount__lt=0, then=-F("amount")), default=ZERO), output_field=money)
    out: list[dict] = []
    entries = CashLedgerEntry.objects.filter(
        kind__in=EXTERNAL_KINDS, business_date__range=(date_from, date_to)
    ).exclude(source_type="cash_order")
    if shop_id:
        entries = entries.filter(location__shop_id=shop_id)
    for r in (
        entries.annotate(month=TruncMonth("business_date"))
        .values("month", "location__shop__code", "kind")
        .annotate(plus=plus, minus=minus)
        .order_by()
    ):
        out.append(
            {
                "month": r["month"],
                "shop": r["location__shop__code"] or "",
                "category": str(kinds.get(r["kind"], r["kind"])),
                "in": r["plus"],
                "out": r["minus"],
            }
        )
    orders = CashOrder.objects.filter(status=DocumentStatus.POSTED, business_date__range=(date_from, date_to))
    if shop_id:
        orders = orders.filter(shop_id=shop_id)
    external = orders.exclude(Q(reason__in=INTERNAL_REASONS) | Q(counter_location__isnull=False))
    categories = {}
    signed_in = Sum(Case(When(direction="in", then=F("amount")), default=ZERO), output_field=money)
    signed_out = Sum(Case(When(direction="out", then=F("amount")), default=ZERO), output_field=money)
    order_rows = list(
        external.annotate(month=TruncMonth("business_date"))
        .values("month", "shop__code", "reason", "category_id")
        .annotate(plus=signed_in, minus=signed_out)
        .order_by()
    )
    fee_rows = list(
        orders.filter(reason=OrderReason.CARD_SETTLEMENT, fee_amount__gt=0)
        .annotate(month=TruncMonth("business_date"))
        .values("month", "shop__code", "category_id")
        .annotate(minus=Sum("fee_amount", output_field=money))
        .order_by()
    )
    wanted = {r["category_id"] for r in order_rows + fee_rows if r["category_id"]}
    if wanted:
        categories = {c.pk: c.full_name() for c in ExpenseCategory.objects.filter(pk__in=wanted)}
    for r in order_rows:
        label = str(reasons.get(r["reason"], r["reason"]))
        if r["category_id"]:
            label = f"{label}: {categories.get(r['category_id'], '')}"
        out.append(
            {"month": r["month"], "shop": r["shop__code"] or "", "category": label, "in": r["plus"], "out": r["minus"]}
        )
    for r in fee_rows:
        label = str(kinds[CashMovementKind.ACQUIRER_FEE])
        if r["category_id"]:
            label = f"{label}: {categories.get(r['category_id'], '')}"
        out.append(
            {"month": r["month"], "shop": r["shop__code"] or "", "category": label, "in": ZERO, "out": r["minus"]}
        )
    for r in out:
        if isinstance(r["month"], datetime.datetime):
            r["month"] = r["month"].date()
    out.sort(key=lambda r: (r["month"], r["shop"], r["category"]))
    return out


# A cashier's shortages recur when they fall in this many of the last RECURRING_WINDOW_MONTHS months.
RECURRING_SHORTAGE_MONTHS = 3
RECURRING_WINDOW_MONTHS = 6


def month_start(day: datetime.date, back: int = 0) -> datetime.date:
    """The first day of `day`'s month, `back` months earlier."""
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def cashier_discrepancies(*, date_from, date_to, shop_id: int | None = None) -> list[dict]:
    """Shortages and surpluses per cashier, shop and month of the period (one grouped query), each row with
    the cashier's 12-month trend ending at the period's last month and a flag when shortages recur
    (in RECURRING_SHORTAGE_MONTHS of the last RECURRING_WINDOW_MONTHS months)."""
    from django.db.models import Case, Count, F, Q, When
    from django.db.models.functions import TruncMonth

    from inventory.money import money_output

    from .models import CashierDiscrepancy

    money = money_output()
    last_month = month_start(date_to)
    first = min(month_start(date_from), month_start(date_to, 11))
    rows = CashierDiscrepancy.objects.filter(business_date__range=(first, date_to))
    if shop_id:
        rows = rows.filter(shop_id=shop_id)
    grouped = list(
        rows.annotate(month=TruncMonth("business_date"))
        .values("cashier_name", "shop__code", "month")
        .annotate(
            shortages=Count("pk", filter=Q(amount__lt=0)),
            short=Sum(Case(When(amount__lt=0, then=-F("amount")), default=ZERO), output_field=money),
            over=Sum(Case(When(amount__gt=0, then=F("amount")), default=ZERO), output_field=money),
            net=Sum("amount", output_field=money),
        )
        .order_by("cashier_name", "shop__code", "month")
    )
    for r in grouped:
        if isinstance(r["month"], datetime.datetime):
            r["month"] = r["month"].date()
    trend_months = [month_start(date_to, back) for back in range(11, -1, -1)]
    window = set(trend_months[-RECURRING_WINDOW_MONTHS:])
    trends: dict[tuple, dict] = {}
    for r in grouped:
        key = (r["cashier_name"], r["shop__code"])
        trend = trends.setdefault(key, {"net": dict.fromkeys(trend_months, ZERO), "short_months": 0})
        if r["month"] in trend["net"]:
            trend["net"][r["month"]] = r["net"]
        if r["month"] in window and r["shortages"]:
            trend["short_months"] += 1
    result = []
    for r in grouped:
        if not (month_start(date_from) <= r["month"] <= last_month):
            continue
        trend = trends[(r["cashier_name"], r["shop__code"])]
        result.append(
            {
                "cashier": r["cashier_name"],
                "shop": r["shop__code"],
                "month": r["month"],
                "shortages": r["shortages"],
                "short": r["short"],
                "over": r["over"],
                "net": r["net"],
                "trend": [trend["net"][m] for m in trend_months],
                "recurring": trend["short_months"] >= RECURRING_SHORTAGE_MONTHS,
            }
        )
    return result
