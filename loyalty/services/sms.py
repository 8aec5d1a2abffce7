"""Phones and SMS: E.164 normalisation, the send limits, the SMS log and delivery with retries."""

import datetime
import hashlib
import hmac
import secrets

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.exceptions import DomainError

from ..models import LoyaltyLock, SmsMessage, SmsStatus, VerificationCode
from ..sms_backends import SmsSendError, sms_backend

CODE_TTL = datetime.timedelta(minutes=5)
MAX_TRIES = 5
PHONE_PER_MINUTE = 1
PHONE_PER_HOUR = 5
TILL_PER_HOUR = 30


class PhoneInvalid(DomainError):
    default_message = _("Not a valid mobile phone number.")

    def __init__(self, message=None, *, field="phone"):
        super().__init__(message, field=field)


class TooManyCodes(DomainError):
    """A send limit is reached; `retry_after` says in how many seconds a send is allowed again."""

    default_message = _("Too many codes were sent; try again later.")
    http_status = 429

    def __init__(self, message=None, *, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = retry_after


def phone_normalise(raw: str, *, field: str = "phone") -> str:
    """The phone in E.164 (+77011234567); local numbers are read in PHONENUMBER_DEFAULT_REGION.

    Raises PhoneInvalid for anything that is not a possible, valid number.
    """
    raw = (raw or "").strip()
    if not raw or len(raw) > 32:
        raise PhoneInvalid(field=field)
    try:
        number = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid(field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_mask(phone: str | None) -> str:
    """+7701*****67: what a printed receipt or a log shows."""
    if not phone:
        return ""
    return phone[:5] + "*" * max(len(phone) - 7, 0) + phone[-2:]


def code_new() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_hash(*, phone: str, code: str, nonce: str | None = None) -> str:
    """`nonce$hmac`: a keyed hash of the phone and the code (the code itself is never stored)."""
    nonce = nonce or secrets.token_hex(8)
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{nonce}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()
    return f"{nonce}${digest}"


def code_matches(*, stored: str, phone: str, code: str) -> bool:
    nonce, _sep, _digest = stored.partition("$")
    return hmac.compare_digest(stored, code_hash(phone=phone, code=(code or "").strip(), nonce=nonce))


def locks_take(keys) -> None:
    """Lock one row per key (created if missing), in key order: concurrent callers queue, never deadlock."""
    keys = sorted(set(keys))
    LoyaltyLock.objects.bulk_create([LoyaltyLock(key=k) for k in keys], ignore_conflicts=True)
    list(LoyaltyLock.objects.select_for_update().filter(key__in=keys).order_by("key").values_list("pk", flat=True))


def send_limits_check(*, phone: str, till_id: int | None, now: datetime.datetime) -> None:
    """Refuse a code when the phone had one in the last minute or 5 in the last hour, or the till 30 in the hour.

    Call inside the transaction that creates the code: the phone's and the till's lock rows are
    held until it ends, so the count and the insert are one step (sliding windows, not buckets).
    """
    locks_take([f"sms-phone:{phone}", *([f"sms-till:{till_id}"] if till_id else [])])
    hour_ago = now - datetime.timedelta(hours=1)
    recent = list(
        VerificationCode.objects.filter(phone=phone, created_at__gt=hour_ago)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:PHONE_PER_HOUR]
    )
    minute_ago = now - datetime.timedelta(minutes=1)
    in_minute = [t for t in recent if t > minute_ago]
    if len(in_minute) >= PHONE_PER_MINUTE:
        wait = int((in_minute[-1] + datetime.timedelta(minutes=1) - now).total_seconds()) + 1
        raise TooManyCodes(_("A code was sent to this phone less than a minute ago."), retry_after=wait)
    if len(recent) >= PHONE_PER_HOUR:
        wait = int((recent[-1] + datetime.timedelta(hours=1) - now).total_seconds()) + 1
        raise TooManyCodes(_("This phone had 5 codes in the last hour; try again later."), retry_after=wait)
    if till_id:
        sent = VerificationCode.objects.filter(till_id=till_id, created_at__gt=hour_ago).count()
        if sent >= TILL_PER_HOUR:
            raise TooManyCodes(_("This till sent 30 codes in the last hour; try again later."), retry_after=600)


def sms_queue(*, phone: str, body: str, secret_body: str = "", purpose: str = "", shop=None) -> SmsMessage:
    """Write an SMS to the log (queued); `sms_dispatch` after the transaction sends it."""
    return SmsMessage.objects.create(
        phone=phone, body=body, secret_body=secret_body, purpose=purpose, shop=shop, created_at=timezone.now()
    )


# Set in LoyaltyConfig.ready() to the Celery task's delay; without it the SMS goes at once.
dispatch_hook = None


def sms_dispatch(message_id: int) -> None:
    """Hand an SMS to the sender (the Celery task, eager without a broker). Call outside transactions."""
    if dispatch_hook is not None:
        dispatch_hook(message_id)
    else:
        sms_deliver(message_id=message_id)


def sms_deliver(*, message_id: int) -> SmsMessage | None:
    """Send one queued or failed SMS through the backend; record the outcome. Safe to run twice.

    Returns the message (status sent, failed or gave_up), or None when there was nothing to send.
    """
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status not in (SmsStatus.QUEUED, SmsStatus.FAILED):
            return None
        message.attempts += 1
        message.save(update_fields=["attempts"])
    try:
        provider_id = sms_backend().send(phone=message.phone, text=message.secret_body or message.body)
    except SmsSendError as exc:
        gave_up = message.attempts >= settings.SMS_MAX_ATTEMPTS
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.GAVE_UP if gave_up else SmsStatus.FAILED,
            last_error=str(exc)[:500],
            **({"secret_body": ""} if gave_up else {}),
        )
    else:
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENT, sent_at=timezone.now(), provider_id=provider_id or "", secret_body="", last_error=""
        )
    message.refresh_from_db()
    return message


def sms_retry(*, message_id: int) -> None:
    """Send a given-up or failed SMS again (the owner's button in the SMS log): one more attempt."""
    SmsMessage.objects.filter(pk=message_id, status__in=[SmsStatus.FAILED, SmsStatus.GAVE_UP]).update(
        status=SmsStatus.FAILED
    )
    sms_deliver(message_id=message_id)
