from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Customers: SMS go through the Celery task (eager without a broker); the services know only a hook.
        from .services import sms
        from .tasks_customers import sms_send

        sms.dispatch_hook = sms_send.delay
        # Points: the ledger on the kernel and its reports.
        from inventory.ledgers import ledger_register

        from . import admin_reports_customers  # noqa: F401  (registers the customers' reports)
        from .ledger import POINTS

        ledger_register(POINTS)

        from . import admin_reports  # noqa: F401  (registers the points reports with the report engine)
