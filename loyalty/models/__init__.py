"""Loyalty: customers, their accounts and cards, tiers (and, in their own modules, the points ledger, consent, SMS)."""

from .customers import Card, Customer, LoyaltyAccount, Tier

__all__ = ["Card", "Customer", "LoyaltyAccount", "Tier"]
