"""Celery tasks of customers and tiers: sending an SMS (with retries) and the monthly tier recalculation."""

from celery import shared_task
from django.conf import settings

from .models import SmsStatus
from .services.sms import sms_deliver
from .services.tiers import tiers_recalculate_due


@shared_task(name="loyalty.sms_send", ignore_result=True)
def sms_send(message_id: int) -> None:
    """Send one SMS; a failure is tried again later, up to SMS_MAX_ATTEMPTS, then shown as given up."""
    message = sms_deliver(message_id=message_id)
    if message is not None and message.status == SmsStatus.FAILED:
        sms_send.apply_async((message_id,), countdown=settings.SMS_RETRY_SECONDS * message.attempts)


@shared_task(name="loyalty.tiers_recalculate", ignore_result=True)
def tiers_recalculate() -> list[str]:
    """Hourly: recalculate the tiers of each time zone whose 1st of the month has begun and has no run yet."""
    return [str(run) for run in tiers_recalculate_due()]
