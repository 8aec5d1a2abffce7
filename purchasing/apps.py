from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    """Supplier settlements (the payables ledger, payments, aging, statements), purchase orders, auto-reordering.

    Its own app above inventory and cash (DESIGN.md put settlements in inventory): a payment
    is a cash order from a shop's cash desk, and inventory may not import cash.
    """

    name = "purchasing"
    verbose_name = _("Purchasing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        self._settlements_ready()
        self._orders_ready()

    def _settlements_ready(self) -> None:
        """The payables ledger on the kernel; goods receipts and supplier returns become payables as they post."""
        from inventory.choices import DocumentType
        from inventory.document_hooks import document_hook_register
        from inventory.ledgers import ledger_register

        from .ledger import PAYABLES
        from .services import settlements

        ledger_register(PAYABLES)
        document_hook_register(
            DocumentType.GOODS_RECEIPT,
            on_post=settlements.goods_receipt_posted,
            on_cancel=settlements.goods_receipt_cancelled,
        )
        document_hook_register(
            DocumentType.SUPPLIER_RETURN,
            on_post=settlements.supplier_return_posted,
            on_cancel=settlements.supplier_return_cancelled,
        )

        from . import admin_reports  # noqa: F401  (registers the settlement reports with the report engine)

    def _orders_ready(self) -> None:
        """Purchase orders follow the goods receipts made from them; their admin, reports and nightly run."""
        from inventory.choices import DocumentType
        from inventory.document_hooks import document_hook_register

        from . import admin_reports_orders, tasks_reorder  # noqa: F401  (register with the report engine, Celery)
        from .services.orders import goods_receipt_cancelled_for_orders, goods_receipt_posted_for_orders

        document_hook_register(
            DocumentType.GOODS_RECEIPT,
            on_post=goods_receipt_posted_for_orders,
            on_cancel=goods_receipt_cancelled_for_orders,
        )
