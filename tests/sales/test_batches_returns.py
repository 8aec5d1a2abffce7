import datetime
import uuid
from decimal import Decimal

import pytest

from inventory.models import GoodsReceipt, StockBalance, StockLedgerEntry
from inventory.services import goods_receipt_post
from sales.api.serializers import PaymentInput, ReceiptInput, ReceiptLineInput
from sales.models import Receipt, ReceiptConflict, Shift, TillGap
from sales.parsing import LINE_FIELDS, PAYMENT_FIELDS, RECEIPT_FIELDS
from tests.factories import SupplierFactory, stock_document
from tests.sales.conftest import sales_receipt_body as receipt_body

pytestmark = pytest.mark.django_db
D = Decimal
UPLOAD = "/api/v1/till/receipts/"
BATCH = "/api/v1/till/receipts/batch/"
MILK = "5901234123457"


def milk_line(quantity="1", price="450.00", **extra):
    amount = (D(quantity) * D(price)).quantize(D("0.01"))
    return {"barcode": MILK, "quantity": quantity, "price": price, "amount": str(amount), **extra}


def sale(sequence, quantity="1", payment="cash", **extra):
    line = milk_line(quantity)
    return receipt_body(
        sequence=sequence, lines=[line], payments=[{"type": payment, "amount": line["amount"]}], **extra
    )


def stock_in(world, quantity, unit_cost):
    document = stock_document(
        GoodsReceipt,
        shop=world["shop"],
        supplier=SupplierFactory(),
        business_date=datetime.date(2026, 11, 1),
        lines=[{"product": world["milk"], "quantity": D(quantity), "price_amount": D(unit_cost)}],
    )
    goods_receipt_post(document_id=document.pk, actor=None)


