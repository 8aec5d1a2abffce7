"""The customers' admin: search by phone, card or name; managers see their shops' customers; card pool,
lost cards, tiers by hand, dry runs and their Excel; consent withdrawal; the SMS log; every list exports."""
# ruff: noqa: F811  (fixtures imported from customers_fixtures: tests/loyalty/conftest.py is shared)

import datetime
import html
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from loyalty.choices import CardStatus, CustomerStatus
from loyalty.models import (
    AccountPurchase,
    Card,
    ConsentRecord,
    Customer,
    LoyaltyAccount,
    SmsMessage,
    SmsStatus,
    Tier,
    TierChange,
    TierRun,
)
from loyalty.services.cards import CardNotAvailable, card_issue, card_number_make, card_pool_generate
from loyalty.services.customers import registration_confirm, registration_start
from tests.factories import ShopFactory
from tests.loyalty.customers_fixtures import consent_text, last_code, outbox, shop, tiers, till  # noqa: F401

pytestmark = pytest.mark.django_db

LISTS = [
    "customer",
    "loyaltyaccount",
    "card",
    "tier",
    "tierpolicy",
    "tierrun",
    "tierchange",
    "consenttext",
    "consentrecord",
    "smsmessage",
]


@pytest.fixture
def registered(outbox, consent_text, tiers, shop, till):
    """Two customers: one registered in shop 07 (with a plastic card), one in shop 08."""
    card_pool_generate(count=5)
    pending = registration_start(
        phone="+77011234567", name="Айгерим", shop=shop, till_id=till.pk, card_number=card_number_make("0490", 1)
    )
    first = registration_confirm(registration_id=pending.pk, code=last_code(outbox), till_id=till.pk)
    other_shop = ShopFactory(code="08")
    pending = registration_start(phone="+77017654321", name="Болат", shop=other_shop)
    second = registration_confirm(registration_id=pending.pk, code=last_code(outbox))
    AccountPurchase.objects.create(
        account=first.account, shop=shop, business_date=datetime.date(2026, 11, 3), amount="60000.00", receipt_id=1
    )
    return first, second


def test_every_list_and_page_opens_for_the_owner(client, owner, registered, django_assert_max_num_queries):
    client.force_login(owner)
    for name in LISTS:
        with django_assert_max_num_queries(25):
            response = client.get(reverse(f"admin:loyalty_{name}_changelist"))
        assert response.status_code == 200, name
        export = client.get(reverse(f"admin:loyalty_{name}_export_xlsx"))
        assert export.status_code == 200, name
    first, _second = registered
    for name, obj in [
        ("customer", first.customer),
        ("loyaltyaccount", first.account),
        ("card", first.card),
        ("consentrecord", first.consent),
        ("smsmessage", SmsMessage.objects.first()),
    ]:
        assert client.get(reverse(f"admin:loyalty_{name}_change", args=[obj.pk])).status_code == 200, name
    page = client.get(reverse("admin:loyalty_customer_change", args=[first.customer.pk])).content.decode()
    assert card_number_make("0490", 1) in page and "Silver" in page and "60" in page


@pytest.mark.parametrize("term", ["8 701 123 45 67", "+77011234567", "0490000000016", "Айгер"])
def test_a_customer_is_found_by_phone_card_or_name(client, owner, registered, term):
    client.force_login(owner)
    response = client.get(reverse("admin:loyalty_customer_changelist"), {"q": term})
    assert [c.phone for c in response.context["cl"].result_list] == ["+77011234567"]


def test_a_shop_manager_sees_only_customers_registered_in_their_shops(client, shop_manager, registered, shop):
    shop.managers.add(shop_manager)
    client.force_login(shop_manager)
    first, second = registered
    response = client.get(reverse("admin:loyalty_customer_changelist"))
    assert [c.pk for c in response.context["cl"].result_list] == [first.customer.pk]
    assert client.get(reverse("admin:loyalty_customer_change", args=[second.customer.pk])).status_code == 404
    cards = client.get(reverse("admin:loyalty_card_changelist")).context["cl"].result_list
    assert [c.number for c in cards] == [first.card.number]  # not the free pool, not the other shop's
    consents = client.get(reverse("admin:loyalty_consentrecord_changelist")).context["cl"].result_list
    assert [c.customer_id for c in consents] == [first.customer.pk]
    workbook = load_workbook(io.BytesIO(client.get(reverse("admin:loyalty_customer_export_xlsx")).content))
    text = " ".join(str(c.value) for row in workbook.active.iter_rows() for c in row)
    assert "+77011234567" in text and "+77017654321" not in text


