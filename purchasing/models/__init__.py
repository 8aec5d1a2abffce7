"""Purchasing: settlements with suppliers (settlements.py) and purchase orders with auto-reordering (orders.py)."""

from .orders import (
    OPEN_STATUSES,
    OrderStatus,
    ProposalOutcome,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderReceipt,
    ReorderGroupDefault,
    ReorderMethod,
    ReorderPolicy,
    ReorderProposal,
    ReorderRun,
    RunStatus,
    SupplierProduct,
    SupplySource,
)

__all__ = [
    "OPEN_STATUSES",
    "OrderStatus",
    "ProposalOutcome",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderReceipt",
    "ReorderGroupDefault",
    "ReorderMethod",
    "ReorderPolicy",
    "ReorderProposal",
    "ReorderRun",
    "RunStatus",
    "SupplierProduct",
    "SupplySource",
]
