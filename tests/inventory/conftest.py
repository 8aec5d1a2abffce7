import pytest

from inventory.services.checks import stock_ledger_differences


@pytest.fixture
def ledgers_balanced(db):
    """Use in stock tests: after the test, every balance must equal the sum of its ledger rows."""
    yield
    _checked, differences = stock_ledger_differences()
    assert differences == []
