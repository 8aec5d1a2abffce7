"""Report definitions register here by name; the job runner finds them without importing domain apps."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

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
):
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
        )
        return build

    return decorator


def centre_choices() -> list[tuple[str, str]]:
    from . import definitions, definitions_sales  # noqa: F401

    return [(d.name, d.label) for d in REPORTS.values() if d.in_centre]


def get(name: str) -> ReportDefinition:
    from . import admin_export, definitions, definitions_imports, definitions_sales  # noqa: F401  (they register on import)

    return REPORTS[name]
