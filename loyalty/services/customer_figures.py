"""Figures of the customers' reports (selectors): clients and new clients, cards issued, tiers and their moves.

Each is one grouped query, whatever the number of customers. Periods are whole days in the server's
time zone (TIME_ZONE), `date_to` included.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from ..models import Card, Customer, LoyaltyAccount, TierChange


def _bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return start, end


def customers_by_shop_channel(*, shop_ids: list[int] | None, date_from, date_to) -> list[dict]:
    """Per registration shop and channel: customers at the end of the period and those new in it."""
    start, end = _bounds(date_from, date_to)
    queryset = Customer.objects.filter(created_at__lt=end)
    if shop_ids is not None:
        queryset = queryset.filter(registration_shop_id__in=shop_ids)
    return list(
        queryset.values("registration_shop__code", "registration_shop__name", "channel")
        .annotate(
            clients=Count("pk"),
            new=Count("pk", filter=Q(created_at__gte=start)),
            anonymised=Count("pk", filter=Q(status="anonymised")),
        )
        .order_by("registration_shop__code", "channel")
    )


def cards_issued_by_month(*, shop_ids: list[int] | None, date_from, date_to) -> list[dict]:
    """Cards issued per month and kind (blocked ones included: they were issued)."""
    start, end = _bounds(date_from, date_to)
    queryset = Card.objects.filter(issued_at__gte=start, issued_at__lt=end)
    if shop_ids is not None:
        queryset = queryset.filter(account__customer__registration_shop_id__in=shop_ids)
    return list(
        queryset.annotate(month=TruncMonth("issued_at", tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)))
        .values("month", "kind")
        .annotate(cards=Count("pk"))
        .order_by("month", "kind")
    )


def tier_distribution(*, shop_ids: list[int] | None) -> list[dict]:
    """Accounts per tier now (by the customers' registration shop)."""
    queryset = LoyaltyAccount.objects.all()
    if shop_ids is not None:
        queryset = queryset.filter(customer__registration_shop_id__in=shop_ids)
    return list(queryset.values("tier__rank", "tier__name").annotate(accounts=Count("pk")).order_by("tier__rank"))


def tier_moves(*, shop_ids: list[int] | None, date_from, date_to) -> list[dict]:
    """Tier changes in the period by month, from, to and reason."""
    start, end = _bounds(date_from, date_to)
    queryset = TierChange.objects.filter(changed_at__gte=start, changed_at__lt=end)
    if shop_ids is not None:
        queryset = queryset.filter(account__customer__registration_shop_id__in=shop_ids)
    return list(
        queryset.annotate(month=TruncMonth("changed_at", tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)))
        .values("month", "from_tier__name", "from_tier__rank", "to_tier__name", "to_tier__rank", "reason")
        .annotate(accounts=Count("pk"))
        .order_by("month", "from_tier__rank", "to_tier__rank", "reason")
    )
