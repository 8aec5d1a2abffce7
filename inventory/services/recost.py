"""Re-costing: recompute average costs of a (shop, product) after a back-dated or covering posting.

Bounded to the queued pairs, never a global repost. Ledger rows are immutable, so a
difference is written as a cost adjustment row (quantity 0) pointing at the row it
corrects; the balance's cost value follows. Transfer-in costs are fixed at shipping:
a later re-costing of the sending shop does not flow on to the receiving shop.
"""

from django.db import transaction
from django.utils import timezone

from ..choices import PostingAction, StockMovementKind
from ..models import Posting, RecostRequest, StockBalance, StockLedgerEntry
from .ledger import balances_for_update, pair_replay


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
        posting = Posting.objects.create(
            document_type="recost",
            document_id=product_id,
            document_number=f"RC-{shop_id}-{product_id}",
            action=PostingAction.RECOST,
        )
        StockLedgerEntry.objects.bulk_create(
            [
                StockLedgerEntry(
                    shop_id=shop_id,
                    product_id=product_id,
                    business_date=e.business_date,
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
