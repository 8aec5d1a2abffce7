"""The demo chain's reference data: zones, shops, groups, 20,000 products, prices, suppliers.

Deterministic (a fixed random seed) and idempotent: a second run creates nothing new.
Bulk inserts; prices are posted through the price-change service, so history is real.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .barcodes import ean_check_digit
from .bulk import tables_analyze
from .choices import ShopFormat, Unit
from .models import Barcode, Price, PriceZone, Product, ProductGroup, Shop, Supplier
from .money import round_money
from .services import price_change_create_posted

ZONES = [("Z1", "City"), ("Z2", "Rural")]

# city, time zone, price zone, latitude, longitude
CITIES = [
    ("Astana", "Asia/Almaty", "Z1", "51.169392", "71.449074"),
    ("Kokshetau", "Asia/Almaty", "Z1", "53.283330", "69.383330"),
    ("Stepnogorsk", "Asia/Almaty", "Z1", "52.350000", "71.883330"),
    ("Makinsk", "Asia/Almaty", "Z2", "52.633330", "70.416670"),
    ("Akkol", "Asia/Almaty", "Z2", "51.994720", "70.943060"),
    ("Shchuchinsk", "Asia/Almaty", "Z2", "52.933330", "70.200000"),
    ("Atbasar", "Asia/Almaty", "Z2", "51.816670", "68.366670"),
    ("Kostanay", "Asia/Qostanay", "Z1", "53.214440", "63.624440"),
    ("Kulunda", "Asia/Barnaul", "Z2", "52.566670", "78.950000"),
    ("Slavgorod", "Asia/Barnaul", "Z2", "52.983330", "78.650000"),
    ("Yarovoye", "Asia/Barnaul", "Z2", "52.925000", "78.573330"),
    ("Blagoveshchenka", "Asia/Barnaul", "Z2", "52.833330", "79.866670"),
    ("Barnaul", "Asia/Barnaul", "Z1", "53.347990", "83.779840"),
    ("Omsk", "Asia/Omsk", "Z1", "54.988480", "73.324240"),
]
STREETS = ["Lenina", "Abaya", "Mira", "Sovetskaya", "Respubliki", "Pobedy", "Gagarina", "Tsentralnaya", "Shkolnaya"]

# root, subgroup, leaf, unit, weighted?, base names, sizes, price range
CATALOGUE = [
    (
        "Groceries",
        "Dairy",
        "Milk",
        Unit.PIECE,
        False,
        ["Milk", "Baked milk", "Kefir", "Ayran", "Cream"],
        ["0.5 l", "0.9 l", "1 l"],
        (250, 900),
    ),
    (
        "Groceries",
        "Dairy",
        "Cheese",
        Unit.KILOGRAM,
        True,
        ["Cheese Russian", "Cheese Gouda", "Cheese Kostroma", "Suluguni", "Brynza"],
        [""],
        (2500, 7000),
    ),
    (
        "Groceries",
        "Dairy",
        "Yoghurt",
        Unit.PIECE,
        False,
        ["Yoghurt", "Curd snack", "Glazed curd", "Sour cream"],
        ["120 g", "200 g", "400 g"],
        (150, 800),
    ),
    (
        "Groceries",
        "Bakery",
        "Bread",
        Unit.PIECE,
        False,
        ["White bread", "Rye bread", "Baton", "Borodinsky", "Lavash"],
        ["300 g", "500 g"],
        (120, 450),
    ),
    (
        "Groceries",
        "Bakery",
        "Pastry",
        Unit.PIECE,
        False,
        ["Croissant", "Bun with poppy", "Pie with cabbage", "Samsa"],
        ["1 pc", "4 pcs"],
        (150, 900),
    ),
    (
        "Groceries",
        "Meat",
        "Sausages",
        Unit.KILOGRAM,
        True,
        ["Doctor's sausage", "Smoked sausage", "Wieners", "Ham", "Kazy"],
        [""],
        (2200, 9000),
    ),
    (
        "Groceries",
        "Meat",
        "Frozen meat",
        Unit.PIECE,
        False,
        ["Pelmeni", "Manty", "Chicken legs", "Minced beef", "Cutlets"],
        ["500 g", "800 g", "1 kg"],
        (900, 4500),
    ),
    (
        "Groceries",
        "Grocery",
        "Cereals",
        Unit.PIECE,
        False,
        ["Buckwheat", "Rice", "Oatmeal", "Millet", "Semolina"],
        ["800 g", "900 g", "5 kg"],
        (300, 3200),
    ),
    (
        "Groceries",
        "Grocery",
        "Pasta",
        Unit.PIECE,
        False,
        ["Spaghetti", "Horns", "Noodles", "Feathers", "Vermicelli"],
        ["400 g", "450 g", "900 g"],
        (200, 1200),
    ),
    (
        "Groceries",
        "Grocery",
        "Flour and sugar",
        Unit.PIECE,
        False,
        ["Flour", "Sugar", "Salt", "Soda", "Starch"],
        ["1 kg", "2 kg", "5 kg"],
        (150, 2800),
    ),
    (
        "Groceries",
        "Grocery",
        "Canned food",
        Unit.PIECE,
        False,
        ["Stewed beef", "Sprats", "Green peas", "Corn", "Tomato paste"],
        ["250 g", "340 g", "400 g"],
        (300, 2100),
    ),
    (
        "Groceries",
        "Sweets",
        "Chocolate",
        Unit.PIECE,
        False,
        ["Milk chocolate", "Dark chocolate", "Chocolate bar", "Candies box"],
        ["90 g", "100 g", "200 g"],
        (250, 3500),
    ),
    (
        "Groceries",
        "Sweets",
        "Candy by weight",
        Unit.KILOGRAM,
        True,
        ["Candy Caramel", "Candy Chamomile", "Gingerbread", "Waffles", "Marshmallow"],
        [""],
        (1500, 5000),
    ),
    (
        "Groceries",
        "Fruit and vegetables",
        "Vegetables",
        Unit.KILOGRAM,
        True,
        ["Potatoes", "Onions", "Carrots", "Cabbage", "Tomatoes", "Cucumbers"],
        [""],
        (150, 1800),
    ),
    (
        "Groceries",
        "Fruit and vegetables",
        "Fruit",
        Unit.KILOGRAM,
        True,
        ["Apples", "Bananas", "Oranges", "Lemons", "Pears", "Grapes"],
        [""],
        (500, 2500),
    ),
    (
        "Groceries",
        "Tea and coffee",
        "Tea",
        Unit.PIECE,
        False,
        ["Black tea", "Green tea", "Tea bags", "Herbal tea"],
        ["25 bags", "100 g", "250 g"],
        (300, 3000),
    ),
    (
        "Groceries",
        "Tea and coffee",
        "Coffee",
        Unit.PIECE,
        False,
        ["Instant coffee", "Ground coffee", "Coffee beans", "Coffee 3in1"],
        ["95 g", "190 g", "250 g", "1 kg"],
        (600, 9000),
    ),
    (
        "Drinks",
        "Soft drinks",
        "Water",
        Unit.PIECE,
        False,
        ["Mineral water", "Still water", "Sparkling water"],
        ["0.5 l", "1.5 l", "5 l"],
        (100, 700),
    ),
    (
        "Drinks",
        "Soft drinks",
        "Juice",
        Unit.PIECE,
        False,
        ["Apple juice", "Orange juice", "Tomato juice", "Multifruit nectar"],
        ["0.2 l", "1 l", "2 l"],
        (150, 1500),
    ),
    (
        "Drinks",
        "Soft drinks",
        "Soda",
        Unit.PIECE,
        False,
        ["Cola", "Lemonade", "Tarkhun", "Buratino", "Kvass"],
        ["0.5 l", "1 l", "1.5 l", "2 l"],
        (200, 1100),
    ),
    (
        "Drinks",
        "Beer",
        "Beer",
        Unit.PIECE,
        False,
        ["Lager", "Pale ale", "Dark beer", "Wheat beer"],
        ["0.45 l", "0.5 l", "1.5 l"],
        (350, 1600),
    ),
    (
        "Household goods",
        "Cleaning",
        "Detergents",
        Unit.PIECE,
        False,
        ["Washing powder", "Laundry gel", "Dish liquid", "Bleach", "Fabric softener"],
        ["450 g", "1 kg", "3 kg", "1 l"],
        (500, 6000),
    ),
    (
        "Household goods",
        "Cleaning",
        "Cleaning tools",
        Unit.PIECE,
        False,
        ["Sponges", "Mop", "Broom", "Rubber gloves", "Microfibre cloth"],
        ["1 pc", "3 pcs", "5 pcs"],
        (200, 4000),
    ),
    (
        "Household goods",
        "Kitchen",
        "Cookware",
        Unit.PIECE,
        False,
        ["Frying pan", "Saucepan", "Kettle", "Ladle", "Cutting board"],
        ["20 cm", "24 cm", "2 l", "3 l"],
        (1500, 25000),
    ),
    (
        "Household goods",
        "Kitchen",
        "Tableware",
        Unit.PIECE,
        False,
        ["Plate", "Cup", "Glass", "Bowl", "Fork set"],
        ["1 pc", "6 pcs"],
        (300, 8000),
    ),
    (
        "Household goods",
        "Home",
        "Textiles",
        Unit.PIECE,
        False,
        ["Towel", "Bed linen set", "Pillow", "Blanket", "Tablecloth"],
        ["50x90", "70x140", "1.5-bed", "2-bed"],
        (1500, 30000),
    ),
    (
        "Household goods",
        "Home",
        "Hardware",
        Unit.PIECE,
        False,
        ["Light bulb", "Extension cord", "Batteries AA", "Padlock", "Tape measure"],
        ["1 pc", "2 pcs", "4 pcs"],
        (300, 9000),
    ),
    (
        "Household goods",
        "Home",
        "Rope and wire",
        Unit.METRE,
        False,
        ["Clothes line", "Garden hose", "Electric cable", "Chain"],
        ["by metre"],
        (100, 1500),
    ),
    (
        "Household goods",
        "Garden",
        "Garden",
        Unit.PIECE,
        False,
        ["Seeds cucumber", "Seeds tomato", "Fertiliser", "Watering can", "Garden gloves"],
        ["1 pack", "1 kg", "5 l"],
        (100, 5000),
    ),
    (
        "Personal care",
        "Hygiene",
        "Soap and shampoo",
        Unit.PIECE,
        False,
        ["Shampoo", "Soap", "Shower gel", "Toothpaste", "Toothbrush"],
        ["90 g", "250 ml", "400 ml"],
        (250, 4000),
    ),
    (
        "Personal care",
        "Hygiene",
        "Paper goods",
        Unit.PIECE,
        False,
        ["Toilet paper", "Paper towels", "Napkins", "Wet wipes"],
        ["4 rolls", "8 rolls", "100 pcs"],
        (200, 2500),
    ),
    (
        "Personal care",
        "Baby",
        "Baby goods",
        Unit.PIECE,
        False,
        ["Diapers", "Baby food", "Baby cream", "Baby wipes"],
        ["S", "M", "L", "80 g"],
        (400, 9000),
    ),
    (
        "Games and toys",
        "Games",
        "Board games",
        Unit.PIECE,
        False,
        ["Chess", "Checkers", "Lotto", "Puzzle 500", "Dominoes"],
        ["1 pc"],
        (1500, 15000),
    ),
    (
        "Games and toys",
        "Toys",
        "Toys",
        Unit.PIECE,
        False,
        ["Doll", "Toy car", "Ball", "Construction set", "Soft bear"],
        ["small", "medium", "large"],
        (800, 20000),
    ),
    (
        "Tobacco",
        "Tobacco",
        "Cigarettes",
        Unit.PIECE,
        False,
        ["Cigarettes Classic", "Cigarettes Blue", "Cigarettes Slim"],
        ["pack"],
        (900, 1500),
    ),
]
BRANDS = [
    "Altai",
    "Kulunda",
    "Step",
    "Sibir",
    "Zolotoe Pole",
    "Domashny",
    "Kazakhstan Sut",
    "Rakhat",
    "Bayan Sulu",
    "Tabys",
    "Alel",
    "Raduga",
    "Severnaya",
    "Ekonom",
    "Premium",
    "Lada",
    "Kokshe",
    "Yesil",
    "Irtysh",
    "Ob",
    "Barnaul",
    "Aksai",
    "Dostyk",
    "Tulpar",
    "Baikal",
    "Berkut",
    "Nomad",
    "Silk Way",
    "Uyut",
    "Chistota",
]
QUALIFIERS = [
    "Classic",
    "Premium",
    "Light",
    "Organic",
    "Family",
    "Mini",
    "Extra",
    "Original",
    "Fresh",
    "Homestyle",
    "Gold",
    "Select",
    "Village",
    "Kids",
    "Eco",
    "Strong",
    "Soft",
    "Max",
    "Royal",
    "Daily",
]
SUPPLIER_WORDS = [
    "Agro",
    "Trade",
    "Opt",
    "Snab",
    "Prod",
    "Logistic",
    "Distribution",
    "Invest",
    "Servis",
    "Market",
    "Import",
    "Khim",
    "Plast",
    "Bumaga",
    "Sut",
    "Nan",
    "Et",
    "Su",
    "Dala",
    "Kokshe",
    "Altai",
    "Sibir",
    "Kaz",
    "Euro",
]


@dataclass
class SeedResult:
    zones: int = 0
    shops: int = 0
    groups: int = 0
    products: int = 0
    barcodes: int = 0
    prices: int = 0
    suppliers: int = 0


def sku_for(index: int) -> str:
    return f"P{index + 1:06d}"


def _ean13(rng: random.Random, used: set[str]) -> str:
    while True:
        body = rng.choice(["460", "487", "482", "469"]) + f"{rng.randrange(10**9):09d}"
        code = body + ean_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def _group(path_names: tuple[str, ...], cache: dict) -> ProductGroup:
    node = None
    for depth in range(1, len(path_names) + 1):
        key = path_names[:depth]
        if key not in cache:
            name = key[-1]
            if node is None:
                found = ProductGroup.objects.get_root_nodes().filter(name=name).first()
                cache[key] = found or ProductGroup.objects.add_root({"name": name})
            else:
                found = ProductGroup.objects.get_children(node).filter(name=name).first()
                cache[key] = found or ProductGroup.objects.add_child(node, {"name": name})
        node = cache[key]
    return node


def seed_inventory(*, products: int, shops: int, suppliers: int, actor, seed: int = 42) -> SeedResult:
    """Create the demo reference data that is missing. Safe to run again."""
    rng = random.Random(seed)
    result = SeedResult()
    with transaction.atomic():
        zones = {}
        for code, name in ZONES:
            zones[code], created = PriceZone.objects.get_or_create(code=code, defaults={"name": name})
            result.zones += created
        result.shops = _seed_shops(rng, shops, zones)
        result.suppliers = _seed_suppliers(rng, suppliers)
        result.groups, result.products, result.barcodes, result.prices = _seed_products(rng, products, zones, actor)
    tables_analyze(Product, Barcode, Price)
    return result


def _seed_shops(rng: random.Random, count: int, zones) -> int:
    created = 0
    supermarkets = {0, 8} if count >= 10 else {0}
    for index in range(count):
        city, tz, zone, lat, lon = CITIES[index % len(CITIES)]
        number = index // len(CITIES) + 1
        is_super = index in supermarkets
        name = f"{city} {'Supermarket' if is_super else 'Shop'}" + (f" {number}" if number > 1 else "")
        _shop, was_created = Shop.objects.get_or_create(
            code=f"{index + 1:02d}",
            defaults={
                "name": name,
                "city": city,
                "time_zone": tz,
                "price_zone": zones["Z1" if is_super else zone],
                "format": ShopFormat.SUPERMARKET if is_super else ShopFormat.CONVENIENCE,
                "address": f"{rng.choice(STREETS)} st. {rng.randint(1, 120)}",
                "opening_hours": "Mon-Sun 08:00-23:00" if is_super else "Mon-Sun 09:00-21:00",
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "negative_stock_allowed": is_super,
            },
        )
        created += was_created
    return created


def _seed_suppliers(rng: random.Random, count: int) -> int:
    existing = set(Supplier.objects.values_list("tax_id", flat=True))
    new = []
    for index in range(count):
        tax_id = f"{100000000000 + index * 7919 + 17:012d}"
        name = f"{rng.choice(['TOO', 'OOO', 'IP'])} {rng.choice(SUPPLIER_WORDS)}{rng.choice(SUPPLIER_WORDS).lower()} {index + 1}"
        days = rng.sample(range(7), rng.randint(1, 3))
        supplier = Supplier(
            name=name,
            tax_id=tax_id,
            contact_person=f"Manager {index + 1}",
            phone=f"+7701{index:07d}",
            email=f"orders{index + 1}@supplier.example",
            payment_terms_days=rng.choice([0, 7, 14, 21, 30, 45]),
            order_weekdays=sum(1 << d for d in days),
            lead_time_days=rng.randint(1, 7),
            min_order_amount=Decimal(rng.choice([0, 20000, 50000, 100000])),
        )
        if tax_id not in existing:
            new.append(supplier)
    Supplier.objects.bulk_create(new, batch_size=500)
    return len(new)


def _seed_products(rng: random.Random, count: int, zones, actor) -> tuple[int, int, int, int]:
    groups_before = ProductGroup.objects.count()
    cache: dict = {}
    leaves = [
        (_group((root, sub, leaf), cache), unit, weighted, bases, sizes, prices)
        for root, sub, leaf, unit, weighted, bases, sizes, prices in CATALOGUE
    ]
    groups_created = ProductGroup.objects.count() - groups_before

    existing_skus = set(Product.objects.values_list("sku", flat=True))
    used_codes = set(Barcode.objects.values_list("code", flat=True))
    plan = []  # (product, barcodes, base price)
    names_seen: set[str] = set()
    plu = 0
    for index in range(count):
        group, unit, weighted, bases, sizes, (low, high) = leaves[index % len(leaves)]
        for attempt in range(40):
            qualifier = rng.choice(QUALIFIERS) if attempt else ""
            name = " ".join(x for x in [rng.choice(BRANDS), qualifier, rng.choice(bases), rng.choice(sizes)] if x)
            if name not in names_seen:
                break
        else:
            name = f"{name} ({sku_for(index)})"
        names_seen.add(name)
        if weighted:
            plu += 1
        sku = sku_for(index)
        price = round_money(Decimal(rng.randint(low, high)) + Decimal(rng.choice(["0", "0.50", "0.90"])))
        codes = [] if weighted else [_ean13(rng, used_codes) for _ in range(2 if rng.random() < 0.15 else 1)]
        if sku in existing_skus:
            continue
        product = Product(
            sku=sku,
            name=name,
            group=group,
            unit=unit,
            vat_rate=Decimal("16.00"),
            is_weighted=weighted,
            plu=plu if weighted else None,
            excluded_from_discounts=group.name == "Cigarettes",
            is_active=rng.random() > 0.02,
        )
        plan.append((product, codes, price))
    if not plan:
        return groups_created, 0, 0, 0
    Product.objects.bulk_create([p for p, _c, _pr in plan], batch_size=2000)
    ids = dict(Product.objects.filter(sku__in=[p.sku for p, _c, _pr in plan]).values_list("sku", "pk"))
    barcodes = [Barcode(product_id=ids[p.sku], code=c, kind="ean13") for p, codes, _pr in plan for c in codes]
    Barcode.objects.bulk_create(barcodes, batch_size=5000)

    today = timezone.localdate()
    start = today - datetime.timedelta(days=90)
    prices = 0
    for code, zone in zones.items():
        markup = Decimal("1.00") if code == "Z1" else Decimal("1.06")
        lines = [(ids[p.sku], round_money(price * markup)) for p, _c, price in plan]
        price_change_create_posted(zone=zone, effective_date=start, prices=lines, actor=actor, comment="Opening prices")
        prices += len(lines)
        # A later price rise for one product in twenty, so the history shows a change.
        rises = [(pid, round_money(amount * Decimal("1.08"))) for pid, amount in lines[::20]]
        price_change_create_posted(
            zone=zone,
            effective_date=today - datetime.timedelta(days=14),
            prices=rises,
            actor=actor,
            comment="Price rise",
        )
        prices += len(rises)
    return groups_created, len(plan), len(barcodes), prices


# --- stock -------------------------------------------------------------------------------------------

SMALL_SHOP_ASSORTMENT = 2500


def seed_stock(*, actor, days: int = 21, seed: int = 7, on_day=None) -> dict:
    """Opening balances for every shop, then `days` of receipts, transfers and write-offs.

    Everything goes through the document services, so the ledger, balances, postings and
    check_ledgers are what production would show. Skipped if the demo stock exists.
    `on_day(day)` is called after each day's documents (the demo's sales of that day), so that
    the history is written in date order and nothing posted later is dated earlier.
    """
    from .choices import ShopFormat, WriteOffReason
    from .models import (
        GoodsReceipt,
        OpeningBalance,
        OpeningBalanceLine,
        StockBalance,
        Stocktake,
        Supplier,
        Transfer,
        WriteOff,
    )
    from .selectors import prices_in_force
    from .services import (
        goods_receipt_post,
        opening_balance_post,
        stocktake_fill,
        transfer_receive,
        transfer_ship,
        write_off_post,
    )

    counts = {"opening": 0, "receipts": 0, "transfers": 0, "write_offs": 0}
    shops = list(Shop.objects.trading().order_by("code"))
    if not shops or OpeningBalance.objects.exists():
        return counts
    rng = random.Random(seed)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days)
    zone = PriceZone.objects.order_by("code").first()
    retail = prices_in_force(zone_id=zone.pk, day=today)
    products = list(Product.objects.filter(is_active=True).order_by("pk").values_list("pk", "is_weighted"))
    product_ids = [pk for pk, _w in products]
    cost = {pk: round_money(retail.get(pk, Decimal("100")) * Decimal("0.7")) for pk in product_ids}
    assortment = {}
    for shop in shops:
        chosen = (
            product_ids
            if shop.format == ShopFormat.SUPERMARKET
            else sorted(rng.sample(product_ids, min(SMALL_SHOP_ASSORTMENT, len(product_ids))))
        )
        assortment[shop.pk] = chosen
        document = OpeningBalance.objects.create(
            shop=shop, business_date=start - datetime.timedelta(days=1), created_by=actor, comment="Demo go-live"
        )
        OpeningBalanceLine.objects.bulk_create(
            [
                OpeningBalanceLine(
                    document=document, product_id=pid, quantity=Decimal(rng.randint(5, 60)), unit_cost=cost[pid]
                )
                for pid in chosen
            ],
            batch_size=5000,
        )
        opening_balance_post(document_id=document.pk, actor=actor)
        counts["opening"] += 1

    suppliers = list(Supplier.objects.order_by("pk")[:40])
    supermarkets = [s for s in shops if s.format == ShopFormat.SUPERMARKET] or shops[:1]
    in_transit: list[int] = []  # shipped yesterday, received today before anything else is posted
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        for document_id in in_transit:
            transfer_receive(document_id=document_id, actor=actor, received_date=day)
        in_transit = []
        for index, shop in enumerate(shops):
            if (index + offset) % 3 == 0:  # each shop gets a delivery every third day
                lines = rng.sample(assortment[shop.pk], 20)
                document = GoodsReceipt.objects.create(
                    shop=shop,
                    supplier=rng.choice(suppliers),
                    business_date=day,
                    created_by=actor,
                    supplier_invoice_number=f"INV-{day:%m%d}-{shop.code}",
                    supplier_invoice_date=day,
                )
                document.lines.model.objects.bulk_create(
                    [
                        document.lines.model(
                            document=document,
                            product_id=pid,
                            quantity=Decimal(rng.randint(6, 48)),
                            price_amount=round_money(cost[pid] * Decimal(rng.choice(["0.97", "1", "1.03"]))),
                            vat_rate=Decimal("16"),
                        )
                        for pid in lines
                    ]
                )
                goods_receipt_post(document_id=document.pk, actor=actor)
                counts["receipts"] += 1
            if (index + offset) % 7 == 0:  # a weekly write-off of what is in stock
                in_stock = list(
                    StockBalance.objects.filter(shop=shop, quantity__gte=3)
                    .order_by("?")
                    .values_list("product_id", flat=True)[:3]
                )
                if in_stock:
                    document = WriteOff.objects.create(
                        shop=shop, business_date=day, created_by=actor, reason=rng.choice(WriteOffReason.values)
                    )
                    document.lines.model.objects.bulk_create(
                        [
                            document.lines.model(document=document, product_id=pid, quantity=Decimal(1))
                            for pid in in_stock
                        ]
                    )
                    write_off_post(document_id=document.pk, actor=actor)
                    counts["write_offs"] += 1
        # Two transfers a day from a supermarket to a small shop, received the next day.
        for _n in range(2):
            source = rng.choice(supermarkets)
            target = rng.choice([s for s in shops if s.pk != source.pk])
            available = list(
                StockBalance.objects.filter(shop=source, quantity__gte=10)
                .order_by("?")
                .values_list("product_id", flat=True)[:10]
            )
            if not available:
                continue
            document = Transfer.objects.create(shop=source, to_shop=target, business_date=day, created_by=actor)
            document.lines.model.objects.bulk_create(
                [
                    document.lines.model(document=document, product_id=pid, quantity=Decimal(rng.randint(2, 6)))
                    for pid in available
                ]
            )
            transfer_ship(document_id=document.pk, actor=actor)
            in_transit.append(document.pk)
            counts["transfers"] += 1
        if on_day:
            on_day(day)
    for document_id in in_transit:
        transfer_receive(document_id=document_id, actor=actor, received_date=today)

    # A stocktake in progress in the second shop, book quantities taken, for the owner to try.
    dairy = ProductGroup.objects.filter(name="Dairy").first()
    stocktake = Stocktake.objects.create(
        shop=shops[min(1, len(shops) - 1)], business_date=today, created_by=actor, comment="Demo: dairy count"
    )
    if dairy:
        stocktake.groups.add(dairy)
    stocktake_fill(document_id=stocktake.pk, actor=actor)
    return counts
