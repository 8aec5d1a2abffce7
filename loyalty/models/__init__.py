"""Loyalty: customers, their accounts and cards, tiers (and, in their own modules, the points ledger, consent, SMS)."""

from .consent import (
    AppToken,
    CodePurpose,
    ConsentRecord,
    ConsentText,
    LoyaltyLock,
    SmsMessage,
    SmsStatus,
    VerificationCode,
)
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
from .tiers import PeriodKind, TierChange, TierChangeReason, TierPolicy, TierRun

__all__ = [
    "AccountPurchase",
    "AppToken",
    "Card",
    "CodePurpose",
    "ConsentRecord",
    "ConsentText",
    "Customer",
    "LoyaltyAccount",
    "LoyaltyLock",
    "PeriodKind",
    "PointsAccount",
    "PointsAdjustment",
    "PointsBalance",
    "PointsHold",
    "PointsImport",
    "PointsLedgerEntry",
    "PointsSettings",
    "ReceiptPoints",
    "SmsMessage",
    "SmsStatus",
    "Tier",
    "TierChange",
    "TierChangeReason",
    "TierPolicy",
    "TierRun",
    "VerificationCode",
]
