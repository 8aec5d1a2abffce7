"""Cash: where money is kept (locations), the cash ledger on the kernel, cash orders and cashier discrepancies.

The ledger (`cash.ledger.CASH`) is keyed by location; a balance never goes below zero (a
CHECK on the balance row and the ledger's invariant under the lock). The one exception is a
till drawer or card takings, and only for till receipts and shift postings: a refund that
happened is a fact and is accepted (`allows_negative` on the balance row, set by kind when
the location is created; documents never take any location below zero).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from inventory.choices import DocumentType
from inventory.db_guards import PostedRows
from inventory.models import Document, Posting, Shop, document_number_next
from inventory.models.ledger import LedgerBalance, LedgerEntry

from .choices import (
    INTERNAL_REASONS,
    CashMovementKind,
    LocationKind,
    OrderDirection,
    OrderReason,
    StatementLineStatus,
)

MONEY = {"max_digits": 18, "decimal_places": 2}
POSITIVE_MONEY = [MinValueValidator(Decimal("0.01"))]


class CashLocation(models.Model):
    """A place money is kept: a till's drawer, a shop's cash desk, money in transit, a bank account, card takings.

    Drawers and cash desks belong to a shop; the rest belong to the company. A drawer is
    created for a till when the till first needs one (`services.drawer_for_till`); `till_id`
    names the till (sales' row, a typed reference like a ledger row's `source_id`: cash does
    not depend on sales).
    """

    SHOP_FIELDS = ("shop",)

    kind = models.CharField(_("kind"), max_length=10, choices=LocationKind.choices)
    code = models.CharField(
        _("code"), max_length=10, unique=True, help_text=_("Short code used in cash order numbers, e.g. 07-D.")
    )
    name = models.CharField(_("name"), max_length=150)
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, null=True, blank=True, related_name="cash_locations"
    )
    till_id = models.BigIntegerField(_("till ID"), null=True, blank=True, unique=True, editable=False)
    change_fund_amount = models.DecimalField(
        _("change fund"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Till drawers: the cash left in the drawer when a shift closes."),
        **MONEY,
    )
    acquirer = models.ForeignKey(
        "self",
        verbose_name=_("card acquirer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": LocationKind.CARD},
        help_text=_("Till drawers: where the till's card payments wait for settlement (empty: the default one)."),
    )
    fee_percent = models.DecimalField(
        _("acquirer fee, %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Card takings: the acquirer's fee deducted on settlement."),
    )
    is_default = models.BooleanField(
        _("default acquirer"), default=False, help_text=_("Card takings: used by tills that name no acquirer.")
    )
    cash_limit_amount = models.DecimalField(
        _("cash limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Cash desks: the most cash the desk may hold at the end of a day (empty: no limit)."),
        **MONEY,
    )
    bank_account_number = models.CharField(_("bank account number"), max_length=34, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cash location")
        verbose_name_plural = _("cash locations")
        ordering = ["shop__code", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["shop"], condition=Q(kind="desk"), name="cash_one_desk_per_shop"),
            models.UniqueConstraint(fields=["kind"], condition=Q(is_default=True), name="cash_one_default_acquirer"),
            models.CheckConstraint(
                condition=Q(shop__isnull=False) | ~Q(kind__in=["drawer", "desk"]), name="cash_shop_location_has_shop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self):
        if self.kind in (LocationKind.DRAWER, LocationKind.DESK) and not self.shop_id:
            raise ValidationError({"shop": _("A till drawer or a cash desk belongs to a shop.")})
        if self.is_default and self.kind != LocationKind.CARD:
            raise ValidationError({"is_default": _("Only card takings can be the default acquirer.")})


class CashLedgerEntry(LedgerEntry):
    """An immutable movement of money at one location: signed amount, typed source, posting (see the kernel)."""

    SHOP_FIELDS = ("location__shop",)

    location = models.ForeignKey(
        CashLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    kind = models.CharField(_("kind"), max_length=20, choices=CashMovementKind.choices)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("cash ledger entry")
        verbose_name_plural = _("cash ledger")
        indexes = [
            *LedgerEntry.Meta.indexes,
            models.Index(fields=["location", "business_date"], name="cash_entry_location_date"),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.location_id} {self.amount:+}"


class CashBalance(LedgerBalance):
    """The money at a location: a cache of SUM(cash ledger), kept in the same transaction. Never below zero,
    except a till drawer or card takings under till receipts (`allows_negative`)."""

    SHOP_FIELDS = ("location__shop",)

    location = models.OneToOneField(
        CashLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="balance"
    )
    amount = models.DecimalField(_("balance"), default=0, **MONEY)
    allows_negative = models.BooleanField(_("till receipts may take it below zero"), default=False, editable=False)

    class Meta:
        verbose_name = _("cash balance")
        verbose_name_plural = _("cash balances")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(allows_negative=True), name="cash_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location_id}: {self.amount}"


class ExpenseCategory(MP_Node):
    """A node of the expense category tree, edited by the owner (rent, wages, repairs / plumbing...)."""

    name = models.CharField(_("name"), max_length=150)
    is_active = models.BooleanField(_("active"), default=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("expense category")
        verbose_name_plural = _("expense categories")

    def __str__(self) -> str:
        return self.name

    def full_name(self, separator: str = " / ") -> str:
        return separator.join(node.name for node in [*self.get_ancestors(), self])


class CashOrder(Document):
    """An incoming or outgoing cash order: an amount into or out of one location, with a reason.

    A move between two of our locations (change fund, shift takings, encashment, a bank
    credit) names the other location: posting moves the amount from one to the other.
    Otherwise the counterparty is outside (a supplier, a landlord, a customer). Numbered per
    direction, location and year: `CO-07-D-2026-000012`.
    """

    DOCUMENT_TYPE = DocumentType.CASH_ORDER
    SHOP_FIELDS = ("shop", "counter_location__shop")
    PREFIXES = {OrderDirection.IN: "CI", OrderDirection.OUT: "CO"}

    direction = models.CharField(_("direction"), max_length=3, choices=OrderDirection.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=OrderReason.choices)
    category = models.ForeignKey(
        ExpenseCategory,
        verbose_name=_("expense category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    shop = models.ForeignKey(
        Shop,
        verbose_name=_("shop"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Filled from the location when it belongs to a shop."),
    )
    location = models.ForeignKey(
        CashLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="orders"
    )
    counter_location = models.ForeignKey(
        CashLocation,
        verbose_name=_("other location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where the money goes to (outgoing) or comes from (incoming), when it stays ours."),
    )
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), validators=POSITIVE_MONEY, **MONEY)
    fee_amount = models.DecimalField(
        _("acquirer's fee"),
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Card settlements: the part of the amount the acquirer kept, booked as an expense."),
        **MONEY,
    )
    takings_date = models.DateField(
        _("card takings of"),
        null=True,
        blank=True,
        help_text=_("Card settlements: the day whose card takings the bank credited."),
    )
    settles = models.ForeignKey(
        "self",
        verbose_name=_("encashment credited"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        limit_choices_to={"reason": OrderReason.ENCASHMENT, "status": "posted"},
        help_text=_("Bank credits: the encashment in transit that the bank credited."),
    )
    # A pay-in or pay-out recorded by a till: its shift (sales' row, a typed reference) and the
    # till's own ID of the order, so that a till sending it again posts nothing.
    shift_id = models.BigIntegerField(_("shift ID"), null=True, blank=True, editable=False, db_index=True)
    client_uuid = models.UUIDField(_("till's order ID"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("cash order")
        verbose_name_plural = _("cash orders")
        ordering = ["-business_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_order_amount_positive"),
            models.CheckConstraint(
                condition=Q(fee_amount__gte=0) & Q(fee_amount__lt=models.F("amount")),
                name="cash_order_fee_below_amount",
            ),
            # An encashment is credited once; a day's card takings of an acquirer are settled once.
            models.UniqueConstraint(
                fields=["settles"], condition=Q(status="posted"), name="cash_order_one_credit_per_encashment"
            ),
            models.UniqueConstraint(
                fields=["location", "takings_date"],
                condition=Q(status="posted", reason="card_settlement"),
                name="cash_order_one_settlement_per_day",
            ),
            models.UniqueConstraint(fields=["location", "client_uuid"], name="cash_order_unique_till_uuid"),
        ]

    @property
    def lines(self):
        """The kernel's posting path reads a document's lines; a cash order is its own single line."""
        return CashOrder.objects.none()

    def number_scope(self) -> str:
        return f"{self.location.code}-{self.business_date.year}"

    def shop_ids(self) -> list[int]:
        ids = [self.shop_id, self.location.shop_id if self.location_id else None]
        if self.counter_location_id:
            ids.append(self.counter_location.shop_id)
        return list(dict.fromkeys(i for i in ids if i is not None))

    def save(self, *args, **kwargs):
        if not self.number:
            self.number = document_number_next(prefix=self.PREFIXES[self.direction], scope=self.number_scope())
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if self.location_id:
            if self.location.shop_id:
                if self.shop_id and self.shop_id != self.location.shop_id:
                    errors["shop"] = _("The location belongs to another shop.")
                self.shop_id = self.location.shop_id
            if self.counter_location_id == self.location_id:
                errors["counter_location"] = _("Money cannot move from a location to itself.")
        if self.reason in INTERNAL_REASONS and not self.counter_location_id:
            errors["counter_location"] = _("This reason moves money between two of our locations: name the other.")
        if self.reason == OrderReason.CARD_SETTLEMENT:
            errors.update(self._settlement_errors())
        elif self.fee_amount:
            errors["fee_amount"] = _("Only a card settlement has an acquirer's fee.")
        if self.settles_id and (self.reason != OrderReason.BANK_CREDIT or self.direction != OrderDirection.IN):
            errors["settles"] = _("Only an incoming bank credit credits an encashment.")
        if self.reason == OrderReason.EXPENSE:
            if self.direction != OrderDirection.OUT:
                errors["direction"] = _("An expense is an outgoing order.")
            if not self.category_id:
                errors["category"] = _("Choose the expense category.")
        if errors:
            raise ValidationError(errors)

    def _settlement_errors(self) -> dict:
        errors = {}
        if self.direction != OrderDirection.OUT:
            errors["direction"] = _("A card settlement is an outgoing order from the card takings.")
        if self.location_id and self.location.kind != LocationKind.CARD:
            errors["location"] = _("A card settlement pays out of card takings.")
        if self.counter_location_id and self.counter_location.kind != LocationKind.BANK:
            errors["counter_location"] = _("A card settlement pays into a bank account.")
        if not self.takings_date:
            errors["takings_date"] = _("Name the day whose card takings are settled.")
        if self.amount is not None and self.fee_amount is not None and self.fee_amount >= self.amount:
            errors["fee_amount"] = _("The fee must be less than the amount settled.")
        return errors

    @property
    def net_amount(self) -> Decimal:
        """What reaches the other location: the amount less the acquirer's fee (card settlements)."""
        return self.amount - (self.fee_amount or 0)


