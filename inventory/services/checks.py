"""Ledger invariants: every balance row of every registered ledger equals the sum of its rows, and every
document its rows.

Document checks are a registry: each app adds the checks of its own documents from its
AppConfig.ready() (`document_check_register`), so `check_ledgers` sees receipts without
inventory importing sales.
"""

from collections.abc import Callable

from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..choices import DocumentStatus, PostingAction
from ..ledgers import ledgers
from ..models import (
    GoodsReceipt,
    LedgerCheckRun,
    OpeningBalance,
    Posting,
    StockLedgerEntry,
    Stocktake,
    SupplierReturn,
    Transfer,
    WriteOff,
)
from .kernel import ledger_differences

MAX_DETAILS = 500


def stock_ledger_differences() -> tuple[int, list[dict]]:
    """(pairs checked, differences) of the stock ledger: see `kernel.ledger_differences`."""
    return ledger_differences("stock")


def ledgers_differences() -> tuple[int, list[dict]]:
    """(balances checked, differences) over every registered ledger."""
    checked, differences = 0, []
    for ledger in ledgers():
        count, found = ledger_differences(ledger)
        checked += count
        differences += found
    return checked, differences


DOCUMENT_CHECKS: list[Callable[[], list[dict]]] = []


def document_check_register(check: Callable[[], list[dict]]) -> Callable[[], list[dict]]:
    """Add a check of documents against their ledger rows; it returns one dict per difference."""
    if check not in DOCUMENT_CHECKS:
        DOCUMENT_CHECKS.append(check)
    return check


def _difference(document_type: str, document_id, number: str, problem: str, **extra) -> dict:
    return {
        "ledger": "stock",
        "document_type": document_type,
        "document_id": document_id,
        "document": number,
        "problem": problem,
        **extra,
    }


# Documents whose every line writes a stock row when posted (a stocktake writes only its differences).
EVERY_LINE_POSTS = (GoodsReceipt, SupplierReturn, WriteOff, Transfer, OpeningBalance)


def stock_document_differences() -> list[dict]:
    """Stock documents against their ledger rows, a few grouped queries per document type.

    - a posted or cancelled document has its posting, and each line of it its row;
    - every row of a cancelled document is reversed;
    - no row belongs to a draft, or to a document that does not exist.
    """
    result = []
    for model in (*EVERY_LINE_POSTS, Stocktake):
        kind = model.DOCUMENT_TYPE
        done = model.objects.exclude(status=DocumentStatus.DRAFT)
        rows = StockLedgerEntry.objects.filter(source_type=kind)
        unposted = done.exclude(
            Exists(Posting.objects.filter(document_type=kind, document_id=OuterRef("pk"), action=PostingAction.POST))
        )
        for pk, number in unposted.values_list("pk", "number"):
            result.append(_difference(kind, pk, number, "posted without a posting"))
        if model in EVERY_LINE_POSTS:
            line_model = model.lines.rel.related_model
            lonely = line_model.objects.filter(document__in=done.values("pk")).exclude(
                Exists(rows.filter(source_id=OuterRef("document_id"), source_line_id=OuterRef("pk")))
            )
            for line_id, doc_id, number in lonely.values_list("pk", "document_id", "document__number"):
                result.append(_difference(kind, doc_id, number, "a line without its stock row", line_id=line_id))
        unreversed = rows.filter(
            source_id__in=done.filter(status=DocumentStatus.CANCELLED).values("pk"),
            reversal_of__isnull=True,
            adjusts__isnull=True,
        ).exclude(Exists(StockLedgerEntry.objects.filter(reversal_of=OuterRef("pk"))))
        for entry_id, doc_id in unreversed.values_list("pk", "source_id"):
            number = model.objects.filter(pk=doc_id).values_list("number", flat=True).first()
            result.append(_difference(kind, doc_id, number, "cancelled but its row is not reversed", entry_id=entry_id))
        stray = rows.exclude(source_id__in=done.values("pk")).values_list("source_id", flat=True).distinct()
        for doc_id in stray:
            number = model.objects.filter(pk=doc_id).values_list("number", flat=True).first() or "—"
            result.append(_difference(kind, doc_id, number, "rows of a draft or of a missing document"))
    return result


document_check_register(stock_document_differences)


def document_differences() -> list[dict]:
    return [difference for check in DOCUMENT_CHECKS for difference in check()]


def ledgers_check() -> LedgerCheckRun:
    """Check every registered ledger and the registered document checks; keep the result (shown in the admin under Ledger checks)."""
    run = LedgerCheckRun.objects.create()
    checked, differences = ledgers_differences()
    differences += document_differences()
    run.pairs_checked = checked
    run.differences = len(differences)
    run.details = differences[:MAX_DETAILS]
    run.finished_at = timezone.now()
    run.save()
    return run
