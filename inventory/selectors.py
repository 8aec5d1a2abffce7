"""Reads of the inventory domain."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .barcodes import is_scale_prefix, scale_barcode_parse
from .exceptions import ProductNotFound
from .models import Barcode, Price, Product, Shop


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
        .values("price_amount")[:1]
    )


def prices_in_force(*, zone_id: int, day: datetime.date, product_ids=None) -> dict[int, Decimal]:
    """Prices in force in a zone on a day, for many products in one query."""
    products = Product.objects.all() if product_ids is None else Product.objects.filter(pk__in=product_ids)
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
    barcode = Barcode.objects.select_related("product").filter(code=code).first()
    if barcode:
        return ProductMatch(product=barcode.product, barcode=code)
    if code.isdigit() and is_scale_prefix(code):
        parsed = scale_barcode_parse(code)
        product = Product.objects.filter(is_weighted=True, plu=parsed.plu).first()
        if product is None:
            raise ProductNotFound(_("No weighted product has PLU %(plu)s.") % {"plu": parsed.plu})
        return ProductMatch(product=product, quantity=parsed.quantity_kg, barcode=code)
    product = Product.objects.filter(sku=code).first()
    if product:
        return ProductMatch(product=product)
    raise ProductNotFound()


def product_ids_matching_code(code: str) -> list[int]:
    """Products a search term names as a code (barcode, scale barcode); [] when it names none."""
    try:
        return [product_find_by_code(code).product.pk]
    except (ProductNotFound, ValidationError):
        return []


def user_sees_all_shops(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("inventory.view_all_shops")))


def shops_for_user(*, user) -> QuerySet[Shop]:
    """The shops whose data `user` may see: all of them, or those they manage."""
    if user_sees_all_shops(user):
        return Shop.objects.all()
    if not user.is_authenticated:
        return Shop.objects.none()
    return Shop.objects.filter(managers=user)
