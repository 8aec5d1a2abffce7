"""The stock ledger, its balances, postings (the audit trail) and period locks."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DocumentType, PostingAction, StockMovementKind
from ..db_guards import AppendOnly
from .catalog import Product, Shop
from .ledger import LedgerBalance, LedgerEntry

QUANTITY = {"max_digits": 16, "decimal_places": 3}
MONEY = {"max_digits": 18, "decimal_places": 2}


class Posting(models.Model):
    """One posting, cancellation or re-costing of one document: the audit entry.

    Every ledger row written by it, in any ledger, points here (`posting_id`). Append-only.
    """

    DB_GUARD = AppendOnly()

    document_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    document_id = models.BigIntegerField(_("document ID"))
    document_number = models.CharField(_("document"), max_length=32)
    action = models.CharField(_("action"), max_length=10, choices=PostingAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings (audit)")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["document_type", "document_id"], name="posting_document_idx"),
            models.Index(fields=["document_number"], name="posting_number_idx"),  # exact search in ledger lists
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.get_action_display()}"


class StockLedgerEntry(LedgerEntry):
    """An immutable movement of one product in one shop (or in transit).

    Quantity and cost are signed; outgoing rows carry the cost they left at, so gross
    margin is a query. A cancellation adds reversing rows (`reversal_of`); a later
    re-costing adds cost adjustments (`adjusts`, quantity 0). A customer return points at
    the sale row it brings goods back from (`return_of`): re-costing the sale re-costs the
    return by the same share. Rows are never updated or deleted: database triggers refuse it.
    """

    # No single-column indexes on shop and product: the list indexes below lead with them.
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+", db_index=False)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="stock_entries", db_index=False
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    cost_amount = models.DecimalField(_("cost"), **MONEY)
    kind = models.CharField(_("kind"), max_length=20, choices=StockMovementKind.choices)
    posting = models.ForeignKey(
        Posting, verbose_name=_("posting"), on_delete=models.PROTECT, related_name="stock_entries"
    )
    adjusts = models.ForeignKey(
        "self", verbose_name=_("adjusts"), on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments"
    )
    return_of = models.ForeignKey(
        "self",
        verbose_name=_("returns"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returned_by",
        db_index=False,  # never looked up by it: re-costing reads a pair's rows whole; rows are never deleted
        help_text=_("The outgoing row whose goods this row brings back; its cost follows that row's cost."),
    )
    cost_is_fixed = models.BooleanField(
        _("cost from the document"),
        default=False,
        help_text=_("Incoming at a document price; otherwise at average cost."),
    )
    cost_provisional = models.BooleanField(
        _("provisional cost"), default=False, help_text=_("Left from negative stock at the last known cost.")
    )

    class Meta:
        verbose_name = _("stock ledger entry")
        verbose_name_plural = _("stock ledger")
        ordering = ["-business_date", "-id"]
        constraints = [
            # A replayed posting can never write a line twice.
            models.UniqueConstraint(
                fields=["source_type", "source_line_id", "kind", "shop"],
                condition=Q(reversal_of__isnull=True, adjusts__isnull=True),
                name="stock_entry_unique_per_line",
            ),
        ]
        # The admin list is ordered by (-business_date, -id): each of its usual filters (none,
        # shop, product, kind, provisional cost) has an index in that order, so page 1 reads
        # 100 index entries, not a year of rows and a sort.
        indexes = [
            models.Index(fields=["shop", "product", "business_date"], name="stock_entry_pair_date_idx"),
            models.Index(fields=["source_type", "source_id"], name="stock_entry_source_idx"),
            models.Index(fields=["business_date", "id"], name="stock_entry_list_idx"),
            models.Index(fields=["shop", "business_date", "id"], name="stock_entry_shop_list_idx"),
            models.Index(fields=["product", "business_date", "id"], name="stock_entry_product_list_idx"),
            models.Index(fields=["kind", "business_date", "id"], name="stock_entry_kind_list_idx"),
            models.Index(
                fields=["business_date", "id"], condition=Q(cost_provisional=True), name="stock_entry_provisional_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.shop_id}/{self.product_id} {self.quantity:+}"


class StockBalance(LedgerBalance):
    """Quantity and cost value of a product in a shop: a cache of SUM(ledger), kept in the same transaction."""

    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="stock_balances"
    )
    quantity = models.DecimalField(_("quantity"), default=0, **QUANTITY)
    cost_amount = models.DecimalField(_("cost value"), default=0, **MONEY)
    last_unit_cost = models.DecimalField(
        _("last unit cost"),
        max_digits=18,
        decimal_places=4,
        default=0,
        help_text=_("Cost used when goods leave from negative stock."),
    )
    last_business_date = models.DateField(_("last movement on"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [models.UniqueConstraint(fields=["shop", "product"], name="stock_balance_unique_pair")]

    def __str__(self) -> str:
        return f"{self.shop_id}/{self.product_id}: {self.quantity}"


class RecostRequest(models.Model):
    """A shop x product whose outgoing costs must be recomputed from `from_date` (background job)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    from_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("re-costing request")
        verbose_name_plural = _("re-costing requests")
        constraints = [models.UniqueConstraint(fields=["shop", "product"], name="recost_request_unique_pair")]

    def __str__(self) -> str:
        return f"{self.shop_id}/{self.product_id} from {self.from_date}"


class PeriodLock(models.Model):
    """Documents dated on or before `lock_date` cannot be posted, cancelled or edited (for one shop, or all)."""

    shop = models.OneToOneField(
        Shop,
        verbose_name=_("shop"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="period_lock",
        help_text=_("Empty: every shop."),
    )
    lock_date = models.DateField(_("closed up to and including"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    def clean(self):
        """A period is closed once it is over: a lock on today or a later day would send today's till
        sales (which post on the first open day) into the future."""
        super().clean()
        if self.lock_date is not None and self.lock_date >= timezone.localdate():
            raise ValidationError(
                {"lock_date": _("A period can be closed only once it is over: choose a day before today.")}
            )

    class Meta:
        verbose_name = _("period lock")
        verbose_name_plural = _("period locks")
        constraints = [
            models.UniqueConstraint(fields=["shop"], name="period_lock_one_per_shop"),
            models.UniqueConstraint(
                fields=["lock_date"], condition=Q(shop__isnull=True), name="period_lock_one_global"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop or _('all shops')}: {self.lock_date}"


class LedgerCheckRun(models.Model):
    """The result of one `check_ledgers` run, for the owner to see in the admin."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    pairs_checked = models.PositiveIntegerField(_("balances checked"), default=0)
    differences = models.PositiveIntegerField(_("differences"), default=0)
    details = models.JSONField(_("details"), default=list, blank=True)

    class Meta:
        verbose_name = _("ledger check")
        verbose_name_plural = _("ledger checks")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}: {self.differences}"

    @property
    def ok(self) -> bool:
        return self.differences == 0
