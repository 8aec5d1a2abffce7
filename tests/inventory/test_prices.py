import datetime
import zoneinfo
from decimal import Decimal

import pytest

from inventory.exceptions import DocumentEmpty, DocumentNotDraft, DocumentNotPosted, DomainError
from inventory.models import Price, PriceChange
from inventory.selectors import price_get
from inventory.services import price_change_cancel, price_change_post
from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, UserFactory, price_change_create

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def setup():
    zone = PriceZoneFactory(code="Z1")
    other_zone = PriceZoneFactory(code="Z2")
    return {
        "zone": zone,
        "shop": ShopFactory(price_zone=zone),
        "rural": ShopFactory(price_zone=other_zone),
        "product": ProductFactory(),
        "user": UserFactory(),
    }


def post(document, user):
    return price_change_post(document_id=document.pk, actor=user)


def test_price_in_force_follows_effective_dates(setup):
    s = setup
    post(price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[(s["product"], "100.00")]), s["user"])
    post(price_change_create(zone=s["zone"], effective_date=D(2026, 3, 1), lines=[(s["product"], "120.50")]), s["user"])
    assert price_get(product=s["product"], shop=s["shop"], at=D(2025, 12, 31)) is None
    assert price_get(product=s["product"], shop=s["shop"], at=D(2026, 1, 1)) == Decimal("100.00")
    assert price_get(product=s["product"], shop=s["shop"], at=D(2026, 2, 28)) == Decimal("100.00")
    assert price_get(product=s["product"], shop=s["shop"], at=D(2026, 3, 1)) == Decimal("120.50")
    assert price_get(product=s["product"], shop=s["shop"], at=D(2027, 1, 1)) == Decimal("120.50")
    # Another zone has no price: zones do not leak.
    assert price_get(product=s["product"], shop=s["rural"], at=D(2026, 3, 1)) is None


def test_a_new_price_never_rewrites_history(setup):
    s = setup
    first = price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[(s["product"], "100")])
    post(first, s["user"])
    post(price_change_create(zone=s["zone"], effective_date=D(2026, 2, 1), lines=[(s["product"], "90")]), s["user"])
    rows = list(
        Price.objects.filter(product=s["product"])
        .order_by("effective_date")
        .values_list("effective_date", "price_amount")
    )
    assert rows == [(D(2026, 1, 1), Decimal("100.00")), (D(2026, 2, 1), Decimal("90.00"))]


def test_the_later_posting_wins_on_the_same_day(setup):
    s = setup
    post(price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[(s["product"], "100")]), s["user"])
    post(price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[(s["product"], "105")]), s["user"])
    assert price_get(product=s["product"], shop=s["shop"], at=D(2026, 1, 1)) == Decimal("105.00")


def test_price_uses_the_shops_local_day(setup):
    s = setup
    s["shop"].time_zone = zoneinfo.ZoneInfo("Asia/Barnaul")  # UTC+7
    post(price_change_create(zone=s["zone"], effective_date=D(2026, 3, 1), lines=[(s["product"], "50")]), s["user"])
    utc = datetime.UTC
    # 18:30 UTC on 28 February is already 1 March in Barnaul.
    assert price_get(
        product=s["product"], shop=s["shop"], at=datetime.datetime(2026, 2, 28, 18, 30, tzinfo=utc)
    ) == Decimal("50.00")
    assert (
        price_get(product=s["product"], shop=s["shop"], at=datetime.datetime(2026, 2, 28, 16, 30, tzinfo=utc)) is None
    )


def test_cancelling_switches_the_prices_off_but_keeps_them(setup):
    s = setup
    post(price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[(s["product"], "100")]), s["user"])
    rise = price_change_create(zone=s["zone"], effective_date=D(2026, 2, 1), lines=[(s["product"], "130")])
    post(rise, s["user"])
    cancelled = price_change_cancel(document_id=rise.pk, actor=s["user"])
    assert cancelled.status == "cancelled" and cancelled.cancelled_by == s["user"]
    assert price_get(product=s["product"], shop=s["shop"], at=D(2026, 2, 15)) == Decimal("100.00")
    assert Price.objects.filter(price_change=rise, is_active=False).count() == 1


def test_posting_twice_or_cancelling_a_draft_is_refused(setup):
    s = setup
    document = price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[(s["product"], "100")])
    with pytest.raises(DocumentNotPosted):
        price_change_cancel(document_id=document.pk, actor=s["user"])
    post(document, s["user"])
    with pytest.raises(DocumentNotDraft):
        post(document, s["user"])
    assert Price.objects.count() == 1


def test_an_empty_or_zero_price_document_posts_nothing(setup):
    s = setup
    empty = price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[])
    with pytest.raises(DocumentEmpty):
        post(empty, s["user"])
    zero = price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[(s["product"], "0")])
    with pytest.raises(DomainError):
        post(zero, s["user"])
    assert Price.objects.count() == 0
    assert set(PriceChange.objects.values_list("status", flat=True)) == {"draft"}


def test_documents_are_numbered_per_type_and_zone(setup):
    s = setup
    a = price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[])
    b = price_change_create(zone=s["zone"], effective_date=D(2026, 1, 1), lines=[])
    c = price_change_create(zone=PriceZoneFactory(code="Z9"), effective_date=D(2026, 1, 1), lines=[])
    assert (a.number, b.number, c.number) == ("PC-Z1-000001", "PC-Z1-000002", "PC-Z9-000001")
