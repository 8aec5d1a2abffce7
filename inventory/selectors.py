"""Reads of the inventory domain."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .barcodes import is_scale_prefix, scale_barcode_parse
from .exceptions import ProductNotFound
from .models import Barcode, Price, Product, Shop
from .money import money_output, round_money, round_quantity


def shop_local_date(*, shop: Shop, at: datetime.datetime | datetime.date) -> datetime.date:
    """The business day of `shop` at moment `at` (a date is taken as already local)."""
    if isinstance(at, datetime.datetime):
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        return at.astimezone(shop.time_zone).date()
    return at


def price_get(*, product: Product | int, shop: Shop, at: datetime.datetime | datetime.date) -> Decimal | None:
    """The retail price in force for `product` in `shop` at `at` (the shop's local day), or None."""
    product_id = product if isinstance(product, int) else product.pk
    return zone_price_get(product_id=product_id, zone_id=shop.price_zone_id, day=shop_local_date(shop=shop, at=at))


def zone_price_get(*, product_id: int, zone_id: int, day: datetime.date) -> Decimal | None:
    """The retail price in force in a price zone on a day, or None."""
    return (
        Price.objects.filter(product_id=product_id, zone_id=zone_id, effective_date__lte=day, is_active=True)
        .order_by("-effective_date", "-id")
        .values_list("price_amount", flat=True)
        .first()
    )


def price_in_force_subquery(*, zone_id: int, day: datetime.date, product_ref: str = "pk") -> Subquery:
    """A correlated subquery for annotating products with their price in a zone on a day."""
    return Subquery(
        Price.objects.filter(product_id=OuterRef(product_ref), zone_id=zone_id, effective_date__lte=day, is_active=True)
        .order_by("-effective_date", "-id")
        .values("price_amount")[:1],
        # SQLite returns a float (`362.520000000000`) for a subquery without its type.
        output_field=money_output(),
    )


def prices_in_force(*, zone_id: int, day: datetime.date, product_ids=None) -> dict[int, Decimal]:
    """Prices in force in a zone on a day, for many products in one query."""
    products = Product.objects.all() if product_ids is None else Product.objects.filter(pk__any=product_ids)
    rows = products.annotate(price=price_in_force_subquery(zone_id=zone_id, day=day)).values_list("pk", "price")
    return {pk: price for pk, price in rows if price is not None}


@dataclass(frozen=True)
class ProductMatch:
    product: Product
    quantity: Decimal | None = None  # set when the code was a scale barcode carrying a weight
    barcode: str = ""


def product_find_by_code(code: str) -> ProductMatch:
    """Find a product by a typed or scanned code: a stored barcode, then a scale barcode, then a SKU.

    Raises ProductNotFound, or ValidationError for a malformed scale barcode.
    """
    code = (code or "").strip()
    found = products_by_codes([code])[code]
    if isinstance(found, str):
        raise ProductNotFound(found)
    product_id, quantity = found
    return ProductMatch(product=Product.objects.get(pk=product_id), quantity=quantity, barcode=code)


def products_by_codes(codes) -> dict[str, tuple[int, Decimal | None] | str]:
    """Many codes at once (a till's batch): code -> (product id, weight or None), or the reason it names none.

    A stored barcode wins, then a scale barcode (the PLU of a weighted product, the weight
    it carries), then a SKU. At most three queries, whatever the number of codes.
    """
    codes = {c for c in codes if c}
    found: dict[str, tuple[int, Decimal | None] | str] = dict.fromkeys(codes, str(ProductNotFound.default_message))
    for code, product_id in Barcode.objects.filter(code__any=codes).values_list("code", "product_id"):
        found[code] = (product_id, None)
    scale = {}
    for code in codes:
        if isinstance(found[code], str) and code.isdigit() and is_scale_prefix(code):
            try:
                scale[code] = scale_barcode_parse(code)
            except ValidationError as exc:
                found[code] = " ".join(exc.messages)
    if scale:
        by_plu = dict(
            Product.objects.filter(is_weighted=True, plu__in={p.plu for p in scale.values()}).values_list("plu", "pk")
        )
        for code, parsed in scale.items():
            if parsed.plu in by_plu:
                found[code] = (by_plu[parsed.plu], parsed.quantity_kg)
            else:
                found[code] = _("No weighted product has PLU %(plu)s.") % {"plu": parsed.plu}
    rest = [c for c in codes if isinstance(found[c], str) and c not in scale]
    if rest:
        for sku, product_id in Product.objects.filter(sku__in=rest).values_list("sku", "pk"):
            found[sku] = (product_id, None)
    return found


def product_ids_matching_code(code: str) -> list[int]:
    """Products a search term names as a code (barcode, scale barcode); [] when it names none."""
    try:
        return [product_find_by_code(code).product.pk]
    except (ProductNotFound, ValidationError):
        return []


def user_sees_all_shops(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("inventory.view_all_shops")))


