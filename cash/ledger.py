"""The cash ledger, declared once on the kernel (`inventory.ledgers`) and registered by `CashConfig.ready()`.

Key: the location; amount: money. The invariant refuses any write that would take a
location below zero, checked on the net of the write under the balance lock (two cash-outs
racing are served one after the other). Till receipts pass `till_facts=True`: a drawer whose
balance row allows it may then go below zero (the sale or refund happened); documents never may.
"""

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.exceptions import LedgerOverdraft
from inventory.ledgers import Invariant, Ledger

from .models import CashBalance, CashLedgerEntry, CashLocation


class CashNotNegative(Invariant):
    """No location goes below zero; till receipts (`till_facts`) may take a drawer there."""

    def check(self, ledger, balances, movements, options) -> None:
        net: dict[tuple, Decimal] = defaultdict(Decimal)
        for m in movements:
            net[tuple(m.key)] += m.amounts[0]
        facts = options.get("till_facts", False)
        short = []
        for key, change in sorted(net.items()):
            balance = balances[key]
            if change < 0 and balance.amount + change < 0 and not (facts and balance.allows_negative):
                short.append((key, balance.amount, -change))
        if short:
            names = dict(CashLocation.objects.filter(pk__in=[k[0] for k, _a, _n in short]).values_list("pk", "name"))
            lines = [
                _("%(location)s holds %(available)s, %(needed)s needed")
                % {"location": names.get(key[0], key[0]), "available": available, "needed": needed}
                for key, available, needed in short
            ]
            raise LedgerOverdraft(
                _("Not enough cash: %(lines)s.") % {"lines": "; ".join(lines)},
                shortages=short,
            )


CASH = Ledger(
    name="cash",
    entry_model=CashLedgerEntry,
    balance_model=CashBalance,
    key_fields=("location_id",),
    amount_fields=("amount",),
    invariants=(CashNotNegative(),),
    lock_related=(("allows_negative", "allows_negative"),),
    verbose_name=gettext_lazy("cash"),
)
