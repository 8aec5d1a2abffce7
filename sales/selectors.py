"""Reads of sales for reports: aggregates in the database, one query per figure set."""

import datetime
import uuid
import zoneinfo
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Sum, When
from django.db.models.functions import ExtractHour
from django.utils import timezone

from inventory.choices import DocumentType
from inventory.models import Shop, StockLedgerEntry
from inventory.selectors import product_ids_matching_code

from .models import Receipt, ReceiptKind, ReceiptLine, Shift, Till

ZERO = Decimal("0")
RECEIPT_SOURCE = DocumentType.RECEIPT


def _signed(field: str, kind_path: str):
    """A sale counts up, a return down."""
    return Sum(
        Case(
            When(**{kind_path: ReceiptKind.RETURN}, then=-F(field)),
            default=F(field),
            output_field=DecimalField(max_digits=18, decimal_places=3),
        )
    )


SALES_CHUNK = 2000
Q3, Q2 = Decimal("0.001"), Decimal("0.01")


def _exact(value, places: Decimal) -> Decimal:
    # SQLite sums decimals as floats: through str, then to the column's places.
    return (value if isinstance(value, Decimal) else Decimal(str(value or 0))).quantize(places)


def _sales_by_product_sql(shop_ids, date_from, date_to, group_path, *, totals: bool) -> tuple[str, list]:
    """Receipt lines summed per (shop, product) LEFT JOINed to the receipts' ledger cost per (shop, product): one query."""
    from inventory.models import Product, ProductGroup

    line, receipt, entry = ReceiptLine._meta.db_table, Receipt._meta.db_table, StockLedgerEntry._meta.db_table
    product, group, shop = Product._meta.db_table, ProductGroup._meta.db_table, Shop._meta.db_table
    shops = ", ".join(["%s"] * len(shop_ids))
    group_sql = "AND g.path LIKE %s" if group_path else ""
    sold = f"""
        SELECT r.shop_id, rl.product_id,
               SUM(CASE WHEN r.kind = %s THEN -rl.quantity ELSE rl.quantity END) AS quantity,
               SUM(CASE WHEN r.kind = %s THEN -rl.amount ELSE rl.amount END) AS revenue
        FROM {line} rl JOIN {receipt} r ON r.id = rl.receipt_id
        WHERE r.shop_id IN ({shops}) AND r.business_date BETWEEN %s AND %s
        GROUP BY r.shop_id, rl.product_id"""
    cost = f"""
        SELECT e.shop_id, e.product_id, -SUM(e.cost_amount) AS cost
        FROM {entry} e
        WHERE e.source_type = %s AND e.shop_id IN ({shops}) AND e.business_date BETWEEN %s AND %s
        GROUP BY e.shop_id, e.product_id"""
    params = [ReceiptKind.RETURN, ReceiptKind.RETURN, *shop_ids, date_from, date_to]
    params += [RECEIPT_SOURCE, *shop_ids, date_from, date_to]
    params += [f"{group_path}%"] if group_path else []
    joins = f"""
        FROM ({sold}) l
        JOIN {product} p ON p.id = l.product_id
        JOIN {group} g ON g.id = p.group_id
        JOIN {shop} s ON s.id = l.shop_id
        LEFT JOIN ({cost}) c ON c.shop_id = l.shop_id AND c.product_id = l.product_id
        WHERE 1 = 1 {group_sql}"""
    if totals:
        return f"SELECT COUNT(*), SUM(l.revenue), SUM(COALESCE(c.cost, 0)) {joins}", params
    return (
        f"SELECT s.code, g.name, g.path, p.sku, p.name, p.unit, l.quantity, l.revenue, COALESCE(c.cost, 0) {joins} "
        "ORDER BY s.code, g.path, p.sku, p.id",
        params,
    )


