"""Admin of settlements with suppliers: payments (Post, Cancel), payables, allocations, invoices; the supplier
list and page with balance, overdue amount and next due date; the reconciliation statement (one supplier, or
many as a zip) and the import of a supplier's own statement.

Shop managers see their shops' rows only (every list is scoped and exports to Excel); the supplier
figures add up the user's shops only. The payables ledger and balances get their pages from the kernel's
registry (inventory/admin_ledgers.py).
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory import admin as inventory_admin
from inventory.admin_mixins import BaseAdmin, DocumentAdminMixin, ReadOnlyAdminMixin, ShopScopedAdminMixin
from inventory.exceptions import DomainError
from inventory.imports import ImportFileError
from inventory.models import Shop, Supplier
from inventory.money import format_money
from inventory.scoping import shops_for_user, user_may_see_shops, user_sees_all_shops, visible_to
from reports.jobs import report_job_start

from .models import (
    Payable,
    PayableAllocation,
    PayablesOpening,
    PayablesOpeningLine,
    PaymentMethod,
    SupplierInvoice,
    SupplierPayment,
)
from .services.settlements import (
    payable_allocate,
    payable_allocation_release,
    payables_opening_cancel,
    payables_opening_post,
    supplier_invoice_record,
    supplier_payment_cancel,
    supplier_payment_post,
)
from .services.statement_import import statement_match, supplier_statement_read
from .settlement_selectors import MAX_STATEMENT_DAYS, statement, supplier_figures_annotate


def _user_shop_ids(user) -> list[int] | None:
    """None for users who see every shop; else the ids of their shops (supplier figures add up only those)."""
    if user_sees_all_shops(user):
        return None
    return list(shops_for_user(user=user).values_list("pk", flat=True))


@admin.register(SupplierPayment)
class SupplierPaymentAdmin(ShopScopedAdminMixin, DocumentAdminMixin, BaseAdmin):
    post_service = supplier_payment_post
    cancel_service = supplier_payment_cancel
    list_display = ["number", "business_date", "supplier", "shop", "method", "amount", "status", "cash_order"]
    list_filter = ["status", "method", "shop", "business_date"]
    list_select_related = ["supplier", "shop", "cash_order"]
    search_fields = ["number", "supplier__name", "bank_reference"]
    autocomplete_fields = ["supplier"]
    show_full_result_count = False
    fields = [
        "number",
        "status",
        "business_date",
        "supplier",
        "shop",
        "method",
        "amount",
        "bank_location",
        "bank_reference",
        "cash_order",
        "comment",
        "created_by",
        "created_at",
        "posted_by",
        "posted_at",
        "cancelled_by",
        "cancelled_at",
    ]

    def get_queryset(self, request):
        # A payment has no lines: skip the document mixin's line count.
        return visible_to(super(DocumentAdminMixin, self).get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "cash_order"]

    def get_document_links(self, request, obj):
        url = reverse("admin:purchasing_payableallocation_changelist") + f"?credit__source_id={obj.pk}"
        return [(_("Allocations"), url)]


class PayablesOpeningLineInline(admin.TabularInline):
    model = PayablesOpeningLine
    extra = 3
    autocomplete_fields = ["supplier"]
    fields = ["supplier", "shop", "amount", "due_date", "document_number"]


@admin.register(PayablesOpening)
class PayablesOpeningAdmin(ShopScopedAdminMixin, DocumentAdminMixin, BaseAdmin):
    """Go-live balances with suppliers: lines of supplier, shop, amount (negative: an advance), due date."""

    post_service = payables_opening_post
    cancel_service = payables_opening_cancel
    inlines = [PayablesOpeningLineInline]
    list_display = ["number", "business_date", "line_count", "status", "comment"]
    list_filter = ["status", "business_date"]
    search_fields = ["number", "comment"]
    fields = ["number", "status", "business_date", "comment"]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("overdue", _("overdue")), ("settled", _("settled"))]

    def queryset(self, request, queryset):
        open_items = queryset.filter(is_cancelled=False, settled_amount__lt=F("amount"))
        if self.value() == "open":
            return open_items
        if self.value() == "overdue":
            return open_items.filter(side="debt", due_date__lt=timezone.localdate())
        if self.value() == "settled":
            return queryset.filter(is_cancelled=False, settled_amount=F("amount"))
        return queryset


@admin.register(Payable)
class PayableAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    """Debts and credits with what is settled; "Allocate to the oldest debts" spends a credit's open rest."""

    list_display = [
        "document_number",
        "business_date",
        "due_date",
        "supplier",
        "shop",
        "side",
        "kind",
        "amount",
        "settled_amount",
        "open_amount_display",
        "is_cancelled",
    ]
    list_filter = [OverdueFilter, "side", "kind", "shop", "due_date"]
    list_select_related = ["supplier", "shop"]
    search_fields = ["document_number", "supplier__name"]
    date_hierarchy = "due_date"
    show_full_result_count = False
    actions = ["allocate_oldest"]

    @admin.display(description=gettext_lazy("open"))
    def open_amount_display(self, obj):
        return obj.open_amount

    @admin.action(description=gettext_lazy("Allocate to the oldest open debts"), permissions=["view"])
    def allocate_oldest(self, request, queryset):
        if not request.user.has_perm("purchasing.change_supplierpayment"):
            self.message_user(request, _("You may not allocate payments."), messages.ERROR)
            return
        done = 0
        for credit in queryset.filter(side="credit").order_by("pk"):
            if not user_may_see_shops(request.user, [credit.shop_id]):
                continue
            try:
                done += len(payable_allocate(credit_id=credit.pk, actor=request.user))
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        self.message_user(request, _("%(n)d allocations made.") % {"n": done}, messages.SUCCESS)


