"""Random sequences of stock documents: balances always equal ledger sums, cost equals a reference model."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from inventory.exceptions import NegativeStock
from inventory.models import GoodsReceipt, StockBalance, Stocktake, StocktakeLine, Transfer, WriteOff
from inventory.services import (
    goods_receipt_cancel,
    goods_receipt_post,
    stocktake_cancel,
    stocktake_post,
    transfer_cancel,
    transfer_receive,
    transfer_ship,
    transit_shop,
    write_off_cancel,
    write_off_post,
)
from inventory.services.checks import stock_ledger_differences
from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

DAY = datetime.date(2026, 5, 1)
CENT = Decimal("0.01")


def money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


class Reference:
    """Moving average written plainly, independent of the code under test."""

    def __init__(self):
        self.qty, self.value, self.last = {}, {}, {}

    def get(self, key):
        return self.qty.get(key, Decimal(0)), self.value.get(key, Decimal(0)), self.last.get(key, Decimal(0))

    def move(self, key, quantity, cost=None):
        """Apply a movement; `cost` given for incoming at a price or for exact reversals."""
        qty, value, last = self.get(key)
        if cost is None:
            if quantity < 0:
                out = -quantity
                if qty >= out:
                    cost = -(value if out == qty else money(value * out / qty))
                else:
                    cost = -((value if qty > 0 else Decimal(0)) + money((out - max(qty, 0)) * last))
            else:
                avg = value / qty if qty > 0 else last
                cost = money(quantity * avg)
        qty, value = qty + quantity, value + cost
        if qty > 0:
            last = (value / qty).quantize(Decimal("0.0001"))
        elif quantity > 0:
            last = (cost / quantity).quantize(Decimal("0.0001"))
        self.qty[key], self.value[key], self.last[key] = qty, value, last
        return cost


class StockMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        zone = PriceZoneFactory(code="Z1")
        self.shops = [ShopFactory(price_zone=zone), ShopFactory(price_zone=zone)]
        self.products = [ProductFactory() for _ in range(2)]
        self.supplier, self.user = SupplierFactory(), UserFactory()
        self.transit = transit_shop()
        self.ref = Reference()
        self.posted = []  # (model, document_id, [(key, quantity, cost)])

    def _shop(self, i):
        return self.shops[i % 2]

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), q=st.integers(1, 20), price=st.integers(1, 999))
    def receive(self, s, p, q, price):
        shop, product = self._shop(s), self.products[p]
        price = Decimal(price) / 7  # awkward prices on purpose
        doc = stock_document(
            GoodsReceipt,
            shop=shop,
            supplier=self.supplier,
            business_date=DAY,
            lines=[{"product": product, "quantity": Decimal(q), "price_amount": money(price)}],
        )
        goods_receipt_post(document_id=doc.pk, actor=self.user)
        key = (shop.pk, product.pk)
        cost = self.ref.move(key, Decimal(q), money(Decimal(q) * money(price)))
        self.posted.append((GoodsReceipt, doc.pk, [(key, Decimal(q), cost)]))

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), q=st.integers(1, 15))
    def write_off(self, s, p, q):
        shop, product = self._shop(s), self.products[p]
        key = (shop.pk, product.pk)
        doc = stock_document(
            WriteOff, shop=shop, business_date=DAY, lines=[{"product": product, "quantity": Decimal(q)}]
        )
        if self.ref.get(key)[0] < q:
            with pytest.raises(NegativeStock):
                write_off_post(document_id=doc.pk, actor=self.user)
            return
        write_off_post(document_id=doc.pk, actor=self.user)
        cost = self.ref.move(key, Decimal(-q))
        self.posted.append((WriteOff, doc.pk, [(key, Decimal(-q), cost)]))

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), q=st.integers(1, 10), lost=st.integers(0, 2))
    def transfer(self, s, p, q, lost):
        source, target, product = self._shop(s), self._shop(s + 1), self.products[p]
        src, dst, tr = (source.pk, product.pk), (target.pk, product.pk), (self.transit.pk, product.pk)
        if self.ref.get(src)[0] < q:
            return
        doc = stock_document(
            Transfer,
            shop=source,
            to_shop=target,
            business_date=DAY,
            lines=[{"product": product, "quantity": Decimal(q), "received_quantity": Decimal(max(q - lost, 0))}],
        )
        transfer_ship(document_id=doc.pk, actor=self.user)
        transfer_receive(document_id=doc.pk, actor=self.user, received_date=DAY)
        shipped = self.ref.move(src, Decimal(-q))
        moves = [(src, Decimal(-q), shipped)]
        self.ref.move(tr, Decimal(q), -shipped)
        moves.append((tr, Decimal(q), -shipped))
        received = Decimal(max(q - lost, 0))
        arrived = money(-shipped * received / q)
        self.ref.move(tr, Decimal(-q), shipped)  # transit gives back exactly what it took in
        moves.append((tr, Decimal(-q), shipped))
        if received:
            self.ref.move(dst, received, arrived)
            moves.append((dst, received, arrived))
        self.posted.append((Transfer, doc.pk, moves))

    @rule(s=st.integers(0, 1), p=st.integers(0, 1), counted=st.integers(0, 30))
    def stocktake(self, s, p, counted):
        shop, product = self._shop(s), self.products[p]
        key = (shop.pk, product.pk)
        book = self.ref.get(key)[0]
        doc = Stocktake.objects.create(shop=shop, business_date=DAY)
        StocktakeLine.objects.create(
            document=doc, product=product, book_quantity=book, counted_quantity=Decimal(counted)
        )
        stocktake_post(document_id=doc.pk, actor=self.user)
        difference = Decimal(counted) - book
        moves = []
        if difference:
            moves.append((key, difference, self.ref.move(key, difference)))
        self.posted.append((Stocktake, doc.pk, moves))

    @precondition(lambda self: self.posted)
    @rule(index=st.integers(0, 50))
    def cancel(self, index):
        model, doc_id, moves = self.posted[index % len(self.posted)]
        cancel = {
            GoodsReceipt: goods_receipt_cancel,
            WriteOff: write_off_cancel,
            Transfer: transfer_cancel,
            Stocktake: stocktake_cancel,
        }[model]
        net = {}
        for key, quantity, _cost in moves:
            net[key] = net.get(key, Decimal(0)) + quantity
        short = any(self.ref.get(key)[0] < q and key[0] != self.transit.pk for key, q in net.items() if q > 0)
        if short:
            with pytest.raises(NegativeStock):
                cancel(document_id=doc_id, actor=self.user)
            return
        cancel(document_id=doc_id, actor=self.user)
        for key, quantity, cost in moves:
            self.ref.move(key, -quantity, -cost)
        self.posted.remove((model, doc_id, moves))

    @invariant()
    def balances_equal_ledger_and_reference(self):
        if not hasattr(self, "ref"):
            return
        assert stock_ledger_differences()[1] == []
        for (shop_id, product_id), qty in self.ref.qty.items():
            balance = StockBalance.objects.get(shop_id=shop_id, product_id=product_id)
            assert balance.quantity == qty, (shop_id, product_id)
            assert balance.cost_amount == self.ref.value[(shop_id, product_id)], (shop_id, product_id)


@pytest.mark.django_db
def test_random_stock_sequences():
    machine = StockMachine.TestCase
    machine.settings = settings(
        max_examples=25, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
    )
    machine().runTest()
