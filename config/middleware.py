"""The edge of every request: bounds checked before a view reads anything, and the API answering JSON only."""

import json
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

from inventory.text import control_character, control_character_message

from .api import error_body

API_PREFIX = "/api/"


def _json(body: dict, status: int, response=None) -> HttpResponse:
    answer = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if response is not None and response.has_header(header):
            answer[header] = response[header]
    return answer


class InputBoundaryMiddleware:
    """Refuses, before any view runs, what no view should see:

    - under /api/, a body announced larger than DATA_UPLOAD_MAX_MEMORY_SIZE: 413 in JSON, naming the limit;
    - anywhere, control characters in the URL or its query but tab and line breaks (a search pasted
      from a spreadsheet; views refuse those where they matter): 400 (a NUL reaching PostgreSQL was a 500);
    - under /api/, any error Django answers itself (an unknown URL) is turned into the API's JSON error body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path_info.startswith(API_PREFIX)
        refusal = self._refusal(request, is_api)
        if refusal is not None:
            return refusal
        response = self.get_response(request)
        if (
            is_api
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, detail = {
                400: ("invalid", _("Bad request.")),
                403: ("permission_denied", _("You do not have permission to perform this action.")),
                404: ("not_found", _("Not found.")),
                405: ("method_not_allowed", _("Method not allowed.")),
            }.get(response.status_code, ("error", getattr(response, "reason_phrase", "") or _("Error")))
            return _json(error_body(detail=detail, code=code), response.status_code, response)
        return response

    def _refusal(self, request, is_api: bool):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if is_api and limit is not None and length > limit:
            detail = _("The request body is larger than the limit of %(limit)d bytes.") % {"limit": limit}
            return _json(error_body(detail=detail, code="request_too_large", limit=limit), 413)
        query = unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        for part, text in (("path", request.path_info), ("query", query)):
            if char := control_character(text, multiline=True):
                message = control_character_message(char)
                if is_api:
                    return _json(error_body(detail=message, code="invalid", errors={part: [message]}), 400)
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return None
