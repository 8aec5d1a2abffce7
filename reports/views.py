"""Report downloads and printouts of documents (both through the job runner)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect

from inventory.models import GoodsReceipt, Stocktake, Transfer
from inventory.selectors import shops_for_user, user_sees_all_shops
from sales.models import Shift

from .jobs import report_job_start
from .models import ReportFile, ReportStatus

DOCUMENT_REPORTS = {
    "goods_receipt": (GoodsReceipt, "inventory.view_goodsreceipt"),
    "transfer_note": (Transfer, "inventory.view_transfer"),
    "stocktake_sheet": (Stocktake, "inventory.view_stocktake"),
    "stocktake_differences": (Stocktake, "inventory.view_stocktake"),
    "z_report": (Shift, "sales.view_shift"),
}


def user_may_see_shops(user, shop_ids) -> bool:
    if user_sees_all_shops(user):
        return True
    mine = set(shops_for_user(user=user).values_list("pk", flat=True))
    return bool(shop_ids) and any(s in mine for s in shop_ids)


@staff_member_required
def document_report(request, report: str, pk: int, fmt: str):
    """Print a document: the file is generated (at once when Celery is eager) and downloaded."""
    if report not in DOCUMENT_REPORTS or fmt not in ("pdf", "xlsx"):
        raise Http404
    model, permission = DOCUMENT_REPORTS[report]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    document = get_object_or_404(model, pk=pk)
    if not user_may_see_shops(request.user, document.shop_ids()):
        raise Http404
    job = report_job_start(report=report, fmt=fmt, params={"document_id": document.pk}, user=request.user)
    return redirect("reports:wait", pk=job.pk)


@staff_member_required
def wait(request, pk: int):
    """Hand over the file when it is ready; otherwise the report centre shows its progress."""
    job = get_object_or_404(ReportFile, pk=pk)
    if job.created_by_id != request.user.pk and not user_sees_all_shops(request.user):
        raise Http404
    if job.status == ReportStatus.DONE:
        return redirect("reports:download", pk=job.pk)
    return redirect("admin:reports_reportfile_changelist")


@staff_member_required
def download(request, pk: int):
    job = get_object_or_404(ReportFile, pk=pk, status=ReportStatus.DONE)
    if job.created_by_id != request.user.pk and not user_may_see_shops(request.user, job.shop_ids):
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1])
