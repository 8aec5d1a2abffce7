"""Customers and their consent: registration at a till (or in the app) with an SMS code, sign-in to
the mobile app, and withdrawal of consent (the person anonymised, the account and history kept)."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inventory.exceptions import DomainError
from inventory.tokens import token_hash, token_new

from ..choices import CardStatus, Channel, CustomerStatus, Language
from ..models import (
    AppToken,
    Card,
    CodePurpose,
    ConsentRecord,
    ConsentText,
    Customer,
    LoyaltyAccount,
    SmsMessage,
    Tier,
    TierChange,
    TierChangeReason,
    VerificationCode,
)
from .cards import CardNotAvailable, card_issue, card_issue_virtual
from .sms import (
    CODE_TTL,
    MAX_TRIES,
    code_hash,
    code_matches,
    code_new,
    phone_normalise,
    send_limits_check,
    sms_dispatch,
    sms_queue,
)

APP_TOKEN_PREFIX = "app_"


class CustomerExists(DomainError):
    default_message = _("A customer with this phone is already registered.")
    http_status = 409

    def __init__(self, message=None, *, field="phone"):
        super().__init__(message, field=field)


class CustomerNotFound(DomainError):
    default_message = _("No customer has this phone.")
    http_status = 404

    def __init__(self, message=None, *, field="phone"):
        super().__init__(message, field=field)


class ConsentTextMissing(DomainError):
    default_message = _("No consent text is published: the owner adds one in the admin (Loyalty › Consent texts).")
    http_status = 409


class CodeNotFound(DomainError):
    default_message = _("No such code request, or it is not this till's.")
    http_status = 404


class CodeRefused(DomainError):
    """The code is wrong, expired, used, or tried too often: `field` is "code"."""

    def __init__(self, message=None, *, tries_left: int | None = None):
        super().__init__(message, field="code")
        self.tries_left = tries_left


@dataclass
class Registration:
    customer: Customer
    account: LoyaltyAccount
    card: Card
    consent: ConsentRecord


def consent_text_current(language: str) -> ConsentText | None:
    """The newest consent text in `language` (in Russian when it has none)."""
    texts = ConsentText.objects.order_by("-version")
    return texts.filter(language=language).first() or texts.filter(language=Language.RU).first() or texts.first()


def tier_entry() -> Tier | None:
    """The tier a new account starts in (the lowest rank)."""
    return Tier.objects.order_by("rank").first()


def _code_send(
    *, purpose, phone, language, shop, till_id, channel, details, consent_text=None
) -> tuple[VerificationCode, int]:
    """Check the limits, store the code's hash and queue its SMS (inside the caller's transaction)."""
    now = timezone.now()
    send_limits_check(phone=phone, till_id=till_id, now=now)
    code = code_new()
    verification = VerificationCode.objects.create(
        purpose=purpose,
        phone=phone,
        code_hash=code_hash(phone=phone, code=code),
        expires_at=now + CODE_TTL,
        channel=channel,
        shop=shop,
        till_id=till_id,
        consent_text=consent_text,
        details=details,
        created_at=now,
    )
    with translation.override(language):
        if consent_text is not None:
            template = gettext("Code %(code)s. By telling it you agree: %(text)s (v%(version)s)")
            params = {"text": consent_text.body, "version": consent_text.version}
        else:
            template = gettext("Your sign-in code: %(code)s. Do not tell it to anyone.")
            params = {}
    message = sms_queue(
        phone=phone,
        body=template % {**params, "code": "******"},
        secret_body=template % {**params, "code": code},
        purpose=purpose,
        shop=shop,
    )
    return verification, message.pk


def registration_start(
    *,
    phone: str,
    name: str = "",
    birthday: datetime.date | None = None,
    email: str = "",
    language: str = Language.RU,
    card_number: str = "",
    shop=None,
    till_id: int | None = None,
    channel: str = Channel.SHOP,
) -> VerificationCode:
    """Send the customer an SMS with a 6-digit code and the consent text; return the pending registration.

    Raises PhoneInvalid, CustomerExists, ConsentTextMissing, CardNotAvailable (the card the
    cashier hands over is not free), TooManyCodes (the send limits).
    """
    phone = phone_normalise(phone)
    if Customer.objects.filter(phone=phone).exists():
        raise CustomerExists()
    if card_number and not Card.objects.filter(number=card_number, status=CardStatus.FREE).exists():
        raise CardNotAvailable()
    text = consent_text_current(language)
    if text is None:
        raise ConsentTextMissing()
    details = {
        "name": name,
        "birthday": birthday.isoformat() if birthday else None,
        "email": email,
        "language": language,
        "card_number": card_number,
    }
    with transaction.atomic(durable=True):
        verification, message_id = _code_send(
            purpose=CodePurpose.REGISTRATION,
            phone=phone,
            language=language,
            shop=shop,
            till_id=till_id,
            channel=channel,
            details=details,
            consent_text=text,
        )
    sms_dispatch(message_id)
    return verification


def _code_check(verification: VerificationCode | None, code: str, *, till_id=None) -> bool:
    """Count a try and say if the code is right (under the code's lock). Raises CodeNotFound, CodeRefused."""
    if verification is None or (till_id is not None and verification.till_id != till_id):
        raise CodeNotFound()
    if verification.verified_at is not None:
        raise CodeRefused(_("This code was already used."))
    if verification.expires_at <= timezone.now():
        raise CodeRefused(_("The code has expired; ask for a new one."))
    if verification.attempts >= MAX_TRIES:
        raise CodeRefused(_("Too many wrong codes; ask for a new one."), tries_left=0)
    verification.attempts += 1
    verification.save(update_fields=["attempts"])
    return code_matches(stored=verification.code_hash, phone=verification.phone, code=code)


def _wrong_code(verification: VerificationCode) -> CodeRefused:
    left = MAX_TRIES - verification.attempts
    if left <= 0:
        return CodeRefused(_("Wrong code, and no tries are left; ask for a new one."), tries_left=0)
    return CodeRefused(_("Wrong code; %(left)s tries left.") % {"left": left}, tries_left=left)


def registration_confirm(*, registration_id: int, code: str, till_id: int | None = None) -> Registration:
    """The customer told the code: create the customer, the account (entry tier), the card, the consent.

    The card is the pool card the cashier handed over (named at the start), else a virtual one.
    A wrong try is counted even though the call fails. Raises CodeNotFound, CodeRefused,
    CustomerExists (registered meanwhile), CardNotAvailable.
    """
    with transaction.atomic(durable=True):
        verification = (
            VerificationCode.objects.select_for_update()
            .filter(pk=registration_id, purpose=CodePurpose.REGISTRATION)
            .first()
        )
        right = _code_check(verification, code, till_id=till_id)
        if right:
            return _register(verification)
    raise _wrong_code(verification)


def _register(verification: VerificationCode) -> Registration:
    now = timezone.now()
    details = verification.details or {}
    birthday = details.get("birthday")
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                phone=verification.phone,
                name=details.get("name") or "",
                birthday=datetime.date.fromisoformat(birthday) if birthday else None,
                email=details.get("email") or "",
                language=details.get("language") or Language.RU,
                registration_shop=verification.shop,
                registration_till_id=verification.till_id,
                channel=verification.channel,
            )
    except IntegrityError:
        raise CustomerExists() from None
    tier = tier_entry()
    account = LoyaltyAccount.objects.create(customer=customer, home_shop=verification.shop, tier=tier)
    if tier is not None:
        TierChange.objects.create(account=account, to_tier=tier, reason=TierChangeReason.REGISTRATION, changed_at=now)
    card_number = details.get("card_number")
    card = card_issue(account=account, number=card_number) if card_number else card_issue_virtual(account=account)
    consent = ConsentRecord.objects.create(
        customer=customer,
        consent_text=verification.consent_text,
        version=verification.consent_text.version,
        given_at=now,
        channel=verification.channel,
        shop=verification.shop,
        till_id=verification.till_id,
        verification=verification,
        proof=verification.code_hash,
    )
    verification.verified_at = now
    verification.save(update_fields=["verified_at"])
    return Registration(customer=customer, account=account, card=card, consent=consent)


