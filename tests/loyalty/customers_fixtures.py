"""Fixtures of the customers, cards and tiers tests (imported by their modules: conftest.py is shared)."""

import re

import pytest
from rest_framework.test import APIClient

from loyalty import sms_backends
from loyalty.models import ConsentText
from loyalty.services.tiers import tiers_seed_defaults
from sales.models import Till
from sales.services import till_token_issue
from tests.factories import ShopFactory


@pytest.fixture
def outbox(settings):
    """SMS land in a list; `code_in(outbox)` reads the code of the last one."""
    settings.SMS_BACKEND = "loyalty.sms_backends.LocmemBackend"
    sms_backends.outbox.clear()
    yield sms_backends.outbox
    sms_backends.outbox.clear()


def last_code(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1]["text"]).group(1)


@pytest.fixture
def consent_text(db):
    ConsentText.objects.create(version=1, language="ru", body="Согласие v1")
    ConsentText.objects.create(version=1, language="kk", body="Келісім v1")
    return ConsentText.objects.create(version=2, language="ru", body="Я согласен на обработку данных")


@pytest.fixture
def tiers(db):
    tiers_seed_defaults()
    from loyalty.models import Tier

    return {t.code: t for t in Tier.objects.all()}


@pytest.fixture
def shop(db):
    return ShopFactory(code="07")


@pytest.fixture
def till(shop):
    return Till.objects.create(shop=shop, code="T7-1", name="Till 1")


@pytest.fixture
def till_client(till):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Till {till_token_issue(till=till)}")
    return client
