"""Re-costing: recompute average costs of a (shop, product) after a back-dated or covering posting.

Bounded to the queued pairs, never a global repost. Ledger rows are immutable, so a
difference is written as a cost adjustment row (quantity 0) pointing at the row it
corrects; the balance's cost value follows. Transfer-in costs are fixed at shipping:
a later re-costing of the sending shop does not flow on to the receiving shop.

Closed periods: an adjustment never lands in a closed period. The adjustment of a row dated
on or before the shop's lock date is dated on the first open day (lock date + 1), still
pointing at the row it corrects; the closed period's figures stay as they were signed, and
the difference shows in the first open day's cost (as a till receipt from a closed period
posts on the first open day).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from ..choices import DocumentType, PostingAction, StockMovementKind
from ..models import RecostRequest, StockBalance, StockLedgerEntry
from .common import period_lock_date
from .kernel import posting_create
from .ledger import balances_for_update, pair_replay


def adjustment_date(business_date: datetime.date, lock_date: datetime.date | None) -> datetime.date:
    """The date an adjustment of a row of `business_date` is written on: its own, or the first open day."""
    if lock_date is not None and business_date <= lock_date:
        return lock_date + datetime.timedelta(days=1)
    return business_date


@transaction.atomic(durable=True)
def stock_recost_pair(*, shop_id: int, product_id: int) -> int:
    """Re-cost one pair; returns the number of adjustment rows written. Safe to run twice."""
    balance = balances_for_update([(shop_id, product_id)])[(shop_id, product_id)]
    entries = list(StockLedgerEntry.objects.filter(shop_id=shop_id, product_id=product_id))
    state, expected, actual = pair_replay(entries)
    fixes = [
        (e, expected[e.pk] - actual[e.pk]) for e in entries if e.adjusts_id is None and expected[e.pk] != actual[e.pk]
    ]
    if fixes:
        posting = posting_create(
            document_type=DocumentType.RECOST,
            document_id=product_id,
            number=f"RC-{shop_id}-{product_id}",
            action=PostingAction.RECOST,
        )
        lock = period_lock_date(shop_ids=[shop_id])
        StockLedgerEntry.objects.bulk_create(
            [
                StockLedgerEntry(
                    shop_id=shop_id,
                    product_id=product_id,
                    business_date=adjustment_date(e.business_date, lock),
                    quantity=0,
                    cost_amount=delta,
                    kind=StockMovementKind.COST_ADJUSTMENT,
                    source_type=e.source_type,
                    source_id=e.source_id,
                    source_line_id=e.source_line_id,
                    posting=posting,
                    adjusts=e,
                )
                for e, delta in fixes
            ]
        )
    StockBalance.objects.filter(pk=balance.pk).update(
        cost_amount=state.cost_amount, last_unit_cost=state.last_unit_cost, updated_at=timezone.now()
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
