from django.utils.translation import gettext_lazy as _

from inventory.exceptions import DomainError


class AccountNotFound(DomainError):
    default_message = _("No active loyalty card or customer matches.")
    http_status = 404


class PointsUnavailable(DomainError):
    """Fewer spendable points than asked (holds of other tills count as spent)."""

    default_message = _("Not enough spendable points.")
    http_status = 409


class HoldConflict(DomainError):
    default_message = _("This receipt already holds points with another amount, or its hold is closed.")
    http_status = 409


class AdjustmentOverLimit(DomainError):
    default_message = _("The adjustment is larger than the limit you may post.")
    http_status = 403
