"""Sales writes stock and postings only through inventory's public services (issue 9, "through the front door")."""

import ast
from decimal import Decimal
from pathlib import Path

from inventory.services import cost_share

SALES = Path(__file__).resolve().parents[2] / "sales"
INVENTORY_TABLES = {"Posting", "StockLedgerEntry", "StockBalance", "RecostRequest"}
INTERNALS = {"balances_for_update", "balances_update", "ledger_write", "entries_insert", "stock_write"}


def _modules():
    for path in sorted(SALES.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text())


def test_sales_services_import_no_ledger_internals_and_no_inventory_table_writers():
    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("inventory"):
                names = {alias.name for alias in node.names}
                if node.module in ("inventory.services.ledger", "inventory.services.kernel") or names & INTERNALS:
                    offenders.append(f"{path.name}: from {node.module} import {sorted(names)}")
                if path.parent.name == "services" and node.module == "inventory.models" and names & INVENTORY_TABLES:
                    offenders.append(f"{path.name}: imports {sorted(names & INVENTORY_TABLES)}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "rows_insert" and node.args:
                target = getattr(node.args[0], "id", None)
                if target in INVENTORY_TABLES:
                    offenders.append(f"{path.name}: rows_insert({target}, ...)")
    assert offenders == []


def test_a_share_of_cost_and_the_exact_remainder_for_the_last_part():
    third = cost_share(
        cost=Decimal("10.00"), quantity=Decimal("1"), of_quantity=Decimal("3"), taken_quantity=0, taken_cost=0
    )
    assert third == Decimal("3.33")
    second = cost_share(
        cost=Decimal("10.00"), quantity=Decimal("1"), of_quantity=Decimal("3"), taken_quantity=1, taken_cost=third
    )
    last = cost_share(
        cost=Decimal("10.00"),
        quantity=Decimal("1"),
        of_quantity=Decimal("3"),
        taken_quantity=2,
        taken_cost=third + second,
    )
    assert (second, last) == (Decimal("3.33"), Decimal("3.34"))
