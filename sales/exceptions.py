from django.utils.translation import gettext_lazy as _

from inventory.exceptions import DomainError


class ShiftClosed(DomainError):
    default_message = _("The shift is closed.")


class ShiftAlreadyOpen(DomainError):
    default_message = _("The till already has an open shift.")


class ReceiptInvalid(DomainError):
    """Bad receipt data; `errors` maps field paths (lines.0.quantity) to messages."""

    default_message = _("The receipt is not valid.")

    def __init__(self, errors: dict):
        super().__init__()
        self.errors = errors


class ReceiptConflictError(DomainError):
    default_message = _("A different receipt was already uploaded with this ID; the first one stands.")
    http_status = 409

    def __init__(self, receipt):
        super().__init__()
        self.receipt = receipt


class ShiftNotFound(DomainError):
    default_message = _("This till has no such shift.")
    http_status = 404
