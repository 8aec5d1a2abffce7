"""List filters and searches for the admin's big lists (a year of ledger rows or receipts).

- `DateRangeFilter`: "from" and "to" dates, one range condition that an index in the list's
  order serves. The date hierarchy it replaces runs `DISTINCT date_trunc(...)` over the
  whole table on every page.
- `exact_codes_search`: the search box of ledger lists takes an exact SKU, barcode, scale
  barcode or document number (indexed lookups), and falls back to part of a product name
  (20,000 products, not 40 million rows); never a substring scan over joined tables.
"""

import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Posting, Product
from .selectors import product_ids_matching_code


class DateRangeFilter(admin.FieldListFilter):
    """`<field>_from` and `<field>_to` (ISO dates, both inclusive) as two date inputs in the sidebar.

    On a date-time field the days are the current time zone's days. A malformed date is
    refused the way Django's own filters refuse a bad value (the list says so; no error page).
    """

    template = "admin/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.param_from = f"{field_path}_from"
        self.param_to = f"{field_path}_to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.day_from = self._day(self.param_from)
        self.day_to = self._day(self.param_to)

    def _day(self, name) -> datetime.date | None:
        value = self.used_parameters.get(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            raise IncorrectLookupParameters(_("Enter dates as YYYY-MM-DD.")) from None

    def expected_parameters(self):
        return [self.param_from, self.param_to]

    def has_output(self):
        return True

    def _bound(self, day: datetime.date):
        if isinstance(self.field, models.DateTimeField):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return day

    def queryset(self, request, queryset):
        if self.day_from is not None:
            queryset = queryset.filter(**{f"{self.field_path}__gte": self._bound(self.day_from)})
        if self.day_to is not None:
            if isinstance(self.field, models.DateTimeField):
                end = self._bound(self.day_to + datetime.timedelta(days=1))
                queryset = queryset.filter(**{f"{self.field_path}__lt": end})
            else:
                queryset = queryset.filter(**{f"{self.field_path}__lte": self.day_to})
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {}

    def choices(self, changelist):
        mine = {self.param_from, self.param_to, "p"}
        hidden = [(name, value) for name, values in changelist.params.items() if name not in mine for value in values]
        yield {
            "param_from": self.param_from,
            "param_to": self.param_to,
            "value_from": self.day_from.isoformat() if self.day_from else "",
            "value_to": self.day_to.isoformat() if self.day_to else "",
            "hidden": hidden,
            "active": self.day_from is not None or self.day_to is not None,
            "clear_url": changelist.get_query_string(remove=[self.param_from, self.param_to]),
        }


def exact_codes_search(queryset, term: str, *, product_field: str = "product", posting_field: str | None = "posting"):
    """Rows of `queryset` a search term names: a document number, else a product code, else part of a product name.

    A document number is matched exactly against postings (indexed); a SKU, barcode or
    scale barcode names one product; anything else finds the products whose name contains
    it. Each is one indexed condition on the rows, so the list keeps its index order.
    """
    term = term.strip()
    if not term:
        return queryset
    if posting_field:
        postings = list(Posting.objects.filter(document_number=term).values_list("pk", flat=True)[:1000])
        if postings:
            return queryset.filter(**{f"{posting_field}_id__in": postings})
    product_ids = product_ids_matching_code(term)
    if product_ids:
        return queryset.filter(**{f"{product_field}_id__in": product_ids})
    names = Product.objects.filter(Q(name__icontains=term) | Q(sku__iexact=term)).values("pk")
    return queryset.filter(**{f"{product_field}_id__in": names})


class ExactCodesSearchMixin:
    """An admin list over a ledger (rows with a product and a posting) searched by `exact_codes_search`."""

    search_product_field = "product"
    search_posting_field: str | None = "posting"
    search_help_text = gettext_lazy("An exact SKU, barcode or document number, or part of a product name.")

    def get_search_results(self, request, queryset, search_term):
        return (
            exact_codes_search(
                queryset,
                search_term,
                product_field=self.search_product_field,
                posting_field=self.search_posting_field,
            ),
            False,
        )


class CappedCountPaginator(Paginator):
    """Counts at most `cap` + 1 rows: a list over millions of rows never counts them all.

    Django's changelist counts its filtered rows on every page; over a year of a chain's
    ledger that COUNT alone takes seconds. Counting a LIMITed subquery reads at most
    `cap` + 1 index entries; the page says "more than 10,000" (templates/admin/pagination.html)
    and the filters narrow the list. Exports compare with their threshold, which is smaller.
    """

    cap = 10000

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class BigListAdminMixin:
    """For admin lists over a year of ledger rows or receipts: capped counts, no facet counts."""

    paginator = CappedCountPaginator
    show_facets = admin.ShowFacets.NEVER
