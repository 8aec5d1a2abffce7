"""Writes of the cash domain: locations, cash orders, till receipts' money, shift close. See `cash.ledger`.

Every document posts through the kernel's one posting path (`document_post` /
`document_cancel`: lock, draft check, period lock of every shop, posting row, ledger writes,
status under the posting marker). Till receipts and shift closes run inside sales'
transaction: sales calls `receipts_cash_write` and `shift_cash_close` and nothing else here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from inventory.choices import DocumentType, PostingAction
from inventory.exceptions import DomainError
from inventory.ledgers import LedgerMovement
from inventory.models import Shop
from inventory.money import money_output, round_money
from inventory.services import period_lock_date
from inventory.services.kernel import (
    balance_ensure,
    balances_for_update,
    document_cancel,
    document_post,
    ledger_reverse,
    ledger_write,
    ledger_write_by_date,
    posting_create,
)

from .choices import CashMovementKind, LocationKind, OrderDirection, OrderReason
from .exceptions import TillOrderConflict
from .ledger import CASH
from .models import CashierDiscrepancy, CashLedgerEntry, CashLocation, CashOrder, ExpenseCategory

K = CashMovementKind
ZERO = Decimal("0")
CASH_PAYMENT = "cash"
CARD_PAYMENT = "card"


# --- locations ---------------------------------------------------------------------------------------


# Till receipts are facts: a refund may take a drawer or card takings below zero. Nothing else may.
TILL_FACT_KINDS = (LocationKind.DRAWER, LocationKind.CARD)


def location_balance_ensure(location: CashLocation) -> None:
    """Create a new location's balance row, saying whether till receipts may take it below zero (by its kind).

    Every location gets it when it is created (here, or by the admin); the kernel would
    otherwise create a plain one on the first write.
    """
    balance_ensure(CASH, (location.pk,), allows_negative=location.kind in TILL_FACT_KINDS)


def _location_get_or_create(lookup: dict, defaults: dict) -> CashLocation:
    """A location by `lookup`, created with its balance row when missing; two creators race safely
    (the unique constraints decide, the loser reads the winner's row)."""
    location = CashLocation.objects.filter(**lookup).first()
    if location is not None:
        return location
    try:
        with transaction.atomic():
            location = CashLocation.objects.create(**lookup, **defaults)
            location_balance_ensure(location)
    except IntegrityError:
        return CashLocation.objects.get(**lookup)
    return location


def desk_for_shop(shop: Shop | int) -> CashLocation:
    """The shop's cash desk (its safe), created on first use."""
    shop = shop if isinstance(shop, Shop) else Shop.objects.get(pk=shop)
    return _location_get_or_create(
        {"kind": LocationKind.DESK, "shop": shop},
        {"code": f"{shop.code}-D", "name": _("Cash desk %(shop)s") % {"shop": shop.code}},
    )


def drawer_for_till(*, till_id: int, shop_id: int, till_code: str) -> CashLocation:
    """The till's drawer, created on first use. Its balance may go below zero through till receipts only."""
    return _location_get_or_create(
        {"till_id": till_id},
        {
            "kind": LocationKind.DRAWER,
            "shop_id": shop_id,
            "code": f"TL{till_id}",
            "name": _("Till %(till)s drawer") % {"till": till_code},
        },
    )


def till_locations(*, till_id: int, shop: Shop, till_code: str) -> tuple[CashLocation, CashLocation]:
    """The till's drawer and its shop's cash desk (one query when both exist; created on first use)."""
    found = {
        loc.kind: loc for loc in CashLocation.objects.filter(Q(till_id=till_id) | Q(kind=LocationKind.DESK, shop=shop))
    }
    drawer = found.get(LocationKind.DRAWER) or drawer_for_till(till_id=till_id, shop_id=shop.pk, till_code=till_code)
    return drawer, found.get(LocationKind.DESK) or desk_for_shop(shop)


def default_acquirer() -> CashLocation:
    """Card takings of tills that name no acquirer: the default card location, created on first use."""
    return _location_get_or_create(
        {"kind": LocationKind.CARD, "is_default": True}, {"code": "CARD", "name": _("Card takings")}
    )


def transit_location() -> CashLocation:
    """Money collected for the bank and not yet credited: the first in-transit location, created on first use."""
    location = CashLocation.objects.filter(kind=LocationKind.TRANSIT, is_active=True).order_by("pk").first()
    return location or _location_get_or_create(
        {"kind": LocationKind.TRANSIT, "code": "TRANSIT"}, {"name": _("Cash in transit")}
    )


# --- cash orders -------------------------------------------------------------------------------------


def build_order_movements(order: CashOrder) -> list[LedgerMovement]:
    """Pure: an order in, its movements out. Outgoing: out of `location` (into `counter_location`, if ours);
    incoming: into `location` (out of `counter_location`, if ours). One row per location, the order its line."""
    sign = Decimal(1) if order.direction == OrderDirection.IN else Decimal(-1)
    own = (K.ORDER_IN, K.ORDER_OUT) if sign > 0 else (K.ORDER_OUT, K.ORDER_IN)
    fee = order.fee_amount or ZERO
    # A card settlement: the card takings give the whole amount, the bank gets it less the acquirer's
    # fee, and the fee leaves the card takings as an expense row of its own.
    movements = [LedgerMovement((order.location_id,), (sign * (order.amount - fee),), own[0], order.pk)]
    if fee:
        movements.append(LedgerMovement((order.location_id,), (-fee,), K.ACQUIRER_FEE, order.pk))
    if order.counter_location_id:
        movements.append(
            LedgerMovement((order.counter_location_id,), (-sign * (order.amount - fee),), own[1], order.pk)
        )
    return movements


def _validate(order: CashOrder) -> None:
    """The order's own rules (the admin form runs the same `clean`), as a domain error."""
    try:
        order.clean()
    except ValidationError as exc:
        raise DomainError(f"{order.number or ''} {exc.messages[0]}".strip()) from None


def _order_write(order: CashOrder, _lines, posting) -> None:
    _validate(order)
    if not order.location.is_active or (order.counter_location_id and not order.counter_location.is_active):
        raise DomainError(_("%(doc)s names a location that is no longer active.") % {"doc": order.number})
    if order.settles_id:
        _ensure_encashment_open(order)
    if order.reason == OrderReason.CARD_SETTLEMENT:
        _ensure_takings_open(order)
    ledger_write(
        CASH,
        movements=build_order_movements(order),
        posting_id=posting.pk,
        business_date=order.business_date,
        source_type=CashOrder.DOCUMENT_TYPE,
        source_id=order.pk,
    )


def _ensure_encashment_open(order: CashOrder) -> None:
    """A bank credit of an encashment: the encashment posted, into transit, its amount, not credited yet.

    The encashment's row is locked first: two credits of one encashment are served one after
    the other (and a partial unique index backs it)."""
    encashment = CashOrder.objects.select_for_update().get(pk=order.settles_id)
    if (
        encashment.reason != OrderReason.ENCASHMENT
        or encashment.status != "posted"
        or encashment.counter_location_id != order.counter_location_id
    ):
        raise DomainError(
            _("%(doc)s: %(enc)s is not a posted encashment into %(transit)s.")
            % {"doc": order.number, "enc": encashment.number, "transit": order.counter_location}
        )
    if encashment.amount != order.amount:
        raise DomainError(
            _("%(doc)s credits %(amount)s, but encashment %(enc)s took %(taken)s.")
            % {"doc": order.number, "amount": order.amount, "enc": encashment.number, "taken": encashment.amount}
        )
    if CashOrder.objects.filter(settles_id=encashment.pk, status="posted").exclude(pk=order.pk).exists():
        raise DomainError(_("Encashment %(enc)s has been credited by the bank already.") % {"enc": encashment.number})


def _ensure_takings_open(order: CashOrder) -> None:
    """A card settlement: that day's takings of that acquirer are not settled yet (checked under the
    card takings' balance lock, so two settlements of one day cannot both post)."""
    balances_for_update(CASH, [(order.location_id,)])
    settled = CashOrder.objects.filter(
        location_id=order.location_id,
        takings_date=order.takings_date,
        reason=OrderReason.CARD_SETTLEMENT,
        status="posted",
    ).exclude(pk=order.pk)
    if settled.exists():
        raise DomainError(
            _("The card takings of %(day)s at %(acquirer)s are settled already.")
            % {"day": order.takings_date, "acquirer": order.location}
        )


def _order_reverse(order: CashOrder, posting) -> None:
    ledger_reverse(CASH, source_type=CashOrder.DOCUMENT_TYPE, source_id=order.pk, posting_id=posting.pk)


@transaction.atomic(durable=True)
def cash_order_post(*, document_id: int, actor) -> CashOrder:
    """Post a cash order: the money moves. Raises DocumentNotDraft, PeriodClosed, LedgerOverdraft (not enough
    cash at the paying location, checked under its lock), DomainError (inactive location, invalid order)."""
    return document_post(model=CashOrder, document_id=document_id, actor=actor, write=_order_write, require_lines=False)


@transaction.atomic(durable=True)
def cash_order_cancel(*, document_id: int, actor) -> CashOrder:
    """Cancel a posted cash order by reversing rows. Raises DocumentNotPosted, PeriodClosed, LedgerOverdraft
    (the money it brought in has been spent since)."""
    return document_cancel(model=CashOrder, document_id=document_id, actor=actor, reverse=_order_reverse)


@transaction.atomic(durable=True)
def cash_order_create(*, actor=None, post: bool = False, **fields) -> CashOrder:
    """Create a draft cash order (validated as the admin form does); with `post`, post it in the same transaction."""
    return _order_create(actor=actor, post=post, **fields)


def _order_create(*, actor=None, post: bool = False, **fields) -> CashOrder:
    """`cash_order_create` inside the caller's transaction (a statement import posts many)."""
    order = CashOrder(created_by=actor, **fields)
    _validate(order)
    order.save()
    if post:
        document_post(model=CashOrder, document_id=order.pk, actor=actor, write=_order_write, require_lines=False)
        order.refresh_from_db()
    return order


def cash_order_issue(*, actor=None, **fields) -> CashOrder:
    """Create and post a cash order inside the caller's transaction: another app's posting pays with it
    (purchasing's supplier payment). Raises what `cash_order_create(post=True)` raises; nothing is written then."""
    order = CashOrder(created_by=actor, **fields)
    _validate(order)
    order.save()
    document_post(model=CashOrder, document_id=order.pk, actor=actor, write=_order_write, require_lines=False)
    order.refresh_from_db()
    return order


def cash_order_revoke(*, document_id: int, actor) -> CashOrder:
    """Cancel a posted cash order inside the caller's transaction (a cancelled supplier payment)."""
    return document_cancel(model=CashOrder, document_id=document_id, actor=actor, reverse=_order_reverse)


def till_cash_order(
    *,
    till_id: int,
    shop: Shop,
    till_code: str,
    shift_id: int,
    client_uuid,
    direction: str,
    amount: Decimal,
    business_date: datetime.date,
    counterparty: str = "",
    comment: str = "",
) -> tuple[CashOrder, bool]:
    """A pay-in or pay-out a till recorded during a shift, posted at once: (the order, created now?).

    Inside sales' transaction, under the shift's lock. Into or out of the till's drawer; the
    other side is the shop's cash desk, or the outside `counterparty` when the till names one.
    The same `client_uuid` again with the same body returns the first order and posts
    nothing; with another body it raises TillOrderConflict. Raises LedgerOverdraft when the
    paying side does not hold the amount (documents never take a location below zero).
    """
    drawer, desk = till_locations(till_id=till_id, shop=shop, till_code=till_code)
    existing = CashOrder.objects.filter(location=drawer, client_uuid=client_uuid).first()
    if existing is not None:
        if (existing.direction, existing.amount, existing.counterparty) != (direction, amount, counterparty):
            raise TillOrderConflict()
        return existing, False
    order = CashOrder(
        direction=direction,
        reason=OrderReason.TILL_CASH,
        location=drawer,
        counter_location=None if counterparty else desk,
        shop=shop,
        counterparty=counterparty,
        comment=comment,
        amount=amount,
        shift_id=shift_id,
        client_uuid=client_uuid,
        business_date=_fact_date(shop.pk, business_date),
    )
    _validate(order)
    order.save()
    document_post(model=CashOrder, document_id=order.pk, actor=None, write=_order_write, require_lines=False)
    order.refresh_from_db()
    return order, True


@transaction.atomic(durable=True)
def encashment_prepare(*, location_id: int, actor=None) -> CashOrder:
    """A draft encashment of a cash desk's excess over its cash limit: desk -> money in transit.

    The owner checks and posts it when the collector takes the bag. Raises DomainError when
    the desk is within its limit (or has none).
    """
    desk = CashLocation.objects.select_related("balance").get(pk=location_id)
    limit = desk.cash_limit_amount
    held = desk.balance.amount if hasattr(desk, "balance") else ZERO
    if desk.kind != LocationKind.DESK or limit is None or held <= limit:
        raise DomainError(_("%(desk)s is within its cash limit: nothing to encash.") % {"desk": desk})
    order = CashOrder(
        direction=OrderDirection.OUT,
        reason=OrderReason.ENCASHMENT,
        location=desk,
        counter_location=transit_location(),
        amount=held - limit,
        created_by=actor,
        comment=_("The excess over the cash limit of %(limit)s.") % {"limit": limit},
    )
    _validate(order)
    order.save()
    return order


# --- till receipts and shift close (inside sales' transaction) ---------------------------------------


def build_receipt_movements(*, drawer_id: int, card_id: int | None, receipts) -> dict[datetime.date, list]:
    """Pure: the money of till receipts, by business date. One drawer row per receipt paid (partly) in cash
    (a sale adds, a return takes out), one card-takings row per receipt paid (partly) by card.

    `receipts`: (receipt id, posting id, business date, is a return, [(payment type, amount)]).
    Other payment types (points, gift certificates) move no cash.
    """
    by_date: dict[datetime.date, list] = defaultdict(list)
    for receipt_id, posting_id, day, is_return, payments in receipts:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for kind, amount in payments:
            totals[kind] += amount
        sign = Decimal(-1) if is_return else Decimal(1)
        for kind, location_id, sale_kind, return_kind in (
            (CASH_PAYMENT, drawer_id, K.SALE, K.SALE_RETURN),
            (CARD_PAYMENT, card_id, K.CARD_SALE, K.CARD_RETURN),
        ):
            if totals.get(kind):
                by_date[day].append(
                    LedgerMovement(
                        (location_id,),
                        (sign * totals[kind],),
                        return_kind if is_return else sale_kind,
                        receipt_id,
                        source_id=receipt_id,
                        posting_id=posting_id,
                    )
                )
    return by_date


def receipts_cash_write(*, till_id: int, shop_id: int, till_code: str, receipts) -> None:
    """Post the cash and card payments of till receipts written in the caller's transaction (single or batch).

    Cash goes to the till's drawer, cards to the drawer's acquirer (or the default one). A
    receipt is a fact: a refund may take the drawer below zero. See `build_receipt_movements`.
    """
    receipts = list(receipts)
    has_card = any(kind == CARD_PAYMENT for *_r, payments in receipts for kind, _a in payments)
    drawer = drawer_for_till(till_id=till_id, shop_id=shop_id, till_code=till_code)
    card_id = (drawer.acquirer_id or default_acquirer().pk) if has_card else None
    by_date = build_receipt_movements(drawer_id=drawer.pk, card_id=card_id, receipts=receipts)
    if by_date:
        ledger_write_by_date(CASH, movements_by_date=by_date, source_type=DocumentType.RECEIPT, till_facts=True)


def _fact_date(shop_id: int, business_date: datetime.date) -> datetime.date:
    """A shift's open or close is a fact, like a receipt: dated in a closed period, it posts on the first open day."""
    lock = period_lock_date(shop_ids=[shop_id])
    if lock is not None and business_date <= lock:
        return lock + datetime.timedelta(days=1)
    return business_date


def shift_cash_open(
    *,
    till_id: int,
    shop: Shop,
    till_code: str,
    shift_id: int,
    shift_label: str,
    opening_float: Decimal,
    business_date: datetime.date,
    actor=None,
) -> dict:
    """A shift's opening, in cash: inside sales' transaction that opens the shift.

    The till counts its float: the books follow. Under the drawer's and desk's locks, a
    drawer holding less than the float is topped up from the shop's cash desk (as far as the
    desk holds; the rest is booked as an opening float not in the books, for the owner to
    see); a drawer holding more gives the excess back to the desk. Nothing is written when
    the books already agree. Returns the figures moved.
    """
    drawer, desk = till_locations(till_id=till_id, shop=shop, till_code=till_code)
    balances = balances_for_update(CASH, [(drawer.pk,), (desk.pk,)])
    gap = round_money(opening_float) - balances[(drawer.pk,)].amount
    from_desk = min(gap, balances[(desk.pk,)].amount) if gap > 0 else gap
    unbooked = gap - from_desk
    movements = []
    if from_desk > 0:
        movements += [
            LedgerMovement((desk.pk,), (-from_desk,), K.FLOAT_OUT, shift_id),
            LedgerMovement((drawer.pk,), (from_desk,), K.FLOAT_IN, shift_id),
        ]
    elif from_desk < 0:
        movements += [
            LedgerMovement((drawer.pk,), (from_desk,), K.FLOAT_OUT, shift_id),
            LedgerMovement((desk.pk,), (-from_desk,), K.FLOAT_IN, shift_id),
        ]
    if unbooked:
        movements.append(LedgerMovement((drawer.pk,), (unbooked,), K.FLOAT_UNBOOKED, shift_id))
    if movements:
        posting = posting_create(
            document_type=DocumentType.SHIFT_OPEN,
            document_id=shift_id,
            number=shift_label[:32],
            action=PostingAction.POST,
            actor=actor,
        )
        ledger_write(
            CASH,
            movements=movements,
            posting_id=posting.pk,
            business_date=_fact_date(shop.pk, business_date),
            source_type=DocumentType.SHIFT_OPEN,
            source_id=shift_id,
            till_facts=True,
        )
    return {"float_from_desk": from_desk, "float_unbooked": unbooked}


def shift_cash_close(
    *,
    till_id: int,
    shop: Shop,
    till_code: str,
    shift_id: int,
    shift_label: str,
    cashier_name: str,
    counted_amount: Decimal,
    business_date: datetime.date,
    actor=None,
) -> dict:
    """A shift's close, in cash: inside sales' transaction that closes the shift.

    Under the drawer's and desk's locks: the drawer's balance is what should be there;
    counted minus that is posted on the drawer as a shortage or surplus (and recorded against
    the cashier and shift); then everything above the drawer's change fund moves to the shop's
    cash desk. Dated `business_date`, or the first open day after a closed period (a close is
    a fact, like a receipt). Returns the figures for the Z-report.
    """
    drawer, desk = till_locations(till_id=till_id, shop=shop, till_code=till_code)
    business_date = _fact_date(shop.pk, business_date)
    balances = balances_for_update(CASH, [(drawer.pk,), (desk.pk,)])
    expected = balances[(drawer.pk,)].amount
    counted = round_money(counted_amount)
    difference = counted - expected
    takings = max(counted - drawer.change_fund_amount, ZERO)
    posting = posting_create(
        document_type=DocumentType.SHIFT_CLOSE,
        document_id=shift_id,
        number=shift_label[:32],
        action=PostingAction.POST,
        actor=actor,
    )
    movements = []
    if difference:
        kind = K.SURPLUS if difference > 0 else K.SHORTAGE
        movements.append(LedgerMovement((drawer.pk,), (difference,), kind, shift_id))
    if takings:
        movements.append(LedgerMovement((drawer.pk,), (-takings,), K.TAKINGS_OUT, shift_id))
        movements.append(LedgerMovement((desk.pk,), (takings,), K.TAKINGS_IN, shift_id))
    ledger_write(
        CASH,
        movements=movements,
        posting_id=posting.pk,
        business_date=business_date,
        source_type=DocumentType.SHIFT_CLOSE,
        source_id=shift_id,
        till_facts=True,
    )
    if difference:
        CashierDiscrepancy.objects.create(
            shop=shop,
            location=drawer,
            shift_id=shift_id,
            shift_label=shift_label[:48],
            cashier_name=cashier_name[:100],
            business_date=business_date,
            expected_amount=expected,
            counted_amount=counted,
            amount=difference,
            posting=posting,
        )
    return {
        "cash_in_drawer_expected": expected,
        "cash_difference": difference,
        "cash_to_desk": takings,
        "cash_left_in_drawer": counted - takings,
    }


# --- card settlements --------------------------------------------------------------------------------

ACQUIRER_FEES_CATEGORY = "Acquirer fees"


def acquirer_fee_category():
    """The expense category card settlements book their fees under (a root node, created on first use)."""
    found = ExpenseCategory.objects.filter(depth=1, name=ACQUIRER_FEES_CATEGORY).first()
    return found or ExpenseCategory.add_root(name=ACQUIRER_FEES_CATEGORY)


def card_takings_of_day(*, acquirer_id: int, day: datetime.date) -> Decimal:
    """Net card takings (sales less refunds) of one acquirer on one day."""
    total = CashLedgerEntry.objects.filter(
        location_id=acquirer_id, business_date=day, kind__in=[K.CARD_SALE, K.CARD_RETURN]
    ).aggregate(s=Sum("amount", output_field=money_output()))["s"]
    return total or ZERO


def _card_settlement(
    *,
    acquirer_id: int,
    bank_id: int,
    takings_date: datetime.date,
    business_date: datetime.date,
    amount: Decimal | None = None,
    fee_amount: Decimal | None = None,
    counterparty: str = "",
    comment: str = "",
    actor=None,
    post: bool = True,
) -> CashOrder:
    acquirer = CashLocation.objects.get(pk=acquirer_id)
    if acquirer.kind != LocationKind.CARD:
        raise DomainError(_("%(location)s is not a card acquirer.") % {"location": acquirer})
    if amount is None:
        amount = card_takings_of_day(acquirer_id=acquirer.pk, day=takings_date)
        if amount <= 0:
            raise DomainError(
                _("%(acquirer)s took no card payments on %(day)s.") % {"acquirer": acquirer, "day": takings_date}
            )
    if fee_amount is None:
        fee_amount = round_money(amount * acquirer.fee_percent / 100)
    return _order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.CARD_SETTLEMENT,
        location=acquirer,
        counter_location_id=bank_id,
        amount=amount,
        fee_amount=fee_amount,
        takings_date=takings_date,
        category=acquirer_fee_category() if fee_amount else None,
        counterparty=counterparty[:200],
        comment=comment,
        business_date=business_date,
        actor=actor,
        post=post,
    )


@transaction.atomic(durable=True)
def card_settlement_create(
    *,
    acquirer_id: int,
    bank_id: int,
    takings_date: datetime.date,
    business_date: datetime.date,
    amount: Decimal | None = None,
    fee_amount: Decimal | None = None,
    actor=None,
    post: bool = True,
) -> CashOrder:
    """Settle one day's card takings of an acquirer into a bank account, less the acquirer's fee.

    `amount`: the takings settled (default: that day's net card takings); `fee_amount`: what the
    acquirer kept (default: its fee percent of the amount, rounded half up). Posting moves the
    amount less the fee from the card takings to the bank and books the fee as an expense
    (category "Acquirer fees"). Raises DomainError (no takings that day, the day settled
    already, a fee not below the amount), PeriodClosed, LedgerOverdraft.
    """
    return _card_settlement(
        acquirer_id=acquirer_id,
        bank_id=bank_id,
        takings_date=takings_date,
        business_date=business_date,
        amount=amount,
        fee_amount=fee_amount,
        actor=actor,
        post=post,
    )
