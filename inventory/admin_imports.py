"""Admin pages for the stock imports (stocktake counts, opening balances)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exceptions import DomainError
from .imports import ImportFileError, xlsx_row_count
from .models import Shop
from .selectors import shops_for_user
from .stock_imports import opening_balance_import, stocktake_counts_import


class CountsForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))
    replace = forms.BooleanField(label=gettext_lazy("Replace counts instead of adding to them"), required=False)


class OpeningForm(forms.Form):
    shop = forms.ModelChoiceField(label=gettext_lazy("shop"), queryset=Shop.objects.none())
    business_date = forms.DateField(
        label=gettext_lazy("date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))


def import_in_background(model_admin, request, *, report: str, params: dict, file, shop_ids, title: str):
    """A file longer than IMPORT_BACKGROUND_ROWS is imported by a background job (with progress,
    its row-by-row result downloadable in the report centre): the redirect there, or None.

    Raises ImportFileError for a file beyond a limit or not a workbook.
    """
    rows = xlsx_row_count(file)
    if rows <= settings.IMPORT_BACKGROUND_ROWS:
        return None
    from reports.jobs import report_job_start  # the report engine runs imports in the background

    report_job_start(
        report=report, fmt="xlsx", params=params, user=request.user, source=file, shop_ids=shop_ids, title=title
    )
    model_admin.message_user(
        request,
        _(
            "The file has %(rows)s rows: it is being imported in the background. "
            "The result, row by row, will be listed here."
        )
        % {"rows": f"{rows:,}"},
        messages.INFO,
    )
    return HttpResponseRedirect(reverse("admin:reports_reportfile_changelist"))


def _render(model_admin, request, title, form, report, help_text):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "form": form,
        "report": report,
        "help_text": help_text,
    }
    return render(request, "admin/inventory/stock_import.html", context)


def stocktake_import_counts_view(model_admin):
    def view(request, object_id):
        document = model_admin.get_object(request, object_id)
        if not model_admin.has_change_permission(request, document):
            raise PermissionDenied
        report = None
        form = CountsForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                background = import_in_background(
                    model_admin,
                    request,
                    report="import_stocktake_counts",
                    params={"document_id": document.pk, "replace": form.cleaned_data["replace"]},
                    file=form.cleaned_data["file"],
                    shop_ids=[document.shop_id],
                    title=_("Import counts into %(doc)s") % {"doc": document.number},
                )
                if background is not None:
                    return background
                report = stocktake_counts_import(
                    document_id=document.pk, file=form.cleaned_data["file"], replace=form.cleaned_data["replace"]
                )
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if report.applied:
                    model_admin.message_user(
                        request,
                        _("Counts imported: %(updated)d lines updated, %(created)d added.")
                        % {"updated": report.updated, "created": report.created},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:inventory_stocktake_change", args=[document.pk]))
        help_text = _("Columns: Code (barcode, scale barcode or SKU) and Quantity. Rows of the same product add up.")
        return _render(
            model_admin, request, _("Import counts into %(doc)s") % {"doc": document.number}, form, report, help_text
        )

    return view


def opening_balance_import_view(model_admin):
    def view(request):
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        report = None
        form = OpeningForm(request.POST or None, request.FILES or None)
        form.fields["shop"].queryset = shops_for_user(user=request.user).trading()
        if request.method == "POST" and form.is_valid():
            try:
                background = import_in_background(
                    model_admin,
                    request,
                    report="import_opening_balance",
                    params={
                        "shop_id": form.cleaned_data["shop"].pk,
                        "business_date": form.cleaned_data["business_date"].isoformat(),
                    },
                    file=form.cleaned_data["file"],
                    shop_ids=[form.cleaned_data["shop"].pk],
                    title=_("Import opening balances"),
                )
                if background is not None:
                    return background
                report, document = opening_balance_import(
                    shop=form.cleaned_data["shop"],
                    file=form.cleaned_data["file"],
                    business_date=form.cleaned_data["business_date"],
                    actor=request.user,
                )
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if document is not None:
                    model_admin.message_user(
                        request,
                        _("Draft %(doc)s created with %(count)d lines: check it and post it.")
                        % {"doc": document.number, "count": report.created},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:inventory_openingbalance_change", args=[document.pk]))
        help_text = _("Columns: Code (barcode or SKU), Quantity, Unit cost. A draft opening balance is created.")
        return _render(model_admin, request, _("Import opening balances"), form, report, help_text)

    return view