# --- the mobile app -------------------------------------------------------------------------------


def app_sign_in_start(*, phone: str) -> VerificationCode:
    """Send a sign-in code to a registered customer's phone. Raises PhoneInvalid, CustomerNotFound, TooManyCodes."""
    phone = phone_normalise(phone)
    customer = Customer.objects.filter(phone=phone, status=CustomerStatus.ACTIVE).first()
    if customer is None:
        raise CustomerNotFound()
    with transaction.atomic(durable=True):
        verification, message_id = _code_send(
            purpose=CodePurpose.APP_SIGN_IN,
            phone=phone,
            language=customer.language,
            shop=None,
            till_id=None,
            channel=Channel.APP,
            details={},
        )
    sms_dispatch(message_id)
    return verification


def app_sign_in_confirm(*, phone: str, code: str) -> tuple[Customer, str]:
    """Check the newest sign-in code of the phone; return the customer and a new app token (shown once)."""
    phone = phone_normalise(phone)
    with transaction.atomic(durable=True):
        verification = (
            VerificationCode.objects.select_for_update()
            .filter(phone=phone, purpose=CodePurpose.APP_SIGN_IN)
            .order_by("-created_at", "-pk")
            .first()
        )
        if _code_check(verification, code):
            customer = Customer.objects.filter(phone=phone, status=CustomerStatus.ACTIVE).first()
            if customer is None:
                raise CustomerNotFound()
            verification.verified_at = timezone.now()
            verification.save(update_fields=["verified_at"])
            raw = token_new(APP_TOKEN_PREFIX)
            AppToken.objects.create(customer=customer, key_hash=token_hash(raw), created_at=timezone.now())
            return customer, raw
    raise _wrong_code(verification)


def app_token_customer(raw: str) -> Customer | None:
    """The active customer a live app token belongs to, or None."""
    token = (
        AppToken.objects.select_related("customer")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, customer__status=CustomerStatus.ACTIVE)
        .first()
    )
    return token.customer if token else None


# --- withdrawal -----------------------------------------------------------------------------------


@transaction.atomic
def consent_withdraw(*, customer_id: int) -> Customer:
    """The customer withdraws consent: phone, name, birthday and email are erased, app tokens revoked,
    codes and SMS texts to the phone wiped; the account, its cards, points and history stay."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    now = timezone.now()
    phone = customer.phone
    customer.phone, customer.name, customer.birthday, customer.email = None, "", None, ""
    customer.status = CustomerStatus.ANONYMISED
    customer.save(update_fields=["phone", "name", "birthday", "email", "status"])
    ConsentRecord.objects.filter(customer=customer, withdrawn_at__isnull=True).update(withdrawn_at=now)
    AppToken.objects.filter(customer=customer, revoked_at__isnull=True).update(revoked_at=now)
    if phone:
        VerificationCode.objects.filter(phone=phone).update(phone="", details={})
        SmsMessage.objects.filter(phone=phone).update(phone="", body="—", secret_body="")
    return customer
