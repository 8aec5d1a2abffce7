"""The client's address, as the login lockout and the API throttle see it."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The connecting address, or behind PROXY_COUNT proxies the address the outermost one saw.

    Each proxy appends the address it received from to X-Forwarded-For, so with N trusted proxies
    the N-th entry from the right is the client; whatever a client wrote further left is ignored.
    The same rule as DRF's NUM_PROXIES, so a lockout and a throttle count the same address.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not count or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(count, len(addresses))] or remote
