"""The mobile app's API: sign-in by SMS code, the virtual card and its barcode, the tier and the next, the shops."""
# ruff: noqa: F811  (fixtures imported from customers_fixtures: tests/loyalty/conftest.py is shared)

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loyalty.choices import CardKind
from loyalty.models import AccountPurchase, AppToken, Card, Customer, LoyaltyAccount
from loyalty.services.customers import consent_withdraw
from tests.factories import ShopFactory
from tests.loyalty.customers_fixtures import last_code, outbox, tiers  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(tiers):
    shop = ShopFactory(
        code="07",
        name="Центральный",
        address="пр. Абая 1",
        opening_hours="08:00-22:00",
        latitude=Decimal("43.238949"),
        longitude=Decimal("76.889709"),
    )
    customer = Customer.objects.create(phone="+77011234567", name="Айгерим", language="kk", registration_shop=shop)
    account = LoyaltyAccount.objects.create(customer=customer, home_shop=shop, tier=tiers["silver"])
    return customer, account, shop


def signed_in(outbox, phone="+77011234567"):
    client = APIClient()
    assert client.post("/api/v1/app/sign-in/", {"phone": phone}, format="json").status_code == 202
    answer = client.post("/api/v1/app/sign-in/confirm/", {"phone": phone, "code": last_code(outbox)}, format="json")
    assert answer.status_code == 200, answer.json()
    client.credentials(HTTP_AUTHORIZATION=f"App {answer.json()['token']}")
    return client


def test_sign_in_by_sms_code_gives_a_token_stored_as_a_hash(outbox, member):
    client = APIClient()
    started = client.post("/api/v1/app/sign-in/", {"phone": "8 701 123 45 67"}, format="json")
    assert started.status_code == 202 and outbox[-1]["phone"] == "+77011234567"
    answer = client.post(
        "/api/v1/app/sign-in/confirm/", {"phone": "+77011234567", "code": last_code(outbox)}, format="json"
    )
    token = answer.json()["token"]
    assert answer.json()["customer"]["name"] == "Айгерим"
    assert AppToken.objects.get().key_hash != token and token not in AppToken.objects.get().key_hash


def test_a_wrong_code_and_an_unknown_phone_are_refused(outbox, member):
    client = APIClient()
    assert client.post("/api/v1/app/sign-in/", {"phone": "+77019999999"}, format="json").status_code == 404
    client.post("/api/v1/app/sign-in/", {"phone": "+77011234567"}, format="json")
    wrong = "000000" if last_code(outbox) != "000000" else "111111"
    answer = client.post("/api/v1/app/sign-in/confirm/", {"phone": "+77011234567", "code": wrong}, format="json")
    assert answer.status_code == 400 and "code" in answer.json()["errors"]
    assert not AppToken.objects.exists()
    again = client.post("/api/v1/app/sign-in/", {"phone": "+77011234567"}, format="json")
    assert again.status_code == 429


def test_calls_need_a_live_token(outbox, member):
    assert APIClient().get("/api/v1/app/me/").status_code in (401, 403)
    client = signed_in(outbox)
    assert client.get("/api/v1/app/me/").status_code == 200
    assert client.post("/api/v1/app/sign-out/").status_code == 204
    assert client.get("/api/v1/app/me/").status_code == 401


def test_a_withdrawn_customer_is_signed_out(outbox, member):
    client = signed_in(outbox)
    consent_withdraw(customer_id=member[0].pk)
    assert client.get("/api/v1/app/me/").status_code == 401


def test_the_virtual_card_and_its_barcode(outbox, member, settings):
    client = signed_in(outbox)
    card = client.get("/api/v1/app/card/").json()
    assert card["kind"] == CardKind.VIRTUAL and card["number"].startswith(settings.LOYALTY_VIRTUAL_CARD_PREFIX)
    assert client.get("/api/v1/app/card/").json()["number"] == card["number"]  # issued once
    assert Card.objects.filter(account=member[1]).count() == 1
    image = client.get("/api/v1/app/card/barcode.svg")
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
    assert b"<svg" in image.content and card["number"].encode() in image.content


def test_the_tier_and_what_the_next_needs_in_the_apps_language(outbox, member, tiers):
    customer, account, shop = member
    for day, amount in [
        (datetime.date(2026, 11, 2), "20000.00"),
        (datetime.date(2026, 11, 20), "-2500.50"),
        (datetime.date(2026, 10, 30), "99999.00"),
    ]:
        AccountPurchase.objects.create(
            account=account,
            shop=shop,
            business_date=day,
            amount=Decimal(amount),
            receipt_id=AccountPurchase.objects.count() + 1,
        )
    client = signed_in(outbox)
    body = client.get("/api/v1/app/me/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["account"]["tier"] == "Silver"
    assert body["period"] == {"start": "2026-11-01", "end": "2026-12-01", "purchases_amount": "17499.50"}
    assert body["next_tier"]["name"] == "Gold" and body["next_tier"]["needed_amount"] == "32500.50"
    assert body["next_tier"]["message"] == "Buy for 32,500.50 more by 01.12.2026 to reach Gold."
    kazakh = client.get("/api/v1/app/me/")  # no Accept-Language: the customer's language (kk)
    assert kazakh["Content-Language"] == "kk" and kazakh.json()["next_tier"]["needed_amount"] == "32500.50"
    assert client.get("/api/v1/app/me/", HTTP_ACCEPT_LANGUAGE="ru")["Content-Language"] == "ru"


def test_the_top_tier_has_no_next(outbox, member, tiers):
    LoyaltyAccount.objects.filter(pk=member[1].pk).update(tier=tiers["platinum"])
    assert signed_in(outbox).get("/api/v1/app/me/").json()["next_tier"] is None


def test_the_shops_list(outbox, member, django_assert_max_num_queries):
    ShopFactory(code="08", name="Второй", is_active=False)
    client = signed_in(outbox)
    with django_assert_max_num_queries(3):
        shops = client.get("/api/v1/app/shops/").json()
    assert shops == [
        {
            "id": member[2].pk,
            "name": "Центральный",
            "city": member[2].city,
            "address": "пр. Абая 1",
            "opening_hours": "08:00-22:00",
            "photo_url": None,
            "latitude": "43.238949",
            "longitude": "76.889709",
        }
    ]
