"""Loyalty's background jobs: each only calls a service (safe to run twice)."""

from celery import shared_task

from .services.points import points_daily_run as _points_daily_run


@shared_task(name="loyalty.points_daily_run")
def points_daily_run() -> dict:
    """Activate pending points that are due and write off expired ones (daily, from the beat schedule)."""
    counts = _points_daily_run()
    return {key: str(value) for key, value in counts.items()}
