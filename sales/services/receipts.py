"""Receipts from tills: one receipt or a batch of up to 500, each succeeding or failing alone.

A batch is read and checked whole before anything is written, then the good receipts are
written with bulk inserts in one transaction: receipts, lines, payments (sales' own tables),
then through inventory's public services one posting per receipt (`postings_create_bulk`)
and the stock rows (`stock_write_by_date`: balances locked once in key order, each movement
naming its receipt and posting), shift totals, the till's last number and its gaps. Only if that transaction fails (a race
the locks do not cover) are the receipts written again one at a time, each alone.

Order of locks, always: the till's open shift, then original receipts of returns (by id),
then stock balances (by shop, product). Every upload of a till locks its open shift, so
copies of one batch arriving at once are served one after the other; the unique
constraints on (till, uuid) and (till, sequence) stay as the last word.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from cash.services import receipts_cash_write
from inventory.bulk import rows_insert  # for sales' own tables only
from inventory.choices import DocumentType, PostingAction, StockMovementKind
from inventory.db_guards import posting_marker
from inventory.models import Product
from inventory.money import round_money
from inventory.selectors import prices_in_force, products_by_codes, shop_local_date
from inventory.services import (
    Movement,
    open_day,
    period_lock_subquery,
    postings_create_bulk,
    return_costs,
    stock_balances_for_update,
    stock_provisional_sources,
    stock_write_by_date,
)
from loyalty.selectors.points import receipts_points_get
from loyalty.services.points import ReceiptPointsIn, receipts_points_prepare, receipts_points_write

from ..models import (
    PaymentType,
    Receipt,
    ReceiptConflict,
    ReceiptKind,
    ReceiptLine,
    ReceiptPayment,
    Shift,
    Till,
    TillGap,
)
from ..parsing import ReceiptIn, receipt_parse

RECEIPT_SOURCE = DocumentType.RECEIPT
MAX_BATCH = 500
ZERO = Decimal("0")


class Status:
    CREATED = "created"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


@dataclass
class Outcome:
    """What became of one uploaded receipt."""

    index: int
    uuid: str | None
    status: str
    receipt: Receipt | None = None
    errors: dict = field(default_factory=dict)


@dataclass
class _Item:
    index: int
    raw: dict
    data: ReceiptIn
    digest: str
    # filled while checking
    business_date: datetime.date | None = None  # the day it posts: its own, or the first open day
    till_date: datetime.date | None = None  # the shop's day at the till's time (prices of that day)
    period_closed: bool = False
    arrived_late: bool = False
    lines: list = field(default_factory=list)  # (product_id, quantity, LineIn, original ReceiptLine | None)
    original: Receipt | None = None


def payload_hash(payload) -> str:
    """A stable hash of a receipt's body: the same UUID with another hash is a conflict."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()


def receipts_ingest(*, till: Till, bodies: list) -> list[Outcome]:
    """Post receipts uploaded by a till; one Outcome per body, in the order given.

    created: posted now; duplicate: this UUID with this body was posted before (nothing
    written); conflict: this UUID was posted with another body (kept for the owner, the
    first stands); rejected: `errors` by field path, nothing written for this receipt.
    """
    outcomes: list[Outcome | None] = [None] * len(bodies)
    items = []
    for index, raw in enumerate(bodies):
        data, errors = receipt_parse(raw)
        if errors:
            outcomes[index] = Outcome(index, _uuid_of(raw), Status.REJECTED, errors=errors)
        else:
            items.append(_Item(index, raw, data, payload_hash(raw)))
    if items:
        try:
            results = _ingest(till, items)
        except IntegrityError:
            results = []
            for item in items:  # the whole batch lost a race: each receipt alone
                try:
                    results += _ingest(till, [item])
                except IntegrityError:
                    results += _ingest_settled(till, item)
        for outcome in results:
            outcomes[outcome.index] = outcome
    _points_of_replays(outcomes)
    return outcomes


