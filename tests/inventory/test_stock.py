import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from inventory.exceptions import DocumentEmpty, DocumentNotDraft, DocumentNotPosted, NegativeStock, PeriodClosed
from inventory.models import (
    GoodsReceipt,
    OpeningBalance,
    PeriodLock,
    Posting,
    RecostRequest,
    StockBalance,
    StockLedgerEntry,
    Stocktake,
    SupplierReturn,
    Transfer,
    WriteOff,
)
from inventory.services import (
    goods_receipt_cancel,
    goods_receipt_post,
    opening_balance_post,
    stocktake_fill,
    stocktake_post,
    supplier_return_post,
    transfer_cancel,
    transfer_receive,
    transfer_ship,
    transit_shop,
    write_off_cancel,
    write_off_post,
)
from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

pytestmark = pytest.mark.usefixtures("ledgers_balanced")
D = Decimal
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def ctx(db):
    zone = PriceZoneFactory(code="Z1")
    return {
        "shop": ShopFactory(code="01", price_zone=zone),
        "other": ShopFactory(code="02", price_zone=zone),
        "supplier": SupplierFactory(),
        "milk": ProductFactory(sku="MILK"),
        "bread": ProductFactory(sku="BREAD"),
        "user": UserFactory(),
    }


def receipt(ctx, lines, shop=None, day=DAY, post=True):
    doc = stock_document(
        GoodsReceipt,
        shop=shop or ctx["shop"],
        supplier=ctx["supplier"],
        business_date=day,
        lines=[{"product": p, "quantity": D(q), "price_amount": D(price)} for p, q, price in lines],
    )
    if post:
        goods_receipt_post(document_id=doc.pk, actor=ctx["user"])
        doc.refresh_from_db()
    return doc


def balance(shop, product):
    b = StockBalance.objects.filter(shop=shop, product=product).first()
    return (b.quantity, b.cost_amount) if b else (D("0"), D("0"))


def test_goods_receipt_posts_stock_at_purchase_price(ctx):
    doc = receipt(ctx, [(ctx["milk"], "10", "100.50"), (ctx["bread"], "2.5", "40")])
    assert doc.status == "posted" and doc.posted_by == ctx["user"]
    assert doc.number == "GR-01-000001"
    assert balance(ctx["shop"], ctx["milk"]) == (D("10.000"), D("1005.00"))
    assert balance(ctx["shop"], ctx["bread"]) == (D("2.500"), D("100.00"))
    posting = Posting.objects.get(document_type="goods_receipt", document_id=doc.pk, action="post")
    assert set(StockLedgerEntry.objects.values_list("posting_id", flat=True)) == {posting.pk}


def test_moving_average_cost_and_outgoing_rows_store_their_cost(ctx):
    receipt(ctx, [(ctx["milk"], "10", "100")])
    receipt(ctx, [(ctx["milk"], "5", "130")])  # 10 x 100 + 5 x 130 = 1650 for 15 -> 110.00
    wo = stock_document(
        WriteOff, shop=ctx["shop"], business_date=DAY, lines=[{"product": ctx["milk"], "quantity": D("3")}]
    )
    write_off_post(document_id=wo.pk, actor=ctx["user"])
    entry = StockLedgerEntry.objects.get(source_type="write_off")
    assert (entry.quantity, entry.cost_amount, entry.cost_provisional) == (D("-3.000"), D("-330.00"), False)
    assert balance(ctx["shop"], ctx["milk"]) == (D("12.000"), D("1320.00"))


def test_the_last_unit_takes_the_exact_remaining_value(ctx):
    receipt(ctx, [(ctx["milk"], "3", "10")])
    receipt(ctx, [(ctx["milk"], "1", "0.01")])  # 30.01 for 4
    for _ in range(4):
        wo = stock_document(
            WriteOff, shop=ctx["shop"], business_date=DAY, lines=[{"product": ctx["milk"], "quantity": D("1")}]
        )
        write_off_post(document_id=wo.pk, actor=ctx["user"])
    assert balance(ctx["shop"], ctx["milk"]) == (D("0.000"), D("0.00"))


