"""Loyalty's services, one module per subject (customers, cards, tiers, sms, points)."""
