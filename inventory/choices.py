from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PIECE = "pcs", _("piece")
    KILOGRAM = "kg", _("kilogram")
    LITRE = "l", _("litre")
    METRE = "m", _("metre")
    PACK = "pack", _("pack")


class BarcodeKind(models.TextChoices):
    EAN13 = "ean13", _("EAN-13")
    EAN8 = "ean8", _("EAN-8")
    UPCA = "upca", _("UPC-A")
    INTERNAL = "internal", _("internal code")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    POSTED = "posted", _("posted")
    CANCELLED = "cancelled", _("cancelled")


class ShopFormat(models.TextChoices):
    CONVENIENCE = "convenience", _("convenience store")
    SUPERMARKET = "supermarket", _("supermarket")
    WAREHOUSE = "warehouse", _("warehouse")


class Weekday(models.IntegerChoices):
    """ISO weekdays; stored in a bit mask where Monday is bit 0."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")
