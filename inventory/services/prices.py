"""Price changes: posted and cancelled through the kernel's one posting path (a posting, the period lock)."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ..db_guards import posting_marker
from ..exceptions import DomainError
from ..models import Price, PriceChange, PriceChangeLine, PriceZone
from ..money import round_money
from .kernel import document_cancel, document_post


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


def _price_rows_write(document: PriceChange, lines: list[PriceChangeLine], posting) -> None:
    bad = [line for line in lines if line.price_amount is None or line.price_amount <= 0]
    if bad:
        raise DomainError(
            _("Prices must be above zero; check the lines for: %(products)s.")
            % {"products": ", ".join(str(line.product_id) for line in bad[:10])}
        )
    Price.objects.bulk_create(build_prices(document, lines), batch_size=2000)


def _prices_deactivate(document: PriceChange, posting) -> None:
    with posting_marker():
        Price.objects.filter(price_change=document).update(is_active=False)


@transaction.atomic(durable=True)
def price_change_post(*, document_id: int, actor) -> PriceChange:
    """Post a price change through the one posting path: its prices apply from its effective date in its zone.

    Writes a posting (the audit row); the period lock of every shop of the zone is checked
    against the earlier of its date and its effective date. Raises DocumentNotDraft,
    PeriodClosed, DocumentEmpty, DomainError (a price not above zero).
    """
    return document_post(model=PriceChange, document_id=document_id, actor=actor, write=_price_rows_write)


@transaction.atomic(durable=True)
def price_change_cancel(*, document_id: int, actor) -> PriceChange:
    """Cancel a posted price change: its prices stop counting; nothing is deleted.

    Raises DocumentNotPosted, PeriodClosed.
    """
    return document_cancel(model=PriceChange, document_id=document_id, actor=actor, reverse=_prices_deactivate)


def price_change_create_posted(
    *,
    zone: PriceZone,
    effective_date: datetime.date,
    prices: Iterable[tuple[int, Decimal]],
    actor,
    comment: str = "",
) -> PriceChange:
    """Create and post a price change from (product_id, price) pairs, inside the caller's transaction.

    Used by the nomenclature import and the demo seed, which own the transaction. Raises
    PeriodClosed when the effective date is in a closed period of a shop of the zone.
    """
    with transaction.atomic():  # a savepoint: a refused post leaves nothing in the caller's transaction
        document = PriceChange.objects.create(
            zone=zone, effective_date=effective_date, business_date=effective_date, comment=comment, created_by=actor
        )
        PriceChangeLine.objects.bulk_create(
            [PriceChangeLine(document=document, product_id=pid, price_amount=price) for pid, price in prices],
            batch_size=2000,
        )
        return document_post(
            model=PriceChange, document_id=document.pk, actor=actor, write=_price_rows_write, document=document
        )
