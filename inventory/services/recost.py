"""Re-costing: recompute average costs of a (shop, product) after a back-dated or covering posting.

Bounded to the queued pairs, never a global repost. Ledger rows are immutable, so a
difference is written as a cost adjustment row (quantity 0) pointing at the row it
corrects; the balance's cost value follows. Like every ledger write it goes through the
kernel (`kernel.ledger_adjust`, under one `posting_create` per re-costed pair): the kernel
is the only writer of ledger rows and balances. A customer return follows its sale: its
cost is its share of the sale row's re-costed cost (`pair_replay`, the rule of
`return_costs`). Transfer-in costs are fixed at shipping: a later re-costing of the
sending shop does not flow on to the receiving shop.

Closed periods: an adjustment never lands in a closed period. The adjustment of a row dated
on or before the shop's lock date is dated on the first open day (lock date + 1), still
pointing at the row it corrects; the closed period's figures stay as they were signed, and
the difference shows in the first open day's cost (as a till receipt from a closed period
posts on the first open day: one rule, `kernel.open_day`).
"""

import contextlib
from decimal import Decimal

from django.db import transaction

from ..choices import DocumentType, PostingAction, StockMovementKind
from ..ledgers import LedgerAdjustment
from ..models import RecostRequest, StockLedgerEntry
from .common import period_lock_date
from .kernel import balances_for_update, ledger_adjust, open_day, posting_create
from .ledger import STOCK, pair_replay, recost_deferring

ZERO = Decimal("0")


@transaction.atomic(durable=True)
def stock_recost_pair(*, shop_id: int, product_id: int) -> int:
    """Re-cost one pair; returns the number of adjustment rows written. Safe to run twice.

    The balance row is locked first and the pair's rows read under the lock (no posting can
    slip in between); the replay (`pair_replay`) gives each row's cost and the pair's state;
    the differences and the replayed last unit cost go through the kernel (`ledger_adjust`),
    with a posting of their own.
    """
    key = (shop_id, product_id)
    balances = balances_for_update(STOCK, [key])
    entries = list(StockLedgerEntry.objects.filter(shop_id=shop_id, product_id=product_id))
    state, expected, actual = pair_replay(entries)
    fixes = [
        (e, expected[e.pk] - actual[e.pk]) for e in entries if e.adjusts_id is None and expected[e.pk] != actual[e.pk]
    ]
    posting = None
    adjustments = []
    if fixes:
        posting = posting_create(
            document_type=DocumentType.RECOST,
            document_id=product_id,
            number=f"RC-{shop_id}-{product_id}",
            action=PostingAction.RECOST,
        )
        lock = period_lock_date(shop_ids=[shop_id])
        adjustments = [
            LedgerAdjustment(e, (ZERO, delta), open_day(business_date=e.business_date, lock_date=lock)[0])
            for e, delta in fixes
        ]
    ledger_adjust(
        STOCK,
        adjustments=adjustments,
        posting_id=posting.pk if posting else None,
        kind=StockMovementKind.COST_ADJUSTMENT,
        state={key: {"last_unit_cost": state.last_unit_cost}},
        balances=balances,
    )
    RecostRequest.objects.filter(shop_id=shop_id, product_id=product_id).delete()
    return len(fixes)


def stock_recost_pending(*, limit: int | None = None) -> int:
    """Re-cost every queued pair, each in its own transaction; returns the pairs done."""
    done = 0
    pairs = RecostRequest.objects.order_by("id").values_list("shop_id", "product_id")
    for shop_id, product_id in pairs[:limit] if limit else pairs:
        stock_recost_pair(shop_id=shop_id, product_id=product_id)
        done += 1
    return done


@contextlib.contextmanager
def recost_deferred():
    """For bulk loaders (the demo's month of history): re-costing is queued as always, but run once
    when the block ends without an error, not after every transaction that queued it (without a
    broker the job runs in-process, and the demo's back-dated sales queued it 1,080 times)."""
    token = recost_deferring.set(True)
    try:
        yield
    finally:
        recost_deferring.reset(token)
    stock_recost_pending()
