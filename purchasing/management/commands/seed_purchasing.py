"""Seed the demo's purchasing after `seed_demo`: `manage.py seed_purchasing` (idempotent).

A command of its own: `seed_demo` lives in sales, which may not import purchasing (DESIGN.md layers).
"""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from purchasing.demo_orders import seed_orders


class Command(BaseCommand):
    help = "Seed purchase orders in each state and a reorder run on the demo chain (after seed_demo)."

    def handle(self, *args, **options):
        started = time.monotonic()
        actor = get_user_model().objects.filter(username="admin").first()
        orders = seed_orders(actor=actor)
        self.stdout.write(
            f"Purchasing: {orders['supplier_products']} suppliers' products, {orders['policies']} policies, "
            f"a reorder run; orders by status {orders['orders']} ({time.monotonic() - started:.1f} s)."
        )
