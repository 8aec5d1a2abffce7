"""How the admin shows numbers: every Decimal grouped and with its places, in the user's language.

Django's admin shows a DecimalField with its places but ungrouped (`8952,30`), and a Decimal
that a list column returns with whatever places it has. Money must read as money everywhere
(`8 952,30` in Russian and Kazakh, `8,952.30` in English), on every list, page and inline of
every app, so the admin's two display helpers are wrapped once here, not column by column:
- a DecimalField: grouped, with the field's places (money 2, quantities 3);
- a Decimal from a display method: grouped, with its own places (the method rounds it).
Integers stay as Django shows them (ids and receipt numbers are not amounts).
"""

from decimal import Decimal

from django.contrib.admin import helpers, utils
from django.contrib.admin.templatetags import admin_list
from django.db import models
from django.utils import formats


def _grouped(value: Decimal, places: int | None) -> str:
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def number_display_install() -> None:
    """Wrap the admin's `display_for_field` and `display_for_value` (idempotent)."""
    if getattr(utils.display_for_field, "number_display", False):
        return
    django_for_field, django_for_value = utils.display_for_field, utils.display_for_value

    def display_for_field(value, field, empty_value_display, avoid_link=False):
        if (
            isinstance(field, models.DecimalField)
            and not getattr(field, "flatchoices", None)
            and value not in field.empty_values
        ):
            return _grouped(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)), field.decimal_places)
        return django_for_field(value, field, empty_value_display, avoid_link=avoid_link)

    def display_for_value(value, empty_value_display, boolean=False):
        if isinstance(value, Decimal) and not boolean and value.is_finite():
            return _grouped(value, _places(value))
        return django_for_value(value, empty_value_display, boolean=boolean)

    display_for_field.number_display = True
    display_for_value.number_display = True
    for module in (utils, helpers, admin_list):
        if hasattr(module, "display_for_field"):
            module.display_for_field = display_for_field
        if hasattr(module, "display_for_value"):
            module.display_for_value = display_for_value
