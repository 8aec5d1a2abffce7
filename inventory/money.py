"""Decimal rounding and display in one place: money to 2 places, quantities to 3, both ROUND_HALF_UP.

`format_money` and `format_quantity` are how a person reads them, in the active language:
`8 952,30` in Russian and Kazakh, `8,952.30` in English (grouped, always with their places).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils import formats

MONEY_PLACES = Decimal("0.01")
QUANTITY_PLACES = Decimal("0.001")


def _decimal(value) -> Decimal:
    # A float (SQLite's answer to an annotation without output_field) through its shortest text,
    # not its binary expansion: 362.52 stays 362.52.
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def round_money(value: Decimal | int | str) -> Decimal:
    return _decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def round_quantity(value: Decimal | int | str) -> Decimal:
    return _decimal(value).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)


def format_money(value) -> str:
    """Money as text in the active language, two places, grouped; "" for None."""
    if value is None or value == "":
        return ""
    return formats.number_format(round_money(value), 2, use_l10n=True, force_grouping=True)


def format_quantity(value) -> str:
    """A quantity as text in the active language, three places, grouped; "" for None."""
    if value is None or value == "":
        return ""
    return formats.number_format(round_quantity(value), 3, use_l10n=True, force_grouping=True)


class DecimalOutput(models.DecimalField):
    """The output field of an annotation or subquery that yields money or a quantity.

    SQLite hands an expression's decimal back with 15 significant digits (`8952.30000000000`,
    `450` for 450.00): only table columns are quantized by Django. This field rounds every
    value it reads to its places, on every database. Not for model columns.
    """

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return _decimal(value).quantize(Decimal(1).scaleb(-self.decimal_places), rounding=ROUND_HALF_UP)


def money_output() -> DecimalOutput:
    """`output_field=money_output()` for an annotation holding money (2 places)."""
    return DecimalOutput(max_digits=18, decimal_places=2)


def quantity_output() -> DecimalOutput:
    """`output_field=quantity_output()` for an annotation holding a quantity (3 places)."""
    return DecimalOutput(max_digits=16, decimal_places=3)
