"""Draft stock documents made for apps above inventory: a receipt from a purchase order, the transfers a
reorder run proposes. Drafts post nothing: they are created here so that no other app inserts into
inventory's tables. (Apps learn that a receipt was posted through `inventory.document_hooks`.)
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from ..models import GoodsReceipt, GoodsReceiptLine, Transfer, TransferLine


def goods_receipt_draft_create(
    *,
    shop_id: int,
    supplier_id: int,
    business_date: datetime.date,
    lines: Iterable[tuple[int, Decimal, Decimal, Decimal]],
    actor=None,
    comment: str = "",
) -> GoodsReceipt:
    """A draft goods receipt with lines (product_id, quantity, price_amount, vat_rate); posts nothing."""
    with transaction.atomic():
        document = GoodsReceipt.objects.create(
            shop_id=shop_id, supplier_id=supplier_id, business_date=business_date, created_by=actor, comment=comment
        )
        GoodsReceiptLine.objects.bulk_create(
            [
                GoodsReceiptLine(document=document, product_id=p, quantity=q, price_amount=price, vat_rate=vat)
                for p, q, price, vat in lines
            ]
        )
    return document


def transfer_drafts_create(
    *,
    business_date: datetime.date,
    transfers: Iterable[tuple[int, int, list[tuple[int, Decimal]]]],
    actor=None,
    comment: str = "",
) -> list[int]:
    """Draft transfers (from shop, to shop, [(product_id, quantity)]) in bulk; their ids. Posts nothing."""
    ids = []
    with transaction.atomic():
        for from_shop, to_shop, lines in transfers:
            document = Transfer.objects.create(
                shop_id=from_shop, to_shop_id=to_shop, business_date=business_date, created_by=actor, comment=comment
            )
            TransferLine.objects.bulk_create(
                [TransferLine(document=document, product_id=p, quantity=q) for p, q in lines], batch_size=2000
            )
            ids.append(document.pk)
    return ids


def document_numbers_reserve(*, prefix: str, scope: str, count: int) -> list[str]:
    """`count` consecutive document numbers of one prefix and scope in one statement (a reorder run's
    thousands of draft orders: one upsert per shop, not one per order)."""
    from django.db import connection

    from ..models import DocumentCounter

    if count <= 0:
        return []
    table = DocumentCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, scope, last_value) VALUES (%s, %s, %s) "
            f"ON CONFLICT (prefix, scope) DO UPDATE SET last_value = {table}.last_value + %s "
            "RETURNING last_value",
            [prefix, scope, count, count],
        )
        (last,) = cursor.fetchone()
    return [f"{prefix}-{scope}-{value:06d}" for value in range(last - count + 1, last + 1)]
