"""Loyalty's admin: each subject in its own module (customers, cards, tiers, consent and SMS here)."""

from . import admin_customers  # noqa: F401
