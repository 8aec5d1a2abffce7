"""Points inside the sale: earned and paid with the receipt, on the single and the batch path, and returns."""

import datetime
from decimal import Decimal

from loyalty.models import AccountPurchase, PointsLedgerEntry, ReceiptPoints
from loyalty.services.points import points_daily_run
from sales.models import Receipt
from tests.loyalty.conftest import CARD, MILK, PHONE, TOBACCO, balance, give, refund, sale

D = Decimal
RETURN_ONE = {"original_line_no": 1, "quantity": "1", "price": "450.00", "amount": "450.00"}


def post(world, body, url="/api/v1/till/receipts/"):
    return world["client"].post(url, body, format="json")


def test_a_sale_with_a_card_earns_pending_points_shown_on_the_receipt(loyal):
    response = post(loyal, sale(1))
    assert response.status_code == 201, response.json()
    assert response.json()["receipt"]["loyalty"] == {
        "account_id": loyal["account"].pk,
        "phone_masked": "+7701***4567",
        "points_accrued": "45",  # 5% of 900.00
        "points_paid": "0",
        "accrued_available_on": "2026-12-09",  # 14 days: the return window
        "balance": "0",
        "pending": "45",
        "future_accruals": [{"available_on": "2026-12-09", "points": "45"}],
    }
    assert balance(loyal) == (D(0), D(45), D(0))
    entry = PointsLedgerEntry.objects.get()
    assert (entry.kind, entry.available_on, entry.expires_on) == (
        "accrual",
        datetime.date(2026, 12, 9),
        datetime.date(2027, 12, 9),
    )
    assert list(AccountPurchase.objects.values_list("account_id", "amount")) == [(loyal["account"].pk, D("900.00"))]


def test_the_phone_identifies_the_customer_when_no_card_is_shown(loyal):
    response = post(loyal, sale(1, card="", phone="8 701 123 45 67"))
    assert response.status_code == 201, response.json()
    assert response.json()["receipt"]["loyalty"]["points_accrued"] == "45"
    assert ReceiptPoints.objects.get().account == loyal["account"]


def test_a_receipt_without_a_card_moves_no_points(loyal):
    response = post(loyal, sale(1, card=""))
    assert response.status_code == 201
    assert response.json()["receipt"]["loyalty"] is None
    assert not PointsLedgerEntry.objects.exists() and not AccountPurchase.objects.exists()


def test_points_pay_part_of_a_sale_and_the_rest_earns(loyal):
    give(loyal, 500)
    response = post(loyal, sale(1, points="200"))
    assert response.status_code == 201, response.json()
    info = response.json()["receipt"]["loyalty"]
    assert (info["points_paid"], info["points_accrued"], info["balance"]) == ("200", "35", "300")  # 5% of 700
    assert balance(loyal) == (D(300), D(35), D(0))
    from cash.models import CashBalance

    assert CashBalance.objects.get(location__till_id=loyal["till"].pk).amount == D(
        "5700.00"
    )  # float + 700: points are no cash


def test_points_over_the_tiers_share_are_refused_and_nothing_is_written(loyal):
    give(loyal, 500)
    response = post(loyal, sale(1, points="271"))  # 30% of 900 = 270
    assert response.status_code == 400
    assert "270" in response.json()["errors"]["payments"][0]
    assert not Receipt.objects.exists()
    assert balance(loyal) == (D(500), D(0), D(0))
    assert PointsLedgerEntry.objects.filter(source_type="receipt").count() == 0


def test_points_over_the_balance_are_refused(loyal):
    give(loyal, 100)
    response = post(loyal, sale(1, points="200"))
    assert response.status_code == 400
    assert response.json()["errors"]["payments"] == ["Only 100 points are spendable, 200 needed."]
    assert not Receipt.objects.exists() and balance(loyal) == (D(100), D(0), D(0))