def _points_of_replays(outcomes) -> None:
    """Receipts answered from before (duplicates, conflicts) show the points they did then (one query)."""
    old = [o.receipt for o in outcomes if o and o.receipt is not None and not hasattr(o.receipt, "points_info")]
    if old:
        found = receipts_points_get([r.pk for r in old])
        for receipt in old:
            receipt.points_info = found.get(receipt.pk)


def _uuid_of(raw) -> str | None:
    value = raw.get("uuid") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def _ingest_settled(till: Till, item: _Item) -> list[Outcome]:
    """After a lost race on the constraints: the receipt is there now (duplicate or conflict).

    Should it still not be there, the till is told to send it again rather than left without an answer.
    """
    with transaction.atomic(durable=True):
        fresh, outcomes = _triage(till, [item], [])
    for left in fresh:
        message = _("The receipt could not be written just now; send it again.")
        outcomes.append(
            Outcome(left.index, str(left.data.uuid), Status.REJECTED, errors={"non_field_errors": [message]})
        )
    return outcomes


@transaction.atomic(durable=True)
def _ingest(till: Till, items: list[_Item]) -> list[Outcome]:
    # The till's last number comes with the shift lock: every upload of the till takes it first.
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .filter(till=till, closed_at__isnull=True)
        .annotate(till_last_sequence=F("till__last_sequence"), period_lock=period_lock_subquery("till__shop_id"))
        .first()
    )
    if shift is None:
        message = _("The till has no open shift: open one before uploading receipts.")
        return [Outcome(i.index, str(i.data.uuid), Status.REJECTED, errors={"shift": [message]}) for i in items]
    fresh, outcomes = _triage(till, items, outcomes=[])
    # An offline till may sell and take back the same goods before it uploads: a return whose
    # sale is in the same batch is checked and written after the sales, in the same transaction.
    sold_here = {i.data.uuid for i in fresh if i.data.kind == ReceiptKind.SALE}
    later = [i for i in fresh if i.data.kind == ReceiptKind.RETURN and i.data.original_uuid in sold_here]
    later_indexes = {i.index for i in later}
    first = [i for i in fresh if i.index not in later_indexes]
    for part in (first, later):
        good = _check(till, part, outcomes, lock=shift.period_lock) if part else []
        good, points = _points_check(till, good, outcomes)
        if good:
            _write(till, shift, good, outcomes, points)
    _twins_resolve(outcomes)
    return outcomes


def _triage(till: Till, items: list[_Item], outcomes: list[Outcome]) -> tuple[list[_Item], list[Outcome]]:
    """Split off duplicates, conflicts and reused numbers; return the receipts new to us."""
    uuids = {i.data.uuid for i in items}
    sequences = {i.data.sequence for i in items}
    existing = list(
        Receipt.objects.filter(till=till)
        .filter(Q(client_uuid__any=uuids) | Q(sequence__any=sequences))
        .only("id", "client_uuid", "sequence", "payload_hash", "total_amount", "business_date")
    )
    by_uuid = {r.client_uuid: r for r in existing}
    used = {r.sequence for r in existing}
    in_batch: dict = {}
    fresh = []
    conflicts = []
    for item in items:
        u, seq = item.data.uuid, item.data.sequence
        first = by_uuid.get(u)
        if first is not None:
            if first.payload_hash == item.digest:
                outcomes.append(Outcome(item.index, str(u), Status.DUPLICATE, receipt=first))
            else:
                conflicts.append(ReceiptConflict(till=till, receipt=first, payload=item.raw, payload_hash=item.digest))
                outcomes.append(Outcome(item.index, str(u), Status.CONFLICT, receipt=first, errors=_conflict_errors()))
        elif u in in_batch:
            twin = in_batch[u]
            if twin.digest == item.digest:
                outcomes.append(Outcome(item.index, str(u), Status.DUPLICATE, errors={"twin": twin.index}))
            else:
                message = _("This UUID comes twice in the batch with different bodies.")
                outcomes.append(Outcome(item.index, str(u), Status.REJECTED, errors={"uuid": [message]}))
        elif seq in used:
            message = _("Receipt number %(n)s was already used by another receipt.") % {"n": seq}
            outcomes.append(Outcome(item.index, str(u), Status.REJECTED, errors={"sequence": [message]}))
        else:
            in_batch[u] = item
            used.add(seq)
            fresh.append(item)
    if conflicts:
        ReceiptConflict.objects.bulk_create(conflicts, ignore_conflicts=True)
    return fresh, outcomes


