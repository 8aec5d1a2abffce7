"""The payables ledger, declared once on the kernel and registered by `PurchasingConfig.ready()`.

Key: (supplier, shop); amount: what we owe (negative: an advance paid). No non-negative rule:
a payment ahead of the goods is an advance.
"""

from django.utils.translation import gettext_lazy

from inventory.ledgers import Ledger

from .models import PayableBalance, PayableLedgerEntry

PAYABLES = Ledger(
    name="payables",
    entry_model=PayableLedgerEntry,
    balance_model=PayableBalance,
    key_fields=("supplier_id", "shop_id"),
    amount_fields=("amount",),
    verbose_name=gettext_lazy("supplier payables"),
)
