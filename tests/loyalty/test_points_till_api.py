"""The till's loyalty endpoints: lookup, basket preview, holds; and the schema stays valid."""

import datetime
import uuid
from decimal import Decimal

from loyalty.models import PointsHold, ReceiptPoints
from tests.loyalty.conftest import CARD, MILK, TOBACCO, balance, give, sale

D = Decimal
ACCOUNT_URL = "/api/v1/till/loyalty/account/"
PREVIEW_URL = "/api/v1/till/loyalty/preview/"
HOLD_URL = "/api/v1/till/loyalty/holds/"


def test_lookup_by_card_or_phone_shows_balance_pending_and_holds(loyal, django_assert_max_num_queries):
    give(loyal, 120)
    loyal["client"].post("/api/v1/till/receipts/", sale(1), format="json")
    with django_assert_max_num_queries(8):  # token, account (1 query), lots, debt, holds, + savepoints
        response = loyal["client"].get(ACCOUNT_URL, {"card_number": CARD})
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("phone_masked", "tier", "balance", "spendable", "pending", "debt")} == {
        "phone_masked": "+7701***4567",
        "tier": "Silver",
        "balance": "120",
        "spendable": "120",
        "pending": "45",
        "debt": "0",
    }
    assert body["future_accruals"] == [{"available_on": "2026-12-09", "points": "45"}]
    by_phone = loyal["client"].get(ACCOUNT_URL, {"phone": "+7 701 123 45 67"})
    assert by_phone.json()["account_id"] == loyal["account"].pk


def test_lookup_of_an_unknown_card_is_404_and_no_identifier_is_400(loyal):
    assert loyal["client"].get(ACCOUNT_URL, {"card_number": "123"}).status_code == 404
    assert loyal["client"].get(ACCOUNT_URL).status_code == 400


def test_the_preview_says_what_posting_does(loyal):
    give(loyal, 1000)
    lines = [
        {"barcode": MILK["barcode"], "amount": MILK["amount"]},
        {"product_id": loyal["tobacco"].pk, "amount": TOBACCO["amount"]},
    ]
    preview = loyal["client"].post(PREVIEW_URL, {"card_number": CARD, "lines": lines, "points": "100"}, format="json")
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["eligible_amount"], body["points_to_accrue"], body["accrue_available_on"]) == (
        "900.00",
        "40",  # 5% of (900 - 100)
        "2026-12-09",
    )
    assert (body["max_payable"], body["balance"], body["problem"]) == ("270", "1000", "")
    posted = loyal["client"].post("/api/v1/till/receipts/", sale(1, lines=(MILK, TOBACCO), points="100"), format="json")
    assert posted.json()["receipt"]["loyalty"]["points_accrued"] == body["points_to_accrue"]
    too_much = loyal["client"].post(PREVIEW_URL, {"card_number": CARD, "lines": lines, "points": "271"}, format="json")
    assert too_much.json()["problem"] == "At most 270 points may pay for this basket."


def test_preview_refuses_bad_input_with_field_paths(loyal):
    bad = loyal["client"].post(
        PREVIEW_URL, {"card_number": CARD, "lines": [{"barcode": "nope", "amount": 1.5}]}, format="json"
    )
    assert bad.status_code == 400
    assert "lines.0.amount" in bad.json()["errors"]


def test_a_hold_reserves_points_the_receipt_consumes_it(loyal):
    give(loyal, 100)
    receipt_uuid = str(uuid.uuid4())
    held = loyal["client"].post(
        HOLD_URL, {"card_number": CARD, "receipt_uuid": receipt_uuid, "points": "100"}, format="json"
    )
    assert held.status_code == 201, held.json()
    again = loyal["client"].post(
        HOLD_URL, {"card_number": CARD, "receipt_uuid": receipt_uuid, "points": "100"}, format="json"
    )
    assert again.status_code == 200  # a retry gets its hold back
    other = loyal["client"].post(
        HOLD_URL, {"card_number": CARD, "receipt_uuid": str(uuid.uuid4()), "points": "10"}, format="json"
    )
    assert other.status_code == 409
    assert loyal["client"].get(ACCOUNT_URL, {"card_number": CARD}).json()["spendable"] == "0"
    # Another receipt cannot spend the held points; the held receipt can.
    refused = loyal["client"].post("/api/v1/till/receipts/", sale(1, points="50"), format="json")
    assert refused.status_code == 400
    posted = loyal["client"].post("/api/v1/till/receipts/", sale(2, points="100", uid=receipt_uuid), format="json")
    assert posted.status_code == 201, posted.json()
    hold = PointsHold.objects.get(receipt_uuid=receipt_uuid)
    assert hold.status == "consumed" and hold.receipt_id == posted.json()["receipt"]["id"]
    assert balance(loyal)[0] == D(0)


def test_released_and_expired_holds_give_the_points_back(loyal, clock):
    give(loyal, 100)
    first = str(uuid.uuid4())
    loyal["client"].post(HOLD_URL, {"card_number": CARD, "receipt_uuid": first, "points": "60"}, format="json")
    released = loyal["client"].post(f"{HOLD_URL}{first}/release/", format="json")
    assert released.status_code == 200 and released.json()["status"] == "released"
    second = str(uuid.uuid4())
    assert (
        loyal["client"]
        .post(HOLD_URL, {"card_number": CARD, "receipt_uuid": second, "points": "100"}, format="json")
        .status_code
        == 201
    )
    clock.move_to(datetime.datetime(2026, 11, 25, 9, 16, tzinfo=datetime.UTC))  # 16 minutes on: expired
    assert loyal["client"].get(ACCOUNT_URL, {"card_number": CARD}).json()["spendable"] == "100"
    # The late upload of the held receipt still consumes its hold and pays.
    posted = loyal["client"].post("/api/v1/till/receipts/", sale(1, points="100", uid=second), format="json")
    assert posted.status_code == 201, posted.json()
    assert ReceiptPoints.objects.get().paid == D(100)


def test_the_schema_describes_the_loyalty_endpoints(loyal, superuser):
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for operation in ("till_loyalty_account", "till_loyalty_preview", "till_loyalty_hold", "ReceiptLoyalty"):
        assert operation in text


def test_the_return_preview_says_which_points_payment_the_return_needs(loyal):
    from tests.loyalty.conftest import refund

    give(loyal, 500)
    first = sale(1, points="200")
    loyal["client"].post("/api/v1/till/receipts/", first, format="json")
    line = {"original_line_no": 1, "amount": "450.00"}
    preview = loyal["client"].post(
        "/api/v1/till/loyalty/return-preview/", {"original_uuid": first["uuid"], "lines": [line]}, format="json"
    )
    assert preview.status_code == 200, preview.json()
    assert {k: preview.json()[k] for k in ("points_taken_back", "points_given_back", "points_amount")} == {
        "points_taken_back": "18",
        "points_given_back": "100",
        "points_amount": "100.00",
    }
    back = refund(
        2,
        first["uuid"],
        lines=[{"original_line_no": 1, "quantity": "1", "price": "450.00", "amount": "450.00"}],
        points=preview.json()["points_amount"],
    )
    posted = loyal["client"].post("/api/v1/till/receipts/", back, format="json")
    assert posted.status_code == 201, posted.json()
    info = posted.json()["receipt"]["loyalty"]
    assert (info["points_accrued"], info["points_paid"]) == ("-18", "-100")
    unknown = loyal["client"].post(
        "/api/v1/till/loyalty/return-preview/",
        {"original_uuid": str(uuid.uuid4()), "lines": [line]},
        format="json",
    )
    assert unknown.status_code == 404