def _conflict_errors() -> dict:
    return {"uuid": [_("A different receipt was already uploaded with this ID; the first one stands.")]}


def _check(till: Till, items: list[_Item], outcomes: list[Outcome], *, lock: datetime.date | None) -> list[_Item]:
    """Resolve products, check amounts and returns; the receipts that pass, the rest rejected.

    `lock`: the period lock date of the till's shop, read with the shift lock.
    """
    shop = till.shop
    codes = {line.barcode for i in items for line in i.data.lines if not line.product_id and line.barcode}
    matches = products_by_codes(codes) if codes else {}
    ids = {line.product_id for i in items for line in i.data.lines if line.product_id}
    known_ids = set(_product_ids(ids)) if ids else set()
    originals, original_lines, returned = _originals_locked(shop, items)

    now = timezone.now()
    ahead_limit = now + datetime.timedelta(seconds=settings.RECEIPT_CLOCK_TOLERANCE_SECONDS)
    late_limit = now - datetime.timedelta(days=settings.RECEIPT_LATE_AFTER_DAYS)
    good = []
    for item in items:
        errors: dict[str, list[str]] = {}
        data = item.data
        if data.till_time > ahead_limit:
            errors["till_time"] = [
                _(
                    "The till's clock is ahead: it says %(till)s while the server's time is %(server)s "
                    "(more than %(hours)s h ahead). Set the till's clock, then send the receipt again."
                )
                % {
                    "till": data.till_time.isoformat(),
                    "server": now.astimezone(data.till_time.tzinfo).isoformat(timespec="seconds"),
                    "hours": settings.RECEIPT_CLOCK_TOLERANCE_SECONDS // 3600,
                }
            ]
        item.till_date = shop_local_date(shop=shop, at=data.till_time)
        # The sale happened: in a closed period it posts on the first open day, keeps its till time, is flagged.
        item.business_date, item.period_closed = open_day(business_date=item.till_date, lock_date=lock)
        item.arrived_late = data.till_time < late_limit
        if data.kind == ReceiptKind.RETURN:
            if data.original_uuid is None:
                if not till.returns_without_receipt:
                    errors["original_uuid"] = [
                        _("This till may not take returns without a receipt: give the original receipt's UUID.")
                    ]
            else:
                item.original = originals.get(data.original_uuid)
                if item.original is None:
                    errors["original_uuid"] = [_("No sale has this UUID.")]
        for n, line in enumerate(data.lines):
            path = f"lines.{n}"
            product_id, quantity, original_line = line.product_id, line.quantity, None
            if item.original is not None:
                if not line.original_line_no:
                    errors[f"{path}.original_line_no"] = [_("Say which line of the original receipt comes back.")]
                    continue
                original_line = original_lines.get((item.original.pk, line.original_line_no))
                if original_line is None:
                    errors[f"{path}.original_line_no"] = [_("The original receipt has no such line.")]
                    continue
                product_id = original_line.product_id
            elif product_id:
                if product_id not in known_ids:
                    errors[f"{path}.product_id"] = [_("No product has this ID.")]
                    continue
            else:
                match = matches.get(line.barcode)
                if match is None or isinstance(match, str):
                    errors[f"{path}.barcode"] = [match or _("Give product_id or barcode.")]
                    continue
                product_id = match[0]
                if quantity is None:
                    quantity = match[1]  # a scale barcode carries the weight
            if quantity is None:
                errors[f"{path}.quantity"] = [_("The quantity must be above zero.")]
                continue
            expected = round_money(quantity * line.price) - line.discount
            if line.amount != expected:
                errors[f"{path}.amount"] = [
                    _("Amount %(a)s does not equal quantity x price - discount = %(e)s.")
                    % {"a": line.amount, "e": expected}
                ]
                continue
            if original_line is not None:
                left = original_line.quantity - returned[original_line.pk]
                if quantity > left:
                    errors[f"{path}.quantity"] = [
                        _("Only %(left)s of %(sold)s can still be returned from this line.")
                        % {"left": left.normalize(), "sold": original_line.quantity.normalize()}
                    ]
                    continue
                returned[original_line.pk] += quantity  # later lines and receipts of the batch see it
            item.lines.append((product_id, quantity, line, original_line))
        if not errors and data.paid != data.total:
            errors["payments"] = [
                _("Payments add up to %(paid)s, the receipt to %(total)s.") % {"paid": data.paid, "total": data.total}
            ]
        if errors:
            for _product_id, quantity, _line, original_line in item.lines:
                if original_line is not None:
                    returned[original_line.pk] -= quantity  # give back what this rejected receipt claimed
            item.lines = []
            outcomes.append(Outcome(item.index, str(data.uuid), Status.REJECTED, errors=errors))
        else:
            good.append(item)
    return good


