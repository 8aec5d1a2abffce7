"""Stock: the first client of the ledger kernel (`inventory.ledgers`, `services.kernel`).

The stock ledger is declared once (`STOCK`, registered by the inventory app): key (shop,
product), amounts (quantity, cost); its rule (`MovingAverageRule`) computes moving-average
cost, provisional cost from negative stock, and queues re-costing; its invariant
(`StockNegativeCheck`) refuses goods leaving a shop that forbids negative stock. The kernel
locks the balance rows in (shop, product) order, checks under the lock, writes the entries
in bulk and updates the balances set-based. `stock_write` and `stock_reverse` are the
stock-shaped doors to `ledger_write` and `ledger_reverse`.
"""

import contextvars
import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ..exceptions import NegativeStock
from ..ledgers import Invariant, Ledger, Rule
from ..models import Product, RecostRequest, Shop, StockBalance, StockLedgerEntry
from ..money import round_money
from . import kernel
from .kernel import LOCK_CHUNK, WriteResult

ZERO = Decimal("0")
UNIT_COST_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Movement:
    """One line's effect on one (shop, product): signed quantity; a fixed cost or None (average cost).

    `source_id` and `posting_id` default to the ones given to `stock_write`; a batch of till
    receipts written at once sets them per movement (one receipt, one posting each).
    """

    shop_id: int
    product_id: int
    quantity: Decimal
    kind: str
    line_id: int
    cost_amount: Decimal | None = None
    reversal_of_id: int | None = None
    source_id: int | None = None
    posting_id: int | None = None
    # A customer return: the sale row it brings back (its cost is its share of that row's; see `return_costs`).
    return_of_id: int | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.shop_id, self.product_id)

    @property
    def amounts(self) -> tuple:
        return (self.quantity, self.cost_amount)


def cost_apply(state, quantity: Decimal, fixed_cost: Decimal | None) -> tuple[Decimal, bool]:
    """Apply a movement to anything with quantity, cost_amount and last_unit_cost; returns (its cost, provisional?).

    The same rule live (on a locked balance row) and in re-costing (on a CostState).
    """
    provisional = False
    if fixed_cost is not None:
        cost = fixed_cost
    elif quantity < 0:
        out = -quantity
        if state.quantity >= out:
            # The last unit takes the exact remaining value: no rounding dust is left behind.
            cost = -(
                state.cost_amount if out == state.quantity else round_money(state.cost_amount * out / state.quantity)
            )
        else:
            covered = max(state.quantity, ZERO)
            covered_cost = state.cost_amount if covered > 0 else ZERO
            cost = -(covered_cost + round_money((out - covered) * state.last_unit_cost))
            provisional = True
    else:
        average = state.cost_amount / state.quantity if state.quantity > 0 else state.last_unit_cost
        cost = round_money(quantity * average)
    state.quantity += quantity
    state.cost_amount += cost
    if state.quantity > 0:
        state.last_unit_cost = (state.cost_amount / state.quantity).quantize(UNIT_COST_PLACES)
    elif fixed_cost is not None and quantity > 0:
        state.last_unit_cost = (fixed_cost / quantity).quantize(UNIT_COST_PLACES)
    return cost, provisional


@dataclass
class CostState:
    """Quantity, cost value and last unit cost of a pair: what the moving average needs."""

    quantity: Decimal = ZERO
    cost_amount: Decimal = ZERO
    last_unit_cost: Decimal = ZERO

    def average(self) -> Decimal:
        if self.quantity > 0:
            return self.cost_amount / self.quantity
        return self.last_unit_cost

    def apply(self, quantity: Decimal, fixed_cost: Decimal | None) -> tuple[Decimal, bool]:
        """Apply a movement; returns (its cost, provisional?). Pure."""
        return cost_apply(self, quantity, fixed_cost)


def _shortage_message(shortages) -> str:
    shops = {s.pk: s for s in Shop.objects.filter(pk__in={x[0] for x in shortages})}
    products = {p.pk: p for p in Product.objects.filter(pk__in={x[1] for x in shortages})}
    lines = [
        _("%(product)s in %(shop)s: %(available)s available, %(needed)s needed (short by %(short)s)")
        % {
            "product": products[p],
            "shop": shops[s],
            "available": a.normalize(),
            "needed": n.normalize(),
            "short": (n - a).normalize(),
        }
        for s, p, a, n in shortages[:20]
    ]
    more = len(shortages) - len(lines)
    text = _("Not enough stock; negative stock is not allowed in this shop.") + " " + "; ".join(lines)
    if more > 0:
        text += " " + _("…and %(count)d more.") % {"count": more}
    return text


