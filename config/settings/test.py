"""The settings of the test suite (pytest's DJANGO_SETTINGS_MODULE, `make test`).

The base settings from the environment, with what tests need: a fixed key, fast password
hashing, no throttling unless a test sets a rate, TRUNCATE allowed on guarded tables for the
test runner's flush, and eager tasks unless a broker is configured.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, REST_FRAMEWORK, STORAGES, env, throttle_rate

TESTING = True
REPORT_JOBS_IN_THREAD = False  # jobs run in the test's own transaction (a test turns it on to try the thread)
SECRET_KEY = env("SECRET_KEY", default="") or "insecure-test-key-never-use-in-production"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Posted tables refuse TRUNCATE (inventory/db_guards.py); the test runner's flush needs it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c retail.allow_truncate=on"
# Unthrottled unless a test sets a rate (tests that prove the 429 do) or the environment does.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    scope: throttle_rate(f"API_THROTTLE_{scope.upper()}", "") for scope in ("till", "user", "anon")
}
