"""`manage.py seed_payables`: supplier invoices and payments for the demo's goods receipts (after seed_demo)."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from purchasing.demo import seed_payables


class Command(BaseCommand):
    help = "Seed supplier invoices and payments for the demo's goods receipts (run after seed_demo)."

    def handle(self, *args, **options):
        started = time.monotonic()
        actor = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        counts = seed_payables(actor=actor)
        self.stdout.write(
            f"Payables: {counts['invoices']} supplier invoices ({counts['flagged']} differ from their receipt), "
            f"{counts['payments']} payments posted, {counts['overdue_left']} dues left overdue "
            f"({time.monotonic() - started:.1f} s)."
        )
