"""Tiers: default tiers, the monthly recalculation in each home shop's time zone, dry runs, tiers set by hand."""
# ruff: noqa: F811  (fixtures imported from customers_fixtures: tests/loyalty/conftest.py is shared)

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django_celery_beat.models import PeriodicTask

from loyalty.models import AccountPurchase, Customer, LoyaltyAccount, Tier, TierChange, TierPolicy, TierRun
from loyalty.services.tiers import (
    TierRunDone,
    qualifying_period,
    tier_run_moves,
    tier_set_by_hand,
    tiers_dry_run,
    tiers_recalculate,
    tiers_recalculate_due,
    tiers_seed_defaults,
)
from loyalty.tasks_customers import tiers_recalculate as tiers_task
from tests.factories import ShopFactory
from tests.loyalty.customers_fixtures import tiers  # noqa: F401

pytestmark = pytest.mark.django_db
D = Decimal
DEC1 = datetime.date(2026, 12, 1)
ALMATY = "Asia/Almaty"
_receipt = iter(range(1, 10**6))


def account_with(shop, *amounts, day=datetime.date(2026, 11, 10), tier=None, phone=None):
    account = LoyaltyAccount.objects.create(customer=Customer.objects.create(phone=phone), home_shop=shop, tier=tier)
    for amount in amounts:
        AccountPurchase.objects.create(
            account=account, shop=shop, business_date=day, amount=D(amount), receipt_id=next(_receipt)
        )
    return account


@pytest.fixture
def almaty(db):
    return ShopFactory(code="01", time_zone=ALMATY)


def test_default_tiers_are_seeded_once():
    assert tiers_seed_defaults() == 3
    assert tiers_seed_defaults() == 0
    assert [(t.name, t.threshold_amount) for t in Tier.objects.all()] == [
        ("Silver", D("0.00")),
        ("Gold", D("50000.00")),
        ("Platinum", D("150000.00")),
    ]


def test_the_schedule_is_in_the_admin():
    task = PeriodicTask.objects.get(task="loyalty.tiers_recalculate")
    assert task.enabled and task.crontab.minute == "5" and task.crontab.hour == "*"


def test_the_monthly_run_moves_accounts_by_last_months_purchases_net_of_returns(tiers, almaty):
    silver, gold, platinum = tiers["silver"], tiers["gold"], tiers["platinum"]
    up = account_with(almaty, "30000", "20000", tier=silver)  # exactly the threshold
    returned = account_with(almaty, "60000", "-15000", tier=silver)  # a return counts against
    down = account_with(almaty, "1000", tier=platinum)
    top = account_with(almaty, "150000.00", tier=gold)
    new = account_with(almaty)  # no tier yet: the lowest
    october = account_with(almaty, "900000", day=datetime.date(2026, 10, 31), tier=silver)  # not in the period
    december = account_with(almaty, "900000", day=DEC1, tier=silver)
    stays = account_with(almaty, "55000", tier=gold)
    run = tiers_recalculate(month=DEC1, zone=ALMATY)
    assert (run.period_start, run.period_end) == (datetime.date(2026, 11, 1), DEC1)
    tiers_now = {a.pk: a.tier for a in LoyaltyAccount.objects.select_related("tier")}
    assert tiers_now[up.pk] == gold and tiers_now[returned.pk] == silver and tiers_now[down.pk] == silver
    assert tiers_now[top.pk] == platinum and tiers_now[new.pk] == silver and tiers_now[stays.pk] == gold
    assert tiers_now[october.pk] == silver and tiers_now[december.pk] == silver
    assert run.accounts_count == 8 and run.moves_count == 4
    assert sorted((m["from"], m["to"], m["count"]) for m in run.moves) == [
        ("Gold", "Platinum", 1),
        ("Platinum", "Silver", 1),
        ("Silver", "Gold", 1),
        ("—", "Silver", 1),
    ]
    change = TierChange.objects.get(account=up)
    assert (change.from_tier, change.to_tier, change.reason, change.run, change.purchases_amount) == (
        silver,
        gold,
        "monthly",
        run,
        D("50000.00"),
    )
    assert TierChange.objects.count() == 4


def test_a_month_runs_once_per_time_zone(tiers, almaty):
    account_with(almaty, "60000", tier=tiers["silver"])
    tiers_recalculate(month=DEC1, zone=ALMATY)
    with pytest.raises(TierRunDone):
        tiers_recalculate(month=DEC1, zone=ALMATY)
    assert TierChange.objects.count() == 1 and TierRun.objects.count() == 1


