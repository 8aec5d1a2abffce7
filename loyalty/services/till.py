"""What the till asks of loyalty before payment: the account, the basket preview, holds. Reads use the
same calculator as posting (`calculator.sale_quote`), so the preview says what posting will do."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import AccountNotFound
from ..models import PointsHold
from ..selectors.points import account_find, accounts_points_load
from .calculator import eligible_amount, points_value, sale_quote
from .points import _excluded, points_hold_place


def account_for_till(*, card: str = "", phone: str = "") -> dict:
    """The account a card number (or its barcode) or a phone names, or AccountNotFound."""
    account = account_find(card=card, phone=phone)
    if account is None:
        raise AccountNotFound()
    return account


def account_summary(*, account: dict, skip_receipt: tuple[int, uuid.UUID] | None = None) -> dict:
    """Balance, spendable (live holds of other receipts left out), pending with dates, debt, live holds."""
    today = timezone.localdate()
    account_id = account["account_id"]
    state = accounts_points_load([account_id], today=today, with_holds=False)[account_id]
    holds = list(
        PointsHold.objects.filter(account_id=account_id, status="active", expires_at__gt=timezone.now()).order_by("pk")
    )
    state.held = sum(
        (h.points for h in holds if skip_receipt is None or (h.till_id, h.receipt_uuid) != skip_receipt), Decimal(0)
    )
    return {
        **{k: account[k] for k in ("account_id", "phone_masked", "name", "tier")},
        "balance": state.active,
        "spendable": state.spendable,
        "pending": state.pending,
        "debt": state.debt,
        "future_accruals": state.pending_lots(),
        "holds": [{"receipt_uuid": h.receipt_uuid, "points": h.points, "expires_at": h.expires_at} for h in holds],
        "_state": state,
    }


def basket_preview(
    *, account: dict, lines: list[tuple[int, Decimal]], points: Decimal, till_id: int, receipt_uuid=None
) -> dict:
    """What the basket earns (and from when), the most points it may take, the balance: posting's own rules."""
    summary = account_summary(account=account, skip_receipt=(till_id, receipt_uuid) if receipt_uuid else None)
    state = summary.pop("_state")
    eligible = eligible_amount(lines, _excluded(p for p, _a in lines))
    quote = sale_quote(
        eligible=eligible,
        terms=account["terms"],
        spendable=state.spendable,
        points_paid=points,
        day=timezone.localdate(),
    )
    return {
        **summary,
        "eligible_amount": eligible,
        "points_to_accrue": quote.accrued,
        "accrue_available_on": quote.available_on,
        "accrue_expires_on": quote.expires_on,
        "max_payable": quote.max_payable,
        "max_payable_amount": quote.max_payable * points_value(),
        "points": points,
        "problem": {
            "": "",
            "share": _("At most %(max)s points may pay for this basket.") % {"max": quote.max_payable},
            "balance": _("Only %(max)s points are spendable.") % {"max": state.spendable},
        }[quote.problem],
    }


def hold_for_till(*, account: dict, shop_id: int, till_id: int, receipt_uuid, points: Decimal):
    return points_hold_place(
        account_id=account["account_id"], shop_id=shop_id, till_id=till_id, receipt_uuid=receipt_uuid, points=points
    )


def return_preview(*, original_receipt_id: int, lines: list[tuple[int, Decimal]]) -> dict | None:
    """What a return of `lines` (product id, amount) of a card sale does to points, by posting's own rule:
    points taken back, points given back and their money (the return's points payment). None: no card sale."""
    from .calculator import return_quote
    from .points import _originals

    sale = _originals([original_receipt_id]).get(original_receipt_id)
    if sale is None:
        return None
    eligible = eligible_amount(lines, _excluded(p for p, _a in lines))
    take, give = return_quote(
        sale_eligible=sale["eligible"],
        sale_accrued=sale["accrued"],
        sale_paid=sale["paid"],
        returned_before=sale["returned"],
        taken_before=sale["taken"],
        given_before=sale["given"],
        returning=eligible,
    )
    return {
        "account_id": sale["account_id"],
        "points_taken_back": take,
        "points_given_back": give,
        "points_amount": give * points_value(),
    }