def test_excluded_products_neither_earn_nor_take_points(loyal):
    give(loyal, 1000)
    refused = post(loyal, sale(1, lines=(MILK, TOBACCO), points="271"))  # the share is of milk only
    assert refused.status_code == 400
    response = post(loyal, sale(2, lines=(MILK, TOBACCO), points="270"))
    assert response.status_code == 201, response.json()
    assert response.json()["receipt"]["loyalty"]["points_accrued"] == "31"  # 5% of (900 - 270) = 31.5, down
    tobacco_only = post(loyal, sale(3, lines=(TOBACCO,)))
    assert tobacco_only.json()["receipt"]["loyalty"]["points_accrued"] == "0"


def test_a_replayed_receipt_never_doubles_points(loyal):
    body = sale(1)
    assert post(loyal, body).status_code == 201
    again = post(loyal, body)
    assert again.status_code == 200
    assert again.json()["receipt"]["loyalty"]["points_accrued"] == "45"
    batch = post(loyal, {"receipts": [body, body]}, url="/api/v1/till/receipts/batch/")
    assert batch.json()["duplicate"] == 2
    assert balance(loyal) == (D(0), D(45), D(0))
    assert ReceiptPoints.objects.count() == 1 and AccountPurchase.objects.count() == 1


def test_in_a_batch_each_receipt_is_paid_alone_and_sees_the_ones_before(loyal):
    give(loyal, 100)
    batch = {
        "receipts": [
            sale(1, points="100"),  # spends all
            sale(2, points="50"),  # nothing left: refused alone
            sale(3),  # earns
        ]
    }
    response = post(loyal, batch, url="/api/v1/till/receipts/batch/")
    body = response.json()
    assert (body["created"], body["rejected"]) == (2, 1), body
    assert body["results"][1]["errors"]["payments"] == ["Only 0 points are spendable, 50 needed."]
    assert body["results"][0]["receipt"]["loyalty"]["balance"] == "0"
    assert body["results"][2]["receipt"]["loyalty"]["pending"] == "85"  # 40 (5% of 800) + 45
    assert balance(loyal) == (D(0), D(85), D(0))


def test_a_return_takes_back_earned_points_in_proportion_and_the_last_takes_the_rest(loyal):
    first = sale(1)
    post(loyal, first)
    one = post(loyal, refund(2, first["uuid"], lines=[RETURN_ONE]))
    assert one.status_code == 201, one.json()
    assert one.json()["receipt"]["loyalty"]["points_accrued"] == "-23"  # 45 x 1/2 = 22.5, up
    assert balance(loyal) == (D(0), D(22), D(0))
    two = post(loyal, refund(3, first["uuid"], lines=[RETURN_ONE]))
    assert two.json()["receipt"]["loyalty"]["points_accrued"] == "-22"
    assert balance(loyal) == (D(0), D(0), D(0))
    assert list(AccountPurchase.objects.order_by("id").values_list("amount", flat=True)) == [
        D("900.00"),
        D("-450.00"),
        D("-450.00"),
    ]


def test_a_return_gives_back_the_points_that_paid_for_it(loyal):
    give(loyal, 500)
    first = sale(1, points="200")
    post(loyal, first)  # 300 left, 35 pending
    wrong = post(loyal, refund(2, first["uuid"], lines=[RETURN_ONE]))  # all in cash: 100 points must come back
    assert wrong.status_code == 400
    assert "100 points" in wrong.json()["errors"]["payments"][0]
    back = post(loyal, refund(3, first["uuid"], lines=[RETURN_ONE], points="100"))
    assert back.status_code == 201, back.json()
    info = back.json()["receipt"]["loyalty"]
    assert (info["points_paid"], info["points_accrued"], info["balance"]) == ("-100", "-18", "400")
    assert balance(loyal) == (D(400), D(17), D(0))


