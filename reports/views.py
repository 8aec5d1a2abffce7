"""Report downloads and printouts of documents (both through the job runner).

A file is handed to a user only when they have the view permission on report files and the
shop scope registered with `reports.registry` (inventory/scoping.py) lets them see its shops:
every shop of a report, any shop of a document's printout (`report_file_visible`). Files are
named by an unguessable token, never by their id. Printable documents are those the apps
registered (`registry.document_register`). Imports no domain app.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import translation
from django.views.decorators.http import require_POST

from . import registry
from .files import content_disposition, download_name
from .jobs import report_job_start
from .models import ReportFile, ReportStatus
from .xlsx import XLSX_CONTENT_TYPE

VIEW_PERMISSION = "reports.view_reportfile"
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "pdf": "application/pdf", "zip": "application/zip"}


def report_file_visible(user, job: ReportFile) -> bool:
    """May `user` have this file: the view permission, and the shops it covers are theirs to see.

    A report over shops needs every one of them (a report over shops 01-04 is not for the
    manager of 01-02). A document's printout is the document: whoever may see the document
    (any one of its shops, as in the admin and the API) may have it.
    """
    if not user.has_perm(VIEW_PERMISSION):
        return False
    scope = registry.scope()
    if job.report in registry.DOCUMENTS:
        return scope.user_may_see_any_shop(user, job.shop_ids)
    return scope.user_may_see_shops(user, job.shop_ids)


@staff_member_required
@require_POST
def document_report(request, report: str, pk: int, fmt: str):
    """Print a document (POST): the file is generated (at once when Celery is eager) and downloaded.

    A second identical request while the first runs gets the running job.
    """
    printable = registry.DOCUMENTS.get(report)
    if printable is None or fmt not in ("pdf", "xlsx"):
        raise Http404
    if not request.user.has_perm(printable.permission):
        raise PermissionDenied
    document = get_object_or_404(printable.model, pk=pk)
    if not registry.scope().user_may_see_any_shop(request.user, document.shop_ids()):
        raise Http404
    job = report_job_start(
        report=report, fmt=fmt, params={"document_id": document.pk}, user=request.user, shop_ids=document.shop_ids()
    )
    return redirect("reports:wait", token=job.token)


def _job(request, token: str, **filters) -> ReportFile:
    job = get_object_or_404(ReportFile, token=token, **filters)
    if not report_file_visible(request.user, job):
        raise Http404
    return job


@staff_member_required
def wait(request, token: str):
    """Hand over the file when it is ready; otherwise the report centre shows its progress."""
    job = _job(request, token)
    if job.status == ReportStatus.DONE and job.file:
        return redirect("reports:download", token=job.token)
    return redirect("admin:reports_reportfile_changelist")


@staff_member_required
def download(request, token: str):
    """The file, sent by Django or, with REPORT_FILE_SENDFILE, by the web server after this check."""
    job = _job(request, token, status=ReportStatus.DONE)
    if not job.file:
        raise Http404
    language = translation.get_language()
    definition = registry.REPORTS.get(job.report)
    if job.language and language and job.language != language and definition and not definition.takes_job:
        # Titles and headings in the reader's language: the same report, rendered for them.
        again = report_job_start(
            report=job.report, fmt=job.format, params=job.params, user=request.user, shop_ids=job.shop_ids
        )
        return redirect("reports:wait", token=again.token)
    filename = download_name(job.filename or job.title, job.format)
    mode = settings.REPORT_FILE_SENDFILE
    if not mode:
        response = FileResponse(job.file.open("rb"), as_attachment=True, filename=filename)
        response["Content-Disposition"] = content_disposition(filename)
        return response
    response = HttpResponse(content_type=CONTENT_TYPES.get(job.format, "application/octet-stream"))
    if mode == "x-accel-redirect":
        response["X-Accel-Redirect"] = settings.REPORT_FILE_SENDFILE_PREFIX.rstrip("/") + "/" + quote(job.file.name)
    else:
        response["X-Sendfile"] = job.file.path
    response["Content-Disposition"] = content_disposition(filename)
    return response
