"""The owners' view of tills, shifts and receipts (receipts are read-only: tills write them)."""

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_filters import BigListAdminMixin, DateRangeFilter
from inventory.admin_mixins import BaseAdmin, ReadOnlyAdminMixin, ShopScopedAdminMixin
from inventory.money import format_money

from .models import (
    FlaggedReceipt,
    PaymentType,
    Receipt,
    ReceiptConflict,
    ReceiptLine,
    ReceiptPayment,
    Shift,
    Till,
    TillGap,
    TillToken,
)
from .selectors import receipts_search
from .services import Z_REPORT_FIGURES, till_token_issue, till_token_revoke


class TillTokenInline(admin.TabularInline):
    model = TillToken
    fields = ["prefix", "created_at", "created_by", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TillGapInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TillGap
    fields = ["first", "last", "noticed_at"]
    readonly_fields = fields
    extra = 0


class HasGapsFilter(admin.SimpleListFilter):
    title = gettext_lazy("sync")
    parameter_name = "gaps"

    def lookups(self, request, model_admin):
        return [("yes", _("missing receipts")), ("no", _("complete"))]

    def queryset(self, request, queryset):
        missing = Exists(TillGap.objects.filter(till=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(missing)
        if self.value() == "no":
            return queryset.exclude(missing)
        return queryset


@admin.register(Till)
class TillAdmin(ShopScopedAdminMixin, BaseAdmin):
    list_display = [
        "code",
        "name",
        "shop",
        "last_upload_at",
        "last_sequence",
        "missing_receipts",
        "is_active",
    ]
    list_filter = [HasGapsFilter, "shop", "is_active", "returns_without_receipt"]
    list_select_related = ["shop"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["shop"]
    readonly_fields = ["last_upload_at", "last_sequence"]
    inlines = [TillTokenInline, TillGapInline]
    actions = ["issue_token", "revoke_tokens"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("gaps")

    @admin.display(description=gettext_lazy("missing receipts"))
    def missing_receipts(self, till):
        return ", ".join(str(gap) for gap in till.gaps.all()) or "—"

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


def figure_label(name: str) -> str:
    """A Z-report figure's name in the reader's language: "counted_cash", "payments.card"."""
    if name.startswith("payments."):
        kind = name.removeprefix("payments.")
        label = PaymentType(kind).label if kind in PaymentType.values else kind
        return _("payments: %(type)s") % {"type": label}
    labels = {"counted_cash": _("counted cash"), **{key: str(label) for key, label in Z_REPORT_FIGURES}}
    return labels.get(name, name)


@admin.register(Shift)
class ShiftAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "till",
        "number",
        "opened_at",
        "closed_at",
        "receipts_count",
        "sales_amount",
        "returns_amount",
        "counted_cash",
        "differences_flag",
    ]
    list_filter = ["has_differences", "till__shop", "till"]
    list_select_related = ["till__shop"]
    date_hierarchy = "opened_at"
    exclude = ["z_report", "till_report", "differences"]
    readonly_fields = ["z_report_table", "differences_table", "printouts"]

    @admin.display(description=gettext_lazy("differences"), ordering="has_differences")
    def differences_flag(self, shift):
        """A warning, not a green tick: differences are what the owner must look at."""
        if not shift.has_differences:
            return "—"
        return format_html(
            '<span class="warning-flag"><img src="{}" alt=""> {}</span>', static("admin/img/icon-alert.svg"), _("yes")
        )

    @admin.display(description=gettext_lazy("print"))
    def printouts(self, shift):
        receipts = (reverse("admin:sales_receipt_changelist") + f"?shift={shift.pk}", _("Receipts of this shift"))
        if shift.z_report is None:
            return format_html('<a href="{}">{}</a>', *receipts)
        # Printouts start a job, so they are POSTed: buttons that send the page's own form
        # (it carries the CSRF token) to the print URL.
        printouts = format_html_join(
            " ",
            '<button type="submit" class="button printout" formmethod="post" formaction="{}">{}</button>',
            [
                (reverse("reports:document", args=["z_report", shift.pk, fmt]), label)
                for fmt, label in (("pdf", _("Z-report (PDF)")), ("xlsx", _("Z-report (Excel)")))
            ],
        )
        return format_html('<a href="{}">{}</a> · {}', *receipts, printouts)

    @admin.display(description=gettext_lazy("Z-report"))
    def z_report_table(self, shift):
        report = shift.z_report
        if not report:
            return _("The shift is open: the Z-report is made when it closes.")

        def shown(key, value):
            # Amounts are stored as decimal text: shown as money in the reader's language.
            money = key.endswith(("_amount", "_float", "_expected")) or key.startswith("cash_")
            return format_money(value) if money and value is not None else value

        rows = [(label, shown(key, report.get(key))) for key, label in Z_REPORT_FIGURES]
        rows += [
            (figure_label(f"payments.{kind}"), format_money(amount)) for kind, amount in report["payments"].items()
        ]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.display(description=gettext_lazy("differences"))
    def differences_table(self, shift):
        if not shift.differences:
            return "—"

        def shown(figure, value):
            return value if figure == "receipts_count" else format_money(value)

        rows = [
            (
                figure_label(d["figure"]),
                shown(d["figure"], d["ours"]),
                shown(d["figure"], d["till"]),
                shown(d["figure"], d["difference"]),
            )
            for d in shift.differences
        ]
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("figure"),
            _("ours"),
            _("till"),
            _("difference"),
        )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table>{}{}</table>", head, body)


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

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")


class ReceiptPaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReceiptPayment
    fields = ["type", "amount"]
    readonly_fields = fields
    extra = 0


class ShiftFilter(admin.SimpleListFilter):
    """`?shift=<id>`, followed from a shift's page: shows only that shift (a year has thousands of shifts)."""

    title = gettext_lazy("shift")
    parameter_name = "shift"

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isdigit()):
            return []
        shift = Shift.objects.select_related("till").filter(pk=value).first()
        return [(value, str(shift) if shift else value)]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(shift_id=value) if value and value.isdigit() else queryset


@admin.register(Receipt)
class ReceiptAdmin(BigListAdminMixin, ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "till_time",
        "till",
        "sequence",
        "kind",
        "total_amount",
        "negative_stock",
        "price_differs",
    ]
    # Eight million receipts a year: a date range instead of the date hierarchy, exact
    # searches (get_search_results), no facet counts; the list's order and its shop and till
    # filters have indexes (Receipt.Meta.indexes).
    list_filter = [
        "kind",
        "negative_stock",
        "price_differs",
        "period_closed",
        "arrived_late",
        ("business_date", DateRangeFilter),
        "shop",
        "till",
        ShiftFilter,
    ]
    list_select_related = ["shop", "till__shop", "shift__till"]
    search_fields = ["=client_uuid"]  # shows the box; the search is get_search_results
    search_help_text = gettext_lazy(
        "An exact receipt ID, till/number (T7-1/1041), fiscal sign, loyalty card, or a product's SKU or barcode."
    )
    raw_id_fields = ["original", "shift"]
    inlines = [ReceiptLineInline, ReceiptPaymentInline]

    def get_search_results(self, request, queryset, search_term):
        return receipts_search(queryset, search_term), False


@admin.register(FlaggedReceipt)
class FlaggedReceiptAdmin(ReceiptAdmin):
    """One list of what the owner should look at: negative stock, price differences, conflicting uploads,
    receipts dated in a closed period (posted on the first open day) and receipts that arrived late."""

    list_display = ["till_time", "till", "sequence", "total_amount", "flags"]

    def get_queryset(self, request):
        conflicts = Exists(ReceiptConflict.objects.filter(receipt=OuterRef("pk")))
        return super().get_queryset(request).annotate(has_conflict=conflicts)

    @admin.display(description=gettext_lazy("flags"))
    def flags(self, receipt):
        reasons = []
        if receipt.negative_stock:
            reasons.append(_("sold from negative stock"))
        if receipt.price_differs:
            reasons.append(_("price differs from ours"))
        if receipt.has_conflict:
            reasons.append(_("conflicting upload"))
        if receipt.period_closed:
            reasons.append(
                _("dated %(till)s in a closed period, posted on %(day)s")
                % {
                    "till": formats.date_format(
                        timezone.localtime(receipt.till_time, receipt.shop.time_zone), "SHORT_DATE_FORMAT"
                    ),
                    "day": formats.date_format(receipt.business_date, "SHORT_DATE_FORMAT"),
                }
            )
        if receipt.arrived_late:
            reasons.append(_("arrived late"))
        return "; ".join(reasons)


@admin.register(TillGap)
class TillGapAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    """Receipts tills have not uploaded yet: "till 3 in shop 12 is missing receipts 1041-1043"."""

    list_display = ["description", "till", "first", "last", "noticed_at"]
    list_filter = ["till__shop"]
    list_select_related = ["till__shop"]

    @admin.display(description=gettext_lazy("missing receipts"))
    def description(self, gap):
        return _("Till %(till)s in shop %(shop)s is missing receipts %(numbers)s") % {
            "till": gap.till.code,
            "shop": gap.till.shop.code,
            "numbers": gap,
        }


@admin.register(ReceiptConflict)
class ReceiptConflictAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["received_at", "till", "receipt"]
    list_select_related = ["till__shop", "receipt__till"]
    readonly_fields = ["till", "receipt", "payload", "received_at"]
