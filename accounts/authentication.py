"""`Authorization: Bearer <token>`: a person's API token on the back-office API."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication

from inventory.api_shared import credentials_refused

from .services import api_token_user


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token (Admin › Accounts › API tokens). Looked up on every call: revoking is immediate."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            credentials_refused(request, _("Send the token as: Authorization: Bearer <token>."))
        user, token = api_token_user(header[1])
        if user is None:
            credentials_refused(request, _("Unknown or revoked API token."))
        return user, token


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """Describes the personal token in the OpenAPI document (the Authorize button of Swagger UI)."""

    target_class = "accounts.authentication.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A person's API token (Admin › Accounts › API tokens), as `Bearer <token>`.",
        }
