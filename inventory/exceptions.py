from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the operation. `message` is shown to the user as is."""

    default_message = _("The operation was refused.")

    def __init__(self, message=None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class DocumentNotDraft(DomainError):
    default_message = _("Only a draft can be changed or posted.")


class DocumentNotPosted(DomainError):
    default_message = _("Only a posted document can be cancelled.")


class DocumentEmpty(DomainError):
    default_message = _("The document has no lines.")


class ProductNotFound(DomainError):
    default_message = _("No product has this code.")


class PeriodClosed(DomainError):
    default_message = _("The period is closed.")


class LedgerOverdraft(DomainError):
    """A ledger would go below what its invariant allows; `shortages` lists (key, available, needed)."""

    default_message = _("Not enough on the balance.")

    def __init__(self, message=None, *, shortages=None):
        super().__init__(message)
        self.shortages = shortages or []


class NegativeStock(LedgerOverdraft):
    """Goods would leave that are not there; `shortages` lists (shop, product, available, needed)."""

    default_message = _("Not enough stock.")
