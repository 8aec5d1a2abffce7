from celery import shared_task

from .jobs import report_job_run


@shared_task(name="reports.report_generate")
def report_generate(job_id: int) -> str:
    """Render one queued report file."""
    return report_job_run(job_id=job_id).status
