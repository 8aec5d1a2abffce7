"""Consent to personal-data processing, the SMS codes that prove it, and the SMS log.

A consent is given by telling a 6-digit code sent by SMS together with the consent text; the
record keeps which text (its version), when, through which channel, shop and till, and the
code's proof (its keyed hash). Codes are stored only as keyed hashes, live 5 minutes and allow
5 tries. Sends are limited per phone and per till; the limits are counted under row locks
(`LoyaltyLock`), so they hold when many tills ask at once.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import Shop

from ..choices import Channel, Language
from .customers import Customer


class ConsentText(models.Model):
    """One version of the consent text in one language: what the customer agrees to (sent in the SMS)."""

    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.RU)
    body = models.TextField(_("text"), max_length=600, help_text=_("Sent by SMS with the code: keep it short."))
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["-version", "language"]
        constraints = [models.UniqueConstraint(fields=["version", "language"], name="loyalty_consent_text_version")]

    def __str__(self) -> str:
        return _("consent text v%(version)s (%(language)s)") % {"version": self.version, "language": self.language}


class CodePurpose(models.TextChoices):
    REGISTRATION = "registration", _("registration")
    APP_SIGN_IN = "app_sign_in", _("mobile app sign-in")


class VerificationCode(models.Model):
    """A 6-digit code sent by SMS, stored as a keyed hash; the details of the registration it confirms.

    Valid `CODE_TTL` (5 minutes), at most `MAX_TRIES` tries; `verified_at` is set once.
    """

    purpose = models.CharField(_("purpose"), max_length=12, choices=CodePurpose.choices)
    phone = models.CharField(_("phone"), max_length=16)
    code_hash = models.CharField(max_length=100)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.SHOP)
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    till_id = models.BigIntegerField(_("till ID"), null=True, blank=True)
    consent_text = models.ForeignKey(
        ConsentText, verbose_name=_("consent text"), on_delete=models.PROTECT, null=True, blank=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="loyalty_code_phone_created"),
            models.Index(fields=["till_id", "created_at"], name="loyalty_code_till_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.phone}"


class ConsentRecord(models.Model):
    """A verified consent: which text, when, how, where; withdrawn when the customer asks."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="consents"
    )
    consent_text = models.ForeignKey(ConsentText, verbose_name=_("consent text"), on_delete=models.PROTECT)
    version = models.PositiveIntegerField(_("text version"))
    given_at = models.DateTimeField(_("given at"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    till_id = models.BigIntegerField(_("till ID"), null=True, blank=True)
    verification = models.ForeignKey(
        VerificationCode, verbose_name=_("verification"), on_delete=models.SET_NULL, null=True, blank=True
    )
    proof = models.CharField(
        _("code proof"), max_length=100, help_text=_("Keyed hash of the phone, the code and the time it was sent.")
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    SHOP_FIELDS = ("shop", "customer__registration_shop")

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return _("consent v%(version)s of %(customer)s") % {"version": self.version, "customer": self.customer_id}


class LoyaltyLock(models.Model):
    """A row to lock: serialises the counting of SMS sends per phone and per till, and card numbering."""

    key = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("lock")
        verbose_name_plural = _("locks")

    def __str__(self) -> str:
        return self.key


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed (will be retried)")
    GAVE_UP = "gave_up", _("failed (given up)")


class SmsMessage(models.Model):
    """An SMS we send, and what became of it (the owner's SMS log).

    `body` is what the owner sees (a code masked); `secret_body` is the text as sent, kept only
    until it is sent or given up.
    """

    phone = models.CharField(_("phone"), max_length=16, db_index=True)
    body = models.TextField(_("text"))
    secret_body = models.TextField(blank=True, editable=False)
    purpose = models.CharField(_("purpose"), max_length=20, blank=True)
    shop = models.ForeignKey(
        Shop, verbose_name=_("shop"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    provider_id = models.CharField(_("provider's ID"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS log")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.phone} {self.get_status_display()}"


class AppToken(models.Model):
    """A mobile app's sign-in: the customer's token (only its SHA-256 is stored)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="app_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("signed in at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("app token")
        verbose_name_plural = _("app tokens")

    def __str__(self) -> str:
        return _("app token %(id)s") % {"id": self.pk}
