"""`manage.py check_ledgers`: print every balance of every registered ledger that differs from the sum of its rows, and every
document that differs from its rows (posted without them, cancelled without reversals); exit 1 if any."""

from django.core.management.base import BaseCommand, CommandError

from inventory.services.checks import ledgers_check


def _key_of(difference: dict) -> dict:
    """The key fields of a balance difference: what is neither the ledger's name nor an amount."""
    return {k: v for k, v in difference.items() if k != "ledger" and not k.startswith(("balance_", "ledger_"))}


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
            key = " ".join(f"{name.removesuffix('_id')} {value}" for name, value in _key_of(d).items())
            balance = " / ".join(str(v) for k, v in d.items() if k.startswith("balance_"))
            ledger = " / ".join(str(v) for k, v in d.items() if k.startswith("ledger_"))
            self.stdout.write(f"{d['ledger']}: {key}: balance {balance}, ledger {ledger}")
        self.stdout.write(f"{run.pairs_checked} balances checked, {run.differences} differences.")
        if run.differences:
            raise CommandError(f"{run.differences} ledger differences")
