from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory.barcodes import barcode_classify, scale_barcode_build, scale_barcode_parse
from inventory.exceptions import ProductNotFound
from inventory.selectors import product_find_by_code
from tests.factories import BarcodeFactory, ProductFactory


def gs1(body: str) -> str:
    """Reference GS1 check digit, written independently of the code under test."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("5901234123457", "ean13"),  # the GS1 specification's example
        ("4006381333931", "ean13"),
        ("96385074", "ean8"),
        ("036000291452", "upca"),
        ("99ABC123", "internal"),
    ],
)
def test_valid_barcodes_are_classified(code, kind):
    assert barcode_classify(code) == kind


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("5901234123458", "check_digit"),
        ("96385075", "check_digit"),
        ("036000291453", "check_digit"),
        ("12345", "unknown_format"),
        ("ABC-1", "unknown_format"),
        ("", "empty"),
        (gs1("201234501234"), "scale_prefix"),
    ],
)
def test_invalid_barcodes_are_refused_with_a_reason(code, error_code):
    with pytest.raises(ValidationError) as exc:
        barcode_classify(code)
    assert exc.value.code == error_code


def test_wrong_check_digit_message_names_the_expected_digit():
    with pytest.raises(ValidationError) as exc:
        barcode_classify("5901234123450")
    assert "expected 7" in exc.value.messages[0]


def test_scale_barcode_decodes_plu_and_weight():
    code = scale_barcode_build(plu=123, weight_grams=1250, prefix="22")
    assert code == gs1("220012301250")
    parsed = scale_barcode_parse(code)
    assert parsed.plu == 123
    assert parsed.weight_grams == 1250
    assert parsed.quantity_kg == Decimal("1.250")


def test_scale_barcode_with_wrong_prefix_is_refused():
    code = scale_barcode_build(plu=5, weight_grams=500)
    with pytest.raises(ValidationError) as exc:
        scale_barcode_parse(gs1("46" + code[2:-1]))
    assert exc.value.code == "scale_prefix"


def test_scale_barcode_with_bad_check_digit_is_refused():
    code = scale_barcode_build(plu=5, weight_grams=500)
    bad = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        scale_barcode_parse(bad)
    assert exc.value.code == "check_digit"


def test_scale_barcode_positions_are_configurable(settings):
    settings.SCALE_BARCODE_PLU_LENGTH = 4
    settings.SCALE_BARCODE_WEIGHT_START = 6
    settings.SCALE_BARCODE_WEIGHT_LENGTH = 6
    code = scale_barcode_build(plu=42, weight_grams=15000, prefix="27")
    assert code[:12] == "270042015000"
    assert scale_barcode_parse(code).quantity_kg == Decimal("15.000")


@pytest.mark.django_db
def test_product_found_by_barcode_scale_barcode_and_sku():
    cheese = ProductFactory(is_weighted=True, plu=77, unit="kg", name="Cheese")
    milk = BarcodeFactory(code="5901234123457").product
    assert product_find_by_code("5901234123457").product == milk
    match = product_find_by_code(scale_barcode_build(plu=77, weight_grams=350))
    assert (match.product, match.quantity) == (cheese, Decimal("0.350"))
    assert product_find_by_code(milk.sku).product == milk
    with pytest.raises(ProductNotFound):
        product_find_by_code(scale_barcode_build(plu=78, weight_grams=350))
    with pytest.raises(ProductNotFound):
        product_find_by_code("nothing")
