"""Customers, loyalty accounts, cards and tiers.

Points belong to the account; cards only identify it (a lost card is replaced by a new
number on the same account, and a tier change never changes the card). A customer who
withdraws consent is anonymised: the account and its point history stay for the books.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.db_guards import AppendOnly
from inventory.models import Shop

from ..choices import CardKind, CardStatus, Channel, CustomerStatus, Language

MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}


class Tier(models.Model):
    """A card tier (Silver, Gold, Platinum): who qualifies, how much they earn and may pay with points.

    An account qualifies for the highest tier whose `threshold_amount` its purchases (net of
    returns) in the qualifying period reach; `rank` orders tiers from the lowest.
    """

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("0 is the entry tier."))
    threshold_amount = models.DecimalField(
        _("purchases to qualify"), default=0, validators=[MinValueValidator(0)], **MONEY
    )
    accrual_percent = models.DecimalField(_("points earned, percent of the amount"), default=0, **PERCENT)
    max_redeem_percent = models.DecimalField(_("payable with points, max percent of a receipt"), default=0, **PERCENT)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A person in the loyalty program, identified by the phone (E.164, unique while not anonymised)."""

    SHOP_FIELDS = ("registration_shop",)  # shop managers see the customers registered in their shops

    phone = models.CharField(_("phone"), max_length=16, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.RU)
    registration_shop = models.ForeignKey(
        Shop, verbose_name=_("registration shop"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registration_till_id = models.BigIntegerField(_("registration till ID"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.SHOP)
    status = models.CharField(_("status"), max_length=12, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["registration_shop", "created_at"], name="loyalty_customer_shop_created")]

    def __str__(self) -> str:
        return self.name or self.phone or _("customer %(id)s") % {"id": self.pk}


class LoyaltyAccount(models.Model):
    """The account points belong to: one per customer, with its tier and home shop (whose time zone sets its month)."""

    SHOP_FIELDS = ("customer__registration_shop", "home_shop")

    customer = models.OneToOneField(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="account"
    )
    home_shop = models.ForeignKey(
        Shop, verbose_name=_("home shop"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.PROTECT, null=True, blank=True)
    tier_fixed_until = models.DateField(
        _("tier set by hand until"),
        null=True,
        blank=True,
        help_text=_("The monthly recalculation leaves the tier alone until this date."),
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loyalty account")
        verbose_name_plural = _("loyalty accounts")

    def __str__(self) -> str:
        return _("account %(id)s") % {"id": self.pk}


class Card(models.Model):
    """A card number (EAN-13 with the program's prefix): free in the pool, active on an account, or blocked."""

    SHOP_FIELDS = ("account__customer__registration_shop",)

    number = models.CharField(_("card number"), max_length=13, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CardKind.choices, default=CardKind.PLASTIC)
    status = models.CharField(_("status"), max_length=10, choices=CardStatus.choices, default=CardStatus.FREE)
    account = models.ForeignKey(
        LoyaltyAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cards",
    )
    batch = models.CharField(_("batch"), max_length=40, blank=True, help_text=_("The pool batch it was generated in."))
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", verbose_name=_("replaced by"), on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CardStatus.FREE, account__isnull=True) | ~Q(status=CardStatus.FREE),
                name="loyalty_card_free_has_no_account",
            ),
            models.CheckConstraint(
                condition=Q(status=CardStatus.FREE) | Q(account__isnull=False),
                name="loyalty_card_issued_has_account",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class AccountPurchase(models.Model):
    """What an account bought (or returned) on a receipt: the facts tiers are computed from.

    Sales passes the amounts in when it posts a receipt with a card (loyalty never reads sales
    tables); a return is its own row with a negative amount, so a period's purchases are a sum.
    Append-only, one row per receipt.
    """

    DB_GUARD = AppendOnly()

    account = models.ForeignKey(
        LoyaltyAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="purchases"
    )
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), help_text=_("Negative for a return."), **MONEY)
    receipt_id = models.BigIntegerField(_("receipt ID"), unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.SHOP)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("account purchase")
        verbose_name_plural = _("account purchases")
        indexes = [
            models.Index(fields=["account", "business_date"], name="loyalty_purchase_account_date"),
            # The monthly tier run reads one period of every account: a range on the date.
            models.Index(fields=["business_date", "account", "amount"], name="loyalty_purchase_date"),
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.amount}"
