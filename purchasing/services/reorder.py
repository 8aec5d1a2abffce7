"""The reorder run: proposals for every shop x product in set-based SQL, then draft orders and transfers.

What a pair needs (one INSERT ... SELECT over all pairs; never a Python loop over them):

- sales per day = sold in the last N days / the days of those N on which the item was in stock.
  A day that began with zero (or negative) stock and sold nothing is not a day of zero demand:
  it is left out. Opening stock of each day is rebuilt from the ledger backwards from the
  balance row: the window functions walk only the days that had movements, the days between
  them hold the level the movement left. Only pairs that can have been empty at all take that
  walk: a pair whose stock at the window's end, less everything that came in during it, is
  still above zero was in stock every day (most pairs: one grouped pass decides them).
- demand-driven: stock to reach = sales per day x (days until the supplier's next order day +
  the order cycle to the order day after it + lead time + safety days); min/max: when stock +
  on order + in transit is at or below the minimum, up to the maximum.
- need = stock to reach - (stock + on order + in transit), rounded up to whole packs.
- an order to a supplier for a shop below the supplier's minimum amount is not proposed
  (its lines stay in the run, marked so); a shop supplied from a central warehouse for the
  product's group gets a draft transfer instead of a purchase.

"On order" is what sent and partly received orders still miss, plus draft transfers to the
shop; "in transit" is shipped transfers not yet received. Each run replaces the draft orders
earlier runs made (confirmed ones stay and count as on order).
"""

import datetime
import time
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from inventory.choices import DocumentStatus, ShopFormat, StockMovementKind
from inventory.models import (
    Product,
    ProductGroup,
    Shop,
    StockBalance,
    StockLedgerEntry,
    Supplier,
    Transfer,
    TransferLine,
)
from inventory.services.drafts import document_numbers_reserve, transfer_drafts_create

from ..models import (
    OrderStatus,
    ProposalOutcome,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderGroupDefault,
    ReorderPolicy,
    ReorderProposal,
    ReorderRun,
    RunStatus,
    SupplierProduct,
    SupplySource,
)

DEFAULT_HISTORY_DAYS = 28
DEFAULT_SAFETY_DAYS = 2
TRANSFER_LEAD_DAYS = 1  # a central warehouse delivers the next day, every day
PROPOSALS_KEEP_DAYS = 14  # older proposals go, except those that explain an order's line
RUN_LOCK_KEY = 7_413_001  # PostgreSQL advisory lock: one run at a time (the nightly task and the button)

__all__ = [
    "DEFAULT_HISTORY_DAYS",
    "DEFAULT_SAFETY_DAYS",
    "TRANSFER_LEAD_DAYS",
    "order_cycle",
    "reorder_run",
    "reorder_run_create",
    "reorder_run_execute",
]


def order_cycle(mask: int, weekday: int) -> tuple[int, int]:
    """(days until the next order day, days from it to the order day after) for an order-day mask
    (Monday is bit 0) seen on ISO `weekday`. No days set: every day is an order day."""
    if not mask:
        return 0, 1
    days = [d for d in range(7) if mask & (1 << d)]
    today = weekday - 1
    wait = min((d - today) % 7 for d in days)
    order_day = (today + wait) % 7
    cycle = min(((d - order_day) % 7) or 7 for d in days)
    return wait, cycle


def _vendor() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "offset": "(CAST(%(day)s AS date) - e.business_date)",
            "order_date": "(CAST(%(day)s AS date) + p.wait_days)",
            "true": "TRUE",
        }
    return {
        "offset": "CAST(julianday(%(day)s) - julianday(e.business_date) AS INTEGER)",
        "order_date": "date(%(day)s, '+' || p.wait_days || ' days')",
        "true": "1",
    }


