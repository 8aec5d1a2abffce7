"""API building blocks shared by every app's back-office API: shop scoping, cursor pages, strict filters.

Here (not in `config`) so that apps' APIs import downward only; `config.api` re-exports them.
"""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, Throttled, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .client_ip import client_ip
from .scoping import visible_to
from .text import ControlCharacterValidator


class StrictPageSizeMixin:
    """`page_size` outside 1..max_page_size is a 400 (DRF silently ignores it), and the schema says so."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            message = _("A whole number from 1 to %(max)d is required.") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": self.max_page_size})
        return parameters


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is a field error, not silently no filter."""

    TRUE, FALSE = {"true", "True", "1"}, {"false", "False", "0"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in self.TRUE or value is True:
            return True
        if value in self.FALSE or value is False:
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IdFilter(django_filters.NumberFilter):
    """A related object by id: an id that does not exist gives an empty list, not a 400."""

    field_class = forms.IntegerField
    LARGEST = 2**63 - 1

    def filter(self, qs, value):
        if value is not None and not -self.LARGEST <= value <= self.LARGEST:
            return qs.none()  # no row has it; the database would refuse the number itself
        return super().filter(qs, value)


class FilterSet(django_filters.FilterSet):
    """The API's filter sets: ids are plain integers, booleans strict."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
    }

    def is_valid(self) -> bool:
        """An empty value (`?kind=`) is an error, not "no filter", except for text filters."""
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if not isinstance(filter_, django_filters.CharFilter) and self.data.get(name) == "":
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
        return valid


class NewestFirstCursor(StrictPageSizeMixin, CursorPagination):
    """Cursor pages for long lists (receipts, balances): stable while rows are added."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ShopScopedAPIMixin:
    """Back-office lists and details show only rows of the shops the user may see, like the admin.

    The shops come from the model's SHOP_FIELDS (`inventory.scoping`); `shop_field` overrides
    them with one lookup.
    """

    shop_field: str | None = None

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return visible_to(queryset, self.request.user, fields=(self.shop_field,) if self.shop_field else None)


class ErrorBody(serializers.Serializer):
    """The one body of every 4xx (and 5xx) answer of the API."""

    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")
    code = serializers.CharField(
        help_text="Stable and machine-readable: invalid, parse_error, not_authenticated, authentication_failed, "
        "permission_denied, not_found, method_not_allowed, unsupported_media_type, request_too_large, "
        "throttled, conflict, refused."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field path (lines.0.quantity); empty when the error is not about a field.",
    )
    receipt_id = serializers.IntegerField(required=False, help_text="409 on a receipt: the receipt that stands.")
    limit = serializers.IntegerField(required=False, help_text="413: the largest body accepted, in bytes.")


def error_body(*, detail, code: str, errors: dict | None = None, **extra) -> dict:
    return {"detail": str(detail), "code": code, "errors": errors or {}, **extra}


class TextField(serializers.CharField):
    """The API's text input: control characters are refused with a field error (DRF refuses only NUL).

    `multiline=True` lets tab and line breaks through, for text that has lines.
    """

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.multiline = multiline
        self.validators.append(ControlCharacterValidator(multiline=multiline))


class FailedCredentialsThrottle(SimpleRateThrottle):
    """Wrong tokens count per address, at the anonymous rate: guessing till or API tokens is throttled.

    DRF throttles only after authentication has succeeded; a refused token never gets there.
    """

    scope = "anon"
    cache_format = "throttle_failed_credentials_%(ident)s"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        return self.cache_format % {"ident": client_ip(request)}


def credentials_refused(request, message):
    """Raise AuthenticationFailed (401), or Throttled (429 with Retry-After) past the address's rate."""
    throttle = FailedCredentialsThrottle()
    if throttle.rate is not None and not throttle.allow_request(request, None):
        raise Throttled(wait=throttle.wait())
    raise AuthenticationFailed(message)