class StockNegativeCheck(Invariant):
    """Goods may not leave a shop that forbids negative stock beyond what it has (option `enforce_negative`).

    Every shortage of the write is collected and NegativeStock raised before anything is
    written. Sales and stocktakes pass `enforce_negative=False`: the goods left anyway.
    """

    def check(self, ledger, balances, movements, options) -> None:
        if not options.get("enforce_negative", True):
            return
        needed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for m in movements:
            needed[(m.shop_id, m.product_id)] -= m.quantity
        shortages = []
        for key, net_out in needed.items():
            balance = balances[key]
            if net_out > 0 and not balance.negative_stock_allowed and balance.quantity < net_out:
                shortages.append((key[0], key[1], max(balance.quantity, ZERO), net_out))
        if shortages:
            raise NegativeStock(_shortage_message(shortages), shortages=shortages)


class MovingAverageRule(Rule):
    """Stock's state rule: the moving weighted average per (shop, product).

    A movement with a cost (from a document, or a reversal's) carries it; without one, goods
    leave and come in at average cost. Goods leaving beyond what is there leave at the last
    known cost, flagged provisional. A pair that comes back from negative stock, or is
    written before its last movement's date, is queued for re-costing.
    """

    state_fields = ("last_unit_cost", "last_business_date")
    entry_fields = ("cost_is_fixed", "cost_provisional", "return_of_id")

    def apply(self, ledger, balance, movement, business_date, result, options):
        was_negative = balance.quantity < 0
        quantity = movement.quantity
        back_dated = balance.last_business_date is not None and business_date < balance.last_business_date
        cost, provisional = cost_apply(balance, quantity, movement.cost_amount)
        if (was_negative and quantity > 0) or back_dated:
            result.marked.add((movement.shop_id, movement.product_id))
        return (quantity, cost), (movement.cost_amount is not None, provisional, movement.return_of_id)

    def finish(self, ledger, balances, result, business_date, options) -> None:
        for balance in balances.values():
            if balance.last_business_date is None or business_date > balance.last_business_date:
                balance.last_business_date = business_date
        if result.marked:
            recost_request(pairs=result.marked, from_date=business_date)

    def adjustment_values(self, ledger, adjusted) -> tuple:
        return (False, False, None)

    def reversible(self, queryset):
        return queryset.filter(adjusts__isnull=True)

    def reversal_movements(self, ledger, originals) -> list:
        """Goods that had left come back at the cost they left with, re-costing adjustments included."""
        adjustments: dict[int, Decimal] = defaultdict(Decimal)
        # Adjustments of the source's rows, found through the join: no list of 20,000 ids.
        sources = {(e.source_type, e.source_id) for e in originals}
        for source_type, source_id in sources:
            for adjusts_id, cost in StockLedgerEntry.objects.filter(
                adjusts__source_type=source_type, adjusts__source_id=source_id
            ).values_list("adjusts_id", "cost_amount"):
                adjustments[adjusts_id] += cost
        return [
            Movement(
                e.shop_id,
                e.product_id,
                -e.quantity,
                e.kind,
                e.source_line_id,
                -(e.cost_amount + adjustments[e.pk]),
                reversal_of_id=e.pk,
            )
            for e in originals
        ]


STOCK = Ledger(
    name="stock",
    entry_model=StockLedgerEntry,
    balance_model=StockBalance,
    key_fields=("shop_id", "product_id"),
    amount_fields=("quantity", "cost_amount"),
    rule=MovingAverageRule(),
    invariants=(StockNegativeCheck(),),
    lock_related=(("negative_stock_allowed", "shop__negative_stock_allowed"),),
    amount_labels=("quantity", "cost"),
    adjustable=True,  # re-costing corrects costs already written (`services.recost`)
)


def balances_for_update(keys: list[tuple[int, int]]) -> dict:
    """Stock balance rows of these (shop, product) pairs, created if missing and locked in key order."""
    return kernel.balances_for_update(STOCK, keys)


