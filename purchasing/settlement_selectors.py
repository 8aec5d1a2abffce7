"""Reads of settlements with suppliers: balances, aging at a date, the payment calendar, the statement.

Everything over many rows is one set-based statement (GROUP BY in the database), never a loop
over items. SQLite sums decimals as floats: every money figure is rounded back to the cent here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cash.choices import LocationKind
from cash.models import CashBalance
from inventory.models import GoodsReceipt, Shop, Supplier
from inventory.money import round_money

from .models import Payable, PayableBalance, PayableKind, PayableLedgerEntry, PayableSide, SupplierPayment

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)
MAX_CALENDAR_DAYS = 92
MAX_STATEMENT_DAYS = 3 * 366
AGING_BUCKETS = ("not_due", "days_1_7", "days_8_30", "days_31_plus")


def _money(value) -> Decimal:
    return round_money(value or 0)


# --- balances on the supplier list -----------------------------------------------------------------


def supplier_figures_annotate(queryset, *, on: datetime.date, shop_ids=None):
    """Suppliers with `balance_amount` (what we owe), `overdue_amount` (open debts past due on `on`) and
    `next_due_date` (the earliest due date of an open debt not yet past due), as subqueries: one query
    for the whole list. `shop_ids`: only those shops (a shop manager's scope); None: all."""
    balances = PayableBalance.objects.filter(supplier=OuterRef("pk"))
    debts = Payable.objects.filter(
        supplier=OuterRef("pk"), side=PayableSide.DEBT, is_cancelled=False, settled_amount__lt=F("amount")
    )
    if shop_ids is not None:
        balances = balances.filter(shop_id__in=shop_ids)
        debts = debts.filter(shop_id__in=shop_ids)
    balance = balances.values("supplier").annotate(s=Sum("amount")).values("s")
    overdue = (
        debts.filter(due_date__lt=on)
        .values("supplier")
        .annotate(s=Sum(F("amount") - F("settled_amount"), output_field=MONEY_FIELD))
        .values("s")
    )
    next_due = debts.filter(due_date__gte=on).order_by("due_date").values("due_date")[:1]
    return queryset.annotate(
        balance_amount=Coalesce(Subquery(balance, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
        overdue_amount=Coalesce(Subquery(overdue, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD),
        next_due_date=Subquery(next_due),
    )


def payables_balance_at(*, on: datetime.date, supplier_ids=None, shop_ids=None) -> dict[tuple[int, int], Decimal]:
    """What we owe by (supplier, shop) at the end of `on`: SUM of the payables ledger (one GROUP BY)."""
    entries = PayableLedgerEntry.objects.filter(business_date__lte=on)
    if supplier_ids is not None:
        entries = entries.filter(supplier_id__in=supplier_ids)
    if shop_ids is not None:
        entries = entries.filter(shop_id__in=shop_ids)
    rows = entries.values("supplier_id", "shop_id").annotate(s=Sum("amount")).values_list("supplier_id", "shop_id", "s")
    return {(s, p): _money(v) for s, p, v in rows}


# --- aging -----------------------------------------------------------------------------------------


@dataclass
class AgingRow:
    supplier_id: int
    shop_id: int
    supplier_name: str = ""
    shop_code: str = ""
    not_due: Decimal = ZERO
    days_1_7: Decimal = ZERO
    days_8_30: Decimal = ZERO
    days_31_plus: Decimal = ZERO
    advance: Decimal = ZERO

    @property
    def overdue(self) -> Decimal:
        return self.days_1_7 + self.days_8_30 + self.days_31_plus

    @property
    def total(self) -> Decimal:
        """Open debts minus open advances: the payables balance at the date."""
        return self.not_due + self.overdue - self.advance


def _in(column: str, values) -> tuple[str, list]:
    values = list(values)
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _open_items_sql(*, on: datetime.date, supplier_ids=None, shop_ids=None) -> tuple[str, list]:
    """SQL of every item open at the end of `on` (its amount less what was allocated by then): supplier_id,
    shop_id, side, due_date, open_amount. Items and allocations dated later do not count yet."""
    item, allocation = Payable._meta.db_table, "purchasing_payableallocation"
    where, params = ["p.is_cancelled = %s", "p.business_date <= %s"], [False, on]
    for column, ids in (("p.supplier_id", supplier_ids), ("p.shop_id", shop_ids)):
        if ids is not None:
            clause, values = _in(column, ids)
            where.append(clause)
            params += values
    sql = f"""
        SELECT p.supplier_id, p.shop_id, p.side, p.due_date, p.amount - COALESCE(a.s, 0) AS open_amount
        FROM {item} p
        LEFT JOIN (
            SELECT debt_id AS item_id, SUM(amount) AS s FROM {allocation}
            WHERE released_at IS NULL AND business_date <= %s GROUP BY debt_id
            UNION ALL
            SELECT credit_id AS item_id, SUM(amount) AS s FROM {allocation}
            WHERE released_at IS NULL AND business_date <= %s GROUP BY credit_id
        ) a ON a.item_id = p.id
        WHERE {" AND ".join(where)}
    """
    return sql, [on, on, *params]


def aging(*, on: datetime.date, supplier_ids=None, shop_ids=None) -> list[AgingRow]:
    """Open debts by supplier and shop at the end of `on`, by days past due: not yet due, 1-7, 8-30, 31+;
    and open advances. One GROUP BY over the open items; rows with nothing open are left out."""
    inner, params = _open_items_sql(on=on, supplier_ids=supplier_ids, shop_ids=shop_ids)
    day = datetime.timedelta(days=1)
    debt = PayableSide.DEBT
    sql = f"""
        SELECT supplier_id, shop_id,
          SUM(CASE WHEN side = %s AND due_date >= %s THEN open_amount ELSE 0 END),
          SUM(CASE WHEN side = %s AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
          SUM(CASE WHEN side = %s AND due_date < %s AND due_date >= %s THEN open_amount ELSE 0 END),
          SUM(CASE WHEN side = %s AND due_date < %s THEN open_amount ELSE 0 END),
          SUM(CASE WHEN side = %s THEN open_amount ELSE 0 END)
        FROM ({inner}) o
        WHERE open_amount <> 0
        GROUP BY supplier_id, shop_id
        ORDER BY supplier_id, shop_id
    """
    bucket_params = [
        debt,
        on,
        debt,
        on,
        on - 7 * day,
        debt,
        on - 7 * day,
        on - 30 * day,
        debt,
        on - 30 * day,
        PayableSide.CREDIT,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*bucket_params, *params])
        raw = cursor.fetchall()
    rows = [AgingRow(s, p, **dict(zip((*AGING_BUCKETS, "advance"), map(_money, v), strict=True))) for s, p, *v in raw]
    _name_rows(rows)
    rows.sort(key=lambda r: (r.supplier_name, r.supplier_id, r.shop_code))
    return rows


def _name_rows(rows) -> None:
    suppliers = dict(Supplier.objects.filter(pk__in={r.supplier_id for r in rows}).values_list("pk", "name"))
    shops = dict(Shop.objects.filter(pk__in={r.shop_id for r in rows}).values_list("pk", "code"))
    for row in rows:
        row.supplier_name = suppliers.get(row.supplier_id, "")
        row.shop_code = shops.get(row.shop_id, "")


# --- payment calendar ------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: datetime.date
    rows: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (supplier, shop code, amount)

    @property
    def total(self) -> Decimal:
        return sum((amount for _s, _p, amount in self.rows), ZERO)


@dataclass
class PaymentCalendar:
    start: datetime.date
    overdue: CalendarDay
    days: list[CalendarDay]
    desks: dict[str, Decimal]  # shop code -> cash in its desk now
    bank: Decimal  # all bank accounts now

    @property
    def total_due(self) -> Decimal:
        return self.overdue.total + sum((d.total for d in self.days), ZERO)


def payment_calendar(*, start: datetime.date, days: int = 28, shop_ids=None, supplier_ids=None) -> PaymentCalendar:
    """What falls due each day from `start` for `days` days, by supplier and shop (open debts as they stand now),
    with what is already overdue, and what the shops' cash desks and the bank accounts hold against it.
    One GROUP BY for the debts and one for the money. Raises ValueError past MAX_CALENDAR_DAYS."""
    if not 1 <= days <= MAX_CALENDAR_DAYS:
        raise ValueError(_("A payment calendar covers 1 to %(n)d days.") % {"n": MAX_CALENDAR_DAYS})
    end = start + datetime.timedelta(days=days - 1)
    debts = Payable.objects.filter(
        side=PayableSide.DEBT, is_cancelled=False, settled_amount__lt=F("amount"), due_date__lte=end
    )
    if shop_ids is not None:
        debts = debts.filter(shop_id__in=shop_ids)
    if supplier_ids is not None:
        debts = debts.filter(supplier_id__in=supplier_ids)
    grouped = (
        debts.values("due_date", "supplier__name", "shop__code")
        .annotate(s=Sum(F("amount") - F("settled_amount"), output_field=MONEY_FIELD))
        .order_by("due_date", "supplier__name", "shop__code")
        .values_list("due_date", "supplier__name", "shop__code", "s")
    )
    overdue = CalendarDay(start - datetime.timedelta(days=1))
    by_day = {start + datetime.timedelta(days=n): CalendarDay(start + datetime.timedelta(days=n)) for n in range(days)}
    late: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for due, supplier, shop, amount in grouped:
        if due < start:
            late[(supplier, shop)] += _money(amount)
        else:
            by_day[due].rows.append((supplier, shop, _money(amount)))
    overdue.rows = [(s, p, a) for (s, p), a in sorted(late.items())]
    money = CashBalance.objects.filter(location__kind__in=[LocationKind.DESK, LocationKind.BANK])
    if shop_ids is not None:
        money = money.filter(Q(location__kind=LocationKind.BANK) | Q(location__shop_id__in=shop_ids))
    desks: dict[str, Decimal] = {}
    bank = ZERO
    for kind, shop, amount in money.values_list("location__kind", "location__shop__code", "amount"):
        if kind == LocationKind.BANK:
            bank += amount
        else:
            desks[shop] = amount
    return PaymentCalendar(start=start, overdue=overdue, days=list(by_day.values()), desks=desks, bank=bank)


# --- the reconciliation statement ------------------------------------------------------------------


@dataclass
class StatementLine:
    business_date: datetime.date
    number: str
    what: str
    debit: Decimal  # what reduced our debt: payments, returns
    credit: Decimal  # what increased it: goods received
    shop_code: str = ""
    external_number: str = ""  # the supplier's invoice number of a receipt, the bank's number of a payment

    @property
    def amount(self) -> Decimal:
        """Signed as the debt moved: goods received positive, payments and returns negative."""
        return self.credit - self.debit


@dataclass
class Statement:
    supplier: Supplier
    date_from: datetime.date
    date_to: datetime.date
    opening: Decimal  # what we owed at the start (positive: we owe the supplier)
    lines: list[StatementLine]

    @property
    def debit_total(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.credit_total - self.debit_total


KIND_LABELS = {
    PayableKind.RECEIPT: lambda: _("Goods received"),
    PayableKind.SUPPLIER_RETURN: lambda: _("Goods returned"),
    PayableKind.PAYMENT: lambda: _("Payment"),
    PayableKind.OPENING: lambda: _("Opening balance"),
}


def _statement_check(date_from: datetime.date, date_to: datetime.date) -> None:
    if date_to < date_from:
        raise ValueError(_("The period ends before it starts."))
    if (date_to - date_from).days > MAX_STATEMENT_DAYS:
        raise ValueError(_("A statement covers at most three years."))


def _external_numbers(period) -> dict[tuple[str, int], str]:
    """The supplier's own numbers of the documents on a statement: its invoice numbers on our receipts, the
    bank's numbers on our payments (two queries)."""
    receipts = [row[6] for row in period if row[2] == PayableKind.RECEIPT]
    payments = [row[6] for row in period if row[2] == PayableKind.PAYMENT]
    found: dict[tuple[str, int], str] = {}
    for pk, number in GoodsReceipt.objects.filter(pk__in=receipts).values_list("pk", "supplier_invoice_number"):
        found[(PayableKind.RECEIPT, pk)] = number
    for pk, number in SupplierPayment.objects.filter(pk__in=payments).values_list("pk", "bank_reference"):
        found[(PayableKind.PAYMENT, pk)] = number
    return found


def statements(*, supplier_ids, date_from: datetime.date, date_to: datetime.date, shop_ids=None) -> list[Statement]:
    """Reconciliation statements of several suppliers for one period: opening balance (the ledger before
    `date_from`), every document of the period with date and number (a cancelled one and its reversal
    leave out both), debit and credit, closing balance. Two grouped queries for all suppliers at once."""
    _statement_check(date_from, date_to)
    supplier_ids = list(supplier_ids)
    entries = PayableLedgerEntry.objects.filter(supplier_id__in=supplier_ids)
    if shop_ids is not None:
        entries = entries.filter(shop_id__in=shop_ids)
    openings = dict(
        entries.filter(business_date__lt=date_from)
        .values("supplier_id")
        .annotate(s=Sum("amount"))
        .values_list("supplier_id", "s")
    )
    period = (
        entries.filter(business_date__gte=date_from, business_date__lte=date_to, reversal_of__isnull=True)
        .exclude(reversed_by__business_date__lte=date_to)
        .order_by("supplier_id", "business_date", "id")
        .values_list(
            "supplier_id", "business_date", "kind", "amount", "posting__document_number", "shop__code", "source_id"
        )
    )
    period = list(period)
    external = _external_numbers(period)
    by_supplier: dict[int, list[StatementLine]] = defaultdict(list)
    for supplier_id, day, kind, amount, number, shop_code, source_id in period:
        amount = _money(amount)
        by_supplier[supplier_id].append(
            StatementLine(
                business_date=day,
                number=number or "",
                what=str(KIND_LABELS[kind]()) if kind in KIND_LABELS else kind,
                debit=-amount if amount < 0 else ZERO,
                credit=amount if amount > 0 else ZERO,
                shop_code=shop_code or "",
                external_number=external.get((kind, source_id), ""),
            )
        )
    suppliers = Supplier.objects.in_bulk(supplier_ids)
    return [
        Statement(
            supplier=suppliers[pk],
            date_from=date_from,
            date_to=date_to,
            opening=_money(openings.get(pk)),
            lines=by_supplier.get(pk, []),
        )
        for pk in sorted(suppliers, key=lambda pk: (suppliers[pk].name, pk))
    ]


def statement(*, supplier_id: int, date_from: datetime.date, date_to: datetime.date, shop_ids=None) -> Statement:
    return statements(supplier_ids=[supplier_id], date_from=date_from, date_to=date_to, shop_ids=shop_ids)[0]
