"""Writes of settlements with suppliers: debts from goods receipts, returns, payments, allocations, invoices.

Goods receipts and supplier returns post in inventory; purchasing hears of them through
`inventory.document_hooks` (registered in `PurchasingConfig.ready()`), inside the same
transaction: a receipt that cannot become a payable is not posted.

Locks, always in this order: the document (kernel), the cash balance (a cash payment), the
payables balance of (supplier, shop) (kernel's `balances_for_update`), then the open items it
touches, by id. Every allocation of a (supplier, shop) therefore runs under that one balance
lock: two payments allocated at once are served one after the other, and the second sees what
the first took. The CHECK `0 <= settled_amount <= amount` backs it in the database.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cash.choices import OrderDirection, OrderReason
from cash.services import cash_order_issue, cash_order_revoke, desk_for_shop
from inventory.choices import DocumentStatus, DocumentType
from inventory.db_guards import posting_marker
from inventory.exceptions import DomainError
from inventory.ledgers import LedgerMovement
from inventory.models import GoodsReceipt, StockLedgerEntry, Supplier, SupplierReturn
from inventory.money import round_money
from inventory.services.kernel import balances_for_update, document_cancel, document_post, ledger_reverse, ledger_write

from ..ledger import PAYABLES
from ..models import (
    Payable,
    PayableAllocation,
    PayableKind,
    PayableSide,
    PayablesOpening,
    PaymentMethod,
    SupplierInvoice,
    SupplierPayment,
)

ZERO = Decimal("0.00")
MAX_MANUAL_ALLOCATIONS = 500


# --- pure rules -------------------------------------------------------------------------------------


def receipt_total(lines) -> Decimal:
    """A goods receipt's total: each line's quantity x price rounded to the cent, summed (as the stock cost)."""
    return sum((round_money(line.quantity * line.price_amount) for line in lines), ZERO)


def due_date(*, business_date: datetime.date, deferral_days: int) -> datetime.date:
    return business_date + datetime.timedelta(days=deferral_days)


@dataclass(frozen=True)
class OpenItem:
    pk: int
    open_amount: Decimal


def plan_allocations(*, debts: Iterable[OpenItem], credits: Iterable[OpenItem]) -> list[tuple[int, int, Decimal]]:
    """Pure: (debt id, credit id, amount) settling debts in the order given (oldest due first) with credits in
    the order given (oldest first). Never more than either side's open amount."""
    plan = []
    credits = [[c.pk, c.open_amount] for c in credits if c.open_amount > 0]
    index = 0
    for debt in debts:
        need = debt.open_amount
        while need > 0 and index < len(credits):
            credit = credits[index]
            take = min(need, credit[1])
            plan.append((debt.pk, credit[0], take))
            need -= take
            credit[1] -= take
            if credit[1] == 0:
                index += 1
    return plan


# --- open items and allocations (inside a posting's transaction) -------------------------------------


