"""Loyalty's admin. The points half lives in admin_points.py (its own module, to keep merges apart)."""

from . import admin_points  # noqa: F401
