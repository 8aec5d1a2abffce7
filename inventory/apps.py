from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using="default", **kwargs):
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from .roles import roles_sync

    # Permissions of apps migrated after this one do not exist yet: create them first.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync()


def _install_guards(sender, using="default", **kwargs):
    from django.db import connections

    from .db_guards import guards_install

    guards_install(connections[using])


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # django.contrib.admin comes first in INSTALLED_APPS: every admin module is loaded by now.
        from django.contrib import admin
        from django.db.backends.signals import connection_created

        from .db_text import sqlite_unicode_like_install
        from .ledgers import ledger_register
        from .services.ledger import STOCK, recost_scheduler_set
        from .tasks import stock_recost_pending

        ledger_register(STOCK)
        connection_created.connect(sqlite_unicode_like_install, dispatch_uid="inventory_sqlite_unicode_like")
        recost_scheduler_set(stock_recost_pending.delay)

        from . import admin_export, admin_report_imports, admin_reports, bulk  # noqa: F401  (`__any`; reports, with the engine)
        from .admin_display import number_display_install
        from .admin_mixins import refuse_control_characters_everywhere

        refuse_control_characters_everywhere(admin.site)
        number_display_install()
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="inventory.sync_roles")
        # post_migrate comes after the whole run's migrations: every app's guarded tables exist by then.
        # The guards of every declaration (DB_GUARD, guard_register, registered ledgers): inventory/db_guards.py.
        post_migrate.connect(_install_guards, sender=self, dispatch_uid="inventory.install_guards")
