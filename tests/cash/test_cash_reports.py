"""Cash reports: balances of every location at a date, money on its way to the bank with its age, cash flow
by category, shop and month, cashier discrepancies with their 12-month trend and the recurring-shortage flag."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cash.admin_reports import cash_balances_report, cash_flow_report, cashier_discrepancies_report
from cash.choices import LocationKind, OrderDirection, OrderReason
from cash.models import CashLocation
from cash.selectors import cash_flow, cashier_discrepancies, location_balances_at, month_start, unsettled_money
from cash.services import card_settlement_create, cash_order_create, transit_location
from reports.jobs import report_job_run, report_job_start
from reports.models import ReportStatus

from .conftest import DAY, card_sales, cash_sale, fill, shift_close

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")


def ago(n):
    return DAY - datetime.timedelta(days=n)


def order(**fields):
    return cash_order_create(post=True, **fields)


@pytest.fixture
def files(settings, tmp_path):
    settings.PDF_WORKERS = 1
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def moves(desk, bank, rent, acquirer):
    fill(desk, "1000", day=ago(5))
    order(direction="out", reason="expense", category=rent, location=desk, amount=D("200"), business_date=ago(2))
    enc1 = order(
        direction="out",
        reason="encashment",
        location=desk,
        counter_location=transit_location(),
        amount=D("300"),
        business_date=ago(4),
    )
    enc2 = order(
        direction="out",
        reason="encashment",
        location=desk,
        counter_location=transit_location(),
        amount=D("100"),
        business_date=ago(1),
    )
    order(
        direction="in",
        reason="bank_credit",
        location=bank,
        counter_location=transit_location(),
        settles=enc1,
        amount=D("300"),
        business_date=ago(2),
    )
    card_sales(desk.shop, "1000.00", day=ago(6))
    card_sales(desk.shop, "500.00", day=ago(3))
    card_settlement_create(acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=ago(6), business_date=ago(4))
    return {"enc1": enc1, "enc2": enc2}


def test_balances_of_every_location_at_any_date_in_one_query(moves, desk, bank, acquirer):
    with CaptureQueriesContext(connection) as queries:
        now = {r["code"]: r["amount"] for r in location_balances_at(day=DAY)}
    assert len(queries) == 1
    # desk 1000 - 200 - 300 - 100; transit 300 + 100 - 300; bank 300 + 982 (1,000 less 1.8 %); card 500 left
    assert now == {
        "07-D": D("400.00"),
        "TL501": D("0.00"),  # the till's drawer (its card payments went to the acquirer)
        "TRANSIT": D("100.00"),
        "BANK1": D("1282.00"),
        "CARD": D("500.00"),
    }
    before = {r["code"]: r["amount"] for r in location_balances_at(day=ago(5))}
    assert before == {
        "07-D": D("1000.00"),
        "TL501": D("0.00"),
        "TRANSIT": D("0.00"),
        "BANK1": D("0.00"),
        "CARD": D("1000.00"),
    }
    at_3 = {r["code"]: r["amount"] for r in location_balances_at(day=ago(3))}
    assert at_3["07-D"] == D("700.00") and at_3["TRANSIT"] == D("300.00") and at_3["BANK1"] == D("982.00")
    mine = location_balances_at(day=DAY, shop_id=desk.shop_id)
    assert [r["code"] for r in mine] == ["07-D", "TL501"]
    report = cash_balances_report({"day": DAY.isoformat(), "shop_id": None})
    assert [row[2] for row in report.rows] == [r["code"] for r in location_balances_at(day=DAY)]


def test_money_in_transit_and_unsettled_card_takings_with_their_age(moves):
    rows = unsettled_money(day=DAY)
    assert [(r["what"], r["document"], r["amount"], r["age"]) for r in rows] == [
        ("transit", moves["enc2"].number, D("100.00"), 1),
        ("card", "", D("500.00"), 3),
    ]
    # Three days earlier the first encashment was not credited yet, and the card day of ago(6) not settled.
    earlier = unsettled_money(day=ago(3))
    assert [(r["what"], r["amount"], r["age"]) for r in earlier] == [
        ("transit", D("300.00"), 1),
        ("card", D("500.00"), 0),
    ]
    assert [(r["what"], r["amount"], r["age"]) for r in unsettled_money(day=ago(5))] == [("card", D("1000.00"), 1)]


def test_cash_flow_by_category_shop_and_month_leaves_our_own_moves_out(desk, bank, rent, acquirer):
    other_month = datetime.date(2026, 10, 30)
    cash_sale(desk.shop, "5000.00", day=other_month)
    cash_sale(desk.shop, "700.00", day=DAY)
    shift_close(desk.shop, cashier="Aigerim", counted="5690.00", day=DAY)  # 5,700 in the drawer: 10 short
    order(direction="out", reason="expense", category=rent, location=desk, amount=D("1200.00"), business_date=DAY)
    order(
        direction="out",
        reason="supplier_payment",
        location=desk,
        amount=D("800.00"),
        counterparty="Dairy",
        business_date=DAY,
    )
    order(
        direction="out",
        reason="encashment",
        location=desk,
        counter_location=transit_location(),
        amount=D("1000"),
        business_date=DAY,
    )
    card_sales(desk.shop, "1000.00", day=DAY)
    card_settlement_create(acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY)
    rows = [
        (r["month"], r["shop"], r["category"], r["in"], r["out"])
        for r in cash_flow(date_from=datetime.date(2026, 10, 1), date_to=DAY)
    ]
    october, november = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
    assert rows == [
        (october, "07", "cash sale", D("5000.00"), D("0.00")),
        (november, "", "acquirer's fee: Acquirer fees", D("0.00"), D("18.00")),
        (november, "", "card sale", D("1000.00"), D("0.00")),  # card takings are the company's, not a shop's
        (november, "07", "cash sale", D("700.00"), D("0.00")),
        (november, "07", "cashier shortage", D("0.00"), D("10.00")),
        (november, "07", "expense: Rent", D("0.00"), D("1200.00")),
        (november, "07", "supplier payment", D("0.00"), D("800.00")),
    ]
    report = cash_flow_report({"date_from": "2026-11-01", "date_to": "2026-11-30", "shop_id": desk.shop_id})
    assert [row[2] for row in report.rows] == [
        "cash sale",
        "cashier shortage",
        "expense: Rent",
        "supplier payment",
    ]
    assert report.rows[0][0] == "11.2026" and report.rows[2][5] == D("-1200.00")


def test_cashier_discrepancies_per_month_with_trend_and_recurring_shortages(desk):
    shop = desk.shop
    # Aigerim is short in September, October and November (3 of the last 6 months): her shortages recur.
    for day, sale, counted in [
        (datetime.date(2026, 9, 10), "1000", "990"),
        (datetime.date(2026, 10, 10), "1000", "995"),
        (datetime.date(2026, 11, 3), "1000", "990"),
        (datetime.date(2026, 11, 20), "1000", "997"),
    ]:
        cash_sale(shop, sale, day=day)
        shift_close(shop, cashier="Aigerim", counted=counted, day=day)
    # Bolat, on another till, is short once and over once: no flag.
    cash_sale(shop, "500", day=datetime.date(2026, 11, 5), till_id=502)
    shift_close(shop, cashier="Bolat", counted="490", day=datetime.date(2026, 11, 5), till_id=502)
    cash_sale(shop, "500", day=datetime.date(2026, 11, 6), till_id=502)
    shift_close(shop, cashier="Bolat", counted="515", day=datetime.date(2026, 11, 6), till_id=502)
    rows = cashier_discrepancies(date_from=datetime.date(2026, 11, 1), date_to=DAY)
    got = {(r["cashier"], r["month"]): r for r in rows}
    assert set(got) == {("Aigerim", datetime.date(2026, 11, 1)), ("Bolat", datetime.date(2026, 11, 1))}
    aigerim = got[("Aigerim", datetime.date(2026, 11, 1))]
    assert (aigerim["shortages"], aigerim["short"], aigerim["over"], aigerim["net"]) == (
        2,
        D("13.00"),
        D("0.00"),
        D("-13.00"),
    )
    assert aigerim["recurring"] is True
    assert len(aigerim["trend"]) == 12 and aigerim["trend"][-3:] == [D("-10.00"), D("-5.00"), D("-13.00")]
    assert aigerim["trend"][:9] == [D("0.00")] * 9
    bolat = got[("Bolat", datetime.date(2026, 11, 1))]
    assert (bolat["shortages"], bolat["short"], bolat["over"], bolat["net"], bolat["recurring"]) == (
        1,
        D("10.00"),
        D("15.00"),
        D("5.00"),
        False,
    )
    report = cashier_discrepancies_report({"date_from": "2026-11-01", "date_to": "2026-11-25", "shop_id": None})
    first = list(report.rows)[0]
    assert first[:8] == ["Aigerim", "07", "11.2026", 2, D("13.00"), D("0.00"), D("-13.00"), "yes"]
    assert [str(c.label) for c in report.columns][-1] == "11.26" and len(report.columns) == 20


def test_month_start_goes_back_across_a_year():
    assert month_start(datetime.date(2026, 2, 14), 3) == datetime.date(2025, 11, 1)
    assert month_start(datetime.date(2026, 12, 31)) == datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("report", "params"),
    [
        ("cash_balances", {"day": "2026-11-25"}),
        ("cash_unsettled", {"day": "2026-11-25"}),
        ("cash_flow", {"date_from": "2026-11-01", "date_to": "2026-11-25"}),
        ("cashier_discrepancies", {"date_from": "2026-11-01", "date_to": "2026-11-25"}),
    ],
)
def test_the_reports_render_to_excel_and_pdf(
    moves, desk, files, owner, report, params, django_capture_on_commit_callbacks
):
    shift_close(desk.shop, cashier="Aigerim", counted="0.00", day=DAY)
    for fmt in ("xlsx", "pdf"):
        with django_capture_on_commit_callbacks(execute=False):
            job = report_job_start(report=report, fmt=fmt, params=params, user=owner)
        job = report_job_run(job_id=job.pk)
        assert job.status == ReportStatus.DONE, job.error
    assert CashLocation.objects.filter(kind=LocationKind.TRANSIT).count() == 1
    assert OrderDirection.IN and OrderReason.OTHER
