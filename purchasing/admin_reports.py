"""Settlement reports on the report engine (Excel and PDF): payables at a date, aging, the payment calendar,
the reconciliation statement of a supplier, and the statements of many suppliers as one zip.

Registered from `PurchasingConfig.ready()`. Every figure comes from `purchasing.settlement_selectors`.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from inventory.admin_reports import _d, _date
from inventory.models import Shop, Supplier
from inventory.money import format_money
from reports.pdf import PdfTable, render_table_pdf
from reports.registry import ReportData, company, register
from reports.xlsx import MONEY_FORMAT, Column, TotalRow, write_table

from .models import PayableLedgerEntry
from .settlement_selectors import Statement, aging, payment_calendar, statements

ZERO = Decimal("0.00")
MAX_ZIP_SUPPLIERS = 1000


def _shop_ids(params) -> list[int] | None:
    return [int(params["shop_id"])] if params.get("shop_id") else None


def _scope_label(params) -> str:
    if params.get("shop_id"):
        return str(Shop.objects.get(pk=params["shop_id"]))
    return _("All shops")


def _covered_shops(params) -> list[int]:
    """The shops a file covers (who may download it): the one asked, else every shop."""
    return _shop_ids(params) or list(Shop.objects.values_list("pk", flat=True))


def _day(params) -> datetime.date:
    return _date(params.get("day")) or timezone.localdate()


@register("payables_at_date", gettext_lazy("Payables by supplier at a date"), in_centre=True, fields=("shop", "day"))
def payables_at_date(params: dict) -> ReportData:
    """What we owe each supplier, by shop, at the end of a day: of it overdue, and advances paid."""
    day = _day(params)
    rows = [
        [r.supplier_name, r.shop_code, r.not_due + r.overdue, r.overdue, r.advance, r.total]
        for r in aging(on=day, shop_ids=_shop_ids(params))
    ]
    columns = [
        Column(_("Supplier"), width=40),
        Column(_("Shop"), width=10),
        Column(_("Open debts"), MONEY_FORMAT, width=18, total=True),
        Column(_("Of it overdue"), MONEY_FORMAT, width=18, total=True),
        Column(_("Advances paid"), MONEY_FORMAT, width=18, total=True),
        Column(_("We owe"), MONEY_FORMAT, width=18, total=True),
    ]
    return ReportData(
        title=_("Payables by supplier"),
        columns=columns,
        rows=rows,
        subtitle_lines=[_scope_label(params), _("at the end of %(date)s") % {"date": _d(day)}],
        signatures=[_("Accountant")],
        total_rows=len(rows),
        shop_ids=_covered_shops(params),
    )


@register("payables_aging", gettext_lazy("Payables aging"), in_centre=True, fields=("shop", "day"))
def payables_aging(params: dict) -> ReportData:
    """Open debts by supplier and shop by days past due at the end of a day."""
    day = _day(params)
    rows = [
        [r.supplier_name, r.shop_code, r.not_due, r.days_1_7, r.days_8_30, r.days_31_plus, r.advance, r.total]
        for r in aging(on=day, shop_ids=_shop_ids(params))
    ]
    columns = [
        Column(_("Supplier"), width=36),
        Column(_("Shop"), width=10),
        Column(_("Not yet due"), MONEY_FORMAT, width=16, total=True),
        Column(_("1-7 days overdue"), MONEY_FORMAT, width=16, total=True),
        Column(_("8-30 days overdue"), MONEY_FORMAT, width=16, total=True),
        Column(_("31+ days overdue"), MONEY_FORMAT, width=16, total=True),
        Column(_("Advances paid"), MONEY_FORMAT, width=16, total=True),
        Column(_("We owe"), MONEY_FORMAT, width=16, total=True),
    ]
    return ReportData(
        title=_("Payables aging"),
        columns=columns,
        rows=rows,
        subtitle_lines=[_scope_label(params), _("at the end of %(date)s") % {"date": _d(day)}],
        total_rows=len(rows),
        landscape=True,
        shop_ids=_covered_shops(params),
    )


CALENDAR_DAYS = 28


@register("payment_calendar", gettext_lazy("Payment calendar"), in_centre=True, fields=("shop", "day"))
def payment_calendar_report(params: dict) -> ReportData:
    """What falls due each day of the next four weeks from a day, by supplier and shop; what is overdue; what the
    cash desks and bank accounts hold now."""
    start = _day(params)
    calendar = payment_calendar(start=start, days=CALENDAR_DAYS, shop_ids=_shop_ids(params))
    rows: list = []
    for supplier, shop, amount in calendar.overdue.rows:
        rows.append([_("overdue"), supplier, shop, amount])
    for day in calendar.days:
        for supplier, shop, amount in day.rows:
            rows.append([_d(day.day), supplier, shop, amount])
    held = [_("In cash desks: %(amount)s") % {"amount": sum(calendar.desks.values(), ZERO)}]
    if not _shop_ids(params):
        held.append(_("In the bank: %(amount)s") % {"amount": calendar.bank})
    columns = [
        Column(_("Due"), width=14),
        Column(_("Supplier"), width=40),
        Column(_("Shop"), width=10),
        Column(_("Amount"), MONEY_FORMAT, width=18, total=True),
    ]
    return ReportData(
        title=_("Payment calendar"),
        columns=columns,
        rows=rows,
        subtitle_lines=[
            _scope_label(params),
            f"{_d(start)} – {_d(start + datetime.timedelta(days=CALENDAR_DAYS - 1))}",
            *held,
        ],
        group_by=0,
        total_rows=len(rows),
        shop_ids=_covered_shops(params),
    )


# --- the reconciliation statement ------------------------------------------------------------------


def _party_lines(title: str, name: str, tax: str, address: str) -> list[str]:
    lines = [f"{title}: {name}"]
    if tax:
        lines.append(_("Tax number: %(number)s") % {"number": tax})
    if address:
        lines.append(address)
    return lines


def statement_data(result: Statement, *, fmt: str = "pdf") -> ReportData:
    """One statement as the engine renders it: both parties' details, the opening balance, every document with
    date and number, debit and credit, the turnover, the closing balance, signature blocks for both sides
    (the PDF prints `signatures` itself; Excel gets them as rows under the table)."""
    ours = company()
    supplier = result.supplier
    columns = [
        Column(_("Date"), width=12),
        Column(_("Document"), width=22),
        Column(_("Supplier's number"), width=18),
        Column(_("Shop"), width=8),
        Column(_("Operation"), width=22),
        Column(_("Debit"), MONEY_FORMAT, width=16),
        Column(_("Credit"), MONEY_FORMAT, width=16),
    ]

    def balance_row(label: str, amount: Decimal) -> TotalRow:
        # Positive: we owe the supplier (a credit balance in our books); negative: the supplier owes us.
        return TotalRow(["", "", "", "", label, -amount if amount < 0 else None, amount if amount > 0 else None])

    rows: list = [balance_row(pgettext("reconciliation statement", "Opening balance"), result.opening)]
    for line in result.lines:
        rows.append(
            [
                line.business_date,
                line.number,
                line.external_number,
                line.shop_code,
                line.what,
                line.debit or None,
                line.credit or None,
            ]
        )
    rows.append(TotalRow(["", "", "", "", _("Turnover"), result.debit_total, result.credit_total]))
    rows.append(balance_row(pgettext("reconciliation statement", "Closing balance"), result.closing))
    closing = result.closing
    if closing > 0:
        verdict = _("On %(date)s we owe %(supplier)s %(amount)s.")
    elif closing < 0:
        verdict = _("On %(date)s %(supplier)s owes us %(amount)s.")
    else:
        verdict = _("On %(date)s neither side owes the other.")
    period = _("for %(start)s – %(end)s") % {"start": _d(result.date_from), "end": _d(result.date_to)}
    signatures = [
        _("For %(party)s: director") % {"party": ours.name},
        _("For %(party)s: chief accountant") % {"party": ours.name},
        _("For %(party)s: director") % {"party": supplier.name},
        _("For %(party)s: chief accountant") % {"party": supplier.name},
    ]
    if fmt == "xlsx":
        rows.append(["", "", "", "", "", None, None])
        rows += [[f"{label} ____________________ /", "", "", "", "", None, None] for label in signatures]
    return ReportData(
        title=_("Reconciliation statement"),
        columns=columns,
        rows=rows,
        subtitle_lines=[
            period,
            *_party_lines(_("Buyer"), ours.name, ours.tax_number, ours.address),
            *_party_lines(_("Supplier"), supplier.name, supplier.tax_id, supplier.address),
            verdict % {"date": _d(result.date_to), "supplier": supplier.name, "amount": format_money(abs(closing))},
        ],
        totals=[],
        signatures=signatures,
        total_rows=len(rows),
        filename=f"{_('Reconciliation statement')} {supplier.name} {result.date_to:%Y-%m-%d}",
    )


def _period(params) -> tuple[datetime.date, datetime.date]:
    return _date(params["date_from"]), _date(params["date_to"])


def _statement_shops(params, supplier_ids) -> list[int]:
    """The shops a statement file covers: the one asked, else every shop the suppliers' rows touch."""
    if params.get("shop_id"):
        return [int(params["shop_id"])]
    return list(
        PayableLedgerEntry.objects.filter(supplier_id__in=supplier_ids).values_list("shop_id", flat=True).distinct()
    )


