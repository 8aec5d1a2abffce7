"""Import points balances from the old system's Excel or CSV export: a dry run unless --commit."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from loyalty.services.migration import points_migration_import


class Command(BaseCommand):
    help = "Import points balances (card_number, points, earned_on, expires_on) from .xlsx or .csv; dry run by default."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--commit", action="store_true", help="Write the balances (only when no row has a problem)."
        )

    def handle(self, *args, file, commit, **options):
        path = Path(file)
        try:
            result = points_migration_import(name=path.name, content=path.read_bytes(), commit=commit)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for line, problem in result.problems:
            self.stdout.write(f"line {line}: {problem}")
        differences = [r for r in result.reconciliation if r["difference"]]
        self.stdout.write(
            f"rows {result.rows}, problem rows {len(result.problems)}, points in the file {result.file_points}, "
            f"in good rows {result.good_points}, written now {result.written_points}, "
            f"there before {result.already_points}, in the ledger {result.ledger_points}, "
            f"cards differing {len(differences)}"
        )
        if commit and result.problems:
            raise CommandError("Nothing was written: fix the problem rows and run again.")
