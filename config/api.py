"""API conventions shared by every app: one error body, field paths in errors, bounded JSON input."""

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from inventory.exceptions import DomainError
from inventory.selectors import shops_for_user
from inventory.text import ControlCharacterValidator


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


def body_too_large_response() -> Response:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = _("The request body is larger than the limit of %(limit)d bytes.") % {"limit": limit}
    return Response(
        error_body(detail=detail, code="request_too_large", limit=limit),
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as {"lines.0.quantity": ["..."]}."""
    if isinstance(detail, dict):
        result = {}
        for key, value in detail.items():
            path = key if not prefix else (prefix if key == "non_field_errors" else f"{prefix}.{key}")
            result.update(flatten_errors(value, path))
        return result
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        result = {}
        for index, item in enumerate(detail):
            result.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return result
    return {prefix or "non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    """Every refusal in one body (`ErrorBody`): 400 with field paths for bad input, 409 for conflicts,
    other domain refusals 400 with the reason, DRF's own (401, 403, 404, 415, 429...) with their code."""
    if isinstance(exc, ValidationError):
        return Response(
            error_body(detail=_("Invalid input."), code="invalid", errors=flatten_errors(exc.detail)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DomainError):
        errors = getattr(exc, "errors", None) or {getattr(exc, "field", None) or "non_field_errors": [str(exc.message)]}
        code = getattr(exc, "http_status", status.HTTP_400_BAD_REQUEST)
        extra = {}
        if getattr(exc, "receipt", None) is not None:
            extra["receipt_id"] = exc.receipt.pk
        body = error_body(
            detail=exc.message,
            code={409: "conflict", 404: "not_found"}.get(code, "refused"),
            errors={k: [str(m) for m in v] for k, v in errors.items()},
            **extra,
        )
        return Response(body, status=code)
    if isinstance(exc, RequestDataTooBig):
        return body_too_large_response()
    response = drf_exception_handler(exc, context)
    if response is not None:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", None) or "error"
        if not isinstance(exc, APIException):  # Django's Http404 and PermissionDenied
            code = "not_found" if response.status_code == 404 else "permission_denied"
        response.data = error_body(detail=detail, code=code)
    return response


class TextField(serializers.CharField):
    """The API's text input: control characters are refused with a field error (DRF refuses only NUL).

    `multiline=True` lets tab and line breaks through, for text that has lines.
    """

    def __init__(self, *, multiline: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.multiline = multiline
        self.validators.append(ControlCharacterValidator(multiline=multiline))


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


class NewestFirstCursor(StrictPageSizeMixin, CursorPagination):
    """Cursor pages for long lists (receipts, balances): stable while rows are added."""

    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


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


class ShopScopedAPIMixin:
    """Back-office lists and details show only the shops the user may see, like the admin."""

    shop_field = "shop"

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(**{f"{self.shop_field}__in": shops_for_user(user=self.request.user)})
