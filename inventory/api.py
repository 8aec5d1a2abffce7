"""The back-office API of inventory: stock balances of the shops a user may see."""

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, serializers

from config.api import BooleanFilter, FilterSet, NewestFirstCursor, ShopScopedAPIMixin

from .models import StockBalance


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


app_name = "inventory-api"
urlpatterns = [path("stock-balances/", StockBalanceListView.as_view(), name="stock-balance-list")]
