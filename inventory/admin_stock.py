"""Admin of stock documents, the stock ledger, balances, postings, period locks and ledger checks."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .admin_filters import BigListAdminMixin, DateRangeFilter, ExactCodesSearchMixin
from .admin_mixins import (
    BaseAdmin,
    DocumentAction,
    DocumentAdminMixin,
    ProductCodeSearchMixin,
    ReadOnlyAdminMixin,
    ShopScopedAdminMixin,
)
from .choices import ShopFormat
from .models import (
    GoodsReceipt,
    GoodsReceiptLine,
    LedgerCheckRun,
    OpeningBalance,
    OpeningBalanceLine,
    PeriodLock,
    Posting,
    StockBalance,
    StockLedgerEntry,
    Stocktake,
    StocktakeLine,
    SupplierReturn,
    SupplierReturnLine,
    Transfer,
    TransferLine,
    WriteOff,
    WriteOffLine,
)
from .money import format_money
from .scoping import user_may_see_shops
from .services import (
    goods_receipt_cancel,
    goods_receipt_post,
    opening_balance_cancel,
    opening_balance_post,
    stocktake_cancel,
    stocktake_fill,
    stocktake_post,
    supplier_return_cancel,
    supplier_return_post,
    transfer_cancel,
    transfer_receive,
    transfer_ship,
    write_off_cancel,
    write_off_post,
)
from .tasks import ledgers_check as ledgers_check_task


class LineInline(admin.TabularInline):
    autocomplete_fields = ["product"]
    extra = 3


class ShopDocumentAdmin(ShopScopedAdminMixin, DocumentAdminMixin, BaseAdmin):
    list_display = ["number", "business_date", "shop", "status", "line_count", "posted_by", "comment"]
    list_display_links = ["number"]
    list_filter = ["status", "shop", "business_date"]
    list_select_related = ["shop", "posted_by"]
    search_fields = ["number", "comment"]
    head_fields = ["number", "status", "business_date", "shop"]
    tail_fields = ["comment", "created_by", "created_at", "posted_by", "posted_at", "cancelled_by", "cancelled_at"]
    middle_fields: list[str] = []

    def get_fields(self, request, obj=None):
        fields = [*self.head_fields, *self.middle_fields, *self.tail_fields]
        return [*fields, "lines_link"] if self._big(obj) else fields


def _money_total(expression):
    return Sum(ExpressionWrapper(expression, output_field=DecimalField(max_digits=18, decimal_places=2)))


class GoodsReceiptLineInline(LineInline):
    model = GoodsReceiptLine
    fields = ["product", "quantity", "price_amount", "vat_rate", "line_amount"]
    readonly_fields = ["line_amount"]

    @admin.display(description=gettext_lazy("amount"))
    def line_amount(self, obj):
        if obj.pk is None or obj.quantity is None or obj.price_amount is None:
            return "—"
        return format_money((obj.quantity * obj.price_amount).quantize(obj.price_amount))


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(ShopDocumentAdmin):
    post_service = staticmethod(goods_receipt_post)
    cancel_service = staticmethod(goods_receipt_cancel)
    list_display = [
        "number",
        "business_date",
        "shop",
        "supplier",
        "status",
        "total_amount",
    ]
    list_filter = ["status", "shop", "business_date", "supplier"]
    list_select_related = ["shop", "supplier", "posted_by"]
    search_fields = ["number", "supplier_invoice_number", "supplier__name", "comment"]
    autocomplete_fields = ["supplier", "shop"]
    middle_fields = ["supplier", "supplier_invoice_number", "supplier_invoice_date", "total_shown"]
    readonly_fields = ["total_shown"]
    inlines = [GoodsReceiptLineInline]

    def get_queryset(self, request):
        total = (
            GoodsReceiptLine.objects.filter(document=OuterRef("pk"))
            .order_by()
            .values("document")
            .annotate(t=_money_total(F("quantity") * F("price_amount")))
            .values("t")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(total=Subquery(total, output_field=DecimalField(max_digits=18, decimal_places=2)))
        )

    @admin.display(description=gettext_lazy("total"), ordering="total")
    def total_amount(self, obj):
        value = getattr(obj, "total", None)
        return value.quantize(value.__class__("0.01")) if value is not None else None

    @admin.display(description=gettext_lazy("total"))
    def total_shown(self, obj):
        # On the page, read-only values are not formatted by the admin: money in the reader's language.
        value = self.total_amount(obj)
        return format_money(value) if value is not None else "—"

    def get_document_printouts(self, request, obj):
        return [(_("Print (PDF)"), reverse("reports:document", args=["goods_receipt", obj.pk, "pdf"]))]


class SupplierReturnLineInline(LineInline):
    model = SupplierReturnLine
    fields = ["product", "quantity", "price_amount"]


@admin.register(SupplierReturn)
class SupplierReturnAdmin(ShopDocumentAdmin):
    post_service = staticmethod(supplier_return_post)
    cancel_service = staticmethod(supplier_return_cancel)
    list_display = ["number", "business_date", "shop", "supplier", "status", "line_count", "posted_by"]
    list_filter = ["status", "shop", "business_date", "supplier"]
    list_select_related = ["shop", "supplier", "posted_by"]
    autocomplete_fields = ["supplier", "shop"]
    middle_fields = ["supplier"]
    inlines = [SupplierReturnLineInline]


class WriteOffLineInline(LineInline):
    model = WriteOffLine
    fields = ["product", "quantity"]


@admin.register(WriteOff)
class WriteOffAdmin(ShopDocumentAdmin):
    post_service = staticmethod(write_off_post)
    cancel_service = staticmethod(write_off_cancel)
    list_display = ["number", "business_date", "shop", "reason", "status", "line_count", "posted_by"]
    list_filter = ["status", "reason", "shop", "business_date"]
    autocomplete_fields = ["shop"]
    middle_fields = ["reason"]
    inlines = [WriteOffLineInline]


def _sender(transfer) -> list[int]:
    return [transfer.shop_id]


def _receiver(transfer) -> list[int]:
    return [transfer.to_shop_id]


def _transfer_side_may_edit(user, transfer) -> bool:
    """A draft is the sender's to edit; a shipped transfer's received quantities, the receiver's."""
    if transfer.is_draft:
        return user_may_see_shops(user, _sender(transfer))
    if transfer.status == "posted" and not transfer.is_received:
        return user_may_see_shops(user, _receiver(transfer))
    return False


