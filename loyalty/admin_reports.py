"""Points reports on the report engine (Excel and PDF): the liability in money, points expiring soon.

Registered from `LoyaltyConfig.ready()`.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_reports import _d
from inventory.models import Shop
from reports.registry import ReportData, register
from reports.xlsx import INTEGER_FORMAT, MONEY_FORMAT, Column

from .selectors.points import points_expiring, points_liability
from .services.calculator import points_value

EXPIRING_DAYS = 30


def _scope(params) -> tuple[list[int] | None, list[int], str]:
    """(home shops to filter on or None, shops the file covers, the scope's name)."""
    if params.get("shop_id"):
        shop = Shop.objects.get(pk=params["shop_id"])
        return [shop.pk], [shop.pk], str(shop)
    return None, list(Shop.objects.values_list("pk", flat=True)), _("all shops")


@register("points_liability", gettext_lazy("Points liability"), in_centre=True)
def points_liability_report(params: dict) -> ReportData:
    """Outstanding points by home shop and their value in money (spendable and pending; debt shown apart)."""
    filter_ids, covered, scope = _scope(params)
    value = points_value()
    names = dict(Shop.objects.values_list("pk", "name"))
    rows, totals = [], [_("Total"), 0, 0, 0, 0, 0]
    for row in points_liability(shop_ids=filter_ids):
        money = (row["active"] + row["pending"]) * value
        rows.append(
            [
                names.get(row["shop_id"], _("no home shop")),
                row["accounts"],
                row["active"],
                row["pending"],
                row["debt"],
                money,
            ]
        )
        for i, amount in enumerate(rows[-1][1:], start=1):
            totals[i] += amount
    return ReportData(
        title=_("Points liability"),
        columns=[
            Column(_("Home shop")),
            Column(_("Accounts"), INTEGER_FORMAT, width=14),
            Column(_("Spendable points"), INTEGER_FORMAT, width=18),
            Column(_("Pending points"), INTEGER_FORMAT, width=18),
            Column(_("Debt"), INTEGER_FORMAT, width=14),
            Column(_("Liability"), MONEY_FORMAT, width=18),
        ],
        rows=rows,
        totals=totals,
        subtitle_lines=[
            scope,
            _("At %(moment)s; one point is worth %(value)s.")
            % {"moment": _d(timezone.localdate()), "value": value.normalize()},
        ],
        total_rows=len(rows),
        shop_ids=covered,
    )


@register("points_expiring", gettext_lazy("Points expiring in 30 days"), in_centre=True)
def points_expiring_report(params: dict) -> ReportData:
    """Spendable points that expire in the next 30 days, by day: how many accounts, how many points, their value."""
    filter_ids, covered, scope = _scope(params)
    value = points_value()
    today = timezone.localdate()
    date_to = today + datetime.timedelta(days=EXPIRING_DAYS)
    rows = [
        [_d(row["expires_on"]), row["accounts"], row["points"], row["points"] * value]
        for row in points_expiring(date_from=today + datetime.timedelta(days=1), date_to=date_to, shop_ids=filter_ids)
    ]
    return ReportData(
        title=_("Points expiring in 30 days"),
        columns=[
            Column(_("Expires on"), width=16),
            Column(_("Accounts"), INTEGER_FORMAT, width=14),
            Column(_("Points"), INTEGER_FORMAT, width=16),
            Column(_("Value"), MONEY_FORMAT, width=18),
        ],
        rows=rows,
        totals=[_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)],
        subtitle_lines=[scope, f"{_d(today)} – {_d(date_to)}"],
        total_rows=len(rows),
        shop_ids=covered,
    )
