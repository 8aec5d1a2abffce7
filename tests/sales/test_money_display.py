"""Money reads as money (issue 10, item 1): two places, grouped, in the reader's language, on both databases.

The product list's prices come from a subquery (SQLite answered floats, `362.520000000000`);
receipts show amounts of model fields; the API keeps plain decimal strings.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from inventory.models import Product
from inventory.money import format_money, format_quantity
from inventory.services.prices import price_change_create_posted
from sales.models import Receipt
from tests.factories import ProductFactory
from tests.sales.conftest import sales_receipt_body

pytestmark = pytest.mark.django_db
D = Decimal
NBSP = "\xa0"


def _cells(html: str) -> list[str]:
    """The text of every list/inline cell of a page, tags stripped."""
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)]


@pytest.mark.parametrize(
    ("language", "money", "quantity"),
    [("en", "8,952.30", "1,234.500"), ("ru", f"8{NBSP}952,30", f"1{NBSP}234,500"), ("kk", f"8{NBSP}952,30", None)],
)
def test_format_money_and_quantity_follow_the_language(language, money, quantity):
    with translation.override(language):
        assert format_money(D("8952.3")) == money
        assert format_money(8952.299999999) == money  # a float from a careless query: rounded, not cut
        assert format_money(None) == ""
        if quantity:
            assert format_quantity(D("1234.5")) == quantity


@pytest.mark.parametrize(("language", "expected"), [("en", "8,952.30"), ("ru", f"8{NBSP}952,30")])
def test_the_product_list_and_its_search_show_prices_with_two_places(till_world, client, superuser, language, expected):
    zone = till_world["shop"].price_zone
    soap = ProductFactory(sku="SOAP", name="Soap")
    price_change_create_posted(
        zone=zone, effective_date=datetime.date(2026, 1, 1), prices=[(soap.pk, D("8952.30"))], actor=None
    )
    client.force_login(superuser)
    url = reverse("admin:inventory_product_changelist")
    for query in ({}, {"q": "Soap"}, {"q": "SOAP"}):
        cells = _cells(client.get(url, query, HTTP_ACCEPT_LANGUAGE=language).content.decode())
        assert expected in cells, cells
        assert not any(re.fullmatch(r"[\d.,\s\xa0]*\d[.,]\d{3,}", c) for c in cells if "SOAP" not in c), cells
    # The milk's 450.00 reads with its places too, never as 450 or 450.000000.
    cells = _cells(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    assert ("450.00" if language == "en" else "450,00") in cells


def test_prices_from_the_subquery_are_decimals_with_two_places(till_world):
    from inventory.selectors import price_in_force_subquery

    zone = till_world["shop"].price_zone
    price = (
        Product.objects.annotate(p=price_in_force_subquery(zone_id=zone.pk, day=datetime.date(2026, 11, 25)))
        .get(sku="MILK")
        .p
    )
    assert isinstance(price, Decimal) and str(price) == "450.00"


@pytest.mark.parametrize(("language", "total"), [("en", "8,952.30"), ("ru", f"8{NBSP}952,30")])
def test_a_receipt_page_shows_amounts_grouped_with_two_places(till_world, client, superuser, language, total):
    body = sales_receipt_body(
        lines=[{"barcode": "5901234123457", "quantity": "19.894", "price": "450.00", "amount": "8952.30"}],
        payments=[{"type": "card", "amount": "8952.30"}],
    )
    assert till_world["client"].post("/api/v1/till/receipts/", body, format="json").status_code == 201
    receipt = Receipt.objects.get()
    client.force_login(superuser)
    page = client.get(
        reverse("admin:sales_receipt_change", args=[receipt.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    cells = _cells(page)
    quantity = "19.894" if language == "en" else "19,894"
    assert total in page and quantity in cells, cells
    listing = _cells(
        client.get(reverse("admin:sales_receipt_changelist"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    )
    assert total in listing


def test_the_api_keeps_plain_decimal_strings_with_two_places(till_world):
    response = till_world["client"].get("/api/v1/till/catalogue/")
    (milk,) = [item for item in response.json()["results"] if item["sku"] == "MILK"]
    assert milk["price"] == "450.00"
    body = sales_receipt_body(
        lines=[{"barcode": "5901234123457", "quantity": "19.894", "price": "450.00", "amount": "8952.30"}],
        payments=[{"type": "card", "amount": "8952.30"}],
    )
    receipt = till_world["client"].post("/api/v1/till/receipts/", body, format="json").json()["receipt"]
    assert receipt["total_amount"] == "8952.30"


def test_the_shift_page_shows_its_z_report_as_money(till_world, client, superuser):
    from sales.models import Shift

    shift = Shift.objects.get()
    till_world["client"].post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "4900.00"}, format="json")
    client.force_login(superuser)
    page = client.get(reverse("admin:sales_shift_change", args=[shift.pk]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert f"<td>5{NBSP}000,00</td>" in page  # the opening float (and cash expected)
    assert "<td>-100,00</td>" in page  # the difference, counted vs expected
