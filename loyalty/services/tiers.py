"""Tiers: default tiers, the monthly recalculation over all accounts in set-based SQL, dry runs, tiers set by hand.

An account's tier for a month is the highest tier whose threshold its purchases (net of
returns: AccountPurchase rows, negative for a return) in the qualifying period reach; the
lowest tier when none is reached. The period ends on the 1st of the month in the account's
home shop time zone (the server's zone for an account without one) and is the last calendar
month, or the last N (TierPolicy). Accounts whose tier is set by hand until a date on or
after the 1st keep it. Every change is a TierChange row with its reason.
"""

import datetime
import time
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.exceptions import DomainError
from inventory.models import Shop

from ..models import LoyaltyAccount, Tier, TierChange, TierChangeReason, TierPolicy, TierRun

DEFAULT_TIERS = [
    # code, name, rank, threshold, accrual %, max share payable with points %
    ("silver", _("Silver"), 0, Decimal("0"), Decimal("1"), Decimal("30")),
    ("gold", _("Gold"), 1, Decimal("50000"), Decimal("3"), Decimal("50")),
    ("platinum", _("Platinum"), 2, Decimal("150000"), Decimal("5"), Decimal("100")),
]


class TierRunDone(DomainError):
    default_message = _("The tiers of this month and time zone were already recalculated.")
    http_status = 409


def tiers_seed_defaults() -> int:
    """Create Silver, Gold and Platinum when the program has no tiers yet; return how many were created."""
    if Tier.objects.exists():
        return 0
    Tier.objects.bulk_create(
        [
            Tier(
                code=code,
                name=str(name),
                rank=rank,
                threshold_amount=threshold,
                accrual_percent=acc,
                max_redeem_percent=share,
            )
            for code, name, rank, threshold, acc, share in DEFAULT_TIERS
        ]
    )
    return len(DEFAULT_TIERS)


