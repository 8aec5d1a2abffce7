"""A till's money: receipts post to the drawer and card takings in their own transaction (single and batch),
the opening float is booked from the cash desk, and a shift's close moves the takings and posts the shortage."""

from decimal import Decimal

import pytest

from cash.choices import CashMovementKind, LocationKind, OrderDirection, OrderReason
from cash.models import CashierDiscrepancy, CashLedgerEntry, CashLocation
from cash.services import build_receipt_movements, cash_order_create, desk_for_shop
from inventory.choices import DocumentType
from sales.models import Receipt, Shift
from tests.sales.conftest import sales_receipt_body as receipt_body

from .conftest import DAY, balance

D = Decimal
K = CashMovementKind
UPLOAD = "/api/v1/till/receipts/"
BATCH = "/api/v1/till/receipts/batch/"
pytestmark = pytest.mark.usefixtures("cash_balanced")


def drawer_of(world):
    return CashLocation.objects.get(till_id=world["till"].pk)


def card_takings():
    return CashLocation.objects.get(kind=LocationKind.CARD, is_default=True)


def milk(quantity="1", **extra):
    amount = D("450.00") * D(quantity)
    return {"barcode": "5901234123457", "quantity": quantity, "price": "450.00", "amount": str(amount), **extra}


def sale(sequence, payments, quantity="1"):
    return receipt_body(
        sequence=sequence,
        lines=[milk(quantity)],
        payments=[{"type": t, "amount": a} for t, a in payments],
    )


def receipt_rows(receipt_id):
    return sorted(
        CashLedgerEntry.objects.filter(source_type=DocumentType.RECEIPT, source_id=receipt_id).values_list(
            "location__kind", "amount", "kind"
        )
    )


def test_the_opening_float_with_an_empty_desk_is_booked_as_not_in_the_books(till_world):
    drawer = drawer_of(till_world)
    assert balance(drawer) == D("5000.00")
    (row,) = CashLedgerEntry.objects.filter(source_type=DocumentType.SHIFT_OPEN).values_list("amount", "kind")
    assert row == (D("5000.00"), K.FLOAT_UNBOOKED)


def test_a_single_cash_sale_posts_to_the_drawer_in_its_own_transaction(till_world):
    client = till_world["client"]
    response = client.post(UPLOAD, sale(1, [("cash", "900.00")], quantity="2"), format="json")
    assert response.status_code == 201, response.json()
    receipt = Receipt.objects.get()
    assert receipt_rows(receipt.pk) == [(LocationKind.DRAWER, D("900.00"), K.SALE)]
    entry = CashLedgerEntry.objects.get(source_id=receipt.pk, source_type=DocumentType.RECEIPT)
    assert entry.posting.document_id == receipt.pk and entry.business_date == receipt.business_date
    assert balance(drawer_of(till_world)) == D("5900.00")


