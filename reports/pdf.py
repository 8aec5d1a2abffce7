"""PDF rendering with WeasyPrint, for tables of any length in bounded memory and time.

WeasyPrint lays out a whole document at once: one 20,000-row table takes minutes and
gigabytes. Here a table is cut into chunks of `chunk_rows` rows; each chunk becomes a small
HTML document rendered to PDF bytes in a worker process (two at a time on two cores), and
the chunks are merged with pypdf. Page numbers ("Page N of M") and the running header
(company, title, period) are stamped on afterwards, once the page count is known, so they
run on across chunks. The table header row repeats on every page (<thead>); signature
lines follow the last row. Imports no domain app.
"""

import datetime
import io
import math
import os
import textwrap
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing import get_context

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter

from .xlsx import Column, NewPage, TotalRow, number_places, rounded

DEFAULT_CHUNK_ROWS = 500
# Longer tables print as monospace lines, one layout box per row instead of one per cell:
# about 3.5 times faster in WeasyPrint, so 20,000 rows print in well under a minute.
COMPACT_FROM_ROWS = 1000
MONO_MM_PER_CHAR = 1.55  # DejaVu Sans Mono at 7.3pt
# Page width for the table, in mm (A4 minus margins).
PORTRAIT_WIDTH_MM, LANDSCAPE_WIDTH_MM = 186, 273
MM_PER_CHAR = 1.85  # DejaVu Sans 8pt: digits are 0.636 em; generous, so a figure never runs over
CELL_PADDING_MM = 2.2
TEXT_MIN_CHARS, TEXT_MAX_CHARS = 8, 45  # text columns wrap within these
MIN_FONT_PT, FONT_PT = 6.0, 8.0
HEADER_CHAR_FACTOR = 1.3  # a bold letter is wider than a digit


@dataclass
class PdfTable:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    subtitle_lines: Sequence[str] = ()
    signatures: Sequence[str] = ()
    totals: Sequence | None = None  # a last row in bold
    landscape: bool = False  # at least landscape; a table too wide for portrait turns landscape anyway
    compact: bool | None = None  # None: compact when the rows are a list longer than COMPACT_FROM_ROWS
    heading_lines: Sequence[str] = ()  # above the title: the company, its tax number


def _cell(value, number_format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, (Decimal, float, int)):
        value = rounded(value, number_format)
        if value is None:
            return ""
        grouping = number_format is None or "#," in number_format
        return formats.number_format(value, number_places(value, number_format), use_l10n=True, force_grouping=grouping)
    if isinstance(value, datetime.datetime):
        return formats.date_format(
            timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT"
        )
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _texts(rows, columns) -> list[list[str]]:
    formats_ = [c.number_format for c in columns]
    return [_row_texts(row, formats_) for row in rows]


def _row_texts(row, formats_) -> list[str]:
    return [_cell(v, f) if not isinstance(v, str) else v for v, f in zip(row, formats_, strict=False)]


def _is_numeric(column: Column) -> bool:
    return column.number_format is not None or column.right


@dataclass
class Layout:
    """Column widths from the content: figures are never cut, text columns wrap in what is left."""

    widths_mm: list[float]
    landscape: bool
    font_pt: float


def _longest_word(text: str) -> int:
    return max((len(w) for w in str(text).split()), default=0)


