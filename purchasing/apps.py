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
        # Orders: a goods receipt made from an order updates it when posted or cancelled.
        from inventory.services.drafts import goods_receipt_listener_add

        from .services.orders import on_goods_receipt_changed

        goods_receipt_listener_add(on_goods_receipt_changed)