def _marked(function):
    """Run under the posting marker: open items and allocations are guarded rows (changed only by postings).

    Set once per entry point (each use costs a savepoint), never around the helpers below."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with posting_marker():
            return function(*args, **kwargs)

    return wrapper


def _lock_key(supplier_id: int, shop_id: int) -> None:
    """The payables balance row of (supplier, shop), locked: every allocation of the pair runs under it."""
    balances_for_update(PAYABLES, [(supplier_id, shop_id)])


def _open_items(*, supplier_id: int, shop_id: int, side: str, ids=None) -> list[Payable]:
    """Open items of one side, locked (by id), in settling order: debts by due date, credits by date."""
    queryset = Payable.objects.filter(
        supplier_id=supplier_id, shop_id=shop_id, side=side, is_cancelled=False, settled_amount__lt=F("amount")
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    locked = list(queryset.select_for_update().order_by("pk"))
    if side == PayableSide.DEBT:
        return sorted(locked, key=lambda p: (p.due_date, p.business_date, p.pk))
    return sorted(locked, key=lambda p: (p.business_date, p.pk))


def _settle(item_id: int, amount: Decimal) -> None:
    """settled += amount, only while it stays within [0, amount] (the CHECK says the same)."""
    if amount > 0:
        updated = Payable.objects.filter(pk=item_id, settled_amount__lte=F("amount") - amount)
    else:
        updated = Payable.objects.filter(pk=item_id, settled_amount__gte=-amount)
    done = updated.update(settled_amount=F("settled_amount") + amount)
    if done != 1:
        raise DomainError(_("An allocation would exceed the open amount; nothing was allocated."))


def _allocate(plan, items: dict[int, Payable], *, actor, manual: bool) -> list[PayableAllocation]:
    rows = []
    for debt_id, credit_id, amount in plan:
        debt, credit = items[debt_id], items[credit_id]
        _settle(debt_id, amount)
        _settle(credit_id, amount)
        rows.append(
            PayableAllocation(
                debt_id=debt_id,
                credit_id=credit_id,
                amount=amount,
                business_date=max(debt.business_date, credit.business_date),
                is_manual=manual,
                created_by=actor,
            )
        )
    return PayableAllocation.objects.bulk_create(rows)


def _allocate_fifo(*, supplier_id: int, shop_id: int, debt_ids=None, credit_ids=None, debts=None, actor) -> list:
    """Settle open debts (oldest due first) with open credits (oldest first) of one pair; the key is locked.
    `debts`: items the caller just created (nobody else can see them: no lock query)."""
    if debts is None:
        debts = _open_items(supplier_id=supplier_id, shop_id=shop_id, side=PayableSide.DEBT, ids=debt_ids)
    credits = _open_items(supplier_id=supplier_id, shop_id=shop_id, side=PayableSide.CREDIT, ids=credit_ids)
    plan = plan_allocations(
        debts=[OpenItem(d.pk, d.open_amount) for d in debts],
        credits=[OpenItem(c.pk, c.open_amount) for c in credits],
    )
    return _allocate(plan, {p.pk: p for p in (*debts, *credits)}, actor=actor, manual=False)


def _allocate_by_hand(*, credit: Payable, allocations: list[tuple[int, Decimal]], actor) -> list:
    """The bookkeeper's choice: (debt id, amount) pairs, each within the debt's and the credit's open amount."""
    if len(allocations) > MAX_MANUAL_ALLOCATIONS:
        raise DomainError(_("At most %(n)d debts at once.") % {"n": MAX_MANUAL_ALLOCATIONS})
    wanted: dict[int, Decimal] = {}
    for debt_id, amount in allocations:
        amount = round_money(amount)
        if amount <= 0:
            raise DomainError(_("An allocated amount must be positive."))
        wanted[int(debt_id)] = wanted.get(int(debt_id), ZERO) + amount
    debts = {
        d.pk: d
        for d in _open_items(
            supplier_id=credit.supplier_id, shop_id=credit.shop_id, side=PayableSide.DEBT, ids=list(wanted)
        )
    }
    missing = sorted(set(wanted) - set(debts))
    if missing:
        raise DomainError(_("Not open debts of this supplier and shop: %(ids)s.") % {"ids": missing})
    for debt_id, amount in sorted(wanted.items()):
        if amount > debts[debt_id].open_amount:
            raise DomainError(
                _("%(doc)s has %(open)s open, %(amount)s allocated.")
                % {"doc": debts[debt_id].document_number, "open": debts[debt_id].open_amount, "amount": amount}
            )
    if sum(wanted.values()) > credit.open_amount:
        raise DomainError(
            _("%(doc)s has %(open)s left to allocate, %(amount)s asked.")
            % {"doc": credit.document_number, "open": credit.open_amount, "amount": sum(wanted.values())}
        )
    plan = [(debt_id, credit.pk, amount) for debt_id, amount in sorted(wanted.items())]
    return _allocate(plan, {**debts, credit.pk: credit}, actor=actor, manual=True)


def _release(item: Payable) -> None:
    """Release every active allocation of an item (its document is cancelled): both sides reopen."""
    field = "debt" if item.side == PayableSide.DEBT else "credit"
    allocations = list(
        PayableAllocation.objects.filter(**{field: item}, released_at__isnull=True).select_for_update().order_by("pk")
    )
    other_ids = sorted({a.credit_id if field == "debt" else a.debt_id for a in allocations})
    list(Payable.objects.filter(pk__in=[item.pk, *other_ids]).select_for_update().order_by("pk"))
    for allocation in allocations:
        _settle(allocation.debt_id, -allocation.amount)
        _settle(allocation.credit_id, -allocation.amount)
    if allocations:
        PayableAllocation.objects.filter(pk__in=[a.pk for a in allocations]).update(released_at=timezone.now())


