"""Cash orders post and cancel through the kernel with exact amounts; the ledger stays true."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from cash.choices import CashMovementKind, LocationKind, OrderDirection, OrderReason
from cash.ledger import CASH
from cash.models import CashBalance, CashLedgerEntry, CashOrder
from cash.services import (
    build_order_movements,
    cash_order_cancel,
    cash_order_create,
    cash_order_post,
    transit_location,
)
from inventory.choices import DocumentStatus, DocumentType, PostingAction
from inventory.exceptions import DocumentNotDraft, DocumentNotPosted, DomainError, LedgerOverdraft, PeriodClosed
from inventory.ledgers import ledgers
from inventory.models import PeriodLock, Posting

from .conftest import DAY, balance, fill

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")


def test_the_cash_ledger_is_registered_with_the_kernel():
    assert CASH in ledgers()


def test_an_incoming_order_adds_and_its_cancel_takes_it_back(desk, owner):
    order = fill(desk, "1500.50", actor=owner)
    assert order.status == DocumentStatus.POSTED and order.number == "CI-07-D-2026-000001"
    assert balance(desk) == D("1500.50")
    rows = list(
        CashLedgerEntry.objects.filter(source_type=DocumentType.CASH_ORDER, source_id=order.pk).values_list(
            "location", "amount", "kind", "business_date"
        )
    )
    assert rows == [(desk.pk, D("1500.50"), CashMovementKind.ORDER_IN, DAY)]
    cash_order_cancel(document_id=order.pk, actor=owner)
    order.refresh_from_db()
    assert order.status == DocumentStatus.CANCELLED and order.cancelled_by == owner
    assert balance(desk) == D("0.00")
    assert CashLedgerEntry.objects.filter(source_id=order.pk, reversal_of__isnull=False).count() == 1
    actions = list(
        Posting.objects.filter(document_type=DocumentType.CASH_ORDER, document_id=order.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [PostingAction.POST, PostingAction.CANCEL]


def test_an_expense_takes_cash_out_of_the_desk(desk, rent, owner):
    fill(desk, "1000")
    order = cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.EXPENSE,
        category=rent,
        location=desk,
        amount=D("250.25"),
        counterparty="Landlord",
        business_date=DAY,
        actor=owner,
    )
    assert order.shop_id == desk.shop_id and order.number == "CO-07-D-2026-000001"
    cash_order_post(document_id=order.pk, actor=owner)
    assert balance(desk) == D("749.75")
    cash_order_cancel(document_id=order.pk, actor=owner)
    assert balance(desk) == D("1000.00")


def test_an_encashment_moves_cash_from_the_desk_into_transit_and_back_on_cancel(desk, owner):
    fill(desk, "900")
    transit = transit_location()
    order = cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.ENCASHMENT,
        location=desk,
        counter_location=transit,
        amount=D("600"),
        business_date=DAY,
        actor=owner,
        post=True,
    )
    assert (balance(desk), balance(transit)) == (D("300.00"), D("600.00"))
    kinds = dict(
        CashLedgerEntry.objects.filter(source_id=order.pk, source_type=DocumentType.CASH_ORDER).values_list(
            "location", "kind"
        )
    )
    assert kinds == {desk.pk: CashMovementKind.ORDER_OUT, transit.pk: CashMovementKind.ORDER_IN}
    cash_order_cancel(document_id=order.pk, actor=owner)
    assert (balance(desk), balance(transit)) == (D("900.00"), D("0.00"))


def test_a_bank_credit_moves_transit_into_the_bank(desk, bank, owner):
    fill(desk, "600")
    transit = transit_location()
    cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.ENCASHMENT,
        location=desk,
        counter_location=transit,
        amount=D("600"),
        business_date=DAY,
        post=True,
    )
    credit = cash_order_create(
        direction=OrderDirection.IN,
        reason=OrderReason.BANK_CREDIT,
        location=bank,
        counter_location=transit,
        amount=D("600"),
        business_date=DAY,
        post=True,
    )
    assert credit.shop_id is None and credit.number == "CI-BANK1-2026-000001"
    assert (balance(transit), balance(bank)) == (D("0.00"), D("600.00"))


def test_an_outgoing_order_beyond_the_balance_is_refused_and_writes_nothing(desk, owner):
    fill(desk, "100")
    order = cash_order_create(
        direction=OrderDirection.OUT, reason=OrderReason.OTHER, location=desk, amount=D("100.01"), business_date=DAY
    )
    before = (CashLedgerEntry.objects.count(), Posting.objects.count())
    with pytest.raises(LedgerOverdraft) as refused:
        cash_order_post(document_id=order.pk, actor=owner)
    assert "Cash desk 07 holds 100.00, 100.01 needed" in refused.value.message
    assert (CashLedgerEntry.objects.count(), Posting.objects.count()) == before
    order.refresh_from_db()
    assert order.status == DocumentStatus.DRAFT and balance(desk) == D("100.00")


def test_cancelling_an_incoming_order_whose_cash_is_spent_is_refused(desk, owner):
    order = fill(desk, "100")
    cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.OTHER,
        location=desk,
        amount=D("60"),
        business_date=DAY,
        post=True,
    )
    with pytest.raises(LedgerOverdraft):
        cash_order_cancel(document_id=order.pk, actor=owner)
    assert balance(desk) == D("40.00")


def test_post_twice_and_cancel_a_draft_are_refused(desk, owner):
    order = fill(desk, "10")
    with pytest.raises(DocumentNotDraft):
        cash_order_post(document_id=order.pk, actor=owner)
    draft = cash_order_create(
        direction=OrderDirection.IN, reason=OrderReason.OTHER, location=desk, amount=D("5"), business_date=DAY
    )
    with pytest.raises(DocumentNotPosted):
        cash_order_cancel(document_id=draft.pk, actor=owner)
    assert balance(desk) == D("10.00")


def test_a_closed_period_refuses_posting_and_cancelling(desk, owner):
    order = fill(desk, "10", day=DAY - datetime.timedelta(days=5))
    draft = cash_order_create(
        direction=OrderDirection.IN,
        reason=OrderReason.OTHER,
        location=desk,
        amount=D("5"),
        business_date=DAY - datetime.timedelta(days=5),
    )
    PeriodLock.objects.create(shop=desk.shop, lock_date=DAY - datetime.timedelta(days=1))
    with pytest.raises(PeriodClosed):
        cash_order_post(document_id=draft.pk, actor=owner)
    with pytest.raises(PeriodClosed):
        cash_order_cancel(document_id=order.pk, actor=owner)
    assert balance(desk) == D("10.00")


def test_orders_are_numbered_per_direction_location_and_year(desk, bank):
    day_next_year = datetime.date(2027, 1, 2)
    a = fill(desk, "1")
    b = fill(desk, "1")
    c = fill(bank, "1")
    d = cash_order_create(
        direction=OrderDirection.IN, reason=OrderReason.OTHER, location=desk, amount=D("1"), business_date=day_next_year
    )
    assert [a.number, b.number, c.number, d.number] == [
        "CI-07-D-2026-000001",
        "CI-07-D-2026-000002",
        "CI-BANK1-2026-000001",
        "CI-07-D-2027-000001",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": OrderReason.EXPENSE, "direction": OrderDirection.OUT}, "expense category"),
        ({"reason": OrderReason.EXPENSE, "direction": OrderDirection.IN, "with_category": True}, "outgoing"),
        ({"reason": OrderReason.ENCASHMENT, "direction": OrderDirection.OUT}, "name the other"),
    ],
)
def test_invalid_orders_are_refused_with_a_reason(desk, rent, fields, message):
    fields = dict(fields)
    if fields.pop("with_category", False):
        fields["category"] = rent
    with pytest.raises(DomainError) as refused:
        cash_order_create(location=desk, amount=D("1"), business_date=DAY, **fields)
    assert message in refused.value.message
    assert not CashOrder.objects.exists()


def test_a_location_cannot_pay_itself(desk):
    with pytest.raises(DomainError):
        cash_order_create(
            direction=OrderDirection.OUT,
            reason=OrderReason.CHANGE_FUND,
            location=desk,
            counter_location=desk,
            amount=D("1"),
            business_date=DAY,
        )


def test_build_order_movements_is_pure():
    order = CashOrder(pk=5, direction=OrderDirection.OUT, location_id=1, counter_location_id=2, amount=D("7.50"))
    moves = build_order_movements(order)
    assert [(m.key, m.amounts, m.kind, m.line_id) for m in moves] == [
        ((1,), (D("-7.50"),), CashMovementKind.ORDER_OUT, 5),
        ((2,), (D("7.50"),), CashMovementKind.ORDER_IN, 5),
    ]


def test_the_database_refuses_a_negative_balance_and_changes_to_posted_rows(desk):
    order = fill(desk, "10")
    with pytest.raises(IntegrityError), transaction.atomic():
        CashBalance.objects.filter(location=desk).update(amount=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        CashLedgerEntry.objects.filter(location=desk).update(amount=D("99"))
    with pytest.raises(IntegrityError), transaction.atomic():
        CashLedgerEntry.objects.filter(location=desk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        CashOrder.objects.filter(pk=order.pk).update(amount=D("99"))
    with pytest.raises(IntegrityError), transaction.atomic():
        CashOrder.objects.filter(pk=order.pk).update(status=DocumentStatus.CANCELLED)
    with pytest.raises(IntegrityError), transaction.atomic():
        CashOrder.objects.filter(pk=order.pk).delete()
    assert balance(desk) == D("10.00")


def test_a_draft_can_be_edited_and_deleted(desk):
    draft = cash_order_create(
        direction=OrderDirection.IN, reason=OrderReason.OTHER, location=desk, amount=D("5"), business_date=DAY
    )
    CashOrder.objects.filter(pk=draft.pk).update(amount=D("6"))
    CashOrder.objects.filter(pk=draft.pk).delete()
    assert not CashOrder.objects.exists()


def test_only_card_takings_can_be_the_default_acquirer_and_shops_own_drawers(shop):
    from cash.models import CashLocation

    with pytest.raises(IntegrityError), transaction.atomic():
        CashLocation.objects.create(kind=LocationKind.DESK, code="X-D", name="No shop")
    assert connection.vendor in ("sqlite", "postgresql")


def test_every_cash_table_that_holds_posted_data_has_its_triggers(db):
    from cash.models import CashierDiscrepancy

    tables = [CashOrder, CashLedgerEntry, CashierDiscrepancy]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        guarded = {row[0] for row in cursor.fetchall()}
    assert [m._meta.db_table for m in tables if m._meta.db_table not in guarded] == []