def _tables() -> dict[str, str]:
    models = {
        "shop": Shop,
        "product": Product,
        "grp": ProductGroup,
        "entry": StockLedgerEntry,
        "balance": StockBalance,
        "policy": ReorderPolicy,
        "gdefault": ReorderGroupDefault,
        "source": SupplySource,
        "sprod": SupplierProduct,
        "supplier": Supplier,
        "po": PurchaseOrder,
        "pol": PurchaseOrderLine,
        "transfer": Transfer,
        "tline": TransferLine,
        "proposal": ReorderProposal,
    }
    return {name: model._meta.db_table for name, model in models.items()}


PROPOSALS_SQL = """
INSERT INTO {proposal} (
    run_id, shop_id, product_id, supplier_id, warehouse_id, method, history_days, in_stock_days,
    sold_quantity, daily_sales, stock_quantity, on_order_quantity, in_transit_quantity, cover_days,
    target_quantity, pack_size, quantity, price_amount, amount, order_date, outcome
)
WITH
cyc(mask, wait_days, cycle_days) AS (VALUES {cycles}),
gd AS (
    SELECT g.id AS group_id,
        (SELECT d.id FROM {gdefault} d JOIN {grp} g2 ON g2.id = d.group_id
         WHERE g.path LIKE g2.path || '%%' ORDER BY LENGTH(g2.path) DESC LIMIT 1) AS default_id
    FROM {grp} g
),
src AS (
    SELECT sh.id AS shop_id, g.id AS group_id,
        (SELECT ss.warehouse_id FROM {source} ss LEFT JOIN {grp} g2 ON g2.id = ss.group_id
         WHERE ss.shop_id = sh.id AND (ss.group_id IS NULL OR g.path LIKE g2.path || '%%')
         ORDER BY COALESCE(LENGTH(g2.path), 0) DESC LIMIT 1) AS warehouse_id
    FROM {shop} sh CROSS JOIN {grp} g
    WHERE sh.id IN (SELECT shop_id FROM {source})
),
pairs AS (
    SELECT sh.id AS shop_id, p.id AS product_id, p.is_weighted,
        COALESCE(NULLIF(pol.method, ''), d.method, 'demand') AS method,
        COALESCE(pol.history_days, d.history_days, {default_history}) AS n,
        COALESCE(pol.safety_days, d.safety_days, {default_safety}) AS safety,
        pol.min_quantity AS minq, pol.max_quantity AS maxq, pol.lead_time_days AS lead_override,
        pol.pack_size AS pack_override, src.warehouse_id,
        COALESCE(pol.supplier_id, d.supplier_id, spm.supplier_id) AS supplier_id
    FROM {shop} sh CROSS JOIN {product} p
    LEFT JOIN {policy} pol ON pol.shop_id = sh.id AND pol.product_id = p.id
    LEFT JOIN gd ON gd.group_id = p.group_id
    LEFT JOIN {gdefault} d ON d.id = gd.default_id
    LEFT JOIN src ON src.shop_id = sh.id AND src.group_id = p.group_id
    LEFT JOIN {sprod} spm ON spm.product_id = p.id AND spm.is_main = {true}
    WHERE sh.is_active = {true} AND sh.format <> %(transit)s AND p.is_active = {true}
        AND COALESCE(pol.is_active, {true}) = {true} AND COALESCE(d.is_active, {true}) = {true}
),
pn AS (
    SELECT p.id AS product_id, COALESCE(d.history_days, {default_history}) AS n
    FROM {product} p
    LEFT JOIN gd ON gd.group_id = p.group_id
    LEFT JOIN {gdefault} d ON d.id = gd.default_id
),
pstat AS (
    SELECT e.shop_id, e.product_id,
        SUM(CASE WHEN {offset} <= 0 THEN e.quantity ELSE 0 END) AS later,
        SUM(CASE WHEN {offset} >= 1 AND {offset} <= COALESCE(pol.history_days, pn.n) AND e.quantity > 0
                 THEN e.quantity ELSE 0 END) AS inflow,
        SUM(CASE WHEN {offset} >= 1 AND {offset} <= COALESCE(pol.history_days, pn.n)
                  AND e.kind IN (%(sale)s, %(sale_return)s) THEN -e.quantity ELSE 0 END) AS sold
    FROM {entry} e
    JOIN pn ON pn.product_id = e.product_id
    LEFT JOIN {policy} pol ON pol.shop_id = e.shop_id AND pol.product_id = e.product_id
        AND pol.history_days IS NOT NULL
    WHERE e.business_date >= %(start)s
    GROUP BY e.shop_id, e.product_id
),
levels AS (
    SELECT pr.shop_id, pr.product_id, pr.n, COALESCE(b.quantity, 0) - COALESCE(ps.later, 0) AS level,
        COALESCE(ps.inflow, 0) AS inflow
    FROM pairs pr
    LEFT JOIN {balance} b ON b.shop_id = pr.shop_id AND b.product_id = pr.product_id
    LEFT JOIN pstat ps ON ps.shop_id = pr.shop_id AND ps.product_id = pr.product_id
),
risky AS (
    SELECT shop_id, product_id, n, level FROM levels WHERE ROUND(level - inflow, 6) <= 0
),
mv AS (
    SELECT e.shop_id, e.product_id, {offset} AS off, SUM(e.quantity) AS net,
        SUM(CASE WHEN e.kind IN (%(sale)s, %(sale_return)s) THEN -e.quantity ELSE 0 END) AS sold,
        MAX(r.n) AS n, MAX(r.level) AS level
    FROM {entry} e
    JOIN risky r ON r.shop_id = e.shop_id AND r.product_id = e.product_id
    WHERE e.business_date >= %(start)s AND e.business_date < %(day)s
    GROUP BY e.shop_id, e.product_id, e.business_date
),
win AS (
    SELECT shop_id, product_id, off, net, sold, n, level,
        SUM(net) OVER w AS cum,
        LAG(off, 1, 0) OVER w AS prev_off
    FROM mv
    WHERE off <= n
    WINDOW w AS (PARTITION BY shop_id, product_id ORDER BY off)
),
agg AS (
    SELECT shop_id, product_id,
        SUM(CASE WHEN ROUND(level - (cum - net), 6) <= 0 THEN off - prev_off - 1 ELSE 0 END
            + CASE WHEN ROUND(level - cum, 6) <= 0 AND sold <= 0 THEN 1 ELSE 0 END)
        + CASE WHEN ROUND(MAX(level) - SUM(net), 6) <= 0 THEN MAX(n) - MAX(off) ELSE 0 END AS out_days
    FROM win GROUP BY shop_id, product_id
),
onorder AS (
    SELECT shop_id, product_id, SUM(q) AS q FROM (
        SELECT o.shop_id, l.product_id,
            CASE WHEN l.quantity > l.received_quantity THEN l.quantity - l.received_quantity ELSE 0 END AS q
        FROM {pol} l JOIN {po} o ON o.id = l.order_id
        WHERE o.status IN (%(sent)s, %(partly)s)
        UNION ALL
        SELECT t.to_shop_id, tl.product_id, tl.quantity
        FROM {tline} tl JOIN {transfer} t ON t.id = tl.document_id
        WHERE t.status = %(draft)s
    ) x GROUP BY shop_id, product_id
),
transit AS (
    SELECT t.to_shop_id AS shop_id, tl.product_id, SUM(COALESCE(tl.received_quantity, tl.quantity)) AS q
    FROM {tline} tl JOIN {transfer} t ON t.id = tl.document_id
    WHERE t.status = %(posted)s AND t.received_at IS NULL
    GROUP BY t.to_shop_id, tl.product_id
),
base AS (
    SELECT pr.shop_id, pr.product_id, pr.supplier_id, pr.warehouse_id, pr.n, pr.minq, pr.maxq,
        CASE WHEN pr.method = 'minmax' AND pr.minq IS NOT NULL AND pr.maxq IS NOT NULL
             THEN 'minmax' ELSE 'demand' END AS method,
        COALESCE(ps.sold, 0) AS sold,
        CASE WHEN ROUND(lv.level - lv.inflow, 6) > 0 THEN pr.n
             WHEN a.shop_id IS NOT NULL THEN pr.n - a.out_days ELSE 0 END AS in_stock,
        COALESCE(b.quantity, 0) AS stock,
        COALESCE(oo.q, 0) AS on_order,
        COALESCE(tr.q, 0) AS in_transit,
        CASE WHEN pr.warehouse_id IS NOT NULL THEN 0 ELSE c.wait_days END AS wait_days,
        CASE WHEN pr.warehouse_id IS NOT NULL THEN 1 ELSE c.cycle_days END
            + CASE WHEN pr.warehouse_id IS NOT NULL THEN COALESCE(pr.lead_override, {transfer_lead})
                   ELSE COALESCE(pr.lead_override, s.lead_time_days, 0) END
            + pr.safety
            + CASE WHEN pr.warehouse_id IS NOT NULL THEN 0 ELSE c.wait_days END AS cover,
        COALESCE(pr.pack_override, sp.pack_size, CASE WHEN pr.is_weighted = {true} THEN 0.001 ELSE 1 END) AS pack,
        COALESCE(NULLIF(sp.price_amount, 0), b.last_unit_cost, 0) AS price
    FROM pairs pr
    JOIN levels lv ON lv.shop_id = pr.shop_id AND lv.product_id = pr.product_id
    LEFT JOIN pstat ps ON ps.shop_id = pr.shop_id AND ps.product_id = pr.product_id
    LEFT JOIN agg a ON a.shop_id = pr.shop_id AND a.product_id = pr.product_id
    LEFT JOIN {balance} b ON b.shop_id = pr.shop_id AND b.product_id = pr.product_id
    LEFT JOIN onorder oo ON oo.shop_id = pr.shop_id AND oo.product_id = pr.product_id
    LEFT JOIN transit tr ON tr.shop_id = pr.shop_id AND tr.product_id = pr.product_id
    LEFT JOIN {supplier} s ON s.id = pr.supplier_id
    LEFT JOIN cyc c ON c.mask = COALESCE(s.order_weekdays, 0)
    LEFT JOIN {sprod} sp ON sp.supplier_id = pr.supplier_id AND sp.product_id = pr.product_id
),
rated AS (
    SELECT base.*,
        CASE WHEN in_stock > 0 THEN sold * 1.0 / in_stock ELSE 0 END AS rate
    FROM base
),
needs AS (
    SELECT rated.*,
        CASE WHEN method = 'minmax' THEN maxq ELSE rate * cover END AS target,
        CASE WHEN method = 'minmax'
             THEN CASE WHEN ROUND(stock + on_order + in_transit - minq, 6) <= 0 THEN maxq - (stock + on_order + in_transit) ELSE 0 END
             ELSE rate * cover - (stock + on_order + in_transit) END AS need
    FROM rated
),
proposed AS (
    SELECT needs.*, CEILING(ROUND(need * 1.0 / pack, 6)) * pack AS qty FROM needs WHERE need > 0
)
SELECT %(run)s, p.shop_id, p.product_id, p.supplier_id, p.warehouse_id, p.method, p.n, p.in_stock,
    p.sold, ROUND(p.rate, 4), p.stock, p.on_order, p.in_transit, p.cover,
    ROUND(p.target, 3), p.pack, p.qty, p.price, ROUND(p.qty * p.price, 2),
    {order_date},
    CASE WHEN p.warehouse_id IS NOT NULL THEN %(transfer)s
         WHEN p.supplier_id IS NULL THEN %(no_supplier)s ELSE %(ordered)s END
FROM proposed p
WHERE p.qty > 0
"""

