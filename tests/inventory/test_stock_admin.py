import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from inventory.models import GoodsReceipt, LedgerCheckRun, StockBalance, Stocktake, Transfer
from reports.models import ReportFile
from tests.factories import (
    BarcodeFactory,
    PriceZoneFactory,
    ProductFactory,
    ShopFactory,
    SupplierFactory,
    stock_document,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledgers_balanced")]
D = Decimal


@pytest.fixture(autouse=True)
def one_pdf_worker(settings, tmp_path):
    settings.PDF_WORKERS = 1
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def world(superuser):
    zone = PriceZoneFactory(code="Z1")
    north, south = (
        ShopFactory(code="01", name="North", price_zone=zone),
        ShopFactory(code="02", name="South", price_zone=zone),
    )
    milk = ProductFactory(sku="MILK", name="Milk")
    BarcodeFactory(product=milk, code="5901234123457")
    cheese = ProductFactory(sku="CHEESE", name="Gouda", is_weighted=True, plu=42, unit="kg")
    return {
        "north": north,
        "south": south,
        "milk": milk,
        "cheese": cheese,
        "supplier": SupplierFactory(),
        "user": superuser,
    }


@pytest.fixture
def fetch(client, django_capture_on_commit_callbacks):
    """POST a printout URL: the job runs when its transaction commits, then the file is downloaded."""

    def get(url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data or {})
        if response.status_code in (301, 302):
            response = client.get(response["Location"], follow=True)
        return response

    return get


def do(client, model, pk, action):
    return client.post(reverse(f"admin:inventory_{model._meta.model_name}_do", args=[pk, action]), follow=True)


def test_receipt_posted_from_its_page_then_printed(client, world, fetch):
    client.force_login(world["user"])
    doc = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[{"product": world["milk"], "quantity": D("12"), "price_amount": D("250.00")}],
    )
    page = client.get(reverse("admin:inventory_goodsreceipt_change", args=[doc.pk]))
    assert "/do/post/" in page.content.decode()
    do(client, GoodsReceipt, doc.pk, "post")
    assert StockBalance.objects.get(shop=world["north"], product=world["milk"]).quantity == D("12")
    response = fetch(reverse("reports:document", args=["goods_receipt", doc.pk, "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = pdf.pages[0].extract_text()
    assert doc.number in text and "MILK" in text and "3,000.00" in text and "Page 1 of 1" in text


def test_write_off_beyond_stock_shows_the_reason_in_the_admin(client, world):
    from inventory.models import WriteOff

    client.force_login(world["user"])
    doc = stock_document(WriteOff, shop=world["north"], lines=[{"product": world["milk"], "quantity": D("3")}])
    response = do(client, WriteOff, doc.pk, "post")
    messages = [str(m) for m in response.context["messages"]]
    assert any("short by 3" in m for m in messages)
    doc.refresh_from_db()
    assert doc.status == "draft"


def test_transfer_shipped_received_with_typed_quantities(client, world, fetch):
    client.force_login(world["user"])
    receipt = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[{"product": world["milk"], "quantity": D("10"), "price_amount": D("10")}],
    )
    do(client, GoodsReceipt, receipt.pk, "post")
    transfer = stock_document(
        Transfer, shop=world["north"], to_shop=world["south"], lines=[{"product": world["milk"], "quantity": D("4")}]
    )
    do(client, Transfer, transfer.pk, "post")
    line = transfer.lines.get()
    # After shipping, the receiving side types what arrived, on the transfer's page.
    data = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk,
        "lines-0-document": transfer.pk,
        "lines-0-received_quantity": "3",
    }
    response = client.post(reverse("admin:inventory_transfer_change", args=[transfer.pk]), data)
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.received_quantity == D("3")
    do(client, Transfer, transfer.pk, "receive")
    transfer.refresh_from_db()
    assert transfer.is_received
    assert StockBalance.objects.get(shop=world["south"], product=world["milk"]).quantity == D("3")
    note = fetch(reverse("reports:document", args=["transfer_note", transfer.pk, "xlsx"]))
    rows = list(load_workbook(io.BytesIO(b"".join(note.streaming_content))).active.iter_rows(values_only=True))
    assert any(r[1] == "MILK" and r[3] == 4 and r[4] == 3 and r[5] == -1 for r in rows if r and len(r) > 5)


def test_stocktake_fill_import_counts_post_and_differences(client, world, fetch):
    client.force_login(world["user"])
    receipt = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[
            {"product": world["milk"], "quantity": D("10"), "price_amount": D("10")},
            {"product": world["cheese"], "quantity": D("2"), "price_amount": D("3000")},
        ],
    )
    do(client, GoodsReceipt, receipt.pk, "post")
    stocktake = Stocktake.objects.create(shop=world["north"])
    do(client, Stocktake, stocktake.pk, "fill")
    assert stocktake.lines.count() == 2
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Quantity"])
    sheet.append(["5901234123457", 4])
    sheet.append(["MILK", 4])  # the same product scanned again: counts add up
    from inventory.barcodes import scale_barcode_build

    sheet.append([scale_barcode_build(plu=42, weight_grams=1500), None])  # weight from the scale barcode
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "counts.xlsx"
    response = client.post(reverse("admin:inventory_stocktake_import_counts", args=[stocktake.pk]), {"file": buffer})
    assert response.status_code == 302
    counted = dict(stocktake.lines.values_list("product__sku", "counted_quantity"))
    assert counted == {"MILK": D("8.000"), "CHEESE": D("1.500")}
    do(client, Stocktake, stocktake.pk, "post")
    assert StockBalance.objects.get(shop=world["north"], product=world["milk"]).quantity == D("8")
    differences = fetch(reverse("reports:document", args=["stocktake_differences", stocktake.pk, "xlsx"]))
    rows = list(load_workbook(io.BytesIO(b"".join(differences.streaming_content))).active.iter_rows(values_only=True))
    by_sku = {r[0]: r for r in rows if r and r[0] in ("MILK", "CHEESE")}
    # Shortages in their own columns (quantity and value), surpluses in theirs.
    assert by_sku["MILK"][7] == 2 and by_sku["MILK"][8] == 20 and by_sku["MILK"][5] is None
    assert by_sku["CHEESE"][7] == 0.5 and by_sku["CHEESE"][8] == 1500


