"""The report engine's Celery task, where Celery's autodiscovery looks for it; defined in `jobs`."""

from .jobs import report_generate

__all__ = ["report_generate"]
