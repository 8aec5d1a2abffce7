"""The card pool: EAN-13 numbers generated in batches or imported; issuing, replacing a lost card; lookups."""
# ruff: noqa: F811  (fixtures imported from customers_fixtures: tests/loyalty/conftest.py is shared)

import time

import pytest
from django.core.management import call_command
from django.db import connection
from stdnum import ean

from loyalty.choices import CardKind, CardStatus
from loyalty.models import Card, Customer, LoyaltyAccount, TierChange
from loyalty.services.cards import (
    CardBatchInvalid,
    CardNotActive,
    CardNotAvailable,
    account_by_card,
    account_by_phone,
    card_issue,
    card_issue_virtual,
    card_number_make,
    card_pool_generate,
    card_pool_import,
    card_replace,
)
from loyalty.services.tiers import tier_set_by_hand
from tests.loyalty.customers_fixtures import tiers  # noqa: F401

pytestmark = pytest.mark.django_db


def account(phone="+77011234567"):
    return LoyaltyAccount.objects.create(customer=Customer.objects.create(phone=phone))


def test_numbers_are_ean13_with_the_prefix_and_a_right_check_digit(settings):
    settings.LOYALTY_CARD_PREFIX = "0490"
    assert card_number_make("0490", 1) == "0490000000016"
    first, last = card_pool_generate(count=5, batch="B1")
    numbers = list(Card.objects.order_by("number").values_list("number", flat=True))
    assert numbers[0] == first == "0490000000016" and numbers[-1] == last
    assert all(n.startswith("0490") and len(n) == 13 and ean.is_valid(n) for n in numbers)
    assert [int(n[4:12]) for n in numbers] == [1, 2, 3, 4, 5]
    assert set(Card.objects.values_list("status", "kind", "batch")) == {(CardStatus.FREE, CardKind.PLASTIC, "B1")}


def test_a_second_batch_continues_after_the_first():
    card_pool_generate(count=3)
    first, last = card_pool_generate(count=2)
    assert (int(first[4:12]), int(last[4:12])) == (4, 5)
    assert Card.objects.count() == 5


def test_one_hundred_thousand_numbers_are_generated_in_seconds():
    began = time.monotonic()
    card_pool_generate(count=100_000, batch="BIG")
    assert time.monotonic() - began < 60  # 8 s on SQLite with the machine at load 10
    assert Card.objects.filter(batch="BIG").count() == 100_000


@pytest.mark.parametrize("count", [0, -1, 1_000_001])
def test_a_batch_out_of_bounds_is_refused(count):
    with pytest.raises(CardBatchInvalid):
        card_pool_generate(count=count)
    assert not Card.objects.exists()


def test_import_adds_good_numbers_and_lists_the_bad_ones():
    card_pool_generate(count=1)
    taken = Card.objects.get().number
    good = "4006381333931"
    added, problems = card_pool_import(numbers=[good, "4006381333932", good, taken, "abc", ""], batch="OLD")
    assert added == 1
    assert [(row, message) for row, _n, message in problems] == [
        (2, "not an EAN-13 number with a right check digit"),
        (3, "twice in the file"),
        (4, "already in the pool"),
        (5, "not an EAN-13 number with a right check digit"),
        (6, "not an EAN-13 number with a right check digit"),
    ]
    assert Card.objects.get(number=good).batch == "OLD"


def test_the_command_generates_and_imports(tmp_path):
    call_command("card_pool", "generate", "--count", "10", "--batch", "CMD")
    path = tmp_path / "cards.csv"
    path.write_text("4006381333931\n4006381333932\n")
    call_command("card_pool", "import", str(path))
    assert Card.objects.filter(batch="CMD").count() == 10
    assert Card.objects.filter(number="4006381333931", batch="import").exists()


def test_a_card_is_issued_once():
    card_pool_generate(count=1)
    number = Card.objects.get().number
    first = account()
    card = card_issue(account=first, number=number)
    assert card.status == CardStatus.ACTIVE and card.account == first and card.issued_at is not None
    with pytest.raises(CardNotAvailable):
        card_issue(account=account("+77011234568"), number=number)
    assert Card.objects.get().account == first


def test_a_virtual_card_has_its_own_prefix_and_is_issued_once_per_account(settings):
    holder = account()
    card = card_issue_virtual(account=holder)
    assert card.number.startswith(settings.LOYALTY_VIRTUAL_CARD_PREFIX) and ean.is_valid(card.number)
    assert card.kind == CardKind.VIRTUAL and card_issue_virtual(account=holder) == card
    other = card_issue_virtual(account=account("+77011234568"))
    assert int(other.number[4:12]) == int(card.number[4:12]) + 1


def test_a_lost_card_is_replaced_on_the_same_account_keeping_tier_and_history(tiers):
    card_pool_generate(count=3)
    holder = account()
    lost = card_issue(account=holder, number=card_number_make("0490", 1))
    tier_set_by_hand(account_id=holder.pk, tier=tiers["gold"], until=None)
    new = card_replace(card_id=lost.pk)
    lost.refresh_from_db()
    assert lost.status == CardStatus.BLOCKED and lost.blocked_at is not None and lost.replaced_by == new
    assert new.account == holder and new.status == CardStatus.ACTIVE and new.number == card_number_make("0490", 2)
    holder.refresh_from_db()
    assert holder.tier == tiers["gold"] and TierChange.objects.filter(account=holder).count() == 1
    assert account_by_card(lost.number) is None and account_by_card(new.number) == holder


def test_a_named_new_card_replaces_and_a_blocked_card_cannot_be_replaced_again():
    card_pool_generate(count=3)
    holder = account()
    lost = card_issue(account=holder, number=card_number_make("0490", 1))
    new = card_replace(card_id=lost.pk, new_number=card_number_make("0490", 3))
    assert new.number == card_number_make("0490", 3)
    with pytest.raises(CardNotActive):
        card_replace(card_id=lost.pk)
    assert Card.objects.filter(account=holder, status=CardStatus.ACTIVE).count() == 1


def test_a_replacement_that_fails_changes_nothing():
    card_pool_generate(count=1)
    holder = account()
    lost = card_issue(account=holder, number=card_number_make("0490", 1))
    with pytest.raises(CardNotAvailable):
        card_replace(card_id=lost.pk)  # the pool is empty
    lost.refresh_from_db()
    assert lost.status == CardStatus.ACTIVE and lost.blocked_at is None


def test_lookup_by_card_and_by_phone(django_assert_max_num_queries):
    card_pool_generate(count=1)
    holder = account()
    card = card_issue(account=holder, number=card_number_make("0490", 1))
    with django_assert_max_num_queries(1):
        assert account_by_card(card.number).customer.phone == "+77011234567"
    with django_assert_max_num_queries(1):
        assert account_by_phone("+77011234567") == holder
    assert account_by_card("0000000000000") is None and account_by_phone("+77019999999") is None


@pytest.mark.postgres
def test_lookups_are_index_hits_at_scale():
    card_pool_generate(count=50_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE loyalty_card")
        cursor.execute("ANALYZE loyalty_customer")
    number = card_number_make("0490", 25_000)
    for queryset in (
        Card.objects.filter(number=number, status=CardStatus.ACTIVE),
        LoyaltyAccount.objects.filter(customer__phone="+77011234567"),
    ):
        plan = queryset.explain()
        assert "Index" in plan and "Seq Scan on loyalty_card" not in plan, plan