def test_write_off_beyond_stock_is_refused_naming_the_shortfall(ctx):
    receipt(ctx, [(ctx["milk"], "2", "10"), (ctx["bread"], "5", "10")])
    wo = stock_document(
        WriteOff,
        shop=ctx["shop"],
        business_date=DAY,
        lines=[{"product": ctx["milk"], "quantity": D("5")}, {"product": ctx["bread"], "quantity": D("1")}],
    )
    with pytest.raises(NegativeStock) as exc:
        write_off_post(document_id=wo.pk, actor=ctx["user"])
    assert "MILK" in exc.value.message and "short by 3" in exc.value.message
    assert exc.value.shortages == [(ctx["shop"].pk, ctx["milk"].pk, D("2.000"), D("5.000"))]
    wo.refresh_from_db()
    assert wo.status == "draft"
    assert not StockLedgerEntry.objects.filter(source_type="write_off").exists()
    assert balance(ctx["shop"], ctx["bread"]) == (D("5.000"), D("50.00"))


def test_negative_stock_allowed_shop_leaves_at_last_cost_flagged_provisional_then_recosted(
    ctx, django_capture_on_commit_callbacks
):
    shop = ctx["shop"]
    shop.negative_stock_allowed = True
    shop.save()
    receipt(ctx, [(ctx["milk"], "2", "10")])
    wo = stock_document(WriteOff, shop=shop, business_date=DAY, lines=[{"product": ctx["milk"], "quantity": D("5")}])
    write_off_post(document_id=wo.pk, actor=ctx["user"])
    entry = StockLedgerEntry.objects.get(source_type="write_off")
    assert (entry.cost_amount, entry.cost_provisional) == (D("-50.00"), True)  # 20 + 3 x 10 (last cost)
    assert balance(shop, ctx["milk"]) == (D("-3.000"), D("-30.00"))
    with django_capture_on_commit_callbacks(execute=True):
        receipt(ctx, [(ctx["milk"], "10", "12")])  # covers the shortfall: the pair is re-costed
    assert not RecostRequest.objects.exists()
    # Replayed in date order (same day, by id): the write-off came after 2 @ 10 only: still 20 + 3 x 10.
    assert balance(shop, ctx["milk"]) == (D("7.000"), D("90.00"))


def test_back_dated_receipt_recosts_later_outgoing_rows(ctx, django_capture_on_commit_callbacks):
    receipt(ctx, [(ctx["milk"], "10", "10")], day=DAY)
    wo = stock_document(
        WriteOff,
        shop=ctx["shop"],
        business_date=DAY + datetime.timedelta(days=5),
        lines=[{"product": ctx["milk"], "quantity": D("10")}],
    )
    write_off_post(document_id=wo.pk, actor=ctx["user"])
    with django_capture_on_commit_callbacks(execute=True):
        receipt(ctx, [(ctx["milk"], "10", "40")], day=DAY + datetime.timedelta(days=1))
    # Replayed by date: 10 @ 10 + 10 @ 40 = 500 for 20, so the write-off of 10 costs 250, not 100.
    write_off_entry = StockLedgerEntry.objects.get(source_type="write_off", adjusts__isnull=True)
    adjustment = StockLedgerEntry.objects.get(adjusts=write_off_entry)
    assert write_off_entry.cost_amount + adjustment.cost_amount == D("-250.00")
    assert balance(ctx["shop"], ctx["milk"]) == (D("10.000"), D("250.00"))


def test_cancel_reverses_and_a_cancelled_receipt_with_goods_gone_is_refused(ctx):
    doc = receipt(ctx, [(ctx["milk"], "10", "10")])
    wo = stock_document(
        WriteOff, shop=ctx["shop"], business_date=DAY, lines=[{"product": ctx["milk"], "quantity": D("8")}]
    )
    write_off_post(document_id=wo.pk, actor=ctx["user"])
    with pytest.raises(NegativeStock):
        goods_receipt_cancel(document_id=doc.pk, actor=ctx["user"])
    write_off_cancel(document_id=wo.pk, actor=ctx["user"])
    assert balance(ctx["shop"], ctx["milk"]) == (D("10.000"), D("100.00"))
    goods_receipt_cancel(document_id=doc.pk, actor=ctx["user"])
    doc.refresh_from_db()
    assert doc.status == "cancelled" and doc.cancelled_by == ctx["user"]
    assert balance(ctx["shop"], ctx["milk"]) == (D("0.000"), D("0.00"))
    assert StockLedgerEntry.objects.filter(reversal_of__isnull=False).count() == 2
    with pytest.raises(DocumentNotPosted):
        goods_receipt_cancel(document_id=doc.pk, actor=ctx["user"])


