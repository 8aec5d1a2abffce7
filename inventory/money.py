"""Decimal rounding in one place: money to 2 places, quantities to 3, both ROUND_HALF_UP."""

from decimal import ROUND_HALF_UP, Decimal

MONEY_PLACES = Decimal("0.01")
QUANTITY_PLACES = Decimal("0.001")


def round_money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def round_quantity(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
