"""One API throttle for every call: per till token, per user, per address for anonymous calls.

Loaded by DRF's settings: it must not import rest_framework.views (nor sales: a till is known by
its `till` attribute).
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .client_ip import client_ip


class ApiRateThrottle(SimpleRateThrottle):
    """Rates are `DEFAULT_THROTTLE_RATES["till" | "user" | "anon"]`, read on every call (None: no limit).

    Beyond the rate DRF answers 429 with `Retry-After` (seconds) and a JSON body.
    """

    def __init__(self):
        # SimpleRateThrottle reads one rate at construction; ours depends on who calls.
        pass

    def allow_request(self, request, view):
        user = request.user
        if getattr(user, "till", None) is not None:
            self.scope, ident = "till", user.till.pk
        elif user is not None and user.is_authenticated:
            self.scope, ident = "user", user.pk
        else:
            self.scope, ident = "anon", client_ip(request)
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self._key = self.cache_format % {"scope": self.scope, "ident": ident}
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self._key
