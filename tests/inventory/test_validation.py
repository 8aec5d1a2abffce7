import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inventory.models import Barcode, Product, Supplier
from tests.factories import BarcodeFactory, ProductFactory, group_create

pytestmark = pytest.mark.django_db


def test_barcode_with_bad_check_digit_is_refused_by_the_form_validation():
    product = ProductFactory()
    barcode = Barcode(product=product, code="5901234123458")
    with pytest.raises(ValidationError) as exc:
        barcode.full_clean()
    assert "check digit" in exc.value.message_dict["code"][0]
    assert not Barcode.objects.exists()


def test_duplicate_barcode_names_the_product_that_has_it():
    first = BarcodeFactory(code="5901234123457")
    barcode = Barcode(product=ProductFactory(), code="5901234123457")
    with pytest.raises(ValidationError) as exc:
        barcode.full_clean()
    assert first.product.sku in " ".join(exc.value.message_dict["code"])


def test_duplicate_barcode_is_refused_by_the_database_too():
    BarcodeFactory(code="5901234123457")
    with pytest.raises(IntegrityError), transaction.atomic():
        Barcode.objects.create(product=ProductFactory(), code="5901234123457", kind="ean13")


def test_duplicate_plu_among_weighted_products_is_refused():
    ProductFactory(is_weighted=True, plu=101, unit="kg")
    clash = ProductFactory.build(is_weighted=True, plu=101, unit="kg", group=group_create("Cheese"))
    with pytest.raises(ValidationError) as exc:
        clash.full_clean()
    assert "plu" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()


def test_weighted_product_needs_a_plu_and_kilograms():
    product = ProductFactory.build(is_weighted=True, plu=None, unit="pcs", group=group_create())
    with pytest.raises(ValidationError) as exc:
        product.full_clean()
    assert set(exc.value.message_dict) >= {"plu", "unit"}


def test_plu_only_on_weighted_products_also_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(is_weighted=False, plu=5)


def test_unknown_unit_is_refused():
    product = ProductFactory.build(unit="bucket", group=group_create())
    with pytest.raises(ValidationError) as exc:
        product.full_clean()
    assert "unit" in exc.value.message_dict


def test_duplicate_sku_is_refused():
    ProductFactory(sku="A1")
    with pytest.raises(ValidationError) as exc:
        ProductFactory.build(sku="A1", group=group_create("Other")).full_clean()
    assert "sku" in exc.value.message_dict
    assert Product.objects.filter(sku="A1").count() == 1


@pytest.mark.parametrize("tax_id", ["12345", "12345678901A", "1234567890123"])
def test_supplier_tax_id_must_be_10_or_12_digits(tax_id):
    with pytest.raises(ValidationError) as exc:
        Supplier(name="X", tax_id=tax_id).full_clean()
    assert "tax_id" in exc.value.message_dict
