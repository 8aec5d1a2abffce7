"""Issue 8, items 4, 5, 6 and 10: login lockout, throttling, demo passwords, the schema's pages,
`check --deploy` with the documented production environment, database health checks."""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_issue
from sales.management.commands.seed_demo import demo_users_create
from sales.models import Till
from sales.services import till_token_issue
from tests.factories import ShopFactory, UserFactory

LOGIN = "/admin/login/"
FAILURE_LIMIT = 5  # the default of LOGIN_FAILURE_LIMIT

# The production environment the README documents (behind nginx, TLS at the proxy).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "backoffice.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://backoffice.example.com",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "PROXY_COUNT": "1",
    "DJANGO_SETTINGS_MODULE": "config.settings.main",
    # No broker in these checks of settings: eager tasks asked for explicitly (else production refuses).
    "CELERY_TASK_ALWAYS_EAGER": "1",
}


def _production(args: list[str], extra_env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs `python <args>` in the project with the production environment (no test settings)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_TESTING", "DEBUG", "SECRET_KEY"}}
    env.update({**PRODUCTION_ENV, "DATABASE_URL": "", **(extra_env or {})})
    return subprocess.run(
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )


def _production_settings(*names: str, extra_env: dict | None = None) -> dict:
    code = (
        "import json; from django.conf import settings; import django; "
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.main'); django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = _production(["-c", code], extra_env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- item 4: logins ----------------------------------------------------------------------------------


def _login(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_wrong_passwords_lock_the_login_of_that_user_from_that_address_until_an_owner_unlocks(client, owner):
    clerk = UserFactory(username="clerk")  # password "pass"
    for _attempt in range(FAILURE_LIMIT - 1):
        assert _login(client, "clerk", "wrong", "10.0.0.1").status_code == 200  # the form again
    assert _login(client, "clerk", "wrong", "10.0.0.1").status_code == 429  # the last one allowed
    locked = _login(client, "clerk", "pass", "10.0.0.1")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    assert "locked" in locked.content.decode() and int(locked["Retry-After"]) > 0
    # The same user from another address, and another user from this one, are not locked.
    assert _login(client.__class__(), "clerk", "pass", "10.0.0.2").status_code == 302
    UserFactory(username="other")
    assert _login(client.__class__(), "other", "pass", "10.0.0.1").status_code == 302

    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="clerk", ip_address="10.0.0.1")
    admin_client = client.__class__()
    admin_client.force_login(owner)
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert _login(client, "clerk", "pass", "10.0.0.1").status_code == 302
    assert int(client.session["_auth_user_id"]) == clerk.pk


@pytest.mark.django_db
def test_the_lockout_ends_after_its_cool_off(client, clock):
    UserFactory(username="clerk")
    for _attempt in range(FAILURE_LIMIT):
        _login(client, "clerk", "wrong", "10.0.0.1")
    assert _login(client, "clerk", "pass", "10.0.0.1").status_code == 429
    clock.shift(60 * 60 + 1)  # LOGIN_LOCKOUT_MINUTES, 60 by default
    assert _login(client, "clerk", "pass", "10.0.0.1").status_code == 302


@pytest.mark.django_db
@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_the_lockout_counts_the_forwarded_address_not_a_forged_one(client):
    UserFactory(username="clerk")
    for attempt in range(FAILURE_LIMIT):
        # A client that forges X-Forwarded-For still gets counted by the address nginx appended.
        client.post(
            LOGIN,
            {"username": "clerk", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 203.0.113.9",
        )
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.post(LOGIN, {"username": "clerk", "password": "pass"}, **forwarded).status_code == 429
    other = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    assert client.post(LOGIN, {"username": "clerk", "password": "pass"}, **other).status_code == 302


def test_production_lockout_and_session_settings():
    values = _production_settings(
        "AXES_FAILURE_LIMIT", "AXES_LOCKOUT_PARAMETERS", "AXES_COOLOFF_TIME", "SESSION_COOKIE_AGE", "AXES_HANDLER"
    )
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert values["AXES_COOLOFF_TIME"] == "1:00:00"
    assert values["AXES_HANDLER"] == "axes.handlers.database.AxesDatabaseHandler"
    assert values["SESSION_COOKIE_AGE"] <= 12 * 3600  # hours, not weeks
    values = _production_settings("AXES_COOLOFF_TIME", extra_env={"LOGIN_LOCKOUT_MINUTES": "0"})
    assert values["AXES_COOLOFF_TIME"] is None  # until an owner unlocks


@pytest.mark.django_db
def test_demo_users_get_their_known_passwords_only_with_debug_on():
    with override_settings(DEBUG=False):
        users = demo_users_create()
    assert not any(user.has_usable_password() for user in users.values())
    get_user_model().objects.filter(username__in=users).delete()
    with override_settings(DEBUG=True):
        users = demo_users_create()
    assert users["admin"].check_password("admin") and users["owner"].check_password("owner")


# --- item 4: throttling --------------------------------------------------------------------------------


def _rates(**rates):
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates})


@pytest.fixture
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def till_api(db):
    till = Till.objects.create(shop=ShopFactory(), code="T-1", name="Till")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Till {till_token_issue(till=till)}")
    return api


def _assert_throttled(response):
    assert response.status_code == 429
    assert "json" in response["Content-Type"]
    assert "detail" in json.loads(response.content)
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_till_is_throttled_per_token_with_429_and_retry_after(till_api, fresh_throttles):
    other = APIClient()
    till = Till.objects.create(shop=ShopFactory(), code="T-2", name="Till 2")
    other.credentials(HTTP_AUTHORIZATION=f"Till {till_token_issue(till=till)}")
    url = "/api/v1/till/catalogue/"
    with _rates(till="3/min", user="100/min", anon="100/min"):
        assert [till_api.get(url).status_code for _ in range(3)] == [200, 200, 200]
        _assert_throttled(till_api.get(url))
        assert other.get(url).status_code == 200  # per till, not for all tills


def test_a_user_is_throttled_per_user_by_token_and_session_alike(client, owner, fresh_throttles):
    _token, secret = api_token_issue(user=owner, name="script", actor=owner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.force_login(owner)
    with _rates(till="100/min", user="2/min", anon="100/min"):
        assert api.get("/api/v1/receipts/").status_code == 200
        assert client.get("/api/v1/receipts/").status_code == 200
        _assert_throttled(api.get("/api/v1/receipts/"))


@pytest.mark.django_db
@override_settings(API_SCHEMA_PUBLIC=True)
def test_anonymous_calls_are_throttled_per_address(client, fresh_throttles):
    schema = reverse("api-schema") + "?format=json"
    with _rates(till="100/min", user="100/min", anon="2/min"):
        assert [client.get(schema).status_code for _ in range(2)] == [200, 200]
        _assert_throttled(client.get(schema))
        assert client.get(schema, REMOTE_ADDR="10.9.9.9").status_code == 200


@pytest.mark.django_db
def test_guessing_tokens_is_throttled_per_address(fresh_throttles):
    """Wrong till and API tokens count against the address: the 3rd wrong guess a minute is a 429."""
    guesser = APIClient()
    with _rates(till="100/min", user="100/min", anon="2/min"):
        for header, url in (("Till x.guess1", "/api/v1/till/state/"), ("Bearer guess2", "/api/v1/receipts/")):
            guesser.credentials(HTTP_AUTHORIZATION=header)
            assert guesser.get(url).status_code in (401, 403)  # 403 where a session could sign in
        guesser.credentials(HTTP_AUTHORIZATION="Till x.guess3")
        _assert_throttled(guesser.get("/api/v1/till/state/"))
        other = APIClient(REMOTE_ADDR="10.9.9.9")
        other.credentials(HTTP_AUTHORIZATION="Till x.guess4")
        assert other.get("/api/v1/till/state/").status_code == 401


def test_a_till_catching_up_is_not_throttled_at_the_production_rates(till_api, fresh_throttles):
    rates = _production_settings("REST_FRAMEWORK")["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]
    assert all(rates.values())  # every kind of caller is throttled in production
    with _rates(**rates):
        # Hundreds of uploads a minute (here barcode lookups: the same throttle, a cheaper call).
        codes = {till_api.get("/api/v1/till/barcodes/0000/").status_code for _ in range(300)}
    assert 429 not in codes


# --- item 5: the schema and its pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_and_its_pages_are_for_staff_and_tills_unless_public(client, till_api, cashier, shop_manager):
    pages = [reverse("api-schema"), reverse("api-swagger"), reverse("api-redoc")]
    assert settings.API_SCHEMA_PUBLIC is False  # the production default (DEBUG off)
    assert client.get(pages[0]).status_code == 403
    for page in pages[1:]:
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    client.force_login(cashier)  # not staff
    assert {client.get(page).status_code for page in pages} == {403}
    assert till_api.get(pages[0]).status_code == 200
    client.force_login(shop_manager)
    assert {client.get(page).status_code for page in pages} == {200}
    client.logout()
    with override_settings(API_SCHEMA_PUBLIC=True):
        assert {client.get(page).status_code for page in pages} == {200}


@pytest.mark.django_db
def test_the_schema_pages_load_only_our_own_static_files(client, superuser):
    client.force_login(superuser)
    for page in [reverse("api-swagger"), reverse("api-redoc")]:
        html = client.get(page).content.decode()
        assert "http://" not in html and "https://" not in html and "//cdn" not in html, page
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets, page
        for asset in assets:
            assert asset.startswith(settings.STATIC_URL) or asset.startswith("/" + settings.STATIC_URL), asset
            path = asset.split(settings.STATIC_URL, 1)[1]
            assert finders.find(path), asset  # collectstatic serves it


# --- item 6: check --deploy -------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = _production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    values = _production_settings(
        "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS"
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True and values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 180 * 24 * 3600
    # The proxy header is trusted only when it is named: a client could send it itself.
    assert _production_settings("SECURE_PROXY_SSL_HEADER", extra_env={"SECURE_PROXY_SSL_HEADER": ""}) == {
        "SECURE_PROXY_SSL_HEADER": None
    }


# --- item 10: a PostgreSQL restart costs no 500s ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_requests_after_the_database_dropped_our_connection_succeed():
    """As under gunicorn: the WSGI handler runs close_old_connections around each request (Django's
    test client switches that off), and the kept connection's backend is terminated in between."""
    import psycopg
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import RequestFactory

    till = Till.objects.create(shop=ShopFactory(), code="T-1", name="Till")
    token = till_token_issue(till=till)
    handler = WSGIHandler()

    def get(path):
        environ = RequestFactory().get(path, HTTP_AUTHORIZATION=f"Till {token}").environ
        statuses = []
        body = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
        if hasattr(body, "close"):
            body.close()  # request_finished, as a WSGI server sends it
        return int(statuses[0].split()[0])

    for _round in range(2):
        assert get("/api/v1/till/catalogue/") == 200
        pid = connection.connection.info.backend_pid
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert [get("/api/v1/till/catalogue/") for _ in range(3)] == [200, 200, 200]
