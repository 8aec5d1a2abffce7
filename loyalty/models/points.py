"""The points ledger (on the inventory kernel), the points of each receipt, and the tills' holds.

Points are whole numbers stored as Decimal with no decimal places: a point is the smallest
unit a customer sees and spends, so no fraction is ever left on an account that can neither
be spent nor noticed, and rounding happens in one place (`loyalty.points`: accrual rounds
down, a return takes back rounded up, so a return never leaves a gain). Decimal, not an
integer column, because the kernel's amounts are Decimal (its checks quantize by scale).

A balance row has three amounts: `active` (spendable), `pending` (earned, spendable from a
later date: the return window) and `debt` (earned points taken back by a return after they
were spent; later credits pay it first). All three never go below zero (CHECK constraints
and the ledger's invariants under the lock). Every row carries the lot it belongs to: the
date its points become spendable (`available_on`) and the date they expire (`expires_on`).
A lot's remaining points are the sum of its rows; redemption spends the lots that expire
first.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.choices import DocumentType
from inventory.db_guards import AppendOnly
from inventory.models import Document, Shop
from inventory.models.ledger import LedgerBalance, LedgerEntry

from ..choices import HoldStatus, PointsKind
from .customers import LoyaltyAccount

POINTS = {"max_digits": 14, "decimal_places": 0}


class PointsLedgerEntry(LedgerEntry):
    """An immutable movement of points on one account, in one lot (available_on, expires_on)."""

    account = models.ForeignKey(
        LoyaltyAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="points_entries"
    )
    active = models.DecimalField(_("spendable"), **POINTS)
    pending = models.DecimalField(_("pending"), **POINTS)
    debt = models.DecimalField(_("debt"), **POINTS)
    kind = models.CharField(_("kind"), max_length=20, choices=PointsKind.choices)
    available_on = models.DateField(_("spendable from"))
    expires_on = models.DateField(_("expires on"))

    class Meta(LedgerEntry.Meta):
        verbose_name = _("points ledger entry")
        verbose_name_plural = _("points ledger")
        constraints = [
            # One row per source line, kind, lot and day: a replayed receipt never writes its points twice,
            # and the daily run writes an account's lot once a day.
            models.UniqueConstraint(
                fields=["source_type", "source_line_id", "kind", "available_on", "expires_on", "business_date"],
                condition=Q(reversal_of__isnull=True),
                name="loyalty_points_entry_line",
            ),
        ]
        indexes = [
            *LedgerEntry.Meta.indexes,
            models.Index(fields=["account", "expires_on"], name="loyalty_points_account_lot"),
            # The daily run reads only rows still holding pending or spendable points of a due lot.
            models.Index(fields=["available_on"], condition=~Q(pending=0), name="loyalty_points_pending_due"),
            models.Index(fields=["expires_on"], condition=~Q(active=0), name="loyalty_points_expiring"),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.account_id} {self.active:+}/{self.pending:+}"


class PointsBalance(LedgerBalance):
    """An account's points: a cache of SUM(points ledger), kept in the same transaction; never below zero."""

    account = models.OneToOneField(
        LoyaltyAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="points_balance"
    )
    active = models.DecimalField(_("spendable"), default=0, **POINTS)
    pending = models.DecimalField(_("pending"), default=0, **POINTS)
    debt = models.DecimalField(_("debt"), default=0, **POINTS)

    class Meta:
        verbose_name = _("points balance")
        verbose_name_plural = _("points balances")
        constraints = [
            models.CheckConstraint(condition=Q(active__gte=0), name="loyalty_points_active_not_negative"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="loyalty_points_pending_not_negative"),
            models.CheckConstraint(condition=Q(debt__gte=0), name="loyalty_points_debt_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.active}"


class ReceiptPoints(models.Model):
    """What one till receipt did to an account's points, as the printed receipt shows it. Append-only.

    Written with the receipt, in its transaction (sales passes the facts in: loyalty never
    reads sales tables). One row per receipt (`receipt_id` unique): a replay writes nothing.
    A return refers to its sale (`original_receipt_id`); what earlier returns took back is a sum.
    """

    DB_GUARD = AppendOnly()

    receipt_id = models.BigIntegerField(_("receipt ID"), unique=True)
    original_receipt_id = models.BigIntegerField(_("original receipt ID"), null=True, blank=True, db_index=True)
    account = models.ForeignKey(
        LoyaltyAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="receipt_points"
    )
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(_("date"))
    eligible_amount = models.DecimalField(
        _("amount earning points"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Lines excluded from points left out; negative on a return."),
    )
    accrued = models.DecimalField(_("points earned"), help_text=_("Negative: taken back by a return."), **POINTS)
    paid = models.DecimalField(_("points paid"), help_text=_("Negative: given back by a return."), **POINTS)
    available_on = models.DateField(_("earned points spendable from"))
    expires_on = models.DateField(_("earned points expire on"))
    paid_expires_on = models.DateField(_("paid points expired on"), null=True, blank=True)
    active_after = models.DecimalField(_("spendable balance after"), **POINTS)
    pending_after = models.DecimalField(_("pending after"), **POINTS)
    pending_lots = models.JSONField(_("future accruals"), default=list, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt points")
        verbose_name_plural = _("receipt points")
        indexes = [models.Index(fields=["account", "business_date"], name="loyalty_rpoints_account_date")]

    def __str__(self) -> str:
        return f"{self.receipt_id}: +{self.accrued} -{self.paid}"


class PointsHold(models.Model):
    """Points a till reserved at payment for the receipt it is about to upload (`receipt_uuid`).

    While active and not past `expires_at` the points are not spendable elsewhere; the
    receipt's upload consumes the hold; a released or expired hold reserves nothing (no job
    needed: the spendable balance only counts live holds).
    """

    account = models.ForeignKey(
        LoyaltyAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="holds"
    )
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    till_id = models.BigIntegerField(_("till ID"))
    receipt_uuid = models.UUIDField(_("till's receipt ID"))
    points = models.DecimalField(_("points"), **POINTS)
    status = models.CharField(_("status"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.ACTIVE)
    created_at = models.DateTimeField(_("placed at"))
    expires_at = models.DateTimeField(_("expires at"))
    closed_at = models.DateTimeField(_("consumed or released at"), null=True, blank=True)
    receipt_id = models.BigIntegerField(_("receipt ID"), null=True, blank=True)

    class Meta:
        verbose_name = _("points hold")
        verbose_name_plural = _("points holds")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["till_id", "receipt_uuid"], name="loyalty_hold_unique_receipt"),
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_hold_points_positive"),
        ]
        indexes = [
            models.Index(fields=["account", "expires_at"], condition=Q(status="active"), name="loyalty_hold_live"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.points} ({self.get_status_display()})"


class PointsSettings(models.Model):
    """The owner's settings of the points program (one row): how far a shop manager may adjust by hand."""

    manager_adjustment_limit = models.DecimalField(
        _("largest adjustment a shop manager may post"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Points, either way. 0: shop managers may not adjust points; the owner has no limit."),
        **POINTS,
    )

    class Meta:
        verbose_name = _("points settings")
        verbose_name_plural = _("points settings")

    def __str__(self) -> str:
        return str(_("points settings"))

    @classmethod
    def current(cls) -> "PointsSettings":
        return cls.objects.get_or_create(pk=1)[0]


class PointsAdjustment(Document):
    """A manual change of an account's points with its reason: posted through the kernel, audited, read-only after.

    Positive points credit the account (spendable at once, expiring after `POINTS_LIFETIME_DAYS`
    unless `expires_on` says otherwise); negative points take spendable points (the lots
    expiring first) and are refused beyond the spendable balance.
    """

    DOCUMENT_TYPE = DocumentType.POINTS_ADJUSTMENT
    NUMBER_PREFIX = "PA"
    SHOP_FIELDS = ("shop",)
    PERIOD_SHOP_FIELDS = ("shop_id",)

    shop = models.ForeignKey(
        Shop,
        verbose_name=_("shop"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The shop that decided it (its manager's limit applies)."),
    )
    account = models.ForeignKey(
        LoyaltyAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="adjustments"
    )
    points = models.DecimalField(_("points"), help_text=_("Negative to take points away."), **POINTS)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[
            (PointsKind.ADJUSTMENT, PointsKind.ADJUSTMENT.label),
            (PointsKind.PROMOTIONAL, PointsKind.PROMOTIONAL.label),
        ],
        default=PointsKind.ADJUSTMENT,
    )
    reason = models.CharField(_("reason"), max_length=300)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("points adjustment")
        verbose_name_plural = _("points adjustments")
        ordering = ["-business_date", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(points=0), name="loyalty_adjustment_not_zero")]

    @property
    def lines(self):
        """The kernel's posting path reads a document's lines; an adjustment is its own single line."""
        return PointsAdjustment.objects.none()

    def number_scope(self) -> str:
        return f"{self.shop.code}-{self.business_date.year}"

    def shop_ids(self) -> list[int]:
        return [self.shop_id]


class PointsAccount(LoyaltyAccount):
    """A loyalty account seen from its points (the admin's account page: balance, pending, ledger, holds)."""

    SHOP_FIELDS = ("home_shop", "customer__registration_shop")

    class Meta:
        proxy = True
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")


class PointsImport(models.Model):
    """One run of a balance migration from the old system's export: the file, who, the totals (the audit row).

    Its ledger rows are of kind `migration`, one per account and lot: running the same file
    again writes nothing (the lots are there), so no point is ever counted twice.
    """

    DB_GUARD = AppendOnly()

    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("file checksum"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    problems = models.PositiveIntegerField(_("problem rows"))
    file_points = models.DecimalField(_("points in the file"), **POINTS)
    imported_points = models.DecimalField(_("points written now"), **POINTS)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("points import")
        verbose_name_plural = _("points imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d})"
