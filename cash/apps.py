from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "cash"
    verbose_name = _("Cash")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory.ledgers import ledger_register

        from .ledger import CASH

        ledger_register(CASH)

        from . import admin_reports  # noqa: F401  (registers the cash book with the report engine)