def test_a_batch_reports_each_receipt_and_one_bad_receipt_blocks_nothing(till_world):
    client = till_world["client"]
    posted = sale(1)
    client.post(UPLOAD, posted, format="json")
    conflicting = {**sale(2), "uuid": posted["uuid"]}
    bad = receipt_body(sequence=3, lines=[{"barcode": "4006381333931", "quantity": "1", "price": "1", "amount": "1"}])
    bad["payments"] = [{"type": "cash", "amount": "1"}]
    good = sale(4, quantity="2")
    response = client.post(BATCH, {"receipts": [good, bad, posted, conflicting]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["created", "rejected", "duplicate", "conflict"]
    assert (body["created"], body["rejected"], body["duplicate"], body["conflict"]) == (1, 1, 1, 1)
    assert "lines.0.barcode" in body["results"][1]["errors"]
    assert body["results"][2]["receipt"]["id"] == body["results"][3]["receipt"]["id"]
    assert Receipt.objects.count() == 2
    assert ReceiptConflict.objects.count() == 1
    assert StockBalance.objects.get(product=till_world["milk"]).quantity == D("-3")
    assert Shift.objects.get().receipts_count == 2


def test_the_same_receipt_twice_in_a_batch_is_posted_once(till_world):
    body = sale(1)
    results = till_world["client"].post(BATCH, {"receipts": [body, body]}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["created", "duplicate"]
    assert results[0]["receipt"]["id"] == results[1]["receipt"]["id"]
    assert StockLedgerEntry.objects.filter(source_type="receipt").count() == 1


@pytest.mark.parametrize("payload", [{"receipts": []}, {"receipts": "x"}, [], {"receipts": [{}] * 501}])
def test_a_bad_batch_request_is_400(till_world, payload):
    response = till_world["client"].post(BATCH, payload, format="json")
    assert response.status_code == 400 and "receipts" in response.json()["errors"]


def test_a_large_batch_is_written_with_a_bounded_number_of_queries(till_world, django_assert_max_num_queries):
    bodies = [sale(n) for n in range(1, 201)]
    with django_assert_max_num_queries(40):
        response = till_world["client"].post(BATCH, {"receipts": bodies}, format="json")
    assert response.json()["created"] == 200
    assert StockLedgerEntry.objects.filter(source_type="receipt").count() == 200
    assert StockBalance.objects.get(product=till_world["milk"]).quantity == D("-200")
    assert Shift.objects.get().sales_amount == D("90000.00")
    # Every receipt has its own posting: the audit trail names each one.
    entries = StockLedgerEntry.objects.filter(source_type="receipt")
    assert entries.values("posting").distinct().count() == 200
    assert set(entries.values_list("source_id", flat=True)) == set(Receipt.objects.values_list("pk", flat=True))


def test_gaps_in_receipt_numbers_are_reported_and_clear_when_the_receipts_arrive(till_world):
    client, till = till_world["client"], till_world["till"]
    client.post(BATCH, {"receipts": [sale(1040), sale(1044), sale(1047)]}, format="json")
    assert [(g.first, g.last) for g in TillGap.objects.filter(till=till)] == [(1041, 1043), (1045, 1046)]
    client.post(UPLOAD, sale(1042), format="json")
    assert [(g.first, g.last) for g in TillGap.objects.filter(till=till)] == [(1041, 1041), (1043, 1043), (1045, 1046)]
    client.post(BATCH, {"receipts": [sale(1041), sale(1043), sale(1045), sale(1046)]}, format="json")
    assert not TillGap.objects.filter(till=till).exists()
    till.refresh_from_db()
    assert till.last_sequence == 1047 and till.last_upload_at is not None


def test_the_admin_names_the_missing_receipts(till_world, superuser, client):
    till_world["client"].post(BATCH, {"receipts": [sale(1040), sale(1044)]}, format="json")
    client.force_login(superuser)
    page = client.get("/admin/sales/tillgap/").content.decode()
    assert "Till T7-1 in shop 07 is missing receipts 1041-1043" in page
    assert "1041-1043" in client.get("/admin/sales/till/").content.decode()


def test_a_return_comes_back_at_the_cost_it_left_with_and_never_beyond_what_was_sold(till_world):
    client = till_world["client"]
    stock_in(till_world, "10", "300.00")
    original = sale(1, quantity="3")
    client.post(UPLOAD, original, format="json")
    stock_in(till_world, "10", "330.00")  # the average moves: a return must not take the new cost

    def refund(sequence, quantity):
        line = {"original_line_no": 1, "quantity": quantity, "price": "450.00"}
        line["amount"] = str(D(quantity) * D("450.00"))
        return receipt_body(
            sequence=sequence,
            kind="return",
            original_uuid=original["uuid"],
            lines=[line],
            payments=[{"type": "cash", "amount": line["amount"]}],
        )

    first = client.post(UPLOAD, refund(2, "2"), format="json")
    assert first.status_code == 201, first.json()
    entry = StockLedgerEntry.objects.get(kind="sale_return")
    assert (entry.quantity, entry.cost_amount) == (D("2.000"), D("600.00"))
    too_many = client.post(UPLOAD, refund(3, "2"), format="json")
    assert too_many.status_code == 400
    assert "Only 1 of 3" in too_many.json()["errors"]["lines.0.quantity"][0]
    assert client.post(UPLOAD, refund(4, "1"), format="json").status_code == 201
    returned = StockLedgerEntry.objects.filter(kind="sale_return")
    assert sum(e.cost_amount for e in returned) == D("900.00")  # exactly what the sale took out
    assert StockBalance.objects.get(product=till_world["milk"]).quantity == D("20")
    shift = Shift.objects.get()
    assert (shift.sales_amount, shift.returns_amount) == (D("1350.00"), D("1350.00"))
    ret = Receipt.objects.filter(kind="return").first()
    assert ret.original.client_uuid == uuid.UUID(original["uuid"])


def test_two_returns_of_one_line_in_a_batch_cannot_together_exceed_it(till_world):
    client = till_world["client"]
    original = sale(1, quantity="2")
    client.post(UPLOAD, original, format="json")
    line = {"original_line_no": 1, "quantity": "2", "price": "450.00", "amount": "900.00"}
    returns = [
        receipt_body(
            sequence=n,
            kind="return",
            original_uuid=original["uuid"],
            lines=[line],
            payments=[{"type": "card", "amount": "900.00"}],
        )
        for n in (2, 3)
    ]
    results = client.post(BATCH, {"receipts": returns}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"original_uuid": str(uuid.uuid4())}, "original_uuid"),
        ({"lines": [milk_line()]}, "lines.0.original_line_no"),
        ({"lines": [milk_line(original_line_no=7)]}, "lines.0.original_line_no"),
    ],
)
def test_bad_returns_are_refused_with_the_field(till_world, change, path):
    client = till_world["client"]
    original = sale(1)
    client.post(UPLOAD, original, format="json")
    body = receipt_body(
        sequence=2,
        kind="return",
        original_uuid=original["uuid"],
        lines=[milk_line(original_line_no=1)],
        payments=[{"type": "cash", "amount": "450.00"}],
    )
    body.update(change)
    response = client.post(UPLOAD, body, format="json")
    assert response.status_code == 400 and path in response.json()["errors"], response.json()
    assert Receipt.objects.filter(kind="return").count() == 0


def test_a_return_without_a_receipt_needs_the_owners_leave(till_world):
    client, till = till_world["client"], till_world["till"]
    stock_in(till_world, "4", "250.00")
    body = receipt_body(kind="return", sequence=1, lines=[milk_line()], payments=[{"type": "cash", "amount": "450.00"}])
    refused = client.post(UPLOAD, body, format="json")
    assert refused.status_code == 400 and "original_uuid" in refused.json()["errors"]
    till.returns_without_receipt = True
    till.save()
    assert client.post(UPLOAD, body, format="json").status_code == 201
    entry = StockLedgerEntry.objects.get(kind="sale_return")
    assert (entry.quantity, entry.cost_amount) == (D("1.000"), D("250.00"))  # at the average cost


