"""PDF rendering with WeasyPrint, for tables of any length in bounded memory and time.

WeasyPrint lays out a whole document at once: one 20,000-row table takes minutes and
gigabytes. Here a table is cut into chunks of `chunk_rows` rows; each chunk becomes a small
HTML document rendered to PDF bytes in a worker process (two at a time on two cores), and
the chunks are merged with pypdf. Page numbers ("Page N of M") and the running header
(company, title, period) are stamped on afterwards, once the page count is known, so they
run on across chunks. The table header row repeats on every page (<thead>); signature
lines follow the last row. Imports no domain app.
"""

import io
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from multiprocessing import get_context

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter

from .xlsx import Column

DEFAULT_CHUNK_ROWS = 500
# Longer tables print as monospace lines, one layout box per row instead of one per cell:
# about 3.5 times faster in WeasyPrint, so 20,000 rows print in well under a minute.
COMPACT_FROM_ROWS = 1000
MONO_MM_PER_CHAR = 1.55  # DejaVu Sans Mono at 7.3pt
# Page width left for columns without a width, in mm (A4 minus margins minus padding).
PORTRAIT_WIDTH_MM, LANDSCAPE_WIDTH_MM = 184, 271
MM_PER_CHAR = 1.9  # DejaVu Sans 8pt, generous: wide letters must not run into the next column


@dataclass
class PdfTable:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    subtitle_lines: Sequence[str] = ()
    signatures: Sequence[str] = ()
    totals: Sequence | None = None  # a last row in bold
    landscape: bool = False
    compact: bool | None = None  # None: compact when the rows are a list longer than COMPACT_FROM_ROWS


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if hasattr(value, "quantize") or isinstance(value, (int, float)):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if hasattr(value, "year"):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _max_chars(columns: Sequence[Column], landscape: bool) -> list[int]:
    """Characters that fit in each column: text is cut in Python (clipping in CSS is slow)."""
    page = LANDSCAPE_WIDTH_MM if landscape else PORTRAIT_WIDTH_MM
    fixed = sum(c.width for c in columns if c.width)
    flexible = [c for c in columns if not c.width]
    share = (page - fixed) / len(flexible) if flexible else 0
    return [max(int((c.width or share) / MM_PER_CHAR), 4) for c in columns]


def _body_html(rows, numeric, limits, css: str = "") -> str:
    """Table rows as HTML, built in Python: the template engine is too slow for 20,000 rows."""
    open_row = f'<tr class="{css}">' if css else "<tr>"
    parts = []
    for row in rows:
        parts.append(open_row)
        for value, is_number, limit in zip(row, numeric, limits, strict=False):
            text = _cell(value)
            if len(text) > limit:
                text = text[: limit - 1] + "…"
            parts.append('<td class="n">' if is_number else "<td>")
            parts.append(escape(text))
            parts.append("</td>")
        parts.append("</tr>")
    return mark_safe("".join(parts))


def css_string(text: str) -> str:
    """A CSS string literal (quotes included) for `content:` in the page margins."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:·-/()№#" else f"\\{ord(ch):x} " for ch in str(text))
    return mark_safe(f'"{escaped}"')


def _char_widths(columns: Sequence[Column], landscape: bool) -> list[int]:
    page = LANDSCAPE_WIDTH_MM if landscape else PORTRAIT_WIDTH_MM
    total = int(page / MONO_MM_PER_CHAR) - len(columns)  # one space between columns
    fixed = [max(int(c.width / MONO_MM_PER_CHAR), 3) if c.width else 0 for c in columns]
    flexible = [i for i, c in enumerate(columns) if not c.width]
    rest = max(total - sum(fixed), 8 * len(flexible))
    for i in flexible:
        fixed[i] = rest // len(flexible)
    return fixed


def _line(values, widths, numeric) -> str:
    parts = []
    for value, width, is_number in zip(values, widths, numeric, strict=False):
        text = _cell(value) if not isinstance(value, str) else value
        if len(text) > width:
            text = text[: width - 1] + "…"
        parts.append(text.rjust(width) if is_number else text.ljust(width))
    return " ".join(parts).rstrip()


def _compact_html(rows, widths, numeric, css: str = "") -> str:
    open_row = f'<tr class="{css}"><td>' if css else "<tr><td>"
    return mark_safe("".join(f"{open_row}{escape(_line(row, widths, numeric))}</td></tr>" for row in rows))


def _render_chunk(html: str) -> bytes:
    """Worker: one chunk's HTML to PDF bytes (no Django needed here)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def _chunks_html(table: PdfTable, chunk_rows: int):
    columns = list(table.columns)
    numeric = [c.number_format is not None for c in columns]
    limits = _max_chars(columns, table.landscape)
    compact = table.compact
    if compact is None:
        compact = isinstance(table.rows, (list, tuple)) and len(table.rows) > COMPACT_FROM_ROWS
    widths = _char_widths(columns, table.landscape) if compact else []
    rows = iter(table.rows)
    first = True
    chunk = list(islice(rows, chunk_rows))
    while True:
        following = list(islice(rows, chunk_rows))  # look ahead: the last chunk carries the signatures
        last = not following
        if compact:
            body = _compact_html(chunk, widths, numeric)
            totals = _compact_html([table.totals], widths, numeric, css="total") if (last and table.totals) else ""
        else:
            body = _body_html(chunk, numeric, limits)
            totals = _body_html([table.totals], numeric, limits, css="total") if (last and table.totals) else ""
        context = {
            "title": table.title,
            "subtitle_lines": table.subtitle_lines,
            "columns": columns,
            "compact": compact,
            "header_line": _line([c.label for c in columns], widths, numeric) if compact else "",
            "body": body,
            "totals": totals,
            "first_chunk": first,
            "signatures": table.signatures if last else (),
            "landscape": table.landscape,
        }
        yield len(chunk), render_to_string("reports/table.html", context)
        first = False
        if last:
            return
        chunk = following


def _workers() -> int:
    return max(1, min(getattr(settings, "PDF_WORKERS", 2), os.cpu_count() or 1))


def render_table_pdf(
    table: PdfTable, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, progress: Callable[[int], None] | None = None
) -> bytes:
    """Render `table` to PDF bytes; `progress(rows_done)` is called as chunks finish."""
    chunks = _chunks_html(table, chunk_rows)
    parts: list[bytes] = []
    rows_done = 0
    workers = _workers()
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
            "top_left": css_string(f"{settings.COMPANY_NAME} · {table.title}"),
            "top_right": css_string(" · ".join(table.subtitle_lines)),
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
