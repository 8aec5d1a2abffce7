"""Purchase orders and auto-reordering: orders to suppliers, reorder policies, runs and their proposals.

A purchase order is not a ledger document: it posts nothing. Its status follows the goods
receipts made from it (draft -> sent -> partly received -> received; closed by hand), kept
up to date by the hook inventory calls when a goods receipt is posted or cancelled.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import GoodsReceipt, Product, ProductGroup, Shop, Supplier, document_number_next

QUANTITY = {"max_digits": 16, "decimal_places": 3}
MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 16, "decimal_places": 4}
POSITIVE = [MinValueValidator(0.001)]
NON_NEGATIVE = [MinValueValidator(0)]
DAYS = [MinValueValidator(1), MaxValueValidator(365)]


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")
    PARTLY_RECEIVED = "partly_received", _("partly received")
    RECEIVED = "received", _("received")
    CLOSED = "closed", _("closed")


# Orders whose missing quantities are still expected: "on order" in the next reorder run.
OPEN_STATUSES = (OrderStatus.SENT, OrderStatus.PARTLY_RECEIVED)


class ReorderMethod(models.TextChoices):
    DEMAND = "demand", _("demand-driven (sales per day)")
    MIN_MAX = "minmax", _("min/max")


class PurchaseOrder(models.Model):
    """An order to one supplier for one shop, numbered PO-<shop>-000001.

    Drafts are edited (by hand or made by a reorder run); sending freezes the lines; the
    status then follows the posted goods receipts made from the order; closing ends it
    (what is still missing is no longer expected).
    """

    NUMBER_PREFIX = "PO"
    SHOP_FIELDS = ("shop",)

    number = models.CharField(_("number"), max_length=32, unique=True, editable=False)
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.DRAFT, editable=False
    )
    business_date = models.DateField(_("order date"), default=timezone.localdate, db_index=True)
    expected_date = models.DateField(_("expected on"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    run = models.ForeignKey(
        "ReorderRun",
        verbose_name=_("reorder run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="purchase_orders",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    received_at = models.DateTimeField(_("fully received at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-business_date", "-id"]
        indexes = [
            models.Index(fields=["status", "shop"], name="po_status_shop_idx"),
            models.Index(fields=["supplier", "business_date"], name="po_supplier_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number or str(_("new purchase order"))

    @property
    def is_draft(self) -> bool:
        return self.status == OrderStatus.DRAFT

    def shop_ids(self) -> list[int]:
        return [self.shop_id] if self.shop_id else []

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = document_number_next(prefix=self.NUMBER_PREFIX, scope=self.shop.code)
        super().save(*args, **kwargs)


class PurchaseOrderLine(models.Model):
    """A product ordered: quantity (a whole number of packs), price, pack size, and what has arrived."""

    SHOP_FIELDS = ("order__shop",)

    order = models.ForeignKey(PurchaseOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), validators=POSITIVE, **QUANTITY)
    price_amount = models.DecimalField(_("price"), default=0, validators=NON_NEGATIVE, **MONEY)
    pack_size = models.DecimalField(_("pack size"), default=1, validators=POSITIVE, **QUANTITY)
    received_quantity = models.DecimalField(_("received"), default=0, editable=False, **QUANTITY)
    proposal = models.OneToOneField(
        "ReorderProposal",
        verbose_name=_("why (reorder run)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="order_line",
    )

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["order", "product"], name="po_line_one_per_product")]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"

    def clean(self) -> None:
        if self.quantity and self.pack_size and (self.quantity % self.pack_size):
            raise ValidationError({"quantity": _("Order whole packs: a multiple of the pack size.")})


class PurchaseOrderReceipt(models.Model):
    """A goods receipt made from an order (inventory knows nothing of orders: the link lives here)."""

    SHOP_FIELDS = ("order__shop",)

    order = models.ForeignKey(PurchaseOrder, verbose_name=_("order"), on_delete=models.CASCADE, related_name="receipts")
    receipt = models.OneToOneField(
        GoodsReceipt, verbose_name=_("goods receipt"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("receipt of an order")
        verbose_name_plural = _("receipts of orders")

    def __str__(self) -> str:
        return f"{self.order_id} <- {self.receipt_id}"


class SupplierProduct(models.Model):
    """A product in a supplier's assortment: its purchase price and pack size; the main supplier of a product
    is the one the reorder run orders from unless a policy says otherwise."""

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    price_amount = models.DecimalField(_("purchase price"), default=0, validators=NON_NEGATIVE, **MONEY)
    pack_size = models.DecimalField(_("pack size"), default=1, validators=POSITIVE, **QUANTITY)
    is_main = models.BooleanField(_("main supplier"), default=True)

    class Meta:
        verbose_name = _("supplier's product")
        verbose_name_plural = _("suppliers' products")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "product"], name="supplier_product_unique"),
            models.UniqueConstraint(fields=["product"], condition=Q(is_main=True), name="supplier_product_one_main"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.product_id}"


class ReorderGroupDefault(models.Model):
    """Reorder settings for a product group and its subgroups (the deepest group with a row wins)."""

    group = models.OneToOneField(
        ProductGroup, verbose_name=_("product group"), on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(_("method"), max_length=8, choices=ReorderMethod.choices, default=ReorderMethod.DEMAND)
    history_days = models.PositiveSmallIntegerField(
        _("sales history, days"), default=28, validators=DAYS, help_text=_("Average sales over this many days.")
    )
    safety_days = models.PositiveSmallIntegerField(
        _("safety stock, days"), default=2, validators=[MaxValueValidator(365)]
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: each product's main supplier."),
    )
    is_active = models.BooleanField(_("reorder automatically"), default=True)

    class Meta:
        verbose_name = _("reorder default for a group")
        verbose_name_plural = _("reorder defaults for groups")

    def __str__(self) -> str:
        return str(self.group)


class ReorderPolicy(models.Model):
    """The reorder policy of one product in one shop; empty fields take the group's defaults and the supplier's."""

    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    method = models.CharField(_("method"), max_length=8, choices=ReorderMethod.choices, blank=True)
    min_quantity = models.DecimalField(_("minimum stock"), null=True, blank=True, validators=NON_NEGATIVE, **QUANTITY)
    max_quantity = models.DecimalField(_("maximum stock"), null=True, blank=True, validators=NON_NEGATIVE, **QUANTITY)
    history_days = models.PositiveSmallIntegerField(_("sales history, days"), null=True, blank=True, validators=DAYS)
    safety_days = models.PositiveSmallIntegerField(
        _("safety stock, days"), null=True, blank=True, validators=[MaxValueValidator(365)]
    )
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time, days"), null=True, blank=True, validators=[MaxValueValidator(365)]
    )
    pack_size = models.DecimalField(_("pack size"), null=True, blank=True, validators=POSITIVE, **QUANTITY)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("reorder automatically"), default=True)

    class Meta:
        verbose_name = _("reorder policy")
        verbose_name_plural = _("reorder policies")
        constraints = [models.UniqueConstraint(fields=["shop", "product"], name="reorder_policy_unique_pair")]

    def __str__(self) -> str:
        return f"{self.shop_id}/{self.product_id}"

    def clean(self) -> None:
        if self.method == ReorderMethod.MIN_MAX:
            if self.min_quantity is None or self.max_quantity is None:
                raise ValidationError({"max_quantity": _("Min/max needs both the minimum and the maximum.")})
            if self.max_quantity < self.min_quantity:
                raise ValidationError({"max_quantity": _("The maximum is below the minimum.")})


class SupplySource(models.Model):
    """A shop (for one product group and its subgroups, or for everything) supplied from a central warehouse:
    the reorder run proposes a transfer from there instead of a purchase."""

    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every product."),
    )
    warehouse = models.ForeignKey(Shop, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("supply from a warehouse")
        verbose_name_plural = _("supply from warehouses")
        constraints = [
            models.UniqueConstraint(fields=["shop", "group"], name="supply_source_unique"),
            models.UniqueConstraint(fields=["shop"], condition=Q(group__isnull=True), name="supply_source_one_all"),
            models.CheckConstraint(condition=~Q(shop=models.F("warehouse")), name="supply_source_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} <- {self.warehouse_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ReorderRun(models.Model):
    """One computation of reorder proposals for every shop x product (nightly, or from the admin's button)."""

    run_date = models.DateField(_("run for"))
    status = models.CharField(_("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.DecimalField(_("seconds"), max_digits=10, decimal_places=2, null=True, blank=True)
    pairs = models.PositiveIntegerField(_("shop x product pairs"), default=0)
    proposals = models.PositiveIntegerField(_("proposals"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    transfers = models.PositiveIntegerField(_("transfers"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("reorder run")
        verbose_name_plural = _("reorder runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.run_date} #{self.pk}"


class ProposalOutcome(models.TextChoices):
    ORDERED = "ordered", _("in a draft order")
    BELOW_MINIMUM = "below_min", _("order below the supplier's minimum")
    TRANSFER = "transfer", _("transfer from the warehouse")
    NO_SUPPLIER = "no_supplier", _("no supplier")


class ReorderProposal(models.Model):
    """One line a reorder run proposes, with why: sales per day over the in-stock days, stock, on order,
    in transit, the stock to reach, the need and the quantity rounded up to packs."""

    SHOP_FIELDS = ("shop",)

    run = models.ForeignKey(ReorderRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    warehouse = models.ForeignKey(
        Shop, verbose_name=_("warehouse"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    method = models.CharField(_("method"), max_length=8, choices=ReorderMethod.choices)
    history_days = models.PositiveSmallIntegerField(_("history, days"))
    in_stock_days = models.PositiveSmallIntegerField(_("in-stock days"))
    sold_quantity = models.DecimalField(_("sold in the history"), **QUANTITY)
    daily_sales = models.DecimalField(_("sales per day"), **RATE)
    stock_quantity = models.DecimalField(_("stock"), **QUANTITY)
    on_order_quantity = models.DecimalField(_("on order"), **QUANTITY)
    in_transit_quantity = models.DecimalField(_("in transit"), **QUANTITY)
    cover_days = models.PositiveSmallIntegerField(_("days to cover"))
    target_quantity = models.DecimalField(_("stock to reach"), **QUANTITY)
    pack_size = models.DecimalField(_("pack size"), **QUANTITY)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    price_amount = models.DecimalField(_("price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    order_date = models.DateField(_("order on"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=ProposalOutcome.choices)

    class Meta:
        verbose_name = _("reorder proposal")
        verbose_name_plural = _("reorder proposals")
        ordering = ["run", "shop", "supplier", "product"]
        indexes = [models.Index(fields=["run", "shop", "supplier"], name="proposal_run_shop_idx")]

    def __str__(self) -> str:
        return f"{self.shop_id}/{self.product_id}: {self.quantity}"


__all__ = [
    "OPEN_STATUSES",
    "OrderStatus",
    "ProposalOutcome",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderReceipt",
    "ReorderGroupDefault",
    "ReorderMethod",
    "ReorderPolicy",
    "ReorderProposal",
    "ReorderRun",
    "RunStatus",
    "SupplierProduct",
    "SupplySource",
]
