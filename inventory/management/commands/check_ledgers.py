"""`manage.py check_ledgers`: print every balance that differs from the sum of its ledger rows, and every
document that differs from its rows (posted without them, cancelled without reversals); exit 1 if any."""

from django.core.management.base import BaseCommand, CommandError

from inventory.services.checks import ledgers_check


class Command(BaseCommand):
    help = "Verify that every ledger balance equals the sum of its rows."

    def handle(self, *args, **options):
        run = ledgers_check()
        for d in run.details:
            if "problem" in d:
                self.stdout.write(
                    f"{d['ledger']}: {d['document_type']} {d['document']} (id {d['document_id']}): {d['problem']}"
                )
                continue
            self.stdout.write(
                f"{d['ledger']}: shop {d['shop_id']} product {d['product_id']}: balance {d['balance_quantity']} / "
                f"{d['balance_cost']}, ledger {d['ledger_quantity']} / {d['ledger_cost']}"
            )
        self.stdout.write(f"{run.pairs_checked} balances checked, {run.differences} differences.")
        if run.differences:
            raise CommandError(f"{run.differences} ledger differences")
