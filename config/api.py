"""API conventions shared by every app: one exception handler, field paths in errors."""

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from inventory.api_shared import NewestFirstCursor, ShopScopedAPIMixin  # noqa: F401  (moved to inventory)
from inventory.exceptions import DomainError


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
    """400 with field paths for bad input; 409 for conflicts; other domain refusals 400 with the reason."""
    if isinstance(exc, ValidationError):
        return Response({"errors": flatten_errors(exc.detail)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        errors = getattr(exc, "errors", None) or {getattr(exc, "field", None) or "non_field_errors": [str(exc.message)]}
        code = getattr(exc, "http_status", status.HTTP_400_BAD_REQUEST)
        body = {"errors": {k: [str(m) for m in v] for k, v in errors.items()}}
        if getattr(exc, "receipt", None) is not None:
            body["receipt_id"] = exc.receipt.pk
        return Response(body, status=code)
    return drf_exception_handler(exc, context)