def table_layout(columns: Sequence[Column], texts: list[list[str]], *, landscape: bool) -> Layout:
    """Widths in mm that fit the page: numbers as wide as their longest figure, text the rest.

    A table whose figures do not fit portrait prints landscape; if they do not fit landscape
    either, the font shrinks (down to MIN_FONT_PT) rather than cut a figure.
    """
    need, minimum = [], []
    for index, column in enumerate(columns):
        longest = max(
            (max((len(x) for x in t[index].splitlines()), default=0) for t in texts if index < len(t)), default=0
        )
        header = math.ceil(_longest_word(column.label) * HEADER_CHAR_FACTOR)  # headers are bold letters
        if _is_numeric(column):
            chars = max(longest, header, 3)
            need.append(chars)
            minimum.append(chars)
        else:
            need.append(min(max(longest, header, TEXT_MIN_CHARS), TEXT_MAX_CHARS))
            minimum.append(min(max(header, TEXT_MIN_CHARS), need[-1]))

    def mm(chars, font=FONT_PT):
        return [c * MM_PER_CHAR * font / FONT_PT + CELL_PADDING_MM for c in chars]

    page = LANDSCAPE_WIDTH_MM if landscape else PORTRAIT_WIDTH_MM
    if not landscape and sum(mm(minimum)) > PORTRAIT_WIDTH_MM:
        landscape, page = True, LANDSCAPE_WIDTH_MM
    if (
        not landscape
        and sum(mm(need)) > PORTRAIT_WIDTH_MM
        and sum(mm(need)) <= LANDSCAPE_WIDTH_MM
        and (sum(mm(minimum)) > PORTRAIT_WIDTH_MM * 0.8)
    ):
        landscape, page = True, LANDSCAPE_WIDTH_MM
    font = FONT_PT
    while sum(mm(minimum, font)) > page and font > MIN_FONT_PT:
        font = max(MIN_FONT_PT, font - 0.25)
    widths = mm(need, font)
    if sum(widths) > page:
        # Text columns give way (they wrap), down to their minimum; numbers keep their width.
        fixed = sum(w for w, c in zip(widths, columns, strict=True) if _is_numeric(c))
        text_need = sum(w for w, c in zip(widths, columns, strict=True) if not _is_numeric(c))
        floor = mm(minimum, font)
        room = max(page - fixed, 0)
        widths = [
            w if _is_numeric(c) or not text_need else max(floor[i], w * room / text_need)
            for i, (w, c) in enumerate(zip(widths, columns, strict=True))
        ]
    else:
        # Spare room goes to the text columns (or, with none, spread over all).
        spare = page - sum(widths)
        text = [i for i, c in enumerate(columns) if not _is_numeric(c)] or list(range(len(columns)))
        weights = sum(widths[i] for i in text) or 1
        widths = [w + (spare * w / weights if i in text else 0) for i, w in enumerate(widths)]
    return Layout(widths_mm=[round(w, 2) for w in widths], landscape=landscape, font_pt=font)


def _row_css(row) -> str:
    if isinstance(row, TotalRow):
        return "total"
    return "newpage" if isinstance(row, NewPage) else ""


def _body_html(texts, columns, css: str = "") -> str:
    """Table rows as HTML, built in Python: the template engine is too slow for 20,000 rows."""
    numeric = [_is_numeric(c) for c in columns]
    parts = []
    for row in texts:
        row_css = css or _row_css(row)
        parts.append(f'<tr class="{row_css}">' if row_css else "<tr>")
        for text, is_number in zip(row, numeric, strict=False):
            parts.append('<td class="n">' if is_number else "<td>")
            parts.append(escape(text))
            parts.append("</td>")
        parts.append("</tr>")
    return mark_safe("".join(parts))


