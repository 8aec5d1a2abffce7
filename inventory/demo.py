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
from .models import Barcode, Company, Price, PriceZone, Product, ProductGroup, Shop, Supplier
from .money import round_money
from .services import price_change_create_posted

# The demo's data is Russian, as a chain in northern Kazakhstan and Siberia keeps it (the labels
# around it are translated; the goods, shops and suppliers are named as on the shop's own papers).
COMPANY = {
    "name": "ТОО «Демо Ритейл»",
    "address": "010000, г. Астана, ул. Кенесары, 40",
    "bin": ("1507", "4", "0", 12345),  # registered July 2015, a resident legal entity, head office
}
ZONES = [("Z1", "Город"), ("Z2", "Село")]
MIGRATION_ZONE_NAME = "City"

# city, time zone, price zone, latitude, longitude
CITIES = [
    ("Астана", "Asia/Almaty", "Z1", "51.169392", "71.449074"),
    ("Кокшетау", "Asia/Almaty", "Z1", "53.283330", "69.383330"),
    ("Степногорск", "Asia/Almaty", "Z1", "52.350000", "71.883330"),
    ("Макинск", "Asia/Almaty", "Z2", "52.633330", "70.416670"),
    ("Акколь", "Asia/Almaty", "Z2", "51.994720", "70.943060"),
    ("Щучинск", "Asia/Almaty", "Z2", "52.933330", "70.200000"),
    ("Атбасар", "Asia/Almaty", "Z2", "51.816670", "68.366670"),
    ("Костанай", "Asia/Qostanay", "Z1", "53.214440", "63.624440"),
    ("Кулунда", "Asia/Barnaul", "Z2", "52.566670", "78.950000"),
    ("Славгород", "Asia/Barnaul", "Z2", "52.983330", "78.650000"),
    ("Яровое", "Asia/Barnaul", "Z2", "52.925000", "78.573330"),
    ("Благовещенка", "Asia/Barnaul", "Z2", "52.833330", "79.866670"),
    ("Барнаул", "Asia/Barnaul", "Z1", "53.347990", "83.779840"),
    ("Омск", "Asia/Omsk", "Z1", "54.988480", "73.324240"),
]
STREETS = [
    "ул. Ленина",
    "ул. Абая",
    "ул. Мира",
    "ул. Советская",
    "пр. Республики",
    "ул. Победы",
    "ул. Гагарина",
    "ул. Центральная",
    "ул. Школьная",
]
SUPERMARKET, SHOP = "супермаркет", "магазин"
OPENING_HOURS = {True: "Пн-Вс 08:00-23:00", False: "Пн-Вс 09:00-21:00"}

# Names the seed itself looks for: the stocktake's group, the leaf whose goods take no discounts.
DAIRY = "Молочные"
CIGARETTES = "Сигареты"