def _points_check(till: Till, items: list[_Item], outcomes: list[Outcome]):
    """Loyalty's plan for the checked receipts (under the points locks, before the stock locks); the receipts
    whose points cannot be paid are rejected here, alone. No statement for receipts without a card."""
    plan = receipts_points_prepare(
        shop_id=till.shop_id,
        till_id=till.pk,
        receipts=[
            ReceiptPointsIn(
                index=i.index,
                uuid=i.data.uuid,
                business_date=i.business_date,
                is_return=i.data.kind == ReceiptKind.RETURN,
                total_amount=i.data.total,
                lines=[(product_id, line.amount) for product_id, _q, line, _o in i.lines],
                points_amount=sum((a for kind, a in i.data.payments if kind == PaymentType.POINTS), ZERO),
                card_number=i.data.card_number,
                phone=i.data.phone,
                original_receipt_id=i.original.pk if i.original else None,
            )
            for i in items
        ],
    )
    if not plan.errors:
        return items, plan
    for item in items:
        if item.index in plan.errors:
            outcomes.append(Outcome(item.index, str(item.data.uuid), Status.REJECTED, errors=plan.errors[item.index]))
    return [i for i in items if i.index not in plan.errors], plan


def _product_ids(ids) -> list[int]:
    return list(Product.objects.filter(pk__any=ids).values_list("pk", flat=True))


def _originals_locked(shop, items: list[_Item]):
    """Original sales of the batch's returns, locked (by id), their lines, and what was returned of each line.

    Only sales of the till's own shop: a till sees no other shop's receipts (elsewhere it is
    a return without a receipt, if the owner allows those).
    """
    wanted = {i.data.original_uuid for i in items if i.data.kind == ReceiptKind.RETURN and i.data.original_uuid}
    if not wanted:
        return {}, {}, defaultdict(Decimal)
    originals = {
        r.client_uuid: r
        for r in Receipt.objects.select_for_update(no_key=True)
        .filter(client_uuid__any=wanted, kind=ReceiptKind.SALE, shop=shop)
        .order_by("id")
        .only("id", "client_uuid", "shop_id")
    }
    lines = {
        (line.receipt_id, line.line_no): line
        for line in ReceiptLine.objects.filter(receipt__in=originals.values()).only(
            "id", "receipt_id", "line_no", "product_id", "quantity"
        )
    }
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for line_id, quantity in (
        ReceiptLine.objects.filter(original_line__receipt__in=originals.values())
        .values("original_line")
        .annotate(q=Sum("quantity"))
        .values_list("original_line", "q")
    ):
        returned[line_id] = quantity
    return originals, lines, returned


@dataclass(slots=True)
class _LineRow:
    pk: int
    receipt_id: int
    product_id: int
    quantity: Decimal
    original_line_id: int | None