def stock_write(
    *,
    movements: list[Movement],
    posting,
    business_date: datetime.date,
    source_type: str,
    source_id: int | None,
    enforce_negative: bool = True,
) -> WriteResult:
    """Write movements as stock ledger entries and update balances (the kernel's `ledger_write`). In a transaction.

    With `enforce_negative`, goods may not leave a shop that forbids negative stock beyond
    what it has (NegativeStock, nothing written). Without it (sales, stocktakes), the goods
    leave at the last known cost and the entry is flagged provisional; the pair is queued
    for re-costing.
    """
    return kernel.ledger_write(
        STOCK,
        movements=movements,
        posting_id=posting.pk if posting is not None else None,
        business_date=business_date,
        source_type=source_type,
        source_id=source_id,
        enforce_negative=enforce_negative,
    )


def stock_reverse(
    *,
    source_type: str,
    source_id: int,
    posting,
    business_date: datetime.date | None = None,
    enforce_negative: bool = True,
    only_date: datetime.date | None = None,
) -> WriteResult:
    """Reverse every entry a document wrote (and not yet reversed), at the cost each one carries.

    Goods that had left come back at the cost they left with; goods that had come in leave
    at the cost they came in with. Removing goods that are no longer there is refused in
    shops that forbid negative stock. Without `business_date`, each entry on its own date.
    """
    return kernel.ledger_reverse(
        STOCK,
        source_type=source_type,
        source_id=source_id,
        posting_id=posting.pk,
        business_date=business_date,
        only_date=only_date,
        enforce_negative=enforce_negative,
    )


def stock_write_by_date(
    *,
    movements_by_date: dict[datetime.date, list[Movement]],
    source_type: str,
    enforce_negative: bool = True,
    balances: dict | None = None,
) -> WriteResult:
    """Stock movements of several days and documents at once (a till batch: each movement names its source
    and posting); every pair locked once in key order first, or already by the caller (`balances`,
    from `balances_for_update`)."""
    return kernel.ledger_write_by_date(
        STOCK,
        movements_by_date=movements_by_date,
        source_type=source_type,
        enforce_negative=enforce_negative,
        balances=balances,
    )


def stock_balances_for_update(pairs) -> dict:
    """The public front door for a writer that must lock before it writes its own rows (a till batch).

    The (shop, product) balance rows, created if missing and locked in key order, in the
    caller's transaction; hand them to `stock_provisional_sources` and then to
    `stock_write_by_date(balances=...)`, which writes on them without locking again.
    """
    return kernel.balances_for_update(STOCK, pairs)


def stock_provisional_sources(balances: dict, movements_by_date: dict[datetime.date, list]) -> set[int]:
    """The sources whose goods would leave from negative stock, decided before anything is written. Pure.

    The quantities alone decide it (`cost_apply`: goods beyond what is there leave
    provisional), walked in the order `stock_write_by_date` writes: day by day, then as
    listed. `balances` are the locked rows; they are not changed.
    """
    left = {key: balance.quantity for key, balance in balances.items()}
    found = set()
    for day in sorted(movements_by_date):
        for m in movements_by_date[day]:
            key = tuple(m.key)
            if m.quantity < 0 and m.cost_amount is None and left[key] < -m.quantity:
                found.add(m.source_id)
            left[key] += m.quantity
    return found


def entry_costs(*, source_type: str, kind: str, line_ids, source_ids=None) -> dict[int, Decimal]:
    """The cost each source line's rows of `kind` carry, re-costing adjustments included, by line id.

    Signed as on the ledger (goods that left: negative). `source_ids`, the documents the lines
    belong to, when the caller knows them: the lookup then walks the ledger's document index
    instead of reading every row of the source type (a return in a year of sales).
    """
    line_ids = list(line_ids)
    costs: dict[int, Decimal] = defaultdict(Decimal)
    if not line_ids:
        return costs
    rows = StockLedgerEntry.objects.filter(
        source_type=source_type, kind=kind, source_line_id__in=line_ids, adjusts__isnull=True
    )
    if source_ids is not None:
        rows = rows.filter(source_id__in=list(source_ids))
    line_of = {}
    for pk, line_id, cost in rows.filter(reversal_of__isnull=True).values_list("pk", "source_line_id", "cost_amount"):
        line_of[pk] = line_id
        costs[line_id] += cost
    if line_of:
        for adjusts_id, cost in StockLedgerEntry.objects.filter(adjusts__in=list(line_of)).values_list(
            "adjusts_id", "cost_amount"
        ):
            costs[line_of[adjusts_id]] += cost
    return costs


