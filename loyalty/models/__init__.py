"""Loyalty: customers, their accounts and cards, tiers (and, in their own modules, the points ledger, consent, SMS)."""

from .customers import AccountPurchase, Card, Customer, LoyaltyAccount, Tier
from .points import (
    PointsAccount,
    PointsAdjustment,
    PointsBalance,
    PointsHold,
    PointsImport,
    PointsLedgerEntry,
    PointsSettings,
    ReceiptPoints,
)

__all__ = [
    "AccountPurchase",
    "Card",
    "Customer",
    "LoyaltyAccount",
    "PointsAccount",
    "PointsAdjustment",
    "PointsBalance",
    "PointsHold",
    "PointsImport",
    "PointsLedgerEntry",
    "PointsSettings",
    "ReceiptPoints",
    "Tier",
]