# root, subgroup, leaf, unit, weighted?, base names, sizes, price range
CATALOGUE = [
    (
        "Продукты",
        DAIRY,
        "Молоко",
        Unit.PIECE,
        False,
        ["Молоко", "Молоко топлёное", "Кефир", "Айран", "Сливки"],
        ["0,5 л", "0,9 л", "1 л"],
        (250, 900),
    ),
    (
        "Продукты",
        DAIRY,
        "Сыры",
        Unit.KILOGRAM,
        True,
        ["Сыр Российский", "Сыр Гауда", "Сыр Костромской", "Сулугуни", "Брынза"],
        [""],
        (2500, 7000),
    ),
    (
        "Продукты",
        DAIRY,
        "Йогурты и творожки",
        Unit.PIECE,
        False,
        ["Йогурт", "Творожок", "Сырок глазированный", "Сметана"],
        ["120 г", "200 г", "400 г"],
        (150, 800),
    ),
    (
        "Продукты",
        "Хлеб и выпечка",
        "Хлеб",
        Unit.PIECE,
        False,
        ["Хлеб белый", "Хлеб ржаной", "Батон", "Хлеб Бородинский", "Лаваш"],
        ["300 г", "500 г"],
        (120, 450),
    ),
    (
        "Продукты",
        "Хлеб и выпечка",
        "Выпечка",
        Unit.PIECE,
        False,
        ["Круассан", "Булочка с маком", "Пирожок с капустой", "Самса"],
        ["1 шт", "4 шт"],
        (150, 900),
    ),
    (
        "Продукты",
        "Мясо",
        "Колбасы",
        Unit.KILOGRAM,
        True,
        ["Колбаса докторская", "Колбаса копчёная", "Сосиски", "Ветчина", "Казы"],
        [""],
        (2200, 9000),
    ),
    (
        "Продукты",
        "Мясо",
        "Замороженные полуфабрикаты",
        Unit.PIECE,
        False,
        ["Пельмени", "Манты", "Окорочка куриные", "Фарш говяжий", "Котлеты"],
        ["500 г", "800 г", "1 кг"],
        (900, 4500),
    ),
    (
        "Продукты",
        "Бакалея",
        "Крупы",
        Unit.PIECE,
        False,
        ["Гречка", "Рис", "Овсяные хлопья", "Пшено", "Манка"],
        ["800 г", "900 г", "5 кг"],
        (300, 3200),
    ),
    (
        "Продукты",
        "Бакалея",
        "Макароны",
        Unit.PIECE,
        False,
        ["Спагетти", "Рожки", "Лапша", "Перья", "Вермишель"],
        ["400 г", "450 г", "900 г"],
        (200, 1200),
    ),
    (
        "Продукты",
        "Бакалея",
        "Мука и сахар",
        Unit.PIECE,
        False,
        ["Мука пшеничная", "Сахар", "Соль", "Сода", "Крахмал"],
        ["1 кг", "2 кг", "5 кг"],
        (150, 2800),
    ),
    (
        "Продукты",
        "Бакалея",
        "Консервы",
        Unit.PIECE,
        False,
        ["Тушёнка говяжья", "Шпроты", "Горошек зелёный", "Кукуруза", "Томатная паста"],
        ["250 г", "340 г", "400 г"],
        (300, 2100),
    ),
    (
        "Продукты",
        "Кондитерские изделия",
        "Шоколад",
        Unit.PIECE,
        False,
        ["Шоколад молочный", "Шоколад горький", "Шоколадный батончик", "Конфеты в коробке"],
        ["90 г", "100 г", "200 г"],
        (250, 3500),
    ),
    (
        "Продукты",
        "Кондитерские изделия",
        "Конфеты весовые",
        Unit.KILOGRAM,
        True,
        ["Конфеты Карамель", "Конфеты Ромашка", "Пряники", "Вафли", "Зефир"],
        [""],
        (1500, 5000),
    ),
    (
        "Продукты",
        "Овощи и фрукты",
        "Овощи",
        Unit.KILOGRAM,
        True,
        ["Картофель", "Лук репчатый", "Морковь", "Капуста", "Помидоры", "Огурцы"],
        [""],
        (150, 1800),
    ),
    (
        "Продукты",
        "Овощи и фрукты",
        "Фрукты",
        Unit.KILOGRAM,
        True,
        ["Яблоки", "Бананы", "Апельсины", "Лимоны", "Груши", "Виноград"],
        [""],
        (500, 2500),
    ),
    (
        "Продукты",
        "Чай и кофе",
        "Чай",
        Unit.PIECE,
        False,
        ["Чай чёрный", "Чай зелёный", "Чай в пакетиках", "Чай травяной"],
        ["25 пак.", "100 г", "250 г"],
        (300, 3000),
    ),
    (
        "Продукты",
        "Чай и кофе",
        "Кофе",
        Unit.PIECE,
        False,
        ["Кофе растворимый", "Кофе молотый", "Кофе в зёрнах", "Кофе 3 в 1"],
        ["95 г", "190 г", "250 г", "1 кг"],
        (600, 9000),
    ),
    (
        "Напитки",
        "Безалкогольные напитки",
        "Вода",
        Unit.PIECE,
        False,
        ["Вода минеральная", "Вода негазированная", "Вода газированная"],
        ["0,5 л", "1,5 л", "5 л"],
        (100, 700),
    ),
    (
        "Напитки",
        "Безалкогольные напитки",
        "Соки",
        Unit.PIECE,
        False,
        ["Сок яблочный", "Сок апельсиновый", "Сок томатный", "Нектар мультифрукт"],
        ["0,2 л", "1 л", "2 л"],
        (150, 1500),
    ),
    (
        "Напитки",
        "Безалкогольные напитки",
        "Газированные напитки",
        Unit.PIECE,
        False,
        ["Кола", "Лимонад", "Тархун", "Буратино", "Квас"],
        ["0,5 л", "1 л", "1,5 л", "2 л"],
        (200, 1100),
    ),
    (
        "Напитки",
        "Пиво",
        "Пиво",
        Unit.PIECE,
        False,
        ["Пиво светлое", "Пиво полутёмное", "Пиво тёмное", "Пиво пшеничное"],
        ["0,45 л", "0,5 л", "1,5 л"],
        (350, 1600),
    ),
    (
        "Хозтовары",
        "Бытовая химия",
        "Моющие средства",
        Unit.PIECE,
        False,
        ["Стиральный порошок", "Гель для стирки", "Средство для посуды", "Отбеливатель", "Кондиционер для белья"],
        ["450 г", "1 кг", "3 кг", "1 л"],
        (500, 6000),
    ),
    (
        "Хозтовары",
        "Бытовая химия",
        "Инвентарь для уборки",
        Unit.PIECE,
        False,
        ["Губки", "Швабра", "Веник", "Перчатки резиновые", "Салфетка из микрофибры"],
        ["1 шт", "3 шт", "5 шт"],
        (200, 4000),
    ),
    (
        "Хозтовары",
        "Кухня",
        "Посуда для готовки",
        Unit.PIECE,
        False,
        ["Сковорода", "Кастрюля", "Чайник", "Половник", "Разделочная доска"],
        ["20 см", "24 см", "2 л", "3 л"],
        (1500, 25000),
    ),
    (
        "Хозтовары",
        "Кухня",
        "Столовая посуда",
        Unit.PIECE,
        False,
        ["Тарелка", "Кружка", "Стакан", "Пиала", "Набор вилок"],
        ["1 шт", "6 шт"],
        (300, 8000),
    ),
    (
        "Хозтовары",
        "Дом",
        "Текстиль",
        Unit.PIECE,
        False,
        ["Полотенце", "Комплект постельного белья", "Подушка", "Одеяло", "Скатерть"],
        ["50x90", "70x140", "1,5-спальный", "2-спальный"],
        (1500, 30000),
    ),
    (
        "Хозтовары",
        "Дом",
        "Хозяйственные товары",
        Unit.PIECE,
        False,
        ["Лампочка", "Удлинитель", "Батарейки АА", "Замок навесной", "Рулетка"],
        ["1 шт", "2 шт", "4 шт"],
        (300, 9000),
    ),
    (
        "Хозтовары",
        "Дом",
        "Верёвки и провод",
        Unit.METRE,
        False,
        ["Верёвка бельевая", "Шланг садовый", "Кабель электрический", "Цепь"],
        ["на отрез"],
        (100, 1500),
    ),
    (
        "Хозтовары",
        "Сад и огород",
        "Сад и огород",
        Unit.PIECE,
        False,
        ["Семена огурца", "Семена томата", "Удобрение", "Лейка", "Перчатки садовые"],
        ["1 уп.", "1 кг", "5 л"],
        (100, 5000),
    ),
    (
        "Гигиена и уход",
        "Гигиена",
        "Мыло и шампуни",
        Unit.PIECE,
        False,
        ["Шампунь", "Мыло", "Гель для душа", "Зубная паста", "Зубная щётка"],
        ["90 г", "250 мл", "400 мл"],
        (250, 4000),
    ),
    (
        "Гигиена и уход",
        "Гигиена",
        "Бумажная продукция",
        Unit.PIECE,
        False,
        ["Туалетная бумага", "Бумажные полотенца", "Салфетки", "Влажные салфетки"],
        ["4 рул.", "8 рул.", "100 шт"],
        (200, 2500),
    ),
    (
        "Гигиена и уход",
        "Детские товары",
        "Детские товары",
        Unit.PIECE,
        False,
        ["Подгузники", "Детское питание", "Детский крем", "Детские салфетки"],
        ["S", "M", "L", "80 г"],
        (400, 9000),
    ),
    (
        "Игры и игрушки",
        "Игры",
        "Настольные игры",
        Unit.PIECE,
        False,
        ["Шахматы", "Шашки", "Лото", "Пазл 500 деталей", "Домино"],
        ["1 шт"],
        (1500, 15000),
    ),
    (
        "Игры и игрушки",
        "Игрушки",
        "Игрушки",
        Unit.PIECE,
        False,
        ["Кукла", "Машинка", "Мяч", "Конструктор", "Мягкий мишка"],
        ["маленький", "средний", "большой"],
        (800, 20000),
    ),
    (
        "Табак",
        "Табачные изделия",
        CIGARETTES,
        Unit.PIECE,
        False,
        ["Сигареты Классические", "Сигареты Синие", "Сигареты Тонкие"],
        ["пачка"],
        (900, 1500),
    ),
]
BRANDS = [
    "Алтай",
    "Кулунда",
    "Степь",
    "Сибирь",
    "Золотое поле",
    "Домашний",
    "Сүт-Агро",
    "Рахат",
    "Баян Сулу",
    "Табыс",
    "Алель",
    "Радуга",
    "Северная",
    "Эконом",
    "Премьер",
    "Лада",
    "Кокше",
    "Есиль",
    "Иртыш",
    "Обь",
    "Барнаульский",
    "Аксай",
    "Достык",
    "Тулпар",
    "Байкал",
    "Беркут",
    "Номад",
    "Шёлковый путь",
    "Уют",
    "Чистота",
]
# A brand's lines ("Алтай Премиум"): words that need no agreement with the product's gender.
QUALIFIERS = [
    "Классик",
    "Премиум",
    "Лайт",
    "Био",
    "Фэмили",
    "Мини",
    "Экстра",
    "Оригинал",
    "Фреш",
    "Хоум",
    "Голд",
    "Селект",
    "Деревня",
    "Кидс",
    "Эко",
    "Стронг",
    "Софт",
    "Макс",
    "Роял",
    "Дэйли",
]
SUPPLIER_FORMS = ["ТОО", "ООО", "ИП"]
SUPPLIER_WORDS = [
    "Агро",
    "Трейд",
    "Опт",
    "Снаб",
    "Продукт",
    "Логистик",
    "Дистрибуция",
    "Инвест",
    "Сервис",
    "Маркет",
    "Импорт",
    "Хим",
    "Пласт",
    "Бумага",
    "Сүт",
    "Нан",
    "Ет",
    "Су",
    "Дала",
    "Кокше",
    "Алтай",
    "Сибирь",
    "Каз",
    "Евро",
]
# Contact persons: surname and first name by the index (no draw from the seeded random).
MEN = (
    ["Иванов", "Жумабаев", "Петров", "Сейткали", "Кузнецов", "Ахметов", "Смирнов", "Нуртазин", "Попов", "Омаров"],
    ["Сергей", "Ерлан", "Андрей", "Нурлан", "Дмитрий", "Асхат", "Алексей", "Марат", "Владимир", "Бауыржан"],
)
WOMEN = (
    [
        "Иванова",
        "Жумабаева",
        "Петрова",
        "Сейткали",
        "Кузнецова",
        "Ахметова",
        "Смирнова",
        "Нуртазина",
        "Попова",
        "Омарова",
    ],
    ["Ольга", "Айгуль", "Елена", "Динара", "Наталья", "Гульнара", "Татьяна", "Жанар", "Ирина", "Асель"],
)


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
            if not created and zones[code].name == MIGRATION_ZONE_NAME:
                zones[code].name = name  # the placeholder migration 0004 made for the transit location
                zones[code].save(update_fields=["name"])
            result.zones += created
        result.shops = _seed_shops(rng, shops, zones)
        _seed_company()
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
        name = f"{city}, {SUPERMARKET if is_super else SHOP}" + (f" № {number}" if number > 1 else "")
        _shop, was_created = Shop.objects.get_or_create(
            code=f"{index + 1:02d}",
            defaults={
                "name": name,
                "city": city,
                "time_zone": tz,
                "price_zone": zones["Z1" if is_super else zone],
                "format": ShopFormat.SUPERMARKET if is_super else ShopFormat.CONVENIENCE,
                "address": f"{rng.choice(STREETS)}, {rng.randint(1, 120)}",
                "opening_hours": OPENING_HOURS[is_super],
                "latitude": Decimal(lat),
                "longitude": Decimal(lon),
                "negative_stock_allowed": is_super,
            },
        )
        created += was_created
    return created


