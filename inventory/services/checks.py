"""Ledger invariants: every balance row equals the sum of its ledger rows."""

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from ..models import LedgerCheckRun, StockBalance, StockLedgerEntry
from ..money import round_money, round_quantity

MAX_DETAILS = 500


def stock_ledger_differences() -> tuple[int, list[dict]]:
    """(pairs checked, differences): balances that differ from SUM(entries), and sums with no balance row.

    Grouped sums in one query; compared as Decimals rounded to the column scale, because
    SQLite sums decimals as floats.
    """
    sums = {
        (row["shop_id"], row["product_id"]): (round_quantity(row["q"] or 0), round_money(row["c"] or 0))
        for row in StockLedgerEntry.objects.order_by()
        .values("shop_id", "product_id")
        .annotate(q=Sum("quantity"), c=Sum("cost_amount"))
    }
    differences = []
    checked = 0
    for shop_id, product_id, quantity, cost in StockBalance.objects.values_list(
        "shop_id", "product_id", "quantity", "cost_amount"
    ).iterator(chunk_size=5000):
        checked += 1
        ledger_q, ledger_c = sums.pop((shop_id, product_id), (Decimal("0.000"), Decimal("0.00")))
        if ledger_q != quantity or ledger_c != cost:
            differences.append(
                {
                    "ledger": "stock",
                    "shop_id": shop_id,
                    "product_id": product_id,
                    "balance_quantity": str(quantity),
                    "ledger_quantity": str(ledger_q),
                    "balance_cost": str(cost),
                    "ledger_cost": str(ledger_c),
                }
            )
    for (shop_id, product_id), (ledger_q, ledger_c) in sums.items():
        differences.append(
            {
                "ledger": "stock",
                "shop_id": shop_id,
                "product_id": product_id,
                "balance_quantity": None,
                "ledger_quantity": str(ledger_q),
                "balance_cost": None,
                "ledger_cost": str(ledger_c),
            }
        )
    return checked, differences


def ledgers_check() -> LedgerCheckRun:
    """Check every ledger and keep the result (shown in the admin under Ledger checks)."""
    run = LedgerCheckRun.objects.create()
    checked, differences = stock_ledger_differences()
    run.pairs_checked = checked
    run.differences = len(differences)
    run.details = differences[:MAX_DETAILS]
    run.finished_at = timezone.now()
    run.save()
    return run
