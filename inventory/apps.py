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


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # django.contrib.admin comes first in INSTALLED_APPS: every admin module is loaded by now.
        from django.contrib import admin

        from . import admin_export, bulk, report_imports, reports  # noqa: F401  (`__any`; reports, with the engine)
        from .admin_mixins import refuse_control_characters_everywhere

        refuse_control_characters_everywhere(admin.site)
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="inventory.sync_roles")
