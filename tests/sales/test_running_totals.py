"""Running figures that a mutation left unnoticed: each assertion here fails if its line is broken."""

import datetime
from decimal import Decimal

import pytest

from inventory.models import GoodsReceipt, Transfer
from inventory.services import goods_receipt_post, transfer_receive, transfer_ship
from sales.models import Shift
from tests.factories import ShopFactory, SupplierFactory, UserFactory, stock_document
from tests.sales.conftest import sales_receipt_body as receipt_body
from tests.sales.test_batches_returns import BATCH, MILK

pytestmark = pytest.mark.django_db
D = Decimal


def discounted(sequence, quantity, discount):
    amount = D(quantity) * D("450.00") - D(discount)
    return receipt_body(
        sequence=sequence,
        lines=[{"barcode": MILK, "quantity": quantity, "price": "450.00", "discount": discount, "amount": str(amount)}],
        payments=[{"type": "card", "amount": str(amount)}],
    )


def test_the_shift_counts_discounts_as_receipts_arrive_and_the_z_report_agrees(till_world):
    client = till_world["client"]
    body = {"receipts": [discounted(1, "2", "50.00"), discounted(2, "1", "25.50")]}
    assert client.post(BATCH, body, format="json").json()["created"] == 2
    shift = Shift.objects.get()
    assert (shift.receipts_count, shift.sales_amount, shift.discount_amount) == (2, D("1274.50"), D("75.50"))
    client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5000.00"}, format="json")
    shift.refresh_from_db()
    assert (shift.z_report["discount_amount"], shift.z_report["sales_amount"]) == ("75.50", "1274.50")


def test_receiving_a_transfer_records_who_and_when(till_world, clock):
    sender, receiver = till_world["shop"], ShopFactory(code="08", price_zone=till_world["shop"].price_zone)
    goods = stock_document(
        GoodsReceipt,
        shop=sender,
        supplier=SupplierFactory(),
        business_date=datetime.date(2026, 11, 1),
        lines=[{"product": till_world["milk"], "quantity": D("5"), "price_amount": D("300")}],
    )
    goods_receipt_post(document_id=goods.pk, actor=None)
    transfer = stock_document(
        Transfer,
        shop=sender,
        to_shop=receiver,
        business_date=datetime.date(2026, 11, 20),
        lines=[{"product": till_world["milk"], "quantity": D("2")}],
    )
    clerk = UserFactory(username="clerk")
    transfer_ship(document_id=transfer.pk, actor=None)
    transfer_receive(document_id=transfer.pk, actor=clerk)
    transfer.refresh_from_db()
    assert transfer.received_by == clerk
    assert transfer.received_date == datetime.date(2026, 11, 25)  # the receiving shop's today
    assert transfer.received_at is not None


def test_a_return_after_re_costing_comes_back_at_the_corrected_cost(till_world):
    """Sold short at a provisional cost; a back-dated receipt re-costs the sale; the return takes the corrected cost."""
    from inventory.models import StockBalance, StockLedgerEntry
    from inventory.services.recost import stock_recost_pending
    from tests.sales.test_batches_returns import UPLOAD, milk_line, sale

    client = till_world["client"]
    original = sale(1, quantity="2")
    assert client.post(UPLOAD, original, format="json").status_code == 201
    sold = StockLedgerEntry.objects.get(source_type="receipt")
    assert sold.cost_provisional
    # Goods that arrived the day before the sale, entered late at 300 each.
    goods = stock_document(
        GoodsReceipt,
        shop=till_world["shop"],
        supplier=SupplierFactory(),
        business_date=datetime.date(2026, 11, 24),
        lines=[{"product": till_world["milk"], "quantity": D("10"), "price_amount": D("300")}],
    )
    goods_receipt_post(document_id=goods.pk, actor=None)
    stock_recost_pending()
    adjustment = StockLedgerEntry.objects.get(adjusts=sold)
    assert sold.cost_amount + adjustment.cost_amount == D("-600.00")
    balance = StockBalance.objects.get(shop=till_world["shop"], product=till_world["milk"])
    assert (balance.quantity, balance.cost_amount, balance.last_unit_cost) == (D("8.000"), D("2400.00"), D("300.0000"))
    refund = receipt_body(
        sequence=2,
        kind="return",
        till_time="2026-11-25T16:40:00+05:00",
        original_uuid=original["uuid"],
        lines=[milk_line(original_line_no=1)],
        payments=[{"type": "cash", "amount": "450.00"}],
    )
    assert client.post(UPLOAD, refund, format="json").status_code == 201
    back = StockLedgerEntry.objects.get(source_type="receipt", quantity__gt=0)
    assert back.cost_amount == D("300.00")
    balance.refresh_from_db()
    assert (balance.quantity, balance.cost_amount) == (D("9.000"), D("2700.00"))


