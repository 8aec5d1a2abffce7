"""Fill the card pool: `card_pool generate --count 100000 [--batch NAME]` or `card_pool import numbers.csv`.

An import file has one card number per line (the first column of a CSV); each number is checked
(13 digits, right check digit, not yet in the pool) and the good ones are added.
"""

import csv
import time

from django.core.management.base import BaseCommand, CommandError

from inventory.exceptions import DomainError
from loyalty.services.cards import MAX_BATCH, card_pool_generate, card_pool_import


class Command(BaseCommand):
    help = "Generate card numbers into the loyalty card pool, or import printed ones."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        generate = sub.add_parser("generate")
        generate.add_argument("--count", type=int, required=True)
        generate.add_argument("--batch", default="")
        generate.add_argument("--prefix", default=None)
        imported = sub.add_parser("import")
        imported.add_argument("path")
        imported.add_argument("--batch", default="import")

    def handle(self, *args, action, **options):
        began = time.monotonic()
        try:
            if action == "generate":
                first, last = card_pool_generate(
                    count=options["count"], batch=options["batch"], prefix=options["prefix"]
                )
                self.stdout.write(f"{options['count']} cards {first}..{last} in {time.monotonic() - began:.1f} s")
                return
            with open(options["path"], newline="", encoding="utf-8-sig") as f:
                numbers = [row[0] if row else "" for _i, row in zip(range(MAX_BATCH), csv.reader(f), strict=False)]
            added, problems = card_pool_import(numbers=numbers, batch=options["batch"])
        except (DomainError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for row, number, message in problems[:100]:
            self.stdout.write(f"row {row}: {number}: {message}")
        self.stdout.write(f"{added} cards added, {len(problems)} problems, {time.monotonic() - began:.1f} s")
