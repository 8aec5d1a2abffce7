"""Seed the demo chain: `manage.py seed_demo [--products 20000 --shops 36 --suppliers 200 --days 30]`.

Idempotent: a second run adds nothing. Each app seeds its own data through its services.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from cash.demo import seed_cash
from inventory.demo import seed_inventory, seed_stock
from inventory.models import Shop
from inventory.roles import ACCOUNTANT, OWNER, SHOP_MANAGER
from inventory.services import recost_deferred
from sales.demo import DemoSales

DEMO_USERS = [
    # username, password, role, superuser
    ("admin", "admin", None, True),
    ("owner", "owner", OWNER, False),
    ("accountant", "accountant", ACCOUNTANT, False),
    ("manager", "manager", SHOP_MANAGER, False),
]


class Command(BaseCommand):
    help = "Seed the demo retail chain (reference data now; stock, sales and customers as they are built)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=20000)
        parser.add_argument("--shops", type=int, default=36)
        parser.add_argument("--suppliers", type=int, default=200)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--days", type=int, default=30, help="days of history: stock documents and till sales (0: none)"
        )
        parser.add_argument(
            "--receipts-per-day",
            type=int,
            default=None,
            help="receipts per shop per day (default 25; 600 with --days 365, the benchmark scale)",
        )

    def handle(self, *args, **options):
        users = self._users()
        # With DEBUG on (the demo's .env) Django would log and format every one of the seed's
        # SQL statements; re-costing of back-dated sales runs once at the end, not per upload.
        started = time.monotonic()
        with override_settings(DEBUG=False), recost_deferred():
            self._seed(users, options)
        self.stdout.write(f"Seeded in {time.monotonic() - started:.1f} s (re-costing of back-dated sales included).")
        manager = users["manager"]
        if not manager.managed_shops.exists():
            manager.managed_shops.set(Shop.objects.order_by("code")[:2])
        if settings.DEBUG:
            self.stdout.write("Demo logins (username / password):")
            for username, password, role, _superuser in DEMO_USERS:
                self.stdout.write(f"  {username} / {password}  ({role or 'superuser'})")
        else:
            self.stdout.write(
                "DEBUG is off: the demo users have no password. Set one with `manage.py changepassword <username>`."
            )

    def _seed(self, users, options):
        started = time.monotonic()
        result = seed_inventory(
            products=options["products"],
            shops=options["shops"],
            suppliers=options["suppliers"],
            actor=users["admin"],
            seed=options["seed"],
        )
        self.stdout.write(
            f"Inventory: {result.zones} zones, {result.shops} shops, {result.groups} groups, "
            f"{result.products} products, {result.barcodes} barcodes, {result.prices} prices, "
            f"{result.suppliers} suppliers created ({time.monotonic() - started:.1f} s)."
        )
        days = options["days"]
        if days:
            started = time.monotonic()
            per_day = options["receipts_per_day"] or (600 if days >= 365 else 25)
            # Each day's till sales are uploaded right after that day's stock documents: the
            # history is posted in date order, as it happened (nothing to re-cost afterwards).
            sales = DemoSales(days=days, receipts_per_day=per_day)
            counts = seed_stock(actor=users["admin"], days=days, on_day=sales.day)
            sales.finish()
            sold = sales.counts
            self.stdout.write(
                f"Stock: {counts['opening']} opening balances, {counts['receipts']} goods receipts, "
                f"{counts['transfers']} transfers, {counts['write_offs']} write-offs posted; "
                f"sales: {sold['tills']} tills, {sold['shifts']} shifts, {sold['receipts']} receipts "
                f"({sold['returns']} returns) uploaded through the till batch service "
                f"({time.monotonic() - started:.1f} s)."
            )
            started = time.monotonic()
            cash = seed_cash(days=days, actor=users["admin"])
            self.stdout.write(
                f"Cash: {cash['encashments']} encashments, {cash['bank_credits']} bank credits, "
                f"{cash['expenses']} expenses posted ({time.monotonic() - started:.1f} s)."
            )

    def _users(self):
        return demo_users_create()


@transaction.atomic
def demo_users_create() -> dict:
    """The demo users by username. Their well-known passwords are set only with DEBUG on: a server
    seeded in production must not open to admin / admin."""
    User = get_user_model()
    users = {}
    for username, password, role, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": superuser}
        )
        if created:
            if settings.DEBUG:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users
