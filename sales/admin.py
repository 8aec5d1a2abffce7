"""The owners' view of tills, shifts and receipts (receipts are read-only: tills write them)."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_mixins import BaseAdmin, ReadOnlyAdminMixin, ShopScopedAdminMixin

from .models import Receipt, ReceiptConflict, ReceiptLine, ReceiptPayment, Shift, Till, TillToken
from .services import till_token_issue, till_token_revoke


class TillTokenInline(admin.TabularInline):
    model = TillToken
    fields = ["prefix", "created_at", "created_by", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Till)
class TillAdmin(ShopScopedAdminMixin, BaseAdmin):
    list_display = ["code", "name", "shop", "fiscal_register_number", "is_active", "last_upload_at", "last_sequence"]
    list_filter = ["shop", "is_active"]
    list_select_related = ["shop"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["shop"]
    inlines = [TillTokenInline]
    actions = ["issue_token", "revoke_tokens"]

    @admin.action(description=gettext_lazy("Issue a new API token (shown once)"), permissions=["change"])
    def issue_token(self, request, queryset):
        for till in queryset:
            token = till_token_issue(till=till, actor=request.user)
            self.message_user(
                request,
                _("Token for %(till)s, shown only now: %(token)s") % {"till": till, "token": token},
                messages.WARNING,
            )

    @admin.action(description=gettext_lazy("Revoke all tokens"), permissions=["change"])
    def revoke_tokens(self, request, queryset):
        for token in TillToken.objects.filter(till__in=queryset, revoked_at__isnull=True):
            till_token_revoke(token=token)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)


@admin.register(Shift)
class ShiftAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    shop_lookup = "till__shop"
    list_display = [
        "till",
        "number",
        "opened_at",
        "closed_at",
        "receipts_count",
        "sales_amount",
        "returns_amount",
        "discount_amount",
        "opening_float",
        "counted_cash",
    ]
    list_filter = ["till__shop", "till"]
    list_select_related = ["till__shop"]
    date_hierarchy = "opened_at"


class ReceiptLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReceiptLine
    fields = [
        "line_no",
        "product",
        "barcode",
        "quantity",
        "price_amount",
        "our_price_amount",
        "discount_amount",
        "amount",
    ]
    readonly_fields = fields
    extra = 0


class ReceiptPaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReceiptPayment
    fields = ["type", "amount"]
    readonly_fields = fields
    extra = 0


@admin.register(Receipt)
class ReceiptAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "till_time",
        "shop",
        "till",
        "sequence",
        "kind",
        "total_amount",
        "negative_stock",
        "price_differs",
        "shift",
    ]
    list_filter = ["shop", "till", "kind", "negative_stock", "price_differs", "business_date"]
    list_select_related = ["shop", "till__shop", "shift__till"]
    search_fields = ["client_uuid", "fiscal_sign", "card_number"]
    date_hierarchy = "business_date"
    inlines = [ReceiptLineInline, ReceiptPaymentInline]


@admin.register(ReceiptConflict)
class ReceiptConflictAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    shop_lookup = "till__shop"
    list_display = ["received_at", "till", "receipt"]
    list_select_related = ["till__shop", "receipt__till"]
    readonly_fields = ["till", "receipt", "payload", "received_at"]
