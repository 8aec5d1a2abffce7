import datetime
from decimal import Decimal

import pytest

from cash.choices import OrderDirection, OrderReason
from cash.ledger import CASH
from cash.services import cash_order_create, desk_for_shop
from inventory.models import GoodsReceipt, SupplierReturn
from inventory.services.kernel import ledger_differences
from inventory.services.stock_documents import goods_receipt_post, supplier_return_post
from purchasing.ledger import PAYABLES
from purchasing.models import Payable, PayableBalance
from tests.factories import ProductFactory, ShopFactory, SupplierFactory, stock_document

D = Decimal
DAY = datetime.date(2026, 11, 25)


@pytest.fixture
def ledgers_balanced(db):
    """After the test, payables and cash balances equal the sums of their ledger rows."""
    yield
    for ledger in (PAYABLES, CASH):
        _checked, differences = ledger_differences(ledger)
        assert differences == []


@pytest.fixture
def shop(db):
    return ShopFactory(code="07")


@pytest.fixture
def supplier(db):
    return SupplierFactory(name="Arman Foods", payment_terms_days=10)


@pytest.fixture
def product(db):
    return ProductFactory()


@pytest.fixture
def desk(shop):
    return desk_for_shop(shop)


def fill(location, amount, *, day=DAY):
    return cash_order_create(
        direction=OrderDirection.IN,
        reason=OrderReason.OTHER,
        location=location,
        amount=D(amount),
        counterparty="Owner",
        business_date=day,
        post=True,
    )


def receipt(shop, supplier, product, amount, *, day=DAY, actor=None, post=True, **fields):
    """A goods receipt of one line worth `amount` (quantity 1 x price), posted unless told."""
    document = stock_document(
        GoodsReceipt,
        shop=shop,
        supplier=supplier,
        business_date=day,
        lines=[{"product": product, "quantity": D("1.000"), "price_amount": D(amount)}],
        **fields,
    )
    if post:
        goods_receipt_post(document_id=document.pk, actor=actor)
        document.refresh_from_db()
    return document


def supplier_return(shop, supplier, product, amount, *, day=DAY):
    document = stock_document(
        SupplierReturn,
        shop=shop,
        supplier=supplier,
        business_date=day,
        lines=[{"product": product, "quantity": D("1.000"), "price_amount": D(amount)}],
    )
    supplier_return_post(document_id=document.pk, actor=None)
    document.refresh_from_db()
    return document


def owed(supplier, shop) -> Decimal:
    row = PayableBalance.objects.filter(supplier=supplier, shop=shop).first()
    return row.amount if row else D("0.00")


def item(document) -> Payable:
    return Payable.objects.get(source_type=document.DOCUMENT_TYPE, source_id=document.pk)


def settled(document) -> tuple[Decimal, Decimal]:
    """(amount, settled) of a document's open item."""
    p = item(document)
    return p.amount, p.settled_amount
