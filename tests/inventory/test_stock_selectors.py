import datetime
from decimal import Decimal

import pytest

from inventory.models import GoodsReceipt, WriteOff
from inventory.selectors import shop_balances_at, stock_balance_get, stock_movements
from inventory.services import goods_receipt_post, write_off_post
from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

pytestmark = pytest.mark.usefixtures("ledgers_balanced")
D = Decimal
day = datetime.date


@pytest.fixture
def history(db):
    shop = ShopFactory(price_zone=PriceZoneFactory(code="Z1"))
    milk, bread, idle = (
        ProductFactory(sku="MILK", name="Milk"),
        ProductFactory(sku="BREAD", name="Bread"),
        ProductFactory(sku="IDLE"),
    )
    user, supplier = UserFactory(), SupplierFactory()
    for when, product, qty, price in [
        (day(2026, 1, 5), milk, "10", "10"),
        (day(2026, 2, 5), milk, "10", "20"),
        (day(2026, 2, 6), bread, "4", "5"),
    ]:
        doc = stock_document(
            GoodsReceipt,
            shop=shop,
            supplier=supplier,
            business_date=when,
            lines=[{"product": product, "quantity": D(qty), "price_amount": D(price)}],
        )
        goods_receipt_post(document_id=doc.pk, actor=user)
    wo = stock_document(
        WriteOff, shop=shop, business_date=day(2026, 2, 20), lines=[{"product": milk, "quantity": D("5")}]
    )
    write_off_post(document_id=wo.pk, actor=user)
    return {"shop": shop, "milk": milk, "bread": bread, "idle": idle}


def test_balance_of_a_product_at_any_date(history):
    s, m = history["shop"].pk, history["milk"].pk
    assert stock_balance_get(shop_id=s, product_id=m, at=day(2026, 1, 4)) == (D("0.000"), D("0.00"))
    assert stock_balance_get(shop_id=s, product_id=m, at=day(2026, 1, 31)) == (D("10.000"), D("100.00"))
    assert stock_balance_get(shop_id=s, product_id=m, at=day(2026, 2, 19)) == (D("20.000"), D("300.00"))
    assert stock_balance_get(shop_id=s, product_id=m) == (D("15.000"), D("225.00"))


def test_balances_of_a_whole_shop_at_a_date_in_one_query(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = list(shop_balances_at(shop_id=history["shop"].pk, day=day(2026, 2, 10)))
    got = {r["product__sku"]: (r["qty"], r["cost"]) for r in rows}
    assert got == {"MILK": (D("20.000"), D("300.00")), "BREAD": (D("4.000"), D("20.00"))}
    now = {r["product__sku"]: (r["qty"], r["cost"]) for r in shop_balances_at(shop_id=history["shop"].pk)}
    assert now["MILK"] == (D("15.000"), D("225.00"))


def test_movement_statement_opening_in_out_closing(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {
            r["product__sku"]: r
            for r in stock_movements(shop_id=history["shop"].pk, date_from=day(2026, 2, 1), date_to=day(2026, 2, 28))
        }
    milk = rows["MILK"]
    assert (milk["opening_qty"], milk["in_receipts"], milk["out_write_offs"], milk["closing_qty"]) == (
        D("10"),
        D("10"),
        D("5"),
        D("15"),
    )
    assert (milk["opening_cost"], milk["closing_cost"]) == (D("100.00"), D("225.00"))
    assert rows["BREAD"]["opening_qty"] == 0 and rows["BREAD"]["in_receipts"] == D("4")
    assert "IDLE" not in rows


def test_movement_statement_of_a_quiet_month_shows_stock_without_movements(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = {
            r["product__sku"]: r
            for r in stock_movements(shop_id=history["shop"].pk, date_from=day(2026, 3, 1), date_to=day(2026, 3, 31))
        }
    bread = rows["BREAD"]
    assert (bread["opening_qty"], bread["closing_qty"], bread["opening_cost"], bread["closing_cost"]) == (
        D("4"),
        D("4"),
        D("20.00"),
        D("20.00"),
    )
    assert bread["in_receipts"] == 0 and bread["out_write_offs"] == 0
    # January: milk arrives on the 5th; the February movements count in the closing of neither.
    january = {
        r["product__sku"]: r
        for r in stock_movements(shop_id=history["shop"].pk, date_from=day(2026, 1, 1), date_to=day(2026, 1, 31))
    }
    assert (january["MILK"]["opening_qty"], january["MILK"]["in_receipts"], january["MILK"]["closing_qty"]) == (
        D("0"),
        D("10"),
        D("10"),
    )
    assert "BREAD" not in january


def test_balances_at_every_date_equal_the_ledger_sums_up_to_that_date(history, django_assert_num_queries):
    from collections import defaultdict

    from inventory.models import StockLedgerEntry

    shop = history["shop"]
    entries = list(
        StockLedgerEntry.objects.filter(shop=shop).values_list(
            "product__sku", "business_date", "quantity", "cost_amount"
        )
    )
    for when in [
        day(2026, 1, 4),
        day(2026, 1, 5),
        day(2026, 2, 5),
        day(2026, 2, 6),
        day(2026, 2, 19),
        day(2026, 2, 20),
    ]:
        expected = defaultdict(lambda: [D("0.000"), D("0.00")])
        for sku, business_date, quantity, cost in entries:
            if business_date <= when:
                expected[sku][0] += quantity
                expected[sku][1] += cost
        with django_assert_num_queries(1):
            rows = list(shop_balances_at(shop_id=shop.pk, day=when, nonzero=False))
        got = {r["product__sku"]: [r["qty"], r["cost"]] for r in rows}
        assert got == {sku: expected[sku] for sku in got}, when
        assert set(got) == {"MILK", "BREAD"}  # the balance rows of the shop; IDLE never moved here
        for r in rows:  # exact Decimals at their scale on SQLite too
            assert isinstance(r["qty"], Decimal) and r["qty"].as_tuple().exponent == -3
            assert isinstance(r["cost"], Decimal) and r["cost"].as_tuple().exponent == -2
        nonzero = {r["product__sku"] for r in shop_balances_at(shop_id=shop.pk, day=when)}
        assert nonzero == {sku for sku, (q, c) in got.items() if q or c}
