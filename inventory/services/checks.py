"""Ledger invariants: every balance row of every registered ledger equals the sum of its rows, and every
document its rows.

Document checks are a registry: each app adds the checks of its own documents from its
AppConfig.ready() (`document_check_register`), so `check_ledgers` sees receipts without
inventory importing sales.
"""

from collections.abc import Callable

from django.db import connection, transaction
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
from .kernel import ledger_differences, ledger_differences_walk

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


class _Tally:
    """Counts every difference and keeps the first MAX_DETAILS: memory stays bounded whatever is found."""

    def __init__(self):
        self.count, self.details = 0, []

    def __call__(self, difference: dict) -> None:
        self.count += 1
        if len(self.details) < MAX_DETAILS:
            self.details.append(difference)


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


def ledgers_check(*, run_id: int | None = None) -> LedgerCheckRun:
    """Check every registered ledger and the registered document checks; keep the result (shown in the admin under Ledger checks).

    Ledger by ledger, each streamed in key order (`kernel.ledger_differences_walk`): memory
    holds a few thousand rows and the first MAX_DETAILS differences, however big the year.
    On PostgreSQL the check reads one snapshot (REPEATABLE READ), so tills posting
    meanwhile never show as differences. `run_id`: a run the admin queued (its row made first);
    a finished run is left alone (the job may run twice).
    """
    run = LedgerCheckRun.objects.filter(pk=run_id).first() if run_id is not None else LedgerCheckRun.objects.create()
    if run is None or run.finished_at is not None:
        return run
    tally, checked = _Tally(), 0
    with transaction.atomic():
        # Only as the outermost transaction: inside a caller's (a test's) the level is not ours to set.
        if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for ledger in ledgers():
            checked += ledger_differences_walk(ledger, tally)
        for difference in document_differences():
            tally(difference)
    run.pairs_checked = checked
    run.differences = tally.count
    run.details = tally.details
    run.finished_at = timezone.now()
    run.save()
    return run
