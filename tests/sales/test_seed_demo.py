"""The demo seed at a small size: the history is posted in date order (stock documents and till
sales day by day), the ledgers hold, and a second run adds nothing."""

import io

import pytest
from django.core.management import call_command

from inventory.models import RecostRequest, StockLedgerEntry
from inventory.services.checks import document_differences, ledgers_differences
from sales.models import Receipt, Shift


@pytest.mark.django_db
def test_seed_demo_small_posts_in_date_order_and_is_idempotent(settings):
    settings.DEBUG = True  # the demo's .env: the seed must not log every statement anyway
    out = io.StringIO()
    options = {"products": 300, "shops": 3, "suppliers": 5, "days": 4, "receipts_per_day": 6, "stdout": out}
    call_command("seed_demo", **options)

    trading_shops = 3
    assert Shift.objects.count() == trading_shops * 4
    assert Receipt.objects.count() == trading_shops * 4 * 6
    assert Shift.objects.filter(closed_at__isnull=True).count() == 0
    # Sales of a day are uploaded after that day's documents: no receipt is older than a later
    # posting of the same shop and product, so nothing waits for re-costing.
    assert not RecostRequest.objects.exists()
    assert StockLedgerEntry.objects.filter(adjusts__isnull=False).count() == 0
    _checked, differences = ledgers_differences()
    assert differences == []
    assert document_differences() == []
    assert "receipts" in out.getvalue() and "Seeded in" in out.getvalue()

    call_command("seed_demo", **{**options, "stdout": io.StringIO()})
    assert Receipt.objects.count() == trading_shops * 4 * 6
