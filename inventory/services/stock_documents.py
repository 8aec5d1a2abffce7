"""Posting and cancelling stock documents. Each public service is one durable transaction.

The pattern (see STYLE.md): lock the document, check it is a draft and its period open,
build movements with a pure function, write them through the ledger (which locks the
balance rows in (shop, product) order), mark the document, all in one transaction.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import PostingAction, ShopFormat, StockMovementKind
from ..exceptions import DomainError
from ..models import (
    GoodsReceipt,
    OpeningBalance,
    PriceZone,
    Shop,
    StockBalance,
    StockLedgerEntry,
    Stocktake,
    StocktakeLine,
    SupplierReturn,
    Transfer,
    WriteOff,
)
from ..models.catalog import Product
from ..money import round_money
from ..selectors import shop_local_date
from .common import ensure_draft, ensure_period_open, ensure_posted
from .kernel import document_cancel, document_post, posting_create
from .ledger import Movement, balances_for_update, cost_share, stock_reverse, stock_write

K = StockMovementKind


def transit_shop() -> Shop:
    """The system location that holds goods between shipping and receiving."""
    shop = Shop.objects.filter(format=ShopFormat.TRANSIT).first()
    if shop is None:
        zone = PriceZone.objects.order_by("id").first() or PriceZone.objects.create(code="Z1", name="City")
        shop, _created = Shop.objects.get_or_create(
            code="TR",
            defaults={
                "name": "In transit",
                "format": ShopFormat.TRANSIT,
                "city": "—",
                "price_zone": zone,
                "negative_stock_allowed": True,
            },
        )
    return shop


# --- pure builders: a document and its lines in, movements out --------------------------------


def build_receipt_movements(document, lines) -> list[Movement]:
    return [
        Movement(
            document.shop_id,
            line.product_id,
            line.quantity,
            K.RECEIPT,
            line.pk,
            round_money(line.quantity * line.price_amount),
        )
        for line in lines
    ]


def build_outgoing_movements(document, lines, kind) -> list[Movement]:
    return [Movement(document.shop_id, line.product_id, -line.quantity, kind, line.pk) for line in lines]


def build_opening_movements(document, lines) -> list[Movement]:
    return [
        Movement(
            document.shop_id,
            line.product_id,
            line.quantity,
            K.OPENING,
            line.pk,
            round_money(line.quantity * line.unit_cost),
        )
        for line in lines
    ]


def build_stocktake_movements(document, lines) -> list[Movement]:
    movements = []
    for line in lines:
        counted = line.counted_quantity
        if counted is None:
            if not document.uncounted_as_zero:
                continue
            counted = Decimal("0")
        difference = counted - line.book_quantity
        if difference:
            movements.append(Movement(document.shop_id, line.product_id, difference, K.STOCKTAKE, line.pk))
    return movements


# --- the engine: the kernel's one posting path, with stock's writes ---------------------------------


def _post(model, document_id, actor, build, *, enforce_negative=True):
    def write(document, lines, posting):
        stock_write(
            movements=build(document, lines),
            posting=posting,
            business_date=document.business_date,
            source_type=model.DOCUMENT_TYPE,
            source_id=document.pk,
            enforce_negative=enforce_negative,
        )

    return document_post(model=model, document_id=document_id, actor=actor, write=write)


def _reverse(document, posting):
    """Every stock row of the document reversed, each on its own date, every pair locked up front."""
    stock_reverse(source_type=document.DOCUMENT_TYPE, source_id=document.pk, posting=posting)


def _cancel(model, document_id, actor):
    return document_cancel(model=model, document_id=document_id, actor=actor, reverse=_reverse)


# --- public services --------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def goods_receipt_post(*, document_id: int, actor) -> GoodsReceipt:
    """Receive goods at purchase prices: stock and cost value grow. Raises DocumentNotDraft, PeriodClosed, DocumentEmpty."""
    return _post(GoodsReceipt, document_id, actor, build_receipt_movements)


@transaction.atomic(durable=True)
def goods_receipt_cancel(*, document_id: int, actor) -> GoodsReceipt:
    """Reverse a receipt. Raises NegativeStock when the goods are gone and the shop forbids negative stock."""
    return _cancel(GoodsReceipt, document_id, actor)


@transaction.atomic(durable=True)
def supplier_return_post(*, document_id: int, actor) -> SupplierReturn:
    return _post(
        SupplierReturn, document_id, actor, lambda d, lines: build_outgoing_movements(d, lines, K.SUPPLIER_RETURN)
    )


@transaction.atomic(durable=True)
def supplier_return_cancel(*, document_id: int, actor) -> SupplierReturn:
    return _cancel(SupplierReturn, document_id, actor)


@transaction.atomic(durable=True)
def write_off_post(*, document_id: int, actor) -> WriteOff:
    """Write goods off at average cost. Raises NegativeStock naming each product and its shortfall."""
    return _post(WriteOff, document_id, actor, lambda d, lines: build_outgoing_movements(d, lines, K.WRITE_OFF))


@transaction.atomic(durable=True)
def write_off_cancel(*, document_id: int, actor) -> WriteOff:
    return _cancel(WriteOff, document_id, actor)


@transaction.atomic(durable=True)
def opening_balance_post(*, document_id: int, actor) -> OpeningBalance:
    return _post(OpeningBalance, document_id, actor, build_opening_movements)


@transaction.atomic(durable=True)
def opening_balance_cancel(*, document_id: int, actor) -> OpeningBalance:
    return _cancel(OpeningBalance, document_id, actor)


@transaction.atomic(durable=True)
def stocktake_post(*, document_id: int, actor) -> Stocktake:
    """Post the counted-minus-book differences at average cost.

    Book quantities were taken at the snapshot, so sales made between the snapshot and the
    posting still count. Counts are facts: stock may go below zero here.
    """
    return _post(Stocktake, document_id, actor, build_stocktake_movements, enforce_negative=False)


@transaction.atomic(durable=True)
def stocktake_cancel(*, document_id: int, actor) -> Stocktake:
    return _cancel(Stocktake, document_id, actor)


@transaction.atomic(durable=True)
def stocktake_fill(*, document_id: int, actor) -> Stocktake:
    """Take the book quantities now: one line per active product of the shop (or of the chosen groups).

    Counted quantities already typed are kept; book quantities are re-read.
    """
    document = Stocktake.objects.select_for_update().get(pk=document_id)
    ensure_draft(document)
    ensure_period_open(shop_ids=document.shop_ids(), business_date=document.business_date)
    products = Product.objects.filter(is_active=True)
    paths = list(document.groups.values_list("path", flat=True))
    if paths:
        condition = Q()
        for path in paths:
            condition |= Q(group__path__startswith=path)
        products = products.filter(condition)
    product_ids = set(products.values_list("pk", flat=True))
    counted = dict(document.lines.filter(counted_quantity__isnull=False).values_list("product_id", "counted_quantity"))
    product_ids |= set(counted)
    books = dict(StockBalance.objects.filter(shop_id=document.shop_id).values_list("product_id", "quantity"))
    document.lines.all().delete()
    StocktakeLine.objects.bulk_create(
        [
            StocktakeLine(
                document=document,
                product_id=pid,
                book_quantity=books.get(pid, Decimal("0")),
                counted_quantity=counted.get(pid),
            )
            for pid in sorted(product_ids)
        ],
        batch_size=2000,
    )
    document.snapshot_at = timezone.now()
    document.save(update_fields=["snapshot_at"])
    return document


@transaction.atomic(durable=True)
def transfer_ship(*, document_id: int, actor) -> Transfer:
    """Ship a transfer: goods leave the sending shop at its average cost and go into transit."""

    def write(document, lines, posting):
        if document.shop_id == document.to_shop_id:
            raise DomainError(_("A transfer needs two different shops."))
        transit = transit_shop()
        balances_for_update([(s, line.product_id) for line in lines for s in (document.shop_id, transit.pk)])
        out = stock_write(
            movements=build_outgoing_movements(document, lines, K.TRANSFER_OUT),
            posting=posting,
            business_date=document.business_date,
            source_type=Transfer.DOCUMENT_TYPE,
            source_id=document.pk,
        )
        stock_write(
            movements=[
                Movement(transit.pk, e.product_id, -e.quantity, K.TRANSFER_IN, e.source_line_id, -e.cost_amount)
                for e in out.entries
            ],
            posting=posting,
            business_date=document.business_date,
            source_type=Transfer.DOCUMENT_TYPE,
            source_id=document.pk,
            enforce_negative=False,
        )

    return document_post(model=Transfer, document_id=document_id, actor=actor, write=write)


@transaction.atomic(durable=True)
def transfer_receive(*, document_id: int, actor, received_date: datetime.date | None = None) -> Transfer:
    """Receive a shipped transfer into the receiving shop at the cost it was shipped with.

    Lines' `received_quantity` (empty: as shipped) decide: fewer goods post a transit
    shortage at their share of the cost, more goods post a surplus at average cost.
    """
    document = Transfer.objects.select_for_update().get(pk=document_id)
    ensure_posted(document)
    if document.is_received:
        raise DomainError(_("%(doc)s has already been received.") % {"doc": document.number})
    received_date = received_date or shop_local_date(shop=document.to_shop, at=timezone.now())
    if received_date < document.business_date:
        raise DomainError(_("A transfer cannot be received before it was shipped."))
    ensure_period_open(shop_ids=[document.to_shop_id], business_date=received_date)
    transit = transit_shop()
    lines = list(document.lines.order_by("pk"))
    shipped_cost = dict(
        StockLedgerEntry.objects.filter(
            source_type=Transfer.DOCUMENT_TYPE,
            source_id=document.pk,
            shop=transit,
            kind=K.TRANSFER_IN,
            reversal_of__isnull=True,
        ).values_list("source_line_id", "cost_amount")
    )
    balances_for_update([(s, line.product_id) for line in lines for s in (transit.pk, document.to_shop_id)])
    posting = posting_create(document=document, action=PostingAction.RECEIVE, actor=actor)
    transit_moves, shop_moves = [], []
    for line in lines:
        shipped, cost = line.quantity, shipped_cost[line.pk]
        received = shipped if line.received_quantity is None else line.received_quantity
        if received < shipped:
            # What arrived takes its share of the shipped cost; the shortage the exact rest (one rule: cost_share).
            arrived_cost = cost_share(cost=cost, quantity=received, of_quantity=shipped, taken_quantity=0, taken_cost=0)
            if received:
                transit_moves.append(
                    Movement(transit.pk, line.product_id, -received, K.TRANSFER_OUT, line.pk, -arrived_cost)
                )
                shop_moves.append(
                    Movement(document.to_shop_id, line.product_id, received, K.TRANSFER_IN, line.pk, arrived_cost)
                )
            transit_moves.append(
                Movement(
                    transit.pk,
                    line.product_id,
                    received - shipped,
                    K.TRANSFER_SHORTAGE,
                    line.pk,
                    -cost_share(
                        cost=cost,
                        quantity=shipped - received,
                        of_quantity=shipped,
                        taken_quantity=received,
                        taken_cost=arrived_cost,
                    ),
                )
            )
        else:
            transit_moves.append(Movement(transit.pk, line.product_id, -shipped, K.TRANSFER_OUT, line.pk, -cost))
            shop_moves.append(Movement(document.to_shop_id, line.product_id, shipped, K.TRANSFER_IN, line.pk, cost))
            if received > shipped:
                shop_moves.append(
                    Movement(document.to_shop_id, line.product_id, received - shipped, K.TRANSFER_SURPLUS, line.pk)
                )
    common = {
        "posting": posting,
        "business_date": received_date,
        "source_type": Transfer.DOCUMENT_TYPE,
        "source_id": document.pk,
    }
    stock_write(movements=transit_moves, enforce_negative=False, **common)
    stock_write(movements=shop_moves, **common)
    document.received_date = received_date
    document.received_at = timezone.now()
    document.received_by = actor
    document.save(update_fields=["received_date", "received_at", "received_by"])
    return document


@transaction.atomic(durable=True)
def transfer_cancel(*, document_id: int, actor) -> Transfer:
    """Cancel a shipped (or received) transfer: every movement it made is reversed."""
    return _cancel(Transfer, document_id, actor)


def transfer_differences(document: Transfer) -> list[tuple]:
    """(product, shipped, received, difference) for lines received differently from shipped."""
    result = []
    for line in document.lines.select_related("product"):
        if line.received_quantity is not None and line.received_quantity != line.quantity:
            result.append((line.product, line.quantity, line.received_quantity, line.received_quantity - line.quantity))
    return result


def stocktake_differences(document: Stocktake):
    """Lines whose count differs from the book, with the difference."""
    return [
        (line, (line.counted_quantity if line.counted_quantity is not None else Decimal("0")) - line.book_quantity)
        for line in document.lines.select_related("product").order_by("product__name")
        if line.counted_quantity is not None or document.uncounted_as_zero
    ]
