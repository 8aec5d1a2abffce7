"""`Authorization: App <token>`: a customer signed in to the mobile app (token from the SMS sign-in)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, permissions

from inventory.api_shared import credentials_refused

from ..services.customers import app_token_customer


class CustomerUser:
    """The request's user when the app calls: a customer, no staff rights, no permissions."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, customer):
        self.customer = customer
        self.pk = f"customer-{customer.pk}"  # the throttle's key: never a staff user's id

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self) -> str:
        return f"customer {self.customer.pk}"


class AppTokenAuthentication(authentication.BaseAuthentication):
    keyword = "App"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            credentials_refused(request, _("Send the token as: Authorization: App <token>."))
        customer = app_token_customer(header[1])
        if customer is None:
            credentials_refused(request, _("Unknown or revoked app token: sign in again."))
        return CustomerUser(customer), customer

    def authenticate_header(self, request):
        return self.keyword


class IsCustomer(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, CustomerUser)


class AppTokenScheme(OpenApiAuthenticationExtension):
    target_class = "loyalty.api_app.authentication.AppTokenAuthentication"
    name = "appToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The customer's app token as `App <token>` (from /api/v1/app/sign-in/confirm/).",
        }
