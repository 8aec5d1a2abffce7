from django.utils.translation import gettext_lazy as _

from inventory.exceptions import DomainError


class TillOrderConflict(DomainError):
    """A till sent an order ID again with another body: the first order stands."""

    default_message = _("A different cash order was already recorded with this ID; the first one stands.")
    http_status = 409