def kz_check_digit(digits: str) -> int | None:
    """The 12th digit of a Kazakh BIN/IIN from its first 11 (None: no valid number with them)."""
    total = sum(int(d) * w for d, w in zip(digits, range(1, 12), strict=True)) % 11
    if total == 10:
        total = sum(int(d) * w for d, w in zip(digits, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], strict=True)) % 11
    return None if total == 10 else total


def kz_tax_number(head: str, serial: int, serial_digits: int) -> str:
    """A valid BIN/IIN: `head` (date and kind digits), then the first serial from `serial` up that checks."""
    for candidate in range(serial, serial + 100):
        body = head + f"{candidate % 10**serial_digits:0{serial_digits}d}"
        check = kz_check_digit(body)
        if check is not None:
            return body + str(check)
    raise ValueError(head)  # pragma: no cover - one serial in eleven fails at most


def ru_inn(region: str, office: str, serial: int) -> str:
    """A valid 10-digit Russian INN of an organisation."""
    body = f"{region}{office}{serial:05d}"
    return body + str(sum(int(d) * w for d, w in zip(body, [2, 4, 10, 3, 5, 9, 4, 6, 8], strict=True)) % 11 % 10)


def company_tax_number() -> str:
    yymm, kind, attribute, serial = COMPANY["bin"]
    return kz_tax_number(yymm + kind + attribute, serial, 5)


