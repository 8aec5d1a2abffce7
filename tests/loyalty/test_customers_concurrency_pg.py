"""Real threads on PostgreSQL: the SMS send limits and card numbering hold when many tills ask at once."""
# ruff: noqa: F811  (fixtures imported from customers_fixtures: tests/loyalty/conftest.py is shared)

import pytest

from loyalty.choices import CardStatus
from loyalty.models import Card, Customer, LoyaltyAccount, VerificationCode
from loyalty.services.cards import CardNotAvailable, card_issue_next_free, card_issue_virtual, card_pool_generate
from loyalty.services.customers import registration_start
from loyalty.services.sms import TooManyCodes
from sales.models import Till
from tests.integration.test_concurrency_pg import run_at_once
from tests.loyalty.customers_fixtures import consent_text, outbox, shop, till  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def outcome(fn):
    try:
        fn()
        return "ok"
    except (TooManyCodes, CardNotAvailable) as exc:
        return type(exc).__name__
    except Exception as exc:  # anything else is a server error the user would see
        return f"ERROR {type(exc).__name__}: {exc}"


def test_twenty_tills_asking_a_code_for_one_phone_at_once_send_one(outbox, consent_text, shop):
    tills = [Till.objects.create(shop=shop, code=f"T{i}", name=f"Till {i}") for i in range(20)]
    results = run_at_once(
        lambda i: outcome(lambda: registration_start(phone="+77011234567", shop=shop, till_id=tills[i].pk)), count=20
    )
    assert results.count("ok") == 1 and results.count("TooManyCodes") == 19, results
    assert VerificationCode.objects.filter(phone="+77011234567").count() == 1
    assert len(outbox) == 1


def test_forty_phones_at_once_from_one_till_send_thirty(outbox, consent_text, shop, till):
    results = run_at_once(
        lambda i: outcome(lambda: registration_start(phone=f"+7701{1000000 + i}", shop=shop, till_id=till.pk)),
        count=40,
    )
    assert results.count("ok") == 30 and results.count("TooManyCodes") == 10, results
    assert VerificationCode.objects.filter(till_id=till.pk).count() == 30


def _accounts(n):
    return [
        LoyaltyAccount.objects.create(customer=Customer.objects.create(phone=f"+7701200000{i:01d}" if i < 10 else None))
        for i in range(n)
    ]


def test_twenty_tills_taking_the_next_free_card_of_a_pool_of_ten(db):
    card_pool_generate(count=10)
    accounts = _accounts(20)
    results = run_at_once(lambda i: outcome(lambda: card_issue_next_free(account=accounts[i])), count=20)
    assert results.count("ok") == 10 and results.count("CardNotAvailable") == 10, results
    assert Card.objects.filter(status=CardStatus.ACTIVE).values("account").distinct().count() == 10
    assert not Card.objects.filter(status=CardStatus.FREE).exists()


def test_virtual_cards_issued_at_once_get_distinct_numbers(db):
    accounts = _accounts(15)
    results = run_at_once(lambda i: outcome(lambda: card_issue_virtual(account=accounts[i])), count=15)
    assert results == ["ok"] * 15
    assert Card.objects.values("number").distinct().count() == 15