def user_may_see_shops(user, shop_ids) -> bool:
    """May `user` see (or act for) every one of `shop_ids`? The one shop check of every face.

    All shops, not any one: a report over shops 01-04 is not for the manager of 01-02, and
    each side of a transfer is its own shop's work. Nothing named is for all-shops users only.
    """
    if user_sees_all_shops(user):
        return True
    wanted = {int(s) for s in shop_ids or () if s is not None}
    if not wanted or not user.is_authenticated:
        return False
    return Shop.objects.filter(pk__in=wanted, managers=user).count() == len(wanted)


def shops_for_user(*, user) -> QuerySet[Shop]:
    """The shops whose data `user` may see: all of them, or those they manage."""
    if user_sees_all_shops(user):
        return Shop.objects.all()
    if not user.is_authenticated:
        return Shop.objects.none()
    return Shop.objects.filter(managers=user)


# --- stock ---------------------------------------------------------------------------------------

IN_KINDS = {
    "in_receipts": ("receipt", "opening"),
    "in_transfers": ("transfer_in", "transfer_surplus"),
    "in_returns": ("sale_return",),
}
OUT_KINDS = {
    "out_sales": ("sale",),
    "out_write_offs": ("write_off", "transfer_shortage"),
    "out_transfers": ("transfer_out",),
    "out_supplier_returns": ("supplier_return",),
}


def stock_balance_get(*, shop_id: int, product_id: int, at: datetime.date | None = None) -> tuple[Decimal, Decimal]:
    """(quantity, cost value) of a product in a shop now, or at the end of day `at`."""
    from .models import StockBalance, StockLedgerEntry

    balance = (
        StockBalance.objects.filter(shop_id=shop_id, product_id=product_id)
        .values_list("quantity", "cost_amount")
        .first()
    )
    quantity, cost = balance or (Decimal("0"), Decimal("0"))
    if at is None:
        return quantity, cost
    later = StockLedgerEntry.objects.filter(shop_id=shop_id, product_id=product_id, business_date__gt=at).aggregate(
        q=Sum("quantity"), c=Sum("cost_amount")
    )
    return round_quantity(quantity - (later["q"] or 0)), round_money(cost - (later["c"] or 0))


def _group_filter(queryset, group_path: str | None, prefix: str = "product__"):
    return queryset.filter(**{f"{prefix}group__path__startswith": group_path}) if group_path else queryset


BALANCES_CHUNK = 2000


def shop_balances_at(
    *, shop_id: int, day: datetime.date | None = None, group_path: str | None = None, nonzero: bool = True
):
    """Every product's quantity and cost value in a shop at the end of `day` (None: now): one set-based query.

    The balance rows minus the movements dated after `day`, summed once per product in one
    grouped subquery joined to the balances (not a correlated subquery per row): recent
    dates read few ledger rows, whatever the length of the history. Rows are dicts
    (product_id, product__sku, product__name, product__group__name, product__unit, qty,
    cost) with exact Decimals on every database, ordered by group and name, streamed from
    the database in chunks (a chain's every shop fits in bounded memory).
    """
    from .models import Product, ProductGroup, StockBalance, StockLedgerEntry

    balance, entry, product, group = (m._meta.db_table for m in (StockBalance, StockLedgerEntry, Product, ProductGroup))
    later, params = "", []
    if day is not None:
        later = f"""
        LEFT JOIN (
            SELECT e.product_id, SUM(e.quantity) AS q, SUM(e.cost_amount) AS c
            FROM {entry} e WHERE e.shop_id = %s AND e.business_date > %s GROUP BY e.product_id
        ) l ON l.product_id = b.product_id"""
        params += [shop_id, day]
    sql = f"""
        SELECT b.product_id, p.sku, p.name, g.name, p.unit, b.quantity, b.cost_amount,
               {"l.q, l.c" if day is not None else "NULL, NULL"}
        FROM {balance} b
        JOIN {product} p ON p.id = b.product_id
        JOIN {group} g ON g.id = p.group_id{later}
        WHERE b.shop_id = %s {"AND g.path LIKE %s" if group_path else ""}
        ORDER BY g.path, p.name, p.id
    """
    params += [shop_id] + ([f"{group_path}%"] if group_path else [])

    def exact(value, rounding):
        # SQLite hands back sums (and sometimes columns) as floats: through str, then rounded.
        return rounding(value if isinstance(value, Decimal) else Decimal(str(value or 0)))

    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BALANCES_CHUNK):
            for product_id, sku, name, group_name, unit, quantity, cost, later_q, later_c in rows:
                qty = exact(quantity, round_quantity) - exact(later_q, round_quantity)
                value = exact(cost, round_money) - exact(later_c, round_money)
                if nonzero and not qty and not value:
                    continue
                yield {
                    "product_id": product_id,
                    "product__sku": sku,
                    "product__name": name,
                    "product__group__name": group_name,
                    "product__unit": unit,
                    "qty": qty,
                    "cost": value,
                }


