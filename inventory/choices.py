from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    PIECE = "pcs", _("piece")
    KILOGRAM = "kg", _("kilogram")
    LITRE = "l", _("litre")
    METRE = "m", _("metre")
    PACK = "pack", _("pack")


def unit_label(code: str) -> str:
    """A unit's name in the reader's language for prints ("kg" -> "килограмм"); an unknown code as stored."""
    return str(Unit(code).label) if code in Unit.values else code


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
    TRANSIT = "transit", _("goods in transit")


class Weekday(models.IntegerChoices):
    """ISO weekdays; stored in a bit mask where Monday is bit 0."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class StockMovementKind(models.TextChoices):
    OPENING = "opening", _("opening balance")
    RECEIPT = "receipt", _("goods receipt")
    SUPPLIER_RETURN = "supplier_return", _("return to supplier")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    TRANSFER_IN = "transfer_in", _("transfer in")
    TRANSFER_SHORTAGE = "transfer_shortage", _("transfer shortage")
    TRANSFER_SURPLUS = "transfer_surplus", _("transfer surplus")
    WRITE_OFF = "write_off", _("write-off")
    STOCKTAKE = "stocktake", _("stocktake difference")
    SALE = "sale", _("sale")
    SALE_RETURN = "sale_return", _("customer return")
    COST_ADJUSTMENT = "cost_adjustment", _("cost adjustment")


class PostingAction(models.TextChoices):
    POST = "post", _("posted")
    CANCEL = "cancel", _("cancelled")
    RECEIVE = "receive", _("received")
    RECOST = "recost", _("re-costed")


class WriteOffReason(models.TextChoices):
    SPOILAGE = "spoilage", _("spoilage")
    DAMAGE = "damage", _("damage")
    SHORTAGE = "shortage", _("shortage")
    OWN_USE = "own_use", _("own use")
    OTHER = "other", _("other")


class DocumentType(models.TextChoices):
    """Every document type that posts: the typed source of ledger rows and postings (one list for all apps)."""

    GOODS_RECEIPT = "goods_receipt", _("goods receipt")
    SUPPLIER_RETURN = "supplier_return", _("supplier return")
    WRITE_OFF = "write_off", _("write-off")
    TRANSFER = "transfer", _("transfer")
    STOCKTAKE = "stocktake", _("stocktake")
    OPENING_BALANCE = "opening_balance", _("opening balance")
    PRICE_CHANGE = "price_change", _("price change")
    RECOST = "recost", _("re-costing")
    RECEIPT = "receipt", _("till receipt")
    CASH_ORDER = "cash_order", _("cash order")
    SHIFT_OPEN = "shift_open", _("shift opening")
    SHIFT_CLOSE = "shift_close", _("shift close")
    POINTS_ADJUSTMENT = "points_adjustment", _("points adjustment")
    POINTS_MIGRATION = "points_migration", _("points migration")
    POINTS_EXPIRY = "points_expiry", _("points activation and expiry")
    SUPPLIER_PAYMENT = "supplier_payment", _("supplier payment")
    PAYABLES_OPENING = "payables_opening", _("opening payables")
    BANK_STATEMENT = "bank_statement", _("bank statement")