def test_bad_count_rows_are_all_reported_and_nothing_changes(client, world):
    client.force_login(world["user"])
    stocktake = Stocktake.objects.create(shop=world["north"])
    book = Workbook()
    sheet = book.active
    sheet.append(["Code", "Quantity"])
    sheet.append(["0000000", 1])
    sheet.append(["MILK", "many"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "counts.xlsx"
    response = client.post(reverse("admin:inventory_stocktake_import_counts", args=[stocktake.pk]), {"file": buffer})
    errors = [(e.row, e.column) for e in response.context["report"].errors]
    assert errors == [(2, "Code"), (3, "Quantity")]
    assert not stocktake.lines.exists()


def test_shop_manager_cannot_print_or_open_another_shops_documents(client, shop_manager, world):
    world["north"].managers.add(shop_manager)
    shop_manager.user_permissions.add(Permission.objects.get(codename="view_goodsreceipt"))
    doc = stock_document(
        GoodsReceipt,
        shop=world["south"],
        supplier=world["supplier"],
        lines=[{"product": world["milk"], "quantity": D("1"), "price_amount": D("1")}],
    )
    client.force_login(shop_manager)
    assert client.post(reverse("reports:document", args=["goods_receipt", doc.pk, "pdf"])).status_code == 404
    assert client.get(reverse("admin:inventory_goodsreceipt_change", args=[doc.pk])).status_code == 404


def test_report_centre_stock_balances_excel_and_pdf(client, world, settings, django_capture_on_commit_callbacks):
    settings.PDF_WORKERS = 2  # once through the worker processes
    client.force_login(world["user"])
    receipt = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[{"product": world["milk"], "quantity": D("3"), "price_amount": D("7.50")}],
    )
    do(client, GoodsReceipt, receipt.pk, "post")
    for fmt in ("xlsx", "pdf"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("admin:reports_reportfile_new"),
                {"report": "stock_balances", "format": fmt, "shop": world["north"].pk},
            )
    jobs = {j.format: j for j in ReportFile.objects.all()}
    assert {j.status for j in jobs.values()} == {"done"}, [j.error for j in jobs.values()]
    xlsx = client.get(reverse("reports:download", args=[jobs["xlsx"].token]))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] == "MILK"]
    assert rows == [("MILK", "Milk", world["milk"].group.name, "piece", 3, 22.5, 7.5)]
    pdf = client.get(reverse("reports:download", args=[jobs["pdf"].token]))
    text = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()
    assert "Stock balances" in text and "22.50" in text and "Page 1 of 1" in text
    changelist = client.get(reverse("admin:reports_reportfile_changelist"))
    assert changelist.status_code == 200 and "download" in changelist.content.decode()


