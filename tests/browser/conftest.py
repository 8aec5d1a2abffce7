"""Browser tests: Debian's chromium driven by Playwright against Django's live server.

They run once, on SQLite (skipped on the PostgreSQL run: the pages are the same), with the real
clock (the browser keeps the session cookie by the real date). Each test leaves a screenshot
under `.artifacts/screenshots/`. Without a chromium they are skipped, except in CI (CI=true),
where a missing browser fails the run.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

SCREENSHOTS = Path(settings.BASE_DIR) / ".artifacts" / "screenshots"
WIDTH, HEIGHT = 1366, 768


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(django_db_setup, django_db_blocker):
    if connection.vendor != "sqlite":
        pytest.skip("browser tests run once, on the SQLite run")
    executable = _chromium()
    if not executable:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (make sysdeps installs it)")
        pytest.skip("chromium is not installed: `apt-get install chromium` (or `make sysdeps` as root)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django then refuses database calls
    # from it (they are safe here: the loop only drives the browser). Restored after the module.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        with django_db_blocker.unblock():
            _guards_restore()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


_dropped_guards: list[tuple[str, str]] = []


def _guards_restore() -> None:
    """Put back the triggers the flush needed gone (those post_migrate did not already recreate)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
        for name, sql in _dropped_guards:
            if name not in present:
                cursor.execute(sql)
    _dropped_guards.clear()


@pytest.fixture
def flushable_guards(transactional_db):
    """The live server needs committed data, so these tests empty the database after each one
    (Django's flush). On SQLite the immutability triggers refuse that DELETE: they are set aside
    for the flush and put back before the next test (and after the module)."""
    _guards_restore()
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
        for name, sql in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')
            _dropped_guards.append((name, sql))


@pytest.fixture
def page(browser, live_server, flushable_guards, request):
    """A fresh browser window of 1366 x 768 on the live server; its last view is kept as a screenshot."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    yield page
    shot(page, request.node.name)
    context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path))
    return path


def sign_in(page, username: str, password: str) -> None:
    page.goto(page.base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.locator("#user-tools").count() == 1, "not signed in"


def switch_language(page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("#language-switcher select", code)
