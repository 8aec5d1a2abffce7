"""The customer's page in a real browser (chromium): cards, tier history, purchases and consents, in Russian,
inside a 1366-pixel window; the screenshot is kept under .artifacts/screenshots/."""
# ruff: noqa: F811  (fixtures imported from the browser tests' conftest and customers_fixtures)

import datetime

import pytest

from loyalty.models import AccountPurchase
from loyalty.services.cards import card_number_make, card_pool_generate, card_replace
from loyalty.services.customers import registration_confirm, registration_start
from loyalty.services.tiers import tier_set_by_hand, tiers_seed_defaults
from tests.browser.conftest import browser, flushable_guards, page, sign_in, switch_language  # noqa: F401
from tests.factories import ShopFactory, UserFactory
from tests.loyalty.customers_fixtures import last_code, outbox  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.real_clock, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-pass-1"


def test_the_customer_page_shows_cards_tiers_purchases_and_consents(page, outbox):
    from loyalty.models import ConsentText, Tier

    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)
    boss.set_password(PASSWORD)
    boss.save()
    tiers_seed_defaults()
    ConsentText.objects.create(version=3, language="ru", body="Я согласен на обработку персональных данных")
    shop = ShopFactory(code="07", name="Абая 10")
    card_pool_generate(count=5)
    pending = registration_start(
        phone="+77011234567", name="Айгерим Нурланова", shop=shop, card_number=card_number_make("0490", 1)
    )
    done = registration_confirm(registration_id=pending.pk, code=last_code(outbox))
    card_replace(card_id=done.card.pk)
    tier_set_by_hand(
        account_id=done.account.pk,
        tier=Tier.objects.get(code="gold"),
        until=datetime.date(2027, 3, 31),
        comment="Постоянный покупатель",
    )
    for n in range(5):
        AccountPurchase.objects.create(
            account=done.account,
            shop=shop,
            business_date=datetime.date(2026, 11, 1 + n),
            amount="12500.50",
            receipt_id=100 + n,
        )
    sign_in(page, "boss", PASSWORD)
    page.goto(page.base + "/admin/")
    switch_language(page, "ru")
    page.goto(page.base + f"/admin/loyalty/customer/{done.customer.pk}/change/")
    text = page.inner_text("#content")
    assert "0490000000016" in text and "0490000000023" in text and "Постоянный покупатель" in text
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 1366, width
    page.locator(".field-cards").scroll_into_view_if_needed()  # the screenshot shows the cards and the tiers
