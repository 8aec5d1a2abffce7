"""Cash reports on the report engine (Excel and PDF): the daily cash book of a shop's cash desk,
printed cash orders (incoming and outgoing, with the amount in words).

Registered from `CashConfig.ready()`.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_reports import _d, _date
from inventory.choices import DocumentStatus
from inventory.models import Shop
from inventory.money import format_money
from reports.registry import ReportData, company, document_register, register
from reports.xlsx import INTEGER_FORMAT, MONEY_FORMAT, Column, NewPage

from .choices import LocationKind, OrderDirection
from .models import CashLocation, CashOrder
from .selectors import (
    RECURRING_SHORTAGE_MONTHS,
    RECURRING_WINDOW_MONTHS,
    cash_book,
    cash_flow,
    cashier_discrepancies,
    location_balances_at,
    month_start,
    unsettled_money,
)
from .words import amount_in_words


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
    signed = "   ".join(f"{label}: ____________" for label in (_("Cashier"), _("Accountant")))
    for index, day in enumerate(days):
        # One sheet per day in the PDF: each day after the first starts a page; each sheet but the
        # last ends with its signatures (the last gets the report's own signature lines).
        opening = [_d(day["date"]), "", _("Opening balance"), None, None, day["opening"]]
        rows.append(NewPage(opening) if index else opening)
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
        if index < len(days) - 1:
            rows.append(["", "", signed, None, None, None])
    return ReportData(
        title=_("Cash book"),
        columns=columns,
        rows=rows,
        subtitle_lines=[str(desk or shop), f"{_d(date_from)} – {_d(date_to)}"],
        signatures=[_("Cashier"), _("Accountant")],
        total_rows=len(rows),
        shop_ids=[shop.pk],
    )


def cash_order_basis(order: CashOrder) -> str:
    """What the money is for, as the order's "basis" line reads: reason, category, comment."""
    parts = [capfirst(order.get_reason_display())]
    if order.category_id:
        parts.append(order.category.full_name())
    if order.comment:
        parts.append(order.comment)
    return "; ".join(parts)


@register("cash_order", gettext_lazy("Cash order"), formats=("pdf",))
def cash_order_print(params: dict) -> ReportData:
    """An incoming or outgoing cash order as the paper form (ПКО / РКО) carries it: organisation, number,
    date, from whom or to whom, basis, amount in figures and in words (in the reader's language),
    signatures of the chief accountant and the cashier (and the recipient's, on an outgoing one)."""
    order = CashOrder.objects.select_related("location", "counter_location", "shop", "category").get(
        pk=params["document_id"]
    )
    firm = company()
    incoming = order.direction == OrderDirection.IN
    other = order.counterparty or (str(order.counter_location.name) if order.counter_location_id else "")
    currency = getattr(settings, "CURRENCY_CODE", "KZT")
    words = amount_in_words(order.amount, language=translation.get_language() or "en", currency=currency)
    rows = [
        [_("Organisation"), firm.name + (f", {firm.tax_number}" if firm.tax_number else "")],
        [_("Cash location"), str(order.location)],
        [_("Number"), order.number],
        [_("Date"), _d(order.business_date)],
        [_("Received from") if incoming else _("Issued to"), other],
        [_("Basis"), cash_order_basis(order)],
        [_("Amount"), f"{format_money(order.amount)} {currency}"],
        [_("Amount in words"), capfirst(words)],
    ]
    if order.status != DocumentStatus.POSTED:
        rows.append([_("Status"), capfirst(order.get_status_display())])
    title = (_("Incoming cash order No. %(number)s") if incoming else _("Outgoing cash order No. %(number)s")) % {
        "number": order.number
    }
    signatures = [_("Chief accountant"), _("Cashier")]
    if not incoming:
        signatures.append(_("Received"))
    return ReportData(
        title=title,
        filename=f"{order.number} {_d(order.business_date)}",
        columns=[Column(_("Field"), width=30), Column(_("Value"), width=60)],
        rows=rows,
        subtitle_lines=[str(order.shop or order.location), _d(order.business_date)],
        signatures=signatures,
        shop_ids=order.shop_ids(),
    )


document_register("cash_order", CashOrder, "cash.view_cashorder")


# --- cash reports over the whole chain ---------------------------------------------------------------


def _shop_scope(params) -> tuple[int | None, list[int], str]:
    """(shop id or None, the shops the report covers, its name): one shop, or all (the company's report)."""
    if params.get("shop_id"):
        shop = Shop.objects.get(pk=params["shop_id"])
        return shop.pk, [shop.pk], str(shop)
    return None, list(Shop.objects.values_list("pk", flat=True)), _("All shops")


def _month(value) -> str:
    return f"{value:%m.%Y}"


@register(
    "cash_balances", gettext_lazy("Cash balances of all locations at a date"), in_centre=True, fields=("shop", "day")
)
def cash_balances_report(params: dict) -> ReportData:
    """Every cash location's balance at the end of a day: drawers, desks, money in transit, banks, card takings."""
    day = _date(params.get("day")) or timezone.localdate()
    shop_id, shop_ids, scope = _shop_scope(params)
    rows = location_balances_at(day=day, shop_id=shop_id)
    kinds = dict(LocationKind.choices)
    return ReportData(
        title=_("Cash balances at %(day)s, %(scope)s") % {"day": _d(day), "scope": scope},
        columns=[
            Column(_("Shop"), width=10),
            Column(_("Kind"), width=22),
            Column(_("Code"), width=12),
            Column(_("Location")),
            Column(_("Balance"), MONEY_FORMAT, width=18, total=True),
        ],
        rows=[
            [r["shop__code"] or "", capfirst(str(kinds.get(r["kind"], r["kind"]))), r["code"], r["name"], r["amount"]]
            for r in rows
        ],
        subtitle_lines=[scope, _("At the end of %(day)s") % {"day": _d(day)}],
        total_rows=len(rows),
        shop_ids=shop_ids,
    )


