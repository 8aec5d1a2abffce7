"""The demo seed at a small size: the history is posted in date order (stock documents and till
sales day by day), the ledgers hold, and a second run adds nothing."""

import io

import pytest
from django.core.management import call_command

from cash.models import CashLocation, CashOrder
from inventory.models import (
    Company,
    PriceZone,
    Product,
    ProductGroup,
    RecostRequest,
    Shop,
    StockLedgerEntry,
    Stocktake,
    Supplier,
)
from inventory.services.checks import document_differences, ledgers_differences
from sales.models import Receipt, Shift, Till


def _kz_number_valid(number: str) -> bool:
    """A Kazakh BIN/IIN: 12 digits, the last a weighted sum mod 11 (second weights if the first gives 10)."""
    digits = [int(d) for d in number]
    for weights in (range(1, 12), [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]):
        check = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
        if check != 10:
            return len(number) == 12 and check == digits[11]
    return False


def _ru_inn_valid(number: str) -> bool:
    digits = [int(d) for d in number]
    return (
        len(number) == 10
        and sum(d * w for d, w in zip(digits, [2, 4, 10, 3, 5, 9, 4, 6, 8], strict=False)) % 11 % 10 == digits[9]
    )


@pytest.mark.django_db
def test_seed_demo_small_posts_in_date_order_and_is_idempotent(settings):
    settings.DEBUG = True  # the demo's .env: the seed must not log every statement anyway
    out = io.StringIO()
    options = {"products": 300, "shops": 3, "suppliers": 5, "days": 4, "receipts_per_day": 6, "stdout": out}
    call_command("seed_demo", **options)

    trading_shops = 3
    assert Shift.objects.count() == trading_shops * 4
    assert Receipt.objects.count() == trading_shops * 4 * 6
    assert Shift.objects.filter(closed_at__isnull=True).count() == 0
    # Sales of a day are uploaded after that day's documents: no receipt is older than a later
    # posting of the same shop and product, so nothing waits for re-costing.
    assert not RecostRequest.objects.exists()
    assert StockLedgerEntry.objects.filter(adjusts__isnull=False).count() == 0
    _checked, differences = ledgers_differences()
    assert differences == []
    assert document_differences() == []
    assert "receipts" in out.getvalue() and "Seeded in" in out.getvalue()

    call_command("seed_demo", **{**options, "stdout": io.StringIO()})
    assert Receipt.objects.count() == trading_shops * 4 * 6


@pytest.mark.django_db
def test_the_demo_chain_keeps_its_data_in_russian(settings):
    """What an owner sees in the demo: goods, groups, shops, suppliers, the company and the cash in
    Russian, as a chain in northern Kazakhstan and Siberia keeps them; SKUs and codes stay Latin."""
    call_command("seed_demo", products=80, shops=3, suppliers=12, days=7, receipts_per_day=2, stdout=io.StringIO())

    milk = Product.objects.get(sku="P000001")
    assert milk.group.full_name() == "Продукты / Молочные / Молоко"
    assert milk.name.split(" «")[0] in {"Молоко", "Молоко топлёное", "Кефир", "Айран", "Сливки"}
    assert milk.name.endswith((" 0,5 л", " 0,9 л", " 1 л")) and not milk.is_weighted
    sausage_group = ProductGroup.objects.get(name="Колбасы")
    sausages = Product.objects.filter(group=sausage_group)
    assert sausages.exists() and all(p.is_weighted and p.plu and p.unit == "kg" for p in sausages)
    assert set(Product.objects.filter(excluded_from_discounts=True).values_list("group__name", flat=True)) == {
        "Сигареты"
    }
    roots = set(ProductGroup.objects.get_root_nodes().values_list("name", flat=True))
    assert roots == {"Продукты", "Напитки", "Хозтовары", "Гигиена и уход", "Игры и игрушки", "Табак"}

    assert list(Shop.objects.trading().order_by("code").values_list("code", "name", "city")) == [
        ("01", "Астана, супермаркет", "Астана"),
        ("02", "Кокшетау, магазин", "Кокшетау"),
        ("03", "Степногорск, магазин", "Степногорск"),
    ]
    assert Shop.objects.get(code="01").address.startswith(("ул. ", "пр. "))
    assert dict(PriceZone.objects.values_list("code", "name")) == {"Z1": "Город", "Z2": "Село"}

    company = Company.current()
    assert (company.name, company.address) == ("ТОО «Демо Ритейл»", "010000, г. Астана, ул. Кенесары, 40")
    assert company.tax_number.startswith("150740") and _kz_number_valid(company.tax_number)
    for supplier in Supplier.objects.all():
        form = supplier.name.split(" ")[0]
        assert form in {"ТОО", "ООО", "ИП"} and "«" in supplier.name, supplier.name
        valid = _ru_inn_valid if form == "ООО" else _kz_number_valid
        assert valid(supplier.tax_id), (supplier.name, supplier.tax_id)
        if form == "ТОО":
            assert supplier.tax_id[4] == "4"  # a BIN of a legal entity; an IIN has a birth day there
    assert Supplier.objects.values("name").distinct().count() == 12

    assert set(Till.objects.values_list("name", flat=True)) == {"Касса 1"}
    stocktake = Stocktake.objects.get()
    assert list(stocktake.groups.values_list("name", flat=True)) == ["Молочные"]
    assert stocktake.lines.exists()
    assert CashLocation.objects.get(code="BANK1").name == "Основной расчётный счёт"
    assert CashLocation.objects.get(code="01-D").name == "Операционная касса 01"  # named by the cash service
    expenses = CashOrder.objects.filter(reason="expense").values_list("category__name", "counterparty")
    assert set(expenses) == {("Электроэнергия", "АО «Энергосбыт»"), ("Хозяйственные нужды", "ИП «Хозмаг»")}
    assert set(CashOrder.objects.filter(reason="encashment").values_list("counterparty", flat=True)) == {
        "Служба инкассации"
    }