def supplier_tax_id(form: str, index: int) -> str:
    """ТОО: a BIN (5th digit 4, a legal entity); ИП: an IIN (a birth date: 5th digit 0-2); ООО: an INN.
    The index is in the serial, so the numbers never repeat."""
    if form == "ООО":
        return ru_inn("22" if index % 2 else "55", "25", index)
    if form == "ТОО":
        return kz_tax_number(f"{5 + index % 20:02d}{1 + index % 12:02d}40", index * 100, 5)
    century_sex = "3" if index % 2 else "4"
    return kz_tax_number(f"{60 + index % 35:02d}{1 + index % 12:02d}{1 + index % 28:02d}{century_sex}", index * 100, 4)


def _seed_company() -> None:
    """The company's details for the printouts, unless the owner has entered them."""
    if not Company.objects.exists():
        Company.objects.create(name=COMPANY["name"], tax_number=company_tax_number(), address=COMPANY["address"])


def _seed_suppliers(rng: random.Random, count: int) -> int:
    existing = set(Supplier.objects.values_list("tax_id", flat=True))
    new, names = [], set(Supplier.objects.values_list("name", flat=True))
    for index in range(count):
        form = rng.choice(SUPPLIER_FORMS)
        tax_id = supplier_tax_id(form, index)
        first, second = rng.choice(SUPPLIER_WORDS), rng.choice(SUPPLIER_WORDS)
        brand = first if first == second else f"{first}-{second}"
        city = CITIES[index % len(CITIES)][0]
        for candidate in (brand, f"{brand} {city}", f"{brand} {city} {index + 1}"):
            name = f"{form} «{candidate}»"
            if name not in names:
                break
        surnames, first_names = MEN if index % 2 else WOMEN
        days = rng.sample(range(7), rng.randint(1, 3))
        supplier = Supplier(
            name=name,
            tax_id=tax_id,
            contact_person=f"{surnames[index // 2 % 10]} {first_names[index // 20 % 10]}",
            phone=f"+7701{index:07d}",
            email=f"orders{index + 1}@supplier.example",
            address=f"г. {city}, {STREETS[index % len(STREETS)]}, {index % 97 + 1}",
            payment_terms_days=rng.choice([0, 7, 14, 21, 30, 45]),
            order_weekdays=sum(1 << d for d in days),
            lead_time_days=rng.randint(1, 7),
            min_order_amount=Decimal(rng.choice([0, 20000, 50000, 100000])),
        )
        if tax_id not in existing:
            new.append(supplier)
            names.add(name)
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
            brand = " ".join(x for x in [rng.choice(BRANDS), qualifier] if x)
            name = " ".join(x for x in [rng.choice(bases), f"«{brand}»", rng.choice(sizes)] if x)
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
            excluded_from_discounts=group.name == CIGARETTES,
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
        price_change_create_posted(zone=zone, effective_date=start, prices=lines, actor=actor, comment="Начальные цены")
        prices += len(lines)
        # A later price rise for one product in twenty, so the history shows a change.
        rises = [(pid, round_money(amount * Decimal("1.08"))) for pid, amount in lines[::20]]
        price_change_create_posted(
            zone=zone,
            effective_date=today - datetime.timedelta(days=14),
            prices=rises,
            actor=actor,
            comment="Повышение цен",
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
            shop=shop,
            business_date=start - datetime.timedelta(days=1),
            created_by=actor,
            comment="Ввод начальных остатков",
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
    dairy = ProductGroup.objects.filter(name=DAIRY).first()
    stocktake = Stocktake.objects.create(
        shop=shops[min(1, len(shops) - 1)],
        business_date=today,
        created_by=actor,
        comment="Инвентаризация молочной продукции",
    )
    if dairy:
        stocktake.groups.add(dairy)
    stocktake_fill(document_id=stocktake.pk, actor=actor)
    return counts
