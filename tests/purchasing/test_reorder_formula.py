"""The reorder formula on hand-computed cases, and against an independent day-by-day simulation."""

import datetime
import random
from decimal import ROUND_CEILING, Decimal

import pytest

from inventory.choices import Unit
from purchasing.models import (
    OrderStatus,
    ProposalOutcome,
    PurchaseOrder,
    ReorderGroupDefault,
    ReorderPolicy,
    ReorderProposal,
    SupplierProduct,
)
from purchasing.services.reorder import order_cycle, reorder_run
from tests.factories import ProductFactory, SupplierFactory

from . import orders_world
from .orders_world import RUN_DAY, receive, sell

# The orders world's fixtures (a module, not a conftest: the settlements tests have their own).
product, shop, supplier = orders_world.product, orders_world.shop, orders_world.supplier

D = Decimal


def day(offset: int) -> datetime.date:
    """The day `offset` days before the run (1 = yesterday)."""
    return RUN_DAY - datetime.timedelta(days=offset)


def proposal(product, shop=None):
    rows = ReorderProposal.objects.filter(product=product, **({"shop": shop} if shop else {}))
    return rows.order_by("-run_id").first()


# --- the order cycle from the supplier's weekdays (pure) -------------------------------------------


@pytest.mark.parametrize(
    ("mask", "weekday", "expected"),
    [
        (0, 3, (0, 1)),  # no days set: every day
        (0b1111111, 3, (0, 1)),  # every day
        (0b0001001, 3, (1, 4)),  # Mon + Thu seen on Wednesday: Thursday, then Monday
        (0b0001001, 4, (0, 4)),  # ... on Thursday: today, then Monday
        (0b0001001, 1, (0, 3)),  # ... on Monday: today, then Thursday
        (0b0000001, 3, (5, 7)),  # Mondays only, on Wednesday: 5 days, then a week
        (0b1000000, 7, (0, 7)),  # Sundays only, on Sunday
    ],
)
def test_the_order_cycle_follows_the_supplier_weekdays(mask, weekday, expected):
    assert order_cycle(mask, weekday) == expected


# --- hand-computed cases ------------------------------------------------------------------------


def test_days_that_began_empty_and_sold_nothing_are_not_days_of_zero_demand(shop, supplier, product):
    """10 days of history: 5 in on day 11, sells 2 and 3, empty for two days, 10 arrive (nothing sold
    that day), sells 4, then four quiet days in stock. Out of stock: 3 days; in stock: 7; sold 9."""
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("100.00"), pack_size=1)
    ReorderPolicy.objects.create(shop=shop, product=product, history_days=10, safety_days=5)
    receive(shop, product, day(11), 5)
    sell(shop, product, day(10), 2)
    sell(shop, product, day(9), 3)
    receive(shop, product, day(6), 10)
    sell(shop, product, day(5), 4)
    run = reorder_run()
    p = proposal(product)
    assert (p.history_days, p.in_stock_days, p.sold_quantity) == (10, 7, D("9.000"))
    assert p.daily_sales == D("1.2857")  # 9 / 7
    # cover: order today (every day is an order day), cycle 1, lead 2, safety 5 = 8 days
    assert p.cover_days == 8 and p.stock_quantity == D("6.000")
    assert p.target_quantity == D("10.286")  # 72 / 7
    assert p.quantity == D("5.000")  # 72/7 - 6 = 4.29, rounded up to whole pieces
    assert (p.price_amount, p.amount, p.outcome) == (D("100.00"), D("500.00"), ProposalOutcome.ORDERED)
    order = PurchaseOrder.objects.get(run=run)
    assert (order.shop, order.supplier, order.status, order.business_date) == (shop, supplier, "draft", RUN_DAY)
    assert order.expected_date == RUN_DAY + datetime.timedelta(days=2)
    line = order.lines.get()
    assert (line.product, line.quantity, line.price_amount, line.proposal) == (product, D("5.000"), D("100.00"), p)


