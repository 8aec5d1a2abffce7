"""The till API as an integrator meets it: a real gunicorn server, DEBUG off, static files collected, over HTTP.

PostgreSQL only: the server is another process and reads what the test commits. It runs on the real clock
(time travel cannot reach it), so the till's times here are the real now.
"""

import base64
import datetime
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.conf import settings
from django.db import connection

from accounts.services import api_token_issue
from inventory.barcodes import scale_barcode_build
from inventory.roles import SHOP_MANAGER
from inventory.services.prices import price_change_create_posted
from sales.models import Receipt, Till
from sales.services import till_token_issue
from tests.factories import BarcodeFactory, PriceZoneFactory, ProductFactory, ShopFactory, UserFactory
from tests.schema_fuzzing import fuzz_schema

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.real_clock]
D = Decimal
MILK = "5901234123457"
SECRET_KEY = "server-test-key-" + "x" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn on a free port against the test database, as production runs it (DEBUG off, collected static)."""
    db = settings.DATABASES["default"]
    static_root = tmp_path_factory.mktemp("static")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DEBUG": "0",
        "DJANGO_TESTING": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "0",
        # Plain HTTP on the loopback: no TLS proxy in front, and no throttling of the test's own calls.
        "SECURE_SSL_REDIRECT": "0",
        "API_THROTTLE_TILL": "off",
        "API_THROTTLE_USER": "off",
        "API_THROTTLE_ANON": "off",
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=180,
    )
    port = _free_port()
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(
        [
            gunicorn,
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "3",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/api/v1/till/state/", timeout=10)
                break
            except requests.RequestException:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped: {process.communicate()[0].decode(errors='replace')[-2000:]}")
        yield base
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=20)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate()[0].decode(errors="replace")
        assert "Traceback" not in output, output[-3000:]


class Integrator:
    """What a till's programmer writes: requests with the token, behind TLS (the proxy says https)."""

    def __init__(self, base: str, token: str | None = None, basic: str | None = None):
        self.base = base
        self.session = requests.Session()
        self.session.headers["X-Forwarded-Proto"] = "https"
        if token:
            self.session.headers["Authorization"] = f"Till {token}"
        if basic:
            self.session.headers["Authorization"] = f"Basic {base64.b64encode(basic.encode()).decode()}"

    def get(self, path, **kwargs):
        return self.session.get(self.base + path, timeout=30, allow_redirects=False, **kwargs)

    def post(self, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.session.post(self.base + path, timeout=60, allow_redirects=False, **kwargs)


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    body = response.json()
    assert {"detail", "code", "errors"} <= set(body), body
    if code:
        assert body["code"] == code, body
    return body


@pytest.fixture
def world():
    zone = PriceZoneFactory(code="Z1")
    shop = ShopFactory(code="07", price_zone=zone)
    milk = ProductFactory(sku="MILK")
    BarcodeFactory(product=milk, code=MILK)
    cheese = ProductFactory(sku="CHEESE", is_weighted=True, plu=42, unit="kg")
    price_change_create_posted(
        zone=zone,
        effective_date=datetime.date(2020, 1, 1),
        prices=[(milk.pk, D("450.00")), (cheese.pk, D("3000.00"))],
        actor=None,
    )
    till = Till.objects.create(shop=shop, code="T7-1", name="Till 1")
    return {"shop": shop, "till": till, "token": till_token_issue(till=till), "milk": milk}


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def sale(sequence: int, quantity: int = 1, **extra) -> dict:
    amount = f"{450 * quantity}.00"
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": sequence,
        "till_time": now(),
        "lines": [{"barcode": MILK, "quantity": str(quantity), "price": "450.00", "amount": amount}],
        "payments": [{"type": "cash", "amount": amount}],
        **extra,
    }