def test_refusals_draft_only_and_empty(ctx):
    doc = receipt(ctx, [(ctx["milk"], "1", "1")])
    with pytest.raises(DocumentNotDraft):
        goods_receipt_post(document_id=doc.pk, actor=ctx["user"])
    empty = stock_document(GoodsReceipt, shop=ctx["shop"], supplier=ctx["supplier"], lines=[])
    with pytest.raises(DocumentEmpty):
        goods_receipt_post(document_id=empty.pk, actor=ctx["user"])
    assert StockLedgerEntry.objects.count() == 1


def test_period_lock_refuses_posting_and_cancelling(ctx):
    doc = receipt(ctx, [(ctx["milk"], "1", "1")], day=DAY)
    PeriodLock.objects.create(shop=ctx["shop"], lock_date=DAY)
    late = receipt(ctx, [(ctx["milk"], "1", "1")], day=DAY + datetime.timedelta(days=1))
    assert late.status == "posted"
    early = receipt(ctx, [(ctx["milk"], "1", "1")], day=DAY, post=False)
    with pytest.raises(PeriodClosed) as exc:
        goods_receipt_post(document_id=early.pk, actor=ctx["user"])
    assert "closed" in exc.value.message
    with pytest.raises(PeriodClosed):
        goods_receipt_cancel(document_id=doc.pk, actor=ctx["user"])
    # Another shop is not locked by this shop's lock, but the global lock covers everyone.
    receipt(ctx, [(ctx["milk"], "1", "1")], shop=ctx["other"], day=DAY)
    PeriodLock.objects.create(shop=None, lock_date=DAY)
    other = receipt(ctx, [(ctx["milk"], "1", "1")], shop=ctx["other"], day=DAY, post=False)
    with pytest.raises(PeriodClosed):
        goods_receipt_post(document_id=other.pk, actor=ctx["user"])


def test_supplier_return_leaves_at_average_cost(ctx):
    receipt(ctx, [(ctx["milk"], "4", "25")])
    doc = stock_document(
        SupplierReturn,
        shop=ctx["shop"],
        supplier=ctx["supplier"],
        business_date=DAY,
        lines=[{"product": ctx["milk"], "quantity": D("1"), "price_amount": D("25")}],
    )
    supplier_return_post(document_id=doc.pk, actor=ctx["user"])
    assert balance(ctx["shop"], ctx["milk"]) == (D("3.000"), D("75.00"))


def test_transfer_ships_into_transit_and_is_received_with_a_shortage(ctx):
    receipt(ctx, [(ctx["milk"], "10", "30")])
    doc = stock_document(
        Transfer,
        shop=ctx["shop"],
        to_shop=ctx["other"],
        business_date=DAY,
        lines=[{"product": ctx["milk"], "quantity": D("6")}],
    )
    transfer_ship(document_id=doc.pk, actor=ctx["user"])
    transit = transit_shop()
    assert balance(ctx["shop"], ctx["milk"]) == (D("4.000"), D("120.00"))
    assert balance(transit, ctx["milk"]) == (D("6.000"), D("180.00"))
    line = doc.lines.get()
    line.received_quantity = D("5")
    line.save()
    transfer_receive(document_id=doc.pk, actor=ctx["user"], received_date=DAY + datetime.timedelta(days=2))
    assert balance(transit, ctx["milk"]) == (D("0.000"), D("0.00"))
    assert balance(ctx["other"], ctx["milk"]) == (D("5.000"), D("150.00"))
    shortage = StockLedgerEntry.objects.get(kind="transfer_shortage")
    assert (shortage.quantity, shortage.cost_amount) == (D("-1.000"), D("-30.00"))
    # Cancelling puts everything back where it was.
    transfer_cancel(document_id=doc.pk, actor=ctx["user"])
    assert balance(ctx["shop"], ctx["milk"]) == (D("10.000"), D("300.00"))
    assert balance(ctx["other"], ctx["milk"]) == (D("0.000"), D("0.00"))
    assert balance(transit, ctx["milk"]) == (D("0.000"), D("0.00"))


def test_transfer_received_with_a_surplus(ctx):
    receipt(ctx, [(ctx["milk"], "10", "30")])
    receipt(ctx, [(ctx["milk"], "1", "36")], shop=ctx["other"])
    doc = stock_document(
        Transfer,
        shop=ctx["shop"],
        to_shop=ctx["other"],
        business_date=DAY,
        lines=[{"product": ctx["milk"], "quantity": D("2"), "received_quantity": D("3")}],
    )
    transfer_ship(document_id=doc.pk, actor=ctx["user"])
    transfer_receive(document_id=doc.pk, actor=ctx["user"], received_date=DAY)
    # 36 + 60 = 96 for 3 -> surplus unit at the average 32.00
    assert balance(ctx["other"], ctx["milk"]) == (D("4.000"), D("128.00"))


