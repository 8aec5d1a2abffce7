from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from inventory.services.checks import document_check_register

        from . import admin_reports  # noqa: F401  (registers sales' reports with the report engine)
        from .selectors import receipt_ledger_differences

        document_check_register(receipt_ledger_differences)