def test_a_return_made_before_re_costing_follows_the_sale_s_corrected_cost(till_world):
    """Sold short at a provisional 0; half comes back (at 0); a back-dated receipt re-costs the sale to 300 each."""
    from inventory.models import StockBalance, StockLedgerEntry
    from inventory.services.recost import stock_recost_pending
    from tests.sales.test_batches_returns import UPLOAD, milk_line, sale

    client = till_world["client"]
    original = sale(1, quantity="2")
    assert client.post(UPLOAD, original, format="json").status_code == 201
    refund = receipt_body(
        sequence=2,
        kind="return",
        till_time="2026-11-25T16:40:00+05:00",
        original_uuid=original["uuid"],
        lines=[milk_line(original_line_no=1)],
        payments=[{"type": "cash", "amount": "450.00"}],
    )
    assert client.post(UPLOAD, refund, format="json").status_code == 201
    back = StockLedgerEntry.objects.get(source_type="receipt", kind="sale_return")
    assert back.cost_amount == D("0.00")  # its share of what the sale left with so far
    goods = stock_document(
        GoodsReceipt,
        shop=till_world["shop"],
        supplier=SupplierFactory(),
        business_date=datetime.date(2026, 11, 24),
        lines=[{"product": till_world["milk"], "quantity": D("10"), "price_amount": D("300")}],
    )
    goods_receipt_post(document_id=goods.pk, actor=None)
    stock_recost_pending()
    sold = StockLedgerEntry.objects.get(source_type="receipt", kind="sale")
    assert back.return_of_id == sold.pk
    assert sold.cost_amount + sum(a.cost_amount for a in StockLedgerEntry.objects.filter(adjusts=sold)) == D("-600.00")
    returned = back.cost_amount + sum(a.cost_amount for a in StockLedgerEntry.objects.filter(adjusts=back))
    assert returned == D("300.00")
    balance = StockBalance.objects.get(shop=till_world["shop"], product=till_world["milk"])
    assert (balance.quantity, balance.cost_amount) == (D("9.000"), D("2700.00"))


def test_returns_re_costed_with_their_sale_share_its_new_cost_and_the_last_takes_the_rest(till_world):
    """3 sold short; 1 and then 2 come back; goods entered late re-cost the sale to 4.29 (3 of 7 at 10.01):
    the first return takes its third rounded (1.43), the one that completes the sale the exact rest (2.86)."""
    from inventory.models import StockBalance, StockLedgerEntry
    from inventory.services.checks import stock_ledger_differences
    from inventory.services.recost import stock_recost_pending
    from tests.sales.test_batches_returns import UPLOAD, milk_line, sale

    client = till_world["client"]
    original = sale(1, quantity="3")
    assert client.post(UPLOAD, original, format="json").status_code == 201
    for sequence, quantity in ((2, "1"), (3, "2")):
        refund = receipt_body(
            sequence=sequence,
            kind="return",
            original_uuid=original["uuid"],
            lines=[milk_line(quantity, original_line_no=1)],
            payments=[{"type": "cash", "amount": str(D(quantity) * D("450.00"))}],
        )
        assert client.post(UPLOAD, refund, format="json").status_code == 201
    goods = stock_document(
        GoodsReceipt,
        shop=till_world["shop"],
        supplier=SupplierFactory(),
        business_date=datetime.date(2026, 11, 24),
        lines=[{"product": till_world["milk"], "quantity": D("7"), "price_amount": D("1.43")}],
    )
    goods_receipt_post(document_id=goods.pk, actor=None)
    assert stock_recost_pending() == 1

    def cost(entry):
        return entry.cost_amount + sum(a.cost_amount for a in StockLedgerEntry.objects.filter(adjusts=entry))

    sold = StockLedgerEntry.objects.get(source_type="receipt", kind="sale")
    first, second = StockLedgerEntry.objects.filter(kind="sale_return", adjusts__isnull=True).order_by("id")
    assert (cost(sold), cost(first), cost(second)) == (D("-4.29"), D("1.43"), D("2.86"))
    assert (first.return_of_id, second.return_of_id) == (sold.pk, sold.pk)
    balance = StockBalance.objects.get(shop=till_world["shop"], product=till_world["milk"])
    assert (balance.quantity, balance.cost_amount, balance.last_unit_cost) == (D("7.000"), D("10.01"), D("1.4300"))
    assert stock_ledger_differences()[1] == []
    # Run again: nothing left to correct, nothing written.
    before = StockLedgerEntry.objects.count()
    from inventory.services.recost import stock_recost_pair

    assert stock_recost_pair(shop_id=till_world["shop"].pk, product_id=till_world["milk"].pk) == 0
    assert StockLedgerEntry.objects.count() == before