@admin.register(PayableAllocation)
class PayableAllocationAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["business_date", "debt", "credit", "amount", "is_manual", "released_at", "created_by"]
    list_filter = ["is_manual", "debt__shop", "business_date"]
    list_select_related = ["debt", "credit", "created_by"]
    search_fields = ["debt__document_number", "credit__document_number", "debt__supplier__name"]
    date_hierarchy = "business_date"
    show_full_result_count = False
    actions = ["release"]

    @admin.action(description=gettext_lazy("Release the allocation (both documents reopen)"), permissions=["view"])
    def release(self, request, queryset):
        if not request.user.has_perm("purchasing.change_supplierpayment"):
            self.message_user(request, _("You may not allocate payments."), messages.ERROR)
            return
        for allocation in queryset.filter(released_at__isnull=True).select_related("debt").order_by("pk"):
            if not user_may_see_shops(request.user, [allocation.debt.shop_id]):
                continue
            try:
                payable_allocation_release(allocation_id=allocation.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)


class InvoiceMatchFilter(admin.SimpleListFilter):
    title = gettext_lazy("matching")
    parameter_name = "matching"

    def lookups(self, request, model_admin):
        return [("differs", _("differs from its receipt")), ("unmatched", _("no receipt yet")), ("ok", _("agrees"))]

    def queryset(self, request, queryset):
        if self.value() == "differs":
            return queryset.exclude(difference_amount=0).filter(difference_amount__isnull=False)
        if self.value() == "unmatched":
            return queryset.filter(goods_receipt__isnull=True)
        if self.value() == "ok":
            return queryset.filter(difference_amount=0)
        return queryset


class SupplierInvoiceForm(forms.ModelForm):
    class Meta:
        model = SupplierInvoice
        fields = ["supplier", "shop", "number", "invoice_date", "amount", "vat_amount", "goods_receipt"]


