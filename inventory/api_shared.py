"""API building blocks shared by every app's back-office API: shop scoping and cursor pages.

Here (not in `config`) so that apps' APIs import downward only; `config.api` re-exports them.
"""

from rest_framework.pagination import CursorPagination

from .scoping import visible_to


class NewestFirstCursor(CursorPagination):
    """Cursor pages for long lists (receipts, balances): stable while rows are added."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ShopScopedAPIMixin:
    """Back-office lists and details show only rows of the shops the user may see, like the admin.

    The shops come from the model's SHOP_FIELDS (`inventory.scoping`); `shop_field` overrides
    them with one lookup.
    """

    shop_field: str | None = None

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return visible_to(queryset, self.request.user, fields=(self.shop_field,) if self.shop_field else None)
