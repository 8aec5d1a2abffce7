from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from inventory.admin_export import excel_export_everywhere

        # The admin loaded every app's admin module in its own ready(), which runs before any of
        # ours: every list registered by now (ours and libraries') gets the Excel button,
        # whatever the order of INSTALLED_APPS.
        excel_export_everywhere(admin.site)
