from django.db import models
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    """Where money is kept: one balance in the cash ledger per location."""

    DRAWER = "drawer", _("till drawer")
    DESK = "desk", _("cash desk")
    TRANSIT = "transit", _("in transit to the bank")
    BANK = "bank", _("bank account")
    CARD = "card", _("card takings to settle")


class CashMovementKind(models.TextChoices):
    SALE = "sale", _("cash sale")
    SALE_RETURN = "sale_return", _("cash refund at a till")
    CARD_SALE = "card_sale", _("card sale")
    CARD_RETURN = "card_return", _("card refund")
    ORDER_IN = "order_in", _("incoming order")
    ORDER_OUT = "order_out", _("outgoing order")
    TAKINGS_OUT = "takings_out", _("shift takings out of the drawer")
    TAKINGS_IN = "takings_in", _("shift takings into the cash desk")
    FLOAT_IN = "float_in", _("change fund into the drawer")
    FLOAT_OUT = "float_out", _("change fund out of the drawer")
    FLOAT_UNBOOKED = "float_unbooked", _("opening float not in the books")
    ACQUIRER_FEE = "acquirer_fee", _("acquirer's fee")
    SHORTAGE = "shortage", _("cashier shortage")
    SURPLUS = "surplus", _("cashier surplus")


class OrderDirection(models.TextChoices):
    IN = "in", _("incoming")
    OUT = "out", _("outgoing")


class OrderReason(models.TextChoices):
    """Why money moved; moves between our own locations name the other location."""

    CHANGE_FUND = "change_fund", _("change fund")
    TILL_CASH = "till_cash", _("cash in or out during a shift")
    SHIFT_TAKINGS = "shift_takings", _("shift takings")
    ENCASHMENT = "encashment", _("encashment to the bank")
    BANK_CREDIT = "bank_credit", _("credited by the bank")
    CARD_SETTLEMENT = "card_settlement", _("card takings settled to the bank")
    SUPPLIER_PAYMENT = "supplier_payment", _("supplier payment")
    EXPENSE = "expense", _("expense")
    REFUND = "refund", _("refund without a till")
    OTHER = "other", _("other")


# Reasons that move money between two of our locations: the other location is required.
INTERNAL_REASONS = {
    OrderReason.CHANGE_FUND,
    OrderReason.SHIFT_TAKINGS,
    OrderReason.ENCASHMENT,
    OrderReason.BANK_CREDIT,
    OrderReason.CARD_SETTLEMENT,
}


class StatementLineStatus(models.TextChoices):
    """Where a bank statement line stands: matched by the import, assigned by hand, or waiting."""

    UNMATCHED = "unmatched", _("to assign")
    MATCHED = "matched", _("matched")
    ASSIGNED = "assigned", _("assigned by hand")
    IGNORED = "ignored", _("not for the cash ledger")
