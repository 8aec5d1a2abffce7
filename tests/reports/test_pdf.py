import io
from decimal import Decimal

from pypdf import PdfReader

from reports.pdf import PdfTable, render_table_pdf
from reports.xlsx import MONEY_FORMAT, Column


def test_a_long_table_prints_in_chunks_with_continuous_page_numbers_and_signatures(settings):
    settings.PDF_WORKERS = 1
    rows = [(f"P{i:06d}", f"Product {i}", Decimal(i) / 4) for i in range(1300)]
    pdf = render_table_pdf(
        PdfTable(
            title="Stock balances",
            subtitle_lines=["Shop 01"],
            columns=[Column("SKU", width=20), Column("Product"), Column("Cost", MONEY_FORMAT, width=24)],
            rows=rows,
            signatures=["Counted by"],
        ),
        chunk_rows=400,
    )
    pages = PdfReader(io.BytesIO(pdf)).pages
    texts = [page.extract_text() for page in pages]
    total = len(pages)
    assert total > 4  # 1,300 rows in four chunks
    assert all(f"Page {n} of {total}" in text for n, text in enumerate(texts, start=1))
    assert all("ТОО «Демо Ритейл» · Stock balances" in text for text in texts)
    assert all("SKU" in text for text in texts)  # the header row on every page
    everything = "\n".join(texts)
    assert all(f"P{i:06d}" in everything for i in (0, 399, 400, 1299))
    assert "324.75" in everything  # 1299 / 4, formatted
    assert "Counted by" in texts[-1] and "Counted by" not in texts[0]


def test_a_short_document_prints_as_a_table_with_totals(settings):
    settings.PDF_WORKERS = 1
    pdf = render_table_pdf(
        PdfTable(
            title="Goods receipt GR-01-000001",
            columns=[Column("SKU", width=20), Column("Amount", MONEY_FORMAT, width=24)],
            rows=[("MILK", Decimal("1200.50"))],
            totals=("Total", Decimal("1200.50")),
            signatures=["Received by"],
        )
    )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "1,200.50" in text and "Total" in text and "Received by" in text and "Page 1 of 1" in text
