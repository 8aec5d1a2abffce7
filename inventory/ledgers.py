"""The ledger kernel's declarations: a ledger is declared once and registered; rules and invariants.

A ledger names its entry model (inherits `models.ledger.LedgerEntry`), its balance model
(inherits `LedgerBalance`), the key fields both carry (attnames, e.g. `("shop_id",
"product_id")`), the amount fields whose sum the balance caches, a state rule (how a
movement changes a balance and what its entry carries; `AddRule` by default) and
invariants checked under the balance lock. Each app registers its ledgers from its
`AppConfig.ready()` with `ledger_register`; `check_ledgers`, the nightly check and the
database guards iterate `ledgers()`, and the admin hears of every ledger through
`ledgers_listen` (admin_ledgers.py). A ledger declared `adjustable` can have its entries
corrected (`LedgerAdjustment`: stock's re-costing). The write operations are in
`inventory.services.kernel`.

This module imports no model: a ledger declaration only points at models.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, make_dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .exceptions import LedgerOverdraft

ENTRY_SOURCE_FIELDS = (
    "business_date",
    "kind",
    "source_type",
    "source_id",
    "source_line_id",
    "posting_id",
    "reversal_of_id",
)


@dataclass(frozen=True, slots=True)
class LedgerMovement:
    """One line's effect on one key of a ledger: its amounts, signed, in the ledger's `amount_fields` order.

    `source_id` and `posting_id` default to the ones given to the write; a batch (till
    receipts) sets them per movement. Any object with these attributes is a movement
    (stock's `Movement` is one).
    """

    key: tuple
    amounts: tuple
    kind: str
    line_id: int
    reversal_of_id: int | None = None
    source_id: int | None = None
    posting_id: int | None = None


@dataclass(frozen=True, slots=True)
class LedgerAdjustment:
    """A correction of the amounts of one entry already on the ledger (`entry`: a row or model instance).

    Written as a row of its own, pointing at the entry (`adjusts`), with the entry's key and
    source, on `business_date`; see `services.kernel.ledger_adjust`.
    """

    entry: object
    amounts: tuple
    business_date: datetime.date


class Rule:
    """How a movement changes its balance row and what its entry carries. The default adds.

    `state_fields` are balance columns the rule keeps besides the amounts (stock: last unit
    cost, last movement date); `entry_fields` entry columns it fills besides key, amounts
    and source (stock: cost from the document, provisional cost).
    """

    state_fields: tuple[str, ...] = ()
    entry_fields: tuple[str, ...] = ()

    def apply(self, ledger: Ledger, balance, movement, business_date, result, options) -> tuple[tuple, tuple]:
        """Change `balance` by `movement`; return the entry's (amounts, extra values in `entry_fields` order)."""
        for name, amount in zip(ledger.amount_fields, movement.amounts, strict=True):
            setattr(balance, name, getattr(balance, name) + amount)
        return tuple(movement.amounts), ()

    def finish(self, ledger: Ledger, balances: dict, result, business_date, options) -> None:
        """After the entries are built and before the balances are written (stock: last date, re-costing queue)."""

    def adjustment_values(self, ledger: Ledger, adjusted) -> tuple:
        """The values of `entry_fields` on an adjustment row of `adjusted` (nothing the rule computes)."""
        return tuple(None for _name in self.entry_fields)

    def reversible(self, queryset):
        """The entries a reversal reverses (stock leaves out its cost adjustments)."""
        return queryset

    def reversal_movements(self, ledger: Ledger, originals: list) -> list:
        """Movements that undo `originals` exactly."""
        return [
            LedgerMovement(
                tuple(getattr(e, f) for f in ledger.key_fields),
                tuple(-getattr(e, f) for f in ledger.amount_fields),
                e.kind,
                e.source_line_id,
                reversal_of_id=e.pk,
            )
            for e in originals
        ]


class AddRule(Rule):
    """balance += amounts: cash, payables, points, gift certificates."""


class Invariant:
    """A rule checked under the balance lock, before anything is written; raises a DomainError."""

    def check(self, ledger: Ledger, balances: dict, movements: list, options: dict) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class NonNegative(Invariant):
    """The balance of `amount_field` never goes below zero; a movement that would take it there is refused.

    Checked per key on the net of the write, under the lock, so two writers spending the same
    balance are served one after the other and the second sees what the first left. Declare a
    CHECK constraint on the balance model too: the database then refuses what code forgets.
    """

    amount_field: str

    def check(self, ledger, balances, movements, options) -> None:
        index = ledger.amount_fields.index(self.amount_field)
        net: dict[tuple, Decimal] = defaultdict(Decimal)
        for m in movements:
            net[tuple(m.key)] += m.amounts[index]
        short = []
        for key, change in sorted(net.items()):
            available = getattr(balances[key], self.amount_field)
            if change < 0 and available + change < 0:
                short.append((key, available, -change))
        if short:
            lines = [
                _("%(key)s: %(available)s available, %(needed)s needed")
                % {"key": "/".join(str(k) for k in key), "available": available, "needed": needed}
                for key, available, needed in short[:20]
            ]
            raise LedgerOverdraft(
                _("%(ledger)s cannot go below zero: %(lines)s.")
                % {"ledger": ledger.verbose_name, "lines": "; ".join(lines)},
                shortages=short,
            )


@dataclass(frozen=True, eq=False)
class Ledger:
    """A ledger, declared once. See the module docstring; `amount_labels` name the amounts in check reports."""

    name: str
    entry_model: type
    balance_model: type
    key_fields: tuple[str, ...]
    amount_fields: tuple[str, ...]
    rule: Rule = field(default_factory=AddRule)
    invariants: tuple[Invariant, ...] = ()
    # Values read with the lock from related rows, as (attribute, lookup path): stock reads the shop's flag.
    lock_related: tuple[tuple[str, str], ...] = ()
    amount_labels: tuple[str, ...] = ()
    verbose_name: str = ""
    # The entry model has an `adjusts` foreign key to itself: entries can be corrected (`ledger_adjust`).
    adjustable: bool = False

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "amount_labels", self.amount_labels or self.amount_fields)
        set_(self, "verbose_name", self.verbose_name or self.name)
        set_(self, "balance_columns", (*self.amount_fields, *self.rule.state_fields))
        columns = (*self.key_fields, *self.amount_fields, *ENTRY_SOURCE_FIELDS, *self.rule.entry_fields)
        set_(self, "entry_columns", (*columns, "adjusts_id") if self.adjustable else columns)
        # Rows as plain slotted objects: a till batch writes thousands, model instances cost too much.
        # `adjusts_id` comes last with a default: movements leave it empty, adjustments set it.
        fields = [*columns, *([("adjusts_id", int | None, field(default=None))] if self.adjustable else [])]
        set_(self, "Entry", make_dataclass(f"{self.name.title()}Entry", fields, slots=True))
        set_(
            self,
            "BalanceRow",
            make_dataclass(
                f"{self.name.title()}BalanceRow",
                ["pk", *self.key_fields, *self.balance_columns, *(a for a, _path in self.lock_related)],
                slots=True,
            ),
        )

    def key_of(self, row) -> tuple:
        return tuple(getattr(row, f) for f in self.key_fields)


_REGISTRY: dict[str, Ledger] = {}
_LISTENERS: list = []


def ledger_register(ledger: Ledger) -> Ledger:
    """Register a ledger (from its app's `AppConfig.ready()`); registering the same name again replaces it.

    Listeners (the admin's ledger pages) hear of it at once, whichever app registers it when.
    """
    _REGISTRY[ledger.name] = ledger
    for listener in _LISTENERS:
        listener(ledger)
    return ledger


def ledgers_listen(listener) -> None:
    """Call `listener(ledger)` for every ledger registered so far and every one registered later.

    For faces that build something per ledger (the admin's pages) without the domain importing them.
    """
    _LISTENERS.append(listener)
    for ledger in list(_REGISTRY.values()):
        listener(ledger)


def ledger_unregister(name: str) -> None:
    """For tests that declare a ledger of their own."""
    _REGISTRY.pop(name, None)


def ledger_get(name: str) -> Ledger:
    return _REGISTRY[name]


def ledgers() -> list[Ledger]:
    """Every registered ledger, in registration order."""
    return list(_REGISTRY.values())
