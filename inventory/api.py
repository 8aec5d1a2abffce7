"""The back-office API of inventory: stock balances and transfers of the shops a user may see."""

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, serializers

from .api_shared import BooleanFilter, FilterSet, NewestFirstCursor, ShopScopedAPIMixin
from .models import StockBalance, Transfer


class StockBalanceSerializer(serializers.ModelSerializer):
    shop_code = serializers.CharField(source="shop.code", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "shop",
            "shop_code",
            "product",
            "sku",
            "product_name",
            "quantity",
            "cost_amount",
            "last_unit_cost",
            "last_business_date",
        ]


class StockBalanceFilter(FilterSet):
    sku = django_filters.CharFilter(field_name="product__sku", label=_("SKU"))
    group = django_filters.CharFilter(
        field_name="product__group__path", lookup_expr="startswith", label=_("group path (and below)")
    )
    negative = BooleanFilter(method="filter_negative", label=_("negative"))

    class Meta:
        model = StockBalance
        fields = ["shop", "product"]

    def filter_negative(self, queryset, name, value):
        return queryset.filter(quantity__lt=0) if value else queryset.filter(quantity__gte=0)


class StockBalanceListView(ShopScopedAPIMixin, generics.ListAPIView):
    """Current stock by shop and product; filter by shop, product, SKU, group, negative."""

    queryset = StockBalance.objects.select_related("shop", "product")
    serializer_class = StockBalanceSerializer
    filterset_class = StockBalanceFilter
    pagination_class = NewestFirstCursor


class TransferSerializer(serializers.ModelSerializer):
    shop_code = serializers.CharField(source="shop.code", read_only=True)
    to_shop_code = serializers.CharField(source="to_shop.code", read_only=True)

    class Meta:
        model = Transfer
        fields = ["id", "number", "status", "business_date", "shop", "shop_code", "to_shop", "to_shop_code"]
        fields += ["received_date", "comment"]


class TransferFilter(FilterSet):
    class Meta:
        model = Transfer
        fields = ["status", "shop", "to_shop", "business_date"]


class TransferListView(ShopScopedAPIMixin, generics.ListAPIView):
    """Transfers either of whose shops the user may see (sender or receiver), newest first."""

    queryset = Transfer.objects.select_related("shop", "to_shop")
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    pagination_class = NewestFirstCursor


app_name = "inventory-api"
urlpatterns = [
    path("stock-balances/", StockBalanceListView.as_view(), name="stock-balance-list"),
    path("transfers/", TransferListView.as_view(), name="transfer-list"),
]
