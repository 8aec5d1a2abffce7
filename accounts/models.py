"""Personal API tokens: how a person's scripts call the back-office API without a browser."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.text import ControlCharacterValidator
from inventory.tokens import token_hash, token_new  # noqa: F401  (token_hash: accounts' services use it from here)

TOKEN_PREFIX = "bo_"


class ApiToken(models.Model):
    """A person's token for the back-office API, sent as `Authorization: Bearer <token>`.

    It acts as its user: the same permissions and shops. Only its SHA-256 is stored; the token is
    shown once, when issued. A revoked token, or one of an inactive user, is refused on the next call.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        validators=[ControlCharacterValidator()],
        help_text=_("What the token is for, e.g. “accounting export”."),
    )
    prefix = models.CharField(
        _("prefix"), max_length=12, editable=False, help_text=_("The token's first characters, to tell tokens apart.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-id"]
        permissions = [("manage_all_apitokens", _("Can issue and revoke API tokens of every user"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> str:
        return token_new(TOKEN_PREFIX)
