"""Receipts and time: a till clock far ahead is refused; a sale in a closed period posts on the first open day.

The suite's clock stands at 2026-11-25 14:00 in Astana (tests/conftest.py).
"""

import datetime
from decimal import Decimal

import pytest

from inventory.models import PeriodLock, StockLedgerEntry
from sales.models import FlaggedReceipt, Receipt, Shift
from tests.sales.conftest import sales_receipt_body as receipt_body
from tests.sales.test_batches_returns import BATCH, UPLOAD, milk_line, stock_in

pytestmark = pytest.mark.django_db
D = Decimal


def sold_at(sequence, till_time):
    line = milk_line("1")
    return receipt_body(
        sequence=sequence, till_time=till_time, lines=[line], payments=[{"type": "cash", "amount": "450.00"}]
    )


def test_a_till_clock_far_ahead_is_refused_and_names_the_clock(till_world):
    client = till_world["client"]
    response = client.post(UPLOAD, sold_at(1, "2031-11-25T10:00:00+05:00"), format="json")
    assert response.status_code == 400
    message = response.json()["errors"]["till_time"][0]
    assert "till's clock is ahead" in message and "2031-11-25T10:00:00+05:00" in message
    assert "2026-11-25T14:" in message  # the server's time, in the till's offset
    # Within the tolerance (a till a few hours fast) it is accepted.
    assert client.post(UPLOAD, sold_at(2, "2026-11-25T20:00:00+05:00"), format="json").status_code == 201
    # In a batch the bad one is refused alone.
    body = {"receipts": [sold_at(3, "2036-01-01T00:00:00+05:00"), sold_at(4, "2026-11-25T11:00:00+05:00")]}
    results = client.post(BATCH, body, format="json").json()["results"]
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert Receipt.objects.count() == 2
    shift = Shift.objects.get()
    assert shift.receipts_count == 2


def test_a_sale_in_a_closed_period_posts_on_the_first_open_day_flagged(till_world, settings):
    stock_in(till_world, "5", "300.00")
    PeriodLock.objects.create(shop=till_world["shop"], lock_date=datetime.date(2026, 11, 20))
    response = till_world["client"].post(UPLOAD, sold_at(1, "2026-11-18T19:30:00+05:00"), format="json")
    assert response.status_code == 201, response.json()
    receipt = Receipt.objects.get()
    assert receipt.till_time == datetime.datetime(2026, 11, 18, 14, 30, tzinfo=datetime.UTC)
    assert (receipt.business_date, receipt.period_closed, receipt.arrived_late) == (
        datetime.date(2026, 11, 21),
        True,
        False,
    )
    (row,) = StockLedgerEntry.objects.filter(source_type="receipt")
    assert row.business_date == datetime.date(2026, 11, 21)  # nothing written into the closed period
    assert not StockLedgerEntry.objects.filter(business_date__lte=datetime.date(2026, 11, 20), source_type="receipt")
    assert list(FlaggedReceipt.objects.values_list("pk", flat=True)) == [receipt.pk]


def test_an_old_receipt_is_accepted_and_flagged_and_the_limit_is_a_setting(till_world, settings):
    client = till_world["client"]
    stock_in(till_world, "5", "300.00")
    assert client.post(UPLOAD, sold_at(1, "2016-11-25T10:00:00+05:00"), format="json").status_code == 201
    assert client.post(UPLOAD, sold_at(2, "2026-11-20T10:00:00+05:00"), format="json").status_code == 201
    assert dict(Receipt.objects.values_list("sequence", "arrived_late")) == {1: True, 2: False}
    settings.RECEIPT_LATE_AFTER_DAYS = 3
    assert client.post(UPLOAD, sold_at(3, "2026-11-20T11:00:00+05:00"), format="json").status_code == 201
    assert Receipt.objects.get(sequence=3).arrived_late
    assert set(FlaggedReceipt.objects.values_list("sequence", flat=True)) == {1, 3}


def test_flagged_receipts_page_says_why(till_world, client, superuser):
    from django.urls import reverse

    PeriodLock.objects.create(shop=till_world["shop"], lock_date=datetime.date(2026, 11, 20))
    till_world["client"].post(UPLOAD, sold_at(1, "2026-11-18T19:30:00+05:00"), format="json")
    client.force_login(superuser)
    page = client.get(reverse("admin:sales_flaggedreceipt_changelist")).content.decode()
    assert "dated 18.11.2026 in a closed period, posted on 21.11.2026" in page


def test_the_back_office_api_shows_and_filters_the_time_flags(till_world, owner):
    from rest_framework.test import APIClient

    from accounts.services import api_token_issue

    stock_in(till_world, "5", "300.00")
    PeriodLock.objects.create(shop=till_world["shop"], lock_date=datetime.date(2026, 11, 20))
    client = till_world["client"]
    client.post(UPLOAD, sold_at(1, "2026-11-18T19:30:00+05:00"), format="json")  # closed period
    client.post(UPLOAD, sold_at(2, "2016-11-25T10:00:00+05:00"), format="json")  # late (and closed)
    client.post(UPLOAD, sold_at(3, "2026-11-25T10:00:00+05:00"), format="json")  # nothing to see
    _token, secret = api_token_issue(user=owner, name="test", actor=owner)
    office = APIClient()
    office.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    flagged = office.get("/api/v1/receipts/", {"flagged": "true"}).json()["results"]
    assert sorted((r["sequence"], r["period_closed"], r["arrived_late"]) for r in flagged) == [
        (1, True, False),
        (2, True, True),
    ]
    assert [r["sequence"] for r in office.get("/api/v1/receipts/", {"arrived_late": "true"}).json()["results"]] == [2]
    assert [r["sequence"] for r in office.get("/api/v1/receipts/", {"flagged": "false"}).json()["results"]] == [3]


def test_a_period_is_closed_only_once_it_is_over(client, owner):
    """A lock on today or later would send today's sales to a future day: the form refuses it."""
    from django.urls import reverse

    client.force_login(owner)
    url = reverse("admin:inventory_periodlock_add")
    for day in ("2026-11-25", "2027-01-31"):
        response = client.post(url, {"lock_date": day})
        assert response.status_code == 200 and "choose a day before today" in response.content.decode()
    assert client.post(url, {"lock_date": "2026-11-24"}).status_code == 302
    assert list(PeriodLock.objects.values_list("lock_date", flat=True)) == [datetime.date(2026, 11, 24)]