def test_buying_returning_and_buying_again_never_gains_points(loyal):
    give(loyal, 300)
    start = balance(loyal)
    for n in range(3):
        body = sale(10 + 3 * n, lines=(MILK,), points="270")
        assert post(loyal, body).status_code == 201
        for k in range(2):
            returned = post(loyal, refund(11 + 3 * n + k, body["uuid"], lines=[RETURN_ONE], points="135"))
            assert returned.status_code == 201, returned.json()
        assert balance(loyal) == start
    assert post(loyal, sale(20, points="270")).status_code == 201
    assert balance(loyal) == (D(30), D(31), D(0))  # exactly one sale's worth: 5% of 630


def test_earned_points_spent_before_a_return_become_a_debt_that_later_earnings_pay(loyal, clock):
    first = sale(1)
    post(loyal, first)  # 45 pending
    clock.move_to(datetime.datetime(2026, 12, 10, 10, 0, tzinfo=datetime.UTC))
    points_daily_run()
    assert balance(loyal) == (D(45), D(0), D(0))
    spend = post(loyal, sale(2, points="45", till_time="2026-12-10T15:00:00+05:00"))
    assert spend.status_code == 201, spend.json()  # earns 42 (5% of 855), pending
    back = post(
        loyal,
        refund(
            3,
            first["uuid"],
            lines=[RETURN_ONE, {**RETURN_ONE, "original_line_no": 1}],
            till_time="2026-12-10T16:00:00+05:00",
        ),
    )
    assert back.status_code == 201, back.json()
    assert back.json()["receipt"]["loyalty"]["balance"] == "0"  # never below zero
    assert balance(loyal) == (D(0), D(42), D(45))
    later = post(loyal, sale(4, till_time="2026-12-10T17:00:00+05:00"))
    assert later.json()["receipt"]["loyalty"]["points_accrued"] == "45"
    assert balance(loyal) == (D(0), D(42), D(0))  # the 45 earned paid the debt first


def test_a_late_receipt_from_an_offline_till_earns_when_it_arrives(loyal):
    response = post(loyal, sale(1, till_time="2026-11-01T10:00:00+05:00"))
    assert response.status_code == 201, response.json()
    info = response.json()["receipt"]["loyalty"]
    # Its return window is over: spendable at once, from the day it would have been.
    assert (info["points_accrued"], info["balance"], info["accrued_available_on"]) == ("45", "45", "2026-11-15")
    assert balance(loyal) == (D(45), D(0), D(0))


def test_the_receipt_answer_counts_promotional_points_in_the_balance(loyal):
    give(loyal, 50, kind="promotional")
    response = post(loyal, sale(1))
    assert response.json()["receipt"]["loyalty"]["balance"] == "50"


def test_an_unknown_card_still_sells_but_cannot_pay_with_points(loyal):
    assert post(loyal, sale(1, card="2999999999999")).status_code == 201
    refused = post(loyal, sale(2, card="2999999999999", points="10"))
    assert refused.status_code == 400 and "card_number" in refused.json()["errors"]
    assert not PointsLedgerEntry.objects.exists()


def test_the_card_number_and_phone_are_kept_with_the_receipt(loyal):
    post(loyal, sale(1))
    assert Receipt.objects.get().card_number == CARD
    assert PHONE.startswith("+7")


def test_a_sale_and_its_return_in_one_offline_batch_leave_no_points(loyal):
    give(loyal, 300)
    first = sale(1, points="270")
    back = refund(2, first["uuid"], lines=[RETURN_ONE, {**RETURN_ONE}], points="270")
    response = post(loyal, {"receipts": [first, back]}, url="/api/v1/till/receipts/batch/")
    body = response.json()
    assert body["created"] == 2, body
    assert body["results"][1]["receipt"]["loyalty"]["points_accrued"] == "-31"
    assert balance(loyal) == (D(300), D(0), D(0))
    assert sorted(AccountPurchase.objects.values_list("amount", flat=True)) == [D("-900.00"), D("900.00")]
