"""Stock documents: goods receipt, supplier return, transfer, write-off, stocktake, opening balance."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import DocumentType, WriteOffReason
from ..db_guards import DocumentLines, PostedDocument
from .catalog import Product, Shop, Supplier
from .documents import Document
from .stock import MONEY, QUANTITY

POSITIVE = [MinValueValidator(0.001)]
NON_NEGATIVE = [MinValueValidator(0)]


class ShopDocument(Document):
    """A document of one shop: numbered per shop, scoped to the shop's managers."""

    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    # The shops it touches (inventory/scoping.py): scoping, period locks and printouts read this.
    SHOP_FIELDS: tuple[str, ...] = ("shop",)

    class Meta:
        abstract = True

    def number_scope(self) -> str:
        return self.shop.code

    PERIOD_SHOP_FIELDS = ("shop_id",)  # read with the document's lock (see services.kernel.document_lock)

    def shop_ids(self) -> list[int]:
        return [i for i in (getattr(self, f"{name}_id") for name in self.SHOP_FIELDS) if i is not None]


class DocumentLine(models.Model):
    SHOP_FIELDS: tuple[str, ...] = ("document__shop",)
    DB_GUARD = DocumentLines()  # written only while the document is a draft

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **QUANTITY)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"


class GoodsReceipt(ShopDocument):
    """Goods received from a supplier at purchase prices (later: creates the payable)."""

    NUMBER_PREFIX = "GR"
    DOCUMENT_TYPE = DocumentType.GOODS_RECEIPT

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    supplier_invoice_number = models.CharField(_("supplier invoice number"), max_length=64, blank=True)
    supplier_invoice_date = models.DateField(_("supplier invoice date"), null=True, blank=True)

    class Meta:
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        ordering = ["-business_date", "-id"]


class GoodsReceiptLine(DocumentLine):
    document = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    price_amount = models.DecimalField(_("purchase price"), validators=NON_NEGATIVE, **MONEY)
    vat_rate = models.DecimalField(_("VAT rate, %"), max_digits=5, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("goods receipt line")
        verbose_name_plural = _("goods receipt lines")


class SupplierReturn(ShopDocument):
    """Goods sent back to a supplier; they leave at average cost."""

    NUMBER_PREFIX = "SR"
    DOCUMENT_TYPE = DocumentType.SUPPLIER_RETURN

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("supplier return")
        verbose_name_plural = _("supplier returns")
        ordering = ["-business_date", "-id"]


class SupplierReturnLine(DocumentLine):
    document = models.ForeignKey(SupplierReturn, on_delete=models.CASCADE, related_name="lines")
    price_amount = models.DecimalField(_("return price"), default=0, validators=NON_NEGATIVE, **MONEY)

    class Meta:
        verbose_name = _("supplier return line")
        verbose_name_plural = _("supplier return lines")


class WriteOff(ShopDocument):
    NUMBER_PREFIX = "WO"
    DOCUMENT_TYPE = DocumentType.WRITE_OFF

    reason = models.CharField(
        _("reason"), max_length=16, choices=WriteOffReason.choices, default=WriteOffReason.SPOILAGE
    )

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["-business_date", "-id"]


class WriteOffLine(DocumentLine):
    document = models.ForeignKey(WriteOff, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        verbose_name = _("write-off line")
        verbose_name_plural = _("write-off lines")


class Transfer(ShopDocument):
    """Goods moved between shops in two steps: shipped (posting) and received.

    Shipping moves them from `shop` into transit at the sender's cost; receiving moves
    them from transit into `to_shop`. Differences between shipped and received are kept
    on the lines and posted as shortage or surplus.
    """

    NUMBER_PREFIX = "TR"
    DOCUMENT_TYPE = DocumentType.TRANSFER
    SHOP_FIELDS = ("shop", "to_shop")  # both sides see it; each action belongs to one side
    DB_GUARD = PostedDocument(editable_after_posting=("received_date", "received_at", "received_by"))

    to_shop = models.ForeignKey(Shop, verbose_name=_("to shop"), on_delete=models.PROTECT, related_name="+")
    received_date = models.DateField(_("received on"), null=True, blank=True, editable=False)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True, editable=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-business_date", "-id"]

    PERIOD_SHOP_FIELDS = ("shop_id", "to_shop_id")

    @property
    def is_received(self) -> bool:
        return self.received_at is not None


class TransferLine(DocumentLine):
    SHOP_FIELDS = ("document__shop", "document__to_shop")
    DB_GUARD = DocumentLines(editable_while_posted=("received_quantity",), open_while_null="received_at")

    document = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    received_quantity = models.DecimalField(
        _("received quantity"),
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Filled in on receipt; empty means as shipped."),
        **QUANTITY,
    )

    class Meta:
        verbose_name = _("transfer line")
        verbose_name_plural = _("transfer lines")


class Stocktake(ShopDocument):
    """A count of a shop (or some groups): differences to the book quantity at the snapshot are posted at cost."""

    NUMBER_PREFIX = "ST"
    DOCUMENT_TYPE = DocumentType.STOCKTAKE

    groups = models.ManyToManyField(
        "inventory.ProductGroup",
        verbose_name=_("groups"),
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole shop."),
    )
    snapshot_at = models.DateTimeField(_("book quantities taken at"), null=True, blank=True, editable=False)
    uncounted_as_zero = models.BooleanField(
        _("uncounted lines count as zero"),
        default=False,
        help_text=_("Off: lines without a count are left as they are."),
    )

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-business_date", "-id"]


class StocktakeLine(models.Model):
    SHOP_FIELDS = ("document__shop",)
    DB_GUARD = DocumentLines()

    document = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    book_quantity = models.DecimalField(_("book quantity"), default=0, **QUANTITY)
    counted_quantity = models.DecimalField(_("counted"), null=True, blank=True, validators=NON_NEGATIVE, **QUANTITY)

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        constraints = [models.UniqueConstraint(fields=["document", "product"], name="stocktake_line_unique_product")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.book_quantity} / {self.counted_quantity}"


class OpeningBalance(ShopDocument):
    """Stock at go-live: quantities and unit costs per product, usually imported from Excel."""

    NUMBER_PREFIX = "OB"
    DOCUMENT_TYPE = DocumentType.OPENING_BALANCE

    class Meta:
        verbose_name = _("opening balance")
        verbose_name_plural = _("opening balances")
        ordering = ["-business_date", "-id"]


class OpeningBalanceLine(DocumentLine):
    document = models.ForeignKey(OpeningBalance, on_delete=models.CASCADE, related_name="lines")
    unit_cost = models.DecimalField(_("unit cost"), max_digits=18, decimal_places=4, validators=NON_NEGATIVE)

    class Meta:
        verbose_name = _("opening balance line")
        verbose_name_plural = _("opening balance lines")
