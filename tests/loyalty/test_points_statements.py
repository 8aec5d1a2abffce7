"""The till path's cost in statements with a loyalty card: a fixed number on top of a plain receipt."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.loyalty.conftest import give, sale
from tests.sales.test_statement_count import STATEMENTS_PER_RECEIPT, statements

# The account by card (with its tier); the points balance inserted if missing and locked; the
# lots; the products excluded from points; the receipt's points row, the account purchase,
# the ledger rows, the balance (9). Paying with points reads the till's hold too (10).
WITH_CARD = STATEMENTS_PER_RECEIPT + 9
PAYING_WITH_POINTS = STATEMENTS_PER_RECEIPT + 10


def cost(client, body) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/till/receipts/", body, format="json")
    assert response.status_code == 201, response.json()
    return statements(captured.captured_queries)


def test_a_receipt_with_a_card_costs_a_fixed_number_of_statements(loyal):
    client = loyal["client"]
    cost(client, sale(1))
    sql = cost(client, sale(2))
    assert len(sql) <= WITH_CARD, "\n".join(s[:120] for s in sql)
    give(loyal, 100)
    sql = cost(client, sale(3, points="50"))
    assert len(sql) <= PAYING_WITH_POINTS, "\n".join(s[:120] for s in sql)


def test_a_receipt_without_a_card_costs_what_it_did(loyal):
    client = loyal["client"]
    cost(client, sale(1, card=""))
    assert len(cost(client, sale(2, card=""))) <= STATEMENTS_PER_RECEIPT
