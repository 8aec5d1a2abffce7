"""The till path's cost in statements: one receipt is a fixed, small number of round trips."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sales.models import Receipt
from tests.sales.conftest import sales_receipt_body

# Token; shift lock (with the till's last number and the period lock); duplicates; barcodes;
# prices; balance rows inserted if missing (ON CONFLICT DO NOTHING) and locked; receipt,
# lines, payments, posting, stock rows; balances, shift totals, till's last number (15); the
# drawer's cash: the till's drawer, its balance row ensured and locked, the cash row, the balance (5).
STATEMENTS_PER_RECEIPT = 20


def statements(queries) -> list[str]:
    """What a server runs for the request, savepoints left out (in production they are BEGIN and COMMIT)."""
    return [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_one_receipt_costs_a_fixed_number_of_statements(till_world, django_assert_max_num_queries):
    client = till_world["client"]
    assert client.post("/api/v1/till/receipts/", sales_receipt_body(sequence=1), format="json").status_code == 201
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/till/receipts/", sales_receipt_body(sequence=2), format="json")
    assert response.status_code == 201
    sql = statements(captured.captured_queries)
    assert len(sql) <= STATEMENTS_PER_RECEIPT, "\n".join(s[:120] for s in sql)
    assert not any("COUNT(" in s for s in sql)  # missing balance rows are inserted, not counted first
    assert not any(s.startswith("UPDATE") and 'sales_receipt" SET' in s for s in sql)  # flags set on INSERT
    # Sold from empty stock: the flag went in with the receipt.
    assert Receipt.objects.get(sequence=2).negative_stock
    with django_assert_max_num_queries(STATEMENTS_PER_RECEIPT + 2):  # + the savepoint of the test's transaction
        client.post("/api/v1/till/receipts/", sales_receipt_body(sequence=3), format="json")


def test_a_receipt_with_stock_is_not_flagged_and_one_leaving_beyond_it_is(till_world):
    from inventory.models import GoodsReceipt
    from inventory.services import goods_receipt_post
    from tests.factories import SupplierFactory, UserFactory, stock_document

    doc = stock_document(
        GoodsReceipt,
        shop=till_world["shop"],
        supplier=SupplierFactory(),
        lines=[{"product": till_world["milk"], "quantity": 3, "price_amount": 100}],
    )
    goods_receipt_post(document_id=doc.pk, actor=UserFactory())
    client = till_world["client"]
    line = {"barcode": "5901234123457", "quantity": "2", "price": "450.00", "amount": "900.00"}
    pay = [{"type": "cash", "amount": "900.00"}]
    batch = {
        "receipts": [
            sales_receipt_body(sequence=1, lines=[line], payments=pay),  # 3 -> 1
            sales_receipt_body(sequence=2, lines=[line], payments=pay),  # 1 -> -1: beyond the stock
        ]
    }
    assert client.post("/api/v1/till/receipts/batch/", batch, format="json").status_code in (200, 201, 207)
    assert dict(Receipt.objects.values_list("sequence", "negative_stock")) == {1: False, 2: True}
    single = sales_receipt_body(sequence=3, lines=[line], payments=pay)
    assert client.post("/api/v1/till/receipts/", single, format="json").status_code == 201
    assert Receipt.objects.get(sequence=3).negative_stock