@register(
    "cash_unsettled", gettext_lazy("Money in transit and card takings not settled"), in_centre=True, fields=("day",)
)
def cash_unsettled_report(params: dict) -> ReportData:
    """Encashments the bank has not credited and days of card takings not settled, with their age in days."""
    day = _date(params.get("day")) or timezone.localdate()
    rows = unsettled_money(day=day)
    labels = {"transit": _("Encashment in transit"), "card": _("Card takings to settle")}
    return ReportData(
        title=_("Money in transit and card takings not settled at %(day)s") % {"day": _d(day)},
        columns=[
            Column(_("What"), width=26),
            Column(_("Document"), width=24),
            Column(_("Location")),
            Column(_("Shop"), width=10),
            Column(_("Date"), width=14),
            Column(_("Amount"), MONEY_FORMAT, width=18, total=True),
            Column(_("Age, days"), "0", width=12),
        ],
        rows=[
            [labels[r["what"]], r["document"], r["location"], r["shop"], r["date"], r["amount"], r["age"]] for r in rows
        ],
        subtitle_lines=[_("All shops"), _("At the end of %(day)s") % {"day": _d(day)}],
        total_rows=len(rows),
        shop_ids=list(Shop.objects.values_list("pk", flat=True)),
    )


@register("cash_flow", gettext_lazy("Cash flow by category, shop and month"), in_centre=True, needs_period=True)
def cash_flow_report(params: dict) -> ReportData:
    """Money in and out of the company (not moves between our own locations) by month, shop and category."""
    date_from, date_to = _date(params["date_from"]), _date(params["date_to"])
    shop_id, shop_ids, scope = _shop_scope(params)
    rows = cash_flow(date_from=date_from, date_to=date_to, shop_id=shop_id)
    return ReportData(
        title=_("Cash flow, %(scope)s, %(from)s – %(to)s") % {"scope": scope, "from": _d(date_from), "to": _d(date_to)},
        columns=[
            Column(_("Month"), width=10),
            Column(_("Shop"), width=10),
            Column(_("Category")),
            Column(_("In"), MONEY_FORMAT, width=18, total=True),
            Column(_("Out"), MONEY_FORMAT, width=18, total=True),
            Column(_("Net"), MONEY_FORMAT, width=18, total=True),
        ],
        rows=[[_month(r["month"]), r["shop"], r["category"], r["in"], r["out"], r["in"] - r["out"]] for r in rows],
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"],
        total_rows=len(rows),
        shop_ids=shop_ids,
    )


@register(
    "cashier_discrepancies",
    gettext_lazy("Cashier discrepancies with a 12-month trend"),
    in_centre=True,
    needs_period=True,
)
def cashier_discrepancies_report(params: dict) -> ReportData:
    """Shortages and surpluses per cashier, shop and month; each cashier's net difference over the twelve
    months ending at the period's last month; a flag when shortages recur."""
    date_from, date_to = _date(params["date_from"]), _date(params["date_to"])
    shop_id, shop_ids, scope = _shop_scope(params)
    rows = cashier_discrepancies(date_from=date_from, date_to=date_to, shop_id=shop_id)
    months = [month_start(date_to, back) for back in range(11, -1, -1)]
    columns = [
        Column(_("Cashier"), width=24),
        Column(_("Shop"), width=10),
        Column(_("Month"), width=10),
        Column(_("Shortages"), "0", width=10, total=True),
        Column(_("Short by"), MONEY_FORMAT, width=14, total=True),
        Column(_("Over by"), MONEY_FORMAT, width=14, total=True),
        Column(_("Net"), MONEY_FORMAT, width=14, total=True),
        Column(_("Shortages recur"), width=10),
        # The trend in whole units: twelve months beside the figures fit a landscape page.
        *[Column(f"{m:%m.%y}", INTEGER_FORMAT, width=10) for m in months],
    ]
    return ReportData(
        title=_("Cashier discrepancies, %(scope)s, %(from)s – %(to)s")
        % {"scope": scope, "from": _d(date_from), "to": _d(date_to)},
        columns=columns,
        rows=[
            [
                r["cashier"],
                r["shop"],
                _month(r["month"]),
                r["shortages"],
                r["short"],
                r["over"],
                r["net"],
                _("yes") if r["recurring"] else "",
                *r["trend"],
            ]
            for r in rows
        ],
        subtitle_lines=[
            scope,
            f"{_d(date_from)} – {_d(date_to)}",
            _(
                "Trend: net difference per month, %(first)s – %(last)s. Shortages recur: in %(n)d of the last %(w)d months."
            )
            % {
                "first": _month(months[0]),
                "last": _month(months[-1]),
                "n": RECURRING_SHORTAGE_MONTHS,
                "w": RECURRING_WINDOW_MONTHS,
            },
        ],
        total_rows=len(rows),
        landscape=True,
        shop_ids=shop_ids,
    )
