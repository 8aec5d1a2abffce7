"""The points ledger, declared once on the kernel (`inventory.ledgers`) and registered by `LoyaltyConfig.ready()`.

Key: the loyalty account; amounts: spendable (`active`), `pending` and `debt` points. Each
row also carries its lot: the date its points become spendable and the date they expire
(the rule's entry fields). None of the three amounts ever goes below zero: the invariants
refuse a write under the balance lock, and CHECK constraints refuse what code forgets.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from inventory.ledgers import Ledger, NonNegative, Rule

from .models import PointsBalance, PointsLedgerEntry


@dataclass(frozen=True, slots=True)
class PointsMovement:
    """One change of one account's points in one lot; amounts are (active, pending, debt), signed."""

    key: tuple
    amounts: tuple
    kind: str
    line_id: int
    available_on: datetime.date
    expires_on: datetime.date
    reversal_of_id: int | None = None
    source_id: int | None = None
    posting_id: int | None = None


class PointsRule(Rule):
    """Adds the amounts; the entry keeps the movement's lot dates."""

    entry_fields = ("available_on", "expires_on")

    def apply(self, ledger, balance, movement, business_date, result, options):
        for name, amount in zip(ledger.amount_fields, movement.amounts, strict=True):
            setattr(balance, name, getattr(balance, name) + amount)
        return tuple(movement.amounts), (movement.available_on, movement.expires_on)

    def reversal_movements(self, ledger, originals):
        return [
            PointsMovement(
                (e.account_id,),
                (-e.active, -e.pending, -e.debt),
                e.kind,
                e.source_line_id,
                e.available_on,
                e.expires_on,
                reversal_of_id=e.pk,
            )
            for e in originals
        ]


POINTS = Ledger(
    name="points",
    entry_model=PointsLedgerEntry,
    balance_model=PointsBalance,
    key_fields=("account_id",),
    amount_fields=("active", "pending", "debt"),
    rule=PointsRule(),
    invariants=(NonNegative("active"), NonNegative("pending"), NonNegative("debt")),
    verbose_name=gettext_lazy("points"),
)
