"""The HTTP SMS backend: what it posts to the provider, and a refusal or a network error as a retried failure."""

import pytest
import requests

from loyalty.models import SmsMessage, SmsStatus
from loyalty.services.sms import sms_deliver, sms_queue
from loyalty.sms_backends import HttpBackend, SmsSendError

pytestmark = pytest.mark.django_db


class Answer:
    def __init__(self, status_code, body=None, text=""):
        self.status_code, self._body, self.text = status_code, body, text

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


@pytest.fixture
def gateway(settings, monkeypatch):
    settings.SMS_BACKEND = "loyalty.sms_backends.HttpBackend"
    settings.SMS_HTTP_URL = "https://sms.example.kz/send"
    settings.SMS_HTTP_TOKEN = "secret"
    settings.SMS_HTTP_SENDER = "SHOP"
    calls, answers = [], []

    def post(url, json, headers, timeout):
        calls.append({"url": url, "json": json, "headers": headers, "timeout": timeout})
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(requests, "post", post)
    return calls, answers


def test_the_http_backend_posts_the_text_with_the_token(gateway):
    calls, answers = gateway
    answers.append(Answer(200, {"id": "abc-1"}))
    message = sms_queue(phone="+77011234567", body="Code ******", secret_body="Code 123456")
    sent = sms_deliver(message_id=message.pk)
    assert calls == [
        {
            "url": "https://sms.example.kz/send",
            "json": {"to": "+77011234567", "text": "Code 123456", "sender": "SHOP"},
            "headers": {"Authorization": "Bearer secret"},
            "timeout": 10,
        }
    ]
    assert (sent.status, sent.provider_id, sent.secret_body, sent.attempts) == (SmsStatus.SENT, "abc-1", "", 1)


def test_a_refusal_and_a_network_error_are_failures_retried_until_given_up(gateway, settings):
    settings.SMS_MAX_ATTEMPTS = 3
    calls, answers = gateway
    answers += [Answer(503, text="busy"), requests.ConnectionError("no route"), Answer(500, text="down")]
    message = sms_queue(phone="+77011234567", body="Hello", secret_body="")
    first = sms_deliver(message_id=message.pk)
    assert first.status == SmsStatus.FAILED and first.last_error == "HTTP 503: busy"
    second = sms_deliver(message_id=message.pk)
    assert second.status == SmsStatus.FAILED and second.last_error.startswith("ConnectionError")
    third = sms_deliver(message_id=message.pk)
    assert third.status == SmsStatus.GAVE_UP and third.attempts == 3
    assert sms_deliver(message_id=message.pk) is None and len(calls) == 3  # nothing more is sent


def test_without_a_url_the_backend_refuses(settings):
    settings.SMS_HTTP_URL = ""
    with pytest.raises(SmsSendError):
        HttpBackend().send(phone="+77011234567", text="x")
    assert not SmsMessage.objects.exists()
