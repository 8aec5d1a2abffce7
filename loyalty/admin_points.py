"""Admin of points: the account page (balance, pending points, ledger rows, holds), adjustments (Post),
holds, receipts' points, the program's settings. The ledger's own pages come from the registry
(inventory/admin_ledgers.py); every list exports to Excel (BaseAdmin)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy

from inventory.admin_mixins import BaseAdmin, DocumentAdminMixin, ReadOnlyAdminMixin, ShopScopedAdminMixin
from inventory.scoping import visible_to

from .models import (
    PointsAccount,
    PointsAdjustment,
    PointsHold,
    PointsImport,
    PointsLedgerEntry,
    PointsSettings,
    ReceiptPoints,
)
from .selectors.points import account_points_get, phone_mask
from .services.points import points_adjustment_post

LEDGER_ROWS_ON_PAGE = 100


class PointsLedgerInline(admin.TabularInline):
    model = PointsLedgerEntry
    fk_name = "account"
    fields = [
        "business_date",
        "kind",
        "active",
        "pending",
        "debt",
        "available_on",
        "expires_on",
        "source_type",
        "source_id",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("ledger rows (newest first)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # The newest rows only: an old account has thousands.
        queryset = super().get_queryset(request).order_by("-business_date", "-id")
        ids = list(queryset.values_list("pk", flat=True)[:LEDGER_ROWS_ON_PAGE])
        return super().get_queryset(request).filter(pk__in=ids).order_by("-business_date", "-id")


class PointsHoldInline(admin.TabularInline):
    model = PointsHold
    fk_name = "account"
    fields = ["created_at", "expires_at", "points", "status", "till_id", "receipt_uuid", "receipt_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PointsAccount)
class PointsAccountAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["id", "phone", "tier", "balance_active", "balance_pending", "balance_debt"]
    list_select_related = ["customer", "tier", "points_balance"]
    search_fields = ["=customer__phone", "=cards__number", "customer__name"]
    list_filter = ["tier"]
    fields = [
        "customer",
        "tier",
        "home_shop",
        "phone",
        "balance_active",
        "balance_pending",
        "balance_debt",
        "future_accruals",
        "live_holds",
    ]
    readonly_fields = fields
    inlines = [PointsHoldInline, PointsLedgerInline]

    @admin.display(description=gettext_lazy("phone"))
    def phone(self, obj):
        return phone_mask(obj.customer.phone)

    def _balance(self, obj, name):
        balance = getattr(obj, "points_balance", None)
        return getattr(balance, name) if balance is not None else 0

    @admin.display(description=gettext_lazy("spendable points"), ordering="points_balance__active")
    def balance_active(self, obj):
        return self._balance(obj, "active")

    @admin.display(description=gettext_lazy("pending points"), ordering="points_balance__pending")
    def balance_pending(self, obj):
        return self._balance(obj, "pending")

    @admin.display(description=gettext_lazy("debt"))
    def balance_debt(self, obj):
        return self._balance(obj, "debt")

    @admin.display(description=gettext_lazy("future accruals"))
    def future_accruals(self, obj):
        lots = account_points_get(account_id=obj.pk, today=timezone.localdate()).pending_lots()
        if not lots:
            return "-"
        return format_html_join(", ", "{} {}", ((lot["points"], lot["available_on"]) for lot in lots))

    @admin.display(description=gettext_lazy("points held now"))
    def live_holds(self, obj):
        now = timezone.now()
        return sum(h.points for h in obj.holds.filter(status="active", expires_at__gt=now))


@admin.register(PointsAdjustment)
class PointsAdjustmentAdmin(ShopScopedAdminMixin, DocumentAdminMixin, BaseAdmin):
    post_service = points_adjustment_post
    list_display = ["number", "business_date", "shop", "account", "kind", "points", "reason", "status", "posted_by"]
    list_display_links = ["number"]
    list_filter = ["status", "kind", "shop", "business_date"]
    list_select_related = ["shop", "account", "posted_by"]
    search_fields = ["number", "reason"]
    raw_id_fields = ["account"]
    fields = [
        "number",
        "status",
        "business_date",
        "shop",
        "account",
        "kind",
        "points",
        "expires_on",
        "reason",
        "comment",
        "created_by",
        "created_at",
        "posted_by",
        "posted_at",
    ]

    def get_queryset(self, request):
        # An adjustment has no lines: skip the document mixin's line count.
        return visible_to(super(DocumentAdminMixin, self).get_queryset(request), request.user)


@admin.register(PointsHold)
class PointsHoldAdmin(ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["created_at", "account", "shop", "till_id", "points", "status", "expires_at", "receipt_id"]
    list_filter = ["status", "shop"]
    list_select_related = ["shop", "account"]
    search_fields = ["=receipt_uuid"]
    date_hierarchy = "created_at"


@admin.register(ReceiptPoints)
class ReceiptPointsAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "business_date",
        "shop",
        "account",
        "receipt_id",
        "eligible_amount",
        "accrued",
        "paid",
        "available_on",
    ]
    list_filter = ["shop", "business_date"]
    list_select_related = ["shop", "account"]
    search_fields = ["=receipt_id", "=original_receipt_id"]
    date_hierarchy = "business_date"


@admin.register(PointsSettings)
class PointsSettingsAdmin(BaseAdmin):
    list_display = ["__str__", "manager_adjustment_limit"]

    def has_add_permission(self, request):
        return not PointsSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PointsImport)
class PointsImportAdmin(ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["created_at", "file_name", "rows", "problems", "file_points", "imported_points", "created_by"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
