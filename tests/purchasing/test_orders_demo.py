"""The demo seeds suppliers' products, policies, a reorder run and orders in each state; twice is once."""

from purchasing.demo_orders import seed_orders
from purchasing.models import OrderStatus, PurchaseOrder, ReorderRun
from tests.factories import ProductFactory, SupplierFactory

from . import orders_world

# The orders world's fixtures (a module, not a conftest: the settlements tests have their own).
shop = orders_world.shop


def test_the_demo_has_orders_in_every_state(shop, owner):
    for i in range(5):
        SupplierFactory(name=f"S{i}", lead_time_days=1)
    for i in range(10):
        ProductFactory(sku=f"D{i}")
    counts = seed_orders(actor=owner)
    assert counts["supplier_products"] == 10 and counts["policies"] == 10
    assert counts["orders"] == {
        OrderStatus.DRAFT: 1,
        OrderStatus.SENT: 1,
        OrderStatus.PARTLY_RECEIVED: 1,
        OrderStatus.RECEIVED: 1,
        OrderStatus.CLOSED: 1,
    }
    assert ReorderRun.objects.get().status == "done"
    assert seed_orders(actor=owner) == {"supplier_products": 0, "policies": 0, "orders": {}}
    assert PurchaseOrder.objects.count() == 5
