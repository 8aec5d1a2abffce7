"""Registration at the till with an SMS code and the consent text; codes, tries, send limits; withdrawal."""
# ruff: noqa: F811  (fixtures imported from customers_fixtures: tests/loyalty/conftest.py is shared)

import datetime

import pytest

from loyalty.choices import CardKind, CardStatus, Channel, CustomerStatus
from loyalty.models import (
    AppToken,
    Card,
    ConsentRecord,
    Customer,
    LoyaltyAccount,
    SmsMessage,
    SmsStatus,
    TierChange,
    VerificationCode,
)
from loyalty.services.cards import card_pool_generate
from loyalty.services.customers import (
    CodeRefused,
    ConsentTextMissing,
    CustomerExists,
    consent_withdraw,
    registration_confirm,
    registration_start,
)
from loyalty.services.sms import PhoneInvalid, TooManyCodes, phone_mask, phone_normalise
from tests.loyalty.customers_fixtures import (  # noqa: F401
    consent_text,
    last_code,
    outbox,
    shop,
    tiers,
    till,
    till_client,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+7 701 123 45 67", "+77011234567"),
        ("8 (701) 123-45-67", "+77011234567"),
        ("87011234567", "+77011234567"),
        ("+7 (912) 345-67-89", "+79123456789"),
    ],
)
def test_phones_are_stored_in_e164(raw, e164):
    assert phone_normalise(raw) == e164


@pytest.mark.parametrize("raw", ["", "12", "+7 000 000", "abc", "+7701123456789012345678901234567890"])
def test_a_wrong_phone_is_refused(raw):
    with pytest.raises(PhoneInvalid):
        phone_normalise(raw)


def test_phone_mask():
    assert phone_mask("+77011234567") == "+7701*****67"


def start(shop, till, phone="+7 701 123 45 67", **kw):
    return registration_start(phone=phone, name="Айгерим", shop=shop, till_id=till.pk, **kw)


def test_registration_sends_the_code_with_the_consent_text_and_stores_only_its_hash(outbox, consent_text, shop, till):
    pending = start(shop, till)
    assert len(outbox) == 1
    sms = outbox[0]
    code = last_code(outbox)
    assert sms["phone"] == "+77011234567"
    assert "Я согласен на обработку данных" in sms["text"] and "v2" in sms["text"]
    assert code not in pending.code_hash
    logged = SmsMessage.objects.get()
    assert logged.status == SmsStatus.SENT and code not in logged.body and "******" in logged.body
    assert logged.secret_body == ""  # the text with the code is dropped once sent
    assert pending.expires_at == pending.created_at + datetime.timedelta(minutes=5)
    assert not Customer.objects.exists()


def test_the_right_code_creates_customer_account_card_and_a_verified_consent(outbox, consent_text, tiers, shop, till):
    pending = start(shop, till, birthday=datetime.date(1990, 5, 17), email="a@example.kz", language="ru")
    done = registration_confirm(registration_id=pending.pk, code=last_code(outbox), till_id=till.pk)
    customer = Customer.objects.get()
    assert (customer.phone, customer.name, customer.birthday, customer.email) == (
        "+77011234567",
        "Айгерим",
        datetime.date(1990, 5, 17),
        "a@example.kz",
    )
    assert customer.registration_shop == shop and customer.registration_till_id == till.pk
    assert customer.channel == Channel.SHOP
    account = LoyaltyAccount.objects.get(customer=customer)
    assert account.tier == tiers["silver"] and account.home_shop == shop
    assert TierChange.objects.get(account=account).reason == "registration"
    assert done.card.account == account and done.card.kind == CardKind.VIRTUAL
    assert done.card.status == CardStatus.ACTIVE
    consent = ConsentRecord.objects.get()
    assert consent.customer == customer and consent.version == 2 and consent.consent_text == consent_text
    assert (consent.channel, consent.shop, consent.till_id) == (Channel.SHOP, shop, till.pk)
    assert consent.proof == pending.code_hash and consent.withdrawn_at is None
    pending.refresh_from_db()
    assert pending.verified_at is not None and pending.attempts == 1


