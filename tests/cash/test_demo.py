from decimal import Decimal

import pytest

from cash.choices import LocationKind
from cash.demo import seed_cash
from cash.models import CashLocation, CashOrder

from .conftest import balance, fill

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")


def test_demo_cash_encashes_weekly_and_the_bank_credits_all_but_the_last(desk):
    fill(desk, "100000.00")
    counts = seed_cash(days=14)
    assert counts == {"encashments": 2, "bank_credits": 1, "expenses": 2}
    transit = CashLocation.objects.get(kind=LocationKind.TRANSIT)
    bank = CashLocation.objects.get(code="BANK1")
    # 15% of what the desk holds each week: 15000 credited by the bank, then 12750 still in transit;
    # then 1% of the rest for electricity (722.50) and 0.5% of what is left for supplies (357.64).
    assert (balance(bank), balance(transit)) == (D("15000.00"), D("12750.00"))
    assert balance(desk) == D("71169.86")
    assert seed_cash(days=14) == {"encashments": 0, "bank_credits": 0, "expenses": 0}
    assert CashOrder.objects.filter(status="posted").count() == 1 + 5