BELOW_MINIMUM_SQL = """
UPDATE {proposal} SET outcome = %(below)s
WHERE run_id = %(run)s AND outcome = %(ordered)s AND (shop_id, supplier_id) IN (
    SELECT p.shop_id, p.supplier_id FROM {proposal} p JOIN {supplier} s ON s.id = p.supplier_id
    WHERE p.run_id = %(run)s AND p.outcome = %(ordered)s
    GROUP BY p.shop_id, p.supplier_id, s.min_order_amount
    HAVING SUM(p.amount) < s.min_order_amount
)
"""

ORDER_LINES_SQL = """
INSERT INTO {pol} (order_id, product_id, quantity, price_amount, pack_size, received_quantity, proposal_id)
SELECT o.id, p.product_id, p.quantity, p.price_amount, p.pack_size, 0, p.id
FROM {proposal} p JOIN {po} o ON o.run_id = p.run_id AND o.shop_id = p.shop_id AND o.supplier_id = p.supplier_id
WHERE p.run_id = %(run)s AND p.outcome = %(ordered)s AND o.status = %(draft)s
"""


def _max_history_days() -> int:
    found = [
        DEFAULT_HISTORY_DAYS,
        ReorderGroupDefault.objects.aggregate(m=Max("history_days"))["m"] or 0,
        ReorderPolicy.objects.aggregate(m=Max("history_days"))["m"] or 0,
    ]
    return max(found)