def _item_create(
    *, document, side: str, kind: str, amount: Decimal, posting, due: datetime.date, line=None, number: str = ""
) -> Payable:
    """The open item of a document (or of one line of an opening-balances document: `line`)."""
    party = line or document
    return Payable.objects.create(
        supplier_id=party.supplier_id,
        shop_id=party.shop_id,
        side=side,
        kind=kind,
        source_type=document.DOCUMENT_TYPE,
        source_id=document.pk,
        source_line_id=line.pk if line is not None else 0,
        document_number=(number or document.number)[:32],
        business_date=document.business_date,
        due_date=due,
        amount=amount,
        posting=posting,
    )


def _item_cancel(document) -> None:
    """Cancel the open items of a document (every line's, for an opening-balances document)."""
    for item in Payable.objects.filter(source_type=document.DOCUMENT_TYPE, source_id=document.pk).order_by("pk"):
        _release(item)
        Payable.objects.filter(pk=item.pk).update(is_cancelled=True)


def _ledger(document, *, amount: Decimal, kind: str, posting) -> None:
    ledger_write(
        PAYABLES,
        movements=[LedgerMovement((document.supplier_id, document.shop_id), (amount,), kind, document.pk)],
        posting_id=posting.pk,
        business_date=document.business_date,
        source_type=document.DOCUMENT_TYPE,
        source_id=document.pk,
    )


def _reverse(document, posting) -> None:
    ledger_reverse(PAYABLES, source_type=document.DOCUMENT_TYPE, source_id=document.pk, posting_id=posting.pk)


# --- hooks: goods receipts and supplier returns (inventory's posting transaction) --------------------


@_marked
def goods_receipt_posted(document: GoodsReceipt, lines, posting) -> None:
    """A posted receipt is a debt due on its date plus the supplier's deferral; open advances settle it at once;
    a supplier invoice waiting for it is matched. A receipt of free goods (total zero) owes nothing."""
    total = receipt_total(lines)
    if total <= 0:
        return
    supplier = Supplier.objects.only("payment_terms_days").get(pk=document.supplier_id)
    _ledger(document, amount=total, kind=PayableKind.RECEIPT, posting=posting)
    debt = _item_create(
        document=document,
        side=PayableSide.DEBT,
        kind=PayableKind.RECEIPT,
        amount=total,
        posting=posting,
        due=due_date(business_date=document.business_date, deferral_days=supplier.payment_terms_days),
    )
    _allocate_fifo(supplier_id=document.supplier_id, shop_id=document.shop_id, debts=[debt], actor=None)
    _invoice_match_waiting(document, total)


@_marked
def goods_receipt_cancelled(document: GoodsReceipt, posting) -> None:
    """The debt is reversed; what paid it is released and becomes an advance again (the next receipt takes it)."""
    _reverse(document, posting)
    _item_cancel(document)
    SupplierInvoice.objects.filter(goods_receipt=document).update(
        goods_receipt=None, receipt_amount=None, difference_amount=None
    )


def supplier_return_total(document: SupplierReturn, lines) -> Decimal:
    """What a return takes off the debt: each line at its return price, or at the cost it left stock with."""
    costs = dict(
        StockLedgerEntry.objects.filter(
            source_type=DocumentType.SUPPLIER_RETURN, source_id=document.pk, reversal_of__isnull=True
        )
        .values("source_line_id")
        .annotate(cost=Sum("cost_amount"))
        .values_list("source_line_id", "cost")
    )
    total = ZERO
    for line in lines:
        if line.price_amount:
            total += round_money(line.quantity * line.price_amount)
        else:
            total += round_money(-(costs.get(line.pk) or 0))
    return total


