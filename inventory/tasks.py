"""Celery tasks of the inventory app: each only calls a service."""

from celery import shared_task

from .services.recost import stock_recost_pending as _recost_pending


@shared_task(name="inventory.stock_recost_pending")
def stock_recost_pending() -> int:
    """Re-cost the queued (shop, product) pairs."""
    return _recost_pending()


@shared_task(name="inventory.ledgers_check")
def ledgers_check(run_id: int | None = None) -> dict:
    """Compare every balance with the sum of its ledger rows; the result is kept for the owner.

    Nightly without `run_id` (a new run); from the admin's "Check now" with the run it queued.
    """
    from .services.checks import ledgers_check as check

    run = check(run_id=run_id)
    return {"pairs_checked": run.pairs_checked, "differences": run.differences}
