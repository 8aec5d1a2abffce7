"""Secrets handed out once and stored only as a hash: till tokens and personal API tokens."""

import hashlib
import secrets


def token_new(prefix: str = "") -> str:
    """A new random token (256 bits), with an optional readable prefix."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored and looked up: the token's SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()
