"""Writes of the inventory domain. Each public service is one durable transaction."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ..choices import DocumentStatus
from ..db_guards import posting_marker
from ..exceptions import DocumentEmpty, DocumentNotPosted, DomainError
from ..models import Price, PriceChange, PriceChangeLine, PriceZone
from ..money import round_money
from .common import ensure_draft


def build_prices(document: PriceChange, lines: Iterable[PriceChangeLine]) -> list[Price]:
    """Pure: the price rows a posted price change writes."""
    return [
        Price(
            zone_id=document.zone_id,
            product_id=line.product_id,
            price_amount=round_money(line.price_amount),
            effective_date=document.effective_date,
            price_change=document,
        )
        for line in lines
    ]


def _price_change_post(document: PriceChange, *, actor) -> PriceChange:
    ensure_draft(document)
    lines = list(document.lines.all())
    if not lines:
        raise DocumentEmpty(_("%(doc)s has no lines to post.") % {"doc": document.number})
    bad = [line for line in lines if line.price_amount is None or line.price_amount <= 0]
    if bad:
        raise DomainError(
            _("Prices must be above zero; check the lines for: %(products)s.")
            % {"products": ", ".join(str(line.product_id) for line in bad[:10])}
        )
    Price.objects.bulk_create(build_prices(document, lines), batch_size=2000)
    document.mark_posted(actor=actor)
    return document


@transaction.atomic(durable=True)
def price_change_post(*, document_id: int, actor) -> PriceChange:
    """Post a price change: its prices apply from its effective date in its zone.

    Raises DocumentNotDraft, DocumentEmpty, DomainError (a price not above zero).
    """
    document = PriceChange.objects.select_for_update().get(pk=document_id)
    return _price_change_post(document, actor=actor)


@transaction.atomic(durable=True)
def price_change_cancel(*, document_id: int, actor) -> PriceChange:
    """Cancel a posted price change: its prices stop counting; nothing is deleted.

    Raises DocumentNotPosted.
    """
    document = PriceChange.objects.select_for_update().get(pk=document_id)
    if document.status != DocumentStatus.POSTED:
        raise DocumentNotPosted(
            _("%(doc)s is %(status)s: only a posted document can be cancelled.")
            % {"doc": document.number, "status": document.get_status_display()}
        )
    with posting_marker():
        Price.objects.filter(price_change=document).update(is_active=False)
    document.mark_cancelled(actor=actor)
    return document


def price_change_create_posted(
    *,
    zone: PriceZone,
    effective_date: datetime.date,
    prices: Iterable[tuple[int, Decimal]],
    actor,
    comment: str = "",
) -> PriceChange:
    """Create and post a price change from (product_id, price) pairs, inside the caller's transaction.

    Used by the nomenclature import and the demo seed, which own the transaction.
    """
    document = PriceChange.objects.create(
        zone=zone, effective_date=effective_date, business_date=effective_date, comment=comment, created_by=actor
    )
    PriceChangeLine.objects.bulk_create(
        [PriceChangeLine(document=document, product_id=pid, price_amount=price) for pid, price in prices],
        batch_size=2000,
    )
    return _price_change_post(document, actor=actor)