@register("supplier_statement", gettext_lazy("Reconciliation statement"))
def supplier_statement_report(params: dict) -> ReportData:
    """One supplier's statement (params: supplier_id, date_from, date_to, optional shop_id)."""
    date_from, date_to = _period(params)
    (result,) = statements(
        supplier_ids=[int(params["supplier_id"])], date_from=date_from, date_to=date_to, shop_ids=_shop_ids(params)
    )
    data = statement_data(result, fmt=params.get("format", "pdf"))
    data.shop_ids = _statement_shops(params, [result.supplier.pk])
    return data


def _render_one(data: ReportData, fmt: str) -> bytes:
    heading = company().heading_lines()
    if fmt == "xlsx":
        out = io.BytesIO()
        write_table(
            out,
            columns=data.columns,
            rows=data.rows,
            sheet_title=str(data.title)[:31],
            title_lines=[*heading, data.title, *data.subtitle_lines],
            totals=None,
            total_label=_("Total"),
        )
        return out.getvalue()
    return render_table_pdf(
        PdfTable(
            title=data.title,
            columns=data.columns,
            rows=list(data.rows),
            subtitle_lines=data.subtitle_lines,
            signatures=data.signatures,
            heading_lines=heading,
        ),
        workers=1,  # one small table each: a process pool per statement would cost more than the rendering
    )


