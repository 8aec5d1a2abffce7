"""Till use cases: tokens, shifts and receipts. Each write is one durable transaction."""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.choices import PostingAction, StockMovementKind
from inventory.exceptions import ProductNotFound
from inventory.models import Posting, Product
from inventory.money import round_money
from inventory.selectors import prices_in_force, product_find_by_code, shop_local_date
from inventory.services import Movement, stock_write

from .exceptions import ReceiptConflictError, ReceiptInvalid, ShiftAlreadyOpen, ShiftClosed
from .models import Receipt, ReceiptConflict, ReceiptLine, ReceiptPayment, Shift, Till, TillToken, token_hash

RECEIPT_SOURCE = "receipt"


# --- tokens ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def till_token_issue(*, till: Till, actor=None) -> str:
    """Issue a token for a till and return it: it is shown this once and stored only as a hash."""
    raw = f"{till.code}.{TillToken.generate()}"
    TillToken.objects.create(till=till, prefix=raw[:12], key_hash=token_hash(raw), created_by=actor)
    return raw


def till_token_revoke(*, token: TillToken) -> None:
    TillToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def till_for_token(raw: str) -> Till | None:
    """The active till a token belongs to, or None (unknown, revoked, or till switched off)."""
    token = (
        TillToken.objects.select_related("till__shop")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, till__is_active=True)
        .first()
    )
    return token.till if token else None


# --- shifts ----------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def shift_open(*, till: Till, opening_float: Decimal, opened_at=None) -> Shift:
    """Open the till's next shift. Raises ShiftAlreadyOpen (also when two opens race: a constraint decides)."""
    Till.objects.select_for_update().get(pk=till.pk)
    if Shift.objects.filter(till=till, closed_at__isnull=True).exists():
        raise ShiftAlreadyOpen()
    number = (Shift.objects.filter(till=till).aggregate(n=Max("number"))["n"] or 0) + 1
    return Shift.objects.create(
        till=till, number=number, opened_at=opened_at or timezone.now(), opening_float=opening_float
    )


@transaction.atomic(durable=True)
def shift_close(*, till: Till, shift_id: int, counted_cash: Decimal) -> Shift:
    shift = Shift.objects.select_for_update().get(pk=shift_id, till=till)
    if not shift.is_open:
        raise ShiftClosed()
    shift.closed_at = timezone.now()
    shift.counted_cash = counted_cash
    shift.save(update_fields=["closed_at", "counted_cash"])
    return shift


# --- receipts --------------------------------------------------------------------------------------