def test_a_day_with_no_stock_counts_when_something_sold(shop, supplier, product):
    """A shop that allows negative stock sells from zero: that day counts (it sold)."""
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("1.00"))
    ReorderPolicy.objects.create(shop=shop, product=product, history_days=4, safety_days=0)
    sell(shop, product, day(2), 2)  # began at 0, sold 2 -> in stock; the others began at 0 or below, sold nothing
    reorder_run()
    p = proposal(product)
    assert (p.in_stock_days, p.sold_quantity, p.daily_sales) == (1, D("2.000"), D("2.0000"))
    # cover 0 + 1 + 2 + 0 = 3 days: 6 to reach, stock -2 -> 8
    assert (p.stock_quantity, p.target_quantity, p.quantity) == (D("-2.000"), D("6.000"), D("8.000"))


def test_the_quantity_is_rounded_up_to_whole_packs(shop, supplier, product):
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("10.00"), pack_size=12)
    ReorderPolicy.objects.create(shop=shop, product=product, history_days=10, safety_days=0)
    receive(shop, product, day(20), 100)
    for offset in range(1, 11):
        sell(shop, product, day(offset), 3)  # 3 a day, 70 left; cover 3 days -> 9 to reach: nothing
    ReorderPolicy.objects.filter(product=product).update(safety_days=21)  # cover 24 days: 72 to reach, need 2
    reorder_run()
    p = proposal(product)
    assert (p.daily_sales, p.cover_days, p.target_quantity) == (D("3.0000"), 24, D("72.000"))
    assert (p.pack_size, p.quantity, p.amount) == (D("12.000"), D("12.000"), D("120.00"))


def test_weighted_goods_in_kilograms_round_to_their_pack(shop, supplier):
    cheese = ProductFactory(sku="CHEESE", unit=Unit.KILOGRAM, is_weighted=True, plu=101)
    SupplierProduct.objects.create(supplier=supplier, product=cheese, price_amount=D("3000.00"), pack_size=D("2.5"))
    ReorderPolicy.objects.create(shop=shop, product=cheese, history_days=3, safety_days=0)
    receive(shop, cheese, day(5), D("4.000"))
    sell(shop, cheese, day(3), D("0.375"))
    sell(shop, cheese, day(2), D("1.250"))
    sell(shop, cheese, day(1), D("0.575"))  # 2.200 kg in 3 days, 1.800 left
    reorder_run()
    p = proposal(cheese)
    assert (p.sold_quantity, p.in_stock_days, p.stock_quantity) == (D("2.200"), 3, D("1.800"))
    # 2.2 / 3 x 3 days = 2.2 to reach; need 0.4 kg -> one 2.5 kg pack
    assert (p.target_quantity, p.quantity, p.amount) == (D("2.200"), D("2.500"), D("7500.00"))


def test_an_order_below_the_supplier_minimum_is_not_proposed(shop, supplier, product):
    supplier.min_order_amount = D("1000.00")
    supplier.save()
    other = SupplierFactory(name="Bakery", lead_time_days=1, min_order_amount=D("100.00"))
    bread = ProductFactory(sku="BREAD")
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("100.00"))
    SupplierProduct.objects.create(supplier=other, product=bread, price_amount=D("50.00"))
    for item in (product, bread):
        ReorderPolicy.objects.create(shop=shop, product=item, method="minmax", min_quantity=D("2"), max_quantity=D("5"))
    run = reorder_run()
    milk, loaf = proposal(product), proposal(bread)
    assert (milk.quantity, milk.amount, milk.outcome) == (D("5.000"), D("500.00"), ProposalOutcome.BELOW_MINIMUM)
    assert (loaf.quantity, loaf.amount, loaf.outcome) == (D("5.000"), D("250.00"), ProposalOutcome.ORDERED)
    assert list(PurchaseOrder.objects.filter(run=run).values_list("supplier__name", flat=True)) == ["Bakery"]


def test_the_weekday_cycle_sets_the_cover_and_the_order_date(shop, product):
    mon_thu = SupplierFactory(name="Twice a week", lead_time_days=2, order_weekdays=0b0001001)
    SupplierProduct.objects.create(supplier=mon_thu, product=product, price_amount=D("1.00"))
    ReorderPolicy.objects.create(shop=shop, product=product, history_days=5, safety_days=1)
    receive(shop, product, day(6), 12)
    for offset in range(1, 6):
        sell(shop, product, day(offset), 2)  # 2 a day, 2 left
    run = reorder_run()
    p = proposal(product)
    # Wednesday: order on Thursday (1 day), next order Monday (4), lead 2, safety 1 = 8 days -> 16 to reach
    assert (p.cover_days, p.order_date, p.target_quantity, p.quantity) == (
        8,
        datetime.date(2026, 11, 26),
        D("16.000"),
        D("14.000"),
    )
    assert PurchaseOrder.objects.get(run=run).business_date == datetime.date(2026, 11, 26)


