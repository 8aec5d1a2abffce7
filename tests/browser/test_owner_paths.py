"""The owners' main paths in a real browser (chromium), each ending with a screenshot."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from inventory.barcodes import scale_barcode_build
from inventory.models import GoodsReceipt, StockBalance, Stocktake
from tests.factories import BarcodeFactory, ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

from .conftest import HEIGHT, WIDTH, shot, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.real_clock, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-pass-1"


@pytest.fixture
def boss(transactional_db):
    user = UserFactory(username="boss", is_superuser=True, is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_sign_in_and_find_a_product_by_barcode_and_by_scale_barcode(page, boss):
    apples = ProductFactory(name="Golden apples", is_weighted=True, plu=4321, unit="kg")
    milk = ProductFactory(name="Farm milk 1 l")
    BarcodeFactory(product=milk, code="4601234567893")
    ProductFactory(name="Rye bread")

    sign_in(page, "boss", PASSWORD)
    page.goto(page.base + "/admin/inventory/product/")
    page.fill("#searchbar", "4601234567893")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Farm milk 1 l" in rows.first.inner_text()

    page.fill("#searchbar", scale_barcode_build(plu=4321, weight_grams=1250))
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    assert rows.count() == 1
    assert "Golden apples" in rows.first.inner_text()
    assert apples.pk


def test_post_a_goods_receipt(page, boss):
    shop = ShopFactory(name="Astana Central")
    product = ProductFactory(name="Tea 100 g")
    receipt = stock_document(
        GoodsReceipt,
        shop=shop,
        supplier=SupplierFactory(),
        lines=[{"product": product, "quantity": Decimal("12"), "price_amount": Decimal("450.00"), "vat_rate": 16}],
    )
    sign_in(page, "boss", PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(page.base + f"/admin/inventory/goodsreceipt/{receipt.pk}/change/")
    post = page.locator(".object-tools button", has_text=re.compile("^Post$", re.I))
    assert post.count() == 1
    # Styled like the admin's own tools (a rounded pill), not a bare form button.
    assert post.evaluate("b => getComputedStyle(b).borderTopLeftRadius") == "15px"
    with page.expect_navigation():
        post.click()
    receipt.refresh_from_db()
    assert receipt.status == "posted"
    assert StockBalance.objects.get(shop=shop, product=product).quantity == Decimal("12")
    assert page.locator(".messagelist .success").count() == 1
    # No raw object label above the inline rows.
    labels = page.locator(".inline-group td.original p")
    assert all(not labels.nth(i).is_visible() for i in range(labels.count()))


def test_type_stocktake_counts(page, boss):
    shop = ShopFactory()
    products = [ProductFactory(name=f"Yoghurt {n}") for n in range(3)]
    stocktake = stock_document(
        Stocktake,
        shop=shop,
        lines=[{"product": p, "book_quantity": Decimal("10")} for p in products],
    )
    sign_in(page, "boss", PASSWORD)
    page.goto(page.base + f"/admin/inventory/stocktake/{stocktake.pk}/change/")
    for index, counted in enumerate(["9", "10", "12.5"]):
        page.fill(f"#id_lines-{index}-counted_quantity", counted)
    with page.expect_navigation():
        page.click("input[name=_continue]")
    counted = dict(stocktake.lines.values_list("product__name", "counted_quantity"))
    assert counted == {"Yoghurt 0": Decimal("9"), "Yoghurt 1": Decimal("10"), "Yoghurt 2": Decimal("12.5")}
    differences = page.locator(".inline-group tr.has_original td.field-difference").all_inner_texts()
    assert [d.strip() for d in differences] == ["-1.000", "0.000", "2.500"]


def test_prepare_a_report_and_download_it(page, boss, tmp_path):
    shop = ShopFactory(name="Kokshetau")
    product = ProductFactory(name="Salt 1 kg")
    receipt = stock_document(
        GoodsReceipt,
        shop=shop,
        supplier=SupplierFactory(),
        lines=[{"product": product, "quantity": Decimal("5"), "price_amount": Decimal("100.00"), "vat_rate": 16}],
    )
    from inventory.services import goods_receipt_post

    goods_receipt_post(document_id=receipt.pk, actor=boss)
    sign_in(page, "boss", PASSWORD)
    page.goto(page.base + "/admin/reports/reportfile/new/")
    page.select_option("select[name=report]", "stock_balances")
    page.select_option("select[name=format]", "xlsx")
    with page.expect_navigation():
        page.click("input[type=submit]")
    link = page.locator("#result_list td.field-download a")
    for _attempt in range(30):  # the job may run in the background: the list shows it when done
        if link.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert link.count() == 1, "no download link on the report list"
    with page.expect_download() as download:
        link.first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and saved.stat().st_size > 1000
    with saved.open("rb") as file:
        assert file.read(2) == b"PK"  # a zip: an Excel workbook


def test_switch_language_to_russian_and_kazakh(page, boss):
    sign_in(page, "boss", PASSWORD)
    page.goto(page.base + "/admin/")
    switch_language(page, "ru")
    assert page.locator("#site-name").inner_text() == "Бэк-офис розничной сети"
    assert "Последние действия" in page.locator("#content-related").inner_text()
    shot(page, "language_ru")
    switch_language(page, "kk")
    assert page.locator("#site-name").inner_text() == "Бөлшек сауда желісінің бэк-офисі"
    related = page.locator("#content-related").inner_text()
    assert "Соңғы әрекеттер" in related and "Recent actions" not in related
    # Technical models are under "System" (superusers only), with Kazakh names.
    assert page.locator("#content-main .app-system").count() == 1
    page.goto(page.base + "/admin/inventory/product/")
    assert page.locator("#changelist-filter h2").text_content().strip() == "Сүзгі"
    assert "Санын көрсету" in page.locator("#changelist-filter").inner_text()


def test_every_list_of_ours_fits_a_1366_pixel_window(page, boss):
    """Every changelist of our apps, with data, with the navigation sidebar open, in Russian and in
    Kazakh (the longest headings): its table ends inside the visible results area."""
    call_command("seed_demo", products=120, shops=3, suppliers=4, days=2, receipts_per_day=4, stdout=_Quiet())
    sign_in(page, "boss", PASSWORD)
    assert page.viewport_size == {"width": WIDTH, "height": HEIGHT}
    too_wide, empty = [], set()
    for language in ("ru", "kk"):
        page.goto(page.base + "/admin/")
        switch_language(page, language)
        links = page.eval_on_selector_all("#content-main .module th a", "els => els.map(e => e.getAttribute('href'))")
        pattern = r"^/admin/(inventory|sales|reports|accounts|cash|loyalty)/"
        ours = sorted({link for link in links if re.match(pattern, link)})
        assert len(ours) >= 15
        for link in ours:
            page.goto(page.base + link)
            if not page.locator("#nav-sidebar").is_visible():
                page.click("#toggle-nav-sidebar")
            right, edge, rows = page.evaluate(
                """() => { const t = document.querySelector('#result_list');
                    if (!t) return [0, 0, 0];
                    const box = t.closest('.results') || t.parentElement;
                    return [t.getBoundingClientRect().right,
                            Math.min(box.getBoundingClientRect().right, window.innerWidth),
                            t.querySelectorAll('tbody tr').length] }"""
            )
            if rows == 0:
                empty.add(link)
            if right > edge + 1:
                too_wide.append(f"{language} {link}: the table ends at {right:.0f} px, the window shows {edge:.0f} px")
                shot(page, f"too_wide_{language}_{link}")
    assert not too_wide, too_wide
    # The check means something only where there are rows to show.
    assert len(empty) <= len(ours) // 2, sorted(empty)


class _Quiet:
    def write(self, *_args, **_kwargs):
        pass

    def flush(self):
        pass
