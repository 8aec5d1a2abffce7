"""Issuing, revoking and checking personal API tokens."""

import datetime

from django.db import transaction
from django.utils import timezone

from inventory.tokens import token_hash

from .models import ApiToken

# last_used_at is written at most this often per token: not a write on every call.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@transaction.atomic(durable=True)
def api_token_issue(*, user, name: str, actor) -> tuple[ApiToken, str]:
    """Issue a token for `user` and return it with its secret: shown this once, stored only as a hash."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=token_hash(raw), created_by=actor)
    return token, raw


def api_token_revoke(*, token: ApiToken, actor) -> bool:
    """Revoke a token (refused from the next call on). False if it was already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
    )


def api_token_user(raw: str):
    """The active user a live token belongs to, with the token, or (None, None); notes when it was used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None, None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