def test_min_max_orders_up_to_the_maximum_only_at_or_below_the_minimum(shop, supplier, product):
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("1.00"), pack_size=4)
    ReorderPolicy.objects.create(shop=shop, product=product, method="minmax", min_quantity=5, max_quantity=20)
    receive(shop, product, day(3), 6)
    reorder_run()
    assert proposal(product) is None  # 6 > 5
    sell(shop, product, day(1), 1)
    reorder_run()
    p = proposal(product)
    assert (p.method, p.stock_quantity, p.target_quantity, p.quantity) == ("minmax", D("5.000"), D("20.000"), D("16"))


def test_group_defaults_apply_to_subgroups_and_a_policy_overrides_them(shop, supplier):
    from tests.factories import group_create

    food = group_create("Food")
    dairy = group_create("Dairy", parent=food)
    milk = ProductFactory(sku="M1", group=dairy)
    SupplierProduct.objects.create(supplier=supplier, product=milk, price_amount=D("1.00"))
    ReorderGroupDefault.objects.create(group=food, history_days=2, safety_days=0)
    receive(shop, milk, day(5), 20)
    sell(shop, milk, day(3), 4)  # outside the 2 days
    sell(shop, milk, day(1), 4)  # 2 days of history: 4 sold, 2 a day, 12 left; cover 3 -> 6: nothing
    reorder_run()
    assert proposal(milk) is None
    ReorderGroupDefault.objects.filter(group=food).update(is_active=False)
    ReorderGroupDefault.objects.create(group=dairy, history_days=2, safety_days=5)  # deeper wins: cover 8
    reorder_run()
    p = proposal(milk)
    assert (p.history_days, p.daily_sales, p.cover_days, p.quantity) == (2, D("2.0000"), 8, D("4.000"))
    ReorderPolicy.objects.create(shop=shop, product=milk, is_active=False)
    reorder_run()
    assert proposal(milk).run_id == p.run_id  # switched off: the new run proposes nothing


def test_sent_orders_count_as_on_order_and_the_next_run_replaces_drafts(shop, supplier, product, owner):
    from purchasing.services.orders import purchase_order_send

    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("1.00"))
    ReorderPolicy.objects.create(shop=shop, product=product, method="minmax", min_quantity=2, max_quantity=10)
    first = reorder_run()
    second = reorder_run()
    assert not PurchaseOrder.objects.filter(run=first).exists()  # replaced
    order = PurchaseOrder.objects.get(run=second)
    assert order.lines.get().quantity == D("10.000")
    purchase_order_send(order_id=order.pk, actor=owner)
    third = reorder_run()
    assert not ReorderProposal.objects.filter(run=third).exists()  # 10 on order: above the minimum
    assert PurchaseOrder.objects.get(pk=order.pk).status == OrderStatus.SENT


def test_a_shop_supplied_from_the_warehouse_gets_a_transfer(shop, supplier, product):
    from inventory.choices import DocumentStatus
    from inventory.models import Transfer
    from purchasing.models import SupplySource
    from tests.factories import ShopFactory

    warehouse = ShopFactory(code="W1", format="warehouse")
    SupplySource.objects.create(shop=shop, warehouse=warehouse)
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("1.00"))
    ReorderPolicy.objects.create(shop=shop, product=product, method="minmax", min_quantity=2, max_quantity=10)
    ReorderPolicy.objects.create(shop=warehouse, product=product, method="minmax", min_quantity=2, max_quantity=50)
    run = reorder_run()
    p = proposal(product, shop)
    assert (p.outcome, p.warehouse, p.quantity) == (ProposalOutcome.TRANSFER, warehouse, D("10.000"))
    transfer = Transfer.objects.get()
    assert (transfer.shop, transfer.to_shop, transfer.status) == (warehouse, shop, DocumentStatus.DRAFT)
    assert list(transfer.lines.values_list("product_id", "quantity")) == [(product.pk, D("10.000"))]
    assert PurchaseOrder.objects.get(run=run).shop == warehouse  # the warehouse buys from the supplier
    reorder_run()
    assert Transfer.objects.count() == 1  # the draft transfer counts as on order


