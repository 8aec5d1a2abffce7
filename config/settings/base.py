"""Settings shared by the site (`config.settings.main`) and the tests (`config.settings.test`).

Driven by environment variables, read from the process environment and, when present, from a
`.env` file in the project root (the demo writes one). See README.md, "Configuration", for every
variable. This module makes no decision about production: `main` refuses an unsafe one, `test`
relaxes what tests need relaxed. Nothing here looks at how the process was started.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# True only in `config.settings.test` (a migration skips moving the developer's files then).
TESTING = False
DEBUG = env.bool("DEBUG", default=False)
INSECURE_SECRET_KEY = "insecure-development-key-never-use-in-production"
# Empty here: `main` refuses to start without one unless DEBUG, `test` sets its own.
SECRET_KEY = env("SECRET_KEY", default="")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "accounts.admin_site.ChainAdminConfig",  # django.contrib.admin, with the "System" section
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts.axes_app.SignInAttemptsConfig",  # django-axes, named for people
    "django_celery_beat",
    "django_celery_results",
    "simple_history",
    "treebeard",
    "phonenumber_field",
    # Our apps, in dependency order (see shared DESIGN.md, "Layers").
    "accounts",
    "inventory",
    "cash",
    "loyalty",
    "purchasing",
    "sales",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo server and a Celery task share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A kept connection is pinged before a request uses it: after a PostgreSQL restart (or an idle
    # backend terminated) the request reconnects instead of answering 500.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Logins: django-axes checks every password login (the admin's) first and locks out a username
# from one address after LOGIN_FAILURE_LIMIT wrong passwords in a row, for LOGIN_LOCKOUT_MINUTES
# (0: until an owner deletes the attempt under Admin › Axes › Access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
_lockout_minutes = env.int("LOGIN_LOCKOUT_MINUTES", default=60)
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes) if _lockout_minutes else None
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command; failures and lockouts are still logged
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# Proxies in front of the app that append to X-Forwarded-For (nginx: 1). 0: the connecting address
# is the client's. Used by the login lockout and the API's anonymous throttle.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# Staff sessions last hours, not weeks: a working day by default (seconds).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)

# Internationalisation: English, Russian, Kazakh.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("kk", _("Kazakh"))]
# The project's own strings first (written by `make messages`), then the translations of the admin's
# and the libraries' strings that their own Kazakh (and Russian) catalogues lack or misspell. The
# first path wins over the later ones and over every catalogue Django and the libraries ship.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "overrides"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Almaty")
# Kazakh number and date formats (Django has none) and day-first short dates in English.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Report files and uploaded imports: never under MEDIA_ROOT (nothing serves them but the
# authorising download view). See README, "Report files".
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private"))
if Path(PRIVATE_MEDIA_ROOT).resolve().is_relative_to(Path(MEDIA_ROOT).resolve()):
    raise ImproperlyConfigured("PRIVATE_MEDIA_ROOT must be outside MEDIA_ROOT: report files are private.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "reports": {"BACKEND": "reports.storage.PrivateFileStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The admin list of 20,000 products: bounded pages.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Behind a TLS proxy, name the header it sets (and overwrites) to tell Django the request came by
# HTTPS: SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto. Trusted only when set: a client could send it.
_proxy_ssl_header = env("SECURE_PROXY_SSL_HEADER", default="")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")

# Celery: without a broker (REDIS_URL or CELERY_BROKER_URL) tasks run eagerly in-process: the demo
# and most tests. Production without a broker refuses to start (`main`) unless
# CELERY_TASK_ALWAYS_EAGER=1 asks for eager tasks explicitly.
REDIS_URL = env("REDIS_URL", default="")
BROKER_CONFIGURED = bool(REDIS_URL or env("CELERY_BROKER_URL", default=""))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not BROKER_CONFIGURED)
CELERY_TASK_EAGER_PROPAGATES = True
# Without a broker, reports from the report centre run in a thread beside the request (the demo):
# the page returns at once and shows the job's progress. Off in tests (see config/settings/test.py).
# The stocktake count sheet lists items with stock, or moved in the shop within these days (0: all lines).
STOCKTAKE_SHEET_RECENT_DAYS = env.int("STOCKTAKE_SHEET_RECENT_DAYS", default=30)
REPORT_JOBS_IN_THREAD = env.bool("REPORT_JOBS_IN_THREAD", default=True)
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def throttle_rate(name: str, default: str) -> str | None:
    """A rate such as "1000/min" from the environment; "off" (or empty) for none."""
    rate = env(name, default=default)
    return None if rate in ("", "off") else rate


REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Back-office endpoints: staff by session (the admin's login) or a personal API token. A till's
    # token is recognised everywhere, so a till on a back-office endpoint gets 403, not a login prompt.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.authentication.PersonalTokenAuthentication",
        "sales.api.authentication.TillTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.permissions.StaffViewPermission"],
    # Per till token, per user, and per address for anonymous calls: 429 with Retry-After beyond.
    # A till catching up offline sends hundreds of requests a minute: its default allows that.
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "till": throttle_rate("API_THROTTLE_TILL", "1000/min"),
        "user": throttle_rate("API_THROTTLE_USER", "300/min"),
        "anon": throttle_rate("API_THROTTLE_ANON", "60/min"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Retail back office API",
    "DESCRIPTION": "Till and back-office API of the retail chain back office.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# The schema and its pages: open to everyone, or (the default in production) only to signed-in
# staff and till tokens.
API_SCHEMA_PUBLIC = env.bool("API_SCHEMA_PUBLIC", default=DEBUG)

# Report files. Downloads go through a view that checks the user may see every shop a file
# covers; the web server may send the bytes ("x-accel-redirect" for nginx, "x-sendfile" for
# Apache or lighttpd; empty: Django streams the file). For nginx, REPORT_FILE_SENDFILE_PREFIX
# is the internal location that aliases PRIVATE_MEDIA_ROOT.
REPORT_FILE_SENDFILE = env("REPORT_FILE_SENDFILE", default="")
if REPORT_FILE_SENDFILE not in ("", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured("REPORT_FILE_SENDFILE is one of: empty, x-accel-redirect, x-sendfile.")
REPORT_FILE_SENDFILE_PREFIX = env("REPORT_FILE_SENDFILE_PREFIX", default="/private-reports/")
# The longest period a report may cover, in days (two years).
REPORT_MAX_PERIOD_DAYS = env.int("REPORT_MAX_PERIOD_DAYS", default=731)
# Admin list exports longer than this run as background jobs listed in the report centre.
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=5000)
# Excel imports: limits checked before and while reading, and the size that runs in the background.
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=150 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=2000)
IMPORT_MAX_ERRORS = env.int("IMPORT_MAX_ERRORS", default=500)
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=3000)

# Business settings.
COMPANY_NAME = env("COMPANY_NAME", default="ТОО «Демо Ритейл»")
# Processes that render PDF chunks in parallel (one per core is right).
PDF_WORKERS = env.int("PDF_WORKERS", default=2)
CURRENCY_CODE = env("CURRENCY_CODE", default="KZT")
CURRENCY_SYMBOL = env("CURRENCY_SYMBOL", default="₸")
PHONENUMBER_DEFAULT_REGION = env("PHONENUMBER_DEFAULT_REGION", default="KZ")

# Receipts and time. A receipt whose till time is further ahead of the server's clock than this
# is refused (the till's clock is wrong); one older than RECEIPT_LATE_AFTER_DAYS is flagged.
RECEIPT_CLOCK_TOLERANCE_SECONDS = env.int("RECEIPT_CLOCK_TOLERANCE_SECONDS", default=24 * 3600)
RECEIPT_LATE_AFTER_DAYS = env.int("RECEIPT_LATE_AFTER_DAYS", default=30)

# Barcodes. Codes starting with one of these prefixes are in-house codes: accepted
# without an EAN/UPC check digit.
INTERNAL_BARCODE_PREFIXES = env.list("INTERNAL_BARCODE_PREFIXES", default=["99"])
# Scale-printed EAN-13 for weighted goods: PP LLLLL WWWWW C by default
# (prefix, PLU, weight in grams, check digit). Positions are 0-based string offsets.
SCALE_BARCODE_PREFIXES = env.list(
    "SCALE_BARCODE_PREFIXES", default=["20", "21", "22", "23", "24", "25", "26", "27", "28", "29"]
)
SCALE_BARCODE_PLU_START = env.int("SCALE_BARCODE_PLU_START", default=2)
SCALE_BARCODE_PLU_LENGTH = env.int("SCALE_BARCODE_PLU_LENGTH", default=5)
SCALE_BARCODE_WEIGHT_START = env.int("SCALE_BARCODE_WEIGHT_START", default=7)
SCALE_BARCODE_WEIGHT_LENGTH = env.int("SCALE_BARCODE_WEIGHT_LENGTH", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint logs every page it lays out at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery": {"level": env("CELERY_LOG_LEVEL", default="WARNING")},
        "kombu": {"level": "WARNING"},
    },
}

# --- API input bounds and contract (issue 8, items 11-12): one block, kept apart for merging. ---
# A batch of 500 receipts of 60 lines is 2.7 MB of JSON (5.3 MB with every field at its longest, 8.0 MB
# of that pretty-printed): 8 MiB takes all of them. A larger body is a JSON 413 (README, "Limits").
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=8 * 1024 * 1024)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.common.CommonMiddleware"), "config.middleware.InputBoundaryMiddleware"
)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["config.parsers.BoundedJSONParser"]
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "config.schema.ApiAutoSchema"
SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"] = {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}}

# --- Loyalty: customers, cards, SMS (issue 12, customers half): one block, kept apart for merging. ---
# Card numbers are EAN-13: this prefix, a serial, a check digit. Plastic cards come from the pool;
# the app's virtual cards are numbered under their own prefix. 0490-0499 is GS1's in-store range.
LOYALTY_CARD_PREFIX = env("LOYALTY_CARD_PREFIX", default="0490")
LOYALTY_VIRTUAL_CARD_PREFIX = env("LOYALTY_VIRTUAL_CARD_PREFIX", default="0491")
# SMS: the backend class (console: the log), an HTTP gateway's address and token, attempts before giving up.
SMS_BACKEND = env("SMS_BACKEND", default="loyalty.sms_backends.ConsoleBackend")
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")
SMS_HTTP_SENDER = env("SMS_HTTP_SENDER", default="")
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=3)
SMS_RETRY_SECONDS = env.int("SMS_RETRY_SECONDS", default=30)
# --- Loyalty points (issue 12, the points half): one block, kept apart for merging. ---
# Money one point is worth when it pays (and when the liability is valued).
POINTS_VALUE = Decimal(env("POINTS_VALUE", default="1"))
# Points earned become spendable this many days after the sale (the return window), and expire
# this many days after that.
POINTS_ACTIVATION_DAYS = env.int("POINTS_ACTIVATION_DAYS", default=14)
POINTS_LIFETIME_DAYS = env.int("POINTS_LIFETIME_DAYS", default=365)
# A till's hold on points at payment lasts this long unless its receipt arrives first.
POINTS_HOLD_MINUTES = env.int("POINTS_HOLD_MINUTES", default=15)
# The daily run looks this far back for lots it has not activated or expired yet (a missed run catches up).
POINTS_RUN_LOOKBACK_DAYS = env.int("POINTS_RUN_LOOKBACK_DAYS", default=60)
