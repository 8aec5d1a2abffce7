"""django-axes under a name people read.

Its own module: a second AppConfig in accounts/apps.py would stop Django from choosing
AccountsConfig for "accounts" by itself (and with it the Excel export everywhere).
"""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _


class SignInAttemptsConfig(AxesConfig):
    """django-axes (sign-in lockouts) under a name people read, not the library's "Axes"."""

    verbose_name = _("Sign-in attempts")
