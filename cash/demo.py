"""Demo cash: a bank account, the expense category tree, cash limits, weekly encashments, a few expenses, and
a bank statement (imported as an owner would) that credits all encashments but the last week's and settles
the card takings of all days but the last, less the acquirer's fee; it also holds a bank fee and an unknown
credit, left for the bookkeeper to assign. Through the same services as the admin.

The drawers' cash and the shift takings come with the seeded sales (receipts and shift closes
post them). Idempotent: skipped once the demo's bank account exists.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from inventory.money import round_money

from .choices import LocationKind, OrderDirection, OrderReason
from .models import CashBalance, CashLocation, ExpenseCategory
from .selectors import card_takings_open
from .services import cash_order_create, default_acquirer, location_balance_ensure, transit_location
from .statements import bank_statement_import

# Named in Russian, as the chain's bookkeeping keeps them (the labels around them are translated).
ELECTRICITY, SUPPLIES = "Электроэнергия", "Хозяйственные нужды"
CATEGORIES = {
    "Аренда": [],
    "Заработная плата": [],
    "Коммунальные услуги": [ELECTRICITY, "Водоснабжение", "Отопление"],
    "Ремонт": [],
    SUPPLIES: [],
}
BANK_NAME = "Основной расчётный счёт"
ENCASHMENT_SERVICE = "Служба инкассации"
EXPENSE_COUNTERPARTIES = {ELECTRICITY: "АО «Энергосбыт»", SUPPLIES: "ИП «Хозмаг»"}
CASH_LIMIT = Decimal("300000.00")
BANK_CODE = "BANK1"


def seed_cash(*, days: int = 30, actor=None) -> dict:
    """Cash documents over the last `days` days for every shop with a cash desk; counts of what was posted."""
    counts = {"encashments": 0, "bank_credits": 0, "expenses": 0, "card_settlements": 0, "statement_lines": 0}
    if CashLocation.objects.filter(code=BANK_CODE).exists():
        return counts
    categories = _categories()
    bank = CashLocation.objects.create(code=BANK_CODE, kind=LocationKind.BANK, name=BANK_NAME)
    location_balance_ensure(bank)
    transit = transit_location()
    today = timezone.localdate()
    statement: list[tuple[datetime.date, Decimal, str, str]] = []
    desks = list(CashLocation.objects.filter(kind=LocationKind.DESK).select_related("shop").order_by("shop__code"))
    CashLocation.objects.filter(pk__in=[d.pk for d in desks]).update(cash_limit_amount=CASH_LIMIT)
    for desk in desks:
        held = CashBalance.objects.get(location=desk).amount
        # Weekly encashments, each a share of what the desk holds now; the bank credits all but the last.
        for week in range(min(4, days // 7), 0, -1):
            day = today - datetime.timedelta(days=7 * week - 1)
            amount = round_money(held * Decimal("0.15"))
            if amount <= 0:
                continue
            cash_order_create(
                direction=OrderDirection.OUT,
                reason=OrderReason.ENCASHMENT,
                location=desk,
                counter_location=transit,
                amount=amount,
                counterparty=ENCASHMENT_SERVICE,
                business_date=day,
                actor=actor,
                post=True,
            )
            held -= amount
            counts["encashments"] += 1
            if week > 1:  # the bank credits it the next day: a line of the statement
                statement.append(
                    (
                        day + datetime.timedelta(days=1),
                        amount,
                        f"Инкассация выручки, магазин {desk.shop.code}",
                        ENCASHMENT_SERVICE,
                    )
                )
        for category, share in ((categories[ELECTRICITY], "0.01"), (categories[SUPPLIES], "0.005")):
            amount = round_money(held * Decimal(share))
            if amount > 0:
                cash_order_create(
                    direction=OrderDirection.OUT,
                    reason=OrderReason.EXPENSE,
                    category=category,
                    location=desk,
                    amount=amount,
                    counterparty=EXPENSE_COUNTERPARTIES[category.name],
                    business_date=today - datetime.timedelta(days=2),
                    actor=actor,
                    post=True,
                )
                held -= amount
                counts["expenses"] += 1
    counts.update(_statement(bank, statement, today=today, days=days, actor=actor))
    return counts


def _statement(bank, lines: list, *, today: datetime.date, days: int, actor) -> dict:
    """Import the demo's bank statement: the encashments' credits, the card settlements of every day but the
    last (less the acquirer's fee), a bank fee and an unknown credit (for the bookkeeper)."""
    acquirer = default_acquirer()
    if not acquirer.fee_percent:
        acquirer.fee_percent = Decimal("1.50")
        acquirer.save(update_fields=["fee_percent"])
    fees = {a.pk: a.fee_percent for a in CashLocation.objects.filter(kind=LocationKind.CARD)}
    card_days = card_takings_open(
        date_from=today - datetime.timedelta(days=days), date_to=today - datetime.timedelta(days=2)
    )
    for day in card_days:
        net = day["gross"] - round_money(day["gross"] * fees[day["location_id"]] / 100)
        lines.append((day["day"] + datetime.timedelta(days=1), net, "Возмещение по эквайрингу", "АО «Эквайринг-Банк»"))
    lines.append(
        (
            today - datetime.timedelta(days=1),
            Decimal("-2500.00"),
            "Комиссия банка за обслуживание счёта",
            "АО «Основной банк»",
        )
    )
    lines.append(
        (
            today - datetime.timedelta(days=1),
            Decimal("1000.00"),
            "Перевод без назначения платежа",
            "ТОО «Неизвестный плательщик»",
        )
    )
    rows = ["Date;Amount;Purpose;Counterparty"] + [
        f"{d:%d.%m.%Y};{a};{purpose};{counterparty}" for d, a, purpose, counterparty in sorted(lines)
    ]
    result = bank_statement_import(
        bank_account_id=bank.pk, data="\n".join(rows).encode(), file_name="demo-statement.csv", actor=actor
    )
    credits = sum(1 for line in result.statement.lines.select_related("order") if line.order and line.order.settles_id)
    return {
        "bank_credits": credits,
        "card_settlements": result.lines_matched - credits,
        "statement_lines": result.lines_new,
    }


def _categories() -> dict[str, ExpenseCategory]:
    found = {c.name: c for c in ExpenseCategory.objects.all()}
    for name, children in CATEGORIES.items():
        if name not in found:
            found[name] = ExpenseCategory.objects.add_root({"name": name})
        for child in children:
            if child not in found:
                found[child] = ExpenseCategory.objects.add_child(found[name], {"name": child})
    return found