def test_closing_a_shift_makes_the_z_report_and_flags_differences(till_world, django_assert_max_num_queries):
    client = till_world["client"]
    client.post(BATCH, {"receipts": [sale(1, "2"), sale(2, "1", payment="card"), sale(3, "1")]}, format="json")
    original = sale(4, "1")
    client.post(UPLOAD, original, format="json")
    client.post(
        UPLOAD,
        receipt_body(
            sequence=5,
            kind="return",
            original_uuid=original["uuid"],
            lines=[milk_line(original_line_no=1)],
            payments=[{"type": "cash", "amount": "450.00"}],
        ),
        format="json",
    )
    shift = Shift.objects.get()
    till_figures = {"receipts_count": 6, "sales_amount": "2250.00", "payments": {"card": "450.00"}}
    # The Z-report and the shift, plus the drawer's cash: the till's pay-ins and pay-outs, its locations,
    # the period lock, the balance lock (two), the posting, the entries, the balances and the cashier's shortage.
    with django_assert_max_num_queries(18):
        response = client.post(
            f"/api/v1/till/shifts/{shift.pk}/close/",
            {"counted_cash": "6300.00", "till_report": till_figures},
            format="json",
        )
    assert response.status_code == 200, response.json()
    report = response.json()["z_report"]
    # 5000 float + cash sales 900 + 450 + 450 - cash refund 450 = 6350 expected; 6300 counted.
    assert report["sales_count"] == 4 and report["returns_count"] == 1 and report["receipts_count"] == 5
    assert (D(report["sales_amount"]), D(report["returns_amount"])) == (D("2250.00"), D("450.00"))
    assert D(report["payments"]["cash"]) == D("1350.00") and D(report["payments"]["card"]) == D("450.00")
    assert (report["first_receipt"], report["last_receipt"]) == (1, 5)
    assert D(report["cash_expected"]) == D("6350.00")
    differences = {d["figure"]: d for d in response.json()["differences"]}
    assert set(differences) == {"counted_cash", "receipts_count"}
    assert D(differences["counted_cash"]["difference"]) == D("-50.00")
    shift.refresh_from_db()
    assert shift.has_differences and shift.closed_at is not None


def test_the_documented_receipt_fields_are_the_ones_read():
    assert set(ReceiptInput().fields) == RECEIPT_FIELDS
    assert set(ReceiptLineInput().fields) == LINE_FIELDS
    assert set(PaymentInput().fields) == PAYMENT_FIELDS


def test_a_sale_and_its_return_in_one_batch_both_post(till_world):
    stock_in(till_world, "5", "300.00")
    original = sale(1, quantity="2")
    refund = receipt_body(
        sequence=2,
        kind="return",
        original_uuid=original["uuid"],
        lines=[milk_line(original_line_no=1)],
        payments=[{"type": "cash", "amount": "450.00"}],
    )
    results = till_world["client"].post(BATCH, {"receipts": [refund, original]}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["created", "created"], results
    assert StockLedgerEntry.objects.get(kind="sale_return").cost_amount == D("300.00")
    assert StockBalance.objects.get(product=till_world["milk"]).quantity == D("4")


def test_a_batch_that_loses_a_race_answers_every_receipt(till_world, monkeypatch):
    from django.db import IntegrityError

    import sales.services.receipts as receipts

    posted = sale(1)
    till_world["client"].post(UPLOAD, posted, format="json")

    def lost_race(till, items):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(receipts, "_ingest", lost_race)
    outcomes = receipts.receipts_ingest(till=till_world["till"], bodies=[posted, sale(2)])
    assert [o.status for o in outcomes] == ["duplicate", "rejected"]
    assert "send it again" in outcomes[1].errors["non_field_errors"][0]
    assert Receipt.objects.count() == 1


def test_flagged_and_missing_receipts_export_to_excel(till_world, superuser, client):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    till_world["client"].post(BATCH, {"receipts": [sale(1040), sale(1044)]}, format="json")
    client.force_login(superuser)

    def rows(name):
        export = client.get(reverse(f"admin:sales_{name}_export_xlsx"))
        assert export.status_code == 200
        return list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))

    missing = rows("tillgap")
    assert any("Till T7-1 in shop 07 is missing receipts 1041-1043" in map(str, r) for r in missing), missing
    flagged = rows("flaggedreceipt")
    assert sum(1 for r in flagged if "sold from negative stock" in map(str, r)) == 2, flagged
