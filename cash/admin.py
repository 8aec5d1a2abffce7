"""Admin of cash: locations, expense categories, cash orders (Post and Cancel), the cash ledger and balances.

Shop managers see their shops' locations, orders, ledger rows and discrepancies only (the
company's bank accounts, transit and card takings are the owner's); every list exports to
Excel (the export mixin is added to every admin list).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from inventory.admin_export import ExcelExportMixin
from inventory.admin_mixins import BaseAdmin, DocumentAdminMixin, ReadOnlyAdminMixin, ShopScopedAdminMixin
from inventory.exceptions import DomainError
from inventory.scoping import user_may_see_shops, visible_to

from . import admin_bank  # noqa: F401  (bank statements' admin pages register themselves)
from .choices import LocationKind
from .models import (
    CashBalance,
    CashDeskOverLimit,
    CashierDiscrepancy,
    CashLedgerEntry,
    CashLocation,
    CashOrder,
    ExpenseCategory,
)
from .services import cash_order_cancel, cash_order_post, encashment_prepare, location_balance_ensure


@admin.register(CashLocation)
class CashLocationAdmin(ShopScopedAdminMixin, BaseAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "shop",
        "balance_amount",
        "change_fund_amount",
        "cash_limit_amount",
        "is_active",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["kind", "shop", "is_active"]
    list_select_related = ["shop", "balance"]
    search_fields = ["code", "name", "shop__code", "shop__name"]
    fields = [
        "kind",
        "code",
        "name",
        "shop",
        "is_active",
        "change_fund_amount",
        "acquirer",
        "cash_limit_amount",
        "fee_percent",
        "is_default",
        "bank_account_number",
        "balance_amount",
    ]
    readonly_fields = ["balance_amount"]

    @admin.display(description=gettext_lazy("balance"), ordering="balance__amount")
    def balance_amount(self, obj):
        balance = getattr(obj, "balance", None) if obj.pk else None
        return balance.amount if balance is not None else 0

    def get_readonly_fields(self, request, obj=None):
        # A location's kind is what its ledger rows mean: it is chosen once. Drawers belong to their till.
        fixed = ["kind"] if obj is not None else []
        if obj is not None and obj.kind == LocationKind.DRAWER:
            fixed += ["shop"]
        return [*super().get_readonly_fields(request, obj), *fixed]

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "kind":
            # Till drawers are created for their tills, not by hand.
            kwargs["choices"] = [c for c in LocationKind.choices if c[0] != LocationKind.DRAWER]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # ledger rows point at it; switch it off instead

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            location_balance_ensure(obj)


@admin.register(ExpenseCategory)
class ExpenseCategoryAdmin(ExcelExportMixin, TreeAdmin):
    form = movenodeform_factory(ExpenseCategory)
    list_display = ["name", "is_active"]
    search_fields = ["name"]
    show_full_result_count = False


class CashOrderForm(forms.ModelForm):
    """The fee is only for card settlements: left empty, it is zero."""

    class Meta:
        model = CashOrder
        fields = ["fee_amount"]  # the admin passes its own field list

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "fee_amount" in self.fields:
            self.fields["fee_amount"].required = False

    def clean_fee_amount(self):
        return self.cleaned_data.get("fee_amount") or Decimal("0")


@admin.register(CashOrder)
class CashOrderAdmin(ShopScopedAdminMixin, DocumentAdminMixin, BaseAdmin):
    form = CashOrderForm
    raw_id_fields = ["settles"]
    post_service = cash_order_post
    cancel_service = cash_order_cancel
    list_display = [
        "number",
        "business_date",
        "direction",
        "reason",
        "location",
        "amount",
        "counterparty",
        "status",
    ]
    # The other side of a move (desk, transit, bank) and the shop (the location names it; a filter
    # picks it) are on the order's page: the list fits 1366 px in Russian and Kazakh.
    list_display_links = ["number"]
    list_filter = ["status", "direction", "reason", "shop", "location__kind", "business_date"]
    list_select_related = ["shop", "location", "counter_location", "posted_by"]
    search_fields = ["number", "counterparty", "comment"]
    fields = [
        "number",
        "status",
        "business_date",
        "direction",
        "reason",
        "category",
        "location",
        "counter_location",
        "shop",
        "amount",
        "fee_amount",
        "takings_date",
        "settles",
        "counterparty",
        "comment",
        "created_by",
        "created_at",
        "posted_by",
        "posted_at",
        "cancelled_by",
        "cancelled_at",
    ]

    def get_document_printouts(self, request, obj):
        return [(_("Print (PDF)"), reverse("reports:document", args=["cash_order", obj.pk, "pdf"]))]

    def get_queryset(self, request):
        # A cash order has no lines: skip the document mixin's line count.
        return visible_to(super(DocumentAdminMixin, self).get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "shop"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "location":
            # The paying or receiving location: one the user may see (their shops' for a manager).
            kwargs["queryset"] = visible_to(CashLocation.objects.filter(is_active=True), request.user).select_related(
                "shop"
            )
        elif db_field.name == "counter_location":
            kwargs["queryset"] = CashLocation.objects.filter(is_active=True).select_related("shop")
        elif db_field.name == "category":
            kwargs["queryset"] = ExpenseCategory.objects.filter(is_active=True).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CashLedgerEntry)
class CashLedgerEntryAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["business_date", "location", "kind", "amount", "source_type", "source_id", "posting", "reversal_of"]
    list_filter = ["kind", "source_type", "location__kind", "location__shop", "business_date"]
    list_select_related = ["location", "posting", "reversal_of"]
    search_fields = ["location__code", "location__name", "posting__document_number"]
    date_hierarchy = "business_date"


@admin.register(CashBalance)
class CashBalanceAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["location", "location_kind", "location_shop", "amount", "updated_at"]
    list_filter = ["location__kind", "location__shop"]
    list_select_related = ["location__shop"]
    search_fields = ["location__code", "location__name"]
    ordering = ["location__shop__code", "location__kind", "location__code"]

    @admin.display(description=gettext_lazy("kind"), ordering="location__kind")
    def location_kind(self, obj):
        return obj.location.get_kind_display()

    @admin.display(description=gettext_lazy("shop"), ordering="location__shop__code")
    def location_shop(self, obj):
        return obj.location.shop


@admin.register(CashierDiscrepancy)
class CashierDiscrepancyAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "business_date",
        "shop",
        "shift_label",
        "cashier_name",
        "expected_amount",
        "counted_amount",
        "amount",
    ]
    list_filter = ["shop", "business_date"]
    list_select_related = ["shop"]
    search_fields = ["cashier_name", "shift_label"]
    date_hierarchy = "business_date"


@admin.register(CashDeskOverLimit)
class CashDeskOverLimitAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    """Cash desks holding more than their limit now; "Prepare encashment" drafts the order for the excess."""

    list_display = ["shop", "name", "balance_amount", "cash_limit_amount", "excess_amount"]
    list_select_related = ["shop", "balance"]
    list_filter = ["shop"]
    actions = ["prepare_encashment"]

    @admin.display(description=gettext_lazy("balance"), ordering="balance__amount")
    def balance_amount(self, obj):
        return obj.balance.amount

    @admin.display(description=gettext_lazy("over the limit by"))
    def excess_amount(self, obj):
        return obj.balance.amount - obj.cash_limit_amount

    @admin.action(description=gettext_lazy("Prepare encashment of the excess"), permissions=["view"])
    def prepare_encashment(self, request, queryset):
        if not request.user.has_perm("cash.add_cashorder"):
            self.message_user(request, _("You may not create cash orders."), messages.ERROR)
            return None
        made = []
        for desk in queryset.order_by("pk"):
            if not user_may_see_shops(request.user, [desk.shop_id]):
                continue
            try:
                made.append(encashment_prepare(location_id=desk.pk, actor=request.user))
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if not made:
            return None
        self.message_user(
            request,
            _("Draft encashment orders prepared: %(numbers)s. Check and post them.")
            % {"numbers": ", ".join(o.number for o in made)},
            messages.SUCCESS,
        )
        url = reverse("admin:cash_cashorder_changelist") + "?status__exact=draft&reason__exact=encashment"
        return HttpResponseRedirect(url)
