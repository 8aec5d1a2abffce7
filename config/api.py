"""API conventions shared by every app: one error body, field paths in errors, bounded JSON input."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from inventory.api_shared import (  # noqa: F401  (moved to inventory: apps import downward only)
    BooleanFilter,
    ErrorBody,
    FilterSet,
    IdFilter,
    NewestFirstCursor,
    ShopScopedAPIMixin,
    StrictPageSizeMixin,
    TextField,
    error_body,
)
from inventory.exceptions import DomainError


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
