"""The orders tests' world (imported by each test module, not a conftest: the settlements tests have their own)."""

import datetime
import itertools
from decimal import Decimal

import pytest

from inventory.choices import DocumentType, PostingAction, StockMovementKind
from inventory.services.kernel import posting_create
from inventory.services.ledger import Movement, stock_write
from tests.factories import ProductFactory, ShopFactory, SupplierFactory

D = Decimal
RUN_DAY = datetime.date(2026, 11, 25)  # a Wednesday (the suite's frozen today)
_lines = itertools.count(1)


def move(shop, product, day: datetime.date, quantity, kind=StockMovementKind.SALE, cost="1.00"):
    """One stock movement on one day, written through the kernel (sales leave at average cost)."""
    quantity = D(str(quantity))
    posting = posting_create(
        action=PostingAction.POST, document_type=DocumentType.RECEIPT, document_id=next(_lines), number="T"
    )
    fixed = D(cost) * quantity if quantity > 0 else None
    stock_write(
        movements=[Movement(shop.pk, product.pk, quantity, kind, next(_lines), fixed)],
        posting=posting,
        business_date=day,
        source_type=DocumentType.RECEIPT,
        source_id=posting.document_id,
        enforce_negative=False,
    )


def receive(shop, product, day, quantity, cost="1.00"):
    move(shop, product, day, quantity, StockMovementKind.RECEIPT, cost)


def sell(shop, product, day, quantity):
    move(shop, product, day, -D(str(quantity)), StockMovementKind.SALE)


@pytest.fixture
def shop(db):
    return ShopFactory(code="07")


@pytest.fixture
def supplier(db):
    return SupplierFactory(name="Dairy LLP", lead_time_days=2, order_weekdays=0)


@pytest.fixture
def product(db):
    return ProductFactory(sku="MILK", name="Milk 1 l")