def test_the_owner_generates_cards_and_replaces_a_lost_one(client, owner, registered):
    client.force_login(owner)
    response = client.post(reverse("admin:loyalty_card_generate"), {"count": "100", "batch": "Dec"}, follow=True)
    assert response.status_code == 200 and Card.objects.filter(batch="Dec").count() == 100
    bad = client.post(reverse("admin:loyalty_card_generate"), {"count": "0"})
    assert bad.status_code == 200 and bad.context["form"].errors
    first, _second = registered
    client.post(
        reverse("admin:loyalty_card_changelist"),
        {"action": "replace_lost", "_selected_action": [first.card.pk]},
        follow=True,
    )
    first.card.refresh_from_db()
    assert first.card.status == CardStatus.BLOCKED
    assert first.card.replaced_by.account == first.account and first.card.replaced_by.status == CardStatus.ACTIVE


def test_a_shop_manager_cannot_generate_cards(client, shop_manager):
    client.force_login(shop_manager)
    assert client.post(reverse("admin:loyalty_card_generate"), {"count": "10"}).status_code == 403
    assert not Card.objects.exists()


def test_the_owner_sets_a_tier_by_hand_until_a_date(client, owner, registered, tiers):
    first, _second = registered
    client.force_login(owner)
    response = client.post(
        reverse("admin:loyalty_loyaltyaccount_change", args=[first.account.pk]),
        {"tier": tiers["platinum"].pk, "tier_fixed_until": "2027-03-31", "tier_comment": "VIP"},
    )
    assert response.status_code == 302
    account = LoyaltyAccount.objects.get(pk=first.account.pk)
    assert account.tier == tiers["platinum"] and account.tier_fixed_until == datetime.date(2027, 3, 31)
    change = TierChange.objects.filter(account=account).latest("pk")
    assert (change.reason, change.changed_by, change.comment, change.from_tier) == (
        "manual",
        owner,
        "VIP",
        tiers["silver"],
    )


def test_a_dry_run_from_the_admin_shows_the_moves_and_exports_them(client, owner, registered, tiers):
    client.force_login(owner)
    response = client.post(reverse("admin:loyalty_tierrun_dry_run"), {"month": "2026-12-01"}, follow=True)
    assert "1 accounts Silver -> Gold" in html.unescape(response.content.decode())
    run = TierRun.objects.get(dry_run=True, time_zone="Asia/Almaty")
    assert not TierChange.objects.filter(reason="monthly").exists()
    export = client.get(reverse("admin:loyalty_tierrun_export", args=[run.pk]))
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    first, _second = registered
    assert rows[-1] == (first.account.pk, "Silver", "Gold", 60000)


def test_the_tiers_are_seeded_from_the_empty_list(client, owner):
    client.force_login(owner)
    client.post(reverse("admin:loyalty_tier_changelist"), {"action": "seed_defaults"}, follow=True)
    assert list(Tier.objects.values_list("code", flat=True)) == ["silver", "gold", "platinum"]


def test_withdrawing_consent_from_the_admin_anonymises(client, owner, registered):
    first, _second = registered
    client.force_login(owner)
    client.post(
        reverse("admin:loyalty_customer_changelist"),
        {"action": "withdraw_consent", "_selected_action": [first.customer.pk]},
        follow=True,
    )
    customer = Customer.objects.get(pk=first.customer.pk)
    assert customer.status == CustomerStatus.ANONYMISED and customer.phone is None
    assert ConsentRecord.objects.get(customer=customer).withdrawn_at is not None
    assert LoyaltyAccount.objects.filter(customer=customer).exists()


def test_a_failed_sms_is_sent_again_from_the_log(client, owner, settings, consent_text, shop):
    settings.SMS_BACKEND = "loyalty.sms_backends.FailingBackend"
    registration_start(phone="+77011234567", shop=shop)
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.GAVE_UP
    settings.SMS_BACKEND = "loyalty.sms_backends.LocmemBackend"
    client.force_login(owner)
    page = client.get(reverse("admin:loyalty_smsmessage_changelist")).content.decode()
    assert "the provider is down" in page
    client.post(
        reverse("admin:loyalty_smsmessage_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
        follow=True,
    )
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.attempts == 4


def test_cards_are_issued_only_from_the_pool(registered):
    with pytest.raises(CardNotAvailable):
        card_issue(account=registered[1].account, number=card_number_make("0490", 1))