RECEIPT_COLUMNS = [
    "till_id",
    "shop_id",
    "shift_id",
    "kind",
    "original_id",
    "client_uuid",
    "sequence",
    "till_time",
    "business_date",
    "received_at",
    "total_amount",
    "discount_amount",
    "card_number",
    "fiscal_sign",
    "fiscal_number",
    "payload_hash",
    "negative_stock",
    "price_differs",
    "period_closed",
    "arrived_late",
]
LINE_COLUMNS = [
    "receipt_id",
    "line_no",
    "product_id",
    "barcode",
    "quantity",
    "price_amount",
    "discount_amount",
    "amount",
    "our_price_amount",
    "original_line_id",
]


def _write(till: Till, shift: Shift, items: list[_Item], outcomes: list[Outcome], points) -> None:
    """Write the checked receipts with one insert per table (see inventory.bulk) and post their stock."""
    shop = till.shop
    ours = _our_prices(shop, items)
    now = timezone.now()
    # Stock balances are locked before the receipts are written, so the negative-stock flag is
    # decided now and inserted with the receipt (a posted receipt is never updated after).
    balances = stock_balances_for_update([(shop.pk, product_id) for i in items for product_id, *_rest in i.lines])
    negative = stock_provisional_sources(balances, _movements_by_date(shop, items))
    receipts = [
        Receipt(
            till=till,
            shop=shop,
            shift=shift,
            kind=i.data.kind,
            original_id=i.original.pk if i.original else None,
            client_uuid=i.data.uuid,
            sequence=i.data.sequence,
            till_time=i.data.till_time,
            business_date=i.business_date,
            received_at=now,
            total_amount=i.data.total,
            discount_amount=i.data.discount,
            card_number=i.data.card_number,
            fiscal_sign=i.data.fiscal_sign,
            fiscal_number=i.data.fiscal_number,
            payload_hash=i.digest,
            negative_stock=i.index in negative,
            period_closed=i.period_closed,
            arrived_late=i.arrived_late,
            price_differs=any(
                ours.get((i.till_date, product_id)) not in (None, line.price) for product_id, _q, line, _o in i.lines
            ),
        )
        for i in items
    ]
    ids = rows_insert(
        Receipt, RECEIPT_COLUMNS, [tuple(getattr(r, c) for c in RECEIPT_COLUMNS) for r in receipts], returning=True
    )
    for receipt, pk in zip(receipts, ids, strict=True):
        receipt.pk = pk
        receipt._state.adding = False

    line_values = [
        (
            receipt.pk,
            n,
            product_id,
            line.barcode,
            quantity,
            line.price,
            line.discount,
            line.amount,
            ours.get((item.till_date, product_id)),
            original_line.pk if original_line is not None else None,
        )
        for item, receipt in zip(items, receipts, strict=True)
        for n, (product_id, quantity, line, original_line) in enumerate(item.lines, start=1)
    ]
    line_ids = rows_insert(ReceiptLine, LINE_COLUMNS, line_values, returning=True)
    lines = [_LineRow(pk, v[0], v[2], v[4], v[9]) for pk, v in zip(line_ids, line_values, strict=True)]
    rows_insert(
        ReceiptPayment,
        ["receipt_id", "type", "amount"],
        [
            (receipt.pk, kind, amount)
            for item, receipt in zip(items, receipts, strict=True)
            for kind, amount in item.data.payments
        ],
    )
    posting_ids = postings_create_bulk(
        document_type=RECEIPT_SOURCE,
        documents=[(r.pk, f"{till.code}/{r.sequence}") for r in receipts],
        action=PostingAction.POST,
    )
    posting_of = {r.pk: p for r, p in zip(receipts, posting_ids, strict=True)}
    provisional = _post_stock(shop, receipts, posting_of, lines, balances)
    wrong = [r for r in receipts if r.negative_stock != (r.pk in provisional)]
    if wrong:  # never expected (the same rule decided both); the ledger's word wins
        with posting_marker():
            for flag in (True, False):
                pks = [r.pk for r in wrong if (r.pk in provisional) is flag]
                if pks:
                    Receipt.objects.filter(pk__any=pks).update(negative_stock=flag)
    for receipt in receipts:
        receipt.negative_stock = receipt.pk in provisional
    receipts_cash_write(  # cash to the drawer, cards to the acquirer (cash.services)
        till_id=till.pk,
        shop_id=shop.pk,
        till_code=till.code,
        receipts=[
            (r.pk, posting_of[r.pk], r.business_date, r.kind == ReceiptKind.RETURN, i.data.payments)
            for i, r in zip(items, receipts, strict=True)
        ],
    )

    receipts_points_write(  # points earned and paid, with the receipt (loyalty.services.points)
        plan=points,
        receipts={i.index: (r.pk, posting_of[r.pk]) for i, r in zip(items, receipts, strict=True)},
    )
    for item, receipt in zip(items, receipts, strict=True):
        receipt.points_info = points.info(item.index)

    sales = [r for r in receipts if r.kind == ReceiptKind.SALE]
    returns = [r for r in receipts if r.kind == ReceiptKind.RETURN]
    Shift.objects.filter(pk=shift.pk).update(
        receipts_count=F("receipts_count") + len(receipts),
        sales_amount=F("sales_amount") + sum((r.total_amount for r in sales), ZERO),
        returns_amount=F("returns_amount") + sum((r.total_amount for r in returns), ZERO),
        discount_amount=F("discount_amount") + sum((r.discount_amount for r in sales), ZERO),
    )
    shift.till_last_sequence = _gaps_update(till, [r.sequence for r in receipts], last=shift.till_last_sequence)
    for item, receipt in zip(items, receipts, strict=True):
        outcomes.append(Outcome(item.index, str(item.data.uuid), Status.CREATED, receipt=receipt))


