"""Searching in Russian and Kazakh ignores case on SQLite as on PostgreSQL (inventory/db_text.py)."""

import pytest
from django.urls import reverse

from inventory.db_text import unicode_like
from inventory.models import Product
from tests.factories import ProductFactory


@pytest.mark.parametrize(
    ("pattern", "value", "escape", "matches"),
    [
        ("%молоко%", "Молоко «Алтай» 0,9 л", None, 1),
        ("%ҚАЗЫ%", "Қазы «Тулпар»", None, 1),
        ("%сүт%", "Сливки «СҮТ-АГРО» 1 л", "\\", 1),
        ("молоко%", "Кефир «Молоко»", None, 0),
        ("%кефир%", "Молоко 0,9 л", None, 0),
        ("0_9%", "0,9 л", None, 1),
        ("%100\\%%", "скидка 100%", "\\", 1),
        ("%100\\%%", "скидка 1000", "\\", 0),
        ("a\\_b", "a_b", "\\", 1),
        ("a\\_b", "axb", "\\", 0),
        ("%", None, None, None),
    ],
)
def test_like_folds_case_in_every_alphabet_and_keeps_the_wildcards(pattern, value, escape, matches):
    args = (pattern, value) if escape is None else (pattern, value, escape)
    assert unicode_like(*args) == matches


@pytest.mark.django_db
def test_lookups_and_the_product_search_ignore_case_in_cyrillic(client, superuser):
    milk = ProductFactory(sku="P000001", name="Молоко «Алтай» 0,9 л")
    kazy = ProductFactory(sku="P000006", name="Қазы «Тулпар»")
    ProductFactory(sku="P000002", name="Кефир «Кокше» 1 л")
    assert list(Product.objects.filter(name__icontains="МОЛОКО")) == [milk]
    assert list(Product.objects.filter(name__istartswith="қазы")) == [kazy]
    assert list(Product.objects.filter(name__iexact="молоко «алтай» 0,9 л")) == [milk]

    client.force_login(superuser)
    response = client.get(reverse("admin:inventory_product_changelist"), {"q": "молоко"})
    assert [p.sku for p in response.context["cl"].result_list] == ["P000001"]
    assert "Молоко «Алтай» 0,9 л" in response.content.decode()
    response = client.get(reverse("admin:inventory_product_changelist"), {"q": "p00000"})  # ASCII as before
    assert len(response.context["cl"].result_list) == 3
