"""The OpenAPI schema and its pages (Swagger UI, ReDoc).

Open to everyone only when API_SCHEMA_PUBLIC (the default with DEBUG); otherwise to signed-in staff
and till tokens. The pages' scripts and styles come from our static files (drf-spectacular-sidecar;
see SPECTACULAR_SETTINGS), so they work without internet.
"""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions

from config.permissions import SchemaReaderPermission


class SchemaView(SpectacularAPIView):
    permission_classes = [SchemaReaderPermission]


class _SchemaPageMixin:
    """A person who is not signed in is sent to the admin's login page, and back after it."""

    permission_classes = [SchemaReaderPermission]

    def handle_exception(self, exc):
        denied = isinstance(exc, (exceptions.NotAuthenticated, exceptions.PermissionDenied))
        if denied and not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path(), reverse("admin:login"))
        return super().handle_exception(exc)


class SwaggerView(_SchemaPageMixin, SpectacularSwaggerView):
    pass


class RedocView(_SchemaPageMixin, SpectacularRedocView):
    pass