def sales_by_product_rows(
    *, shop_ids: list[int], date_from: datetime.date, date_to: datetime.date, group_path: str | None = None
):
    """Net quantity, revenue, cost and margin per shop and product over a period (returns netted out), streamed.

    Revenue comes from receipt lines, cost from the stock ledger rows the receipts wrote,
    including later re-costing adjustments: both summed and joined in one query, in the
    database; rows come in chunks from a server-side cursor, ordered by shop, group and
    SKU, so a chain's year (hundreds of thousands of rows) never sits in memory whole.
    """
    if not shop_ids:
        return
    sql, params = _sales_by_product_sql(shop_ids, date_from, date_to, group_path, totals=False)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(SALES_CHUNK):
            for code, group_name, group_path_, sku, name, unit, quantity, revenue, cost in chunk:
                revenue, cost = _exact(revenue, Q2), _exact(cost, Q2)
                margin = revenue - cost
                yield {
                    "shop": code,
                    "group": group_name,
                    "group_path": group_path_,
                    "sku": sku,
                    "name": name,
                    "unit": unit,
                    "quantity": _exact(quantity, Q3),
                    "revenue": revenue,
                    "cost": cost,
                    "margin": margin,
                    "margin_percent": (margin * 100 / revenue).quantize(Q2) if revenue else None,
                }