def test_check_ledgers_reports_a_tampered_balance(world, capsys):
    receipt = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[{"product": world["milk"], "quantity": D("3"), "price_amount": D("7.50")}],
    )
    from inventory.services import goods_receipt_post

    goods_receipt_post(document_id=receipt.pk, actor=world["user"])
    call_command("check_ledgers")
    assert "0 differences" in capsys.readouterr().out
    StockBalance.objects.filter(product=world["milk"]).update(quantity=D("4"))
    with pytest.raises(CommandError):
        call_command("check_ledgers")
    out = capsys.readouterr().out
    assert f"product {world['milk'].pk}" in out and "balance 4.000" in out
    assert LedgerCheckRun.objects.first().differences == 1
    StockBalance.objects.filter(product=world["milk"]).update(quantity=D("3"))  # leave it clean for the fixture


def test_period_lock_refuses_editing_a_draft_in_the_admin(client, world):
    import datetime

    from inventory.models import PeriodLock, WriteOff

    client.force_login(world["user"])
    day = datetime.date(2026, 3, 1)
    doc = stock_document(WriteOff, shop=world["north"], business_date=day, lines=[])
    PeriodLock.objects.create(shop=None, lock_date=day)
    data = {
        "business_date": "2026-03-01",
        "shop": world["north"].pk,
        "reason": "damage",
        "comment": "late edit",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("admin:inventory_writeoff_change", args=[doc.pk]), data)
    assert response.status_code == 200
    assert "closed" in str(response.context["adminform"].form.non_field_errors())
    doc.refresh_from_db()
    assert doc.comment == "" and doc.reason == "spoilage"


