"""Demo customers: 20,000 people registered in the shops over a year, each with a card (most plastic, some
virtual), a verified consent, purchases over the last two months, and tiers computed from those purchases.

Bulk writes (bulk_create in chunks), so 20,000 customers take seconds on SQLite. Idempotent: skipped
once the demo's customers exist. Purchases are seeded only when no sale has written any (when sales pass
cards in, the seeded receipts carry them instead).
"""

import datetime
import random
from contextlib import contextmanager, suppress
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.models import Shop

from .choices import CardKind, CardStatus, Channel, Language
from .models import AccountPurchase, Card, ConsentRecord, ConsentText, Customer, LoyaltyAccount
from .services.cards import _next_serial, card_number_make, card_pool_generate
from .services.customers import tier_entry
from .services.sms import locks_take
from .services.tiers import TierRunDone, month_start, tier_zones, tiers_recalculate, tiers_seed_defaults

PHONE_BASE = 77_015_000_000  # +7 701 500 00 00 …: the demo's range
CHUNK = 5000
NAMES = [
    "Айгерим",
    "Данияр",
    "Асель",
    "Ерлан",
    "Мадина",
    "Нурлан",
    "Алия",
    "Тимур",
    "Жанна",
    "Арман",
    "Ольга",
    "Сергей",
    "Екатерина",
    "Дмитрий",
    "Гульнара",
    "Руслан",
]
CONSENT = {
    Language.RU: "Я согласен на обработку персональных данных для программы лояльности.",
    Language.KK: "Адалдық бағдарламасы үшін дербес деректерімді өңдеуге келісемін.",
    Language.EN: "I agree to the processing of my personal data for the loyalty program.",
}


@contextmanager
def _own_timestamps(*models):
    """Let bulk_create keep the seeded registration times (auto_now_add would stamp them all "now")."""
    fields = [m._meta.get_field("created_at") for m in models]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def seed_customers(*, count: int = 20000, seed: int = 42, progress=None) -> dict:
    """Seed `count` demo customers with accounts, cards, consents and purchases; recalculate tiers."""
    counts = {"customers": 0, "cards": 0, "purchases": 0, "pool": 0, "tier_moves": 0}
    if count <= 0 or Customer.objects.filter(phone=f"+{PHONE_BASE + 1}").exists():
        return counts
    rng = random.Random(seed)
    shops = list(Shop.objects.trading().filter(is_active=True).order_by("code"))
    if not shops:
        return counts
    for language, body in CONSENT.items():
        ConsentText.objects.get_or_create(version=1, language=language, defaults={"body": body})
    texts = {t.language: t for t in ConsentText.objects.filter(version=1)}
    tiers_seed_defaults()
    entry = tier_entry()
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic(), _own_timestamps(Customer, LoyaltyAccount):
        locks_take(
            [f"card-prefix:{settings.LOYALTY_CARD_PREFIX}", f"card-prefix:{settings.LOYALTY_VIRTUAL_CARD_PREFIX}"]
        )
        plastic_serial = _next_serial(settings.LOYALTY_CARD_PREFIX)
        virtual_serial = _next_serial(settings.LOYALTY_VIRTUAL_CARD_PREFIX)
        purchases_seeded = not AccountPurchase.objects.exists()
        receipt_id = 10**12  # far above real receipt ids: the demo's purchase facts are not receipts
        for start in range(1, count + 1, CHUNK):
            numbers = range(start, min(start + CHUNK, count + 1))
            people = []
            for n in numbers:
                shop = shops[rng.randrange(len(shops))]
                language = rng.choice([Language.RU, Language.RU, Language.KK, Language.EN])
                created = now - datetime.timedelta(days=rng.randrange(365), minutes=rng.randrange(600))
                birthday = datetime.date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28))
                people.append(
                    Customer(
                        phone=f"+{PHONE_BASE + n}",
                        name=f"{rng.choice(NAMES)} {n}",
                        birthday=birthday,
                        language=language,
                        registration_shop=shop,
                        channel=Channel.APP if n % 10 == 0 else Channel.SHOP,
                        created_at=created,
                    )
                )
            Customer.objects.bulk_create(people, batch_size=CHUNK)  # primary keys come back (RETURNING)
            accounts = [
                LoyaltyAccount(
                    customer_id=c.pk, home_shop_id=c.registration_shop_id, tier=entry, created_at=c.created_at
                )
                for c in people
            ]
            LoyaltyAccount.objects.bulk_create(accounts, batch_size=CHUNK)
            cards, consents, purchases = [], [], []
            for customer, account in zip(people, accounts, strict=True):
                if customer.channel == Channel.APP:
                    number, kind = (
                        card_number_make(settings.LOYALTY_VIRTUAL_CARD_PREFIX, virtual_serial),
                        CardKind.VIRTUAL,
                    )
                    virtual_serial += 1
                else:
                    number, kind = card_number_make(settings.LOYALTY_CARD_PREFIX, plastic_serial), CardKind.PLASTIC
                    plastic_serial += 1
                cards.append(
                    Card(
                        number=number,
                        kind=kind,
                        status=CardStatus.ACTIVE,
                        account_id=account.pk,
                        batch="demo",
                        issued_at=customer.created_at,
                    )
                )
                consents.append(
                    ConsentRecord(
                        customer_id=customer.pk,
                        consent_text_id=texts[customer.language].pk,
                        version=1,
                        given_at=customer.created_at,
                        channel=customer.channel,
                        shop_id=customer.registration_shop_id,
                        proof="demo",
                    )
                )
                if purchases_seeded and rng.random() < 0.7:
                    for _ in range(1 + rng.randrange(4)):
                        day = today - datetime.timedelta(days=rng.randrange(60))
                        if day < customer.created_at.date():
                            continue
                        amount = Decimal(rng.randrange(2000, 40000)).quantize(Decimal("0.01"))
                        if rng.random() < 0.05:
                            amount = -amount / 4
                        receipt_id += 1
                        purchases.append(
                            AccountPurchase(
                                account_id=account.pk,
                                shop_id=customer.registration_shop_id,
                                business_date=day,
                                amount=amount.quantize(Decimal("0.01")),
                                receipt_id=receipt_id,
                                channel=customer.channel,
                            )
                        )
            Card.objects.bulk_create(cards, batch_size=CHUNK)
            ConsentRecord.objects.bulk_create(consents, batch_size=CHUNK)
            AccountPurchase.objects.bulk_create(purchases, batch_size=CHUNK)
            counts["customers"] += len(people)
            counts["cards"] += len(cards)
            counts["purchases"] += len(purchases)
            if progress:
                progress(counts["customers"], count)
    counts["pool"] = max(count // 10, 100)
    card_pool_generate(count=counts["pool"], batch="Демо-пул")
    # Tiers from the seeded purchases: the recalculation of this month (last month's purchases), per zone.
    for zone in tier_zones():
        with suppress(TierRunDone):
            counts["tier_moves"] += tiers_recalculate(month=month_start(today), zone=zone).moves_count
    return counts
