"""Excel imports run as background jobs (files longer than IMPORT_BACKGROUND_ROWS).

The uploaded file is kept in private storage (`ReportFile.source`); the job runs the same
import service as the admin page, with progress, and its file is the row-by-row result:
every error (row, column, reason), or every change the import made or would make.
"""

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.jobs import job_progress
from reports.registry import ReportData, register
from reports.xlsx import Column

from .imports import ImportReport, nomenclature_import
from .models import Shop
from .stock_imports import opening_balance_import, stocktake_counts_import

IMPORT_NOMENCLATURE = "import_nomenclature"
IMPORT_STOCKTAKE_COUNTS = "import_stocktake_counts"
IMPORT_OPENING_BALANCE = "import_opening_balance"


def _progress(job):
    return lambda done, total: job_progress(job.pk, done=done, total=total)


def _outcome(name: str, report: ImportReport, done: str) -> ReportData:
    """The result sheet: errors when there are any (nothing was written), else the changes."""
    if report.errors:
        columns = [Column(_("Row"), width=8), Column(_("Column"), width=24), Column(_("Reason"), width=80)]
        rows = [[e.row, e.column, e.message] for e in report.errors]
        if report.errors_not_listed:
            rows.append(["", "", _("… and %(count)d more errors") % {"count": report.errors_not_listed}])
        title = _("%(name)s: %(count)d errors, nothing imported") % {"name": name, "count": report.error_count}
    else:
        columns = [
            Column(_("Row"), width=8),
            Column(_("SKU"), width=20),
            Column(_("Action"), width=14),
            Column(_("Changes"), width=80),
        ]
        rows = [[c.row, c.sku, c.action_label, "; ".join(c.changes)] for c in report.changes]
        title = f"{name}: {done}"
    return ReportData(title=title, columns=columns, rows=rows, total_rows=len(rows), plain=True)


@register(IMPORT_NOMENCLATURE, gettext_lazy("Nomenclature import"), formats=("xlsx",), takes_job=True)
def nomenclature_import_job(params: dict, *, job) -> ReportData:
    with job.source.open("rb") as file:
        report = nomenclature_import(
            file=file,
            actor=job.created_by,
            dry_run=params["dry_run"],
            price_date=parse_date(params["price_date"]) if params.get("price_date") else None,
            progress=_progress(job),
        )
    if report.applied:
        done = _("imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
    else:
        done = _("dry run, nothing was written")
    return _outcome(_("Nomenclature import"), report, done)


@register(IMPORT_STOCKTAKE_COUNTS, gettext_lazy("Stocktake counts import"), formats=("xlsx",), takes_job=True)
def stocktake_counts_import_job(params: dict, *, job) -> ReportData:
    with job.source.open("rb") as file:
        report = stocktake_counts_import(
            document_id=params["document_id"], file=file, replace=params["replace"], progress=_progress(job)
        )
    done = _("%(updated)d lines updated, %(created)d added") % {"updated": report.updated, "created": report.created}
    data = _outcome(_("Stocktake counts import"), report, done)
    data.shop_ids = list(job.shop_ids)
    return data


@register(IMPORT_OPENING_BALANCE, gettext_lazy("Opening balance import"), formats=("xlsx",), takes_job=True)
def opening_balance_import_job(params: dict, *, job) -> ReportData:
    shop = Shop.objects.get(pk=params["shop_id"])
    with job.source.open("rb") as file:
        report, document = opening_balance_import(
            shop=shop,
            file=file,
            business_date=parse_date(params["business_date"]),
            actor=job.created_by,
            progress=_progress(job),
        )
    done = (
        _("draft %(doc)s created with %(count)d lines: check it and post it")
        % {"doc": document.number, "count": report.created}
        if document is not None
        else ""
    )
    data = _outcome(_("Opening balance import"), report, done)
    data.shop_ids = [shop.pk]
    return data
