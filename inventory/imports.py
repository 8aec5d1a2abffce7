"""Import of the nomenclature (products, groups, barcodes, prices) from Excel.

One sheet, a header row, one product per row, keyed by SKU: a new SKU creates a product,
a known one updates it. Only the columns present are touched, so a file of `SKU` and
`Price Z1` changes prices only. Every row is validated against the state the whole file
would leave (a barcode moved from one product to another in the same file is fine); any
error means nothing is written, and the report lists every error with its row and column.
New prices are posted as one price-change document per zone, so price history is kept.
"""

import datetime
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .barcodes import barcode_classify
from .choices import Unit
from .exceptions import PeriodClosed
from .models import Barcode, PriceZone, Product, ProductGroup, Shop
from .money import round_money
from .selectors import prices_in_force
from .services import price_change_create_posted
from .services.common import ensure_period_open

GROUP_SEPARATOR = " / "
PRICE_PREFIX = "Price "

COL_SKU = "SKU"
COL_NAME = "Name"
COL_GROUP = "Group"
COL_UNIT = "Unit"
COL_VAT = "VAT rate"
COL_WEIGHTED = "Weighted"
COL_PLU = "PLU"
COL_EXCLUDED = "Excluded from discounts"
COL_ACTIVE = "Active"
COL_BARCODES = "Barcodes"
STANDARD_COLUMNS = [
    COL_SKU,
    COL_NAME,
    COL_GROUP,
    COL_UNIT,
    COL_VAT,
    COL_WEIGHTED,
    COL_PLU,
    COL_EXCLUDED,
    COL_ACTIVE,
    COL_BARCODES,
]
PRODUCT_FIELDS = {
    COL_NAME: "name",
    COL_UNIT: "unit",
    COL_VAT: "vat_rate",
    COL_WEIGHTED: "is_weighted",
    COL_PLU: "plu",
    COL_EXCLUDED: "excluded_from_discounts",
    COL_ACTIVE: "is_active",
}
TRUE_WORDS = {"1", "yes", "y", "true", "да", "д", "иә", "x", "+"}
FALSE_WORDS = {"0", "no", "n", "false", "нет", "н", "жоқ", "-", ""}
ACTION_LABELS = {
    "create": gettext_lazy("create"),
    "update": gettext_lazy("update"),
    "unchanged": gettext_lazy("unchanged"),
}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RowChange:
    row: int
    sku: str
    action: str  # create, update, unchanged
    changes: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


class ErrorList(list):
    """Row errors, kept up to IMPORT_MAX_ERRORS; `total` counts every error appended."""

    def __init__(self, *args):
        super().__init__(*args)
        self.cap = settings.IMPORT_MAX_ERRORS
        self.total = len(self)

    def append(self, error) -> None:
        self.total += 1
        if len(self) < self.cap:
            super().append(error)


@dataclass
class ImportReport:
    dry_run: bool
    errors: ErrorList = field(default_factory=ErrorList)
    changes: list[RowChange] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    prices_set: int = 0
    groups_created: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        """Every error found, also those beyond the listed cap."""
        return getattr(self.errors, "total", len(self.errors))

    @property
    def errors_not_listed(self) -> int:
        return self.error_count - len(self.errors)


class ImportFileError(Exception):
    """The file itself cannot be read (not xlsx, no header, no SKU column)."""


# --- cell parsing -------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value, *, places: int) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    text = _text(value).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        number = number.quantize(Decimal(1).scaleb(-places))
    return number


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError


UNIT_CODES = {code.lower(): code for code in Unit.values}


def _unit(value) -> str:
    text = _text(value).lower()
    if text in UNIT_CODES:
        return UNIT_CODES[text]
    for code, label in Unit.choices:  # a label in the user's language ("кг", "piece")
        if text in {code.lower(), str(label).lower()}:
            return code
    raise ValueError


