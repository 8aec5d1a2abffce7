"""Demo sales history: tills in every shop, a shift a day, receipts and returns uploaded in batches.

Everything goes through the same services as a real till (receipts_ingest, shift_open,
shift_close), so stock, flags, gaps and Z-reports are what production would show.
"""

import datetime
import random
import uuid
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from inventory.barcodes import scale_barcode_build
from inventory.models import Barcode, Product, Shop, StockBalance
from inventory.money import round_money
from inventory.selectors import prices_in_force

from .models import Receipt, Till
from .services import receipts_ingest, shift_close, shift_open, till_token_issue

BATCH = 250


def seed_sales(*, days: int = 30, receipts_per_day: int = 25, seed: int = 11, progress=None) -> dict:
    """`days` of sales ending yesterday, `receipts_per_day` per shop per day; skipped if receipts exist."""
    sales = DemoSales(days=days, receipts_per_day=receipts_per_day, seed=seed)
    sales.finish()
    return sales.counts


class DemoSales:
    """The demo's till history, one day at a time for every shop: `day(day)` after that day's stock
    documents (seed_stock's `on_day`), so that the history is posted in date order; `finish()`
    uploads the days not done yet. Does nothing if receipts exist (the seed is idempotent)."""

    def __init__(self, *, days: int = 30, receipts_per_day: int = 25, seed: int = 11):
        self.counts = {"tills": 0, "shifts": 0, "receipts": 0, "returns": 0}
        self.receipts_per_day = receipts_per_day
        self.rng = random.Random(seed)
        today = timezone.localdate()
        self.days = [today - datetime.timedelta(days=offset) for offset in range(days, 0, -1)]
        self.done: set[datetime.date] = set()
        self.skip = Receipt.objects.exists()
        self.shops: list | None = None  # set up on the first day, once the opening stock is there
        self.prices: dict = {}  # (zone, day) -> prices in force: shops of a zone share them

    def _setup(self) -> None:
        barcode_of = dict(Barcode.objects.order_by("-id").values_list("product_id", "code"))
        self.barcode_of = barcode_of
        self.weighted = dict(Product.objects.filter(is_weighted=True, plu__isnull=False).values_list("pk", "plu"))
        self.shops = []
        for shop in Shop.objects.trading().order_by("code"):
            till, created = Till.objects.get_or_create(
                code=f"{shop.code}-1", defaults={"shop": shop, "name": "Касса 1", "fiscal_register_number": ""}
            )
            self.counts["tills"] += created
            till_token_issue(till=till)
            products = list(
                StockBalance.objects.filter(shop=shop)
                .order_by("product_id")
                .values_list("product_id", flat=True)[:3000]
            )
            products = [p for p in products if p in barcode_of or p in self.weighted] or list(barcode_of)[:500]
            # sequence: the till's receipt counter; sold: earlier sales and their first line's quantity
            state = {"sequence": 0, "sold": []}
            self.shops.append((shop, till, products, zoneinfo.ZoneInfo(str(shop.time_zone)), state))

    def day(self, day: datetime.date) -> None:
        if self.skip or day in self.done or day not in self.days:
            return
        if self.shops is None:
            self._setup()
        self.done.add(day)
        for shop, till, products, tz, state in self.shops:
            self._shop_day(shop, till, products, tz, state, day)

    def finish(self) -> None:
        for day in self.days:
            self.day(day)

    def _shop_day(self, shop, till, products, tz, state, day) -> None:
        rng, per_day = self.rng, self.receipts_per_day
        key = (shop.price_zone_id, day)
        if key not in self.prices:
            self.prices[key] = prices_in_force(zone_id=shop.price_zone_id, day=day)
        opened = datetime.datetime.combine(day, datetime.time(8, 55), tz)
        shift = shift_open(till=till, opening_float=Decimal("20000.00"), opened_at=opened)
        bodies, sold_today, sold = [], [], state["sold"]
        for n in range(per_day):
            state["sequence"] += 1
            at = opened + datetime.timedelta(minutes=5 + (720 * n) // per_day + rng.randint(0, 10))
            if sold and rng.random() < 0.02:
                bodies.append(_return(sold.pop(rng.randrange(len(sold))), state["sequence"], at))
                self.counts["returns"] += 1
                continue
            body, quantity = _sale(
                rng, products, self.prices[key], self.barcode_of, self.weighted, state["sequence"], at
            )
            bodies.append(body)
            sold_today.append((body, quantity))
        for start in range(0, len(bodies), BATCH):
            outcomes = receipts_ingest(till=till, bodies=bodies[start : start + BATCH])
            refused = [o for o in outcomes if o.status != "created"]
            if refused:  # the demo's own data is wrong: stop and say why
                raise RuntimeError(f"demo receipt {refused[0].status}: {refused[0].errors}")
        state["sold"] = (sold + sold_today)[-200:]
        cash = Decimal("20000.00") + sum(
            (Decimal(p["amount"]) * (-1 if b.get("kind") == "return" else 1))
            for b in bodies
            for p in b["payments"]
            if p["type"] == "cash"
        )
        short = Decimal(rng.choice([0] * 12 + [-500, 200]))  # now and then the drawer is off
        shift_close(
            till=till,
            shift_id=shift.pk,
            counted_cash=cash + short,
            till_report={"receipts_count": len(bodies)},
            closed_at=opened + datetime.timedelta(hours=12, minutes=10),
        )
        self.counts["shifts"] += 1
        self.counts["receipts"] += len(bodies)


def _sale(rng, products, prices, barcode_of, weighted, sequence, at) -> tuple[dict, str]:
    lines, quantities = [], []
    for product_id in rng.sample(products, rng.randint(1, 6)):
        price = round_money(prices.get(product_id) or Decimal("100"))
        if product_id in weighted:
            grams = rng.randint(150, 2500)
            quantity = Decimal(grams) / 1000
            line = {"barcode": scale_barcode_build(plu=weighted[product_id], weight_grams=grams)}
        else:
            quantity = Decimal(rng.choice([1, 1, 1, 2, 3]))
            line = {"barcode": barcode_of[product_id], "quantity": str(quantity)}
        if rng.random() < 0.005:
            price += Decimal("10.00")  # the till had an old price: accepted, flagged
        discount = round_money(price * quantity * Decimal("0.05")) if rng.random() < 0.1 else Decimal("0.00")
        amount = round_money(price * quantity) - discount
        lines.append({**line, "price": str(price), "discount": str(discount), "amount": str(amount)})
        quantities.append(str(quantity))
    total = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
    if rng.random() < 0.55:
        payments = [{"type": "card", "amount": str(total)}]
    else:
        payments = [{"type": "cash", "amount": str(total)}]
    body = {
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "sequence": sequence,
        "till_time": at.isoformat(),
        "lines": lines,
        "payments": payments,
    }
    return body, quantities[0]


def _return(sold: tuple[dict, str], sequence: int, at) -> dict:
    original, quantity = sold
    line = original["lines"][0]
    body_line = {
        "original_line_no": 1,
        "quantity": quantity,
        "price": line["price"],
        "discount": line["discount"],
        "amount": line["amount"],
    }
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": sequence,
        "kind": "return",
        "original_uuid": original["uuid"],
        "till_time": at.isoformat(),
        "lines": [body_line],
        "payments": [{"type": original["payments"][0]["type"], "amount": line["amount"]}],
    }