def test_a_posted_receipt_cannot_be_changed_through_the_admin(client, world):
    client.force_login(world["user"])
    doc = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[{"product": world["milk"], "quantity": D("1"), "price_amount": D("5")}],
    )
    do(client, GoodsReceipt, doc.pk, "post")
    line = doc.lines.get()
    data = {
        "business_date": "2026-01-01",
        "shop": world["north"].pk,
        "supplier": world["supplier"].pk,
        "comment": "x",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk,
        "lines-0-document": doc.pk,
        "lines-0-product": world["milk"].pk,
        "lines-0-quantity": "99",
        "lines-0-price_amount": "1",
    }
    client.post(reverse("admin:inventory_goodsreceipt_change", args=[doc.pk]), data)
    doc.refresh_from_db()
    line.refresh_from_db()
    assert doc.comment == "" and line.quantity == D("1")
    assert (
        client.post(reverse("admin:inventory_goodsreceipt_delete", args=[doc.pk]), {"post": "yes"}).status_code == 403
    )
    assert GoodsReceipt.objects.filter(pk=doc.pk).exists()


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:inventory_goodsreceipt_changelist",
        "admin:inventory_stockledgerentry_changelist",
        "admin:inventory_stockbalance_changelist",
        "admin:inventory_posting_changelist",
        "admin:inventory_transfer_changelist",
    ],
)
def test_stock_lists_have_a_bounded_number_of_queries(client, world, url_name, django_assert_max_num_queries):
    from inventory.services import goods_receipt_cancel, goods_receipt_post

    products = [ProductFactory() for _ in range(10)]
    for n in range(15):
        doc = stock_document(
            GoodsReceipt,
            shop=world["north"],
            supplier=world["supplier"],
            lines=[{"product": p, "quantity": D("1"), "price_amount": D("2")} for p in products],
        )
        goods_receipt_post(document_id=doc.pk, actor=world["user"])
        if n % 2:  # cancelled documents leave reversing rows in the lists too
            goods_receipt_cancel(document_id=doc.pk, actor=world["user"])
    client.force_login(world["user"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


def test_typing_a_barcode_or_scale_barcode_in_a_line_finds_the_product(client, world):
    from inventory.barcodes import scale_barcode_build

    client.force_login(world["user"])
    url = reverse("admin:autocomplete")
    params = {"app_label": "inventory", "model_name": "goodsreceiptline", "field_name": "product"}
    for term, expected in [
        ("5901234123457", world["milk"]),
        (scale_barcode_build(plu=42, weight_grams=700), world["cheese"]),
    ]:
        response = client.get(url, {**params, "term": term})
        assert [r["id"] for r in response.json()["results"]] == [str(expected.pk)], term


def test_a_shop_manager_sends_a_transfer_to_another_shop_but_not_from_it(client, shop_manager, world):
    world["north"].managers.add(shop_manager)
    client.force_login(shop_manager)
    form = {
        "business_date": "2026-03-01",
        "reason": "",
        "comment": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": world["milk"].pk,
        "lines-0-quantity": "2",
    }
    response = client.post(
        reverse("admin:inventory_transfer_add"), {**form, "shop": world["north"].pk, "to_shop": world["south"].pk}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Transfer.objects.get().to_shop == world["south"]
    response = client.post(
        reverse("admin:inventory_transfer_add"), {**form, "shop": world["south"].pk, "to_shop": world["north"].pk}
    )
    assert response.status_code == 200 and "shop" in response.context["adminform"].form.errors
    assert Transfer.objects.count() == 1


def test_each_side_of_a_transfer_works_only_its_own_steps(client, world):
    """North ships and cancels; South types what arrived and receives. Neither does the other's step."""
    from inventory.roles import SHOP_MANAGER
    from tests.factories import UserFactory

    sender, receiver = (
        UserFactory(username="north", role=SHOP_MANAGER),
        UserFactory(username="south", role=SHOP_MANAGER),
    )
    world["north"].managers.add(sender)
    world["south"].managers.add(receiver)
    client.force_login(world["user"])
    receipt = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[{"product": world["milk"], "quantity": D("10"), "price_amount": D("10")}],
    )
    do(client, GoodsReceipt, receipt.pk, "post")
    transfer = stock_document(
        Transfer, shop=world["north"], to_shop=world["south"], lines=[{"product": world["milk"], "quantity": D("4")}]
    )
    line = transfer.lines.get()
    page = reverse("admin:inventory_transfer_change", args=[transfer.pk])

    def received_quantity(quantity):
        return client.post(
            page,
            {
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "1",
                "lines-MIN_NUM_FORMS": "0",
                "lines-MAX_NUM_FORMS": "1000",
                "lines-0-id": line.pk,
                "lines-0-document": transfer.pk,
                "lines-0-received_quantity": quantity,
            },
        )

    # The receiver sees the sender's draft but neither ships it nor edits it.
    client.force_login(receiver)
    assert "/do/post/" not in client.get(page).content.decode()
    answer = do(client, Transfer, transfer.pk, "post").content.decode()
    assert "is for the people of 01" in answer
    transfer.refresh_from_db()
    assert transfer.is_draft
    # The sender ships it, then may neither type received quantities nor receive it (as a total loss).
    client.force_login(sender)
    do(client, Transfer, transfer.pk, "post")
    transfer.refresh_from_db()
    assert transfer.status == "posted"
    assert "/do/receive/" not in client.get(page).content.decode()
    assert received_quantity("0").status_code == 403
    do(client, Transfer, transfer.pk, "receive")
    transfer.refresh_from_db()
    line.refresh_from_db()
    assert not transfer.is_received and line.received_quantity is None
    # The receiver may not cancel the shipment, but types what arrived and receives it.
    client.force_login(receiver)
    assert "/do/cancel/" not in client.get(page).content.decode()
    do(client, Transfer, transfer.pk, "cancel")
    transfer.refresh_from_db()
    assert transfer.status == "posted"
    assert received_quantity("3").status_code == 302
    do(client, Transfer, transfer.pk, "receive")
    transfer.refresh_from_db()
    assert transfer.is_received
    assert StockBalance.objects.get(shop=world["south"], product=world["milk"]).quantity == D("3")


def test_a_goods_receipt_page_shows_its_line_amounts_and_total_as_money(client, world):
    """Read-only amounts on a document's page are not formatted by the admin itself: ours are, by language."""
    client.force_login(world["user"])
    doc = stock_document(
        GoodsReceipt,
        shop=world["north"],
        supplier=world["supplier"],
        lines=[
            {"product": world["milk"], "quantity": D("1000"), "price_amount": D("186.65")},
            {"product": world["milk"], "quantity": D("2"), "price_amount": D("12.5")},
        ],
    )
    url = reverse("admin:inventory_goodsreceipt_change", args=[doc.pk])
    russian = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "186\xa0650,00" in russian and "25,00" in russian  # the lines
    assert "186\xa0675,00" in russian  # the total
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "186,675.00" in english and "186675.00" not in english