@_marked
def supplier_return_posted(document: SupplierReturn, lines, posting) -> None:
    """A return reduces what we owe: a credit settling the oldest open debts first (the rest an advance)."""
    total = supplier_return_total(document, lines)
    if total <= 0:
        return
    _ledger(document, amount=-total, kind=PayableKind.SUPPLIER_RETURN, posting=posting)
    credit = _item_create(
        document=document,
        side=PayableSide.CREDIT,
        kind=PayableKind.SUPPLIER_RETURN,
        amount=total,
        posting=posting,
        due=document.business_date,
    )
    _allocate_fifo(supplier_id=document.supplier_id, shop_id=document.shop_id, credit_ids=[credit.pk], actor=None)


@_marked
def supplier_return_cancelled(document: SupplierReturn, posting) -> None:
    _reverse(document, posting)
    _item_cancel(document)


# --- payments ----------------------------------------------------------------------------------------


def _payment_writer(allocations, actor):
    @_marked
    def write(payment: SupplierPayment, _lines, posting) -> None:
        if payment.method == PaymentMethod.CASH or payment.bank_location_id:
            location = desk_for_shop(payment.shop) if payment.method == PaymentMethod.CASH else payment.bank_location
            order = cash_order_issue(
                actor=actor,
                direction=OrderDirection.OUT,
                reason=OrderReason.SUPPLIER_PAYMENT,
                location=location,
                counterparty=payment.supplier.name[:200],
                amount=payment.amount,
                business_date=payment.business_date,
                comment=_("Supplier payment %(doc)s") % {"doc": payment.number},
            )
            payment.cash_order = order
            payment.save(update_fields=["cash_order"])
        _ledger(payment, amount=-payment.amount, kind=PayableKind.PAYMENT, posting=posting)
        credit = _item_create(
            document=payment,
            side=PayableSide.CREDIT,
            kind=PayableKind.PAYMENT,
            amount=payment.amount,
            posting=posting,
            due=payment.business_date,
        )
        if allocations is None:
            _allocate_fifo(
                supplier_id=payment.supplier_id, shop_id=payment.shop_id, credit_ids=[credit.pk], actor=actor
            )
        elif allocations:
            _allocate_by_hand(credit=credit, allocations=allocations, actor=actor)

    return write


def _payment_validate(payment: SupplierPayment) -> None:
    if payment.amount is None or payment.amount <= 0:
        raise DomainError(_("A payment amount must be positive."))
    if payment.method == PaymentMethod.CASH and payment.bank_location_id:
        raise DomainError(_("A cash payment leaves the shop's cash desk: name no bank account."))
    if payment.bank_location_id and payment.bank_location.kind != "bank":
        raise DomainError(_("Choose a bank account."))


@transaction.atomic(durable=True)
def supplier_payment_post(
    *, document_id: int, actor, allocations: list[tuple[int, Decimal]] | None = None
) -> SupplierPayment:
    """Post a payment: the money leaves the cash desk (or bank account), the payable falls, and the payment is
    allocated to the oldest open debts first; or, with `allocations` [(debt payable id, amount)], to those
    (an empty list: none, all of it an advance). What is not allocated is an advance the next receipt takes.

    One transaction. Raises DocumentNotDraft, PeriodClosed, LedgerOverdraft (the cash desk does not hold the
    amount), DomainError (an allocation over a debt's or the payment's open amount); nothing is written then.
    """
    payment = SupplierPayment.objects.select_related("bank_location").get(pk=document_id)
    _payment_validate(payment)
    return document_post(
        model=SupplierPayment,
        document_id=document_id,
        actor=actor,
        write=_payment_writer(allocations, actor),
        require_lines=False,
    )


@transaction.atomic(durable=True)
def supplier_payment_create(*, actor=None, post: bool = False, allocations=None, **fields) -> SupplierPayment:
    """Create a draft payment; with `post`, post it in the same transaction (see `supplier_payment_post`)."""
    payment = SupplierPayment(created_by=actor, **fields)
    payment.amount = round_money(payment.amount)
    _payment_validate(payment)
    payment.save()
    if post:
        document_post(
            model=SupplierPayment,
            document_id=payment.pk,
            actor=actor,
            write=_payment_writer(allocations, actor),
            require_lines=False,
        )
        payment.refresh_from_db()
    return payment


