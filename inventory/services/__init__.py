"""Writes of the inventory domain. Each public service is one durable transaction."""

from .common import ensure_draft, ensure_period_open, ensure_posted, period_lock_date, posting_create
from .ledger import Movement, balances_for_update, stock_reverse, stock_write
from .prices import build_prices, price_change_cancel, price_change_create_posted, price_change_post
from .recost import stock_recost_pair, stock_recost_pending
from .stock_documents import (
    goods_receipt_cancel,
    goods_receipt_post,
    opening_balance_cancel,
    opening_balance_post,
    stocktake_cancel,
    stocktake_fill,
    stocktake_post,
    supplier_return_cancel,
    supplier_return_post,
    transfer_cancel,
    transfer_receive,
    transfer_ship,
    transit_shop,
    write_off_cancel,
    write_off_post,
)

__all__ = [
    "Movement",
    "balances_for_update",
    "build_prices",
    "ensure_draft",
    "ensure_period_open",
    "ensure_posted",
    "goods_receipt_cancel",
    "goods_receipt_post",
    "opening_balance_cancel",
    "opening_balance_post",
    "period_lock_date",
    "posting_create",
    "price_change_cancel",
    "price_change_create_posted",
    "price_change_post",
    "stock_recost_pair",
    "stock_recost_pending",
    "stock_reverse",
    "stock_write",
    "stocktake_cancel",
    "stocktake_fill",
    "stocktake_post",
    "supplier_return_cancel",
    "supplier_return_post",
    "transfer_cancel",
    "transfer_receive",
    "transfer_ship",
    "transit_shop",
    "write_off_cancel",
    "write_off_post",
]
