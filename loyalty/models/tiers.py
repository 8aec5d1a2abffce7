"""Tier recalculation: the program's qualifying period, each run, and every tier change with its reason."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.db_guards import AppendOnly

from .customers import MONEY, LoyaltyAccount, Tier


class PeriodKind(models.TextChoices):
    CALENDAR_MONTH = "calendar_month", _("last calendar month")
    ROLLING_MONTHS = "rolling_months", _("last N calendar months")


class TierPolicy(models.Model):
    """The program's tier rules (one row): the qualifying period tiers are computed over."""

    period_kind = models.CharField(
        _("qualifying period"), max_length=16, choices=PeriodKind.choices, default=PeriodKind.CALENDAR_MONTH
    )
    rolling_months = models.PositiveSmallIntegerField(
        _("months (rolling)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("For “last N calendar months”: how many months before the 1st count."),
    )

    class Meta:
        verbose_name = _("tier rules")
        verbose_name_plural = _("tier rules")

    def __str__(self) -> str:
        return str(_("tier rules"))

    @property
    def months(self) -> int:
        return 1 if self.period_kind == PeriodKind.CALENDAR_MONTH else self.rolling_months


class TierRun(models.Model):
    """One recalculation (or dry run) for the accounts of one time zone, for the month starting `month`."""

    month = models.DateField(_("month"), help_text=_("The 1st of the month the new tiers hold for."))
    time_zone = models.CharField(_("time zone"), max_length=64)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to (exclusive)"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    accounts_count = models.PositiveIntegerField(_("accounts"), default=0)
    moves_count = models.PositiveIntegerField(_("moves"), default=0)
    moves = models.JSONField(_("moves"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.DecimalField(_("seconds"), max_digits=9, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tier recalculation")
        verbose_name_plural = _("tier recalculations")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "time_zone"], condition=models.Q(dry_run=False), name="loyalty_tier_run_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.time_zone}"


class TierChangeReason(models.TextChoices):
    MONTHLY = "monthly", _("monthly recalculation")
    MANUAL = "manual", _("set by hand")
    REGISTRATION = "registration", _("registration")


class TierChange(models.Model):
    """A tier change of an account, with its reason (append-only: the account's tier history)."""

    DB_GUARD = AppendOnly()
    SHOP_FIELDS = ("account__customer__registration_shop",)

    account = models.ForeignKey(
        LoyaltyAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="tier_changes"
    )
    from_tier = models.ForeignKey(
        Tier, verbose_name=_("from tier"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, verbose_name=_("to tier"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=TierChangeReason.choices)
    purchases_amount = models.DecimalField(_("purchases in the period"), null=True, blank=True, **MONEY)
    run = models.ForeignKey(
        TierRun, verbose_name=_("recalculation"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fixed_until = models.DateField(_("set by hand until"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=200, blank=True)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["account", "changed_at"], name="loyalty_tierchange_account"),
            models.Index(fields=["run"], name="loyalty_tierchange_run"),
        ]

    def __str__(self) -> str:
        return f"{self.from_tier or '—'} -> {self.to_tier or '—'}"
