"""Customers' reports on the report engine (Excel and PDF): clients and new clients by shop and channel, cards
issued per month, tier distribution and moves. Registered from `LoyaltyConfig.ready()`."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_reports import _d, _date, _shops
from inventory.models import Shop
from reports.registry import ReportData, register
from reports.xlsx import Column

from .choices import CardKind, Channel
from .models import TierChangeReason
from .services.customer_figures import cards_issued_by_month, customers_by_shop_channel, tier_distribution, tier_moves


def _scope(params):
    """The report's shop, or all shops; `None` ids: every customer (those registered nowhere too)."""
    shops = _shops(params, Shop.objects.trading())
    if params.get("shop_id"):
        return [s.pk for s in shops], str(shops[0]), [s.pk for s in shops]
    return None, _("All shops"), [s.pk for s in shops]


def _period(params):
    return _date(params["date_from"]), _date(params["date_to"])


@register("loyalty_clients", gettext_lazy("Loyalty: clients and new clients"), in_centre=True, needs_period=True)
def clients_report(params: dict) -> ReportData:
    ids, scope, shop_ids = _scope(params)
    date_from, date_to = _period(params)
    rows = customers_by_shop_channel(shop_ids=ids, date_from=date_from, date_to=date_to)
    channels = dict(Channel.choices)
    return ReportData(
        title=f"{_('Loyalty: clients and new clients')}, {scope}, {_d(date_from)} – {_d(date_to)}",
        columns=[
            Column(_("Shop"), width=28),
            Column(_("Channel"), width=14),
            Column(_("Clients"), "#,##0", width=12, total=True),
            Column(_("New in the period"), "#,##0", width=14, total=True),
            Column(_("Anonymised"), "#,##0", width=14, total=True),
        ],
        rows=[
            [
                f"{r['registration_shop__code']} {r['registration_shop__name']}"
                if r["registration_shop__code"]
                else "—",
                str(channels.get(r["channel"], r["channel"])),
                r["clients"],
                r["new"],
                r["anonymised"],
            ]
            for r in rows
        ],
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"],
        total_rows=len(rows),
        shop_ids=shop_ids,
    )


@register("loyalty_cards_issued", gettext_lazy("Loyalty: cards issued per month"), in_centre=True, needs_period=True)
def cards_report(params: dict) -> ReportData:
    ids, scope, shop_ids = _scope(params)
    date_from, date_to = _period(params)
    rows = cards_issued_by_month(shop_ids=ids, date_from=date_from, date_to=date_to)
    kinds = dict(CardKind.choices)
    return ReportData(
        title=f"{_('Loyalty: cards issued per month')}, {scope}, {_d(date_from)} – {_d(date_to)}",
        columns=[
            Column(_("Month"), width=12),
            Column(_("Kind"), width=14),
            Column(_("Cards"), "#,##0", width=12, total=True),
        ],
        rows=[[r["month"].strftime("%m.%Y"), str(kinds.get(r["kind"], r["kind"])), r["cards"]] for r in rows],
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"],
        total_rows=len(rows),
        shop_ids=shop_ids,
    )


@register("loyalty_tiers", gettext_lazy("Loyalty: tier distribution and moves"), in_centre=True, needs_period=True)
def tiers_report(params: dict) -> ReportData:
    ids, scope, shop_ids = _scope(params)
    date_from, date_to = _period(params)
    reasons = dict(TierChangeReason.choices)
    rows = [[_("Now"), "", r["tier__name"] or "—", "", r["accounts"]] for r in tier_distribution(shop_ids=ids)]
    rows += [
        [
            r["month"].strftime("%m.%Y"),
            r["from_tier__name"] or "—",
            r["to_tier__name"] or "—",
            str(reasons.get(r["reason"], r["reason"])),
            r["accounts"],
        ]
        for r in tier_moves(shop_ids=ids, date_from=date_from, date_to=date_to)
    ]
    return ReportData(
        title=f"{_('Loyalty: tier distribution and moves')}, {scope}, {_d(date_from)} – {_d(date_to)}",
        columns=[
            Column(_("Month"), width=12),
            Column(_("From tier"), width=16),
            Column(_("To tier"), width=16),
            Column(_("Reason"), width=24),
            Column(_("Accounts"), "#,##0", width=12),
        ],
        rows=rows,
        subtitle_lines=[
            scope,
            f"{_d(date_from)} – {_d(date_to)}",
            _("“Now”: accounts per tier today; then the moves of each month."),
        ],
        total_rows=len(rows),
        shop_ids=shop_ids,
    )