class TransferLineInline(LineInline):
    model = TransferLine
    fields = ["product", "quantity", "received_quantity"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not _transfer_side_may_edit(request.user, obj):
            return False
        # Received quantities are typed after shipping, until the transfer is received.
        if obj is not None and obj.status == "posted" and not obj.is_received:
            return request.user.has_perm("inventory.change_transferline")
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if obj is not None and not (obj.is_draft and user_may_see_shops(request.user, _sender(obj))):
            return False
        return super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not (obj.is_draft and user_may_see_shops(request.user, _sender(obj))):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == "posted":
            return ["product", "quantity"]
        return []


@admin.register(Transfer)
class TransferAdmin(ShopDocumentAdmin):
    post_service = staticmethod(transfer_ship)
    cancel_service = staticmethod(transfer_cancel)
    list_display = ["number", "business_date", "shop", "to_shop", "status", "received_date", "line_count", "posted_by"]
    list_filter = ["status", "shop", "to_shop", "business_date"]
    list_select_related = ["shop", "to_shop", "posted_by"]
    autocomplete_fields = ["shop"]  # the destination is a plain select: any shop may receive
    middle_fields = ["to_shop", "received_date", "received_by"]
    readonly_fields = ["received_date", "received_by"]
    inlines = [TransferLineInline]
    # Both shops' managers see a transfer (Transfer.SHOP_FIELDS); a manager sends only from
    # their shops, but to any shop of the chain.
    any_shop_fields = ("to_shop",)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not _transfer_side_may_edit(request.user, obj):
            return False
        if obj is not None and obj.status == "posted" and not obj.is_received:
            return super(DocumentAdminMixin, self).has_change_permission(request, obj)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not user_may_see_shops(request.user, _sender(obj)):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and not obj.is_draft:
            return [*fields, *self.head_fields, *self.middle_fields, "comment"]
        return fields

    def get_document_actions(self):
        return [
            DocumentAction("post", gettext_lazy("Ship"), transfer_ship, shops=_sender),
            DocumentAction(
                "receive",
                gettext_lazy("Receive"),
                transfer_receive,
                when=("posted",),
                extra=lambda d: not d.is_received,
                shops=_receiver,
            ),
            DocumentAction(
                "cancel",
                gettext_lazy("Cancel document"),
                transfer_cancel,
                when=("posted",),
                confirm=gettext_lazy("Cancel this document? Its effect will be reversed."),
                shops=_sender,
            ),
        ]

    def get_document_printouts(self, request, obj):
        return [(_("Transfer note (PDF)"), reverse("reports:document", args=["transfer_note", obj.pk, "pdf"]))]


class StocktakeLineInline(LineInline):
    model = StocktakeLine
    fields = ["product", "book_quantity", "counted_quantity", "difference"]
    readonly_fields = ["book_quantity", "difference"]
    extra = 0

    @admin.display(description=gettext_lazy("difference"))
    def difference(self, line):
        if line.pk is None or line.counted_quantity is None:
            return "—"
        return line.counted_quantity - line.book_quantity


@admin.register(Stocktake)
class StocktakeAdmin(ShopDocumentAdmin):
    post_service = staticmethod(stocktake_post)
    cancel_service = staticmethod(stocktake_cancel)
    lines_changelist = "admin:inventory_stocktakeline_changelist"
    autocomplete_fields = ["shop"]
    middle_fields = ["groups", "uncounted_as_zero", "snapshot_at"]
    readonly_fields = ["snapshot_at"]
    filter_horizontal = ["groups"]
    inlines = [StocktakeLineInline]

    def get_document_actions(self):
        return [
            DocumentAction("fill", gettext_lazy("Take book quantities"), stocktake_fill),
            *super().get_document_actions(),
        ]

    def get_document_printouts(self, request, obj):
        return [
            (_("Count sheet (PDF)"), reverse("reports:document", args=["stocktake_sheet", obj.pk, "pdf"])),
            (_("Differences (PDF)"), reverse("reports:document", args=["stocktake_differences", obj.pk, "pdf"])),
            (_("Differences (Excel)"), reverse("reports:document", args=["stocktake_differences", obj.pk, "xlsx"])),
            (_("Import counts"), reverse("admin:inventory_stocktake_import_counts", args=[obj.pk])),
        ]

    def get_urls(self):
        from .admin_imports import stocktake_import_counts_view

        return [
            path(
                "<path:object_id>/import-counts/",
                self.admin_site.admin_view(stocktake_import_counts_view(self)),
                name="inventory_stocktake_import_counts",
            ),
            *super().get_urls(),
        ]


class ShopScopedLineAdmin(ProductCodeSearchMixin, ShopScopedAdminMixin, BaseAdmin):
    """Lines of big documents on a paged list: searchable by product, name, SKU or barcode."""

    search_fields = ["product__sku", "product__name", "document__number"]
    list_select_related = ["document", "product"]
    autocomplete_fields = ["product"]
    list_filter = ["document__status"]

    def get_model_perms(self, request):
        return {}  # reached from its document, not from the index

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.document.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.document.is_draft:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(StocktakeLine)
class StocktakeLineAdmin(ShopScopedLineAdmin):
    list_display = ["product", "document", "book_quantity", "counted_quantity", "difference"]
    list_editable = ["counted_quantity"]
    readonly_fields = ["book_quantity"]

    @admin.display(description=gettext_lazy("difference"))
    def difference(self, obj):
        if obj.counted_quantity is None:
            return None
        return obj.counted_quantity - obj.book_quantity


class OpeningBalanceLineInline(LineInline):
    model = OpeningBalanceLine
    fields = ["product", "quantity", "unit_cost"]


@admin.register(OpeningBalance)
class OpeningBalanceAdmin(ShopDocumentAdmin):
    post_service = staticmethod(opening_balance_post)
    cancel_service = staticmethod(opening_balance_cancel)
    lines_changelist = "admin:inventory_openingbalanceline_changelist"
    autocomplete_fields = ["shop"]
    inlines = [OpeningBalanceLineInline]
    change_list_template = "admin/inventory/openingbalance/change_list.html"

    def get_urls(self):
        from .admin_imports import opening_balance_import_view

        return [
            path(
                "import-xlsx/",
                self.admin_site.admin_view(opening_balance_import_view(self)),
                name="inventory_openingbalance_import",
            ),
            *super().get_urls(),
        ]


@admin.register(OpeningBalanceLine)
class OpeningBalanceLineAdmin(ShopScopedLineAdmin):
    list_display = ["product", "document", "quantity", "unit_cost"]


# --- ledgers, balances, audit, period locks, checks ------------------------------------------------


@admin.register(StockLedgerEntry)
class StockLedgerEntryAdmin(
    BigListAdminMixin, ExactCodesSearchMixin, ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin
):
    # Provisional cost, the reversed and the adjusted row are on the entry's page.
    list_display = ["business_date", "shop", "product", "kind", "quantity", "cost_amount", "document"]
    # A year of a chain is 40 million rows: a date range instead of the date hierarchy, exact
    # searches (ExactCodesSearchMixin), no facet counts; every filter has an index in the
    # list's order (StockLedgerEntry.Meta.indexes).
    list_filter = ["kind", "shop", "cost_provisional", ("business_date", DateRangeFilter)]
    list_select_related = ["shop", "product", "posting"]
    search_fields = ["posting__document_number"]  # shows the box; the search is get_search_results
    raw_id_fields = ["product"]

    @admin.display(description=gettext_lazy("document"), ordering="posting__document_number")
    def document(self, obj):
        return obj.posting.document_number


@admin.register(StockBalance)
class StockBalanceAdmin(ProductCodeSearchMixin, ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["product", "shop", "quantity", "average_cost", "cost_amount", "last_business_date"]
    list_select_related = ["shop", "product"]
    search_fields = ["product__sku", "product__name"]

    def get_list_filter(self, request):
        return ["shop", NegativeBalanceFilter]

    def get_queryset(self, request):
        # Goods in transit are on their transfers (shipped, not received), not a shop's balance.
        return super().get_queryset(request).exclude(shop__format=ShopFormat.TRANSIT)

    @admin.display(description=gettext_lazy("average cost"))
    def average_cost(self, obj):
        if obj.quantity > 0:
            return (obj.cost_amount / obj.quantity).quantize(obj.cost_amount.__class__("0.01"))
        return None


class NegativeBalanceFilter(admin.SimpleListFilter):
    title = gettext_lazy("stock")
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("negative", _("below zero")), ("positive", _("in stock")), ("zero", _("zero"))]

    def queryset(self, request, queryset):
        return {
            "negative": queryset.filter(quantity__lt=0),
            "positive": queryset.filter(quantity__gt=0),
            "zero": queryset.filter(quantity=0),
        }.get(self.value(), queryset)


@admin.register(Posting)
class PostingAdmin(BigListAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["created_at", "document_number", "document_type", "action", "actor"]
    # One posting per receipt: millions a year. Exact number search, a date range, no facets.
    list_filter = ["action", "document_type", ("created_at", DateRangeFilter)]
    list_select_related = ["actor"]
    search_fields = ["=document_number"]
    search_help_text = gettext_lazy("An exact document number.")


@admin.register(PeriodLock)
class PeriodLockAdmin(BaseAdmin):
    list_display = ["shop", "lock_date", "set_by", "set_at"]
    list_select_related = ["shop", "set_by"]
    autocomplete_fields = ["shop"]

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(LedgerCheckRun)
class LedgerCheckRunAdmin(ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["started_at", "finished_at", "pairs_checked", "differences", "result"]
    readonly_fields = ["started_at", "finished_at", "pairs_checked", "differences", "details"]
    change_list_template = "admin/inventory/ledgercheckrun/change_list.html"

    @admin.display(description=gettext_lazy("result"), boolean=True)
    def result(self, obj):
        return obj.ok if obj.finished_at is not None else None  # still running: unknown

    def get_urls(self):
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="inventory_ledgercheckrun_run"),
            *super().get_urls(),
        ]

    def run_view(self, request):
        """Queue a check (a background job: a year of ledgers takes longer than a request may) and say so."""
        if request.method != "POST" or not self.has_view_permission(request):
            raise PermissionDenied
        run = LedgerCheckRun.objects.create()
        transaction.on_commit(lambda: ledgers_check_task.delay(run_id=run.pk))
        self.message_user(
            request,
            _("The ledger check has started; its result appears in this list when it is done."),
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:inventory_ledgercheckrun_changelist"))
