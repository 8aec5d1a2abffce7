"""The whole OpenAPI document, fuzzed by schemathesis as a till and as a shop manager: no server errors."""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from accounts.services import api_token_issue
from inventory.roles import SHOP_MANAGER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXAMPLES = 25


def test_the_schema_is_valid_and_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/till/receipts/batch/" in (tmp_path / "schema.yaml").read_text()


@contextmanager
def connection_kept_for_the_test():
    """Called as a WSGI app, Django closes the connection around each request; the test transaction needs it.

    Django's test client does the same for its own requests (and connects the handler again after each).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _fuzz(headers: dict) -> dict[str, set[int]]:
    seen: dict[str, set[int]] = {}
    with connection_kept_for_the_test():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=headers)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        for operation in operations:
            _fuzz_operation(operation, headers, seen)
    return seen


def _fuzz_operation(operation, headers: dict, seen: dict) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        seen.setdefault(label, set()).add(response.status_code)
        assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:300]}"

    run()


def test_no_server_errors_as_a_till(till_world):
    seen = _fuzz({"Authorization": f"Till {till_world['token']}"})
    assert {403} >= seen["GET /api/v1/receipts/"]  # a till is never let into the back office
    assert any(code < 300 for code in seen["GET /api/v1/till/catalogue/"])


def test_no_server_errors_as_a_shop_manager(till_world):
    manager = UserFactory(username="fuzz-manager", role=SHOP_MANAGER)
    till_world["shop"].managers.add(manager)
    _token, secret = api_token_issue(user=manager, name="fuzz", actor=manager)
    seen = _fuzz({"Authorization": f"Bearer {secret}"})
    assert any(code == 200 for code in seen["GET /api/v1/receipts/"])
    assert seen["POST /api/v1/till/receipts/"] <= {401, 403}  # and a person is not a till
