"""Admin of purchase orders and reordering: orders (lines inline; Send, Close, Make goods receipt; print
and Excel), reorder policies and defaults, suppliers' products, supply from warehouses, runs (with a
"Run now" button that queues the job) and their proposals. Scoped by shop; every list exports to Excel.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_mixins import (
    BaseAdmin,
    DocumentAction,
    DocumentAdminMixin,
    ReadOnlyAdminMixin,
    ShopScopedAdminMixin,
)
from inventory.money import format_money, format_quantity

from .models import (
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderGroupDefault,
    ReorderPolicy,
    ReorderProposal,
    ReorderRun,
    SupplierProduct,
    SupplySource,
)
from .services.orders import (
    compare_state_label,
    order_compare,
    order_receipt_create,
    purchase_order_close,
    purchase_order_send,
)
from .services.reorder import reorder_run_create
from .tasks_reorder import reorder_run_execute_task

MONEY_OUTPUT = DecimalField(max_digits=18, decimal_places=2)


def _send(*, document_id, actor):
    return purchase_order_send(order_id=document_id, actor=actor)


def _close(*, document_id, actor):
    return purchase_order_close(order_id=document_id, actor=actor)


def _receive(*, document_id, actor):
    return order_receipt_create(order_id=document_id, actor=actor)


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    autocomplete_fields = ["product"]
    extra = 3
    fields = ["product", "quantity", "pack_size", "price_amount", "line_amount", "received_quantity", "why"]
    readonly_fields = ["line_amount", "received_quantity", "why"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "proposal")

    @admin.display(description=gettext_lazy("amount"))
    def line_amount(self, obj):
        if obj.pk is None or obj.quantity is None or obj.price_amount is None:
            return "—"
        return format_money((obj.quantity * obj.price_amount).quantize(obj.price_amount))

    @admin.display(description=gettext_lazy("why (reorder run)"))
    def why(self, obj):
        p = obj.proposal if obj.pk else None
        if p is None:
            return "—"
        return _(
            "%(rate)s a day over %(days)d of %(n)d days in stock; stock %(stock)s, on order %(on_order)s, "
            "in transit %(transit)s; %(cover)d days to cover: reach %(target)s"
        ) % {
            "rate": format_quantity(p.daily_sales),
            "days": p.in_stock_days,
            "n": p.history_days,
            "stock": format_quantity(p.stock_quantity),
            "on_order": format_quantity(p.on_order_quantity),
            "transit": format_quantity(p.in_transit_quantity),
            "cover": p.cover_days,
            "target": format_quantity(p.target_quantity),
        }


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ShopScopedAdminMixin, DocumentAdminMixin, BaseAdmin):
    list_display = [
        "number",
        "business_date",
        "shop",
        "supplier",
        "status",
        "line_count",
        "total_amount",
        "expected_date",
        "run",
    ]
    list_display_links = ["number"]
    list_filter = ["status", "shop", "supplier", "business_date"]
    list_select_related = ["shop", "supplier", "run"]
    search_fields = ["number", "supplier__name", "comment"]
    autocomplete_fields = ["shop", "supplier"]
    inlines = [PurchaseOrderLineInline]
    actions = ["send_selected", "close_selected"]
    fields = [
        "number",
        "status",
        "business_date",
        "shop",
        "supplier",
        "expected_date",
        "total_shown",
        "comment",
        "comparison",
        "receipt_links",
        "run",
        "created_by",
        "created_at",
        "sent_by",
        "sent_at",
        "received_at",
        "closed_by",
        "closed_at",
    ]
    AUDIT = ["number", "status", "run", "created_by", "created_at", "sent_by", "sent_at", "received_at", "closed_by"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.AUDIT, "closed_at", "total_shown", "comparison", "receipt_links"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["business_date", "shop", "supplier", "expected_date", "comment"]
        return self.fields

    def get_document_actions(self):
        return [
            DocumentAction(
                "send",
                gettext_lazy("Send (confirm)"),
                _send,
                when=(OrderStatus.DRAFT,),
                confirm=gettext_lazy("Send this order? Its lines can no longer be changed."),
            ),
            DocumentAction(
                "receive",
                gettext_lazy("Make goods receipt"),
                _receive,
                when=(OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED),
            ),
            DocumentAction(
                "close",
                gettext_lazy("Close"),
                _close,
                when=(OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED, OrderStatus.RECEIVED),
                confirm=gettext_lazy("Close this order? What has not arrived is no longer expected."),
            ),
        ]

    @admin.action(description=gettext_lazy("Send selected orders"), permissions=["change"])
    def send_selected(self, request, queryset):
        self._list_action(request, queryset, "send")

    @admin.action(description=gettext_lazy("Close selected orders"), permissions=["change"])
    def close_selected(self, request, queryset):
        self._list_action(request, queryset, "close")

    def _may_act(self, request) -> bool:
        return self.has_view_permission(request) and request.user.has_perm("purchasing.change_purchaseorder")

    def get_queryset(self, request):
        total = (
            PurchaseOrderLine.objects.filter(order=OuterRef("pk"))
            .order_by()
            .values("order")
            .annotate(t=Sum(ExpressionWrapper(F("quantity") * F("price_amount"), output_field=MONEY_OUTPUT)))
            .values("t")
        )
        return super().get_queryset(request).annotate(total=Subquery(total, output_field=MONEY_OUTPUT))

    @admin.display(description=gettext_lazy("total"), ordering="total")
    def total_amount(self, obj):
        value = getattr(obj, "total", None)
        return value.quantize(value.__class__("0.01")) if value is not None else None

    @admin.display(description=gettext_lazy("total"))
    def total_shown(self, obj):
        value = self.total_amount(obj)
        return format_money(value) if value is not None else "—"

    @admin.display(description=gettext_lazy("ordered and received"))
    def comparison(self, obj):
        if obj is None or obj.pk is None or obj.is_draft:
            return "—"
        rows = order_compare(order_id=obj.pk, include_drafts=True)
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("SKU"),
            _("Product"),
            _("Ordered"),
            _("Received (posted and draft receipts)"),
            _("Difference"),
            _("State"),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    r["sku"],
                    r["name"],
                    format_quantity(r["ordered"]),
                    format_quantity(r["received"]),
                    format_quantity(r["difference"]),
                    compare_state_label(r["state"]),
                )
                for r in rows
            ),
        )
        return format_html("<table>{}{}</table>", head, body)

    @admin.display(description=gettext_lazy("goods receipts"))
    def receipt_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        links = [
            (reverse("admin:inventory_goodsreceipt_change", args=[link.receipt_id]), str(link.receipt))
            for link in obj.receipts.select_related("receipt").order_by("receipt_id")
        ]
        return format_html_join(", ", '<a href="{}">{}</a>', links) if links else "—"

    def get_document_printouts(self, request, obj):
        return [
            (_("Print (PDF)"), reverse("reports:document", args=["purchase_order", obj.pk, "pdf"])),
            (_("Excel to send"), reverse("reports:document", args=["purchase_order", obj.pk, "xlsx"])),
        ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.save()


@admin.register(PurchaseOrderLine)
class PurchaseOrderLineAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["order", "product", "quantity", "pack_size", "price_amount", "received_quantity"]
    list_select_related = ["order", "product"]
    list_filter = ["order__status", "order__shop"]
    search_fields = ["=order__number", "product__sku", "product__name"]


@admin.register(SupplierProduct)
class SupplierProductAdmin(BaseAdmin):
    list_display = ["supplier", "product", "price_amount", "pack_size", "is_main"]
    list_select_related = ["supplier", "product"]
    list_filter = ["is_main", "supplier"]
    search_fields = ["product__sku", "product__name", "supplier__name"]
    autocomplete_fields = ["supplier", "product"]


@admin.register(ReorderGroupDefault)
class ReorderGroupDefaultAdmin(BaseAdmin):
    list_display = ["group", "method", "history_days", "safety_days", "supplier", "is_active"]
    list_select_related = ["group", "supplier"]
    autocomplete_fields = ["supplier"]


@admin.register(ReorderPolicy)
class ReorderPolicyAdmin(ShopScopedAdminMixin, BaseAdmin):
    list_display = [
        "shop",
        "product",
        "method",
        "min_quantity",
        "max_quantity",
        "history_days",
        "safety_days",
        "lead_time_days",
        "pack_size",
        "supplier",
        "is_active",
    ]
    list_select_related = ["shop", "product", "supplier"]
    list_filter = ["shop", "method", "is_active"]
    search_fields = ["product__sku", "product__name"]
    autocomplete_fields = ["shop", "product", "supplier"]


@admin.register(SupplySource)
class SupplySourceAdmin(ShopScopedAdminMixin, BaseAdmin):
    list_display = ["shop", "group", "warehouse"]
    list_select_related = ["shop", "group", "warehouse"]
    any_shop_fields = ("warehouse",)


@admin.register(ReorderRun)
class ReorderRunAdmin(ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "id",
        "run_date",
        "status",
        "created_by",
        "created_at",
        "seconds",
        "pairs",
        "proposals",
        "orders",
        "transfers",
        "proposals_link",
    ]
    list_select_related = ["created_by"]
    list_filter = ["status"]
    readonly_fields = ["error"]
    change_list_template = "admin/purchasing/reorderrun/change_list.html"

    @admin.display(description=gettext_lazy("proposals"))
    def proposals_link(self, obj):
        url = reverse("admin:purchasing_reorderproposal_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("open"))

    def get_urls(self):
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="purchasing_reorderrun_run"),
            *super().get_urls(),
        ]

    def run_view(self, request):
        """Queue a run (a background job: 720,000 pairs take longer than a request may) and say so."""
        if request.method != "POST" or not request.user.has_perm("purchasing.add_reorderrun"):
            raise PermissionDenied
        run = reorder_run_create(actor=request.user)
        transaction.on_commit(lambda: reorder_run_execute_task.delay(run.pk))
        self.message_user(
            request,
            _("The reorder run has started; its draft orders appear when it is done."),
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:purchasing_reorderrun_changelist"))


@admin.register(ReorderProposal)
class ReorderProposalAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "run",
        "shop",
        "product",
        "supplier",
        "warehouse",
        "method",
        "daily_sales",
        "in_stock_days",
        "history_days",
        "stock_quantity",
        "on_order_quantity",
        "in_transit_quantity",
        "cover_days",
        "target_quantity",
        "pack_size",
        "quantity",
        "amount",
        "outcome",
    ]
    list_select_related = ["run", "shop", "product", "supplier", "warehouse"]
    list_filter = ["outcome", "shop", "supplier", "run"]
    search_fields = ["product__sku", "product__name"]
