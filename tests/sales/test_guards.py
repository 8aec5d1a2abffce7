"""Everything posted is guarded in the database: SQL typed by hand cannot change it, only the posting services.

Each test writes through the services first (they must keep working), then tries what a
careless script or a console session would try, and checks that nothing moved.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from inventory.models import GoodsReceipt, Price, PriceChange, StockLedgerEntry
from inventory.services import goods_receipt_cancel, goods_receipt_post
from inventory.services.prices import price_change_cancel
from sales.models import Receipt, ReceiptLine, ReceiptPayment, Shift
from tests.factories import SupplierFactory, stock_document
from tests.sales.test_batches_returns import UPLOAD, sale

pytestmark = pytest.mark.django_db
D = Decimal


def refused(sql, params=()):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def posted_receipt(world, status="posted"):
    document = stock_document(
        GoodsReceipt,
        shop=world["shop"],
        supplier=SupplierFactory(),
        business_date=datetime.date(2026, 11, 1),
        lines=[{"product": world["milk"], "quantity": D("5"), "price_amount": D("300")}],
    )
    goods_receipt_post(document_id=document.pk, actor=None)
    return document


def test_a_posted_document_changes_status_only_through_its_service(till_world):
    document = posted_receipt(till_world)
    table = GoodsReceipt._meta.db_table
    refused(f"UPDATE {table} SET status = 'cancelled' WHERE id = %s", [document.pk])
    refused(f"UPDATE {table} SET status = 'draft' WHERE id = %s", [document.pk])
    draft = stock_document(GoodsReceipt, shop=till_world["shop"], supplier=SupplierFactory(), lines=[])
    refused(f"UPDATE {table} SET status = 'posted' WHERE id = %s", [draft.pk])
    document.refresh_from_db()
    draft.refresh_from_db()
    assert (document.status, draft.status) == ("posted", "draft")
    # Its ledger rows stand alone with the posted document: no cancelled document keeps them.
    assert StockLedgerEntry.objects.filter(source_id=document.pk, reversal_of__isnull=True).count() == 1
    goods_receipt_cancel(document_id=document.pk, actor=None)
    document.refresh_from_db()
    assert document.status == "cancelled"


def test_price_rows_and_posted_price_changes_are_guarded(till_world):
    price = Price.objects.get(product=till_world["milk"])
    refused(f"UPDATE {Price._meta.db_table} SET price_amount = 1 WHERE id = %s", [price.pk])
    refused(f"UPDATE {Price._meta.db_table} SET is_active = false WHERE id = %s", [price.pk])
    refused(f"DELETE FROM {Price._meta.db_table} WHERE id = %s", [price.pk])
    refused(f"UPDATE {PriceChange._meta.db_table} SET status = 'cancelled' WHERE id = %s", [price.price_change_id])
    price.refresh_from_db()
    assert (price.price_amount, price.is_active) == (D("450.00"), True)
    price_change_cancel(document_id=price.price_change_id, actor=None)  # the service still may
    price.refresh_from_db()
    assert not price.is_active


def test_receipts_their_lines_and_payments_are_guarded(till_world):
    assert till_world["client"].post(UPLOAD, sale(1, quantity="2"), format="json").status_code == 201
    receipt = Receipt.objects.get()
    for model, column, value in (
        (Receipt, "total_amount", 1),
        (Receipt, "fiscal_sign", "'forged'"),
        (ReceiptLine, "quantity", 100),
        (ReceiptPayment, "amount", 0),
    ):
        refused(f"UPDATE {model._meta.db_table} SET {column} = {value}")
        refused(f"DELETE FROM {model._meta.db_table}")
    receipt.refresh_from_db()
    assert receipt.total_amount == D("900.00")
    assert [line.quantity for line in receipt.lines.all()] == [D("2.000")]
    assert [p.amount for p in receipt.payments.all()] == [D("900.00")]


def test_a_closed_shift_and_its_z_report_are_frozen(till_world):
    client = till_world["client"]
    client.post(UPLOAD, sale(1), format="json")
    shift = Shift.objects.get()
    table = Shift._meta.db_table
    # While open, its totals grow with every receipt.
    Shift.objects.filter(pk=shift.pk).update(receipts_count=1)
    client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5450.00"}, format="json")
    shift.refresh_from_db()
    assert shift.closed_at is not None
    refused(f"UPDATE {table} SET sales_amount = 0 WHERE id = %s", [shift.pk])
    refused(f"UPDATE {table} SET counted_cash = 99999 WHERE id = %s", [shift.pk])
    refused(f"UPDATE {table} SET closed_at = NULL WHERE id = %s", [shift.pk])
    refused(f"DELETE FROM {table} WHERE id = %s", [shift.pk])
    shift.refresh_from_db()
    assert (shift.sales_amount, shift.counted_cash, shift.z_report["sales_amount"]) == (
        D("450.00"),
        D("5450.00"),
        "450.00",
    )


@pytest.mark.postgres
def test_truncate_of_posted_tables_is_refused(till_world):
    posted_receipt(till_world)
    till_world["client"].post(UPLOAD, sale(1), format="json")
    for model in (StockLedgerEntry, GoodsReceipt, Receipt, ReceiptLine, Price, Shift):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            # The test database allows TRUNCATE for its own flush; production has no such setting.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL retail.allow_truncate = off")
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
    assert StockLedgerEntry.objects.exists() and Receipt.objects.exists()


def test_check_ledgers_finds_documents_that_differ_from_their_rows(till_world, capsys):
    """What a buggy service could leave behind (simulated under the marker): each is printed, and it exits 1."""
    from django.core.management import CommandError, call_command

    from inventory.db_guards import posting_marker
    from inventory.models import LedgerCheckRun

    cancelled = posted_receipt(till_world)
    never_posted = stock_document(
        GoodsReceipt,
        shop=till_world["shop"],
        supplier=SupplierFactory(),
        lines=[{"product": till_world["milk"], "quantity": D("1"), "price_amount": D("1")}],
    )
    assert till_world["client"].post(UPLOAD, sale(1), format="json").status_code == 201
    call_command("check_ledgers")
    assert "0 differences" in capsys.readouterr().out
    receipt = Receipt.objects.get()
    with posting_marker():
        GoodsReceipt.objects.filter(pk=cancelled.pk).update(status="cancelled")  # no reversals written
        GoodsReceipt.objects.filter(pk=never_posted.pk).update(status="posted")  # no posting, no rows
        ReceiptLine.objects.create(
            receipt=receipt, line_no=2, product=till_world["milk"], quantity=1, price_amount=1, amount=1
        )
    with pytest.raises(CommandError):
        call_command("check_ledgers")
    out = capsys.readouterr().out
    assert f"goods_receipt {cancelled.number} (id {cancelled.pk}): cancelled but its row is not reversed" in out
    assert f"goods_receipt {never_posted.number} (id {never_posted.pk}): posted without a posting" in out
    assert f"goods_receipt {never_posted.number} (id {never_posted.pk}): a line without its stock row" in out
    assert f"receipt T7-1/1 (id {receipt.pk}): a line without its stock row" in out
    assert LedgerCheckRun.objects.order_by("-pk").first().differences == 4


def test_every_guarded_table_still_has_its_triggers(db):
    """On SQLite a migration that rebuilds a table (AddField, AlterField) drops its triggers: install them after."""
    from inventory.models import GoodsReceiptLine, Posting, Transfer

    tables = [
        StockLedgerEntry,
        Posting,
        GoodsReceipt,
        GoodsReceiptLine,
        Transfer,
        PriceChange,
        Price,
        Receipt,
        ReceiptLine,
        ReceiptPayment,
        Shift,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        guarded = {row[0] for row in cursor.fetchall()}
    assert [m._meta.db_table for m in tables if m._meta.db_table not in guarded] == []
