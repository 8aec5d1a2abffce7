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
