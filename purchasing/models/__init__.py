"""Purchasing: settlements with suppliers (settlements.py) and purchase orders with auto-reordering (orders.py)."""

from .settlements import (
    Payable,
    PayableAllocation,
    PayableBalance,
    PayableKind,
    PayableLedgerEntry,
    PayableSide,
    PayablesOpening,
    PayablesOpeningLine,
    PaymentMethod,
    SupplierInvoice,
    SupplierPayment,
)

__all__ = [
    "Payable",
    "PayableAllocation",
    "PayableBalance",
    "PayableKind",
    "PayableLedgerEntry",
    "PayableSide",
    "PayablesOpening",
    "PayablesOpeningLine",
    "PaymentMethod",
    "SupplierInvoice",
    "SupplierPayment",
]
