"""The points calculator: one set of rules for the till's basket preview and for posting. Pure (no database).

- Points earned: the tier's percent of the amount that earns points (lines of products
  excluded from discounts and points left out, and the part paid with points left out),
  rounded down to whole points. They become spendable `POINTS_ACTIVATION_DAYS` after the
  sale (the return window) and expire `POINTS_LIFETIME_DAYS` after that.
- Points payable: at most the tier's share of the amount that may be paid with points
  (excluded lines cannot), and at most the spendable balance; whole points.
- A return takes back, of what its sale earned, the share of the sale's earning amount
  returned so far, rounded up, less what earlier returns took back; and gives back the
  share of the points paid, rounded down, less what earlier returns gave back. The last
  return of a sale takes back exactly what is left: buying, returning and buying again
  never gains a point.
- `AccountPoints`: one account's lots under its lock; it turns earning, spending and
  taking back into ledger movements, spending the lots that expire first, paying a debt
  from credits first, and carrying a take-back nothing covers as debt.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.conf import settings

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def whole_down(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_FLOOR)


def whole_up(value: Decimal) -> Decimal:
    return value.quantize(ONE, rounding=ROUND_CEILING)


def points_value() -> Decimal:
    return Decimal(settings.POINTS_VALUE)


def lot_dates(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """When points earned on `day` become spendable and when they expire."""
    available = day + datetime.timedelta(days=settings.POINTS_ACTIVATION_DAYS)
    return available, available + datetime.timedelta(days=settings.POINTS_LIFETIME_DAYS)


@dataclass(frozen=True)
class TierTerms:
    accrual_percent: Decimal = ZERO
    max_redeem_percent: Decimal = ZERO


@dataclass(frozen=True)
class Quote:
    """What a basket earns and may pay with points (the preview), or what a posted sale did."""

    eligible_amount: Decimal  # money on lines that earn and may be paid with points
    max_payable: Decimal  # points
    points_paid: Decimal  # points
    accrued: Decimal  # points
    available_on: datetime.date
    expires_on: datetime.date
    problem: str = ""  # "share" or "balance" when points_paid is over the limit


def eligible_amount(lines, excluded: set[int]) -> Decimal:
    """The money of (product_id, amount) lines whose product is not excluded from points."""
    return sum((amount for product_id, amount in lines if product_id not in excluded), ZERO)


def sale_quote(
    *, eligible: Decimal, terms: TierTerms, spendable: Decimal, points_paid: Decimal, day: datetime.date
) -> Quote:
    value = points_value()
    by_share = whole_down(eligible * terms.max_redeem_percent / HUNDRED / value)
    max_payable = max(ZERO, min(by_share, spendable))
    problem = ""
    if points_paid > by_share:
        problem = "share"
    elif points_paid > spendable:
        problem = "balance"
    paying_money = max(ZERO, eligible - points_paid * value)
    accrued = max(ZERO, whole_down(paying_money * terms.accrual_percent / HUNDRED / value))
    available_on, expires_on = lot_dates(day)
    return Quote(eligible, max_payable, points_paid, accrued, available_on, expires_on, problem)


def return_quote(
    *,
    sale_eligible: Decimal,
    sale_accrued: Decimal,
    sale_paid: Decimal,
    returned_before: Decimal,
    taken_before: Decimal,
    given_before: Decimal,
    returning: Decimal,
) -> tuple[Decimal, Decimal]:
    """(points to take back, points to give back) for a return of `returning` money of earning lines.

    The amounts before are positive: what earlier returns of the same sale returned, took back, gave back.
    """
    if sale_eligible <= 0:
        return ZERO, ZERO
    share = min(returned_before + returning, sale_eligible) / sale_eligible
    take = max(ZERO, min(sale_accrued, whole_up(sale_accrued * share)) - taken_before)
    give = max(ZERO, whole_down(sale_paid * share) - given_before)
    return take, give


@dataclass
class Move:
    """A movement before it has a source: kind, lot, (active, pending, debt)."""

    kind: str
    available_on: datetime.date
    expires_on: datetime.date
    active: Decimal = ZERO
    pending: Decimal = ZERO
    debt: Decimal = ZERO


class NotEnoughPoints(Exception):
    def __init__(self, available: Decimal, needed: Decimal):
        super().__init__(f"{available} available, {needed} needed")
        self.available, self.needed = available, needed


@dataclass
class AccountPoints:
    """One account's points in memory: lots {(available_on, expires_on): [active, pending]}, debt, live holds.

    Read under the account's balance lock; each operation changes the lots and returns the
    movements that record it, so a batch with several receipts of one account sees each
    receipt's effect on the next.
    """

    account_id: int
    today: datetime.date
    lots: dict = field(default_factory=dict)
    debt: Decimal = ZERO
    held: Decimal = ZERO  # points of live holds, the receipt's own hold left out

    @property
    def active(self) -> Decimal:
        """Spendable points not expired (a lot due to expire today is not spendable; the daily run writes it off)."""
        return sum((lot[0] for key, lot in self.lots.items() if key[1] > self.today), ZERO)

    @property
    def pending(self) -> Decimal:
        return sum((lot[1] for lot in self.lots.values()), ZERO)

    @property
    def spendable(self) -> Decimal:
        return max(ZERO, self.active - self.held)

    def pending_lots(self) -> list[dict]:
        """Future accruals: points and the day they become spendable, soonest first."""
        by_day: dict[datetime.date, Decimal] = defaultdict(Decimal)
        for (available_on, _expires_on), (_active, pending) in self.lots.items():
            if pending:
                by_day[available_on] += pending
        return [{"available_on": day.isoformat(), "points": str(p)} for day, p in sorted(by_day.items())]

    def _lot(self, available_on, expires_on) -> list:
        return self.lots.setdefault((available_on, expires_on), [ZERO, ZERO])

    def credit(self, kind: str, points: Decimal, available_on, expires_on) -> list[Move]:
        """Add points to a lot (pending until `available_on`); a debt is paid from them first."""
        if points <= 0:
            return []
        pays = min(self.debt, points)
        self.debt -= pays
        rest = points - pays
        move = Move(kind, available_on, expires_on, debt=-pays)
        lot = self._lot(available_on, expires_on)
        if available_on > self.today:
            move.pending = rest
            lot[1] += rest
        else:
            move.active = rest
            lot[0] += rest
        return [move]

    def spend(self, kind: str, points: Decimal, *, respect_holds: bool = True) -> list[Move]:
        """Take spendable points from the lots that expire first; NotEnoughPoints when short (nothing changed)."""
        if points <= 0:
            return []
        available = self.spendable if respect_holds else self.active
        if points > available:
            raise NotEnoughPoints(available, points)
        return self._from_active(kind, points)

    def _from_active(self, kind: str, points: Decimal) -> list[Move]:
        moves = []
        for key in sorted(self.lots, key=lambda k: (k[1], k[0])):
            if points <= 0:
                break
            lot = self.lots[key]
            if lot[0] <= 0 or key[1] <= self.today:
                continue  # expired lots wait for the daily run
            part = min(lot[0], points)
            lot[0] -= part
            points -= part
            moves.append(Move(kind, key[0], key[1], active=-part))
        if points > 0:
            raise NotEnoughPoints(ZERO, points)
        return moves

    def take_back(self, kind: str, points: Decimal, available_on, expires_on) -> list[Move]:
        """Take earned points back: from their own lot while pending, then spendable lots (expiring first),
        and whatever is left as debt (the spendable balance never shows below zero)."""
        if points <= 0:
            return []
        moves = []
        lot = self.lots.get((available_on, expires_on))
        if lot is not None and lot[1] > 0:
            part = min(lot[1], points)
            lot[1] -= part
            points -= part
            moves.append(Move(kind, available_on, expires_on, pending=-part))
        if points > 0:
            part = min(self.active, points)
            if part:
                moves += self._from_active(kind, part)
                points -= part
        if points > 0:
            self.debt += points
            moves.append(Move(kind, available_on, expires_on, debt=points))
        return merge(moves)


def merge(moves: list[Move]) -> list[Move]:
    """One move per kind and lot (the ledger has one row per source line, kind and lot)."""
    merged: dict[tuple, Move] = {}
    for m in moves:
        key = (m.kind, m.available_on, m.expires_on)
        if key in merged:
            first = merged[key]
            first.active += m.active
            first.pending += m.pending
            first.debt += m.debt
        else:
            merged[key] = Move(m.kind, m.available_on, m.expires_on, m.active, m.pending, m.debt)
    return [m for m in merged.values() if m.active or m.pending or m.debt]
