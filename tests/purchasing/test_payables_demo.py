"""The demo's settlements: invoices for every receipt, payments for what fell due, some left overdue."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from purchasing.demo import seed_payables
from purchasing.models import Payable, SupplierInvoice, SupplierPayment
from purchasing.settlement_selectors import aging

from .conftest import DAY, fill, receipt

D = Decimal
pytestmark = pytest.mark.usefixtures("ledgers_balanced")


def test_demo_invoices_every_receipt_and_pays_what_fell_due(shop, supplier, product, desk):
    fill(desk, "100000")
    for n in range(12):
        day = DAY - datetime.timedelta(days=3 * n)
        receipt(shop, supplier, product, f"{1000 + n}.00", day=day, supplier_invoice_number=f"INV-{n}")
    counts = seed_payables(seed=3)
    assert counts["invoices"] == 12 == SupplierInvoice.objects.filter(goods_receipt__isnull=False).count()
    assert counts["flagged"] == SupplierInvoice.objects.exclude(difference_amount=0).count()
    due = Payable.objects.filter(side="debt", due_date__lte=DAY).count()
    assert counts["payments"] + counts["overdue_left"] == due == 8  # received 10+ days ago (deferral 10)
    assert counts["payments"] == SupplierPayment.objects.filter(status="posted").count() > 0
    assert all(row.days_31_plus == 0 for row in aging(on=DAY))  # the oldest is 23 days overdue
    assert seed_payables(seed=3) == {"invoices": 0, "flagged": 0, "payments": 0, "overdue_left": 0}


def test_the_seed_command_reports_what_it_wrote(shop, supplier, product, capsys):
    receipt(shop, supplier, product, "10.00", supplier_invoice_number="X")
    call_command("seed_payables")
    assert "1 supplier invoices" in capsys.readouterr().out
