"""The stock ledger's one write path: entries and balances in the caller's transaction.

`stock_write` locks the balance rows of every touched (shop, product) in that order, so
two postings never deadlock; creates missing balance rows with an insert that ignores
conflicts, so twenty first receipts of a new product race safely; checks negative stock
under the lock; computes moving-average cost; writes the entries in bulk.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..bulk import pg_execute_bound, rows_insert
from ..exceptions import NegativeStock
from ..models import Product, RecostRequest, Shop, StockBalance, StockLedgerEntry
from ..money import round_money

ZERO = Decimal("0")
UNIT_COST_PLACES = Decimal("0.0001")
LOCK_CHUNK = 2000


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
        """Apply a movement; returns (its cost, provisional?). Pure: the same rule live and in re-costing."""
        provisional = False
        if fixed_cost is not None:
            cost = fixed_cost
        elif quantity < 0:
            out = -quantity
            if self.quantity >= out:
                # The last unit takes the exact remaining value: no rounding dust is left behind.
                cost = -(
                    self.cost_amount if out == self.quantity else round_money(self.cost_amount * out / self.quantity)
                )
            else:
                covered = max(self.quantity, ZERO)
                covered_cost = self.cost_amount if covered > 0 else ZERO
                cost = -(covered_cost + round_money((out - covered) * self.last_unit_cost))
                provisional = True
        else:
            cost = round_money(quantity * self.average())
        self.quantity += quantity
        self.cost_amount += cost
        if self.quantity > 0:
            self.last_unit_cost = (self.cost_amount / self.quantity).quantize(UNIT_COST_PLACES)
        elif fixed_cost is not None and quantity > 0:
            self.last_unit_cost = (fixed_cost / quantity).quantize(UNIT_COST_PLACES)
        return cost, provisional


@dataclass(slots=True)
class EntryRow:
    """A ledger row as written: the fields callers read back (no model instance: a batch writes thousands)."""

    shop_id: int
    product_id: int
    business_date: datetime.date
    quantity: Decimal
    cost_amount: Decimal
    kind: str
    source_type: str
    source_id: int
    source_line_id: int
    posting_id: int
    cost_is_fixed: bool
    cost_provisional: bool
    reversal_of_id: int | None


ENTRY_COLUMNS = list(EntryRow.__slots__)


@dataclass
class WriteResult:
    entries: list[EntryRow] = field(default_factory=list)
    recost_pairs: set = field(default_factory=set)


def balances_for_update(keys: list[tuple[int, int]]) -> dict[tuple[int, int], "BalanceRow"]:
    """Create missing balance rows, then lock all of them in (shop, product) order.

    The insert comes first and in key order (ON CONFLICT DO NOTHING: twenty first receipts
    of a pair race safely). Locking the existing rows first and inserting the missing ones
    afterwards would take locks out of order: the threaded deadlock test catches that.
    """
    keys = sorted(set(keys))
    if not keys:
        return {}
    if _existing_count(keys) < len(keys):  # rows are never deleted: when all exist, no insert is needed
        StockBalance.objects.bulk_create(
            [StockBalance(shop_id=s, product_id=p) for s, p in keys], ignore_conflicts=True, batch_size=LOCK_CHUNK
        )
    return _lock(keys)


def _existing_count(keys) -> int:
    by_shop: dict[int, list[int]] = defaultdict(list)
    for shop_id, product_id in keys:
        by_shop[shop_id].append(product_id)
    return sum(
        StockBalance.objects.filter(shop_id=shop_id, product_id__any=products[start : start + LOCK_CHUNK]).count()
        for shop_id, products in by_shop.items()
        for start in range(0, len(products), LOCK_CHUNK)
    )


@dataclass(slots=True)
class BalanceRow:
    """A locked balance row: what the ledger reads and writes back (no model instance per row)."""

    pk: int
    shop_id: int
    product_id: int
    quantity: Decimal
    cost_amount: Decimal
    last_unit_cost: Decimal
    last_business_date: datetime.date | None
    negative_stock_allowed: bool


def _lock(keys) -> dict[tuple[int, int], BalanceRow]:
    by_shop: dict[int, list[int]] = defaultdict(list)
    for shop_id, product_id in keys:
        by_shop[shop_id].append(product_id)
    balances: dict[tuple[int, int], BalanceRow] = {}
    for shop_id in sorted(by_shop):
        products = by_shop[shop_id]
        for start in range(0, len(products), LOCK_CHUNK):
            chunk = products[start : start + LOCK_CHUNK]
            rows = (
                StockBalance.objects.select_for_update(of=("self",))
                .filter(shop_id=shop_id, product_id__any=chunk)
                .order_by("shop_id", "product_id")
                .values_list(*BALANCE_FIELDS, "shop__negative_stock_allowed")
            )
            for row in rows:
                balance = BalanceRow(*row)
                balances[(balance.shop_id, balance.product_id)] = balance
    return balances


BALANCE_FIELDS = ("id", "shop_id", "product_id", "quantity", "cost_amount", "last_unit_cost", "last_business_date")


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


def stock_write(
    *,
    movements: list[Movement],
    posting,
    business_date: datetime.date,
    source_type: str,
    source_id: int | None,
    enforce_negative: bool = True,
) -> WriteResult:
    """Write movements as ledger entries and update balances. Call inside a transaction.

    With `enforce_negative`, goods may not leave a shop that forbids negative stock beyond
    what it has: every shortage is collected and NegativeStock raised before anything is
    written. Without it (sales, stocktakes), the goods leave at the last known cost and the
    entry is flagged provisional; the pair is queued for re-costing.
    """
    result = WriteResult()
    if not movements:
        return result
    balances = balances_for_update([(m.shop_id, m.product_id) for m in movements])
    allowed = {key[0]: balance.negative_stock_allowed for key, balance in balances.items()}
    states = {key: CostState(b.quantity, b.cost_amount, b.last_unit_cost) for key, b in balances.items()}

    shortages = []
    if enforce_negative:
        needed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for m in movements:
            needed[(m.shop_id, m.product_id)] -= m.quantity
        for key, net_out in needed.items():
            available = states[key].quantity
            if net_out > 0 and not allowed[key[0]] and available < net_out:
                shortages.append((key[0], key[1], max(available, ZERO), net_out))
    if shortages:
        raise NegativeStock(_shortage_message(shortages), shortages=shortages)

    for m in movements:
        key = (m.shop_id, m.product_id)
        state = states[key]
        was_negative = state.quantity < 0
        cost, provisional = state.apply(m.quantity, m.cost_amount)
        result.entries.append(
            EntryRow(
                m.shop_id,
                m.product_id,
                business_date,
                m.quantity,
                cost,
                m.kind,
                source_type,
                m.source_id or source_id,
                m.line_id,
                m.posting_id or posting.pk,
                m.cost_amount is not None,
                provisional,
                m.reversal_of_id,
            )
        )
        if (was_negative and m.quantity > 0) or _is_back_dated(balances[key], business_date):
            result.recost_pairs.add(key)

    _save(balances, states, business_date, result)
    return result


def _is_back_dated(balance: "BalanceRow", business_date: datetime.date) -> bool:
    return balance.last_business_date is not None and business_date < balance.last_business_date


def _save(balances, states, business_date, result: WriteResult) -> None:
    now = timezone.now()
    rows_insert(
        StockLedgerEntry,
        [*ENTRY_COLUMNS, "created_at"],
        [(*(getattr(e, c) for c in ENTRY_COLUMNS), now) for e in result.entries],
    )
    changed = []
    for key, balance in balances.items():
        state = states[key]
        balance.quantity, balance.cost_amount, balance.last_unit_cost = (
            state.quantity,
            state.cost_amount,
            state.last_unit_cost,
        )
        if balance.last_business_date is None or business_date > balance.last_business_date:
            balance.last_business_date = business_date
        changed.append(balance)
    balances_update(changed)
    if result.recost_pairs:
        recost_request(pairs=result.recost_pairs, from_date=business_date)


def balances_update(balances: list["BalanceRow"]) -> None:
    """Write many balance rows with one UPDATE ... FROM a set of new values.

    Django's bulk_update builds a CASE per column, which grows with the square of the rows;
    this is linear. PostgreSQL gets one array per column (unnest); SQLite (3.33+) gets
    VALUES rows in chunks.
    """
    if not balances:
        return
    table = StockBalance._meta.db_table
    now = timezone.now()
    if connection.vendor == "postgresql":
        pg_execute_bound(
            f"UPDATE {table} SET quantity = v.q, cost_amount = v.c, last_unit_cost = v.u, "
            f"last_business_date = v.d, updated_at = %s "
            f"FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], %s::date[]) "
            f"AS v(id, q, c, u, d) WHERE {table}.id = v.id",
            [
                now,
                [b.pk for b in balances],
                [b.quantity for b in balances],
                [b.cost_amount for b in balances],
                [b.last_unit_cost for b in balances],
                [b.last_business_date for b in balances],
            ],
        )
        return
    row_sql = "(%s, %s, %s, %s, %s)"
    for start in range(0, len(balances), 1000):
        chunk = balances[start : start + 1000]
        params = []
        for b in chunk:
            params += [b.pk, str(b.quantity), str(b.cost_amount), str(b.last_unit_cost), b.last_business_date]
        with connection.cursor() as cursor:
            cursor.execute(
                # SQLite names the VALUES columns column1..column5.
                f"UPDATE {table} SET quantity = v.column2, cost_amount = v.column3, last_unit_cost = v.column4, "
                f"last_business_date = v.column5, updated_at = %s "
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v WHERE {table}.id = v.column1",
                [now, *params],
            )


def stock_reverse(
    *,
    source_type: str,
    source_id: int,
    posting,
    business_date: datetime.date,
    enforce_negative: bool = True,
    only_date: datetime.date | None = None,
) -> WriteResult:
    """Reverse every entry a document wrote (and not yet reversed), at the cost each one carries.

    Goods that had left come back at the cost they left with; goods that had come in leave
    at the cost they came in with. Removing goods that are no longer there is refused in
    shops that forbid negative stock.
    """
    originals = StockLedgerEntry.objects.filter(
        source_type=source_type,
        source_id=source_id,
        reversal_of__isnull=True,
        adjusts__isnull=True,
        reversed_by__isnull=True,
    ).order_by("id")
    if only_date is not None:
        originals = originals.filter(business_date=only_date)
    originals = list(originals)
    if not originals:
        return WriteResult()
    adjustments: dict[int, Decimal] = defaultdict(Decimal)
    # Adjustments of this document's rows, found through the join: no list of 20,000 ids.
    corrections = StockLedgerEntry.objects.filter(adjusts__source_type=source_type, adjusts__source_id=source_id)
    for adjusts_id, cost in corrections.values_list("adjusts_id", "cost_amount"):
        adjustments[adjusts_id] += cost
    movements = [
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
    return stock_write(
        movements=movements,
        posting=posting,
        business_date=business_date,
        source_type=source_type,
        source_id=source_id,
        enforce_negative=enforce_negative,
    )


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


def _schedule_recost() -> None:
    from ..tasks import stock_recost_pending  # tasks are a face: imported late, only to schedule

    stock_recost_pending.delay()


def pair_replay(entries) -> tuple[CostState, dict[int, Decimal], dict[int, Decimal]]:
    """Replay a pair's entries in (date, id) order: the final state, each entry's expected cost, its actual cost.

    Pure; `entries` are every entry of one pair including adjustments.
    """
    actual: dict[int, Decimal] = {}
    for e in entries:
        if e.adjusts_id is None:
            actual[e.pk] = actual.get(e.pk, ZERO) + e.cost_amount
    for e in entries:
        if e.adjusts_id is not None:
            actual[e.adjusts_id] = actual.get(e.adjusts_id, ZERO) + e.cost_amount
    state = CostState()
    expected: dict[int, Decimal] = {}
    for e in sorted((e for e in entries if e.adjusts_id is None), key=lambda e: (e.business_date, e.pk)):
        if e.reversal_of_id is not None and e.reversal_of_id in expected:
            fixed = -expected[e.reversal_of_id]
        elif e.cost_is_fixed and e.reversal_of_id is None:
            fixed = actual[e.pk]
        else:
            fixed = None
        expected[e.pk], _provisional = state.apply(e.quantity, fixed)
    return state, expected, actual
