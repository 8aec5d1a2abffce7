"""The back-office API of cash: balances, the ledger and cash orders of the shops the user may see.

Read-only (documents are posted in the admin; tills record pay-ins through the till API).
Filters by shop, location, category (with its subcategories) and date, as the issue asks.
"""

import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, serializers

from inventory.api_shared import FilterSet, IdFilter, NewestFirstCursor, ShopScopedAPIMixin

from .models import CashBalance, CashLedgerEntry, CashOrder, ExpenseCategory


class CashFilterSet(FilterSet):
    """Each filter once: `?shop=1&shop=2` is an error, not the last one silently."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if hasattr(self.data, "getlist") and len(self.data.getlist(name)) > 1:
                self.form.add_error(name, _("Give this parameter once."))
                valid = False
        return valid


class BalanceSerializer(serializers.ModelSerializer):
    location_code = serializers.CharField(source="location.code", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    kind = serializers.CharField(source="location.kind", read_only=True)
    shop = serializers.IntegerField(source="location.shop_id", read_only=True, allow_null=True)

    class Meta:
        model = CashBalance
        fields = ["location", "location_code", "location_name", "kind", "shop", "amount", "updated_at"]


class BalanceFilter(CashFilterSet):
    shop = IdFilter(field_name="location__shop", label=_("shop"))
    kind = django_filters.CharFilter(field_name="location__kind", label=_("kind"))

    class Meta:
        model = CashBalance
        fields = ["location"]


class BalanceListView(ShopScopedAPIMixin, generics.ListAPIView):
    """The money at every location the user may see, now."""

    queryset = CashBalance.objects.select_related("location")
    serializer_class = BalanceSerializer
    filterset_class = BalanceFilter
    pagination_class = NewestFirstCursor


class EntrySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="The movement's kind (cash.choices.CashMovementKind).")
    source_type = serializers.CharField(read_only=True)

    class Meta:
        model = CashLedgerEntry
        fields = [
            "id",
            "location",
            "business_date",
            "kind",
            "amount",
            "source_type",
            "source_id",
            "posting",
            "reversal_of",
        ]


class EntryFilter(CashFilterSet):
    shop = IdFilter(field_name="location__shop", label=_("shop"))
    date_from = django_filters.DateFilter(field_name="business_date", lookup_expr="gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="business_date", lookup_expr="lte", label=_("to"))

    class Meta:
        model = CashLedgerEntry
        fields = ["location", "kind", "source_type"]


class EntryListView(ShopScopedAPIMixin, generics.ListAPIView):
    """Cash ledger rows, newest first."""

    queryset = CashLedgerEntry.objects.all()
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    pagination_class = NewestFirstCursor


class OrderSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft, posted or cancelled.")
    direction = serializers.CharField(read_only=True, help_text="in or out.")
    reason = serializers.CharField(read_only=True, help_text="cash.choices.OrderReason.")
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True)

    class Meta:
        model = CashOrder
        fields = [
            "id",
            "number",
            "status",
            "business_date",
            "direction",
            "reason",
            "category",
            "category_name",
            "shop",
            "location",
            "counter_location",
            "counterparty",
            "amount",
            "comment",
            "shift_id",
            "posted_at",
            "cancelled_at",
        ]


class CategoryFilter(IdFilter):
    """An expense category and every category below it."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        path_ = ExpenseCategory.objects.filter(pk=value).values_list("path", flat=True).first()
        if path_ is None:
            return qs.none()
        return qs.filter(category__path__startswith=path_)


class OrderFilter(CashFilterSet):
    category = CategoryFilter(label=_("expense category (with its subcategories)"))
    date_from = django_filters.DateFilter(field_name="business_date", lookup_expr="gte", label=_("from"))
    date_to = django_filters.DateFilter(field_name="business_date", lookup_expr="lte", label=_("to"))

    class Meta:
        model = CashOrder
        fields = ["shop", "location", "direction", "reason", "status"]


class OrderListView(ShopScopedAPIMixin, generics.ListAPIView):
    """Cash orders, newest first."""

    queryset = CashOrder.objects.select_related("category")
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    pagination_class = NewestFirstCursor


class OrderDetailView(ShopScopedAPIMixin, generics.RetrieveAPIView):
    queryset = CashOrder.objects.select_related("category")
    serializer_class = OrderSerializer


# `id`: the bounded integer converter the project registers with the till API (sales.api.urls).
urlpatterns = [
    path("cash/balances/", BalanceListView.as_view(), name="cash-balance-list"),
    path("cash/entries/", EntryListView.as_view(), name="cash-entry-list"),
    path("cash/orders/", OrderListView.as_view(), name="cash-order-list"),
    path("cash/orders/<id:pk>/", OrderDetailView.as_view(), name="cash-order-detail"),
]
