"""Till use cases: tokens, shifts with their Z-reports, receipts and returns."""

from .receipts import MAX_BATCH, RECEIPT_SOURCE, Outcome, Status, payload_hash, receipts_ingest
from .tills import (
    Z_REPORT_FIGURES,
    shift_close,
    shift_open,
    till_cash_record,
    till_for_token,
    till_token_issue,
    till_token_revoke,
)

__all__ = [
    "MAX_BATCH",
    "RECEIPT_SOURCE",
    "Outcome",
    "Status",
    "Z_REPORT_FIGURES",
    "payload_hash",
    "receipts_ingest",
    "shift_close",
    "shift_open",
    "till_cash_record",
    "till_for_token",
    "till_token_issue",
    "till_token_revoke",
]