def test_a_batch_posts_cash_to_the_drawer_and_cards_to_card_takings(till_world):
    client = till_world["client"]
    bodies = [
        sale(1, [("cash", "450.00")]),
        sale(2, [("card", "450.00")]),
        sale(3, [("cash", "100.00"), ("card", "350.00")]),
    ]
    results = client.post(BATCH, {"receipts": bodies}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["created"] * 3
    ids = [Receipt.objects.get(sequence=n).pk for n in (1, 2, 3)]
    assert receipt_rows(ids[0]) == [(LocationKind.DRAWER, D("450.00"), K.SALE)]
    assert receipt_rows(ids[1]) == [(LocationKind.CARD, D("450.00"), K.CARD_SALE)]
    assert receipt_rows(ids[2]) == [
        (LocationKind.CARD, D("350.00"), K.CARD_SALE),
        (LocationKind.DRAWER, D("100.00"), K.SALE),
    ]
    assert (balance(drawer_of(till_world)), balance(card_takings())) == (D("5550.00"), D("800.00"))


def test_a_cash_refund_takes_cash_out_of_the_drawer_and_a_card_refund_may_take_card_takings_below_zero(till_world):
    client = till_world["client"]
    original = sale(1, [("cash", "900.00")], quantity="2")
    client.post(UPLOAD, original, format="json")
    refunds = [
        receipt_body(
            sequence=n,
            kind="return",
            original_uuid=original["uuid"],
            lines=[milk(original_line_no=1)],
            payments=[{"type": kind, "amount": "450.00"}],
        )
        for n, kind in ((2, "cash"), (3, "card"))
    ]
    results = client.post(BATCH, {"receipts": refunds}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    cash_refund = Receipt.objects.get(sequence=2)
    assert receipt_rows(cash_refund.pk) == [(LocationKind.DRAWER, D("-450.00"), K.SALE_RETURN)]
    assert balance(drawer_of(till_world)) == D("5450.00")
    assert balance(card_takings()) == D("-450.00")  # a refund that happened is a fact


def test_a_till_names_its_acquirer_on_its_drawer(till_world):
    client = till_world["client"]
    acquirer = CashLocation.objects.create(kind=LocationKind.CARD, code="HALYK", name="Halyk card takings")
    CashLocation.objects.filter(till_id=till_world["till"].pk).update(acquirer=acquirer)
    client.post(UPLOAD, sale(1, [("card", "450.00")]), format="json")
    assert balance(acquirer) == D("450.00")
    assert not CashLocation.objects.filter(kind=LocationKind.CARD, is_default=True).exists()


def test_a_shift_close_moves_the_takings_to_the_desk_and_posts_the_cashiers_shortage(till_world):
    client = till_world["client"]
    drawer = drawer_of(till_world)
    CashLocation.objects.filter(pk=drawer.pk).update(change_fund_amount=D("1000.00"))
    client.post(BATCH, {"receipts": [sale(1, [("cash", "900.00")], "2"), sale(2, [("card", "450.00")])]}, format="json")
    shift = Shift.objects.get()
    # 5000 float + 900 cash = 5900 expected in the drawer; 5850 counted: 50 short.
    response = client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5850.00"}, format="json")
    assert response.status_code == 200, response.json()
    report = response.json()["z_report"]
    assert (D(report["cash_difference"]), D(report["cash_to_desk"]), D(report["cash_left_in_drawer"])) == (
        D("-50.00"),
        D("4850.00"),
        D("1000.00"),
    )
    desk = desk_for_shop(till_world["shop"])
    assert (balance(drawer), balance(desk)) == (D("1000.00"), D("4850.00"))
    rows = sorted(
        CashLedgerEntry.objects.filter(source_type=DocumentType.SHIFT_CLOSE, source_id=shift.pk).values_list(
            "location__kind", "amount", "kind"
        )
    )
    assert rows == [
        (LocationKind.DESK, D("4850.00"), K.TAKINGS_IN),
        (LocationKind.DRAWER, D("-4850.00"), K.TAKINGS_OUT),
        (LocationKind.DRAWER, D("-50.00"), K.SHORTAGE),
    ]
    gap = CashierDiscrepancy.objects.get()
    assert (gap.shift_id, gap.cashier_name, gap.expected_amount, gap.counted_amount, gap.amount) == (
        shift.pk,
        "Aigerim",
        D("5900.00"),
        D("5850.00"),
        D("-50.00"),
    )
    assert gap.shift_label == "T7-1 #1" and gap.business_date == DAY


def test_the_next_shift_takes_its_float_from_the_desk_and_a_surplus_is_the_cashiers(till_world):
    client = till_world["client"]
    shift = Shift.objects.get()
    client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5000.00"}, format="json")
    desk = desk_for_shop(till_world["shop"])
    drawer = drawer_of(till_world)
    assert (balance(drawer), balance(desk)) == (D("0.00"), D("5000.00"))
    opened = client.post("/api/v1/till/shifts/", {"opening_float": "3000.00", "cashier": "Dana"}, format="json")
    assert opened.status_code == 201, opened.json()
    assert (balance(drawer), balance(desk)) == (D("3000.00"), D("2000.00"))
    second = Shift.objects.get(closed_at__isnull=True)
    assert second.cashier_name == "Dana"
    client.post(f"/api/v1/till/shifts/{second.pk}/close/", {"counted_cash": "3010.00"}, format="json")
    assert (balance(drawer), balance(desk)) == (D("0.00"), D("5010.00"))
    gap = CashierDiscrepancy.objects.get(shift_id=second.pk)
    assert (gap.cashier_name, gap.amount) == ("Dana", D("10.00"))


def test_a_float_above_what_the_desk_holds_is_partly_unbooked(till_world):
    client = till_world["client"]
    shift = Shift.objects.get()
    client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "0"}, format="json")
    desk = desk_for_shop(till_world["shop"])
    cash_order_create(
        direction=OrderDirection.IN,
        reason=OrderReason.OTHER,
        location=desk,
        amount=D("700"),
        business_date=DAY,
        post=True,
    )
    client.post("/api/v1/till/shifts/", {"opening_float": "1000.00"}, format="json")
    assert (balance(drawer_of(till_world)), balance(desk)) == (D("1000.00"), D("0.00"))
    second = Shift.objects.get(closed_at__isnull=True)
    kinds = dict(
        CashLedgerEntry.objects.filter(
            source_type=DocumentType.SHIFT_OPEN, source_id=second.pk, location__kind="drawer"
        ).values_list("kind", "amount")
    )
    assert kinds == {K.FLOAT_IN: D("700.00"), K.FLOAT_UNBOOKED: D("300.00")}


