"""The whole OpenAPI document, fuzzed by schemathesis with all its checks, as a till and as a shop manager.

Valid and invalid requests (positive and negative generation) for every operation; every response
is validated by every built-in check: no server error, only documented status codes, content types
and bodies that match the schema, invalid data refused, valid data accepted, auth enforced.
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import given, settings
from schemathesis.generation import GenerationMode

from accounts.services import api_token_issue
from inventory.roles import SHOP_MANAGER
from tests.factories import UserFactory
from tests.schema_fuzzing import EXAMPLES, fuzz_schema

pytestmark = pytest.mark.django_db


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
    with connection_kept_for_the_test():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=headers)
        seen, failures = fuzz_schema(schema, headers)
    assert not failures, "\n\n".join(f"{label}:\n" + "\n".join(sorted(f)) for label, f in failures.items())
    assert all(code < 500 for codes in seen.values() for code in codes), seen
    return seen


def test_every_check_passes_as_a_till(till_world):
    seen = _fuzz({"Authorization": f"Till {till_world['token']}"})
    assert 403 in seen["GET /api/v1/receipts/"] <= {400, 403}  # a till is never let into the back office
    assert any(code < 300 for code in seen["GET /api/v1/till/catalogue/"])
    assert any(code < 300 for code in seen["POST /api/v1/till/receipts/batch/"])
    assert seen["GET /api/v1/till/state/"] == {200}


def test_every_check_passes_as_a_shop_manager(till_world):
    manager = UserFactory(username="fuzz-manager", role=SHOP_MANAGER)
    till_world["shop"].managers.add(manager)
    _token, secret = api_token_issue(user=manager, name="fuzz", actor=manager)
    seen = _fuzz({"Authorization": f"Bearer {secret}"})
    assert any(code == 200 for code in seen["GET /api/v1/receipts/"])
    assert seen["POST /api/v1/till/receipts/"] <= {401, 403}  # and a person is not a till


def test_business_rule_refusals_are_the_only_valid_data_refused(till_world):
    """The exclusion above hides nothing else: on those operations, valid data is refused only with a 400/409
    that names its reason, or 404 for an object not found."""
    with connection_kept_for_the_test():
        headers = {"Authorization": f"Till {till_world['token']}"}
        schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=headers)
        schema.config.generation.update(with_security_parameters=False)
        operation = schema["/api/v1/till/receipts/"]["POST"]

        @given(case=operation.as_strategy(GenerationMode.POSITIVE))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True)
        def run(case):
            response = case.call(headers=headers)
            assert response.status_code in (201, 400, 409), response.text[:300]
            if response.status_code != 201:
                body = response.json()
                assert body["errors"] and all(body["errors"].values()), body

        run()
