from decimal import Decimal

import pytest

from cash.choices import LocationKind, StatementLineStatus
from cash.demo import seed_cash
from cash.models import BankStatementLine, CashLocation, CashOrder

from .conftest import balance, fill

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")


def test_demo_cash_encashes_weekly_and_the_bank_credits_all_but_the_last(desk):
    fill(desk, "100000.00")
    counts = seed_cash(days=14)
    # The statement: one encashment's credit, a bank fee and an unknown credit (no card takings here).
    assert counts == {
        "encashments": 2,
        "bank_credits": 1,
        "expenses": 2,
        "card_settlements": 0,
        "statement_lines": 3,
    }
    transit = CashLocation.objects.get(kind=LocationKind.TRANSIT)
    bank = CashLocation.objects.get(code="BANK1")
    # 15% of what the desk holds each week: 15000 credited by the bank, then 12750 still in transit;
    # then 1% of the rest for electricity (722.50) and 0.5% of what is left for supplies (357.64).
    assert (balance(bank), balance(transit)) == (D("15000.00"), D("12750.00"))
    assert balance(desk) == D("71169.86")
    assert seed_cash(days=14) == {
        "encashments": 0,
        "bank_credits": 0,
        "expenses": 0,
        "card_settlements": 0,
        "statement_lines": 0,
    }
    assert CashOrder.objects.filter(status="posted").count() == 1 + 5
    unmatched = BankStatementLine.objects.filter(status=StatementLineStatus.UNMATCHED)
    assert sorted(unmatched.values_list("amount", flat=True)) == [D("-2500.00"), D("1000.00")]


def test_demo_statement_settles_card_takings_less_the_fee(desk, clock):
    import datetime

    from .conftest import card_sales

    today = datetime.date(2026, 11, 25)
    fill(desk, "100000.00", day=today - datetime.timedelta(days=14))
    card_sales(desk.shop, "2000.00", day=today - datetime.timedelta(days=5))
    card_sales(desk.shop, "3000.00", day=today - datetime.timedelta(days=3))
    card_sales(desk.shop, "700.00", day=today)  # today's takings wait for tomorrow's statement
    counts = seed_cash(days=14)
    assert counts["card_settlements"] == 2 and counts["bank_credits"] == 1
    card = CashLocation.objects.get(kind=LocationKind.CARD)
    assert card.fee_percent == D("1.50") and balance(card) == D("700.00")
    # 15000 credited, 2000 and 3000 less 1.5 % (30.00 and 45.00)
    assert balance(CashLocation.objects.get(code="BANK1")) == D("19925.00")
