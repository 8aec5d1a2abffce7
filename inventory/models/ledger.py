"""The ledger kernel's abstract models: every ledger's entries and balances inherit them.

An entry is an immutable row with a typed source (`source_type` from `DocumentType`,
`source_id`, `source_line_id`), the posting that wrote it (shared by every row one posting
writes, in any ledger), `reversal_of` when it reverses another row, a `kind`, and
`business_date`; amounts are declared by the concrete ledger. A balance row holds the
amounts per key: a cache of SUM(entries), updated in the same transaction. See
`inventory.ledgers` for how a ledger is declared and `inventory.services.kernel` for writes.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import DocumentType
from ..db_guards import AppendOnly


class LedgerEntry(models.Model):
    """Abstract: one immutable ledger row. Concrete ledgers add key and amount fields.

    The default Meta gives a new ledger the unique row per source line and kind (a replayed
    posting can never write a line twice) and an index on the source; a ledger whose
    constraint scopes differ (stock: per shop, cost adjustments excluded) declares its own.
    The database refuses any UPDATE, DELETE or TRUNCATE of its rows (`DB_GUARD`).
    """

    DB_GUARD = AppendOnly()

    business_date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20)
    source_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    source_id = models.BigIntegerField(_("document ID"))
    source_line_id = models.BigIntegerField(_("line ID"))
    posting = models.ForeignKey(
        "inventory.Posting", verbose_name=_("posting"), on_delete=models.PROTECT, related_name="+"
    )
    reversal_of = models.OneToOneField(
        "self", verbose_name=_("reverses"), on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_line_id", "kind"],
                condition=Q(reversal_of__isnull=True),
                name="%(app_label)s_%(class)s_line",
            ),
        ]
        indexes = [models.Index(fields=["source_type", "source_id"], name="%(app_label)s_%(class)s_src")]


class LedgerBalance(models.Model):
    """Abstract: the amounts of one key of a ledger, a cache of SUM(entries) kept in the same transaction."""

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