@register("supplier_statements", gettext_lazy("Reconciliation statements (zip)"), formats=("zip",))
def supplier_statements_report(params: dict) -> ReportData:
    """Statements of many suppliers for one period as one zip of Excel or PDF files (params: supplier_ids or
    none for every supplier with payables, date_from, date_to, inner format `file_format`, optional shop_id).
    The figures of all suppliers come from two grouped queries; each file is rendered on its own."""
    date_from, date_to = _period(params)
    fmt = "pdf" if params.get("file_format") == "pdf" else "xlsx"
    ids = params.get("supplier_ids")
    if not ids:
        ids = list(PayableLedgerEntry.objects.values_list("supplier_id", flat=True).distinct())
    ids = [int(i) for i in ids][:MAX_ZIP_SUPPLIERS]
    results = statements(supplier_ids=ids, date_from=date_from, date_to=date_to, shop_ids=_shop_ids(params))
    language = translation.get_language()

    def archive(output, progress) -> int:
        with translation.override(language), zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zipped:
            used: set[str] = set()
            for done, result in enumerate(results, start=1):
                name = slugify(result.supplier.name, allow_unicode=True) or f"supplier-{result.supplier.pk}"
                if name in used:
                    name = f"{name}-{result.supplier.pk}"
                used.add(name)
                zipped.writestr(f"{name}.{fmt}", _render_one(statement_data(result, fmt=fmt), fmt))
                progress(done)
        return len(results)

    return ReportData(
        title=_("Reconciliation statements"),
        columns=[Column(_("Supplier"))],
        rows=[],
        total_rows=len(results),
        shop_ids=_statement_shops(params, ids),
        filename=f"{_('Reconciliation statements')} {date_to:%Y-%m-%d}",
        archive=archive,
    )


def statement_supplier_choices():
    return Supplier.objects.order_by("name").values_list("pk", "name")
