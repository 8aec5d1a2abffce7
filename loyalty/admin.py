"""Loyalty's admin: each subject in its own module (customers, cards, tiers, consent and SMS; points)."""

from . import admin_customers, admin_points  # noqa: F401
