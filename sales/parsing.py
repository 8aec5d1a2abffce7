"""Reading a till's receipt body: strict, fast, with an error path for every bad field.

A batch of 500 receipts is read here before anything touches the database; DRF's nested
serializers cost about as much per receipt as writing it, so this is plain Python. The
OpenAPI description of the same body is `sales.api.serializers.ReceiptInput`; a test
keeps the two in step.
"""

import datetime
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from inventory.text import control_character, control_character_message

from .models import PaymentType, ReceiptKind

MAX_LINES = 1000
MAX_DIGITS = 14  # of every amount and quantity column
LARGEST_NUMBER = 2**62  # receipt numbers, product ids, line numbers
MAX_PAYMENTS = 20
RECEIPT_FIELDS = {
    "uuid",
    "sequence",
    "till_time",
    "kind",
    "original_uuid",
    "lines",
    "payments",
    "card_number",
    "phone",
    "fiscal_sign",
    "fiscal_number",
}
LINE_FIELDS = {"product_id", "barcode", "original_line_no", "quantity", "price", "discount", "amount"}
PAYMENT_FIELDS = {"type", "amount"}
NUMBER = re.compile(r"-?\d{1,14}(\.\d{1,6})?")
ZERO = Decimal("0")


@dataclass
class LineIn:
    product_id: int | None
    barcode: str
    quantity: Decimal | None
    price: Decimal
    discount: Decimal
    amount: Decimal
    original_line_no: int | None


@dataclass
class ReceiptIn:
    uuid: uuid.UUID
    sequence: int
    till_time: datetime.datetime
    kind: str
    original_uuid: uuid.UUID | None
    lines: list[LineIn]
    payments: list[tuple[str, Decimal]]
    card_number: str = ""
    phone: str = ""
    fiscal_sign: str = ""
    fiscal_number: str = ""
    total: Decimal = field(default=ZERO)
    discount: Decimal = field(default=ZERO)
    paid: Decimal = field(default=ZERO)


class _Errors(dict):
    def add(self, path: str, message) -> None:
        self.setdefault(path, []).append(str(message))


def _decimal(value, path: str, errors: _Errors, *, places: int, required=True, minimum=ZERO, positive=False):
    if value is None:
        if required:
            errors.add(path, _("This field is required."))
        return None
    if isinstance(value, (bool, float)):
        errors.add(path, _('Send this number as a string, e.g. "12.50": JSON floats lose precision.'))
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not NUMBER.fullmatch(value):
        errors.add(path, _("A decimal number is required."))
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        errors.add(path, _("A decimal number is required."))
        return None
    if -number.as_tuple().exponent > places:
        errors.add(path, _("Ensure that there are no more than %(n)d decimal places.") % {"n": places})
        return None
    if abs(number) >= 10 ** (MAX_DIGITS - places):
        errors.add(
            path,
            _("Ensure that there are no more than %(n)d digits before the decimal point.") % {"n": MAX_DIGITS - places},
        )
        return None
    if positive and number <= 0:
        errors.add(path, _("The quantity must be above zero."))
        return None
    if minimum is not None and number < minimum:
        errors.add(path, _("Ensure this value is greater than or equal to %(n)s.") % {"n": minimum})
        return None
    return number


