from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from inventory.ledgers import ledger_register

        from .ledger import POINTS

        ledger_register(POINTS)

        from . import admin_reports  # noqa: F401  (registers the points reports with the report engine)
