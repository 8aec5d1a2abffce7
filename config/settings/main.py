"""The settings the site runs with: the demo (DEBUG=1) and production.

Production (DEBUG off) refuses to start when it would run unsafely: without a SECRET_KEY, or
without a Celery broker unless eager tasks are asked for explicitly (CELERY_TASK_ALWAYS_EAGER=1).
"""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import BROKER_CONFIGURED, DEBUG, INSECURE_SECRET_KEY, SECRET_KEY, env

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without it; "
            "`make demo` writes one to .env for the demo."
        )
    SECRET_KEY = INSECURE_SECRET_KEY

if not DEBUG and not BROKER_CONFIGURED and not env.bool("CELERY_TASK_ALWAYS_EAGER", default=False):
    raise ImproperlyConfigured(
        "No Celery broker: set REDIS_URL (or CELERY_BROKER_URL). Production refuses to start without one, "
        "since background jobs (reports, imports, re-costing, the nightly checks) would run inside web "
        "requests. To run every task in-process on purpose, set CELERY_TASK_ALWAYS_EAGER=1."
    )

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
