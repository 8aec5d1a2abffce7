"""The owners' admin for shops, nomenclature, prices and suppliers."""

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from reports.xlsx import XLSX_CONTENT_TYPE, Column, write_table

from .admin_export import ExcelExportMixin
from .admin_imports import import_in_background
from .admin_mixins import (
    DOCUMENT_AUDIT_FIELDS,
    BaseAdmin,
    DocumentAdminMixin,
    HistoryAdmin,
    ProductCodeSearchMixin,
    ReadOnlyAdminMixin,
    ShopScopedAdminMixin,
)
from .choices import DocumentStatus, ShopFormat, Weekday
from .imports import (
    ImportFileError,
    group_full_names,
    nomenclature_export_header,
    nomenclature_export_rows,
    nomenclature_import,
)
from .models import (
    Barcode,
    Company,
    Price,
    PriceChange,
    PriceChangeLine,
    PriceZone,
    Product,
    ProductGroup,
    Shop,
    StockBalance,
    Supplier,
)
from .selectors import (
    price_in_force_subquery,
    shops_for_user,
    user_sees_all_shops,
    zone_price_get,
)
from .services import price_change_cancel, price_change_post


@admin.register(PriceZone)
class PriceZoneAdmin(BaseAdmin):
    list_display = ["code", "name", "shop_count"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(shop_count=Count("shops"))

    @admin.display(description=gettext_lazy("shops"), ordering="shop_count")
    def shop_count(self, obj):
        return obj.shop_count


@admin.register(Shop)
class ShopAdmin(ShopScopedAdminMixin, HistoryAdmin):
    list_display = [
        "code",
        "name",
        "format",
        "city",
        "price_zone",
        "is_active",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["is_active", "format", "city", "price_zone", "negative_stock_allowed"]
    list_select_related = ["price_zone"]
    search_fields = ["code", "name", "city", "address"]
    filter_horizontal = ["managers"]
    fieldsets = [
        (None, {"fields": ["code", "name", "format", "is_active"]}),
        (
            gettext_lazy("Location"),
            {"fields": ["city", "address", "time_zone", "opening_hours", "latitude", "longitude", "photo"]},
        ),
        (gettext_lazy("Trading"), {"fields": ["price_zone", "negative_stock_allowed"]}),
        (gettext_lazy("Access"), {"fields": ["managers"]}),
    ]

    # What decides how a shop trades: the owner's (the permission change_shop_controls).
    TRADING_CONTROLS = ("is_active", "negative_stock_allowed", "price_zone", "time_zone")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("inventory.change_shop_controls"):
            fields += [f for f in self.TRADING_CONTROLS if f not in fields]
        # Only those who manage users assign shop managers; a manager edits their shop's details only.
        if not request.user.has_perm("auth.change_user"):
            fields += ["managers", "code"]
        return fields

    def has_add_permission(self, request):
        return user_sees_all_shops(request.user) and super().has_add_permission(request)

    def get_queryset(self, request):
        return super().get_queryset(request).trading()


class SubqueryCount(Subquery):
    """COUNT(*) of a subquery's rows, as one correlated scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


@admin.register(ProductGroup)
class ProductGroupAdmin(ExcelExportMixin, TreeAdmin):
    form = movenodeform_factory(ProductGroup)
    list_display = ["name", "direct_count", "subtree_count"]
    search_fields = ["name"]
    show_full_result_count = False

    def get_queryset(self, request):
        in_subtree = Product.objects.filter(group__path__startswith=OuterRef("path")).values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(direct_count=Count("products"), subtree_count=SubqueryCount(in_subtree))
        )

    export_fields = ["full_path", "direct_count", "subtree_count"]

    def export_xlsx_view(self, request):
        # The tree changelist shows one level at a time; the spreadsheet carries the whole tree.
        request._ignore_treebeard_filters = True
        return super().export_xlsx_view(request)

    def export_rows(self, request, queryset, fields):
        names = group_full_names()
        for obj in queryset.order_by("path").iterator(chunk_size=self.export_chunk_size):
            obj.full_path_name = names.get(obj.pk)
            yield [self.export_value(name, obj) for name in fields]

    @admin.display(description=gettext_lazy("group"))
    def full_path(self, obj):
        return getattr(obj, "full_path_name", None) or obj.full_name()

    @admin.display(description=gettext_lazy("products in the group"), ordering="direct_count")
    def direct_count(self, obj):
        return obj.direct_count

    @admin.display(description=gettext_lazy("products with subgroups"), ordering="subtree_count")
    def subtree_count(self, obj):
        return obj.subtree_count or 0


class GroupFilter(admin.SimpleListFilter):
    """A group and everything below it."""

    title = gettext_lazy("group")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return [
            (pk, "\u2003" * (depth - 1) + name)
            for pk, name, depth in ProductGroup.objects.order_by("path").values_list("pk", "name", "depth")
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        group = ProductGroup.objects.filter(pk=self.value()).first()
        if group is None:
            return queryset.none()
        return queryset.filter(group__path__startswith=group.path)


class PriceZoneFilter(admin.SimpleListFilter):
    title = gettext_lazy("price zone")
    parameter_name = "zone"

    def lookups(self, request, model_admin):
        result = []
        for zone in PriceZone.objects.all():
            result.append((str(zone.pk), _("priced in %(zone)s") % {"zone": zone.name}))
            result.append((f"no-{zone.pk}", _("no price in %(zone)s") % {"zone": zone.name}))
        return result

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        missing = value.startswith("no-")
        zone_id = value.removeprefix("no-")
        if not zone_id.isdigit():
            return queryset.none()
        priced = Exists(Price.objects.filter(product=OuterRef("pk"), zone_id=int(zone_id), is_active=True))
        return queryset.filter(~priced if missing else priced)


class BarcodeInline(admin.TabularInline):
    model = Barcode
    fields = ["code", "kind"]
    readonly_fields = ["kind"]
    extra = 1


class PriceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Price
    fields = ["zone", "effective_date", "price_amount", "is_active", "price_change"]
    readonly_fields = fields
    ordering = ["zone", "-effective_date", "-id"]
    verbose_name_plural = gettext_lazy("price history")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("zone", "price_change")


class StockBalanceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StockBalance
    fields = ["shop", "quantity", "cost_amount", "average_cost", "last_business_date", "movements"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("stock by shop")
    extra = 0

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("shop", "product")
            .exclude(shop__format=ShopFormat.TRANSIT)
            .order_by("shop__code")
        )
        if user_sees_all_shops(request.user):
            return queryset
        return queryset.filter(shop__in=shops_for_user(user=request.user))

    @admin.display(description=gettext_lazy("average cost"))
    def average_cost(self, obj):
        return (
            (obj.cost_amount / obj.quantity).quantize(obj.cost_amount.__class__("0.01")) if obj.quantity > 0 else None
        )

    @admin.display(description=gettext_lazy("movements"))
    def movements(self, obj):
        url = (
            reverse("admin:inventory_stockledgerentry_changelist")
            + f"?shop__id__exact={obj.shop_id}&q={obj.product.sku}"
        )
        return format_html('<a href="{}">{}</a>', url, _("movements"))


def _price_column(zone: PriceZone):
    attr = f"price_zone_{zone.pk}"

    def column(obj):
        return getattr(obj, attr, None)

    column.short_description = _("Price %(zone)s") % {"zone": zone.code}
    column.admin_order_field = attr
    column.__name__ = attr
    return column


class NomenclatureImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))
    price_date = forms.DateField(
        label=gettext_lazy("prices effective from"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: only show what would change"), required=False, initial=True
    )


@admin.register(Product)
class ProductAdmin(ProductCodeSearchMixin, HistoryAdmin):
    product_code_lookup = "pk"
    list_display_links = ["sku", "name"]
    list_filter = [GroupFilter, "is_active", "is_weighted", PriceZoneFilter, "unit", "excluded_from_discounts"]
    list_select_related = ["group"]
    search_fields = ["sku", "name"]
    search_help_text = gettext_lazy("Name, SKU, barcode or a scale barcode.")
    autocomplete_fields = ["group"]
    inlines = [BarcodeInline, StockBalanceInline, PriceInline]
    readonly_fields = ["current_prices", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["sku", "name", "group", "unit", "vat_rate", "is_active"]}),
        (gettext_lazy("Scales and loyalty"), {"fields": ["is_weighted", "plu", "excluded_from_discounts"]}),
        (gettext_lazy("Prices"), {"fields": ["current_prices"]}),
        (gettext_lazy("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    change_list_template = "admin/inventory/product/change_list.html"

    def _zones(self, request) -> list[PriceZone]:
        if not hasattr(request, "_price_zones"):
            request._price_zones = list(PriceZone.objects.all())
        return request._price_zones

    def get_queryset(self, request):
        today = timezone.localdate()
        annotations = {
            f"price_zone_{zone.pk}": price_in_force_subquery(zone_id=zone.pk, day=today)
            for zone in self._zones(request)
        }
        main_barcode = Subquery(Barcode.objects.filter(product=OuterRef("pk")).order_by("id").values("code")[:1])
        return super().get_queryset(request).annotate(main_barcode=main_barcode, **annotations)

    def get_list_display(self, request):
        # What people look for first: the product, its barcode and its prices. Unit, VAT, scales
        # and loyalty flags are on the product's page (and in the Excel export).
        return [
            "sku",
            "name",
            "barcode",
            *[_price_column(zone) for zone in self._zones(request)],
            "group",
            "is_active",
        ]

    @admin.display(description=gettext_lazy("barcode"), ordering="main_barcode")
    def barcode(self, obj):
        return getattr(obj, "main_barcode", None)

    @admin.display(description=gettext_lazy("prices in force today"))
    def current_prices(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = []
        for zone in PriceZone.objects.all():
            price = zone_price_get(product_id=obj.pk, zone_id=zone.pk, day=timezone.localdate())
            rows.append((zone.name, price if price is not None else "—"))
        if not rows:
            return "—"
        return format_html("<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows))

    # --- import and export in the import format -----------------------------------------
    def get_urls(self):
        return [
            path("import-xlsx/", self.admin_site.admin_view(self.import_view), name="inventory_product_import"),
            path(
                "export-nomenclature/",
                self.admin_site.admin_view(self.export_nomenclature_view),
                name="inventory_product_export_nomenclature",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = NomenclatureImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    background = import_in_background(
                        self,
                        request,
                        report="import_nomenclature",
                        params={
                            "dry_run": form.cleaned_data["dry_run"],
                            "price_date": form.cleaned_data["price_date"].isoformat()
                            if form.cleaned_data["price_date"]
                            else None,
                        },
                        file=form.cleaned_data["file"],
                        shop_ids=[],
                        title=_("Import the nomenclature from Excel"),
                    )
                    if background is not None:
                        return background
                    report = nomenclature_import(
                        file=form.cleaned_data["file"],
                        actor=request.user,
                        dry_run=form.cleaned_data["dry_run"],
                        price_date=form.cleaned_data["price_date"],
                    )
                except ImportFileError as exc:
                    form.add_error("file", str(exc))
                else:
                    if report.applied:
                        self.message_user(
                            request,
                            _(
                                "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                                "%(prices)d prices set, %(groups)d groups created."
                            )
                            % {
                                "created": report.created,
                                "updated": report.updated,
                                "unchanged": report.unchanged,
                                "prices": report.prices_set,
                                "groups": report.groups_created,
                            },
                            messages.SUCCESS,
                        )
                    elif report.errors:
                        self.message_user(
                            request,
                            _("The file has %(count)d errors; nothing was imported.") % {"count": report.error_count},
                            messages.ERROR,
                        )
        else:
            form = NomenclatureImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import the nomenclature from Excel"),
            "form": form,
            "report": report,
            "changes": [c for c in report.changes if c.action != "unchanged"][:1000] if report else [],
            "zones": self._zones(request),
            "export_url": reverse("admin:inventory_product_export_nomenclature"),
        }
        return render(request, "admin/inventory/product/import.html", context)

    def export_nomenclature_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        zones = self._zones(request)
        buffer = io.BytesIO()
        write_table(
            buffer,
            columns=[Column(label=h) for h in nomenclature_export_header(zones)],
            rows=nomenclature_export_rows(
                zones=zones, day=timezone.localdate(), queryset=changelist.get_queryset(request)
            ),
            sheet_title="Nomenclature",
        )
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="nomenclature-{timezone.localdate():%Y-%m-%d}.xlsx"'
        return response


class PriceChangeLineInline(admin.TabularInline):
    model = PriceChangeLine
    autocomplete_fields = ["product"]
    fields = ["product", "price_amount"]
    extra = 3


@admin.register(PriceChange)
class PriceChangeAdmin(DocumentAdminMixin, HistoryAdmin):
    post_service = staticmethod(price_change_post)
    cancel_service = staticmethod(price_change_cancel)
    list_display = ["number", "business_date", "zone", "effective_date", "status", "line_count", "posted_by", "comment"]
    list_filter = ["status", "zone", "effective_date"]
    list_select_related = ["zone", "posted_by"]
    search_fields = ["number", "comment"]
    fields = [
        *DOCUMENT_AUDIT_FIELDS[:2],
        "business_date",
        "zone",
        "effective_date",
        "comment",
        *DOCUMENT_AUDIT_FIELDS[2:],
    ]
    inlines = [PriceChangeLineInline]
    lines_changelist = "admin:inventory_pricechangeline_changelist"


@admin.register(PriceChangeLine)
class PriceChangeLineAdmin(BaseAdmin):
    """Lines of big price changes, paged and searchable; editable while the document is a draft."""

    list_display = ["document", "product", "price_amount"]
    list_select_related = ["document", "product"]
    search_fields = ["product__sku", "product__name", "document__number"]
    autocomplete_fields = ["product"]
    list_filter = ["document__status"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.document.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.document.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def get_model_perms(self, request):
        return {}  # reached from its document, not from the index

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "document":
            kwargs["queryset"] = PriceChange.objects.filter(status=DocumentStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Price)
class PriceAdmin(ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["product", "zone", "effective_date", "price_amount", "is_active", "price_change"]
    list_filter = ["zone", "is_active", "effective_date"]
    list_select_related = ["product", "zone", "price_change"]
    search_fields = ["product__sku", "product__name"]
    date_hierarchy = "effective_date"


class SupplierForm(forms.ModelForm):
    order_days = forms.TypedMultipleChoiceField(
        label=gettext_lazy("order days"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Supplier
        fields = [
            "name",
            "tax_id",
            "is_active",
            "contact_person",
            "phone",
            "email",
            "address",
            "payment_terms_days",
            "lead_time_days",
            "min_order_amount",
            "comment",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["order_days"].initial = self.instance.order_weekday_list

    def save(self, commit=True):
        self.instance.order_weekdays = sum(1 << (day - 1) for day in self.cleaned_data.get("order_days") or [])
        return super().save(commit)


@admin.register(Company)
class CompanyAdmin(BaseAdmin):
    """The company's details for printouts: one row."""

    list_display = ["name", "tax_number", "address"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Company.objects.exists()


@admin.register(Supplier)
class SupplierAdmin(HistoryAdmin):
    form = SupplierForm
    list_display = [
        "name",
        "tax_id",
        "phone",
        "payment_terms_days",
        "lead_time_days",
        "is_active",
    ]
    list_filter = ["is_active", "payment_terms_days", "lead_time_days"]
    search_fields = ["name", "tax_id", "contact_person"]
    fieldsets = [
        (None, {"fields": ["name", "tax_id", "is_active"]}),
        (gettext_lazy("Contacts"), {"fields": ["contact_person", "phone", "email", "address"]}),
        (gettext_lazy("Terms"), {"fields": ["payment_terms_days", "order_days", "lead_time_days", "min_order_amount"]}),
        (None, {"fields": ["comment"]}),
    ]


from . import admin_stock  # noqa: E402,F401  (registers the stock admin)

# isort: split
# Every registered ledger's pages, after stock's own admin: a ledger whose models have an admin keeps it.
from . import admin_ledgers  # noqa: E402,F401
