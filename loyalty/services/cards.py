"""Card numbers: the pool (generated or imported), issuing, blocking and replacing, and lookups.

A number is EAN-13: the program's prefix (`LOYALTY_CARD_PREFIX` for plastic cards,
`LOYALTY_VIRTUAL_CARD_PREFIX` for the app's virtual cards), a serial, the GS1 check digit.
Numbering takes a lock row per prefix, so two batches never overlap.
"""

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.barcodes import ean_check_digit
from inventory.exceptions import DomainError

from ..choices import CardKind, CardStatus
from ..models import Card, LoyaltyAccount
from .sms import locks_take

MAX_BATCH = 1_000_000
CHUNK = 10_000


class CardNotAvailable(DomainError):
    default_message = _("This card number is not a free card of the pool.")
    http_status = 409

    def __init__(self, message=None, *, field="card_number"):
        super().__init__(message, field=field)


class CardNotActive(DomainError):
    default_message = _("Only an active card can be blocked or replaced.")
    http_status = 409


class CardBatchInvalid(DomainError):
    default_message = _("A batch is 1 to 1,000,000 cards.")


def card_number_make(prefix: str, serial: int) -> str:
    body = f"{prefix}{serial:0{12 - len(prefix)}d}"
    return body + ean_check_digit(body)


def card_number_valid(number: str) -> bool:
    """13 digits with a right check digit (any prefix: imported cards keep their numbers)."""
    return len(number) == 13 and number.isdigit() and ean_check_digit(number[:12]) == number[12]


def _next_serial(prefix: str) -> int:
    """The serial after the highest number under `prefix` (call under the prefix's lock)."""
    width = 12 - len(prefix)
    top = Card.objects.filter(number__startswith=prefix).aggregate(top=Max("number"))["top"]
    return int(top[len(prefix) : len(prefix) + width]) + 1 if top else 1


@transaction.atomic
def card_pool_generate(*, count: int, batch: str = "", prefix: str | None = None) -> tuple[str, str]:
    """Add `count` free plastic card numbers to the pool, after the highest one; return the first and last.

    Set-based: numbers are computed in memory and written with bulk_create in chunks.
    Raises CardBatchInvalid when the count is out of bounds or the prefix's numbers run out.
    """
    prefix = prefix or settings.LOYALTY_CARD_PREFIX
    if not 1 <= count <= MAX_BATCH:
        raise CardBatchInvalid()
    locks_take([f"card-prefix:{prefix}"])
    start = _next_serial(prefix)
    if start + count - 1 >= 10 ** (12 - len(prefix)):
        raise CardBatchInvalid(_("The prefix %(prefix)s has no room for so many numbers.") % {"prefix": prefix})
    batch = batch or timezone.localdate().strftime("%Y-%m-%d")
    if connection.vendor == "postgresql":
        _generate_in_sql(prefix=prefix, start=start, count=count, batch=batch)
        return card_number_make(prefix, start), card_number_make(prefix, start + count - 1)
    # Elsewhere (SQLite): plain rows through executemany, in chunks (no model instances: 100,000 in seconds).
    with connection.cursor() as cursor:
        for chunk_start in range(start, start + count, CHUNK):
            cursor.executemany(
                "INSERT INTO loyalty_card (number, kind, status, batch) VALUES (%s, %s, %s, %s)",
                [
                    (card_number_make(prefix, s), CardKind.PLASTIC, CardStatus.FREE, batch)
                    for s in range(chunk_start, min(chunk_start + CHUNK, start + count))
                ],
            )
    return card_number_make(prefix, start), card_number_make(prefix, start + count - 1)


