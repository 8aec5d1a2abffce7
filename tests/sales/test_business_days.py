"""A sale, a shift and their reports belong to the shop's local day, whatever the server's clock says.

Each test moves the suite's clock to a late hour in the shop, at a turn of a day, a month or a
year, and checks what an owner would check in the reports for each side of the turn.
"""

import datetime
import uuid
import zoneinfo
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.services.prices import price_change_create_posted
from sales.models import Shift, Till
from sales.selectors import receipts_by_day, sales_by_hour, shift_differences
from sales.services import till_token_issue
from tests.factories import BarcodeFactory, PriceZoneFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db
D = Decimal
MILK = "5901234123457"


def open_shop(tz: str):
    zone = PriceZoneFactory(code="Z1")
    shop = ShopFactory(code="31", price_zone=zone, negative_stock_allowed=True, time_zone=zoneinfo.ZoneInfo(tz))
    milk = ProductFactory(sku="MILK")
    BarcodeFactory(product=milk, code=MILK)
    price_change_create_posted(
        zone=zone, effective_date=datetime.date(2020, 1, 1), prices=[(milk.pk, D("450.00"))], actor=None
    )
    till = Till.objects.create(shop=shop, code="T31-1", name="Till 1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Till {till_token_issue(till=till)}")
    return shop, client


def local(tz: str, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz))


def work_a_late_shift(clock, client, *, tz, opened, sold, closed):
    """Open at `opened`, sell one milk at `sold` (the till's clock), close at `closed` 100 short."""
    clock.move_to(opened)
    assert client.post("/api/v1/till/shifts/", {"opening_float": "0.00"}, format="json").status_code == 201
    clock.move_to(sold)
    body = {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "till_time": sold.isoformat(),
        "lines": [{"barcode": MILK, "quantity": "1", "price": "450.00", "amount": "450.00"}],
        "payments": [{"type": "cash", "amount": "450.00"}],
    }
    assert client.post("/api/v1/till/receipts/", body, format="json").status_code == 201
    clock.move_to(closed)
    shift = Shift.objects.get()
    response = client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "350.00"}, format="json")
    assert response.status_code == 200, response.json()
    return Shift.objects.get()


def days_with_sales(shop, date_from, date_to):
    return [row["business_date"] for row in receipts_by_day(shop_ids=[shop.pk], date_from=date_from, date_to=date_to)]


def differing_shifts(shop, day):
    return list(shift_differences(shop_ids=[shop.pk], date_from=day, date_to=day))


@pytest.mark.parametrize("tz", ["Asia/Almaty", "Asia/Barnaul", "Asia/Omsk"])
def test_a_shift_at_half_past_eleven_belongs_to_its_own_day(clock, tz):
    """23:30 in the shop: in Barnaul (UTC+7) the server's zone (UTC+5) still reads 21:30, the same day."""
    shop, client = open_shop(tz)
    shift = work_a_late_shift(
        clock,
        client,
        tz=tz,
        opened=local(tz, 2026, 11, 30, 23, 30),
        sold=local(tz, 2026, 11, 30, 23, 45),
        closed=local(tz, 2026, 12, 1, 0, 20),
    )
    nov30, dec1 = datetime.date(2026, 11, 30), datetime.date(2026, 12, 1)
    assert shift.business_date == nov30
    assert days_with_sales(shop, nov30, dec1) == [nov30]
    assert differing_shifts(shop, nov30) == [shift] and differing_shifts(shop, dec1) == []
    (hour,) = sales_by_hour(shop_ids=[shop.pk], date_from=nov30, date_to=nov30)
    assert (hour["hour"], hour["sales"]) == (23, 1)


def test_a_shift_opened_after_midnight_in_the_east_belongs_to_the_new_month(clock):
    """00:30 on 1 December in Barnaul is still 30 November on the server: the shop's day decides."""
    tz = "Asia/Barnaul"
    shop, client = open_shop(tz)
    shift = work_a_late_shift(
        clock,
        client,
        tz=tz,
        opened=local(tz, 2026, 12, 1, 0, 30),
        sold=local(tz, 2026, 12, 1, 0, 40),
        closed=local(tz, 2026, 12, 1, 1, 0),
    )
    nov30, dec1 = datetime.date(2026, 11, 30), datetime.date(2026, 12, 1)
    assert shift.business_date == dec1
    assert days_with_sales(shop, datetime.date(2026, 11, 1), nov30) == []
    assert days_with_sales(shop, dec1, datetime.date(2026, 12, 31)) == [dec1]
    assert differing_shifts(shop, nov30) == [] and differing_shifts(shop, dec1) == [shift]


def test_the_last_minute_of_the_year_stays_in_the_old_year(clock):
    tz = "Asia/Almaty"
    shop, client = open_shop(tz)
    shift = work_a_late_shift(
        clock,
        client,
        tz=tz,
        opened=local(tz, 2026, 12, 31, 23, 0),
        sold=local(tz, 2026, 12, 31, 23, 59, 59),
        closed=local(tz, 2027, 1, 1, 0, 5),
    )
    dec31, jan1 = datetime.date(2026, 12, 31), datetime.date(2027, 1, 1)
    assert days_with_sales(shop, datetime.date(2026, 1, 1), dec31) == [dec31]
    assert days_with_sales(shop, jan1, datetime.date(2027, 12, 31)) == []
    assert differing_shifts(shop, dec31) == [shift] and differing_shifts(shop, jan1) == []