def test_shift_totals_add_up_across_uploads_not_only_within_one(till_world):
    """Breaks if any running total (count, sales, discounts, returns) is set instead of incremented with F(),
    or if returns' discounts are counted as discounts given."""
    from tests.sales.test_batches_returns import UPLOAD, milk_line, sale

    client = till_world["client"]
    first, second, third = discounted(1, "2", "50.00"), discounted(2, "1", "25.50"), sale(3)
    assert client.post(UPLOAD, first, format="json").status_code == 201
    assert client.post(BATCH, {"receipts": [second]}, format="json").json()["created"] == 1
    assert client.post(UPLOAD, third, format="json").status_code == 201
    # The second refund gives back the discounted unit at 425.00: a return's discount is not a discount given.
    for sequence, original, line in (
        (4, third, milk_line(original_line_no=1)),
        (5, first, {**milk_line(original_line_no=1), "discount": "25.00", "amount": "425.00"}),
    ):
        refund = receipt_body(
            sequence=sequence,
            kind="return",
            original_uuid=original["uuid"],
            lines=[line],
            payments=[{"type": "cash", "amount": line["amount"]}],
        )
        assert client.post(UPLOAD, refund, format="json").status_code == 201, refund
    shift = Shift.objects.get()
    assert (shift.receipts_count, shift.sales_amount, shift.discount_amount, shift.returns_amount) == (
        5,
        D("1724.50"),
        D("75.50"),
        D("875.00"),
    )


def test_returns_of_one_line_take_their_shares_and_the_last_takes_what_is_left(till_world):
    """Breaks on the last-return rule (`>=` made `>`), or on what earlier returns took back (sign, or not
    counted within a batch): 10.00 for 3 comes back as 3.33, 3.33 and 3.34, never a cent more or less."""
    from inventory.models import StockBalance, StockLedgerEntry
    from tests.sales.test_batches_returns import UPLOAD, milk_line, sale

    for quantity, price in (("1", "9.98"), ("2", "0.01")):  # 10.00 for 3
        goods = stock_document(
            GoodsReceipt,
            shop=till_world["shop"],
            supplier=SupplierFactory(),
            business_date=datetime.date(2026, 11, 1),
            lines=[{"product": till_world["milk"], "quantity": D(quantity), "price_amount": D(price)}],
        )
        goods_receipt_post(document_id=goods.pk, actor=None)
    client = till_world["client"]
    original = sale(1, quantity="3")
    assert client.post(UPLOAD, original, format="json").status_code == 201

    def refund(sequence):
        return receipt_body(
            sequence=sequence,
            kind="return",
            original_uuid=original["uuid"],
            lines=[milk_line(original_line_no=1)],
            payments=[{"type": "cash", "amount": "450.00"}],
        )

    assert client.post(UPLOAD, refund(2), format="json").status_code == 201
    assert client.post(BATCH, {"receipts": [refund(3), refund(4)]}, format="json").json()["created"] == 2
    costs = list(
        StockLedgerEntry.objects.filter(kind="sale_return").order_by("id").values_list("cost_amount", flat=True)
    )
    assert costs == [D("3.33"), D("3.33"), D("3.34")]
    balance = StockBalance.objects.get(shop=till_world["shop"], product=till_world["milk"])
    assert (balance.quantity, balance.cost_amount) == (D("3.000"), D("10.00"))
