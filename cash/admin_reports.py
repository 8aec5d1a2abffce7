"""Cash reports on the report engine (Excel and PDF): the daily cash book of a shop's cash desk.

Registered from `CashConfig.ready()`.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_reports import _d, _date
from inventory.models import Shop
from reports.registry import ReportData, register
from reports.xlsx import MONEY_FORMAT, Column

from .choices import LocationKind
from .models import CashLocation
from .selectors import cash_book


@register("cash_book", gettext_lazy("Cash book"), in_centre=True, needs_period=True, needs_shop=True)
def cash_book_report(params: dict) -> ReportData:
    """The cash book of the shop's cash desk: for each day, the opening balance, every order in and out, the
    closing balance; signed by the cashier and the accountant."""
    shop = Shop.objects.get(pk=params["shop_id"])
    date_from, date_to = _date(params["date_from"]), _date(params["date_to"])
    desk = CashLocation.objects.filter(kind=LocationKind.DESK, shop=shop).first()
    days = cash_book(location_id=desk.pk, date_from=date_from, date_to=date_to) if desk else []
    columns = [
        Column(_("Date"), width=24),
        Column(_("Document"), width=44),
        Column(_("What")),
        Column(_("In"), MONEY_FORMAT, width=16),
        Column(_("Out"), MONEY_FORMAT, width=16),
        Column(_("Balance"), MONEY_FORMAT, width=18),
    ]
    rows = []
    for day in days:
        rows.append([_d(day["date"]), "", _("Opening balance"), None, None, day["opening"]])
        for line in day["lines"]:
            amount = line["amount"]
            rows.append(
                [
                    "",
                    line["document"],
                    line["what"],
                    amount if amount > 0 else None,
                    -amount if amount < 0 else None,
                    None,
                ]
            )
        rows.append(["", "", _("Closing balance"), day["in"], day["out"], day["closing"]])
    return ReportData(
        title=_("Cash book"),
        columns=columns,
        rows=rows,
        subtitle_lines=[str(desk or shop), f"{_d(date_from)} – {_d(date_to)}"],
        signatures=[_("Cashier"), _("Accountant")],
        total_rows=len(rows),
        shop_ids=[shop.pk],
    )