def _movements_by_date(shop, items: list[_Item]) -> dict[datetime.date, list[Movement]]:
    """The stock movements of the checked receipts before they have ids, in `_post_stock`'s order:
    each names its receipt by the item's index (enough to decide the negative-stock flag)."""
    by_date: dict[datetime.date, list[Movement]] = defaultdict(list)
    for item in items:
        is_return = item.data.kind == ReceiptKind.RETURN
        for product_id, quantity, _line, _original in item.lines:
            by_date[item.business_date].append(
                Movement(
                    shop.pk,
                    product_id,
                    quantity if is_return else -quantity,
                    StockMovementKind.SALE_RETURN if is_return else StockMovementKind.SALE,
                    0,
                    cost_amount=ZERO if is_return else None,
                    source_id=item.index,
                )
            )
    return by_date


def _our_prices(shop, items) -> dict[tuple[datetime.date, int], Decimal]:
    by_day: dict[datetime.date, set[int]] = defaultdict(set)
    for item in items:
        by_day[item.till_date].update(product_id for product_id, *_rest in item.lines)
    return {
        (day, product_id): price
        for day, products in by_day.items()
        for product_id, price in prices_in_force(zone_id=shop.price_zone_id, day=day, product_ids=products).items()
    }


def _post_stock(shop, receipts, posting_of: dict[int, int], lines: list[_LineRow], balances: dict) -> set[int]:
    """Stock out for sales, back in for returns; the ids of receipts sold from negative stock.

    A sale is a fact: goods leave even from negative stock, at the last known cost, flagged.
    A return comes back at the cost its original line left with.
    """
    date_of = {r.pk: r.business_date for r in receipts}
    return_costs = _return_costs([line for line in lines if line.original_line_id])
    kind_of = {r.pk: r.kind for r in receipts}
    by_date: dict[datetime.date, list[Movement]] = defaultdict(list)
    for line in lines:
        receipt_id = line.receipt_id
        is_return = kind_of[receipt_id] == ReceiptKind.RETURN
        back = return_costs.get(line.pk)
        by_date[date_of[receipt_id]].append(
            Movement(
                shop.pk,
                line.product_id,
                line.quantity if is_return else -line.quantity,
                StockMovementKind.SALE_RETURN if is_return else StockMovementKind.SALE,
                line.pk,
                cost_amount=back.cost if back else None,
                source_id=receipt_id,
                posting_id=posting_of[receipt_id],
                return_of_id=back.return_of_id if back else None,
            )
        )
    written = stock_write_by_date(
        movements_by_date=by_date, source_type=RECEIPT_SOURCE, enforce_negative=False, balances=balances
    )
    return {e.source_id for e in written.entries if e.cost_provisional}


