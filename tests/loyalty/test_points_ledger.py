"""The points ledger: lots spent expiring first, the daily run, adjustments, the calculator's rules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from inventory.exceptions import DocumentNotDraft
from loyalty.exceptions import AdjustmentOverLimit, PointsUnavailable
from loyalty.models import PointsAdjustment, PointsLedgerEntry, PointsSettings
from loyalty.selectors.points import account_points_get, phone_mask, phone_normalise
from loyalty.services.calculator import AccountPoints, TierTerms, return_quote, sale_quote
from loyalty.services.points import points_adjustment_create, points_adjustment_post, points_daily_run, points_redeem
from loyalty.tasks import points_daily_run as points_daily_task
from tests.loyalty.conftest import balance, give, sale

D = Decimal
TODAY = datetime.date(2026, 11, 25)


def test_redemption_spends_the_points_that_expire_first(loyal):
    give(loyal, 60, expires_on=datetime.date(2027, 6, 1))
    give(loyal, 50, expires_on=datetime.date(2027, 1, 1))
    points_redeem(account_id=loyal["account"].pk, points=D(70), source_type="points_adjustment", source_id=999)
    spent = PointsLedgerEntry.objects.filter(kind="redemption").order_by("expires_on")
    assert [(e.expires_on, e.active) for e in spent] == [
        (datetime.date(2027, 1, 1), D(-50)),
        (datetime.date(2027, 6, 1), D(-20)),
    ]
    assert balance(loyal) == (D(40), D(0), D(0))


def test_a_redemption_beyond_the_balance_writes_nothing(loyal):
    give(loyal, 30)
    with pytest.raises(PointsUnavailable):
        points_redeem(account_id=loyal["account"].pk, points=D(31), source_type="points_adjustment", source_id=1)
    assert PointsLedgerEntry.objects.filter(kind="redemption").count() == 0
    assert balance(loyal) == (D(30), D(0), D(0))


def test_the_daily_run_activates_due_points_and_expires_old_ones_once(loyal, clock):
    loyal["client"].post("/api/v1/till/receipts/", sale(1), format="json")  # 45 pending until 2026-12-09
    give(loyal, 20, expires_on=datetime.date(2026, 12, 9))
    assert points_daily_run(today=datetime.date(2026, 12, 8)) == {"accounts": 0, "activated": 0, "expired": 0}
    clock.move_to(datetime.datetime(2026, 12, 9, 1, 0, tzinfo=datetime.UTC))
    counts = points_daily_run(today=datetime.date(2026, 12, 9))
    assert counts == {"accounts": 1, "activated": D(45), "expired": D(20)}
    assert balance(loyal) == (D(45), D(0), D(0))
    assert points_daily_run(today=datetime.date(2026, 12, 9))["accounts"] == 0  # twice: nothing more
    assert points_daily_task() == {"accounts": "0", "activated": "0", "expired": "0"}
    expiry = PointsLedgerEntry.objects.get(kind="expiry")
    assert (expiry.active, expiry.expires_on, expiry.source_type) == (
        D(-20),
        datetime.date(2026, 12, 9),
        "points_expiry",
    )


def test_points_expiring_today_are_not_spendable(loyal):
    give(loyal, 20, expires_on=TODAY)
    give(loyal, 5)
    assert account_points_get(account_id=loyal["account"].pk, today=TODAY).spendable == D(5)


def test_a_shop_manager_adjusts_only_within_the_owners_limit_and_only_their_shops(loyal, shop_manager):
    PointsSettings.objects.create(pk=1, manager_adjustment_limit=D(50))
    doc = points_adjustment_create(
        actor=shop_manager, shop=loyal["shop"], account=loyal["account"], points=D(50), reason="Lost receipt"
    )
    with pytest.raises(PermissionDenied):  # not their shop
        points_adjustment_post(document_id=doc.pk, actor=shop_manager)
    loyal["shop"].managers.add(shop_manager)
    big = points_adjustment_create(
        actor=shop_manager, shop=loyal["shop"], account=loyal["account"], points=D(-51), reason="Lost receipt"
    )
    with pytest.raises(AdjustmentOverLimit):
        points_adjustment_post(document_id=big.pk, actor=shop_manager)
    assert balance(loyal) == (D(0), D(0), D(0))
    assert set(PointsAdjustment.objects.values_list("status", flat=True)) == {"draft"}
    points_adjustment_post(document_id=doc.pk, actor=shop_manager)
    assert balance(loyal) == (D(50), D(0), D(0))


def test_an_owner_posts_an_adjustment_once(loyal, owner):
    PointsSettings.objects.create(pk=1, manager_adjustment_limit=D(50))
    doc = points_adjustment_create(actor=owner, shop=loyal["shop"], account=loyal["account"], points=D(500), reason="x")
    posted = points_adjustment_post(document_id=doc.pk, actor=owner)
    assert posted.status == "posted" and posted.posted_by == owner
    with pytest.raises(DocumentNotDraft):
        points_adjustment_post(document_id=doc.pk, actor=owner)
    assert balance(loyal) == (D(500), D(0), D(0))
    take = points_adjustment_create(
        actor=owner, shop=loyal["shop"], account=loyal["account"], points=D(-600), reason="x"
    )
    with pytest.raises(PointsUnavailable):
        points_adjustment_post(document_id=take.pk, actor=owner)
    assert balance(loyal) == (D(500), D(0), D(0))


# --- the calculator, without a database ---------------------------------------------------------------


def test_sale_quote_rounds_earnings_down_and_caps_points_by_share_and_balance():
    terms = TierTerms(D(5), D(30))
    q = sale_quote(eligible=D("999.99"), terms=terms, spendable=D(1000), points_paid=D(0), day=TODAY)
    assert (q.accrued, q.max_payable, q.available_on) == (D(49), D(299), datetime.date(2026, 12, 9))
    assert sale_quote(eligible=D(900), terms=terms, spendable=D(100), points_paid=D(0), day=TODAY).max_payable == 100
    assert sale_quote(eligible=D(900), terms=terms, spendable=D(999), points_paid=D(271), day=TODAY).problem == "share"
    assert sale_quote(eligible=D(900), terms=terms, spendable=D(99), points_paid=D(100), day=TODAY).problem == "balance"


def test_returns_in_any_pieces_take_back_exactly_what_was_earned():
    for pieces in ([D(1)] * 7, [D(3), D(4)], [D(7)], [D(2), D(2), D(3)]):
        taken = given = returned = D(0)
        for piece in pieces:
            take, give_back = return_quote(
                sale_eligible=D(7),
                sale_accrued=D(10),
                sale_paid=D(5),
                returned_before=returned,
                taken_before=taken,
                given_before=given,
                returning=piece,
            )
            returned += piece
            taken += take
            given += give_back
            assert taken * 7 >= 10 * returned  # never less taken back than earned on what came back
            assert given * 7 <= 5 * returned  # never more given back than paid for it
        assert (taken, given) == (D(10), D(5))


def test_a_take_back_beyond_what_is_left_becomes_debt_and_credits_pay_it_first():
    state = AccountPoints(1, TODAY, lots={(TODAY, datetime.date(2027, 1, 1)): [D(10), D(0)]})
    lot = (datetime.date(2026, 12, 1), datetime.date(2027, 12, 1))
    moves = state.take_back("return", D(25), *lot)
    assert (state.active, state.debt) == (D(0), D(15))
    assert sum(m.debt for m in moves) == D(15) and sum(m.active for m in moves) == D(-10)
    state.credit("accrual", D(20), *lot)
    assert (state.debt, state.pending) == (D(0), D(5))


def test_phones_are_normalised_and_masked():
    assert phone_normalise("8 (701) 123-45-67") == "+77011234567"
    assert phone_normalise("701 123 45 67") == "+77011234567"
    assert phone_normalise("12") == ""
    assert phone_mask("+77011234567") == "+7701***4567"


# --- random sequences: what the moves record is what the lots hold, and nothing goes below zero ------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from loyalty.services.calculator import NotEnoughPoints  # noqa: E402

LOTS = [
    (TODAY, datetime.date(2027, 1, 1)),
    (datetime.date(2026, 12, 9), datetime.date(2027, 12, 9)),
    (datetime.date(2026, 10, 1), datetime.date(2026, 12, 1)),
]
OPERATION = st.tuples(st.sampled_from(["credit", "spend", "take_back"]), st.integers(1, 80), st.sampled_from(LOTS))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(OPERATION, max_size=25))
def test_random_sequences_keep_the_books(operations):
    state = AccountPoints(1, TODAY)
    totals = [D(0), D(0), D(0)]
    for name, points, lot in operations:
        points = D(points)
        before = (state.active, state.pending, state.debt)
        try:
            if name == "credit":
                moves = state.credit("accrual", points, *lot)
            elif name == "spend":
                moves = state.spend("redemption", points)
            else:
                moves = state.take_back("return", points, *lot)
        except NotEnoughPoints:
            assert (state.active, state.pending, state.debt) == before  # a refusal changes nothing
            continue
        for m in moves:
            totals[0] += m.active
            totals[1] += m.pending
            totals[2] += m.debt
        assert all(lot[0] >= 0 and lot[1] >= 0 for lot in state.lots.values()) and state.debt >= 0
    all_active = sum((lot[0] for lot in state.lots.values()), D(0))
    assert totals == [all_active, state.pending, state.debt]


def test_points_rows_and_receipt_points_are_immutable_in_the_database(loyal):
    from django.db import IntegrityError, transaction

    from loyalty.models import ReceiptPoints

    loyal["client"].post("/api/v1/till/receipts/", sale(1), format="json")
    for queryset, change in (
        (PointsLedgerEntry.objects.all(), {"pending": D(1000)}),
        (ReceiptPoints.objects.all(), {"accrued": D(1000)}),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.update(**change)
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.delete()
    assert balance(loyal) == (D(0), D(45), D(0))