def test_a_plastic_card_handed_over_is_issued_from_the_pool(outbox, consent_text, shop, till):
    first, _last = card_pool_generate(count=3)
    pending = start(shop, till, card_number=first)
    done = registration_confirm(registration_id=pending.pk, code=last_code(outbox), till_id=till.pk)
    assert done.card.number == first and done.card.kind == CardKind.PLASTIC
    assert Card.objects.filter(status=CardStatus.FREE).count() == 2


def test_five_wrong_tries_then_even_the_right_code_is_refused(outbox, consent_text, shop, till):
    pending = start(shop, till)
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(CodeRefused) as refused:
            registration_confirm(registration_id=pending.pk, code=wrong, till_id=till.pk)
        assert refused.value.tries_left == left
    with pytest.raises(CodeRefused):
        registration_confirm(registration_id=pending.pk, code=code, till_id=till.pk)
    pending.refresh_from_db()
    assert pending.attempts == 5 and pending.verified_at is None
    assert not Customer.objects.exists() and not ConsentRecord.objects.exists()


def test_a_code_expires_after_five_minutes(outbox, consent_text, shop, till, clock):
    pending = start(shop, till)
    code = last_code(outbox)
    clock.move_to(pending.created_at + datetime.timedelta(minutes=5, seconds=1))
    with pytest.raises(CodeRefused, match="expired"):
        registration_confirm(registration_id=pending.pk, code=code, till_id=till.pk)
    assert not Customer.objects.exists()


def test_a_code_is_used_once(outbox, consent_text, shop, till):
    pending = start(shop, till)
    code = last_code(outbox)
    registration_confirm(registration_id=pending.pk, code=code, till_id=till.pk)
    with pytest.raises(CodeRefused, match="already used"):
        registration_confirm(registration_id=pending.pk, code=code, till_id=till.pk)
    assert Customer.objects.count() == 1


def test_a_registered_phone_cannot_register_again(outbox, consent_text, shop, till):
    pending = start(shop, till)
    registration_confirm(registration_id=pending.pk, code=last_code(outbox), till_id=till.pk)
    with pytest.raises(CustomerExists):
        start(shop, till, phone="87011234567")
    assert VerificationCode.objects.count() == 1


def test_no_consent_text_no_registration(outbox, shop, till):
    with pytest.raises(ConsentTextMissing):
        start(shop, till)
    assert not VerificationCode.objects.exists() and outbox == []


def test_one_code_a_minute_and_five_an_hour_per_phone(outbox, consent_text, shop, till, clock):
    t0 = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
    clock.move_to(t0)
    start(shop, till)
    clock.move_to(t0 + datetime.timedelta(seconds=50))
    with pytest.raises(TooManyCodes) as refused:
        start(shop, till)
    assert 1 <= refused.value.retry_after <= 11
    for minute in (1, 2, 3, 4):
        clock.move_to(t0 + datetime.timedelta(minutes=minute, seconds=1))
        start(shop, till)
    clock.move_to(t0 + datetime.timedelta(minutes=10))
    with pytest.raises(TooManyCodes, match="5 codes"):
        start(shop, till)
    assert VerificationCode.objects.count() == 5 and len(outbox) == 5
    clock.move_to(t0 + datetime.timedelta(minutes=60, seconds=1))
    start(shop, till)
    assert VerificationCode.objects.count() == 6


def test_thirty_codes_an_hour_per_till(outbox, consent_text, shop, till):
    for i in range(30):
        start(shop, till, phone=f"+7701{1000000 + i}")
    with pytest.raises(TooManyCodes, match="30 codes"):
        start(shop, till, phone="+77019999999")
    assert VerificationCode.objects.count() == 30


def test_a_failed_sms_is_retried_and_then_shown_as_given_up(settings, consent_text, shop, till):
    settings.SMS_BACKEND = "loyalty.sms_backends.FailingBackend"
    settings.SMS_MAX_ATTEMPTS = 3
    start(shop, till)
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.GAVE_UP and message.attempts == 3
    assert message.last_error == "the provider is down" and message.secret_body == ""


