"""Retail prices: an append-only history per zone and product, set by price-change documents."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..choices import DocumentType
from ..db_guards import DocumentLines, PostedRows
from .catalog import PriceZone, Product, Shop
from .documents import Document


class PriceChange(Document):
    """A price-change document: new retail prices for many products in a zone from a date."""

    NUMBER_PREFIX = "PC"
    DOCUMENT_TYPE = DocumentType.PRICE_CHANGE

    zone = models.ForeignKey(PriceZone, verbose_name=_("price zone"), on_delete=models.PROTECT, related_name="+")
    effective_date = models.DateField(_("effective from"), help_text=_("The new prices apply from this day on."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["-business_date", "-id"]

    def number_scope(self) -> str:
        return self.zone.code

    def shop_ids(self) -> list[int]:
        """The shops whose prices it sets: every shop of its zone (the period lock of each applies)."""
        return list(Shop.objects.filter(price_zone_id=self.zone_id).values_list("pk", flat=True))

    def period_date(self):
        """Prices effective in a closed period would rewrite that period's figures: the earlier date counts."""
        return min(self.business_date, self.effective_date)


class PriceChangeLine(models.Model):
    DB_GUARD = DocumentLines()
    document = models.ForeignKey(
        PriceChange, verbose_name=_("document"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    price_amount = models.DecimalField(
        _("new price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("price change line")
        verbose_name_plural = _("price change lines")
        constraints = [models.UniqueConstraint(fields=["document", "product"], name="price_change_line_unique_product")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.price_amount}"


class Price(models.Model):
    """A retail price in force from `effective_date` in a zone, until a later one.

    Rows are written only by posting a price change and never edited: cancelling the
    document switches its rows off (`is_active`), so the history stays as it was.
    When two posted documents set a price for the same day, the later posting wins.
    """

    DB_GUARD = PostedRows()

    zone = models.ForeignKey(PriceZone, verbose_name=_("price zone"), on_delete=models.PROTECT, related_name="prices")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="prices")
    price_amount = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    effective_date = models.DateField(_("effective from"))
    price_change = models.ForeignKey(
        PriceChange, verbose_name=_("price change"), on_delete=models.PROTECT, related_name="prices"
    )
    is_active = models.BooleanField(_("in force"), default=True, help_text=_("Off when its document was cancelled."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["product", "zone", "effective_date"], name="price_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.zone_id} {self.effective_date}: {self.price_amount}"