class CashierDiscrepancy(models.Model):
    """Counted minus expected cash at a shift's close, attributed to the cashier and the shift (negative: short).

    Written by the shift close's cash posting (`services.shift_cash_close`); `shift_id` names
    sales' shift (a typed reference). Posted rows: never changed or deleted (database guards).
    """

    SHOP_FIELDS = ("shop",)
    DB_GUARD = PostedRows()

    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        CashLocation, verbose_name=_("till drawer"), on_delete=models.PROTECT, related_name="+"
    )
    shift_id = models.BigIntegerField(_("shift ID"), unique=True)
    shift_label = models.CharField(_("shift"), max_length=48)
    cashier_name = models.CharField(_("cashier"), max_length=100, blank=True)
    business_date = models.DateField(_("date"), db_index=True)
    expected_amount = models.DecimalField(_("expected"), **MONEY)
    counted_amount = models.DecimalField(_("counted"), **MONEY)
    amount = models.DecimalField(_("difference"), **MONEY)
    posting = models.ForeignKey(Posting, verbose_name=_("posting"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("cashier discrepancy")
        verbose_name_plural = _("cashier discrepancies")
        ordering = ["-business_date", "-id"]

    def __str__(self) -> str:
        return f"{self.shift_label} {self.cashier_name} {self.amount:+}"


class OverLimitManager(models.Manager):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(
                kind=LocationKind.DESK,
                cash_limit_amount__isnull=False,
                balance__amount__gt=models.F("cash_limit_amount"),
            )
        )


class CashDeskOverLimit(CashLocation):
    """Cash desks holding more than their shop's cash limit: to be encashed."""

    objects = OverLimitManager()

    class Meta:
        proxy = True
        verbose_name = _("cash desk over its limit")
        verbose_name_plural = _("cash over limit")


# --- bank statements ---------------------------------------------------------------------------------


class BankColumnMap(models.Model):
    """How one bank account's statement files name their columns, saved by the owner, used by every import.

    Column names are matched to the file's header row without regard to case or surrounding
    spaces. A bank that puts credits and debits in two columns names both (amounts positive);
    otherwise the amount column holds signed amounts (credits positive).
    """

    bank_account = models.OneToOneField(
        CashLocation,
        verbose_name=_("bank account"),
        on_delete=models.PROTECT,
        related_name="column_map",
        limit_choices_to={"kind": LocationKind.BANK},
    )
    date_column = models.CharField(_("date column"), max_length=100, default="Date")
    amount_column = models.CharField(
        _("amount column"), max_length=100, default="Amount", help_text=_("Signed amounts, or the credits.")
    )
    debit_column = models.CharField(
        _("debit column"), max_length=100, blank=True, help_text=_("Only when debits have a column of their own.")
    )
    purpose_column = models.CharField(_("purpose column"), max_length=100, default="Purpose")
    counterparty_column = models.CharField(_("counterparty column"), max_length=100, default="Counterparty")
    date_format = models.CharField(
        _("date format"),
        max_length=20,
        blank=True,
        help_text=_("As strftime writes it, e.g. %d.%m.%Y (empty: 25.11.2026, 2026-11-25 and 25/11/2026 are read)."),
    )
    match_window_days = models.PositiveSmallIntegerField(
        _("matching window, days"),
        default=5,
        validators=[MaxValueValidator(31)],
        help_text=_("A line matches an encashment or card takings dated at most this many days before it."),
    )

    class Meta:
        verbose_name = _("bank statement column map")
        verbose_name_plural = _("bank statement column maps")

    def __str__(self) -> str:
        return str(self.bank_account)

    def clean(self):
        if self.bank_account_id and self.bank_account.kind != LocationKind.BANK:
            raise ValidationError({"bank_account": _("Choose a bank account.")})


class BankStatement(models.Model):
    """One import of a statement file: who brought it, when, and what it held (new lines, known ones, matched)."""

    bank_account = models.ForeignKey(
        CashLocation, verbose_name=_("bank account"), on_delete=models.PROTECT, related_name="statements"
    )
    file_name = models.CharField(_("file"), max_length=255)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lines_read = models.PositiveIntegerField(_("lines in the file"), default=0)
    lines_new = models.PositiveIntegerField(_("new lines"), default=0)
    lines_matched = models.PositiveIntegerField(_("matched"), default=0)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.bank_account.code} {self.file_name}"


class BankStatementLine(models.Model):
    """One line of a bank statement: a credit (positive) or a debit (negative) on a bank account.

    Its identity is the bank account, date, amount, purpose and its ordinal among identical
    lines of the file (`identity`, unique): importing the statement again adds nothing. A line
    matched to an encashment in transit or to a day's card takings points at the order that
    posted it; an unmatched one waits for the bookkeeper.
    """

    bank_account = models.ForeignKey(
        CashLocation, verbose_name=_("bank account"), on_delete=models.PROTECT, related_name="statement_lines"
    )
    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.PROTECT, related_name="lines"
    )
    row_number = models.PositiveIntegerField(_("row in the file"))
    line_date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    ordinal = models.PositiveSmallIntegerField(_("ordinal among identical lines"), default=1)
    identity = models.CharField(_("identity"), max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=StatementLineStatus.choices, default=StatementLineStatus.UNMATCHED
    )
    order = models.OneToOneField(
        CashOrder,
        verbose_name=_("cash order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statement_line",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["-line_date", "row_number", "id"]
        indexes = [models.Index(fields=["bank_account", "status", "line_date"], name="cash_stmt_line_status")]

    def __str__(self) -> str:
        return f"{self.line_date} {self.amount:+} {self.purpose[:40]}"