def cost_share(*, cost: Decimal, quantity: Decimal, of_quantity: Decimal, taken_quantity: Decimal, taken_cost: Decimal):
    """The cost of `quantity` out of `of_quantity` that carried `cost`, after `taken_*` went before.

    Its share, rounded; the part that takes the last of it takes exactly what is left, so no
    rounding dust stays behind. Pure: returns, reversals and re-costing share this one rule.
    """
    if taken_quantity + quantity >= of_quantity:
        return cost - taken_cost
    return round_money(cost * quantity / of_quantity)


def shares_in_order(
    *, cost: Decimal, of_quantity: Decimal, parts, taken_quantity: Decimal = ZERO, taken_cost: Decimal = ZERO
) -> dict:
    """Each part's share of `cost` (parts: (id, quantity), in the order they come back), after `taken_*`.

    Pure: `cost_share` part after part; live returns and re-costing both call this.
    """
    costs = {}
    for part_id, quantity in parts:
        share = cost_share(
            cost=cost,
            quantity=quantity,
            of_quantity=of_quantity,
            taken_quantity=taken_quantity,
            taken_cost=taken_cost,
        )
        taken_quantity += quantity
        taken_cost += share
        costs[part_id] = share
    return costs


@dataclass(frozen=True)
class ReturnCost:
    """What a returned line brings back: its cost, and the outgoing row it returns (None if there is none)."""

    cost: Decimal
    return_of_id: int | None


def _out_rows(*, source_type: str, kind: str, line_ids, source_ids=None) -> dict[int, int]:
    """The (original, not reversed-by-itself) row of each source line of `kind`, by line id."""
    rows = StockLedgerEntry.objects.filter(
        source_type=source_type,
        kind=kind,
        source_line_id__in=list(line_ids),
        adjusts__isnull=True,
        reversal_of__isnull=True,
    )
    if source_ids is not None:
        rows = rows.filter(source_id__in=list(source_ids))
    return dict(rows.values_list("source_line_id", "pk"))


def return_costs(
    *,
    source_type: str,
    out_kind: str,
    back_kind: str,
    returns: list[tuple[int, int, Decimal]],
    sold: dict[int, Decimal],
    earlier: dict[int, tuple[int, Decimal]],
    source_ids=None,
    earlier_source_ids=None,
) -> dict[int, ReturnCost]:
    """The cost each returned line brings back: its share of what its original line left with.

    `returns` are (return line id, original line id, quantity), in the order they come back;
    `sold` the quantity of each original line; `earlier` the returns already on the ledger
    (return line id -> (original line id, quantity)); `source_ids` and `earlier_source_ids`, the
    documents of the original lines and of the earlier returns, narrow the lookups to them
    (optional: without them the lines alone are looked up). What the original line left with
    includes later re-costing adjustments; the return that empties a line takes exactly the
    rest (see `cost_share`). Each result names the original's row: the return's row points
    at it (`return_of`), so re-costing the sale later re-costs the return by the same rule
    (`pair_replay`). Reads the ledger; the caller owns the lines.
    """
    if not returns:
        return {}
    originals = {o for _r, o, _q in returns}
    left_with = entry_costs(source_type=source_type, kind=out_kind, line_ids=originals, source_ids=source_ids)
    out_row = _out_rows(source_type=source_type, kind=out_kind, line_ids=originals, source_ids=source_ids)
    back_quantity: dict[int, Decimal] = defaultdict(Decimal)
    back_cost: dict[int, Decimal] = defaultdict(Decimal)
    for original, quantity in earlier.values():
        back_quantity[original] += quantity
    for line_id, cost in entry_costs(
        source_type=source_type, kind=back_kind, line_ids=earlier, source_ids=earlier_source_ids
    ).items():
        back_cost[earlier[line_id][0]] += cost
    by_original: dict[int, list] = defaultdict(list)
    for line_id, original, quantity in sorted(returns):
        by_original[original].append((line_id, quantity))
    costs = {}
    for original, parts in by_original.items():
        shares = shares_in_order(
            cost=-left_with[original],
            of_quantity=sold[original],
            parts=parts,
            taken_quantity=back_quantity[original],
            taken_cost=back_cost[original],
        )
        costs.update({line_id: ReturnCost(cost, out_row.get(original)) for line_id, cost in shares.items()})
    return costs


