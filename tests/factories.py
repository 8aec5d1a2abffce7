import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from inventory.barcodes import ean_check_digit
from inventory.choices import Unit
from inventory.models import Barcode, PriceChange, PriceChangeLine, PriceZone, Product, ProductGroup, Shop, Supplier


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class PriceZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceZone
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"Z{n}")
    name = factory.LazyAttribute(lambda o: f"Zone {o.code}")


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    code = factory.Sequence(lambda n: f"{n + 1:02d}")
    name = factory.Sequence(lambda n: f"Shop {n + 1}")
    city = "Astana"
    time_zone = "Asia/Almaty"
    price_zone = factory.SubFactory(PriceZoneFactory)


def group_create(name: str = "Groceries", parent: ProductGroup | None = None) -> ProductGroup:
    return (
        ProductGroup.objects.add_child(parent, {"name": name})
        if parent
        else ProductGroup.objects.add_root({"name": name})
    )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    group = factory.LazyFunction(lambda: ProductGroup.objects.get_root_nodes().first() or group_create())
    unit = Unit.PIECE
    vat_rate = Decimal("16.00")


def ean13(n: int, prefix: str = "460") -> str:
    body = f"{prefix}{n:09d}"
    return body + ean_check_digit(body)


class BarcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Barcode

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: ean13(n + 1))
    kind = "ean13"


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    tax_id = factory.Sequence(lambda n: f"{100000000000 + n}")


def price_change_create(*, zone, effective_date: datetime.date, lines, actor=None) -> PriceChange:
    document = PriceChange.objects.create(zone=zone, effective_date=effective_date, created_by=actor)
    for product, price in lines:
        PriceChangeLine.objects.create(document=document, product=product, price_amount=Decimal(price))
    return document


def stock_document(model, *, shop, lines, business_date=None, **fields):
    """A draft stock document with lines: `lines` are dicts of line fields (product, quantity, ...)."""
    extra = {"business_date": business_date} if business_date else {}
    document = model.objects.create(shop=shop, **extra, **fields)
    line_model = document.lines.model
    line_model.objects.bulk_create([line_model(document=document, **line) for line in lines])
    return document