def test_a_till_works_a_day_over_http(server, world):
    till = Integrator(server, token=world["token"])
    schema = schemathesis.openapi.from_dict(till.get("/api/schema/?format=json").json())

    def conforms(response, path: str, method: str = "POST"):
        schema[path][method].validate_response(response)  # raises on any difference with the schema
        return response

    state = conforms(till.get("/api/v1/till/state/"), "/api/v1/till/state/", "GET").json()
    assert (state["open_shift"], state["last_sequence"], state["gaps"]) == (None, 0, [])
    shift = till.post("/api/v1/till/shifts/", {"opening_float": "5000.00"})
    assert shift.status_code == 201, shift.text
    shift_id = shift.json()["id"]
    error(till.post("/api/v1/till/shifts/", {"opening_float": "0"}), 400, "refused")  # one open shift

    # The catalogue, page by page, and a barcode lookup (a scale barcode carries the weight).
    items, url = [], "/api/v1/till/catalogue/?page_size=1"
    while url:
        parts = urlsplit(url)  # behind the proxy, `next` is an https URL
        page = till.get(f"{parts.path}?{parts.query}").json()
        items += page["results"]
        url = page["next"]
    assert {(i["sku"], i["price"]) for i in items} == {("MILK", "450.00"), ("CHEESE", "3000.00")}
    weighed = till.get(f"/api/v1/till/barcodes/{scale_barcode_build(plu=42, weight_grams=750)}/").json()
    assert (weighed["product"]["sku"], weighed["quantity"]) == ("CHEESE", "0.750")
    error(till.get("/api/v1/till/barcodes/%20/"), 404, "not_found")

    # One receipt, the same again, the same UUID with another body.
    first = sale(1, quantity=2)
    assert till.post("/api/v1/till/receipts/", first).status_code == 201
    again = till.post("/api/v1/till/receipts/", first)
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    conflict = till.post("/api/v1/till/receipts/", {**first, "fiscal_sign": "X"})
    conflict = error(conforms(conflict, "/api/v1/till/receipts/"), 409, "conflict")
    assert conflict["receipt_id"] == Receipt.objects.get(sequence=1).pk

    # An offline till catches up: a batch with a bad receipt (a NUL), then the same batch again.
    batch = [sale(2), sale(3, fiscal_sign="F\x00"), sale(5)]
    answer = till.post("/api/v1/till/receipts/batch/", {"receipts": batch})
    answer = conforms(answer, "/api/v1/till/receipts/batch/").json()
    assert [r["status"] for r in answer["results"]] == ["created", "rejected", "created"]
    assert list(answer["results"][1]["errors"]) == ["fiscal_sign"]
    replay = till.post("/api/v1/till/receipts/batch/", {"receipts": batch}).json()
    assert [r["status"] for r in replay["results"]] == ["duplicate", "rejected", "duplicate"]

    # After a crash the till asks where it stands.
    state = conforms(till.get("/api/v1/till/state/"), "/api/v1/till/state/", "GET").json()
    assert (state["open_shift"]["id"], state["last_sequence"], state["gaps"]) == (
        shift_id,
        5,
        [{"first": 3, "last": 4}],
    )

    # A return of one of the two cartons of the first sale.
    refund = {
        **sale(6),
        "kind": "return",
        "original_uuid": first["uuid"],
        "lines": [{"original_line_no": 1, "quantity": "1", "price": "450.00", "amount": "450.00"}],
    }
    assert till.post("/api/v1/till/receipts/", refund).status_code == 201, "return"
    too_many = {**sale(7), "kind": "return", "original_uuid": first["uuid"]}
    too_many["lines"] = [{"original_line_no": 1, "quantity": "2", "price": "450.00", "amount": "900.00"}]
    too_many["payments"] = [{"type": "cash", "amount": "900.00"}]
    error(till.post("/api/v1/till/receipts/", too_many), 400, "invalid")

    # Closing: our Z-report and the differences with the till's figures.
    closed = till.post(
        f"/api/v1/till/shifts/{shift_id}/close/",
        {"counted_cash": "6350.00", "till_report": {"receipts_count": 5, "payments": {"cash": "1350.00"}}},
    )
    assert closed.status_code == 200, closed.text
    report = conforms(closed, "/api/v1/till/shifts/{shift_id}/close/").json()
    assert (report["z_report"]["receipts_count"], report["z_report"]["cash_expected"]) == (4, "6350.00")
    assert [d["figure"] for d in report["differences"]] == ["receipts_count"]
    error(till.post("/api/v1/till/receipts/", sale(8)), 400, "invalid")  # no open shift
    error(till.post(f"/api/v1/till/shifts/{shift_id}/close/", {"counted_cash": "0"}), 400, "refused")
    assert till.get("/api/v1/till/state/").json()["open_shift"] is None