# Column -> (parser, error message); messages are formatted only when a cell is bad.
FLAG_PARSERS = {
    COL_UNIT: (_unit, gettext_lazy("Unknown unit “%(value)s”; use one of: %(choices)s.")),
    COL_VAT: (lambda v: _decimal(v, places=2), gettext_lazy("VAT rate must be a number from 0 to 100.")),
    COL_WEIGHTED: (_bool, gettext_lazy("Write yes or no.")),
    COL_EXCLUDED: (_bool, gettext_lazy("Write yes or no.")),
    COL_ACTIVE: (_bool, gettext_lazy("Write yes or no.")),
}


# --- the import ---------------------------------------------------------------------------


def _group_index() -> dict[str, ProductGroup]:
    """Every group by its full name ("Root / Child / Leaf"), from one query."""
    groups = sorted(ProductGroup.objects.all(), key=lambda g: g.path)
    names: dict[str, str] = {}
    step = ProductGroup.steplen
    for g in groups:
        parent_name = names.get(g.path[:-step])
        names[g.path] = f"{parent_name}{GROUP_SEPARATOR}{g.name}" if parent_name else g.name
    return {names[g.path]: g for g in groups}


def _group_paths() -> dict[str, ProductGroup]:
    return {name.lower(): g for name, g in _group_index().items()}


def group_full_names() -> dict[int, str]:
    """Group id -> "Root / Child / Leaf", for every group, in one query."""
    return {g.pk: name for name, g in _group_index().items()}


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_xlsx_archive(file: IO[bytes]) -> int:
    """Refuse, before openpyxl opens it, a file too big packed or unpacked (a zip bomb).

    Limits: IMPORT_MAX_FILE_BYTES (the upload), IMPORT_MAX_UNCOMPRESSED_BYTES (each member
    and all of them together, as declared; zipfile never inflates a member beyond its
    declared size). Returns the unpacked size; raises ImportFileError; leaves the file at its start.
    """
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": _megabytes(size), "limit": _megabytes(settings.IMPORT_MAX_FILE_BYTES)}
        )
    try:
        with zipfile.ZipFile(file) as archive:
            total = 0
            for member in archive.infolist():
                total += member.file_size
                if member.file_size > settings.IMPORT_MAX_UNCOMPRESSED_BYTES or (
                    total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES
                ):
                    raise ImportFileError(
                        _("Unpacked, the file is more than %(limit)s: split it into smaller files.")
                        % {"limit": _megabytes(settings.IMPORT_MAX_UNCOMPRESSED_BYTES)}
                    )
    except zipfile.BadZipFile:
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx).")) from None
    finally:
        file.seek(0)
    return total


def _open_sheet(file: IO[bytes]):
    check_xlsx_archive(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx): %(error)s") % {"error": exc}) from None
    if not workbook.worksheets:
        raise ImportFileError(_("The first sheet is empty: a header row is expected."))
    return workbook, workbook.worksheets[0]


# Unpacked bytes per data row above which a file is taken as long whatever its sheet declares.
BACKGROUND_BYTES_PER_ROW = 1000


