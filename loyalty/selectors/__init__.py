"""Loyalty's reads. Points: `loyalty.selectors.points`."""