def test_build_receipt_movements_sums_each_payment_type_per_receipt():
    day = DAY
    by_date = build_receipt_movements(
        drawer_id=1,
        card_id=2,
        receipts=[
            (10, 100, day, False, [("cash", D("5")), ("cash", D("2.50")), ("card", D("1"))]),
            (11, 101, day, True, [("cash", D("3"))]),
            (12, 102, day, False, [("points", D("9"))]),
        ],
    )
    rows = [(m.key, m.amounts, m.kind, m.line_id, m.source_id, m.posting_id) for m in by_date[day]]
    assert rows == [
        ((1,), (D("7.50"),), K.SALE, 10, 10, 100),
        ((2,), (D("1"),), K.CARD_SALE, 10, 10, 100),
        ((1,), (D("-3"),), K.SALE_RETURN, 11, 11, 101),
    ]


CASH_API = "/api/v1/till/cash/"


def test_a_till_pays_in_from_the_desk_and_out_to_a_supplier_and_the_z_report_shows_both(till_world):
    import uuid

    client = till_world["client"]
    desk = desk_for_shop(till_world["shop"])
    cash_order_create(
        direction=OrderDirection.IN,
        reason=OrderReason.OTHER,
        location=desk,
        amount=D("2000"),
        business_date=DAY,
        post=True,
    )
    pay_in = {"uuid": str(uuid.uuid4()), "direction": "in", "amount": "1500.00"}
    response = client.post(CASH_API, pay_in, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["number"].startswith("CI-TL")
    again = client.post(CASH_API, pay_in, format="json")
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    conflict = client.post(CASH_API, {**pay_in, "amount": "1.00"}, format="json")
    assert conflict.status_code == 409
    pay_out = {"uuid": str(uuid.uuid4()), "direction": "out", "amount": "300.00", "counterparty": "Water supplier"}
    assert client.post(CASH_API, pay_out, format="json").status_code == 201
    drawer = drawer_of(till_world)
    assert (balance(drawer), balance(desk)) == (D("6200.00"), D("500.00"))  # 5000 + 1500 - 300; 2000 - 1500
    shift = Shift.objects.get()
    response = client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "6200.00"}, format="json")
    report = response.json()["z_report"]
    assert (D(report["cash_paid_in"]), D(report["cash_paid_out"]), D(report["cash_expected"])) == (
        D("1500.00"),
        D("300.00"),
        D("6200.00"),
    )
    assert response.json()["differences"] == [] and not CashierDiscrepancy.objects.exists()


def test_a_pay_in_the_desk_cannot_cover_is_refused_and_a_closed_shift_records_nothing(till_world):
    import uuid

    client = till_world["client"]
    response = client.post(CASH_API, {"uuid": str(uuid.uuid4()), "direction": "in", "amount": "10.00"}, format="json")
    assert response.status_code == 400 and "Not enough cash" in str(response.json())
    shift = Shift.objects.get()
    client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5000.00"}, format="json")
    response = client.post(
        CASH_API, {"uuid": str(uuid.uuid4()), "direction": "out", "amount": "10.00", "counterparty": "x"}, format="json"
    )
    assert response.status_code == 404
    assert not CashLedgerEntry.objects.filter(source_type=DocumentType.CASH_ORDER).exists()
