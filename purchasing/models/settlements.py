"""Settlements with suppliers: the payables ledger, open items, payments, allocations, supplier invoices.

- The payables ledger (`purchasing.ledger.PAYABLES`) is keyed by (supplier, shop); its amount is
  what we owe (negative: an advance). Goods receipts add, supplier returns and payments take away;
  cancelling reverses. Written only through the kernel.
- Open items (`Payable`) say which debts are still open: one debit per posted goods receipt (due
  on its date plus the supplier's deferral), one credit per posted payment or supplier return.
  `settled_amount` never exceeds `amount` (CHECK), and is changed only by allocations, under row
  locks and the posting marker.
- An allocation (`PayableAllocation`) settles part of a debit with part of a credit. Releasing one
  (a cancelled receipt or payment) keeps the row, stamped released: the history stays readable.
  A credit's unallocated rest is an advance, consumed by the next receipt.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cash.models import CashLocation, CashOrder
from inventory.choices import DocumentType
from inventory.db_guards import DocumentLines, PostedRows
from inventory.models import Document, GoodsReceipt, Posting, Shop, Supplier
from inventory.models.ledger import LedgerBalance, LedgerEntry

MONEY = {"max_digits": 18, "decimal_places": 2}
POSITIVE_MONEY = [MinValueValidator(Decimal("0.01"))]


class PayableKind(models.TextChoices):
    RECEIPT = "receipt", _("goods receipt")
    SUPPLIER_RETURN = "supplier_return", _("supplier return")
    PAYMENT = "payment", _("payment")
    OPENING = "opening", _("opening balance")


class PayableSide(models.TextChoices):
    DEBT = "debt", _("debt")
    CREDIT = "credit", _("payment or return")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("cash from the shop's cash desk")
    BANK = "bank", _("bank transfer")


class PayableLedgerEntry(LedgerEntry):
    """An immutable movement of what we owe one supplier for one shop (positive: we owe more)."""

    SHOP_FIELDS = ("shop",)

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    kind = models.CharField(_("kind"), max_length=20, choices=PayableKind.choices)

    class Meta(LedgerEntry.Meta):
        verbose_name = _("payables ledger entry")
        verbose_name_plural = _("payables ledger")
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="payable_entry_src"),
            models.Index(fields=["supplier", "shop", "business_date"], name="payable_entry_key_date"),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.supplier_id}/{self.shop_id} {self.amount:+}"


class PayableBalance(LedgerBalance):
    """What we owe one supplier for one shop: a cache of SUM(payables ledger), kept in the same transaction.

    Negative means an advance (we paid more than we owe)."""

    SHOP_FIELDS = ("shop",)

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("balance"), default=0, **MONEY)

    class Meta:
        verbose_name = _("payables balance")
        verbose_name_plural = _("payables balances")
        constraints = [models.UniqueConstraint(fields=["supplier", "shop"], name="payable_balance_key")]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.shop_id}: {self.amount}"


class SupplierPayment(Document):
    """A payment to a supplier for one shop: cash from the shop's cash desk, or a bank transfer.

    Posting it books the money out (a cash: an outgoing cash order from the shop's desk, posted
    by cash's service in the same transaction; bank: an outgoing order from the bank account when
    one is named, otherwise the bank's own document is referred to by `bank_reference`), reduces
    the payable and allocates it to the oldest open debts first (or as the bookkeeper chose).
    """

    DOCUMENT_TYPE = DocumentType.SUPPLIER_PAYMENT
    NUMBER_PREFIX = "SP"
    SHOP_FIELDS = ("shop",)
    PERIOD_SHOP_FIELDS = ("shop_id",)

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("method"), max_length=8, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    amount = models.DecimalField(_("amount"), validators=POSITIVE_MONEY, **MONEY)
    bank_location = models.ForeignKey(
        CashLocation,
        verbose_name=_("bank account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "bank"},
        help_text=_("Bank transfers: the account the money leaves (empty: recorded here only)."),
    )
    bank_reference = models.CharField(_("bank document number"), max_length=64, blank=True)
    cash_order = models.OneToOneField(
        CashOrder,
        verbose_name=_("cash order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("supplier payment")
        verbose_name_plural = _("supplier payments")
        ordering = ["-business_date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="supplier_payment_amount_positive")]

    @property
    def lines(self):
        """The kernel's posting path reads lines; a payment is its own single line."""
        return SupplierPayment.objects.none()

    def number_scope(self) -> str:
        return self.shop.code

    def shop_ids(self) -> list[int]:
        return [self.shop_id]


class Payable(models.Model):
    """An open item: a debt (a posted goods receipt, due on its date plus deferral) or a credit (a payment
    or a supplier return) of one supplier and shop, and how much of it is settled.

    `0 <= settled_amount <= amount` is a CHECK: allocations can never exceed either side. Changed
    only by the settlement services under the posting marker (database guard).
    """

    SHOP_FIELDS = ("shop",)
    DB_GUARD = PostedRows()

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    side = models.CharField(_("side"), max_length=8, choices=PayableSide.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=PayableKind.choices)
    source_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    source_id = models.BigIntegerField(_("document ID"))
    source_line_id = models.BigIntegerField(_("line ID"), default=0)  # a line of an opening-balances document
    document_number = models.CharField(_("document"), max_length=32)
    business_date = models.DateField(_("date"), db_index=True)
    due_date = models.DateField(_("due date"), db_index=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    settled_amount = models.DecimalField(_("settled"), default=0, **MONEY)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    posting = models.ForeignKey(Posting, verbose_name=_("posting"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("payable")
        verbose_name_plural = _("payables")
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "source_line_id"], name="payable_one_per_document_line"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payable_amount_positive"),
            models.CheckConstraint(
                condition=Q(settled_amount__gte=0) & Q(settled_amount__lte=F("amount")),
                name="payable_settled_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["supplier", "shop", "side", "due_date"], name="payable_open_lookup")]

    def __str__(self) -> str:
        return f"{self.document_number} {self.amount}"

    @property
    def open_amount(self) -> Decimal:
        return Decimal(0) if self.is_cancelled else self.amount - self.settled_amount


class PayableAllocation(models.Model):
    """Part of a debt settled by part of a credit (a payment or a supplier return) of the same supplier and shop.

    Dated the later of the two documents' dates. A cancelled receipt or payment releases its
    allocations (`released_at`): the row stays, the amounts go back to both items.
    """

    SHOP_FIELDS = ("debt__shop",)
    DB_GUARD = PostedRows()

    debt = models.ForeignKey(Payable, verbose_name=_("debt"), on_delete=models.PROTECT, related_name="debt_allocations")
    credit = models.ForeignKey(
        Payable, verbose_name=_("payment or return"), on_delete=models.PROTECT, related_name="credit_allocations"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    business_date = models.DateField(_("date"), db_index=True)
    is_manual = models.BooleanField(_("by hand"), default=False)
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("allocated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        ordering = ["-business_date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payable_allocation_positive")]

    def __str__(self) -> str:
        return f"{self.credit_id} -> {self.debt_id}: {self.amount}"


class SupplierInvoice(models.Model):
    """A supplier's invoice (number, date, amount, VAT), matched to the goods receipt it bills.

    `receipt_amount` is the receipt's total when matched; an invoice whose amount differs from its
    receipt's is flagged (`difference_amount` not zero) for the bookkeeper.
    """

    SHOP_FIELDS = ("shop",)

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("invoice number"), max_length=64)
    invoice_date = models.DateField(_("invoice date"))
    amount = models.DecimalField(_("amount incl. VAT"), validators=POSITIVE_MONEY, **MONEY)
    vat_amount = models.DecimalField(_("VAT"), default=0, validators=[MinValueValidator(0)], **MONEY)
    goods_receipt = models.OneToOneField(
        GoodsReceipt,
        verbose_name=_("goods receipt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplier_invoice",
    )
    receipt_amount = models.DecimalField(_("receipt total"), null=True, blank=True, editable=False, **MONEY)
    difference_amount = models.DecimalField(_("invoice minus receipt"), null=True, blank=True, editable=False, **MONEY)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supplier invoice")
        verbose_name_plural = _("supplier invoices")
        ordering = ["-invoice_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "number", "invoice_date"], name="supplier_invoice_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="supplier_invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(vat_amount__gte=0) & Q(vat_amount__lte=F("amount")), name="supplier_invoice_vat_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.invoice_date}"

    @property
    def is_flagged(self) -> bool:
        return bool(self.difference_amount)


class PayablesOpening(Document):
    """What we owed suppliers (or had paid them in advance) at go-live, per supplier and shop, with due dates.

    Posting makes each line a debt (positive) or an advance (negative) of its supplier and shop on the
    document's date; cancelling reverses them. Numbered per year: `PB-2026-000001`.
    """

    DOCUMENT_TYPE = DocumentType.PAYABLES_OPENING
    NUMBER_PREFIX = "PB"
    SHOP_FIELDS = ("lines__shop",)

    class Meta:
        verbose_name = _("opening payables")
        verbose_name_plural = _("opening payables")
        ordering = ["-business_date", "-id"]

    def number_scope(self) -> str:
        return str(self.business_date.year)

    def shop_ids(self) -> list[int]:
        return sorted(set(self.lines.values_list("shop_id", flat=True))) if self.pk else []


class PayablesOpeningLine(models.Model):
    """One supplier and shop's balance at go-live: positive, we owe it (due on `due_date`); negative, an advance."""

    SHOP_FIELDS = ("shop",)
    DB_GUARD = DocumentLines()

    document = models.ForeignKey(PayablesOpening, on_delete=models.CASCADE, related_name="lines")
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        _("amount"), help_text=_("Positive: we owe the supplier; negative: an advance paid."), **MONEY
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, help_text=_("Empty: the document's date."))
    document_number = models.CharField(_("supplier's document"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("opening payables line")
        verbose_name_plural = _("opening payables lines")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="payables_opening_line_not_zero")]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.shop_id}: {self.amount}"