def tier_policy() -> TierPolicy:
    policy = TierPolicy.objects.order_by("pk").first()
    return policy or TierPolicy.objects.create()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def months_back(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def qualifying_period(month: datetime.date, policy: TierPolicy) -> tuple[datetime.date, datetime.date]:
    """[start, end) of the purchases that set the tier for `month` (the 1st of a month)."""
    return months_back(month, policy.months), month


def _zone_filter(zone: str) -> tuple[str, list]:
    shops = list(Shop.objects.filter(time_zone=zone).values_list("pk", flat=True))
    marks = ", ".join(["%s"] * len(shops)) or "NULL"
    condition = f"a.home_shop_id IN ({marks})"
    if zone == settings.TIME_ZONE:
        condition = f"({condition} OR a.home_shop_id IS NULL)"
    return condition, shops


def _moves_sql(*, zone: str, start: datetime.date, end: datetime.date) -> tuple[str, list]:
    """SELECT account, from tier, to tier, purchases of the accounts of `zone` whose tier changes."""
    condition, params = _zone_filter(zone)
    sql = f"""
        SELECT m.account_id, m.from_tier_id, m.to_tier_id, m.amount FROM (
            SELECT a.id AS account_id, a.tier_id AS from_tier_id, COALESCE(s.amount, 0) AS amount,
                COALESCE(
                    (SELECT t.id FROM loyalty_tier t WHERE t.threshold_amount <= COALESCE(s.amount, 0)
                     ORDER BY t.rank DESC LIMIT 1),
                    (SELECT t.id FROM loyalty_tier t ORDER BY t.rank LIMIT 1)
                ) AS to_tier_id
            FROM loyalty_loyaltyaccount a
            LEFT JOIN (
                SELECT p.account_id, SUM(p.amount) AS amount FROM loyalty_accountpurchase p
                WHERE p.business_date >= %s AND p.business_date < %s GROUP BY p.account_id
            ) s ON s.account_id = a.id
            WHERE {condition} AND (a.tier_fixed_until IS NULL OR a.tier_fixed_until < %s)
        ) m
        WHERE (m.from_tier_id IS NULL AND m.to_tier_id IS NOT NULL) OR m.from_tier_id <> m.to_tier_id
    """
    return sql, [start, end, *params, end]


def _accounts_in_zone(zone: str) -> int:
    condition, params = _zone_filter(zone)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM loyalty_loyaltyaccount a WHERE {condition}", params)
        return cursor.fetchone()[0]


def _summary(rows) -> list[dict]:
    """[{"from": "Silver", "to": "Gold", "count": 312}, ...] from (from_id, to_id, count) rows, biggest first."""
    names = dict(Tier.objects.values_list("pk", "name"))
    return sorted(
        ({"from": names.get(f, "—"), "to": names.get(t, "—"), "count": n} for f, t, n in rows),
        key=lambda m: (-m["count"], m["from"], m["to"]),
    )


def tiers_recalculate(
    *, month: datetime.date, zone: str, dry_run: bool = False, actor=None, policy: TierPolicy | None = None
) -> TierRun:
    """Recalculate (or, `dry_run`, only count the moves of) the tiers of one time zone's accounts for `month`.

    One transaction, three statements whatever the number of accounts: the moves are inserted
    as TierChange rows straight from a SELECT, the accounts updated from them, the summary
    grouped from them. A second real run of a month and zone raises TierRunDone.
    """
    month = month_start(month)
    policy = policy or tier_policy()
    start, end = qualifying_period(month, policy)
    began = time.monotonic()
    now = timezone.now()
    moves_sql, params = _moves_sql(zone=zone, start=start, end=end)
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = TierRun.objects.create(
                    month=month,
                    time_zone=zone,
                    period_start=start,
                    period_end=end,
                    dry_run=dry_run,
                    started_at=now,
                    created_by=actor,
                )
        except IntegrityError:
            raise TierRunDone() from None
        with connection.cursor() as cursor:
            if dry_run:
                cursor.execute(
                    f"SELECT m.from_tier_id, m.to_tier_id, COUNT(*) FROM ({moves_sql}) m GROUP BY 1, 2", params
                )
                rows = cursor.fetchall()
            else:
                cursor.execute(
                    f"""INSERT INTO loyalty_tierchange (account_id, from_tier_id, to_tier_id, reason, purchases_amount,
                            run_id, comment, changed_at)
                        SELECT m.account_id, m.from_tier_id, m.to_tier_id, %s, m.amount, %s, '', %s
                        FROM ({moves_sql}) m""",
                    [TierChangeReason.MONTHLY, run.pk, now, *params],
                )
                cursor.execute(
                    """UPDATE loyalty_loyaltyaccount SET tier_id = c.to_tier_id FROM loyalty_tierchange c
                       WHERE c.run_id = %s AND c.account_id = loyalty_loyaltyaccount.id""",
                    [run.pk],
                )
                cursor.execute(
                    "SELECT from_tier_id, to_tier_id, COUNT(*) FROM loyalty_tierchange WHERE run_id = %s GROUP BY 1, 2",
                    [run.pk],
                )
                rows = cursor.fetchall()
        run.moves = _summary(rows)
        run.moves_count = sum(m["count"] for m in run.moves)
        run.accounts_count = _accounts_in_zone(zone)
        run.finished_at = timezone.now()
        run.seconds = Decimal(str(round(time.monotonic() - began, 2)))
        run.save(update_fields=["moves", "moves_count", "accounts_count", "finished_at", "seconds"])
    return run


def tier_zones() -> list[str]:
    """The time zones accounts live in: those of the shops, and the server's (accounts without a home shop)."""
    zones = {str(z) for z in Shop.objects.values_list("time_zone", flat=True).distinct()}
    return sorted(zones | {settings.TIME_ZONE})


def tiers_recalculate_due(*, now: datetime.datetime | None = None) -> list[TierRun]:
    """The periodic task's work: each zone where a new month has begun (its first 3 days, in case the
    worker was down on the 1st) and has no run yet is recalculated. Safe to run every hour."""
    now = now or timezone.now()
    runs = []
    for zone in tier_zones():
        local = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        if local.day > 3:
            continue
        month = month_start(local)
        if TierRun.objects.filter(month=month, time_zone=zone, dry_run=False).exists():
            continue
        try:
            runs.append(tiers_recalculate(month=month, zone=zone))
        except TierRunDone:
            continue
    return runs


def tiers_dry_run(*, month: datetime.date, actor=None) -> list[TierRun]:
    """What a recalculation for `month` would move, per time zone, without changing anything."""
    return [tiers_recalculate(month=month, zone=zone, dry_run=True, actor=actor) for zone in tier_zones()]


@dataclass
class Move:
    account_id: int
    from_tier: str
    to_tier: str
    amount: Decimal


def tier_run_moves(run: TierRun, *, limit: int = 1_000_000):
    """The per-account moves of a run (a dry run's are computed again, as of now), for the Excel export."""
    names = dict(Tier.objects.values_list("pk", "name"))
    if run.dry_run:
        sql, params = _moves_sql(zone=run.time_zone, start=run.period_start, end=run.period_end)
        sql = f"SELECT * FROM ({sql}) x ORDER BY 1 LIMIT {int(limit)}"
    else:
        sql = (
            "SELECT account_id, from_tier_id, to_tier_id, purchases_amount FROM loyalty_tierchange "
            f"WHERE run_id = %s ORDER BY account_id LIMIT {int(limit)}"
        )
        params = [run.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for account_id, from_id, to_id, amount in cursor:
            yield Move(
                account_id,
                names.get(from_id, "—"),
                names.get(to_id, "—"),
                Decimal(str(amount)).quantize(Decimal("0.01")),
            )


@transaction.atomic
def tier_set_by_hand(
    *, account_id: int, tier: Tier, until: datetime.date | None, actor=None, comment: str = ""
) -> TierChange:
    """An owner sets an account's tier; the monthly run leaves it alone until `until` (inclusive)."""
    account = LoyaltyAccount.objects.select_for_update().get(pk=account_id)
    change = TierChange.objects.create(
        account=account,
        from_tier=account.tier,
        to_tier=tier,
        reason=TierChangeReason.MANUAL,
        fixed_until=until,
        comment=comment[:200],
        changed_at=timezone.now(),
        changed_by=actor,
    )
    account.tier, account.tier_fixed_until = tier, until
    account.save(update_fields=["tier", "tier_fixed_until"])
    return change


@dataclass
class TierProgress:
    """Where an account stands for next month's tier: purchases so far in the period, the next tier, what it needs."""

    tier: Tier | None
    period_start: datetime.date
    period_end: datetime.date
    purchases_amount: Decimal
    next_tier: Tier | None
    needed_amount: Decimal


def tier_progress(*, account: LoyaltyAccount, now: datetime.datetime | None = None) -> TierProgress:
    """The purchases counted for the coming 1st (in the home shop's zone) and what the next tier above needs."""
    now = now or timezone.now()
    zone = str(account.home_shop.time_zone) if account.home_shop_id else settings.TIME_ZONE
    today = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
    coming = months_back(month_start(today), -1)
    start, end = qualifying_period(coming, tier_policy())
    total = account.purchases.filter(business_date__gte=start, business_date__lt=end).aggregate(
        total=Sum("amount", output_field=DecimalField(max_digits=18, decimal_places=2))
    )["total"] or Decimal("0")
    total = Decimal(total).quantize(Decimal("0.01"))
    rank = account.tier.rank if account.tier_id else -1
    next_tier = Tier.objects.filter(rank__gt=rank).order_by("rank").first()
    needed = max(next_tier.threshold_amount - total, Decimal("0.00")) if next_tier else Decimal("0.00")
    return TierProgress(account.tier, start, end, total, next_tier, needed)
