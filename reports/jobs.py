"""The report job runner: create a ReportFile, render it in the background, keep the file.

Imports no domain app: definitions are found by name in the registry.
"""

import io
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from . import registry
from .models import ReportFile, ReportStatus
from .pdf import PdfTable, render_table_pdf
from .xlsx import write_table

logger = logging.getLogger(__name__)


def report_job_start(*, report: str, fmt: str, params: dict, user) -> ReportFile:
    """Queue a report; the task starts after the transaction commits (at once when Celery is eager)."""
    definition = registry.get(report)
    if fmt not in definition.formats:
        raise ValueError(f"{report} has no {fmt} format")
    job = ReportFile.objects.create(
        report=report, title=str(definition.label), format=fmt, params=params, created_by=user
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import report_generate

    report_generate.delay(job_id)


def report_job_run(*, job_id: int) -> ReportFile:
    """Render a queued report. Safe to run twice: a finished job is left alone."""
    with transaction.atomic():
        job = ReportFile.objects.select_for_update().get(pk=job_id)
        if job.status in (ReportStatus.DONE, ReportStatus.RUNNING):
            return job
        job.status = ReportStatus.RUNNING
        job.save(update_fields=["status"])
    try:
        data = registry.get(job.report).build(job.params)
        total = data.total_rows or 0

        def progress(done: int) -> None:
            if total:
                ReportFile.objects.filter(pk=job.pk).update(progress=min(99, int(done * 100 / total)), rows=done)

        content, rows = _render(job.format, data, progress)
        job.title = data.title
        job.shop_ids = data.shop_ids
        job.rows = rows
        name = f"{slugify(data.title) or job.report}-{timezone.localdate():%Y%m%d}-{job.pk}.{job.format}"
        job.file.save(name, ContentFile(content), save=False)
        job.status, job.progress, job.finished_at = ReportStatus.DONE, 100, timezone.now()
        job.save()
    except Exception as exc:  # a failed report is shown to its owner, not lost in a log
        logger.exception("report %s failed", job.pk)
        ReportFile.objects.filter(pk=job.pk).update(
            status=ReportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
    return job


def _render(fmt: str, data, progress) -> tuple[bytes, int]:
    if fmt == "xlsx":
        buffer = io.BytesIO()

        def counted(rows):
            for n, row in enumerate(rows, start=1):
                if n % 2000 == 0:
                    progress(n)
                yield row

        count = write_table(
            buffer,
            columns=data.columns,
            rows=counted(data.rows),
            sheet_title=data.title[:31],
            title_lines=[data.title, *data.subtitle_lines],
        )
        return buffer.getvalue(), count
    rows = list(data.rows)
    table = PdfTable(
        title=data.title,
        columns=data.columns,
        rows=rows,
        subtitle_lines=data.subtitle_lines,
        signatures=data.signatures,
        totals=data.totals,
        landscape=data.landscape,
    )
    return render_table_pdf(table, progress=progress), len(rows)