@admin.register(SupplierInvoice)
class SupplierInvoiceAdmin(ShopScopedAdminMixin, BaseAdmin):
    """Invoices are recorded (and matched to their receipt) by the service; a mismatch is flagged."""

    form = SupplierInvoiceForm
    list_display = [
        "number",
        "invoice_date",
        "supplier",
        "shop",
        "amount",
        "vat_amount",
        "goods_receipt",
        "receipt_amount",
        "difference_amount",
        "flagged",
    ]
    list_filter = [InvoiceMatchFilter, "shop", "invoice_date"]
    list_select_related = ["supplier", "shop", "goods_receipt"]
    search_fields = ["number", "supplier__name", "goods_receipt__number"]
    autocomplete_fields = ["supplier"]
    raw_id_fields = ["goods_receipt"]
    date_hierarchy = "invoice_date"
    show_full_result_count = False

    @admin.display(description=gettext_lazy("differs"), boolean=True)
    def flagged(self, obj):
        return obj.is_flagged

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        try:
            recorded = supplier_invoice_record(
                supplier_id=obj.supplier_id,
                shop_id=obj.shop_id,
                number=obj.number,
                invoice_date=obj.invoice_date,
                amount=obj.amount,
                vat_amount=obj.vat_amount,
                goods_receipt_id=obj.goods_receipt_id,
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = recorded.pk
        if recorded.is_flagged:
            self.message_user(
                request,
                _("The invoice differs from its receipt by %(amount)s.") % {"amount": recorded.difference_amount},
                messages.WARNING,
            )


# --- suppliers: figures, statements ----------------------------------------------------------------


class StatementForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    shop = forms.ModelChoiceField(
        label=gettext_lazy("Shop"), queryset=Shop.objects.none(), required=False, empty_label=gettext_lazy("All shops")
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("pdf", "PDF"), ("xlsx", "Excel")])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops_for_user(user=user)
        if not user_sees_all_shops(user):
            self.fields["shop"].required = True

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("The period ends before it starts."))
            elif (end - start).days > MAX_STATEMENT_DAYS:
                self.add_error("date_to", _("A statement covers at most three years."))
        return data


