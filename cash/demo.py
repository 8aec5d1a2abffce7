"""Demo cash: a bank account, the expense category tree, cash limits, weekly encashments and bank credits,
a few expenses. Through the same services as the admin (`cash_order_create(post=True)`).

The drawers' cash and the shift takings come with the seeded sales (receipts and shift closes
post them). Idempotent: skipped once the demo's bank account exists.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from inventory.money import round_money

from .choices import LocationKind, OrderDirection, OrderReason
from .models import CashBalance, CashLocation, ExpenseCategory
from .services import cash_order_create, location_balance_ensure, transit_location

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
    counts = {"encashments": 0, "bank_credits": 0, "expenses": 0}
    if CashLocation.objects.filter(code=BANK_CODE).exists():
        return counts
    categories = _categories()
    bank = CashLocation.objects.create(code=BANK_CODE, kind=LocationKind.BANK, name=BANK_NAME)
    location_balance_ensure(bank)
    transit = transit_location()
    today = timezone.localdate()
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
            if week > 1:
                cash_order_create(
                    direction=OrderDirection.IN,
                    reason=OrderReason.BANK_CREDIT,
                    location=bank,
                    counter_location=transit,
                    amount=amount,
                    shop=desk.shop,
                    business_date=day + datetime.timedelta(days=1),
                    actor=actor,
                    post=True,
                )
                counts["bank_credits"] += 1
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
    return counts


def _categories() -> dict[str, ExpenseCategory]:
    found = {c.name: c for c in ExpenseCategory.objects.all()}
    for name, children in CATEGORIES.items():
        if name not in found:
            found[name] = ExpenseCategory.objects.add_root({"name": name})
        for child in children:
            if child not in found:
                found[child] = ExpenseCategory.objects.add_child(found[name], {"name": child})
    return found