def test_a_dry_run_shows_the_moves_and_changes_nothing(tiers, almaty):
    for _ in range(3):
        account_with(almaty, "60000", tier=tiers["silver"])
    account_with(almaty, "10", tier=tiers["gold"])
    (run,) = tiers_dry_run(month=DEC1)
    assert run.dry_run and run.moves == [
        {"from": "Silver", "to": "Gold", "count": 3},
        {"from": "Gold", "to": "Silver", "count": 1},
    ]
    assert not TierChange.objects.exists()
    assert LoyaltyAccount.objects.filter(tier=tiers["silver"]).count() == 3
    moves = list(tier_run_moves(run))
    assert [(m.from_tier, m.to_tier, m.amount) for m in moves][-1] == ("Gold", "Silver", D("10.00"))
    tiers_recalculate(month=DEC1, zone=ALMATY)  # a dry run does not block the real one
    assert LoyaltyAccount.objects.filter(tier=tiers["gold"]).count() == 3


def test_a_tier_set_by_hand_stays_until_its_date(tiers, almaty):
    account = account_with(almaty, "10", tier=tiers["silver"])
    change = tier_set_by_hand(account_id=account.pk, tier=tiers["platinum"], until=DEC1, comment="VIP")
    assert (change.reason, change.from_tier, change.fixed_until) == ("manual", tiers["silver"], DEC1)
    tiers_recalculate(month=DEC1, zone=ALMATY)
    account.refresh_from_db()
    assert account.tier == tiers["platinum"]
    tiers_recalculate(month=datetime.date(2027, 1, 1), zone=ALMATY)
    account.refresh_from_db()
    assert account.tier == tiers["silver"]
    assert list(TierChange.objects.filter(account=account).values_list("reason", flat=True)) == ["monthly", "manual"]


def test_rolling_months_count_the_last_n_calendar_months(tiers, almaty):
    policy = TierPolicy.objects.create(period_kind="rolling_months", rolling_months=3)
    assert qualifying_period(DEC1, policy) == (datetime.date(2026, 9, 1), DEC1)
    assert qualifying_period(datetime.date(2027, 1, 1), policy) == (
        datetime.date(2026, 10, 1),
        datetime.date(2027, 1, 1),
    )
    account = account_with(almaty, "20000", tier=tiers["silver"])
    AccountPurchase.objects.create(
        account=account, shop=almaty, business_date=datetime.date(2026, 9, 1), amount=D("30000"), receipt_id=999001
    )
    AccountPurchase.objects.create(
        account=account, shop=almaty, business_date=datetime.date(2026, 8, 31), amount=D("900000"), receipt_id=999002
    )
    tiers_recalculate(month=DEC1, zone=ALMATY)
    account.refresh_from_db()
    assert account.tier == tiers["gold"]


def test_each_time_zone_is_recalculated_after_its_own_midnight(tiers, almaty, settings, clock):
    moscow = ShopFactory(code="02", time_zone="Europe/Moscow")
    in_almaty = account_with(almaty, "60000", tier=tiers["silver"])
    in_moscow = account_with(moscow, "60000", tier=tiers["silver"])
    # 1 December 00:30 in Almaty (UTC+5) is still 30 November 22:30 in Moscow (UTC+3)
    clock.move_to(datetime.datetime(2026, 12, 1, 0, 30, tzinfo=zoneinfo.ZoneInfo(ALMATY)))
    assert [str(r) for r in tiers_recalculate_due()] == ["2026-12 Asia/Almaty"]
    in_almaty.refresh_from_db(), in_moscow.refresh_from_db()
    assert in_almaty.tier == tiers["gold"] and in_moscow.tier == tiers["silver"]
    assert tiers_task() == []  # nothing new within the hour
    clock.move_to(datetime.datetime(2026, 12, 1, 0, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow")))
    assert tiers_task() == ["2026-12 Europe/Moscow"]
    in_moscow.refresh_from_db()
    assert in_moscow.tier == tiers["gold"]
    clock.move_to(datetime.datetime(2026, 12, 15, 12, 0, tzinfo=zoneinfo.ZoneInfo(ALMATY)))
    assert tiers_recalculate_due() == []


def test_an_account_without_a_home_shop_lives_in_the_servers_zone(tiers, settings):
    settings.TIME_ZONE = ALMATY
    account = account_with(ShopFactory(code="09"), tier=tiers["silver"])
    LoyaltyAccount.objects.filter(pk=account.pk).update(home_shop=None)
    run = tiers_recalculate(month=DEC1, zone=ALMATY)
    assert run.accounts_count == 1