class StatementImportForm(StatementForm):
    file = forms.FileField(label=gettext_lazy("The supplier's statement (.xlsx)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["format"]


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


class SupplierAdmin(inventory_admin.SupplierAdmin):
    """Inventory's supplier admin with settlements: balance, overdue amount, next due date (subqueries: the list
    costs the same queries however many suppliers it shows), a statement and a statement import per supplier."""

    list_display = [
        "name",
        "tax_id",
        "phone",
        "payment_terms_days",
        "balance_amount",
        "overdue_amount",
        "next_due_date",
        "is_active",
    ]
    readonly_fields = ["balance_amount", "overdue_amount", "next_due_date", "settlement_links"]
    fieldsets = [
        *inventory_admin.SupplierAdmin.fieldsets,
        (
            gettext_lazy("Settlements"),
            {"fields": ["balance_amount", "overdue_amount", "next_due_date", "settlement_links"]},
        ),
    ]
    actions = ["statements_zip"]

    def get_queryset(self, request):
        return supplier_figures_annotate(
            super().get_queryset(request), on=timezone.localdate(), shop_ids=_user_shop_ids(request.user)
        )

    @admin.display(description=gettext_lazy("we owe"), ordering="balance_amount")
    def balance_amount(self, obj):
        # Formatted here: the supplier's page shows read-only method fields as they come (0.00, None).
        return format_money(getattr(obj, "balance_amount", None)) or self.get_empty_value_display()

    @admin.display(description=gettext_lazy("overdue"), ordering="overdue_amount")
    def overdue_amount(self, obj):
        return format_money(getattr(obj, "overdue_amount", None)) or self.get_empty_value_display()

    @admin.display(description=gettext_lazy("next due"), ordering="next_due_date")
    def next_due_date(self, obj):
        value = getattr(obj, "next_due_date", None)
        return formats.date_format(value, "SHORT_DATE_FORMAT") if value else self.get_empty_value_display()

    @admin.display(description=gettext_lazy("statements"))
    def settlement_links(self, obj):
        if obj is None or obj.pk is None:
            return ""
        info = self.opts.app_label, self.opts.model_name
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:{}_{}_statement".format(*info), args=[obj.pk]),
            _("Reconciliation statement"),
            reverse("admin:{}_{}_statement_import".format(*info), args=[obj.pk]),
            _("Check the supplier's statement"),
            reverse("admin:purchasing_payable_changelist") + f"?supplier__id__exact={obj.pk}",
            _("Payables"),
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:supplier_id>/statement/",
                self.admin_site.admin_view(self.statement_view),
                name="{}_{}_statement".format(*info),
            ),
            path(
                "<int:supplier_id>/statement-import/",
                self.admin_site.admin_view(self.statement_import_view),
                name="{}_{}_statement_import".format(*info),
            ),
            path(
                "statements-zip/",
                self.admin_site.admin_view(self.statements_zip_view),
                name="{}_{}_statements_zip".format(*info),
            ),
            *super().get_urls(),
        ]

    def _initial(self):
        today = timezone.localdate()
        return {"date_from": _month_start(today), "date_to": today, "format": "pdf"}

    def _page(self, request, title: str, form, **extra):
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title, "form": form, **extra}
        return render(request, "admin/purchasing/statement_form.html", context)

    def _check(self, request):
        if not self.has_view_permission(request) or not request.user.has_perm("reports.view_reportfile"):
            raise PermissionDenied

    def _params(self, data) -> dict:
        return {
            "date_from": data["date_from"].isoformat(),
            "date_to": data["date_to"].isoformat(),
            "shop_id": data["shop"].pk if data.get("shop") else None,
        }

    def statement_view(self, request, supplier_id: int):
        """One supplier's statement for a period: queued on the report engine, downloaded when ready."""
        self._check(request)
        supplier = get_object_or_404(Supplier, pk=supplier_id)
        form = StatementForm(request.POST or None, initial=self._initial(), user=request.user)
        if request.method == "POST" and form.is_valid():
            params = {
                "supplier_id": supplier.pk,
                "format": form.cleaned_data["format"],
                **self._params(form.cleaned_data),
            }
            job = report_job_start(
                report="supplier_statement", fmt=form.cleaned_data["format"], params=params, user=request.user
            )
            return redirect("reports:wait", token=job.token)
        return self._page(request, _("Reconciliation statement: %(supplier)s") % {"supplier": supplier}, form)

    @admin.action(description=gettext_lazy("Reconciliation statements (zip)"), permissions=["view"])
    def statements_zip(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:1000])
        return HttpResponseRedirect(reverse("admin:inventory_supplier_statements_zip") + f"?ids={ids}")

    def statements_zip_view(self, request):
        """Statements of the chosen suppliers (none: every supplier with payables) as one zip, in the background."""
        self._check(request)
        raw = request.GET.get("ids", "")
        ids = [int(i) for i in raw.split(",") if i.strip().isdigit()][:1000]
        form = StatementForm(request.POST or None, initial=self._initial(), user=request.user)
        if request.method == "POST" and form.is_valid():
            params = {
                "supplier_ids": ids,
                "file_format": form.cleaned_data["format"],
                **self._params(form.cleaned_data),
            }
            job = report_job_start(report="supplier_statements", fmt="zip", params=params, user=request.user)
            self.message_user(
                request, _("The statements are being prepared; they will be listed in the report centre.")
            )
            return redirect("reports:wait", token=job.token)
        count = len(ids) if ids else _("all")
        return self._page(request, _("Reconciliation statements (zip) of %(n)s suppliers") % {"n": count}, form)

    def statement_import_view(self, request, supplier_id: int):
        """The supplier's own statement, matched line by line with ours; the differences are listed."""
        self._check(request)
        supplier = get_object_or_404(Supplier, pk=supplier_id)
        form = StatementImportForm(
            request.POST or None, request.FILES or None, initial=self._initial(), user=request.user
        )
        result = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            shop_ids = [data["shop"].pk] if data.get("shop") else _user_shop_ids(request.user)
            ours = statement(
                supplier_id=supplier.pk, date_from=data["date_from"], date_to=data["date_to"], shop_ids=shop_ids
            )
            try:
                theirs = supplier_statement_read(data["file"])
            except ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                matched, differences = statement_match(ours, theirs)
                result = {"matched": matched, "differences": differences, "ours": ours, "theirs": len(theirs)}
        title = _("Check the supplier's statement: %(supplier)s") % {"supplier": supplier}
        return self._page(request, title, form, result=result, multipart=True)


admin.site.unregister(Supplier)
admin.site.register(Supplier, SupplierAdmin)

__all__ = ["PaymentMethod", "SupplierAdmin"]

# Orders and reordering: their own module, found here by the admin's autodiscovery (not in ready(),
# which runs after the site-wide wrappers: control characters refused, Excel export).
from . import admin_orders  # noqa: E402, F401
