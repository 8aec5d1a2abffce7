"""The back-office API: staff read receipts, returns, shifts and tills of the shops they may see."""

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, serializers

from inventory.api_shared import BooleanFilter, FilterSet, IdFilter, NewestFirstCursor, ShopScopedAPIMixin

from ..models import Receipt, ReceiptConflict, ReceiptLine, ReceiptPayment, Shift, Till, TillGap
from .serializers import ShiftOutput


class ReceiptLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = ReceiptLine
        fields = [
            "line_no",
            "product",
            "sku",
            "product_name",
            "barcode",
            "quantity",
            "price_amount",
            "discount_amount",
            "amount",
            "our_price_amount",
            "original_line",
        ]


class ReceiptPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceiptPayment
        fields = ["type", "amount"]


class ReceiptSerializer(serializers.ModelSerializer):
    till_code = serializers.CharField(source="till.code", read_only=True)
    shop_code = serializers.CharField(source="shop.code", read_only=True)
    original_uuid = serializers.UUIDField(source="original.client_uuid", read_only=True, allow_null=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "kind",
            "shop",
            "shop_code",
            "till",
            "till_code",
            "shift",
            "client_uuid",
            "sequence",
            "till_time",
            "business_date",
            "received_at",
            "total_amount",
            "discount_amount",
            "original",
            "original_uuid",
            "card_number",
            "fiscal_sign",
            "fiscal_number",
            "negative_stock",
            "price_differs",
            "period_closed",
            "arrived_late",
        ]


class ReceiptDetailSerializer(ReceiptSerializer):
    lines = ReceiptLineSerializer(many=True, read_only=True)
    payments = ReceiptPaymentSerializer(many=True, read_only=True)

    class Meta(ReceiptSerializer.Meta):
        fields = [*ReceiptSerializer.Meta.fields, "lines", "payments"]


class ReceiptFilter(FilterSet):
    date_from = django_filters.DateFilter(field_name="business_date", lookup_expr="gte", label=_("from date"))
    date_to = django_filters.DateFilter(field_name="business_date", lookup_expr="lte", label=_("to date"))
    flagged = BooleanFilter(method="filter_flagged", label=_("flagged"))

    class Meta:
        model = Receipt
        fields = [
            "shop",
            "till",
            "shift",
            "kind",
            "negative_stock",
            "price_differs",
            "period_closed",
            "arrived_late",
            "card_number",
        ]

    def filter_flagged(self, queryset, name, value):
        """The same four reasons as Sales › Flagged receipts, and conflicting uploads."""
        flagged = (
            Q(negative_stock=True)
            | Q(price_differs=True)
            | Q(period_closed=True)
            | Q(arrived_late=True)
            | Exists(ReceiptConflict.objects.filter(receipt=OuterRef("pk")))
        )
        # Exists, not a join to conflicts and DISTINCT: the page stays an ordered index scan.
        return queryset.filter(flagged) if value else queryset.exclude(flagged)


class ReceiptListView(ShopScopedAPIMixin, generics.ListAPIView):
    """Receipts and returns, newest first; filter by shop, till, shift, kind, dates, flags."""

    queryset = Receipt.objects.select_related("till", "shop", "original")
    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilter
    pagination_class = NewestFirstCursor


class ReceiptDetailView(ShopScopedAPIMixin, generics.RetrieveAPIView):
    queryset = Receipt.objects.select_related("till", "shop", "original").prefetch_related("lines__product", "payments")
    serializer_class = ReceiptDetailSerializer


class ShiftSerializer(ShiftOutput):
    till_code = serializers.CharField(source="till.code", read_only=True)
    shop = serializers.IntegerField(source="till.shop_id", read_only=True)

    class Meta(ShiftOutput.Meta):
        fields = ["till", "till_code", "shop", *ShiftOutput.Meta.fields]


class ShiftFilter(FilterSet):
    shop = IdFilter(field_name="till__shop", label=_("shop"))
    opened_from = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("opened from"))
    opened_to = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("opened to"))
    is_open = BooleanFilter(field_name="closed_at", lookup_expr="isnull", label=_("open"))

    class Meta:
        model = Shift
        fields = ["till", "has_differences"]


class ShiftListView(ShopScopedAPIMixin, generics.ListAPIView):
    """Shifts with their Z-reports and differences, newest first."""

    shop_field = "till__shop"
    queryset = Shift.objects.select_related("till")
    serializer_class = ShiftSerializer
    filterset_class = ShiftFilter
    pagination_class = NewestFirstCursor


class ShiftDetailView(ShopScopedAPIMixin, generics.RetrieveAPIView):
    shop_field = "till__shop"
    queryset = Shift.objects.select_related("till")
    serializer_class = ShiftSerializer


class TillGapSerializer(serializers.ModelSerializer):
    class Meta:
        model = TillGap
        fields = ["first", "last", "noticed_at"]


class TillSerializer(serializers.ModelSerializer):
    shop_code = serializers.CharField(source="shop.code", read_only=True)
    gaps = TillGapSerializer(many=True, read_only=True, help_text="Receipt numbers skipped and not yet uploaded.")

    class Meta:
        model = Till
        fields = ["id", "code", "name", "shop", "shop_code", "is_active", "last_upload_at", "last_sequence", "gaps"]


class TillFilter(FilterSet):
    class Meta:
        model = Till
        fields = ["shop", "is_active"]


class TillListView(ShopScopedAPIMixin, generics.ListAPIView):
    """Tills with their sync status: last upload, last receipt number, missing receipt numbers."""

    queryset = Till.objects.select_related("shop").prefetch_related("gaps").order_by("shop__code", "code")
    serializer_class = TillSerializer
    filterset_class = TillFilter
