"""Celery tasks of reordering: each only calls a service."""

from celery import shared_task

from .services.reorder import reorder_run, reorder_run_execute


@shared_task(name="purchasing.reorder_run_nightly")
def reorder_run_nightly() -> dict:
    """The nightly run (django-celery-beat, editable in the admin): proposals and draft orders for today."""
    run = reorder_run()
    return {"run": run.pk, "proposals": run.proposals, "orders": run.orders, "transfers": run.transfers}


@shared_task(name="purchasing.reorder_run_execute")
def reorder_run_execute_task(run_id: int) -> dict:
    """A run queued from the admin's button; a run already done is left alone (safe to repeat)."""
    run = reorder_run_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status}
