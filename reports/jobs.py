"""The report job runner: create a ReportFile, render it in the background, keep the file.

Imports no domain app: definitions are found by name in the registry.
"""

import hashlib
import json
import logging
import tempfile
import threading
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import registry
from .models import ReportFile, ReportStatus
from .pdf import PdfTable, render_table_pdf
from .xlsx import TotalRow, column_sums, write_table

logger = logging.getLogger(__name__)

# A queued or running job older than this no longer absorbs identical requests (a lost worker).
DEDUPLICATE_WITHIN = timedelta(hours=2)


def request_key(*, report: str, fmt: str, params: dict, user_id: int | None, language: str = "") -> str:
    """What makes two requests identical: user, report, format, parameters and language."""
    raw = json.dumps([report, fmt, params, user_id, language], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def report_job_start(
    *,
    report: str,
    fmt: str,
    params: dict,
    user,
    shop_ids=None,
    title: str | None = None,
    source=None,
    language: str | None = None,
) -> ReportFile:
    """Queue a report; the task starts after the transaction commits (at once when Celery is eager).

    A second identical request (same user, report, format, parameters) while the first is
    queued or running returns the first job. `shop_ids` are the shops the file will cover,
    when known before it runs (the runner sets them from the report's data anyway).
    `source` is an uploaded file (imports): such jobs are never merged. The file's titles and
    headings are in `language` (default: the active one, the requester's).
    """
    definition = registry.get(report)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if fmt not in definition.formats:
        raise ValueError(f"{report} has no {fmt} format")
    key = (
        ""
        if source is not None
        else request_key(report=report, fmt=fmt, params=params, user_id=user.pk, language=language)
    )
    with transaction.atomic():
        if key:
            # One requester at a time: two identical clicks cannot both create a job.
            list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
            running = (
                ReportFile.objects.filter(
                    request_key=key,
                    status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
                    created_at__gte=timezone.now() - DEDUPLICATE_WITHIN,
                )
                .order_by("-pk")
                .first()
            )
            if running is not None:
                return running
        job = ReportFile(
            report=report,
            title=(title or str(definition.label))[:255],
            format=fmt,
            params=params,
            created_by=user,
            request_key=key,
            shop_ids=sorted(set(shop_ids or [])),
            language=language,
        )
        if source is not None:
            job.source.save(getattr(source, "name", None) or "upload.xlsx", source, save=False)
        job.save()
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    if settings.REPORT_JOBS_IN_THREAD and settings.CELERY_TASK_ALWAYS_EAGER:
        job = ReportFile.objects.only("report").get(pk=job_id)
        if job.report not in registry.DOCUMENTS:  # a document's printout is small: the user waits for it
            threading.Thread(target=_run_in_thread, args=(job_id,), name=f"report-{job_id}", daemon=True).start()
            return
    report_generate.delay(job_id)


def _run_in_thread(job_id: int) -> None:
    """The demo without a broker: the request returns at once and the job runs beside it, with progress."""
    try:
        report_job_run(job_id=job_id)
    finally:
        connection.close()  # the thread's own connection


@shared_task(name="reports.report_generate")
def report_generate(job_id: int) -> str:
    """Render one queued report file (the task is here, beside its runner: no jobs <-> tasks circle)."""
    return report_job_run(job_id=job_id).status


def job_progress(job_id: int, *, done: int, total: int) -> None:
    """Record progress of a running job (0-99 %; 100 when its file is saved)."""
    if total:
        ReportFile.objects.filter(pk=job_id).update(progress=min(99, int(done * 100 / total)), rows=done)


def report_job_run(*, job_id: int) -> ReportFile:
    """Render a queued report. Safe to run twice: a finished job is left alone."""
    with transaction.atomic():
        job = ReportFile.objects.select_for_update().get(pk=job_id)
        if job.status in (ReportStatus.DONE, ReportStatus.RUNNING):
            return job
        job.status = ReportStatus.RUNNING
        job.save(update_fields=["status"])
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            _run(job)
    except Exception as exc:  # a failed report is shown to its owner, not lost in a log
        logger.exception("report %s failed", job.pk)
        ReportFile.objects.filter(pk=job.pk).update(
            status=ReportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        job.refresh_from_db()
    return job


def _run(job: ReportFile) -> None:
    """Build the report's data, render its file and keep it (in the job's language)."""
    definition = registry.get(job.report)
    data = definition.build(job.params, job=job) if definition.takes_job else definition.build(job.params)
    total = data.total_rows or 0

    def progress(done: int) -> None:
        job_progress(job.pk, done=done, total=total)

    # Rendered to a temporary file, not to memory: a 100,000-row export stays small in RAM.
    with tempfile.TemporaryFile() as output:
        rows = _render(job.format, data, progress, output)
        output.seek(0)
        job.title = str(data.title)[:255]
        job.filename = str(data.filename or data.title)[:255]
        job.shop_ids = sorted(set(data.shop_ids))
        job.rows = rows
        name = f"{slugify(data.title) or job.report}-{timezone.localdate():%Y%m%d}-{job.pk}.{job.format}"
        job.file.save(name, File(output), save=False)
    job.status, job.progress, job.finished_at = ReportStatus.DONE, 100, timezone.now()
    job.error = data.message or ""
    job.save()


def _render(fmt: str, data, progress, output) -> int:
    if data.archive is not None:
        return data.archive(output, progress)
    company = registry.company()
    if fmt == "xlsx":

        def counted(rows):
            for n, row in enumerate(rows, start=1):
                if n % 2000 == 0:
                    progress(n)
                yield row

        return write_table(
            output,
            columns=data.columns,
            rows=counted(data.rows),
            sheet_title=data.title[:31],
            title_lines=() if data.plain else [*company.heading_lines(), data.title, *data.subtitle_lines],
            totals=data.totals,
            total_label=_("Total"),
            continued_note=_("Too many rows for one sheet: the list goes on in the next sheets."),
            expected_rows=data.total_rows,
        )
    rows = list(data.rows)
    totals = data.totals
    if data.group_by is not None:
        rows = with_group_totals(rows, data.columns, data.group_by, label=_("Total %(group)s"))
    if totals is None:
        sums = column_sums(data.columns)
        for row in rows:
            if not isinstance(row, TotalRow):
                sums.add(row)
        totals = sums.row(_("Total"))
    table = PdfTable(
        title=data.title,
        columns=data.columns,
        rows=rows,
        subtitle_lines=data.subtitle_lines,
        signatures=data.signatures,
        totals=totals,
        landscape=data.landscape,
        heading_lines=company.heading_lines(),
    )
    output.write(render_table_pdf(table, progress=progress))
    return len([r for r in rows if not isinstance(r, TotalRow)])


def with_group_totals(rows, columns, group_by: int, *, label: str) -> list:
    """`rows` (sorted by column `group_by`) with a subtotal row after each group of the `total` columns."""
    out: list = []
    current, sums = object(), None

    def close():
        if sums is not None:
            row = sums.row(label % {"group": current})
            if row is not None:
                out.append(TotalRow(row))

    for row in rows:
        key = row[group_by]
        if key != current:
            close()
            current, sums = key, column_sums(columns)
        sums.add(row)
        out.append(row)
    close()
    return out