def _generate_in_sql(*, prefix: str, start: int, count: int, batch: str) -> None:
    """PostgreSQL: the numbers and their GS1 check digits computed by one INSERT ... SELECT."""
    width = 12 - len(prefix)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO loyalty_card (number, kind, status, batch)
               SELECT b.body || ((10 - c.total %% 10) %% 10)::text, %s, %s, %s
               FROM (SELECT %s || lpad(s::text, %s, '0') AS body FROM generate_series(%s::bigint, %s::bigint) s) b
               CROSS JOIN LATERAL (
                   SELECT SUM(substr(b.body, i, 1)::int * CASE WHEN i %% 2 = 0 THEN 3 ELSE 1 END) AS total
                   FROM generate_series(1, 12) i
               ) c""",
            [CardKind.PLASTIC, CardStatus.FREE, batch, prefix, width, start, start + count - 1],
        )


def card_pool_import(*, numbers, batch: str) -> tuple[int, list[tuple[int, str, str]]]:
    """Add the given numbers (printed elsewhere) to the pool as free cards.

    Returns (added, problems): problems are (row, number, message) for a wrong number, a
    duplicate in the file, or a number already in the pool; the good ones are added anyway.
    """
    problems, good, seen = [], [], set()
    for row, raw in enumerate(numbers, start=1):
        number = str(raw or "").strip()
        if not card_number_valid(number):
            problems.append((row, number[:20], str(_("not an EAN-13 number with a right check digit"))))
        elif number in seen:
            problems.append((row, number, str(_("twice in the file"))))
        else:
            seen.add(number)
            good.append((row, number))
        if len(problems) > 1000:
            break
    added = 0
    with transaction.atomic():
        for i in range(0, len(good), CHUNK):
            chunk = good[i : i + CHUNK]
            taken = set(Card.objects.filter(number__in=[n for _r, n in chunk]).values_list("number", flat=True))
            problems += [(r, n, str(_("already in the pool"))) for r, n in chunk if n in taken]
            fresh = [Card(number=n, batch=batch) for _r, n in chunk if n not in taken]
            Card.objects.bulk_create(fresh, batch_size=CHUNK)
            added += len(fresh)
    return added, sorted(problems)


def card_issue(*, account: LoyaltyAccount, number: str) -> Card:
    """Give a free pool card to an account (one UPDATE that only a free card passes). Raises CardNotAvailable."""
    now = timezone.now()
    updated = Card.objects.filter(number=number, status=CardStatus.FREE).update(
        status=CardStatus.ACTIVE, account=account, issued_at=now
    )
    if not updated:
        raise CardNotAvailable()
    return Card.objects.get(number=number)


@transaction.atomic
def card_issue_next_free(*, account: LoyaltyAccount) -> Card:
    """The lowest free plastic number of the pool, issued to the account (skips cards other tills are taking)."""
    card = (
        Card.objects.select_for_update(skip_locked=True)
        .filter(status=CardStatus.FREE, kind=CardKind.PLASTIC)
        .order_by("number")
        .first()
    )
    if card is None:
        raise CardNotAvailable(_("The card pool is empty: generate or import card numbers."), field=None)
    return card_issue(account=account, number=card.number)


def card_issue_virtual(*, account: LoyaltyAccount) -> Card:
    """The account's virtual card for the mobile app: the active one it has, or a new number."""
    existing = account.cards.filter(kind=CardKind.VIRTUAL, status=CardStatus.ACTIVE).first()
    if existing is not None:
        return existing
    prefix = settings.LOYALTY_VIRTUAL_CARD_PREFIX
    with transaction.atomic():
        locks_take([f"card-prefix:{prefix}"])
        number = card_number_make(prefix, _next_serial(prefix))
        return Card.objects.create(
            number=number,
            kind=CardKind.VIRTUAL,
            status=CardStatus.ACTIVE,
            account=account,
            issued_at=timezone.now(),
            batch="virtual",
        )


@transaction.atomic
def card_block(*, card_id: int) -> Card:
    """Block a lost or stolen card: it no longer identifies the account (the account keeps everything)."""
    card = Card.objects.select_for_update().get(pk=card_id)
    if card.status != CardStatus.ACTIVE:
        raise CardNotActive()
    card.status, card.blocked_at = CardStatus.BLOCKED, timezone.now()
    card.save(update_fields=["status", "blocked_at"])
    return card


@transaction.atomic
def card_replace(*, card_id: int, new_number: str = "") -> Card:
    """Block a lost card and give its account a new one in one step: points, history and tier stay.

    The new card is `new_number` (a free pool card), or the pool's next free plastic card, or
    (for a virtual card) a new virtual number. Raises CardNotActive or CardNotAvailable.
    """
    old = card_block(card_id=card_id)
    account = old.account
    if new_number:
        new = card_issue(account=account, number=new_number)
    elif old.kind == CardKind.VIRTUAL:
        new = card_issue_virtual(account=account)
    else:
        new = card_issue_next_free(account=account)
    try:
        Card.objects.filter(pk=old.pk).update(replaced_by=new)
    except IntegrityError:  # pragma: no cover - a fresh card replaces nothing yet
        raise CardNotAvailable() from None
    old.replaced_by = new
    return new


def account_by_card(number: str) -> LoyaltyAccount | None:
    """The account an active card identifies (unique index on the number)."""
    card = (
        Card.objects.select_related("account__customer", "account__tier")
        .filter(number=(number or "").strip(), status=CardStatus.ACTIVE)
        .first()
    )
    return card.account if card else None


def account_by_phone(phone: str) -> LoyaltyAccount | None:
    """The account of the customer with this phone, E.164 (unique index on the phone)."""
    return (
        LoyaltyAccount.objects.select_related("customer", "tier").filter(customer__phone=phone).first()
        if phone
        else None
    )