def xlsx_row_count(file: IO[bytes]) -> int:
    """Data rows in the first sheet, for choosing between the request and a background job.

    Read from the sheet's dimension when the file has one (cheap); otherwise counted, up to
    IMPORT_BACKGROUND_ROWS + 1. A file whose largest sheet unpacks to the size of a long
    file counts as long, whatever its dimension says. Checks the archive first (raises ImportFileError).
    """
    check_xlsx_archive(file)
    with zipfile.ZipFile(file) as archive:
        unpacked = max((m.file_size for m in archive.infolist() if m.filename.startswith("xl/worksheets/")), default=0)
    file.seek(0)
    workbook, sheet = _open_sheet(file)
    limit = settings.IMPORT_BACKGROUND_ROWS
    try:
        if sheet.max_row and sheet.max_row > 1:
            count = sheet.max_row - 1
        else:
            count = 0
            for count, _row in enumerate(sheet.iter_rows(min_row=2, max_col=1, values_only=True), start=1):
                if count > limit:
                    break
        if unpacked > limit * BACKGROUND_BYTES_PER_ROW:
            count = max(count, unpacked // BACKGROUND_BYTES_PER_ROW)
        return count
    finally:
        workbook.close()
        file.seek(0)


def _read_rows(
    file: IO[bytes], key_column: str | None = COL_SKU, progress: Callable[[int, int], None] | None = None
) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header and the non-empty rows of the first sheet, read in read-only mode.

    The archive is checked before parsing; rows (IMPORT_MAX_ROWS), columns
    (IMPORT_MAX_COLUMNS) and the length of each cell (IMPORT_MAX_CELL_CHARS) while reading:
    ImportFileError names the limit. `progress(rows_read, rows_expected)` every 1,000 rows.
    """
    workbook, sheet = _open_sheet(file)
    try:
        header = next(sheet.iter_rows(max_row=1, values_only=True), None)
        headers = [_text(h) for h in header or ()]
        while headers and not headers[-1]:
            headers.pop()
        if not headers:
            raise ImportFileError(_("The first sheet is empty: a header row is expected."))
        if len(headers) > settings.IMPORT_MAX_COLUMNS:
            raise ImportFileError(
                _("The header row has %(count)d columns; the limit is %(limit)d.")
                % {"count": len(headers), "limit": settings.IMPORT_MAX_COLUMNS}
            )
        if key_column and key_column not in headers:
            raise ImportFileError(_("The header row has no “%(column)s” column.") % {"column": key_column})
        expected = max((sheet.max_row or 0) - 1, 0)
        max_rows, max_chars = settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_CELL_CHARS
        result = []
        for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=len(headers), values_only=True), start=2):
            if number - 1 > max_rows:
                raise ImportFileError(
                    _("The file has more than %(limit)s rows: split it into smaller files.") % {"limit": max_rows}
                )
            if progress and number % 1000 == 0:
                progress(number - 1, expected)
            if values is None or all(v is None or _text(v) == "" for v in values):
                continue
            for h, v in zip(headers, values, strict=False):
                if isinstance(v, str) and len(v) > max_chars:
                    raise ImportFileError(
                        _(
                            "Row %(row)d, column “%(column)s”: the cell holds %(length)d characters; the limit is %(limit)d."
                        )
                        % {"row": number, "column": h, "length": len(v), "limit": max_chars}
                    )
            result.append((number, {h: v for h, v in zip(headers, values, strict=False) if h}))
    finally:
        workbook.close()
    return [h for h in headers if h], result


def nomenclature_import(
    *,
    file: IO[bytes],
    actor,
    dry_run: bool,
    price_date: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Validate a nomenclature workbook and, unless `dry_run` or any row is bad, apply it.

    Raises ImportFileError when the file cannot be read at all or is beyond a limit.
    """
    price_date = price_date or timezone.localdate()
    headers, rows = _read_rows(file, progress=progress)
    report = ImportReport(dry_run=dry_run)
    unknown = [h for h in headers if h not in STANDARD_COLUMNS and not h.startswith(PRICE_PREFIX)]
    for h in unknown:
        report.errors.append(
            RowError(
                1,
                h,
                _("Unknown column. Known columns: %(known)s, and “Price <zone code>”.")
                % {"known": ", ".join(STANDARD_COLUMNS)},
            )
        )
    zones = {z.code: z for z in PriceZone.objects.all()}
    price_columns: dict[str, PriceZone] = {}
    for h in headers:
        if h.startswith(PRICE_PREFIX):
            code = h[len(PRICE_PREFIX) :].strip()
            if code in zones:
                price_columns[h] = zones[code]
            else:
                report.errors.append(RowError(1, h, _("No price zone has the code “%(code)s”.") % {"code": code}))

    existing = {p.sku: p for p in Product.objects.all()}
    groups = _group_paths()
    groups_by_id = {g.pk: g for g in groups.values()}
    context = {
        "labels": {f: str(Product._meta.get_field(f).verbose_name) for f in PRODUCT_FIELDS.values()},
        "group_label": str(Product._meta.get_field("group").verbose_name),
        "groups_by_id": groups_by_id,
    }
    barcode_owner: dict[str, str] = {}  # code -> SKU, as the file would leave it
    barcodes_by_product: dict[int, list[str]] = defaultdict(list)
    for code, product_id in Barcode.objects.values_list("code", "product_id"):
        barcodes_by_product[product_id].append(code)
    sku_by_id = {p.pk: sku for sku, p in existing.items()}
    for product_id, codes in barcodes_by_product.items():
        for code in codes:
            barcode_owner[code] = sku_by_id[product_id]

    parsed: list[dict] = []
    seen_skus: dict[str, int] = {}
    file_barcodes: dict[str, tuple[int, str]] = {}
    for number, values in rows:
        item = _parse_row(number, values, headers, existing, groups, price_columns, report, context)
        if item is None:
            continue
        sku = item["sku"]
        if sku in seen_skus:
            report.errors.append(
                RowError(
                    number, COL_SKU, _("SKU %(sku)s is already on row %(row)d.") % {"sku": sku, "row": seen_skus[sku]}
                )
            )
            continue
        seen_skus[sku] = number
        for code in item.get("barcodes") or []:
            if code in file_barcodes and file_barcodes[code][1] != sku:
                report.errors.append(
                    RowError(
                        number,
                        COL_BARCODES,
                        _("Barcode %(code)s is also on row %(row)d.") % {"code": code, "row": file_barcodes[code][0]},
                    )
                )
            file_barcodes.setdefault(code, (number, sku))
        parsed.append(item)

    # Barcodes: the state after the file, then clashes with products the file leaves alone.
    for item in parsed:
        if item.get("barcodes") is not None and item["product"] is not None:
            for code in barcodes_by_product.get(item["product"].pk, []):
                if barcode_owner.get(code) == item["sku"]:
                    del barcode_owner[code]
    for item in parsed:
        for code in item.get("barcodes") or []:
            owner = barcode_owner.get(code)
            if owner is not None and owner != item["sku"]:
                report.errors.append(
                    RowError(
                        item["row"],
                        COL_BARCODES,
                        _("Barcode %(code)s already belongs to product %(sku)s.") % {"code": code, "sku": owner},
                    )
                )

    # PLU: unique among weighted products, in the state after the file.
    final_plu: dict[int, str] = {}
    in_file = {item["sku"] for item in parsed}
    for sku, p in existing.items():
        if sku not in in_file and p.is_weighted and p.plu is not None:
            final_plu[p.plu] = sku
    for item in parsed:
        weighted, plu = item["final"]["is_weighted"], item["final"]["plu"]
        if weighted and plu is not None:
            if plu in final_plu and final_plu[plu] != item["sku"]:
                report.errors.append(
                    RowError(
                        item["row"],
                        COL_PLU,
                        _("PLU %(plu)s is already used by product %(sku)s.") % {"plu": plu, "sku": final_plu[plu]},
                    )
                )
            else:
                final_plu[plu] = item["sku"]

    for item in parsed:
        if item["barcodes"] is None:
            continue
        old_codes = barcodes_by_product.get(item["product"].pk, []) if item["product"] else []
        item["barcodes_removed"] = sorted(set(old_codes) - set(item["barcodes"]))
        item["barcodes_added"] = [c for c in item["barcodes"] if c not in set(old_codes)]
        if item["product"] is not None and (item["barcodes_removed"] or item["barcodes_added"]):
            item["changes"].append(f"{COL_BARCODES}: {' '.join(old_codes) or '—'} → {' '.join(item['barcodes'])}")

    # Prices: compare with the prices in force on the price date.
    current_prices = {zone.pk: prices_in_force(zone_id=zone.pk, day=price_date) for zone in price_columns.values()}
    for item in parsed:
        product = item["product"]
        for zone, price in item["prices"].items():
            old = current_prices[zone.pk].get(product.pk) if product else None
            if old != price:
                item["price_changes"][zone] = price
                item["changes"].append(f"{PRICE_PREFIX}{zone.code}: {old if old is not None else '—'} → {price}")

    for item in parsed:
        action = "create" if item["product"] is None else ("update" if item["changes"] else "unchanged")
        report.changes.append(RowChange(row=item["row"], sku=item["sku"], action=action, changes=item["changes"]))
        counter = {"create": "created", "update": "updated", "unchanged": "unchanged"}[action]
        setattr(report, counter, getattr(report, counter) + 1)
    report.prices_set = sum(len(item["price_changes"]) for item in parsed)
    # New prices may not start in a closed period of any shop that sells at the zone's prices.
    for zone in {zone for item in parsed for zone in item["price_changes"]}:
        shops = list(Shop.objects.filter(price_zone=zone).values_list("pk", flat=True))
        try:
            ensure_period_open(shop_ids=shops, business_date=price_date)
        except PeriodClosed as exc:
            report.errors.append(RowError(1, f"{PRICE_PREFIX}{zone.code}", str(exc.message)))
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors or dry_run:
        return report
    _apply(parsed, actor=actor, price_date=price_date, report=report)
    report.applied = True
    return report


def _parse_row(number, values, headers, existing, groups, price_columns, report, context) -> dict | None:
    errors_before = len(report.errors)

    def error(column, message):
        report.errors.append(RowError(number, column, str(message)))

    sku = _text(values.get(COL_SKU))
    if not sku:
        error(COL_SKU, _("SKU is empty."))
        return None
    if len(sku) > 32:
        error(COL_SKU, _("SKU is longer than 32 characters."))
        return None
    product = existing.get(sku)
    final = {
        "name": product.name if product else "",
        "unit": product.unit if product else Unit.PIECE,
        "vat_rate": product.vat_rate if product else Decimal("0"),
        "is_weighted": product.is_weighted if product else False,
        "plu": product.plu if product else None,
        "excluded_from_discounts": product.excluded_from_discounts if product else False,
        "is_active": product.is_active if product else True,
    }
    group = context["groups_by_id"].get(product.group_id) if product else None
    item = {
        "row": number,
        "sku": sku,
        "product": product,
        "final": final,
        "group": group,
        "new_group_path": None,
        "barcodes": None,
        "prices": {},
        "price_changes": {},
        "changes": [],
    }

    if COL_NAME in headers:
        name = _text(values.get(COL_NAME))
        if not name:
            error(COL_NAME, _("Name is empty."))
        elif len(name) > 255:
            error(COL_NAME, _("Name is longer than 255 characters."))
        else:
            final["name"] = name
    elif product is None:
        error(COL_NAME, _("A new product needs a name."))

    if COL_GROUP in headers:
        path = GROUP_SEPARATOR.join(part.strip() for part in _text(values.get(COL_GROUP)).split("/"))
        parts = path.split(GROUP_SEPARATOR)
        if not path or any(not part for part in parts):
            error(COL_GROUP, _("Group is empty or has an empty level; write it as “Groceries / Dairy / Milk”."))
        elif any(len(part) > 150 for part in parts):
            error(COL_GROUP, _("A group name is longer than 150 characters."))
        elif path.lower() in groups:
            item["group"] = groups[path.lower()]
        else:
            item["group"] = None
            item["new_group_path"] = path
    elif product is None:
        error(COL_GROUP, _("A new product needs a group."))

    parsers = {
        COL_UNIT: (
            _unit,
            _("Unknown unit “%(value)s”; use one of: %(choices)s.")
            % {"value": _text(values.get(COL_UNIT)), "choices": ", ".join(Unit.values)},
        ),
        COL_VAT: (lambda v: _decimal(v, places=2), _("VAT rate must be a number from 0 to 100.")),
        COL_WEIGHTED: (_bool, _("Write yes or no.")),
        COL_EXCLUDED: (_bool, _("Write yes or no.")),
        COL_ACTIVE: (_bool, _("Write yes or no.")),
    }
    for column, (parse, message) in parsers.items():
        if column not in headers:
            continue
        raw = values.get(column)
        if column == COL_UNIT and _text(raw) == "" and product is None:
            continue
        try:
            value = parse(raw)
            if column == COL_VAT and not (Decimal(0) <= value <= Decimal(100)):
                raise ValueError
        except ValueError:
            error(column, message % {"value": _text(raw), "choices": ", ".join(Unit.values)})
            continue
        final[PRODUCT_FIELDS[column]] = value

    if COL_PLU in headers:
        raw = _text(values.get(COL_PLU))
        if raw == "":
            final["plu"] = None
        elif not raw.isdigit() or len(raw) > settings.SCALE_BARCODE_PLU_LENGTH:
            error(
                COL_PLU,
                _("A PLU is a whole number of at most %(n)d digits.") % {"n": settings.SCALE_BARCODE_PLU_LENGTH},
            )
        else:
            final["plu"] = int(raw)
    if final["is_weighted"]:
        if final["plu"] is None:
            error(COL_PLU, _("A weighted product needs a PLU for the scales."))
        if final["unit"] != Unit.KILOGRAM:
            error(COL_UNIT, _("A weighted product is sold in kilograms."))
    elif final["plu"] is not None:
        if COL_PLU in headers and _text(values.get(COL_PLU)):
            error(COL_PLU, _("Only weighted products have a PLU."))
        else:
            final["plu"] = None

    if COL_BARCODES in headers:
        raw = _text(values.get(COL_BARCODES))
        if raw:
            codes = [c for c in raw.replace(";", " ").replace(",", " ").split() if c]
            for code in codes:
                try:
                    barcode_classify(code)
                except ValidationError as exc:
                    error(COL_BARCODES, " ".join(exc.messages))
            if len(set(codes)) != len(codes):
                error(COL_BARCODES, _("A barcode is listed twice."))
            item["barcodes"] = list(dict.fromkeys(codes))

    for column, zone in price_columns.items():
        raw = values.get(column)
        if _text(raw) == "":
            continue
        try:
            price = round_money(_decimal(raw, places=2))
        except ValueError:
            error(column, _("A price must be a number."))
            continue
        if price <= 0:
            error(column, _("A price must be above zero."))
            continue
        item["prices"][zone] = price

    if len(report.errors) > errors_before:
        return None
    if product is None:
        item["changes"].append(_("new product"))
    else:
        labels = context["labels"]
        for name, value in final.items():
            if getattr(product, name) != value:
                item["changes"].append(f"{labels[name]}: {getattr(product, name)} → {value}")
        if item["new_group_path"] or (item["group"] is not None and item["group"].pk != product.group_id):
            item["changes"].append(
                f"{Product._meta.get_field('group').verbose_name}: → {item['new_group_path'] or item['group']}"
            )
    return item


def _ensure_group(path: str, groups: dict[str, ProductGroup]) -> ProductGroup:
    parts = path.split(GROUP_SEPARATOR)
    parent = None
    for depth in range(1, len(parts) + 1):
        key = GROUP_SEPARATOR.join(parts[:depth]).lower()
        node = groups.get(key)
        if node is None:
            node = (
                ProductGroup.objects.add_child(parent, {"name": parts[depth - 1]})
                if parent
                else ProductGroup.objects.add_root({"name": parts[depth - 1]})
            )
            groups[key] = node
        parent = node
    return parent


@transaction.atomic(durable=True)
def _apply(parsed: list[dict], *, actor, price_date: datetime.date, report: ImportReport) -> None:
    groups = _group_paths()
    before = len(groups)
    for item in parsed:
        if item["new_group_path"]:
            item["group"] = _ensure_group(item["new_group_path"], groups)
    report.groups_created = len(groups) - before

    new_products, changed = [], []
    for item in parsed:
        product = item["product"]
        if product is None:
            product = Product(sku=item["sku"], group=item["group"], **item["final"])
            new_products.append(product)
            item["product"] = product
        else:
            dirty = product.group_id != item["group"].pk
            for name, value in item["final"].items():
                if getattr(product, name) != value:
                    setattr(product, name, value)
                    dirty = True
            if dirty:
                product.group = item["group"]
                product.updated_at = timezone.now()
                changed.append(product)
    # Free PLUs first: a PLU moving from one product to another must not clash mid-update.
    if changed:
        bulk_create_kwargs = {"batch_size": 1000, "default_user": actor}
        plu_movers = [p for p in changed if p.is_weighted]
        if plu_movers:
            Product.objects.filter(pk__in=[p.pk for p in plu_movers]).update(is_weighted=False, plu=None)
        bulk_update_with_history(
            changed,
            Product,
            [
                "name",
                "group",
                "unit",
                "vat_rate",
                "is_weighted",
                "plu",
                "excluded_from_discounts",
                "is_active",
                "updated_at",
            ],
            **bulk_create_kwargs,
        )
    if new_products:
        bulk_create_with_history(new_products, Product, batch_size=1000, default_user=actor)
        ids = dict(Product.objects.filter(sku__in=[p.sku for p in new_products]).values_list("sku", "pk"))
        for p in new_products:
            p.pk = ids[p.sku]

    # Barcodes: remove the codes a product no longer has, then add the new ones (a code may
    # move from one product to another within the file).
    removed = [code for item in parsed for code in item.get("barcodes_removed", [])]
    for start in range(0, len(removed), 1000):  # codes are unique, so the code alone names the row
        Barcode.objects.filter(code__in=removed[start : start + 1000]).delete()
    added = [
        Barcode(product_id=item["product"].pk, code=code, kind=barcode_classify(code))
        for item in parsed
        for code in item.get("barcodes_added", [])
    ]
    if added:
        bulk_create_with_history(added, Barcode, batch_size=2000, default_user=actor)

    by_zone: dict[PriceZone, list[tuple[int, Decimal]]] = defaultdict(list)
    for item in parsed:
        for zone, price in item["price_changes"].items():
            by_zone[zone].append((item["product"].pk, price))
    for zone, prices in by_zone.items():
        price_change_create_posted(
            zone=zone, effective_date=price_date, prices=prices, actor=actor, comment=_("Nomenclature import")
        )


def nomenclature_export_rows(*, zones: list[PriceZone], day: datetime.date, queryset=None):
    """Rows in the import format (header first), so a file can be exported, edited and imported back."""
    queryset = (queryset if queryset is not None else Product.objects.all()).order_by("sku")
    names = group_full_names()
    prices = {zone.pk: prices_in_force(zone_id=zone.pk, day=day) for zone in zones}
    codes: dict[int, list[str]] = defaultdict(list)
    for code, product_id in Barcode.objects.order_by("id").values_list("code", "product_id"):
        codes[product_id].append(code)
    yes, no = "yes", "no"
    for p in queryset.iterator(chunk_size=2000):
        yield [
            p.sku,
            p.name,
            names.get(p.group_id, ""),
            p.unit,
            p.vat_rate,
            yes if p.is_weighted else no,
            p.plu,
            yes if p.excluded_from_discounts else no,
            yes if p.is_active else no,
            " ".join(codes.get(p.pk, [])),
            *[prices[zone.pk].get(p.pk) for zone in zones],
        ]


def nomenclature_export_header(zones: list[PriceZone]) -> list[str]:
    return [*STANDARD_COLUMNS, *[f"{PRICE_PREFIX}{zone.code}" for zone in zones]]
