from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, permissions

from inventory.api_shared import credentials_refused

from ..services import till_for_token


class TillUser:
    """The request's user when a till calls: no staff rights, no permissions."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, till):
        self.till = till

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return f"till {self.till.code}"


class TillTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Till <token>`. A revoked token is refused at once (it is looked up on every call)."""

    keyword = "Till"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            credentials_refused(request, _("Send the token as: Authorization: Till <token>."))
        till = till_for_token(header[1])
        if till is None:
            credentials_refused(request, _("Unknown or revoked till token."))
        return TillUser(till), till

    def authenticate_header(self, request):
        return self.keyword


class IsTill(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, TillUser)


class TillTokenScheme(OpenApiAuthenticationExtension):
    """Describes the till token in the OpenAPI document (the Authorize button of Swagger UI)."""

    target_class = "sales.api.authentication.TillTokenAuthentication"
    name = "tillToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The till's token as `Till <token>` (issued in the admin or by `manage.py till_token`).",
        }
