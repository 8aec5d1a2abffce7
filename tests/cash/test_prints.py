"""Printed cash orders (ПКО / РКО): the form's content, the amount in words in the reader's language,
the Print button, and who may print."""

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from cash.admin_reports import cash_order_print
from cash.choices import OrderDirection, OrderReason
from cash.services import cash_order_create, desk_for_shop
from tests.factories import ShopFactory

from .conftest import DAY, fill

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")


def _fields(data) -> dict:
    return {str(label): value for label, value in data.rows}


@pytest.fixture
def expense(desk, rent, owner):
    fill(desk, "5000")
    return cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.EXPENSE,
        category=rent,
        location=desk,
        amount=D("1200.50"),
        counterparty="ТОО Арендодатель",
        comment="Rent for November",
        business_date=DAY,
        actor=owner,
        post=True,
    )


def test_an_outgoing_order_names_whom_basis_amount_and_words(expense, settings):
    settings.COMPANY_NAME = "ТОО Demo Retail"
    data = cash_order_print({"document_id": expense.pk})
    fields = _fields(data)
    assert data.title == "Outgoing cash order No. CO-07-D-2026-000001"
    assert fields["Organisation"] == "ТОО Demo Retail"
    assert fields["Number"] == "CO-07-D-2026-000001" and fields["Date"] == "25.11.2026"
    assert fields["Issued to"] == "ТОО Арендодатель"
    assert fields["Basis"] == "Expense; Rent; Rent for November"
    assert fields["Amount"] == "1,200.50 KZT"
    assert fields["Amount in words"] == "One thousand two hundred tenge 50 tiyn"
    assert [str(s) for s in data.signatures] == ["Chief accountant", "Cashier", "Received"]
    assert "Status" not in fields  # posted: no draft mark


def test_an_incoming_order_says_received_from_and_the_words_follow_the_language(desk):
    order = fill(desk, "1234567.89")
    with translation.override("ru"):
        ru = _fields(cash_order_print({"document_id": order.pk}))
    with translation.override("kk"):
        kk = _fields(cash_order_print({"document_id": order.pk}))
    en = cash_order_print({"document_id": order.pk})
    assert en.title == "Incoming cash order No. CI-07-D-2026-000001"
    assert _fields(en)["Received from"] == "Owner"
    assert [str(s) for s in en.signatures] == ["Chief accountant", "Cashier"]
    words = [v for k, v in ru.items() if "тенге" in str(v)]
    assert words == ["Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь тенге 89 тиын"]
    words = [v for k, v in kk.items() if "теңге" in str(v)]
    assert words == ["Бір миллион екі жүз отыз төрт мың бес жүз алпыс жеті теңге 89 тиын"]


def test_a_move_between_our_locations_names_the_other_location_and_a_draft_says_so(desk, bank):
    fill(desk, "300")
    order = cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.ENCASHMENT,
        location=desk,
        counter_location=bank,
        amount=D("300"),
        business_date=DAY,
    )
    fields = _fields(cash_order_print({"document_id": order.pk}))
    assert fields["Issued to"] == "Bank account" and fields["Status"] == "Draft"


def test_the_admin_page_prints_the_order_as_pdf(client, owner, expense, django_capture_on_commit_callbacks, tmp_path):
    client.force_login(owner)
    page = client.get(reverse("admin:cash_cashorder_change", args=[expense.pk]))
    url = reverse("reports:document", args=["cash_order", expense.pk, "pdf"])
    assert url.encode() in page.content and b"Print (PDF)" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    pdf = client.get(response["Location"], follow=True)
    path = tmp_path / "order.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "Outgoing cash order No. CO-07-D-2026-000001" in text
    assert "One thousand two hundred tenge 50 tiyn" in text and "1,200.50 KZT" in text
    assert "Chief accountant:" in text and "Cashier:" in text and "ТОО Арендодатель" in text


def test_a_manager_of_another_shop_cannot_print_the_order(client, shop_manager, expense):
    other = ShopFactory(code="08")
    desk_for_shop(other)
    other.managers.add(shop_manager)
    client.force_login(shop_manager)
    response = client.post(reverse("reports:document", args=["cash_order", expense.pk, "pdf"]))
    assert response.status_code in (403, 404)