def _integer(value, path: str, errors: _Errors, *, required=True):
    if value is None:
        if required:
            errors.add(path, _("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > LARGEST_NUMBER:
        errors.add(path, _("A positive whole number is required."))
        return None
    return value


def _text(value, path: str, errors: _Errors, *, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(path, _("A string is required."))
        return ""
    if len(value) > max_length:
        errors.add(path, _("Ensure this field has no more than %(n)d characters.") % {"n": max_length})
        return ""
    return value.strip()


def _control_characters(raw, errors: _Errors) -> None:
    """Every string of the body, keys included, checked for control characters, each error at its path.

    A NUL anywhere (a known field or not) would reach PostgreSQL through the stored payload of
    a conflict; so the receipt is refused here, alone, and the rest of a batch goes on.
    """
    stack = [(raw, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if char := control_character(value):
                errors.add(path or "non_field_errors", control_character_message(char))
        elif isinstance(value, dict):
            for key, item in value.items():
                key_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and (char := control_character(key)):
                    errors.add(path or "non_field_errors", control_character_message(char))
                    continue
                stack.append((item, key_path))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}" if path else str(i)) for i, item in enumerate(value))


def _uuid(value, path: str, errors: _Errors, *, required=True):
    if value is None or value == "":
        if required:
            errors.add(path, _("This field is required."))
        return None
    try:
        if isinstance(value, str):
            return uuid.UUID(value)
    except ValueError:
        pass
    errors.add(path, _("Must be a valid UUID."))
    return None


def _line(raw, path: str, errors: _Errors) -> LineIn | None:
    if not isinstance(raw, dict):
        errors.add(path, _("An object is required."))
        return None
    before = len(errors)
    product_id = _integer(raw.get("product_id"), f"{path}.product_id", errors, required=False)
    barcode = _text(raw.get("barcode"), f"{path}.barcode", errors, max_length=32)
    original_line_no = _integer(raw.get("original_line_no"), f"{path}.original_line_no", errors, required=False)
    quantity = _decimal(raw.get("quantity"), f"{path}.quantity", errors, places=3, required=False, positive=True)
    price = _decimal(raw.get("price"), f"{path}.price", errors, places=2)
    discount = _decimal(raw.get("discount", "0"), f"{path}.discount", errors, places=2)
    amount = _decimal(raw.get("amount"), f"{path}.amount", errors, places=2)
    if not product_id and not barcode and not original_line_no:
        errors.add(path, _("Give product_id or barcode (or original_line_no in a return)."))
    if len(errors) > before:
        return None
    return LineIn(product_id, barcode, quantity, price, discount, amount, original_line_no)


def receipt_parse(raw) -> tuple[ReceiptIn | None, dict[str, list[str]]]:
    """A receipt body as ReceiptIn, or None and {"lines.0.price": ["..."]}."""
    errors = _Errors()
    if not isinstance(raw, dict):
        errors.add("non_field_errors", _("A receipt must be a JSON object."))
        return None, errors
    _control_characters(raw, errors)
    if errors:
        return None, dict(sorted(errors.items()))
    receipt_uuid = _uuid(raw.get("uuid"), "uuid", errors)
    sequence = _integer(raw.get("sequence"), "sequence", errors)
    till_time = None
    value = raw.get("till_time")
    if not isinstance(value, str) or not value:
        errors.add("till_time", _("This field is required."))
    else:
        try:
            till_time = parse_datetime(value)
        except ValueError:
            till_time = None
        if till_time is None or till_time.tzinfo is None:
            errors.add("till_time", _("An ISO 8601 date and time with a UTC offset is required."))
    kind = raw.get("kind", ReceiptKind.SALE)
    if kind not in ReceiptKind.values:
        errors.add("kind", _("“%(value)s” is not a valid choice.") % {"value": kind})
    original_uuid = _uuid(raw.get("original_uuid"), "original_uuid", errors, required=False)
    if original_uuid and kind != ReceiptKind.RETURN:
        errors.add("original_uuid", _("Only a return refers to an original receipt."))

    lines = []
    raw_lines = raw.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        errors.add("lines", _("A receipt needs at least one line."))
    elif len(raw_lines) > MAX_LINES:
        errors.add("lines", _("A receipt may have at most %(n)d lines.") % {"n": MAX_LINES})
    else:
        lines = [_line(item, f"lines.{i}", errors) for i, item in enumerate(raw_lines)]

    payments = []
    raw_payments = raw.get("payments", [])
    if not isinstance(raw_payments, list):
        errors.add("payments", _("A list is required."))
    elif len(raw_payments) > MAX_PAYMENTS:
        errors.add("payments", _("A receipt may have at most %(n)d payments.") % {"n": MAX_PAYMENTS})
    else:
        for i, item in enumerate(raw_payments):
            if not isinstance(item, dict):
                errors.add(f"payments.{i}", _("An object is required."))
                continue
            kind_of_payment = item.get("type")
            if kind_of_payment not in PaymentType.values:
                errors.add(f"payments.{i}.type", _("“%(value)s” is not a valid choice.") % {"value": kind_of_payment})
            amount = _decimal(item.get("amount"), f"payments.{i}.amount", errors, places=2)
            payments.append((kind_of_payment, amount))

    texts = {
        name: _text(raw.get(name), name, errors, max_length=size)
        for name, size in (("card_number", 32), ("phone", 20), ("fiscal_sign", 64), ("fiscal_number", 64))
    }
    if errors:
        return None, errors
    receipt = ReceiptIn(
        uuid=receipt_uuid,
        sequence=sequence,
        till_time=till_time,
        kind=kind,
        original_uuid=original_uuid,
        lines=lines,
        payments=payments,
        **texts,
    )
    receipt.total = sum((line.amount for line in lines), ZERO)
    receipt.discount = sum((line.discount for line in lines), ZERO)
    receipt.paid = sum((amount for _type, amount in payments), ZERO)
    if max(abs(receipt.total), receipt.paid) >= 10 ** (MAX_DIGITS - 2):
        return None, {"lines": [_("The receipt's total is too large.")]}
    return receipt, {}
