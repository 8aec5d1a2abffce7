"""Shared document rules: draft-only changes, the period lock, postings (the audit trail)."""

import datetime

from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import formats
from django.utils.translation import gettext as _

from ..choices import DocumentStatus
from ..exceptions import DocumentNotDraft, DocumentNotPosted, PeriodClosed
from ..models import PeriodLock


def ensure_draft(document) -> None:
    if document.status != DocumentStatus.DRAFT:
        raise DocumentNotDraft(
            _("%(doc)s is %(status)s: only a draft can be changed or posted.")
            % {"doc": document.number, "status": document.get_status_display()}
        )


def ensure_posted(document) -> None:
    if document.status != DocumentStatus.POSTED:
        raise DocumentNotPosted(
            _("%(doc)s is %(status)s: only a posted document can be cancelled.")
            % {"doc": document.number, "status": document.get_status_display()}
        )


def period_lock_date(*, shop_ids: list[int]) -> datetime.date | None:
    """The latest lock date that applies to any of these shops (their own or the global one)."""
    return PeriodLock.objects.filter(Q(shop__isnull=True) | Q(shop_id__in=shop_ids)).aggregate(d=Max("lock_date"))["d"]


def period_lock_subquery(*shop_fields: str) -> Subquery:
    """The latest lock date for a document's shop fields, to annotate its locking query (one round trip)."""
    condition = Q(shop__isnull=True)
    for name in shop_fields:
        condition |= Q(shop_id=OuterRef(name))
    return Subquery(PeriodLock.objects.filter(condition).order_by("-lock_date").values("lock_date")[:1])


UNKNOWN = object()


def ensure_period_open(*, shop_ids: list[int], business_date: datetime.date, lock_date=UNKNOWN) -> None:
    """Raises PeriodClosed when `business_date` is on or before a lock date of these shops.

    `lock_date`, when the caller already read it (see period_lock_subquery), saves a query.
    """
    locked = period_lock_date(shop_ids=shop_ids) if lock_date is UNKNOWN else lock_date
    if locked is not None and business_date <= locked:
        raise PeriodClosed(
            _("The period is closed up to %(lock)s: documents dated %(date)s cannot be posted, cancelled or edited.")
            % {
                "lock": formats.date_format(locked, "SHORT_DATE_FORMAT"),
                "date": formats.date_format(business_date, "SHORT_DATE_FORMAT"),
            }
        )