def recost_request(*, pairs, from_date: datetime.date) -> None:
    """Queue pairs for re-costing from a date (an earlier date wins); the job runs after commit.

    Set-based: one UPDATE per shop and chunk lowers the dates of queued pairs, one insert
    that ignores conflicts adds the rest, whatever the number of pairs (a back-dated
    20,000-line stocktake queues 20,000).
    """
    by_shop: dict[int, list[int]] = defaultdict(list)
    for shop_id, product_id in pairs:
        by_shop[shop_id].append(product_id)
    for shop_id, products in by_shop.items():
        for start in range(0, len(products), LOCK_CHUNK):
            RecostRequest.objects.filter(
                shop_id=shop_id, product_id__in=products[start : start + LOCK_CHUNK], from_date__gt=from_date
            ).update(from_date=from_date)
    RecostRequest.objects.bulk_create(
        [RecostRequest(shop_id=s, product_id=p, from_date=from_date) for s, p in pairs],
        ignore_conflicts=True,
        batch_size=LOCK_CHUNK,
    )
    transaction.on_commit(_schedule_recost)


# Who starts the re-costing job after commit: set by the inventory app's ready() to the task's
# `.delay` (the task module is a face that imports re-costing; the domain never imports it).
_recost_scheduler: Callable[[], object] | None = None


def recost_scheduler_set(schedule: Callable[[], object] | None) -> None:
    """Name the callable that starts the re-costing job (inventory's `AppConfig.ready()`)."""
    global _recost_scheduler
    _recost_scheduler = schedule


# Set by `recost.recost_deferred()` for bulk loaders: queued pairs wait for the block's end.
recost_deferring = contextvars.ContextVar("recost_deferring", default=False)


def _schedule_recost() -> None:
    # Without a scheduler the queued pairs wait for the next run of the job (nothing is lost).
    if _recost_scheduler is not None and not recost_deferring.get():
        _recost_scheduler()


def pair_replay(entries) -> tuple[CostState, dict[int, Decimal], dict[int, Decimal]]:
    """Replay a pair's entries in (date, id) order: the final state, each entry's expected cost, its actual cost.

    Pure; `entries` are every entry of one pair including adjustments. A reversal undoes its
    original at the original's replayed cost; a customer return (`return_of`) brings back its
    share of its sale row's replayed cost, by the rule live returns use (`shares_in_order`:
    the sale's returns in the order they came, the last one taking exactly the rest); any
    other fixed cost stays as posted.
    """
    actual: dict[int, Decimal] = {}
    for e in entries:
        if e.adjusts_id is None:
            actual[e.pk] = actual.get(e.pk, ZERO) + e.cost_amount
    for e in entries:
        if e.adjusts_id is not None:
            actual[e.adjusts_id] = actual.get(e.adjusts_id, ZERO) + e.cost_amount
    base = [e for e in entries if e.adjusts_id is None]
    by_id = {e.pk: e for e in base}
    returns_of: dict[int, list] = defaultdict(list)
    for e in base:
        if e.return_of_id is not None and e.reversal_of_id is None and e.return_of_id in by_id:
            returns_of[e.return_of_id].append(e)
    returned: dict[int, Decimal] = {}  # return row -> its share, computed for all of a sale's returns at once
    state = CostState()
    expected: dict[int, Decimal] = {}
    for e in sorted(base, key=lambda e: (e.business_date, e.pk)):
        if e.reversal_of_id is not None and e.reversal_of_id in expected:
            fixed = -expected[e.reversal_of_id]
        elif e.return_of_id is not None and e.reversal_of_id is None and e.return_of_id in expected:
            if e.pk not in returned:
                sale = by_id[e.return_of_id]
                returned.update(
                    shares_in_order(
                        cost=-expected[sale.pk],
                        of_quantity=-sale.quantity,
                        parts=[(r.pk, r.quantity) for r in sorted(returns_of[sale.pk], key=lambda r: r.source_line_id)],
                    )
                )
            fixed = returned[e.pk]
        elif e.cost_is_fixed and e.reversal_of_id is None:
            fixed = actual[e.pk]
        else:
            fixed = None
        expected[e.pk], _provisional = state.apply(e.quantity, fixed)
    return state, expected, actual