def stock_movements(*, shop_id: int, date_from: datetime.date, date_to: datetime.date, group_path: str | None = None):
    """Per product: opening, in by kind, out by kind, closing (quantities) and opening/closing cost, in one query.

    Opening and closing are the balance row minus the movements dated after the period's
    start and end, so only rows from `date_from` on are read, however long the history.
    Products without movements in the period but with stock appear with opening = closing.
    """
    from .models import Product, ProductGroup, StockBalance, StockLedgerEntry

    def total(column: str, condition: str) -> str:
        return f"SUM(CASE WHEN {condition} THEN {column} ELSE 0 END)"

    in_period = "e.business_date <= %s"
    kinds = {**IN_KINDS, **OUT_KINDS, "stocktake_qty": ("stocktake",)}
    columns, params = [], []
    for name, kind_list in kinds.items():
        placeholders = ", ".join(["%s"] * len(kind_list))
        sign = "-" if name in OUT_KINDS else ""
        columns.append(f"{sign}{total('e.quantity', f'{in_period} AND e.kind IN ({placeholders})')} AS {name}")
        params += [date_to, *kind_list]
    columns.append(
        f"SUM(e.quantity) AS since_from_q, SUM(e.cost_amount) AS since_from_c, "
        f"{total('e.quantity', 'e.business_date > %s')} AS after_to_q, "
        f"{total('e.cost_amount', 'e.business_date > %s')} AS after_to_c"
    )
    params += [date_to, date_to]
    balance, entry, product, group = (m._meta.db_table for m in (StockBalance, StockLedgerEntry, Product, ProductGroup))
    group_sql = "AND g.path LIKE %s" if group_path else ""
    sql = f"""
        SELECT b.product_id, p.sku, p.name, p.unit, b.quantity, b.cost_amount, m.*
        FROM {balance} b
        JOIN {product} p ON p.id = b.product_id
        JOIN {group} g ON g.id = p.group_id
        LEFT JOIN (
            SELECT e.product_id AS moved_product_id, {", ".join(columns)}
            FROM {entry} e WHERE e.shop_id = %s AND e.business_date >= %s GROUP BY e.product_id
        ) m ON m.moved_product_id = b.product_id
        WHERE b.shop_id = %s {group_sql}
        ORDER BY p.name, p.id
    """
    params += [shop_id, date_from, shop_id] + ([f"{group_path}%"] if group_path else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        fetched = cursor.fetchall()
    rows = []
    for values in fetched:
        r = dict(zip(names, values, strict=True))
        quantity, cost = Decimal(r["quantity"]), Decimal(r["cost_amount"])

        def q(name, r=r):
            return round_quantity(r[name] or 0)

        def c(name, r=r):
            return round_money(r[name] or 0)

        row = {
            "product_id": r["product_id"],
            "product__sku": r["sku"],
            "product__name": r["name"],
            "product__unit": r["unit"],
            "opening_qty": round_quantity(quantity) - q("since_from_q"),
            "opening_cost": round_money(cost) - c("since_from_c"),
            "closing_qty": round_quantity(quantity) - q("after_to_q"),
            "closing_cost": round_money(cost) - c("after_to_c"),
            **{name: q(name) for name in kinds},
        }
        moved = any(row[name] for name in kinds)
        if moved or row["opening_qty"] or row["closing_qty"] or row["opening_cost"] or row["closing_cost"]:
            rows.append(row)
    return rows


def catalogue_for_zone(*, zone_id: int, day: datetime.date, changed_since: datetime.datetime | None = None):
    """Products with their price in force in a zone on a day, for tills; only those changed since a time if given.

    "Changed" covers what a till shows: the product row, its barcodes (added, edited or
    removed, from their history), a price posted or cancelled since, or a price that has
    come into force since (a price change posted earlier for a later date).
    """
    products = Product.objects.annotate(price=price_in_force_subquery(zone_id=zone_id, day=day))
    if changed_since is None:
        return products
    since_day = timezone.localdate(changed_since)
    zone_prices = Price.objects.filter(product_id=OuterRef("pk"), zone_id=zone_id)
    return products.filter(
        Q(updated_at__gte=changed_since)
        | Exists(Barcode.history.model.objects.filter(product_id=OuterRef("pk"), history_date__gte=changed_since))
        | Exists(zone_prices.filter(created_at__gte=changed_since))
        | Exists(zone_prices.filter(is_active=True, effective_date__gte=since_day, effective_date__lte=day))
        | Exists(zone_prices.filter(price_change__cancelled_at__gte=changed_since))
    )