def _payment_reverse(actor):
    @_marked
    def reverse(payment: SupplierPayment, posting) -> None:
        if payment.cash_order_id:
            cash_order_revoke(document_id=payment.cash_order_id, actor=actor)
        _reverse(payment, posting)
        _item_cancel(payment)

    return reverse


@transaction.atomic(durable=True)
def supplier_payment_cancel(*, document_id: int, actor) -> SupplierPayment:
    """Cancel a posted payment: its cash order is cancelled (the money is back), the payable grows again and the
    debts it settled reopen. Raises DocumentNotPosted, PeriodClosed."""
    return document_cancel(model=SupplierPayment, document_id=document_id, actor=actor, reverse=_payment_reverse(actor))


@transaction.atomic(durable=True)
@_marked
def payable_allocate(*, credit_id: int, actor, allocations: list[tuple[int, Decimal]] | None = None) -> list:
    """Allocate what is left of a payment or return: to the oldest open debts (no `allocations`), or by hand.

    Under the (supplier, shop) payables lock and the items' locks; two allocations at once are served
    one after the other. Raises DomainError when a debt or the credit has less open than asked.
    """
    head = Payable.objects.filter(pk=credit_id, side=PayableSide.CREDIT).values("supplier_id", "shop_id").first()
    if head is None:
        raise DomainError(_("No such payment or return."))
    _lock_key(head["supplier_id"], head["shop_id"])
    credit = Payable.objects.select_for_update().get(pk=credit_id)
    if credit.is_cancelled:
        raise DomainError(_("%(doc)s is cancelled.") % {"doc": credit.document_number})
    if allocations is None:
        return _allocate_fifo(
            supplier_id=credit.supplier_id, shop_id=credit.shop_id, credit_ids=[credit.pk], actor=actor
        )
    return _allocate_by_hand(credit=credit, allocations=allocations, actor=actor)


@transaction.atomic(durable=True)
@_marked
def payable_allocation_release(*, allocation_id: int, actor) -> PayableAllocation:
    """Undo one allocation by hand (the bookkeeper chose wrong): both items reopen by its amount."""
    allocation = PayableAllocation.objects.select_related("debt").get(pk=allocation_id)
    _lock_key(allocation.debt.supplier_id, allocation.debt.shop_id)
    allocation = PayableAllocation.objects.select_for_update().get(pk=allocation_id)
    if allocation.released_at is not None:
        raise DomainError(_("This allocation is already released."))
    list(Payable.objects.filter(pk__in=[allocation.debt_id, allocation.credit_id]).select_for_update().order_by("pk"))
    _settle(allocation.debt_id, -allocation.amount)
    _settle(allocation.credit_id, -allocation.amount)
    PayableAllocation.objects.filter(pk=allocation.pk).update(released_at=timezone.now())
    allocation.refresh_from_db()
    return allocation


# --- supplier invoices -------------------------------------------------------------------------------


def _invoice_set_receipt(invoice: SupplierInvoice, receipt: GoodsReceipt | None, total: Decimal | None) -> None:
    invoice.goods_receipt = receipt
    invoice.receipt_amount = total
    invoice.difference_amount = None if total is None else invoice.amount - total


def _receipt_total_posted(receipt: GoodsReceipt) -> Decimal:
    return receipt_total(receipt.lines.all())


def _invoice_match_waiting(receipt: GoodsReceipt, total: Decimal) -> None:
    """A receipt just posted takes the unmatched invoice of its supplier bearing its invoice number."""
    if not receipt.supplier_invoice_number:
        return
    invoices = SupplierInvoice.objects.filter(
        supplier_id=receipt.supplier_id, number=receipt.supplier_invoice_number, goods_receipt__isnull=True
    )
    if receipt.supplier_invoice_date:
        invoices = invoices.filter(invoice_date=receipt.supplier_invoice_date)
    invoice = invoices.order_by("pk").first()
    if invoice is not None:
        _invoice_set_receipt(invoice, receipt, total)
        invoice.save(update_fields=["goods_receipt", "receipt_amount", "difference_amount"])


