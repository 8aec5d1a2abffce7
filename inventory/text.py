"""Text at the boundary: control characters are refused wherever text comes in (API, admin, parsing).

A NUL reaching PostgreSQL is an error there (and was a 500 here); the other C0 characters
and DEL have no place in a name, a code or a fiscal sign. A text area may keep tab and
line breaks; nothing else does.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = _("Control characters are not allowed here (found U+%(code)04X).")


def control_character(value: str, *, multiline: bool = False) -> str | None:
    """The first control character in `value` that is not allowed, or None."""
    match = (CONTROL_CHARACTERS_MULTILINE if multiline else CONTROL_CHARACTERS).search(value)
    return match.group() if match else None


def control_character_message(char: str) -> str:
    return str(MESSAGE % {"code": ord(char)})


@deconstructible
class ControlCharacterValidator:
    """Refuses control characters; `multiline=True` (text areas) lets tab, CR and LF through."""

    code = "control_characters"

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if isinstance(value, str) and (char := control_character(value, multiline=self.multiline)):
            raise ValidationError(MESSAGE, code=self.code, params={"code": ord(char)})

    def __eq__(self, other) -> bool:
        return isinstance(other, ControlCharacterValidator) and other.multiline == self.multiline


def refuse_control_characters(value: str, *, multiline: bool = False) -> str:
    """Raise ValidationError when `value` holds a control character (tab, CR, LF allowed when multiline)."""
    ControlCharacterValidator(multiline)(value)
    return value