def payload_hash(payload: dict) -> str:
    """A stable hash of a receipt's body: the same UUID with another hash is a conflict."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()


@dataclass
class IngestResult:
    receipt: Receipt
    status: str  # created, duplicate


def receipt_ingest(*, till: Till, data: dict, raw: dict) -> IngestResult:
    """Post a receipt from a till, once.

    The same UUID with the same body returns the first receipt and writes nothing; with a
    different body it is kept as a conflict for the owner and ReceiptConflictError raised.
    The database's unique constraints are the arbiter when copies race.
    Raises ReceiptInvalid (field paths), ShiftClosed, ReceiptConflictError.
    """
    digest = payload_hash(raw)
    existing = Receipt.objects.filter(till=till, client_uuid=data["uuid"]).first()
    if existing is None:
        try:
            return IngestResult(_receipt_post(till=till, data=data, digest=digest), "created")
        except IntegrityError:
            existing = Receipt.objects.filter(till=till, client_uuid=data["uuid"]).first()
            if existing is None:  # the same sequence number under another UUID
                raise ReceiptInvalid(
                    {
                        "sequence": [
                            _("Receipt number %(n)s was already used by another receipt.") % {"n": data["sequence"]}
                        ]
                    }
                ) from None
    if existing.payload_hash == digest:
        return IngestResult(existing, "duplicate")
    ReceiptConflict.objects.get_or_create(
        receipt=existing, payload_hash=digest, defaults={"till": till, "payload": raw}
    )
    raise ReceiptConflictError(existing)


def _resolve_lines(lines: list[dict]) -> tuple[list[tuple[Product, Decimal, dict]], dict]:
    errors: dict[str, list[str]] = {}
    by_id = Product.objects.in_bulk([line["product_id"] for line in lines if line.get("product_id")])
    resolved = []
    for index, line in enumerate(lines):
        quantity = line.get("quantity")
        product = by_id.get(line["product_id"]) if line.get("product_id") else None
        if line.get("product_id") and product is None:
            errors[f"lines.{index}.product_id"] = [_("No product has this ID.")]
            continue
        if product is None:
            try:
                match = product_find_by_code(line.get("barcode", ""))
            except (ProductNotFound, ValidationError) as exc:
                message = exc.message if isinstance(exc, ProductNotFound) else " ".join(exc.messages)
                errors[f"lines.{index}.barcode"] = [str(message)]
                continue
            product = match.product
            if quantity is None:
                quantity = match.quantity  # a scale barcode carries the weight
        if quantity is None or quantity <= 0:
            errors[f"lines.{index}.quantity"] = [_("The quantity must be above zero.")]
            continue
        expected = round_money(quantity * line["price"]) - line.get("discount", Decimal(0))
        if line["amount"] != expected:
            errors[f"lines.{index}.amount"] = [
                _("Amount %(a)s does not equal quantity x price - discount = %(e)s.")
                % {"a": line["amount"], "e": expected}
            ]
            continue
        resolved.append((product, quantity, line))
    return resolved, errors


@transaction.atomic(durable=True)
def _receipt_post(*, till: Till, data: dict, digest: str) -> Receipt:
    shift = Shift.objects.select_for_update().filter(till=till, closed_at__isnull=True).first()
    if shift is None:
        raise ShiftClosed(_("The till has no open shift: open one before uploading receipts."))
    resolved, errors = _resolve_lines(data["lines"])
    total = sum((line["amount"] for line in data["lines"]), Decimal(0))
    paid = sum((p["amount"] for p in data["payments"]), Decimal(0))
    if not errors and paid != total:
        errors["payments"] = [
            _("Payments add up to %(paid)s, the receipt to %(total)s.") % {"paid": paid, "total": total}
        ]
    if errors:
        raise ReceiptInvalid(errors)

    shop = till.shop
    day = shop_local_date(shop=shop, at=data["till_time"])
    receipt = Receipt.objects.create(
        till=till,
        shop=shop,
        shift=shift,
        client_uuid=data["uuid"],
        sequence=data["sequence"],
        till_time=data["till_time"],
        business_date=day,
        total_amount=total,
        discount_amount=sum((line.get("discount", Decimal(0)) for line in data["lines"]), Decimal(0)),
        card_number=data.get("card_number", ""),
        fiscal_sign=data.get("fiscal_sign", ""),
        fiscal_number=data.get("fiscal_number", ""),
        payload_hash=digest,
    )
    ours = prices_in_force(zone_id=shop.price_zone_id, day=day, product_ids=[p.pk for p, _q, _l in resolved])
    lines = ReceiptLine.objects.bulk_create(
        [
            ReceiptLine(
                receipt=receipt,
                line_no=n,
                product=product,
                barcode=line.get("barcode", ""),
                quantity=quantity,
                price_amount=line["price"],
                discount_amount=line.get("discount", Decimal(0)),
                amount=line["amount"],
                our_price_amount=ours.get(product.pk),
            )
            for n, (product, quantity, line) in enumerate(resolved, start=1)
        ]
    )
    ReceiptPayment.objects.bulk_create(
        [ReceiptPayment(receipt=receipt, type=p["type"], amount=p["amount"]) for p in data["payments"]]
    )

    posting = Posting.objects.create(
        document_type=RECEIPT_SOURCE, document_id=receipt.pk, document_number=str(receipt), action=PostingAction.POST
    )
    # A sale is a fact: goods leave even from negative stock, at the last known cost, flagged.
    written = stock_write(
        movements=[
            Movement(shop.pk, line.product_id, -line.quantity, StockMovementKind.SALE, line.pk) for line in lines
        ],
        posting=posting,
        business_date=day,
        source_type=RECEIPT_SOURCE,
        source_id=receipt.pk,
        enforce_negative=False,
    )
    receipt.negative_stock = any(e.cost_provisional for e in written.entries)
    receipt.price_differs = any(
        line.our_price_amount is not None and line.our_price_amount != line.price_amount for line in lines
    )
    if receipt.negative_stock or receipt.price_differs:
        receipt.save(update_fields=["negative_stock", "price_differs"])
    Shift.objects.filter(pk=shift.pk).update(
        receipts_count=F("receipts_count") + 1,
        sales_amount=F("sales_amount") + total,
        discount_amount=F("discount_amount") + receipt.discount_amount,
    )
    Till.objects.filter(pk=till.pk).update(last_upload_at=timezone.now())
    Till.objects.filter(pk=till.pk, last_sequence__lt=data["sequence"]).update(last_sequence=data["sequence"])
    return receipt
