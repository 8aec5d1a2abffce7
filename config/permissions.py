"""The API's default permission. Loaded by DRF's settings: it must not import rest_framework.views."""

from django.conf import settings
from rest_framework import permissions


class StaffViewPermission(permissions.BasePermission):
    """Back-office reads: a staff user with the view permission of the listed model. A till is refused (403)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            return False
        model = view.get_queryset().model
        return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


class SchemaReaderPermission(permissions.BasePermission):
    """The OpenAPI schema and its pages: everyone when API_SCHEMA_PUBLIC, else signed-in staff and tills."""

    def has_permission(self, request, view):
        if settings.API_SCHEMA_PUBLIC:
            return True
        user = request.user
        if getattr(user, "till", None) is not None:
            return True
        return bool(user and user.is_authenticated and user.is_staff)