def sales_by_product_totals(
    *, shop_ids: list[int], date_from: datetime.date, date_to: datetime.date, group_path: str | None = None
) -> dict:
    """The rows `sales_by_product_rows` gives, counted, and their revenue, cost and margin: one aggregate query."""
    if not shop_ids:
        return {"rows": 0, "revenue": ZERO.quantize(Q2), "cost": ZERO.quantize(Q2), "margin": ZERO.quantize(Q2)}
    sql, params = _sales_by_product_sql(shop_ids, date_from, date_to, group_path, totals=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, revenue, cost = cursor.fetchone()
    revenue, cost = _exact(revenue, Q2), _exact(cost, Q2)
    return {"rows": count, "revenue": revenue, "cost": cost, "margin": revenue - cost}


def sales_by_product(
    *, shop_ids: list[int], date_from: datetime.date, date_to: datetime.date, group_path: str | None = None
) -> list[dict]:
    """`sales_by_product_rows` as a list (small periods and tests; reports stream the rows)."""
    return list(sales_by_product_rows(shop_ids=shop_ids, date_from=date_from, date_to=date_to, group_path=group_path))


def receipts_by_day(*, shop_ids: list[int], date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """Per shop and day: sales receipts, revenue, average receipt, returns."""
    sale, ret = Q(kind=ReceiptKind.SALE), Q(kind=ReceiptKind.RETURN)
    rows = (
        Receipt.objects.filter(shop_id__in=shop_ids, business_date__range=(date_from, date_to))
        .values("shop__code", "business_date")
        .annotate(
            sales=Count("id", filter=sale),
            revenue=Sum("total_amount", filter=sale, default=ZERO),
            returns=Count("id", filter=ret),
            returned=Sum("total_amount", filter=ret, default=ZERO),
        )
        .order_by("shop__code", "business_date")
    )
    return [
        {**r, "average": (r["revenue"] / r["sales"]).quantize(Decimal("0.01")) if r["sales"] else None} for r in rows
    ]


def sales_by_hour(*, shop_ids: list[int], date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """Receipts and revenue by hour of the day, in each shop's own time zone, summed over the shops."""
    hours: dict[int, dict] = defaultdict(lambda: {"sales": 0, "revenue": ZERO})
    by_zone: dict[str, list[int]] = defaultdict(list)
    for shop_id, zone in Shop.objects.filter(pk__in=shop_ids).values_list("pk", "time_zone"):
        by_zone[str(zone)].append(shop_id)
    for zone, shops in by_zone.items():  # one query per time zone (a chain has a handful)
        rows = (
            Receipt.objects.filter(shop_id__in=shops, kind=ReceiptKind.SALE, business_date__range=(date_from, date_to))
            .annotate(hour=ExtractHour("till_time", tzinfo=zoneinfo.ZoneInfo(zone)))
            .values("hour")
            .annotate(sales=Count("id"), revenue=Sum("total_amount"))
            .order_by()
        )
        for r in rows:
            hours[r["hour"]]["sales"] += r["sales"]
            hours[r["hour"]]["revenue"] += r["revenue"]
    return [
        {
            "hour": hour,
            **hours[hour],
            "average": (hours[hour]["revenue"] / hours[hour]["sales"]).quantize(Decimal("0.01")),
        }
        for hour in sorted(hours)
    ]


def return_lines(*, shop_ids: list[int], date_from: datetime.date, date_to: datetime.date):
    """Every returned line of the period with its return and original receipt."""
    return (
        ReceiptLine.objects.filter(
            receipt__kind=ReceiptKind.RETURN,
            receipt__shop_id__in=shop_ids,
            receipt__business_date__range=(date_from, date_to),
        )
        .select_related("receipt__shop", "receipt__till", "receipt__original__till", "product")
        .order_by("receipt__business_date", "receipt__id", "line_no")
    )


def shift_differences(*, shop_ids: list[int], date_from: datetime.date, date_to: datetime.date):
    """Closed shifts of the period whose till figures or counted cash differ from ours."""
    return (
        Shift.objects.filter(
            till__shop_id__in=shop_ids,
            has_differences=True,
            closed_at__isnull=False,
            business_date__range=(date_from, date_to),
        )
        .select_related("till__shop")
        .order_by("till__shop__code", "till__code", "number")
    )


def receipt_ledger_differences() -> list[dict]:
    """Receipts against the stock ledger: each receipt line has its stock row, and each row its line.

    Two anti-joins over the whole table (set-based: a year of 40 million lines is one scan each).
    """
    rows = StockLedgerEntry.objects.filter(source_type=RECEIPT_SOURCE, reversal_of__isnull=True, adjusts__isnull=True)
    lonely = ReceiptLine.objects.exclude(
        Exists(rows.filter(source_id=OuterRef("receipt_id"), source_line_id=OuterRef("pk")))
    ).values_list("pk", "receipt_id", "receipt__till__code", "receipt__sequence")
    result = [
        {
            "ledger": "stock",
            "document_type": RECEIPT_SOURCE,
            "document_id": receipt_id,
            "document": f"{till}/{sequence}",
            "problem": "a line without its stock row",
            "line_id": line_id,
        }
        for line_id, receipt_id, till, sequence in lonely.iterator(chunk_size=2000)
    ]
    stray = (
        rows.exclude(
            Exists(ReceiptLine.objects.filter(pk=OuterRef("source_line_id"), receipt_id=OuterRef("source_id")))
        )
        .values_list("source_id", flat=True)
        .distinct()
    )
    result += [
        {
            "ledger": "stock",
            "document_type": RECEIPT_SOURCE,
            "document_id": receipt_id,
            "document": str(receipt_id),
            "problem": "a stock row without its receipt line",
        }
        for receipt_id in stray
    ]
    return result


def till_state_get(*, till: Till) -> dict:
    """A till's own state, to recover alone after a crash: its open shift, last receipt number and gaps."""
    till = Till.objects.select_related("shop").get(pk=till.pk)  # fresh: the numbers move with every upload
    return {
        "till": till,
        "shop": till.shop,
        "open_shift": Shift.objects.filter(till=till, closed_at__isnull=True).first(),
        "last_sequence": till.last_sequence,
        "last_upload_at": till.last_upload_at,
        "gaps": list(till.gaps.order_by("first").values("first", "last")),
        "server_time": timezone.now(),
    }


def receipts_search(queryset, term: str):
    """Receipts of `queryset` a search term names exactly, each by one indexed condition.

    A UUID is the till's receipt ID; `till/number` (T7-1/1041) a till's receipt number; a
    product's SKU, barcode or scale barcode the receipts with a line of it; anything else a
    fiscal sign or a loyalty card number. Never a substring scan over eight million rows.
    """
    term = (term or "").strip()
    if not term:
        return queryset
    try:
        return queryset.filter(client_uuid=uuid.UUID(term))
    except ValueError:
        pass
    till_code, slash, number = term.rpartition("/")
    if slash and till_code and number.isdigit():
        return queryset.filter(till__code=till_code, sequence=int(number))
    product_ids = product_ids_matching_code(term)
    if product_ids:
        return queryset.filter(pk__in=ReceiptLine.objects.filter(product_id__in=product_ids).values("receipt_id"))
    return queryset.filter(Q(fiscal_sign=term) | Q(card_number=term))
