"""What the report engine knows of the apps, filled by them: the engine imports no domain app.

Each app registers, from its `AppConfig.ready()`:
- its report definitions (`register`), found by name by the job runner and the report centre;
- its printable documents (`document_register`): model and view permission, for the print view;
- the app that owns shops registers the shop scope (`scope_register`): who may see which shops,
  asked before a file is handed out and to offer shops and groups in the report centre's form.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings

from .xlsx import Column


@dataclass
class ReportData:
    """What a report definition returns: a title, columns and rows (an iterator is fine)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    subtitle_lines: Sequence[str] = ()
    signatures: Sequence[str] = ()
    totals: Sequence | None = None
    total_rows: int | None = None  # for progress
    landscape: bool = False
    shop_ids: list[int] = field(default_factory=list)
    message: str = ""  # shown on the job's page (an import's outcome)
    plain: bool = False  # Excel without title lines: the header is row 1 (list exports, import results)
    group_by: int | None = None  # rows come sorted by this column: PDFs print a subtotal after each group
    filename: str = ""  # the downloaded file's name without extension (default: the title)
    # Files of their own (a zip of many documents): archive(output, progress) writes them and returns the rows.
    archive: Callable | None = None

    def __post_init__(self):
        labels = [str(c.label) for c in self.columns]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:  # two columns under one heading cannot be told apart on paper
            message = f"Columns share a heading: {', '.join(repeated)}"
            if getattr(settings, "TESTING", False) or settings.DEBUG:
                raise ValueError(message)
            logging.getLogger(__name__).error(message)  # a translation collision: print anyway, say so


@dataclass
class ReportDefinition:
    name: str
    label: str
    build: Callable[[dict], ReportData]
    formats: tuple[str, ...] = ("xlsx", "pdf")
    in_centre: bool = False  # offered under Report centre › New report (others print a document)
    needs_period: bool = False  # the New report form asks for "from" and "to"
    needs_shop: bool = False  # one shop, not "all shops"
    takes_job: bool = False  # build(params, job=job): exports and imports need the user and the upload
    fields: tuple[str, ...] = ()  # the New report form's fields it uses (shop, group, day, date_from, date_to)


REPORTS: dict[str, ReportDefinition] = {}


def register(
    name: str,
    label,
    *,
    formats=("xlsx", "pdf"),
    in_centre: bool = False,
    needs_period=False,
    needs_shop=False,
    takes_job=False,
    fields: tuple[str, ...] | None = None,
):
    if fields is None:
        fields = ("shop", "date_from", "date_to") if needs_period else ("shop",)

    def decorator(build):
        REPORTS[name] = ReportDefinition(
            name=name,
            label=label,
            build=build,
            formats=formats,
            in_centre=in_centre,
            needs_period=needs_period,
            needs_shop=needs_shop,
            takes_job=takes_job,
            fields=tuple(fields),
        )
        return build

    return decorator


def centre_choices() -> list[tuple[str, str]]:
    return [(d.name, d.label) for d in REPORTS.values() if d.in_centre]


def get(name: str) -> ReportDefinition:
    return REPORTS[name]


@dataclass(frozen=True)
class PrintableDocument:
    """A document that prints through report `name`: its model and the permission to view it.

    The document's `shop_ids()` names the shops it touches; the user must see every one.
    """

    name: str
    model: Any
    permission: str


DOCUMENTS: dict[str, PrintableDocument] = {}


def document_register(name: str, model, permission: str) -> None:
    """Report `name` (registered with `register`) prints one `model` document (params {"document_id"})."""
    DOCUMENTS[name] = PrintableDocument(name=name, model=model, permission=permission)


class ShopScope(Protocol):
    """Shop visibility, as the app that owns shops defines it (one helper for every face)."""

    def user_sees_all_shops(self, user) -> bool: ...

    def user_may_see_shops(self, user, shop_ids) -> bool:
        """Every one of `shop_ids` is the user's to see (nothing named: all-shops users only)."""
        ...

    def user_may_see_any_shop(self, user, shop_ids) -> bool:
        """Any one of `shop_ids` is the user's (seeing a document that touches them)."""
        ...

    def shops_for_user(self, user):
        """A queryset of the shops the user may see (the report centre's shop choices)."""
        ...

    def product_groups(self):
        """A queryset of product groups (the report centre's group choices)."""
        ...

    def product_group_choices(self) -> list[tuple[int, str]]:
        """(id, "Groceries / Dairy / Milk") for every group, in tree order (one query)."""
        ...


class _NoShopScope:
    """Until an app registers its scope: superusers only, so nothing leaks by misconfiguration."""

    def user_sees_all_shops(self, user) -> bool:
        return bool(user.is_active and user.is_superuser)

    def user_may_see_shops(self, user, shop_ids) -> bool:
        return self.user_sees_all_shops(user)

    user_may_see_any_shop = user_may_see_shops

    def shops_for_user(self, user):
        raise LookupError("No shop scope registered with the report engine.")

    product_groups = shops_for_user
    product_group_choices = shops_for_user


_scope: list[ShopScope] = [_NoShopScope()]


def scope_register(scope: ShopScope) -> None:
    _scope[0] = scope


def scope() -> ShopScope:
    return _scope[0]


@dataclass(frozen=True)
class Company:
    """The company that issues the reports: its name and tax number head every printout."""

    name: str
    tax_number: str = ""
    address: str = ""

    def heading_lines(self) -> list[str]:
        from django.utils.translation import gettext as _

        lines = [self.name]
        if self.tax_number:
            lines.append(_("Tax number: %(number)s") % {"number": self.tax_number})
        if self.address:
            lines.append(self.address)
        return lines


def _settings_company() -> Company:
    return Company(name=settings.COMPANY_NAME)


_company: list[Callable[[], Company]] = [_settings_company]


def company_register(provider: Callable[[], Company]) -> None:
    """The app that keeps the company's details says where they are (else settings.COMPANY_NAME)."""
    _company[0] = provider


def company() -> Company:
    return _company[0]()
