"""Admin of bank statements: column maps per bank account, the import page (row-by-row errors), the lines with
their matching status, "Match again" and the bookkeeper's page that assigns an unmatched line by hand.

Bank accounts are the company's: only users who see all shops (owner, accountant) see these pages.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_mixins import BaseAdmin
from inventory.exceptions import DomainError
from inventory.imports import ImportFileError
from inventory.money import format_money
from inventory.scoping import user_sees_all_shops

from .choices import LocationKind, StatementLineStatus
from .models import BankColumnMap, BankStatement, BankStatementLine, CashLocation
from .selectors import encashments_open
from .statements import (
    MAX_ERRORS,
    MAX_FILE_BYTES,
    bank_statement_import,
    statement_line_assign,
    statement_lines_rematch,
)


class CompanyOnlyMixin:
    """Pages of the company's bank accounts: for users who see every shop."""

    def has_module_permission(self, request):
        return user_sees_all_shops(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return user_sees_all_shops(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return user_sees_all_shops(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return user_sees_all_shops(request.user) and super().has_change_permission(request, obj)


@admin.register(BankColumnMap)
class BankColumnMapAdmin(CompanyOnlyMixin, BaseAdmin):
    list_display = [
        "bank_account",
        "date_column",
        "amount_column",
        "debit_column",
        "purpose_column",
        "counterparty_column",
        "match_window_days",
    ]
    list_select_related = ["bank_account"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "bank_account":
            kwargs["queryset"] = CashLocation.objects.filter(kind=LocationKind.BANK)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StatementImportForm(forms.Form):
    bank_account = forms.ModelChoiceField(
        label=gettext_lazy("bank account"), queryset=CashLocation.objects.filter(kind=LocationKind.BANK, is_active=True)
    )
    file = forms.FileField(label=gettext_lazy("Statement file (.xlsx or .csv)"))


@admin.register(BankStatement)
class BankStatementAdmin(CompanyOnlyMixin, BaseAdmin):
    list_display = [
        "imported_at",
        "bank_account",
        "file_name",
        "lines_read",
        "lines_new",
        "lines_matched",
        "imported_by",
        "lines_link",
    ]
    list_filter = ["bank_account"]
    list_select_related = ["bank_account", "imported_by"]
    change_list_template = "admin/cash/bankstatement/change_list.html"
    readonly_fields = [f.name for f in BankStatement._meta.fields]

    @admin.display(description=gettext_lazy("lines"))
    def lines_link(self, obj):
        url = reverse("admin:cash_bankstatementline_changelist") + f"?statement__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("lines"))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        # A statement is added by importing its file.
        return self.import_view(request)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="cash_bankstatement_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StatementImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_FILE_BYTES:
                    raise ImportFileError(
                        _("The file is %(size)d KB; the limit is %(limit)d KB.")
                        % {"size": upload.size // 1024, "limit": MAX_FILE_BYTES // 1024}
                    )
                result = bank_statement_import(
                    bank_account_id=form.cleaned_data["bank_account"].pk,
                    data=upload.read(),
                    file_name=upload.name,
                    actor=request.user,
                )
            except (ImportFileError, DomainError) as exc:
                form.add_error("file", str(getattr(exc, "message", exc)))
            else:
                if result.errors:
                    report = {"errors": result.errors, "error_count": len(result.errors), "errors_not_listed": 0}
                else:
                    return self._imported(request, result)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import a bank statement"),
            "form": form,
            "report": report,
            "help_text": _(
                "Excel (.xlsx) or CSV, up to %(kb)d KB, with the columns named in the bank account's column map. "
                "Lines imported before are skipped. At most %(errors)d errors are listed."
            )
            % {"kb": MAX_FILE_BYTES // 1024, "errors": MAX_ERRORS},
        }
        return render(request, "admin/inventory/stock_import.html", context)

    def _imported(self, request, result):
        self.message_user(
            request,
            _(
                "%(read)d lines read: %(new)d new, %(known)d imported before; %(matched)d matched and posted. "
                "The rest wait to be assigned."
            )
            % {
                "read": result.lines_read,
                "new": result.lines_new,
                "known": result.lines_known,
                "matched": result.lines_matched,
            },
            messages.SUCCESS,
        )
        for refusal in result.refusals[:20]:
            self.message_user(request, _("Row %(refusal)s") % {"refusal": refusal}, messages.WARNING)
        url = reverse("admin:cash_bankstatementline_changelist") + f"?statement__id__exact={result.statement.pk}"
        return HttpResponseRedirect(url)


class AssignForm(forms.Form):
    encashment = forms.ModelChoiceField(
        label=gettext_lazy("encashment credited"), queryset=encashments_open().none(), required=False
    )
    acquirer = forms.ModelChoiceField(
        label=gettext_lazy("card acquirer"),
        queryset=CashLocation.objects.filter(kind=LocationKind.CARD),
        required=False,
    )
    takings_date = forms.DateField(
        label=gettext_lazy("card takings of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ignore = forms.BooleanField(label=gettext_lazy("Not for the cash ledger"), required=False)
    note = forms.CharField(label=gettext_lazy("note"), max_length=200, required=False)

    def __init__(self, *args, line: BankStatementLine, **kwargs):
        super().__init__(*args, **kwargs)
        # Encashments still in transit from the two months before the line (a bounded list), newest first.
        self.fields["encashment"].queryset = (
            encashments_open(date_from=line.line_date - datetime.timedelta(days=62), date_to=line.line_date)
            .select_related("location")
            .order_by("-business_date", "-pk")
        )
        self.fields["encashment"].label_from_instance = lambda o: (
            f"{o.number} · {o.business_date:%d.%m.%Y} · {format_money(o.amount)}"
        )


@admin.register(BankStatementLine)
class BankStatementLineAdmin(CompanyOnlyMixin, BaseAdmin):
    list_display = [
        "line_date",
        "bank_account",
        "amount",
        "counterparty",
        "purpose",
        "status",
        "order",
        "assign_link",
    ]
    list_filter = ["status", "bank_account", "statement", "line_date"]
    list_select_related = ["bank_account", "order"]
    search_fields = ["purpose", "counterparty", "order__number"]
    date_hierarchy = "line_date"
    show_full_result_count = False
    actions = ["match_again"]
    readonly_fields = [f.name for f in BankStatementLine._meta.fields]

    @admin.display(description=gettext_lazy("assign"))
    def assign_link(self, obj):
        if obj.status != StatementLineStatus.UNMATCHED:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cash_bankstatementline_assign", args=[obj.pk]), _("Assign")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:line_id>/assign/",
                self.admin_site.admin_view(self.assign_view),
                name="cash_bankstatementline_assign",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Match the selected lines again"), permissions=["change"])
    def match_again(self, request, queryset):
        matched = statement_lines_rematch(line_ids=list(queryset.values_list("pk", flat=True)), actor=request.user)
        self.message_user(request, _("Lines matched and posted: %(count)d.") % {"count": matched}, messages.SUCCESS)

    def assign_view(self, request, line_id):
        line = self.get_object(request, str(line_id))
        if line is None or not self.has_change_permission(request, line):
            raise PermissionDenied
        form = AssignForm(request.POST or None, line=line)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                statement_line_assign(
                    line_id=line.pk,
                    actor=request.user,
                    encashment_id=data["encashment"].pk if data["encashment"] else None,
                    acquirer_id=data["acquirer"].pk if data["acquirer"] else None,
                    takings_date=data["takings_date"],
                    ignore=data["ignore"],
                    note=data["note"],
                )
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message)
            else:
                self.message_user(request, _("The line is resolved."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:cash_bankstatementline_changelist") + "?status__exact=unmatched"
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Assign a bank statement line"),
            "form": form,
            "line": line,
            "amount": format_money(line.amount),
            "help_text": _(
                "Choose the encashment this credit is, or the acquirer and the day of card takings it settles "
                "(the acquirer's fee is the takings less this amount), or mark it as not for the cash ledger "
                "with a note."
            ),
        }
        return render(request, "admin/cash/assign_line.html", context)