def css_string(text: str) -> str:
    """A CSS string literal (quotes included) for `content:` in the page margins."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:·-/()№#" else f"\\{ord(ch):x} " for ch in str(text))
    return mark_safe(f'"{escaped}"')


def _char_widths(layout: Layout) -> list[int]:
    """Monospace characters per column for compact tables (the layout's mm at 7.3pt mono)."""
    return [max(int((w - 1) / MONO_MM_PER_CHAR), 3) for w in layout.widths_mm]


def _lines(texts, widths, numeric) -> str:
    """One row as monospace lines: figures right-aligned whole, text wrapped onto more lines."""
    cells = []
    for text, width, is_number in zip(texts, widths, numeric, strict=False):
        if is_number:
            cells.append([text.rjust(width)])
        else:
            cells.append(textwrap.wrap(text, width, break_long_words=True) or [""])
    height = max((len(c) for c in cells), default=1)
    lines = []
    for n in range(height):
        parts = [(c[n] if n < len(c) else "").ljust(w) for c, w in zip(cells, widths, strict=False)]
        lines.append(" ".join(parts).rstrip())
    return "\n".join(lines)


def _compact_html(texts, widths, numeric, css: str = "") -> str:
    parts = []
    for row in texts:
        row_css = css or _row_css(row)
        parts.append(f'<tr class="{row_css}"><td>' if row_css else "<tr><td>")
        parts.append(escape(_lines(row, widths, numeric)))
        parts.append("</td></tr>")
    return mark_safe("".join(parts))


def _render_chunk(html: str) -> bytes:
    """Worker: one chunk's HTML to PDF bytes (no Django needed here)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def _chunks_html(table: PdfTable, chunk_rows: int):
    columns = list(table.columns)
    numeric = [_is_numeric(c) for c in columns]
    formats_ = [c.number_format for c in columns]
    rows = list(table.rows)
    compact = table.compact
    if compact is None:
        compact = len(rows) > COMPACT_FROM_ROWS
    texts = [
        type(r)(_row_texts(r, formats_)) if isinstance(r, (TotalRow, NewPage)) else _row_texts(r, formats_)
        for r in rows
    ]
    totals = _row_texts(table.totals, formats_) if table.totals else None
    layout = table_layout(columns, texts + ([totals] if totals else []), landscape=table.landscape)
    table.landscape = layout.landscape  # the stamp follows
    widths = _char_widths(layout) if compact else []
    first = True
    for start in range(0, max(len(texts), 1), chunk_rows):
        chunk = texts[start : start + chunk_rows]
        last = start + chunk_rows >= len(texts)
        if compact:
            body = _compact_html(chunk, widths, numeric)
            total_html = _compact_html([totals], widths, numeric, css="total") if (last and totals) else ""
            header_line = _lines([str(c.label) for c in columns], widths, [False] * len(columns))
        else:
            body = _body_html(chunk, columns)
            total_html = _body_html([totals], columns, css="total") if (last and totals) else ""
            header_line = ""
        context = {
            "title": table.title,
            "heading_lines": table.heading_lines,
            "subtitle_lines": table.subtitle_lines,
            "columns": list(zip(columns, layout.widths_mm, numeric, strict=True)),
            "compact": compact,
            "header_line": header_line,
            "body": body,
            "totals": total_html,
            "first_chunk": first,
            "signatures": table.signatures if last else (),
            "landscape": layout.landscape,
            "font_pt": layout.font_pt,
        }
        yield len(chunk), render_to_string("reports/table.html", context)
        first = False


def _workers() -> int:
    return max(1, min(getattr(settings, "PDF_WORKERS", 2), os.cpu_count() or 1))


def render_table_pdf(
    table: PdfTable,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> bytes:
    """Render `table` to PDF bytes; `progress(rows_done)` is called as chunks finish.

    `workers=1` renders in this process: many small tables in a row (a zip of statements) would
    otherwise start a pool of fresh processes for each one."""
    chunks = _chunks_html(table, chunk_rows)
    parts: list[bytes] = []
    rows_done = 0
    workers = workers or _workers()
    if workers == 1:
        for count, html in chunks:
            parts.append(_render_chunk(html))
            rows_done += count
            if progress:
                progress(rows_done)
    else:
        # Spawned workers: they import WeasyPrint only, not Django or its database connections.
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            pending = []
            for count, html in chunks:
                pending.append((count, pool.submit(_render_chunk, html)))
                while len(pending) > workers:  # keep memory bounded: at most a few chunks in flight
                    done_count, future = pending.pop(0)
                    parts.append(future.result())
                    rows_done += done_count
                    if progress:
                        progress(rows_done)
            for done_count, future in pending:
                parts.append(future.result())
                rows_done += done_count
                if progress:
                    progress(rows_done)
    return _merge_and_stamp(parts, table)


def _merge_and_stamp(parts: list[bytes], table: PdfTable) -> bytes:
    from weasyprint import HTML

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    total = len(writer.pages)
    generated = formats.date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")
    stamp_html = render_to_string(
        "reports/stamp.html",
        {
            "top_left": css_string(
                f"{table.heading_lines[0] if table.heading_lines else settings.COMPANY_NAME} · {table.title}"
            ),
            "top_right": css_string(table.subtitle_lines[0] if table.subtitle_lines else ""),
            "bottom_left": css_string(generated),
            "page_label": css_string(_("Page") + " "),
            "of_label": css_string(" " + _("of") + " "),
            "pages": range(total),
            "landscape": table.landscape,
        },
    )
    stamp = PdfReader(io.BytesIO(HTML(string=stamp_html).write_pdf()))
    for page, overlay in zip(writer.pages, stamp.pages, strict=False):
        page.merge_page(overlay)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