def _receipt_for_invoice(invoice: SupplierInvoice) -> GoodsReceipt | None:
    receipts = GoodsReceipt.objects.filter(
        supplier_id=invoice.supplier_id,
        shop_id=invoice.shop_id,
        status=DocumentStatus.POSTED,
        supplier_invoice_number=invoice.number,
        supplier_invoice__isnull=True,
    ).order_by("business_date", "pk")
    dated = receipts.filter(supplier_invoice_date=invoice.invoice_date).first()
    return dated or receipts.filter(supplier_invoice_date__isnull=True).first()


@transaction.atomic(durable=True)
def supplier_invoice_record(
    *, supplier_id: int, shop_id: int, number: str, invoice_date, amount, vat_amount=ZERO, goods_receipt_id=None
) -> SupplierInvoice:
    """Record a supplier's invoice and match it to its goods receipt (the one named, or the posted receipt of
    that supplier and shop carrying its number). A receipt total different from the invoice is flagged
    (`difference_amount`). Raises DomainError for a receipt of another supplier or shop, or not posted."""
    number = (number or "").strip()
    if not number:
        raise DomainError(_("An invoice needs its number."))
    invoice = SupplierInvoice(
        supplier_id=supplier_id,
        shop_id=shop_id,
        number=number[:64],
        invoice_date=invoice_date,
        amount=round_money(amount),
        vat_amount=round_money(vat_amount),
    )
    if invoice.amount <= 0 or invoice.vat_amount < 0 or invoice.vat_amount > invoice.amount:
        raise DomainError(_("An invoice amount is positive and its VAT within it."))
    if goods_receipt_id is not None:
        receipt = GoodsReceipt.objects.filter(pk=goods_receipt_id).first()
        if (
            receipt is None
            or receipt.supplier_id != supplier_id
            or receipt.shop_id != shop_id
            or receipt.status != DocumentStatus.POSTED
        ):
            raise DomainError(_("The goods receipt must be posted, of the same supplier and shop."))
    else:
        receipt = _receipt_for_invoice(invoice)
    if receipt is not None:
        _invoice_set_receipt(invoice, receipt, _receipt_total_posted(receipt))
    invoice.save()
    return invoice


# --- opening payables (go-live) ----------------------------------------------------------------------


@_marked
def _opening_write(document: PayablesOpening, lines, posting) -> None:
    movements = [
        LedgerMovement((line.supplier_id, line.shop_id), (line.amount,), PayableKind.OPENING, line.pk) for line in lines
    ]
    ledger_write(
        PAYABLES,
        movements=movements,
        posting_id=posting.pk,
        business_date=document.business_date,
        source_type=document.DOCUMENT_TYPE,
        source_id=document.pk,
    )
    pairs = set()
    for line in lines:
        debt = line.amount > 0
        _item_create(
            document=document,
            line=line,
            side=PayableSide.DEBT if debt else PayableSide.CREDIT,
            kind=PayableKind.OPENING,
            amount=abs(line.amount),
            posting=posting,
            due=(line.due_date or document.business_date) if debt else document.business_date,
            number=line.document_number,
        )
        pairs.add((line.supplier_id, line.shop_id))
    for supplier_id, shop_id in sorted(pairs):
        _allocate_fifo(supplier_id=supplier_id, shop_id=shop_id, actor=None)


@_marked
def _opening_reverse(document: PayablesOpening, posting) -> None:
    _reverse(document, posting)
    _item_cancel(document)


@transaction.atomic(durable=True)
def payables_opening_post(*, document_id: int, actor) -> PayablesOpening:
    """Post go-live balances: each line a debt due on its date (or an advance) of its supplier and shop; debts
    and advances of one pair settle each other oldest first. Raises DocumentNotDraft, PeriodClosed (any line's
    shop), DocumentEmpty."""
    return document_post(model=PayablesOpening, document_id=document_id, actor=actor, write=_opening_write)


@transaction.atomic(durable=True)
def payables_opening_cancel(*, document_id: int, actor) -> PayablesOpening:
    """Reverse go-live balances; what paid them becomes an advance again. Raises DocumentNotPosted, PeriodClosed."""
    return document_cancel(model=PayablesOpening, document_id=document_id, actor=actor, reverse=_opening_reverse)
