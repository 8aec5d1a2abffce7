"""The admin's ledger pages, built from the ledger registry: every registered ledger gets them.

For each ledger (`inventory.ledgers`), whichever app registers it and when: a read-only
list of its entries (filters by each key field, document type, kind and date; the posting's
document number; the row it reverses) and a read-only list of its balances (key, amounts
and the rule's state). A ledger whose models already have an admin (stock's, with product
search and shop scoping: admin_stock.py) keeps it. Key fields are filtered by a typed value,
not a list of choices: a key may have half a million values (loyalty accounts).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from .admin_export import ExcelExportMixin
from .admin_mixins import BaseAdmin, ControlCharactersAdminMixin, ReadOnlyAdminMixin
from .ledgers import Ledger, ledgers_listen


class KeyValueFilter(admin.FieldListFilter):
    """Filter by one value of a key field, typed in a box (no list of every value)."""

    template = "admin/inventory/key_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = field.attname
        values = params.get(self.lookup_kwarg)
        self.lookup_val = values[-1] if isinstance(values, list) else values
        self.kept_params: list[tuple[str, str]] = []
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [self.lookup_kwarg]

    def choices(self, changelist):
        self.kept_params = [(k, v) for k, v in changelist.params.items() if k not in (self.lookup_kwarg, "p")]
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg]),
            "display": gettext_lazy("All"),
        }


def _key_names(ledger: Ledger) -> list[str]:
    model = ledger.entry_model
    return [model._meta.get_field(k).name for k in ledger.key_fields]


def _relations(model, names) -> list[str]:
    return [n for n in names if model._meta.get_field(n).is_relation]


class LedgerEntryAdmin(ReadOnlyAdminMixin, BaseAdmin):
    """The entries of one registered ledger (`ledger`): read-only, newest first."""

    ledger: Ledger
    date_hierarchy = "business_date"

    def get_list_display(self, request):
        return [
            "business_date",
            *_key_names(self.ledger),
            "kind",
            *self.ledger.amount_fields,
            "source_type",
            "document",
            "reverses",
        ]

    def get_list_filter(self, request):
        keys = [(name, KeyValueFilter) for name in _key_names(self.ledger)]
        return [*keys, "source_type", "kind", "business_date"]

    def get_queryset(self, request):
        related = ["posting", *_relations(self.model, _key_names(self.ledger))]
        return super().get_queryset(request).select_related(*related)

    @admin.display(description=gettext_lazy("document"), ordering="posting__document_number")
    def document(self, obj):
        return obj.posting.document_number

    @admin.display(description=gettext_lazy("reverses"))
    def reverses(self, obj):
        return obj.reversal_of_id  # the id: the row itself would cost a query per line


class LedgerBalanceAdmin(ReadOnlyAdminMixin, BaseAdmin):
    """The balances of one registered ledger (`ledger`): a cache of SUM(entries), read-only."""

    ledger: Ledger

    def get_list_display(self, request):
        return [*_key_names(self.ledger), *self.ledger.amount_fields, *self.ledger.rule.state_fields, "updated_at"]

    def get_list_filter(self, request):
        return [(name, KeyValueFilter) for name in _key_names(self.ledger)]

    def get_queryset(self, request):
        related = _relations(self.model, _key_names(self.ledger))
        return super().get_queryset(request).select_related(*related)


def ledger_admin_register(ledger: Ledger, site=admin.site) -> list[type]:
    """Register the generic entry and balance pages of `ledger` on `site`, for models that have none yet."""
    registered = []
    if ledger.entry_model._meta.app_config is None:  # a model outside INSTALLED_APPS has no admin app
        return registered
    for model, base in ((ledger.entry_model, LedgerEntryAdmin), (ledger.balance_model, LedgerBalanceAdmin)):
        if site.is_registered(model):
            continue
        # Registered whenever the ledger is (some apps register theirs in ready(), after the site-wide
        # wrappers ran): the pages carry the Excel export and the input guard themselves.
        bases = (*(m for m in (ExcelExportMixin, ControlCharactersAdminMixin) if not issubclass(base, m)), base)
        admin_class = type(f"{model.__name__}Admin", bases, {"ledger": ledger, "__module__": __name__})
        site.register(model, admin_class)
        registered.append(model)
    return registered


# Every ledger registered now or later (from any app's ready()) gets its pages on the admin site.
ledgers_listen(ledger_admin_register)
