"""The OpenAPI document's conventions: every operation lists its error answers, each with the one error body.

A view may add codes it alone answers with `error_status_codes` (e.g. (409,) on a receipt upload).
Till operations list only the till token; back-office operations never list it (a till is refused there).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from .api import ErrorBody

ERROR_DESCRIPTIONS = {
    400: _("Bad input: `errors` by field path (nothing was written), malformed JSON or query."),
    401: _("No credentials, or unknown or revoked ones."),
    403: _("Not allowed (a till on a back-office endpoint, a user without the right)."),
    404: _("No such object among those visible to the caller, or a stale page cursor."),
    409: _("Conflicts with what is stored."),
    413: _("The body is larger than the limit; `limit` gives it in bytes."),
    415: _("The body is not JSON (send Content-Type: application/json)."),
    429: _("Too many requests: wait for Retry-After seconds."),
}
TILL_SCHEME = "tillToken"
# Text the API takes holds no control characters (refused with a 400); queries and text areas may
# hold tab and line breaks.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
NO_CONTROL_CHARACTERS_MULTILINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


class ApiAutoSchema(AutoSchema):
    def _is_till_operation(self) -> bool:
        from sales.api.authentication import IsTill

        return any(isinstance(permission, IsTill) for permission in self.view.get_permissions())

    def error_status_codes(self) -> list[int]:
        codes = {400, 401, 403, 429, *getattr(self.view, "error_status_codes", ())}
        if self.path_regex and "{" in self.path or getattr(self.view, "pagination_class", None):
            codes.add(404)  # an object not found, or a page cursor that is not ours
        if self.method in ("POST", "PUT", "PATCH"):
            codes |= {413, 415}
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_status_codes():
            documented = responses.get(str(code))
            error = self._get_response_for_code(ErrorBody, str(code), direction=direction)
            if documented is None:
                error["description"] = str(ERROR_DESCRIPTIONS.get(code, ""))
                responses[str(code)] = error
            elif "content" not in documented:
                documented["content"] = error["content"]
        return dict(sorted(responses.items()))

    def get_auth(self):
        auths = super().get_auth()
        till = self._is_till_operation()
        return [auth for auth in auths if (TILL_SCHEME in auth) == till]

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema)):
                schema["pattern"] = NO_CONTROL_CHARACTERS_MULTILINE
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """Lists of serializers carry their bounds (drf-spectacular maps them only on ListField);
        text fields say they take no control characters."""
        from .api import TextField

        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, TextField) and "pattern" not in schema:
            schema["pattern"] = NO_CONTROL_CHARACTERS_MULTILINE if field.multiline else NO_CONTROL_CHARACTERS
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            minimum = field.min_length if field.min_length is not None else (0 if field.allow_empty else 1)
            if minimum:
                schema["minItems"] = minimum
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema
