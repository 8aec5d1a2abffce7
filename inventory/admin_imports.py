"""Admin pages for the stock imports (stocktake counts, opening balances)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exceptions import DomainError
from .imports import ImportFileError
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
