import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from inventory.barcodes import scale_barcode_build
from inventory.models import StockBalance, StockLedgerEntry
from sales.models import Receipt, ReceiptConflict, Shift, TillToken
from sales.services import till_token_revoke
from tests.factories import UserFactory
from tests.sales.conftest import sales_receipt_body as receipt_body

pytestmark = pytest.mark.django_db
D = Decimal
UPLOAD = "/api/v1/till/receipts/"


def test_a_receipt_posts_stock_out_and_counts_in_the_shift(till_world):
    response = till_world["client"].post(UPLOAD, receipt_body(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "created"
    receipt = Receipt.objects.get()
    assert (receipt.total_amount, receipt.business_date, receipt.negative_stock, receipt.price_differs) == (
        D("900.00"),
        datetime.date(2026, 11, 25),
        True,
        False,
    )  # nothing was in stock: sold anyway, flagged
    entry = StockLedgerEntry.objects.get(source_type="receipt")
    assert (entry.kind, entry.quantity, entry.cost_provisional) == ("sale", D("-2.000"), True)
    assert StockBalance.objects.get(shop=till_world["shop"], product=till_world["milk"]).quantity == D("-2")
    shift = Shift.objects.get()
    assert (shift.receipts_count, shift.sales_amount) == (1, D("900.00"))


def test_the_same_receipt_again_is_a_duplicate_and_writes_nothing(till_world):
    body = receipt_body()
    till_world["client"].post(UPLOAD, body, format="json")
    again = till_world["client"].post(UPLOAD, body, format="json")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert Receipt.objects.count() == 1 and StockLedgerEntry.objects.count() == 1
    assert Shift.objects.get().receipts_count == 1


def test_the_same_uuid_with_another_body_is_a_conflict_kept_for_the_owner(till_world):
    body = receipt_body()
    first = till_world["client"].post(UPLOAD, body, format="json").json()
    other = {
        **body,
        "lines": [{"barcode": "5901234123457", "quantity": "3", "price": "450.00", "amount": "1350.00"}],
        "payments": [{"type": "card", "amount": "1350.00"}],
    }
    response = till_world["client"].post(UPLOAD, other, format="json")
    assert response.status_code == 409
    assert response.json()["receipt_id"] == first["receipt"]["id"]
    assert Receipt.objects.get().total_amount == D("900.00")
    assert ReceiptConflict.objects.get().payload["payments"][0]["type"] == "card"


def test_a_scale_barcode_line_takes_product_and_weight_and_a_price_difference_is_flagged(till_world):
    code = scale_barcode_build(plu=42, weight_grams=750)
    body = receipt_body(
        lines=[{"barcode": code, "price": "2900.00", "amount": "2175.00"}],
        payments=[{"type": "card", "amount": "2175.00"}],
    )
    response = till_world["client"].post(UPLOAD, body, format="json")
    assert response.status_code == 201, response.json()
    receipt = Receipt.objects.get()
    line = receipt.lines.get()
    assert (line.product, line.quantity, line.our_price_amount) == (till_world["cheese"], D("0.750"), D("3000.00"))
    assert receipt.price_differs


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (
            {"lines": [{"barcode": "4006381333931", "quantity": "1", "price": "1.00", "amount": "1.00"}]},
            "lines.0.barcode",
        ),
        (
            {"lines": [{"barcode": "5901234123457", "quantity": "0", "price": "1.00", "amount": "0.00"}]},
            "lines.0.quantity",
        ),
        (
            {"lines": [{"barcode": "5901234123457", "quantity": "1", "price": 450.0, "amount": "450.00"}]},
            "lines.0.price",
        ),
        (
            {"lines": [{"barcode": "5901234123457", "quantity": "1", "price": "450.00", "amount": "400.00"}]},
            "lines.0.amount",
        ),
        ({"payments": [{"type": "cash", "amount": "100.00"}]}, "payments"),
        ({"payments": [{"type": "barter", "amount": "900.00"}]}, "payments.0.type"),
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"lines": []}, "lines"),
        ({"lines": [{"quantity": "1", "price": "1.00", "amount": "1.00"}]}, "lines.0"),
    ],
)
def test_bad_receipts_are_400_with_field_paths_and_write_nothing(till_world, change, path):
    response = till_world["client"].post(UPLOAD, receipt_body(**change), format="json")
    assert response.status_code == 400
    assert path in response.json()["errors"], response.json()
    assert not Receipt.objects.exists() and not StockLedgerEntry.objects.exists()


def test_a_malformed_body_is_400(till_world):
    response = till_world["client"].post(UPLOAD, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_closed_shift_refuses_receipts(till_world):
    shift = Shift.objects.get()
    till_world["client"].post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5900.00"}, format="json")
    response = till_world["client"].post(UPLOAD, receipt_body(), format="json")
    assert response.status_code == 400 and "open shift" in str(response.json())
    assert not Receipt.objects.exists()


def test_a_reused_sequence_number_is_refused(till_world):
    till_world["client"].post(UPLOAD, receipt_body(sequence=5), format="json")
    response = till_world["client"].post(UPLOAD, receipt_body(sequence=5), format="json")
    assert response.status_code == 400 and "sequence" in response.json()["errors"]
    assert Receipt.objects.count() == 1


def test_tokens_missing_unknown_or_revoked_get_401(till_world):
    anonymous = APIClient()
    assert anonymous.post(UPLOAD, receipt_body(), format="json").status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Till nonsense")
    assert anonymous.post(UPLOAD, receipt_body(), format="json").status_code == 401
    till_token_revoke(token=TillToken.objects.get())
    assert till_world["client"].post(UPLOAD, receipt_body(), format="json").status_code == 401


def test_tokens_are_stored_hashed_and_the_command_issues_one(till_world, capsys):
    stored = TillToken.objects.get()
    assert till_world["token"] not in (stored.key_hash, stored.prefix)
    call_command("till_token", "T7-1")
    printed = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Till {printed}")
    assert client.post(UPLOAD, receipt_body(), format="json").status_code == 201


def test_a_till_token_opens_no_back_office_door(till_world):
    assert till_world["client"].get(reverse("admin:index")).status_code == 302  # to the login page
    # A till reads the OpenAPI document (also where it is not public): integrators write tills against it.
    assert till_world["client"].get(reverse("api-schema")).status_code == 200


def test_a_staff_user_session_is_not_a_till(client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.post(UPLOAD, receipt_body(), content_type="application/json").status_code in (401, 403)
