"""Printouts fit to sign and spreadsheets fit to print (issue 10, items 3 and 4), on the engine alone."""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.jobs import with_group_totals
from reports.pdf import PdfTable, render_table_pdf, table_layout
from reports.xlsx import MONEY_FORMAT, QUANTITY_FORMAT, Column, TotalRow, write_table

D = Decimal


@pytest.fixture(autouse=True)
def one_worker(settings):
    settings.PDF_WORKERS = 1


def _layout_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


COLUMNS = [
    Column("Shop", width=10),
    Column("Product"),
    Column("Quantity", QUANTITY_FORMAT, total=True),
    Column("Revenue", MONEY_FORMAT, total=True),
    Column("Cost", MONEY_FORMAT, total=True),
    Column("Gross margin", MONEY_FORMAT, total=True),
]


def _rows():
    long_name = "Detergent for delicate fabrics with a very long name, lavender and vanilla, 4.5 l bottle"
    return [
        ["01", long_name, D("12346.500"), D("12346422.65"), D("11000000.00"), D("1346422.65")],
        ["01", "Milk", D("3"), D("1840.6500"), D("900"), 940.65],
        ["02", "Bread", D("10"), D("450.00"), D("300.00"), D("150.00")],
    ]


def test_figures_are_never_cut_and_text_wraps(tmp_path):
    pdf = render_table_pdf(PdfTable(title="Sales", columns=COLUMNS, rows=_rows()))
    text = _layout_text(pdf, tmp_path)
    for figure in ("12,346,422.65", "11,000,000.00", "1,346,422.65", "1,840.65", "12,346.500", "940.65"):
        assert figure in text
    assert "…" not in text
    assert "lavender" in text and "bottle" in text  # the long name wrapped, not cut


def test_a_table_too_wide_for_portrait_prints_landscape():
    wide = [Column(f"Figure {n}", MONEY_FORMAT) for n in range(12)]
    layout = table_layout(wide, [["99,999,999.99"] * 12], landscape=False)
    assert layout.landscape
    pdf = render_table_pdf(PdfTable(title="Wide", columns=wide, rows=[[D("99999999.99")] * 12]))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.mediabox.width > page.mediabox.height
    narrow = table_layout(COLUMNS[:2], [["01", "Milk"]], landscape=False)
    assert not narrow.landscape


def test_group_subtotals_and_a_grand_total(tmp_path):
    rows = with_group_totals(_rows(), COLUMNS, 0, label="Total %(group)s")
    subtotals = [r for r in rows if isinstance(r, TotalRow)]
    assert [(r[0], r[3]) for r in subtotals] == [("Total 01", D("12348263.30")), ("Total 02", D("450.00"))]
    pdf = render_table_pdf(
        PdfTable(title="Sales", columns=COLUMNS, rows=rows, totals=["", "Total", None, D("12348713.30"), None, None])
    )
    text = _layout_text(pdf, tmp_path)
    assert "Total 01" in text and "12,348,263.30" in text and "12,348,713.30" in text


def test_company_heading_and_signature_lines(tmp_path):
    pdf = render_table_pdf(
        PdfTable(
            title="Stock balances",
            columns=COLUMNS[:2],
            rows=[["01", "Milk"]],
            heading_lines=["Demo Retail Chain", "Tax number: 123456789012"],
            signatures=["Shop manager"],
        )
    )
    text = _layout_text(pdf, tmp_path)
    assert "Tax number: 123456789012" in text and "Shop manager:" in text


def _sheet(buffer):
    return load_workbook(io.BytesIO(buffer.getvalue()))


def test_excel_has_typed_cells_frozen_header_filter_totals_and_print_setup():
    buffer = io.BytesIO()
    columns = [*COLUMNS, Column("Date")]
    rows = [[*r, datetime.date(2026, 11, 25)] for r in _rows()]
    write_table(buffer, columns=columns, rows=rows, title_lines=["Company", "Sales"], total_label="Total")
    sheet = _sheet(buffer).active
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:G6"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$3:$3"
    first = [c.value for c in sheet[4]]
    assert first[3] == D("12346422.65") or first[3] == pytest.approx(12346422.65)
    assert sheet["D4"].data_type == "n" and sheet["D4"].number_format == MONEY_FORMAT
    assert sheet["G4"].is_date
    total = [c.value for c in sheet[7]]
    assert total[0] == "Total" and total[3] == pytest.approx(12348713.30) and total[2] == pytest.approx(12359.5)
    assert sheet["D7"].font.b


def test_excel_splits_into_sheets_past_the_row_limit_with_a_note_on_the_first():
    buffer = io.BytesIO()
    rows = ([f"{n:02d}", f"P{n}", D(n), D(n), D(0), D(n)] for n in range(25))
    count = write_table(
        buffer,
        columns=COLUMNS,
        rows=rows,
        title_lines=["Sales"],
        max_sheet_rows=10,
        expected_rows=25,
        continued_note="Goes on in the next sheets.",
    )
    book = _sheet(buffer)
    assert count == 25 and len(book.worksheets) >= 3
    first = book.worksheets[0]
    assert first["A2"].value == "Goes on in the next sheets." and first.max_row <= 10
    data = [
        r
        for ws in book.worksheets
        for r in ws.iter_rows(values_only=True)
        if str(r[1] or "").startswith("P") and r[1] != "Product"
    ]
    assert len(data) == 25
    last = book.worksheets[-1]
    assert [c.value for c in last[last.max_row]][0] == "Total"
    assert all(ws.freeze_panes and ws.auto_filter.ref for ws in book.worksheets)


def test_two_columns_never_share_a_heading():
    from reports.registry import ReportData

    with pytest.raises(ValueError, match="Returns"):
        ReportData(title="x", columns=[Column("Returns"), Column("Returns", MONEY_FORMAT)], rows=[])
