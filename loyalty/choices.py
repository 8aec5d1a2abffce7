from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a customer registered or bought: at a shop's till, in the mobile app, online."""

    SHOP = "shop", _("shop")
    APP = "app", _("mobile app")
    ONLINE = "online", _("online")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ANONYMISED = "anonymised", _("anonymised (consent withdrawn)")


class Language(models.TextChoices):
    RU = "ru", _("Russian")
    KK = "kk", _("Kazakh")
    EN = "en", _("English")


class CardKind(models.TextChoices):
    PLASTIC = "plastic", _("plastic")
    VIRTUAL = "virtual", _("virtual")


class CardStatus(models.TextChoices):
    """A pool card is free until issued to an account; a lost card is blocked (and replaced)."""

    FREE = "free", _("free (in the pool)")
    ACTIVE = "active", _("active")
    BLOCKED = "blocked", _("blocked")


class PointsKind(models.TextChoices):
    """What a row of the points ledger records."""

    ACCRUAL = "accrual", _("accrual")
    REDEMPTION = "redemption", _("redemption")
    EXPIRY = "expiry", _("expiry")
    ADJUSTMENT = "adjustment", _("adjustment")
    PROMOTIONAL = "promotional", _("promotional")
    MIGRATION = "migration", _("migration")
    RETURN = "return", _("return (earned points taken back)")
    REFUND = "refund", _("return (paid points given back)")
    ACTIVATION = "activation", _("activation (pending points become spendable)")


class HoldStatus(models.TextChoices):
    """A till's reservation of points at payment: active until the receipt consumes it or it is released."""

    ACTIVE = "active", _("active")
    CONSUMED = "consumed", _("consumed by the receipt")
    RELEASED = "released", _("released")
