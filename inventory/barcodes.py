"""Barcode rules, as pure functions (no database).

- `barcode_classify` tells the kind of a product barcode or raises ValidationError:
  EAN-13, EAN-8 and UPC-A must carry a correct check digit; codes that start with one of
  `settings.INTERNAL_BARCODE_PREFIXES` are in-house codes and are accepted as they are.
- `scale_barcode_parse` splits a scale-printed EAN-13 (weighted goods) into PLU and
  weight in grams, by the positions configured in settings.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from .choices import BarcodeKind

MAX_BARCODE_LENGTH = 32
_KIND_BY_LENGTH = {13: BarcodeKind.EAN13, 8: BarcodeKind.EAN8, 12: BarcodeKind.UPCA}


def ean_check_digit(digits: str) -> str:
    """The GS1 check digit for a string of digits (without the check digit)."""
    return ean.calc_check_digit(digits)


def barcode_classify(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("A barcode cannot be empty."), code="empty")
    if len(code) > MAX_BARCODE_LENGTH:
        raise ValidationError(
            _("A barcode is at most %(max)d characters long."), code="too_long", params={"max": MAX_BARCODE_LENGTH}
        )
    if any(code.startswith(prefix) for prefix in settings.INTERNAL_BARCODE_PREFIXES):
        if not code.isalnum():
            raise ValidationError(_("An internal code may contain only letters and digits."), code="invalid_chars")
        return BarcodeKind.INTERNAL
    if not code.isdigit() or len(code) not in _KIND_BY_LENGTH:
        raise ValidationError(
            _(
                "“%(code)s” is not an EAN-13, EAN-8 or UPC-A barcode, and does not start with an internal prefix (%(prefixes)s)."
            ),
            code="unknown_format",
            params={"code": code, "prefixes": ", ".join(settings.INTERNAL_BARCODE_PREFIXES)},
        )
    try:
        ean.validate(code)
    except StdnumError:
        raise ValidationError(
            _("“%(code)s” has a wrong check digit (expected %(digit)s)."),
            code="check_digit",
            params={"code": code, "digit": ean_check_digit(code[:-1])},
        ) from None
    if is_scale_prefix(code):
        raise ValidationError(
            _("“%(code)s” starts with a scale prefix: weighted goods are found by their PLU, not by a stored barcode."),
            code="scale_prefix",
            params={"code": code},
        )
    return _KIND_BY_LENGTH[len(code)]


def is_scale_prefix(code: str) -> bool:
    return len(code) == 13 and any(code.startswith(p) for p in settings.SCALE_BARCODE_PREFIXES)


@dataclass(frozen=True)
class ScaleBarcode:
    plu: int
    weight_grams: int

    @property
    def quantity_kg(self) -> Decimal:
        return (Decimal(self.weight_grams) / 1000).quantize(Decimal("0.001"))


def scale_barcode_parse(code: str) -> ScaleBarcode:
    """Decode a scale-printed EAN-13. Raises ValidationError for a wrong prefix or check digit."""
    code = (code or "").strip()
    if len(code) != 13 or not code.isdigit():
        raise ValidationError(_("A scale barcode is 13 digits."), code="scale_format")
    if not is_scale_prefix(code):
        raise ValidationError(
            _("“%(code)s” does not start with a scale prefix (%(prefixes)s)."),
            code="scale_prefix",
            params={"code": code, "prefixes": ", ".join(settings.SCALE_BARCODE_PREFIXES)},
        )
    if not ean.is_valid(code):
        raise ValidationError(
            _("“%(code)s” has a wrong check digit (expected %(digit)s)."),
            code="check_digit",
            params={"code": code, "digit": ean_check_digit(code[:-1])},
        )
    p0, pn = settings.SCALE_BARCODE_PLU_START, settings.SCALE_BARCODE_PLU_LENGTH
    w0, wn = settings.SCALE_BARCODE_WEIGHT_START, settings.SCALE_BARCODE_WEIGHT_LENGTH
    return ScaleBarcode(plu=int(code[p0 : p0 + pn]), weight_grams=int(code[w0 : w0 + wn]))


def scale_barcode_build(*, plu: int, weight_grams: int, prefix: str | None = None) -> str:
    """The barcode a scale prints for this PLU and weight (used by the demo and tests)."""
    prefix = prefix or settings.SCALE_BARCODE_PREFIXES[0]
    body = f"{prefix}{plu:0{settings.SCALE_BARCODE_PLU_LENGTH}d}{weight_grams:0{settings.SCALE_BARCODE_WEIGHT_LENGTH}d}"
    return body + ean_check_digit(body)