def test_withdrawal_anonymises_the_person_and_keeps_the_account(outbox, consent_text, tiers, shop, till):
    pending = start(shop, till, birthday=datetime.date(1990, 5, 17), email="a@example.kz")
    done = registration_confirm(registration_id=pending.pk, code=last_code(outbox), till_id=till.pk)
    AppToken.objects.create(customer=done.customer, key_hash="x" * 64, created_at=pending.created_at)
    consent_withdraw(customer_id=done.customer.pk)
    customer = Customer.objects.get()
    assert (customer.phone, customer.name, customer.birthday, customer.email) == (None, "", None, "")
    assert customer.status == CustomerStatus.ANONYMISED
    assert LoyaltyAccount.objects.get(customer=customer).tier == tiers["silver"]
    assert Card.objects.get(account=done.account).status == CardStatus.ACTIVE
    assert ConsentRecord.objects.get().withdrawn_at is not None
    assert AppToken.objects.get().revoked_at is not None
    assert not VerificationCode.objects.filter(phone="+77011234567").exists()
    assert not SmsMessage.objects.filter(phone="+77011234567").exists()
    # the phone is free again: the person may register anew
    assert start(shop, till, phone="+77011234567").phone == "+77011234567"


# --- the till API ---------------------------------------------------------------------------------


def test_the_till_registers_a_customer_through_the_api(outbox, consent_text, tiers, till_client, shop, till):
    started = till_client.post(
        "/api/v1/till/loyalty/registrations/",
        {"phone": "8 701 123 45 67", "name": "Айгерим", "birthday": "1990-05-17", "language": "kk"},
        format="json",
    )
    assert started.status_code == 201, started.json()
    registration_id = started.json()["registration_id"]
    assert "Келісім v1" in outbox[-1]["text"]
    confirmed = till_client.post(
        f"/api/v1/till/loyalty/registrations/{registration_id}/confirm/", {"code": last_code(outbox)}, format="json"
    )
    assert confirmed.status_code == 201, confirmed.json()
    body = confirmed.json()
    assert body["customer"]["phone"] == "+77011234567" and body["customer"]["language"] == "kk"
    assert body["account"]["tier"] == "Silver"
    assert body["card"]["kind"] == "virtual" and len(body["card"]["number"]) == 13
    assert ConsentRecord.objects.get().version == 1  # the Kazakh text's version


def test_the_till_api_answers_errors_by_field(outbox, consent_text, till_client):
    bad = till_client.post("/api/v1/till/loyalty/registrations/", {"phone": "12", "email": "x"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"email", "phone"}
    bad = till_client.post("/api/v1/till/loyalty/registrations/", {"phone": "+7 000 000"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"phone"}  # the form passes, the number is none
    bad = till_client.post("/api/v1/till/loyalty/registrations/", {"phone": "+77011234567\x00"}, format="json")
    assert bad.status_code == 400
    ok = till_client.post("/api/v1/till/loyalty/registrations/", {"phone": "+77011234567"}, format="json")
    again = till_client.post("/api/v1/till/loyalty/registrations/", {"phone": "+77011234567"}, format="json")
    assert ok.status_code == 201 and again.status_code == 429 and int(again["Retry-After"]) >= 1
    rid = ok.json()["registration_id"]
    wrong = till_client.post(f"/api/v1/till/loyalty/registrations/{rid}/confirm/", {"code": "12345"}, format="json")
    assert wrong.status_code == 400 and "code" in wrong.json()["errors"]
    wrong = till_client.post(
        f"/api/v1/till/loyalty/registrations/{rid + 100}/confirm/", {"code": "123456"}, format="json"
    )
    assert wrong.status_code == 404
    assert not Customer.objects.exists()


def test_another_tills_registration_is_not_found(outbox, consent_text, till_client, shop):
    from sales.models import Till

    other = Till.objects.create(shop=shop, code="T7-2", name="Till 2")
    pending = registration_start(phone="+77011234567", shop=shop, till_id=other.pk)
    answer = till_client.post(
        f"/api/v1/till/loyalty/registrations/{pending.pk}/confirm/", {"code": last_code(outbox)}, format="json"
    )
    assert answer.status_code == 404 and not Customer.objects.exists()


def test_the_registration_api_needs_a_till_token(client):
    assert client.post("/api/v1/till/loyalty/registrations/", {"phone": "+77011234567"}).status_code in (401, 403)
