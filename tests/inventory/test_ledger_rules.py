"""Ledger rules a mutation run left unguarded: each test names the line whose breaking it catches."""

import datetime
from decimal import Decimal

import pytest

from inventory.models import GoodsReceipt, StockBalance, StockLedgerEntry, WriteOff
from inventory.services import goods_receipt_post, write_off_cancel, write_off_post
from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

pytestmark = pytest.mark.usefixtures("ledgers_balanced")
D = Decimal
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def ctx(db):
    return {
        "shop": ShopFactory(code="01", price_zone=PriceZoneFactory(code="Z1"), negative_stock_allowed=True),
        "supplier": SupplierFactory(),
        "milk": ProductFactory(sku="MILK"),
        "user": UserFactory(),
    }


def receive(ctx, quantity, price, day=DAY):
    document = stock_document(
        GoodsReceipt,
        shop=ctx["shop"],
        supplier=ctx["supplier"],
        business_date=day,
        lines=[{"product": ctx["milk"], "quantity": D(quantity), "price_amount": D(price)}],
    )
    goods_receipt_post(document_id=document.pk, actor=ctx["user"])
    return document


def write_off(ctx, quantity, day=DAY):
    document = stock_document(
        WriteOff, shop=ctx["shop"], business_date=day, lines=[{"product": ctx["milk"], "quantity": D(quantity)}]
    )
    write_off_post(document_id=document.pk, actor=ctx["user"])
    return document, StockLedgerEntry.objects.get(source_type="write_off", source_id=document.pk)


def state(ctx):
    b = StockBalance.objects.get(shop=ctx["shop"], product=ctx["milk"])
    return b.quantity, b.cost_amount, b.last_unit_cost


def back_dated_recost(ctx, django_capture_on_commit_callbacks):
    """10 @ 10 on day 0, all written off on day 5, then 10 @ 40 entered late for day 1: the write-off costs 250."""
    receive(ctx, "10", "10")
    document, entry = write_off(ctx, "10", day=DAY + datetime.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        receive(ctx, "10", "40", day=DAY + datetime.timedelta(days=1))
    return document, entry


def test_re_costing_rewrites_the_last_unit_cost_that_a_later_shortfall_is_costed_at(
    ctx, django_capture_on_commit_callbacks
):
    """Breaks if `stock_recost_pair` leaves `last_unit_cost` as the live posting left it (40, not 25)."""
    back_dated_recost(ctx, django_capture_on_commit_callbacks)
    # Live, the late receipt met an empty shelf: 10 for 400, last unit cost 40. Replayed by date:
    # 20 for 500 on day 1, 10 written off at 250 on day 5, 10 left for 250: 25 each.
    assert state(ctx) == (D("10.000"), D("250.00"), D("25.0000"))
    _document, entry = write_off(ctx, "15", day=DAY + datetime.timedelta(days=6))
    # 10 covered at 250, 5 beyond the stock at the last unit cost 25 (not the stale 40).
    assert (entry.cost_amount, entry.cost_provisional) == (D("-375.00"), True)
    assert state(ctx) == (D("-5.000"), D("-125.00"), D("25.0000"))


def test_cancelling_a_re_costed_write_off_brings_back_its_corrected_cost(ctx, django_capture_on_commit_callbacks):
    """Breaks if `stock_reverse` drops, or flips the sign of, the re-costing adjustments of what it reverses."""
    document, entry = back_dated_recost(ctx, django_capture_on_commit_callbacks)
    assert entry.cost_amount + StockLedgerEntry.objects.get(adjusts=entry).cost_amount == D("-250.00")
    write_off_cancel(document_id=document.pk, actor=ctx["user"])
    reversal = StockLedgerEntry.objects.get(reversal_of=entry)
    assert (reversal.quantity, reversal.cost_amount) == (D("10.000"), D("250.00"))
    assert state(ctx)[:2] == (D("20.000"), D("500.00"))


def test_writing_off_exactly_what_is_left_is_not_provisional(ctx):
    """Breaks if the covered-stock test `self.quantity >= out` becomes `>` (off by one: the last unit)."""
    receive(ctx, "3", "10.01")
    _document, entry = write_off(ctx, "3")
    assert (entry.cost_amount, entry.cost_provisional) == (D("-30.03"), False)
    assert state(ctx) == (D("0.000"), D("0.00"), D("10.0100"))


def test_a_partial_write_off_is_its_rounded_share_and_the_last_unit_takes_the_rest(ctx):
    """Breaks on a changed share of an outgoing cost (value x out / quantity, rounded half up)."""
    receive(ctx, "1", "9.98")
    receive(ctx, "2", "0.01")  # 10.00 for 3
    costs = [write_off(ctx, "1")[1].cost_amount for _ in range(3)]
    assert costs == [D("-3.33"), D("-3.34"), D("-3.33")]
    assert state(ctx)[:2] == (D("0.000"), D("0.00"))


def test_goods_received_into_negative_stock_set_the_last_unit_cost_from_their_price(ctx):
    """Breaks if the fixed-cost branch of the last-unit-cost rule (stock still <= 0 after a receipt) is removed."""
    _document, first = write_off(ctx, "5")  # nothing known yet: leaves at 0, provisional
    assert (first.cost_amount, first.cost_provisional) == (D("0.00"), True)
    receive(ctx, "3", "20")  # still 2 short; the receipt's own price is the last known cost
    assert state(ctx) == (D("-2.000"), D("60.00"), D("20.0000"))
    _document, second = write_off(ctx, "1")
    assert (second.cost_amount, second.cost_provisional) == (D("-20.00"), True)


def test_a_receipt_after_stock_ran_out_is_costed_at_its_price_and_the_average_moves(ctx):
    """Breaks on a sign flip in the moving average (`cost_amount += cost`) or in an outgoing cost."""
    receive(ctx, "4", "10")
    _document, entry = write_off(ctx, "1")
    assert entry.cost_amount == D("-10.00")
    receive(ctx, "3", "17")  # 30 + 51 = 81 for 6
    assert state(ctx) == (D("6.000"), D("81.00"), D("13.5000"))


def test_goods_beyond_the_stock_leave_at_the_stored_last_unit_cost(ctx):
    """Breaks if the shortfall is costed at the exact average instead of the stored (4-place) last unit cost."""
    receive(ctx, "1", "9.98")
    receive(ctx, "2", "0.01")  # 10.00 for 3: last unit cost 3.3333
    _document, entry = write_off(ctx, "1003")
    # 10.00 for the 3 on hand, 1000 x 3.3333 beyond them (the exact average would make it 3333.33).
    assert (entry.cost_amount, entry.cost_provisional) == (D("-3343.30"), True)