def test_bad_bodies_and_bad_credentials_get_the_error_body(server, world):
    till = Integrator(server, token=world["token"])
    till.post("/api/v1/till/shifts/", {"opening_float": "0"})
    upload = "/api/v1/till/receipts/"
    headers = {"Content-Type": "application/json"}
    error(till.post(upload, data="{not json", headers=headers), 400, "parse_error")
    error(till.post(upload, data="[" * 50_000 + "]" * 50_000, headers=headers), 400, "parse_error")
    error(till.post(upload, data="a=1", headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
    error(till.post(upload, {**sale(1), "lines": []}), 400, "invalid")
    error(till.post(upload, {**sale(1), "card_number": "4\x00"}), 400, "invalid")
    error(till.post("/api/v1/till/receipts/batch/", {"receipts": []}), 400, "invalid")
    big = json.dumps(
        {"receipts": [sale(n) for n in range(1, 2)], "padding": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    )
    too_large = error(till.post("/api/v1/till/receipts/batch/", data=big, headers=headers), 413, "request_too_large")
    assert too_large["limit"] == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes" in too_large["detail"]
    assert not Receipt.objects.exists()

    anonymous = Integrator(server)
    unauthorised = anonymous.post(upload, sale(1))
    error(unauthorised, 401, "not_authenticated")
    assert unauthorised.headers["WWW-Authenticate"] == "Till"
    error(Integrator(server, token="T7-1.nonsense").get("/api/v1/till/state/"), 401, "authentication_failed")
    error(till.get("/api/v1/receipts/"), 403, "permission_denied")
    error(till.get("/api/v1/no-such-endpoint/"), 404, "not_found")
    error(till.get("/api/v1/receipts/?shop=%00"), 400, "invalid")

    # DEBUG is off and the static files were collected: no debug page, the admin's styles are served.
    missing = anonymous.get("/admin-no-such-page/")
    assert missing.status_code == 404 and "URLconf" not in missing.text
    assert anonymous.get("/static/admin/css/base.css").status_code == 200


def test_schemathesis_over_http_as_a_till_and_as_a_manager(server, world):
    manager = UserFactory(username="http-manager", role=SHOP_MANAGER)
    world["shop"].managers.add(manager)
    _token, secret = api_token_issue(user=manager, name="integrator", actor=manager)
    Integrator(server, token=world["token"]).post("/api/v1/till/shifts/", {"opening_float": "0"})
    schema_response = requests.get(
        f"{server}/api/schema/?format=json", headers={"Authorization": f"Till {world['token']}"}, timeout=30
    )
    assert schema_response.status_code == 200
    for headers in (
        {"Authorization": f"Till {world['token']}", "X-Forwarded-Proto": "https"},
        {
            "Authorization": f"Bearer {secret}",
            "X-Forwarded-Proto": "https",
        },
    ):
        schema = schemathesis.openapi.from_dict(schema_response.json())
        schema.config.update(base_url=server)
        seen, failures = fuzz_schema(schema, headers, examples=1)  # the in-process run goes deeper
        assert not failures, "\n\n".join(f"{label}:\n" + "\n".join(sorted(f)) for label, f in failures.items())
        assert all(code < 500 for codes in seen.values() for code in codes), seen
    assert connection.vendor == "postgresql"
