"""SMS backends: how a text leaves us. `settings.SMS_BACKEND` names the class.

- `ConsoleBackend` (the default) writes the text to the log: the demo and development.
- `LocmemBackend` keeps texts in `outbox` (tests); `FailingBackend` always fails (tests of retries).
- `HttpBackend` posts JSON to a provider's gateway: `SMS_HTTP_URL`, `SMS_HTTP_TOKEN` (sent as
  `Authorization: Bearer`), `SMS_HTTP_SENDER`; a non-2xx answer or a network error is a failure
  that the Celery task retries. Providers with another body shape subclass it and override `payload`.
"""

import logging

import requests
from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("loyalty.sms")


class SmsSendError(Exception):
    """The backend could not hand the text to the provider (retried later)."""


class BaseBackend:
    def send(self, *, phone: str, text: str) -> str:
        """Send `text` to `phone` (E.164); return the provider's message ID; raise SmsSendError."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, *, phone: str, text: str) -> str:
        logger.info("SMS to %s: %s", phone, text)
        return ""


outbox: list[dict] = []


class LocmemBackend(BaseBackend):
    def send(self, *, phone: str, text: str) -> str:
        outbox.append({"phone": phone, "text": text})
        return f"locmem-{len(outbox)}"


class FailingBackend(BaseBackend):
    def send(self, *, phone: str, text: str) -> str:
        raise SmsSendError("the provider is down")


class HttpBackend(BaseBackend):
    timeout = 10

    def payload(self, *, phone: str, text: str) -> dict:
        return {"to": phone, "text": text, "sender": settings.SMS_HTTP_SENDER}

    def send(self, *, phone: str, text: str) -> str:
        if not settings.SMS_HTTP_URL:
            raise SmsSendError("SMS_HTTP_URL is not set")
        headers = {"Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"} if settings.SMS_HTTP_TOKEN else {}
        try:
            response = requests.post(
                settings.SMS_HTTP_URL, json=self.payload(phone=phone, text=text), headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise SmsSendError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise SmsSendError(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            return str(response.json().get("id", ""))[:100]
        except ValueError:
            return ""


def sms_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
