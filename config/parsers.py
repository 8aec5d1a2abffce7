"""The API's one parser: JSON, bounded in depth. Its own module: DRF imports it while loading its settings."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deeper than any body the API takes (a batch is 5 levels); far below Python's recursion limit.
MAX_JSON_DEPTH = 32


class BoundedJSONParser(JSONParser):
    """JSON only, at most MAX_JSON_DEPTH levels deep: deeper is a 400, never a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = json_depth_exceeds(data, MAX_JSON_DEPTH)
        if too_deep:
            raise ParseError(_("The JSON is nested too deeply: at most %(n)d levels.") % {"n": MAX_JSON_DEPTH})
        return data


def json_depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > limit:
                return True
            stack.extend((item, depth + 1) for item in (value.values() if isinstance(value, dict) else value))
    return False