def test_stocktake_posts_differences_and_sales_after_the_snapshot_still_count(ctx):
    receipt(ctx, [(ctx["milk"], "10", "10"), (ctx["bread"], "5", "4")])
    st = Stocktake.objects.create(shop=ctx["shop"], business_date=DAY)
    stocktake_fill(document_id=st.pk, actor=ctx["user"])
    lines = {line.product_id: line for line in st.lines.all()}
    assert lines[ctx["milk"].pk].book_quantity == D("10.000")
    # A write-off (standing in for a sale) happens after the snapshot.
    wo = stock_document(
        WriteOff, shop=ctx["shop"], business_date=DAY, lines=[{"product": ctx["milk"], "quantity": D("2")}]
    )
    write_off_post(document_id=wo.pk, actor=ctx["user"])
    lines[ctx["milk"].pk].counted_quantity = D("9")  # one missing against the snapshot
    lines[ctx["milk"].pk].save()
    lines[ctx["bread"].pk].counted_quantity = D("6")  # one more
    lines[ctx["bread"].pk].save()
    stocktake_post(document_id=st.pk, actor=ctx["user"])
    assert balance(ctx["shop"], ctx["milk"]) == (D("7.000"), D("70.00"))
    assert balance(ctx["shop"], ctx["bread"]) == (D("6.000"), D("24.00"))


def test_opening_balance_posts_quantities_at_unit_costs(ctx):
    doc = stock_document(
        OpeningBalance,
        shop=ctx["shop"],
        business_date=DAY,
        lines=[{"product": ctx["milk"], "quantity": D("3"), "unit_cost": D("33.3333")}],
    )
    opening_balance_post(document_id=doc.pk, actor=ctx["user"])
    assert balance(ctx["shop"], ctx["milk"]) == (D("3.000"), D("100.00"))


# --- immutability in the database ---------------------------------------------------------------


def test_ledger_rows_cannot_be_updated_or_deleted_even_with_sql(ctx):
    receipt(ctx, [(ctx["milk"], "1", "1")])
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLedgerEntry.objects.update(quantity=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLedgerEntry.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_stockledgerentry SET cost_amount = 0")
    assert StockLedgerEntry.objects.get().quantity == D("1.000")


def test_posted_documents_and_their_lines_cannot_be_changed_even_with_sql(ctx):
    doc = receipt(ctx, [(ctx["milk"], "1", "1")])
    with pytest.raises(IntegrityError), transaction.atomic():
        GoodsReceipt.objects.filter(pk=doc.pk).update(business_date=DAY - datetime.timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        GoodsReceipt.objects.filter(pk=doc.pk).update(status="draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        doc.lines.update(quantity=100)
    with pytest.raises(IntegrityError), transaction.atomic():
        doc.lines.model.objects.create(document=doc, product=ctx["bread"], quantity=1, price_amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        GoodsReceipt.objects.filter(pk=doc.pk).delete()
    doc.refresh_from_db()
    assert doc.status == "posted" and doc.lines.count() == 1
    # A draft is free to change.
    draft = receipt(ctx, [(ctx["milk"], "1", "1")], post=False)
    draft.lines.update(quantity=2)
    GoodsReceipt.objects.filter(pk=draft.pk).delete()


def test_a_back_dated_document_over_many_products_queues_and_recosts_them_all(ctx, django_capture_on_commit_callbacks):
    products = [ProductFactory() for _ in range(1200)]
    receipt(ctx, [(p, "2", "10") for p in products], day=DAY)
    receipt(ctx, [(p, "1", "10") for p in products], day=DAY)  # queues nothing: not back-dated
    wo = stock_document(
        WriteOff,
        shop=ctx["shop"],
        business_date=DAY + datetime.timedelta(days=3),
        lines=[{"product": p, "quantity": D("3")} for p in products],
    )
    write_off_post(document_id=wo.pk, actor=ctx["user"])
    with django_capture_on_commit_callbacks(execute=True):
        receipt(ctx, [(p, "3", "20") for p in products], day=DAY + datetime.timedelta(days=1))
    assert not RecostRequest.objects.exists()
    # By date: 3 @ 10 then 3 @ 20 = 90 for 6, so the write-off of 3 costs 45 each, not 30.
    assert balance(ctx["shop"], products[0]) == (D("3.000"), D("45.00"))
    assert StockLedgerEntry.objects.filter(kind="cost_adjustment").count() == 1200