def _return_costs(lines: list[_LineRow]) -> dict:
    """The cost each returned line brings back and the sale row it returns: inventory's one rule
    (`return_costs`), fed with our lines.

    Its share of what the original line left with, re-costing adjustments included; the
    return that empties a line takes exactly what is left of its cost. Its stock row points
    at the sale's row, so a later re-costing of the sale re-costs the return too.
    """
    if not lines:
        return {}
    original_ids = {line.original_line_id for line in lines}
    new_ids = {line.pk for line in lines}
    earlier, earlier_receipts = {}, set()
    for pk, original, quantity, receipt_id in (
        ReceiptLine.objects.filter(original_line__in=original_ids)
        .exclude(pk__in=new_ids)
        .values_list("pk", "original_line_id", "quantity", "receipt_id")
    ):
        earlier[pk] = (original, quantity)
        earlier_receipts.add(receipt_id)
    sold, sale_receipts = {}, set()
    for pk, quantity, receipt_id in ReceiptLine.objects.filter(pk__in=original_ids).values_list(
        "pk", "quantity", "receipt_id"
    ):
        sold[pk] = quantity
        sale_receipts.add(receipt_id)
    # The receipts the lines belong to: the ledger is read through its document index, a few
    # rows, not every sale row of the year.
    return return_costs(
        source_type=RECEIPT_SOURCE,
        out_kind=StockMovementKind.SALE,
        back_kind=StockMovementKind.SALE_RETURN,
        returns=[(line.pk, line.original_line_id, line.quantity) for line in lines],
        sold=sold,
        earlier=earlier,
        source_ids=sale_receipts,
        earlier_source_ids=earlier_receipts,
    )


def _gaps_update(till: Till, sequences: list[int], *, last: int) -> int:
    """Record receipt numbers skipped before these and clear the ones these fill; the till's new last number.

    Runs under the shift lock, which is where `last` (the till's last number) was read.
    A till new to us starts at the first number it sends.
    """
    numbers = sorted(sequences)
    new_gaps = []
    previous = last if last else numbers[0] - 1
    for n in numbers:
        if n > previous + 1:
            new_gaps.append(TillGap(till=till, first=previous + 1, last=n - 1))
        previous = max(previous, n)
    filling = [n for n in numbers if n <= last]
    if filling:
        for gap in TillGap.objects.filter(till=till, first__lte=filling[-1], last__gte=filling[0]):
            inside = [n for n in filling if gap.first <= n <= gap.last]
            if not inside:
                continue
            gap.delete()
            start = gap.first
            for n in inside + [gap.last + 1]:
                if n > start:
                    new_gaps.append(TillGap(till=till, first=start, last=n - 1))
                start = n + 1
    if new_gaps:
        TillGap.objects.bulk_create(new_gaps)
    Till.objects.filter(pk=till.pk).update(
        last_upload_at=timezone.now(), last_sequence=Greatest(F("last_sequence"), numbers[-1])
    )
    return max(last, numbers[-1])


def _twins_resolve(outcomes: list[Outcome]) -> None:
    """A receipt sent twice in one batch: the second copy reports the first copy's receipt."""
    by_index = {o.index: o for o in outcomes}
    for outcome in outcomes:
        twin = outcome.errors.get("twin") if outcome.status == Status.DUPLICATE else None
        if twin is not None:
            first = by_index[twin]
            status = Status.DUPLICATE if first.status == Status.CREATED else first.status
            outcome.status, outcome.receipt, outcome.errors = status, first.receipt, first.errors
