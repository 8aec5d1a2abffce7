"""`manage.py till_token <till code>`: issue an API token for a till and print it (shown only now)."""

from django.core.management.base import BaseCommand, CommandError

from sales.models import Till
from sales.services import till_token_issue


class Command(BaseCommand):
    help = "Issue an API token for a till; the token is printed once and stored only as a hash."

    def add_arguments(self, parser):
        parser.add_argument("code")

    def handle(self, *args, code, **options):
        till = Till.objects.filter(code=code).first()
        if till is None:
            raise CommandError(f"No till has the code {code!r}.")
        self.stdout.write(till_token_issue(till=till))