def proposals_compute(*, run: ReorderRun) -> int:
    """Insert the run's proposals (every pair that needs goods), set-based; how many."""
    weekday = run.run_date.isoweekday()
    cycles = ", ".join(f"({mask}, {w}, {c})" for mask in range(128) for w, c in [order_cycle(mask, weekday)])
    sql = PROPOSALS_SQL.format(
        cycles=cycles,
        default_history=DEFAULT_HISTORY_DAYS,
        default_safety=DEFAULT_SAFETY_DAYS,
        transfer_lead=TRANSFER_LEAD_DAYS,
        **_tables(),
        **_vendor(),
    )
    start = run.run_date - datetime.timedelta(days=_max_history_days())
    params = {
        "run": run.pk,
        "day": run.run_date,
        "start": start,
        "transit": ShopFormat.TRANSIT,
        "sale": StockMovementKind.SALE,
        "sale_return": StockMovementKind.SALE_RETURN,
        "sent": OrderStatus.SENT,
        "partly": OrderStatus.PARTLY_RECEIVED,
        "draft": DocumentStatus.DRAFT,
        "posted": DocumentStatus.POSTED,
        "transfer": ProposalOutcome.TRANSFER,
        "no_supplier": ProposalOutcome.NO_SUPPLIER,
        "ordered": ProposalOutcome.ORDERED,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _orders_create(run: ReorderRun, actor) -> int:
    tables = _tables()
    params = {
        "run": run.pk,
        "below": ProposalOutcome.BELOW_MINIMUM,
        "ordered": ProposalOutcome.ORDERED,
        "draft": OrderStatus.DRAFT,
    }
    with connection.cursor() as cursor:
        cursor.execute(BELOW_MINIMUM_SQL.format(**tables), params)
    groups = (
        ReorderProposal.objects.filter(run=run, outcome=ProposalOutcome.ORDERED)
        .values("shop_id", "shop__code", "supplier_id", "supplier__lead_time_days")
        .annotate(order_date=Max("order_date"))
        .order_by("shop__code", "supplier_id")
    )
    groups = list(groups)
    numbers: dict[str, list[str]] = {}
    for code in sorted({g["shop__code"] for g in groups}):  # one counter upsert per shop, in a fixed order
        count = sum(1 for g in groups if g["shop__code"] == code)
        numbers[code] = document_numbers_reserve(prefix=PurchaseOrder.NUMBER_PREFIX, scope=code, count=count)[::-1]
    now = timezone.now()
    orders = [
        PurchaseOrder(
            number=numbers[g["shop__code"]].pop(),
            shop_id=g["shop_id"],
            supplier_id=g["supplier_id"],
            status=OrderStatus.DRAFT,
            business_date=g["order_date"],
            expected_date=g["order_date"] + datetime.timedelta(days=g["supplier__lead_time_days"]),
            run=run,
            created_at=now,
            created_by=actor,
        )
        for g in groups
    ]
    PurchaseOrder.objects.bulk_create(orders, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute(ORDER_LINES_SQL.format(**tables), params)
    return len(orders)


def _transfers_create(run: ReorderRun, actor) -> int:
    lines: dict[tuple[int, int], list[tuple[int, Decimal]]] = defaultdict(list)
    rows = (
        ReorderProposal.objects.filter(run=run, outcome=ProposalOutcome.TRANSFER)
        .order_by("warehouse_id", "shop_id", "product_id")
        .values_list("warehouse_id", "shop_id", "product_id", "quantity")
    )
    for warehouse_id, shop_id, product_id, quantity in rows.iterator(chunk_size=5000):
        lines[(warehouse_id, shop_id)].append((product_id, quantity))
    transfer_drafts_create(
        business_date=run.run_date,
        transfers=[(w, s, items) for (w, s), items in lines.items()],
        actor=actor,
        comment=f"Reorder run #{run.pk}",
    )
    return len(lines)


def _old_proposals_delete(run: ReorderRun) -> None:
    """Proposals of runs older than PROPOSALS_KEEP_DAYS, unless an order line still points at them
    (one statement: a night makes hundreds of thousands)."""
    tables = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {tables['proposal']} WHERE run_id IN "
            f"(SELECT id FROM {ReorderRun._meta.db_table} WHERE run_date < %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {tables['pol']} l WHERE l.proposal_id = {tables['proposal']}.id)",
            [run.run_date - datetime.timedelta(days=PROPOSALS_KEEP_DAYS)],
        )


def reorder_run_create(*, actor=None, run_date: datetime.date | None = None) -> ReorderRun:
    """A queued run (the admin's button; the job executes it)."""
    return ReorderRun.objects.create(run_date=run_date or timezone.localdate(), created_by=actor)


def reorder_run_execute(*, run_id: int) -> ReorderRun:
    """Compute the run's proposals and make the draft orders and transfers, in one transaction.

    Replaces the draft orders of earlier runs. Safe to call twice: a run that is not queued is
    left alone. On an error nothing of it stays and the run says failed, with the error.
    """
    with transaction.atomic():
        run = ReorderRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.QUEUED:
            return run
        run.status = RunStatus.RUNNING
        run.save(update_fields=["status"])
    started = time.perf_counter()
    try:
        with transaction.atomic():
            actor = run.created_by
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK_KEY])  # runs never overlap
                    cursor.execute("SET LOCAL work_mem = '256MB'")  # the run's sorts and hashes in memory
            _old_proposals_delete(run)
            stale = PurchaseOrder.objects.filter(status=OrderStatus.DRAFT, run__isnull=False).exclude(run=run)
            PurchaseOrderLine.objects.filter(order__in=stale).delete()
            stale.delete()
            run.proposals = proposals_compute(run=run)
            run.orders = _orders_create(run, actor)
            run.transfers = _transfers_create(run, actor)
            run.pairs = (
                Shop.objects.trading().filter(is_active=True).count() * Product.objects.filter(is_active=True).count()
            )
            run.status = RunStatus.DONE
            run.finished_at = timezone.now()
            run.seconds = Decimal(f"{time.perf_counter() - started:.2f}")
            run.save()
    except Exception as exc:
        ReorderRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    return run


def reorder_run(*, actor=None, run_date: datetime.date | None = None) -> ReorderRun:
    """Create and execute a run now (the nightly task and the tests)."""
    run = reorder_run_create(actor=actor, run_date=run_date)
    return reorder_run_execute(run_id=run.pk)