# --- against an independent calculation -----------------------------------------------------------


def reference(history: dict[int, list[tuple[str, Decimal]]], n: int, cover: int, pack: Decimal):
    """Day by day forwards from the first movement: the opening stock of each day, in-stock days,
    sales, the need rounded up to packs. `history` maps day offsets (0 = today) to movements."""
    first = max(history)
    level = Decimal(0)
    in_stock = 0
    sold = Decimal(0)
    for offset in range(first, -1, -1):
        opening = level
        day_sold = sum((-q for kind, q in history.get(offset, []) if kind == "sale"), Decimal(0))
        if 1 <= offset <= n:
            if opening > 0 or day_sold > 0:
                in_stock += 1
            sold += day_sold
        level += sum((q for _kind, q in history.get(offset, [])), Decimal(0))
    rate = sold / in_stock if in_stock else Decimal(0)
    need = rate * cover - level
    quantity = (need / pack).to_integral_value(rounding=ROUND_CEILING) * pack if need > 0 else Decimal(0)
    return in_stock, sold, level, quantity


@pytest.mark.parametrize("seed", range(6))
def test_random_histories_match_a_day_by_day_simulation(shop, supplier, seed):
    rng = random.Random(seed)
    cases = []
    for i in range(8):
        item = ProductFactory(sku=f"R{seed}-{i}")
        pack = D(rng.choice(["1", "6", "0.5"]))
        n = rng.choice([7, 14, 30])
        SupplierProduct.objects.create(supplier=supplier, product=item, price_amount=D("2.00"), pack_size=pack)
        ReorderPolicy.objects.create(shop=shop, product=item, history_days=n, safety_days=rng.randint(0, 5))
        history: dict[int, list[tuple[str, Decimal]]] = {}
        level = D(0)
        for offset in range(40, -1, -1):
            if rng.random() < 0.15:
                q = D(rng.randint(1, 20))
                receive(shop, item, day(offset), q)
                history.setdefault(offset, []).append(("receipt", q))
                level += q
            if rng.random() < 0.5 and (level > 0 or rng.random() < 0.2):
                q = D(rng.randint(1, 4))
                sell(shop, item, day(offset), q)
                history.setdefault(offset, []).append(("sale", -q))
                level -= q
        cases.append((item, history, n, pack))
    reorder_run()
    for item, history, n, pack in cases:
        policy = ReorderPolicy.objects.get(product=item)
        cover = 1 + 2 + policy.safety_days  # every day an order day, lead 2
        in_stock, sold, stock, quantity = reference(history or {0: []}, n, cover, pack)
        p = proposal(item)
        if quantity == 0:
            assert p is None, (item.sku, in_stock, sold, stock)
            continue
        assert (p.in_stock_days, p.sold_quantity, p.stock_quantity, p.quantity) == (in_stock, sold, stock, quantity)


def test_old_proposals_go_unless_they_explain_an_order_line(shop, supplier, product, owner):
    from purchasing.services.orders import purchase_order_send

    bread = ProductFactory(sku="BREAD")
    other = SupplierFactory(name="Bakery", min_order_amount=D("1000000"))
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("1.00"))
    SupplierProduct.objects.create(supplier=other, product=bread, price_amount=D("1.00"))
    for item in (product, bread):
        ReorderPolicy.objects.create(shop=shop, product=item, method="minmax", min_quantity=1, max_quantity=5)
    first = reorder_run(run_date=RUN_DAY - datetime.timedelta(days=20))
    purchase_order_send(order_id=PurchaseOrder.objects.get(run=first).pk, actor=owner)
    kept = ReorderProposal.objects.get(run=first, product=product)  # explains a sent order's line
    assert ReorderProposal.objects.filter(run=first, product=bread, outcome="below_min").exists()
    reorder_run()
    assert list(ReorderProposal.objects.filter(run=first)) == [kept]
