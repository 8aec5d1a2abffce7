"""Tills, their tokens and shifts, and receipts uploaded by tills (posted on arrival)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.db_guards import FrozenWhenClosed, PostedRows
from inventory.models import Product, Shop
from inventory.tokens import token_hash, token_new  # noqa: F401  (token_hash: the till services use it from here)

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 14, "decimal_places": 3}


class Till(models.Model):
    """A cash register program in a shop; it talks to us only through the till API."""

    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="tills")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    fiscal_register_number = models.CharField(_("fiscal register number"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_upload_at = models.DateTimeField(_("last upload"), null=True, blank=True, editable=False)
    last_sequence = models.PositiveBigIntegerField(_("last receipt number"), default=0, editable=False)
    returns_without_receipt = models.BooleanField(
        _("may return without a receipt"),
        default=False,
        help_text=_("Allow this till to take back goods without the original receipt (the owner's decision)."),
    )

    class Meta:
        verbose_name = _("till")
        verbose_name_plural = _("tills")
        ordering = ["shop__code", "code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.shop.code})"


class TillGap(models.Model):
    """Receipt numbers a till has skipped and not yet uploaded: `first`..`last`, inclusive.

    Kept up to date on every upload (under the till's shift lock); a row goes when its receipts arrive.
    """

    SHOP_FIELDS = ("till__shop",)  # scoping: inventory/scoping.py

    till = models.ForeignKey(Till, verbose_name=_("till"), on_delete=models.CASCADE, related_name="gaps")
    first = models.PositiveBigIntegerField(_("first missing"))
    last = models.PositiveBigIntegerField(_("last missing"))
    noticed_at = models.DateTimeField(_("noticed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("missing receipts")
        verbose_name_plural = _("missing receipts")
        ordering = ["till", "first"]
        constraints = [
            models.UniqueConstraint(fields=["till", "first"], name="till_gap_unique_first"),
            models.CheckConstraint(condition=Q(last__gte=models.F("first")), name="till_gap_ordered"),
        ]

    def __str__(self) -> str:
        if self.first == self.last:
            return str(self.first)
        return f"{self.first}-{self.last}"


class TillToken(models.Model):
    """An API token of a till. Only its SHA-256 is stored; the token is shown once, when issued."""

    till = models.ForeignKey(Till, verbose_name=_("till"), on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("The token's first characters, to tell tokens apart.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("till token")
        verbose_name_plural = _("till tokens")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @staticmethod
    def generate() -> str:
        return token_new()


class Shift(models.Model):
    """A till's working shift, opened and closed by the till; totals grow with every receipt."""

    SHOP_FIELDS = ("till__shop",)  # scoping: inventory/scoping.py
    DB_GUARD = FrozenWhenClosed("closed_at")  # a closed shift and its Z-report never change

    till = models.ForeignKey(Till, verbose_name=_("till"), on_delete=models.PROTECT, related_name="shifts")
    number = models.PositiveIntegerField(_("number"))
    opened_at = models.DateTimeField(_("opened at"))
    # The shop's local day the shift opened: the day its reports belong to, wherever the
    # server's clock is and however late the shift closes.
    business_date = models.DateField(_("date"), db_index=True)
    opening_float = models.DecimalField(_("opening float"), default=0, **MONEY)
    cashier_name = models.CharField(_("cashier"), max_length=100, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    counted_cash = models.DecimalField(_("counted cash"), null=True, blank=True, **MONEY)
    receipts_count = models.PositiveIntegerField(_("receipts"), default=0)
    sales_amount = models.DecimalField(_("sales"), default=0, **MONEY)
    returns_amount = models.DecimalField(_("returns"), default=0, **MONEY)
    discount_amount = models.DecimalField(_("discounts"), default=0, **MONEY)
    z_report = models.JSONField(_("Z-report"), null=True, blank=True, editable=False)
    till_report = models.JSONField(_("till's figures"), null=True, blank=True, editable=False)
    differences = models.JSONField(_("differences"), default=list, blank=True, editable=False)
    has_differences = models.BooleanField(_("has differences"), default=False, db_index=True)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["till", "number"], name="shift_unique_number"),
            models.UniqueConstraint(
                fields=["till"], condition=Q(closed_at__isnull=True), name="shift_one_open_per_till"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.till.code} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def shop_ids(self) -> list[int]:
        return [self.till.shop_id]


class ReceiptKind(models.TextChoices):
    SALE = "sale", _("sale")
    RETURN = "return", _("return")


class PaymentType(models.TextChoices):
    """Extensible: points and gift certificates come with the loyalty app."""

    CASH = "cash", _("cash")
    CARD = "card", _("card")
    POINTS = "points", _("loyalty points")


class Receipt(models.Model):
    """A till receipt, posted on arrival: stock leaves, shift totals grow, in one transaction.

    (till, client_uuid) and (till, sequence) are unique: a replayed upload can never post twice.
    """

    DB_GUARD = PostedRows()

    # No single-column indexes on till and shop: the constraints and list indexes below lead with them.
    till = models.ForeignKey(
        Till, verbose_name=_("till"), on_delete=models.PROTECT, related_name="receipts", db_index=False
    )
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+", db_index=False)
    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(_("kind"), max_length=8, choices=ReceiptKind.choices, default=ReceiptKind.SALE)
    original = models.ForeignKey(
        "self",
        verbose_name=_("original receipt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns",
        help_text=_("For a return: the sale it refers to. Empty for a return without a receipt."),
    )
    client_uuid = models.UUIDField(_("till's receipt ID"))
    sequence = models.PositiveBigIntegerField(_("till's receipt number"))
    till_time = models.DateTimeField(_("till time"))
    business_date = models.DateField(_("date"), db_index=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    total_amount = models.DecimalField(_("total"), **MONEY)
    discount_amount = models.DecimalField(_("discount"), default=0, **MONEY)
    card_number = models.CharField(_("loyalty card"), max_length=32, blank=True)
    fiscal_sign = models.CharField(_("fiscal sign"), max_length=64, blank=True)
    fiscal_number = models.CharField(_("fiscal document number"), max_length=64, blank=True)
    payload_hash = models.CharField(max_length=64, editable=False)
    negative_stock = models.BooleanField(_("sold from negative stock"), default=False)
    price_differs = models.BooleanField(_("price differs from ours"), default=False)
    period_closed = models.BooleanField(
        _("dated in a closed period"),
        default=False,
        help_text=_("Its till time lies in a closed period: it was posted on the first open day."),
    )
    arrived_late = models.BooleanField(
        _("arrived late"), default=False, help_text=_("Uploaded long after its till time (RECEIPT_LATE_AFTER_DAYS).")
    )

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-till_time", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["till", "client_uuid"], name="receipt_unique_uuid_per_till"),
            models.UniqueConstraint(fields=["till", "sequence"], name="receipt_unique_sequence_per_till"),
        ]
        # The admin list is ordered by (-till_time, -id): an index in that order for the whole
        # list and for one shop or till; exact searches by the till's receipt ID, the fiscal
        # sign and the loyalty card.
        indexes = [
            models.Index(fields=["shop", "business_date"], name="receipt_shop_date_idx"),
            models.Index(fields=["till_time", "id"], name="receipt_list_idx"),
            models.Index(fields=["shop", "till_time", "id"], name="receipt_shop_list_idx"),
            models.Index(fields=["till", "till_time", "id"], name="receipt_till_list_idx"),
            models.Index(fields=["client_uuid"], name="receipt_uuid_idx"),
            models.Index(fields=["card_number"], condition=~Q(card_number=""), name="receipt_card_idx"),
            models.Index(fields=["fiscal_sign"], condition=~Q(fiscal_sign=""), name="receipt_fiscal_sign_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.till.code}/{self.sequence}"


class ReceiptLine(models.Model):
    DB_GUARD = PostedRows()

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField(_("line"))
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    barcode = models.CharField(_("barcode"), max_length=32, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    price_amount = models.DecimalField(_("price"), **MONEY)
    discount_amount = models.DecimalField(_("discount"), default=0, **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)
    our_price_amount = models.DecimalField(_("our price"), null=True, blank=True, **MONEY)
    original_line = models.ForeignKey(
        "self",
        verbose_name=_("returned line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returned_lines",
    )

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        constraints = [models.UniqueConstraint(fields=["receipt", "line_no"], name="receipt_line_unique_no")]

    def __str__(self) -> str:
        return f"{self.product_id} x {self.quantity}"


class ReceiptPayment(models.Model):
    DB_GUARD = PostedRows()

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="payments")
    type = models.CharField(_("payment type"), max_length=16, choices=PaymentType.choices)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.amount}"


class ReceiptConflict(models.Model):
    """The same receipt ID uploaded again with a different body: kept for the owner; the original stands."""

    SHOP_FIELDS = ("till__shop",)  # scoping: inventory/scoping.py

    till = models.ForeignKey(Till, verbose_name=_("till"), on_delete=models.CASCADE, related_name="+")
    receipt = models.ForeignKey(
        Receipt, verbose_name=_("original receipt"), on_delete=models.CASCADE, related_name="conflicts"
    )
    payload = models.JSONField(_("uploaded body"))
    payload_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt conflict")
        verbose_name_plural = _("receipt conflicts")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["receipt", "payload_hash"], name="receipt_conflict_unique_body")]

    def __str__(self) -> str:
        return f"{self.receipt}: {self.received_at:%Y-%m-%d %H:%M}"


class FlaggedReceiptManager(models.Manager):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(
                Q(negative_stock=True)
                | Q(price_differs=True)
                | Q(period_closed=True)
                | Q(arrived_late=True)
                | models.Exists(ReceiptConflict.objects.filter(receipt=models.OuterRef("pk")))
            )
        )


class FlaggedReceipt(Receipt):
    """Receipts the owner should look at: sold from negative stock, price differs, or a conflicting upload."""

    objects = FlaggedReceiptManager()

    class Meta:
        proxy = True
        verbose_name = _("flagged receipt")
        verbose_name_plural = _("flagged receipts")
