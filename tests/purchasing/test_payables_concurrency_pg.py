"""Real threads against PostgreSQL: payments allocated at once to the same debts never over-allocate."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from inventory.db_guards import posting_marker
from inventory.exceptions import DomainError
from inventory.services.kernel import ledger_differences
from purchasing.ledger import PAYABLES
from purchasing.models import Payable, PayableAllocation, PaymentMethod
from purchasing.services.settlements import payable_allocate, supplier_payment_create
from tests.factories import ProductFactory, ShopFactory, SupplierFactory
from tests.integration.test_concurrency_pg import run_at_once

from .conftest import receipt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


def outcome(fn):
    try:
        fn()
        return "ok"
    except DomainError as exc:
        return type(exc).__name__
    except Exception as exc:  # anything else is a server error the user would see
        return f"ERROR {type(exc).__name__}: {exc}"


def test_payments_allocated_at_once_to_the_same_debts_never_over_allocate():
    shop, supplier, product = ShopFactory(code="07"), SupplierFactory(), ProductFactory()
    debts = [receipt(shop, supplier, product, "100.00") for _ in range(3)]
    payments = [
        supplier_payment_create(
            supplier=supplier, shop=shop, amount=D("200.00"), method=PaymentMethod.BANK, post=True, allocations=[]
        )
        for _ in range(4)
    ]
    credit_ids = list(
        Payable.objects.filter(source_id__in=[p.pk for p in payments], side="credit").values_list("pk", flat=True)
    )
    results = run_at_once(lambda i: outcome(lambda: payable_allocate(credit_id=credit_ids[i], actor=None)), count=4)
    assert results == ["ok"] * 4, results
    for debt in Payable.objects.filter(side="debt"):
        assert debt.settled_amount == D("100.00")
        active = PayableAllocation.objects.filter(debt=debt, released_at__isnull=True).aggregate(s=Sum("amount"))["s"]
        assert active == D("100.00")
    assert PayableAllocation.objects.aggregate(s=Sum("amount"))["s"] == D("300.00")
    assert sum(p.settled_amount for p in Payable.objects.filter(side="credit")) == D("300.00")
    assert len(debts) == 3 and ledger_differences(PAYABLES)[1] == []


def test_payments_allocated_by_hand_at_once_to_one_debt_one_wins():
    shop, supplier, product = ShopFactory(code="07"), SupplierFactory(), ProductFactory()
    debt = receipt(shop, supplier, product, "100.00")
    debt_item = Payable.objects.get(source_id=debt.pk, side="debt")
    payments = [
        supplier_payment_create(
            supplier=supplier, shop=shop, amount=D("70.00"), method=PaymentMethod.BANK, post=True, allocations=[]
        )
        for _ in range(6)
    ]
    credit_ids = list(
        Payable.objects.filter(source_id__in=[p.pk for p in payments], side="credit").values_list("pk", flat=True)
    )
    results = run_at_once(
        lambda i: outcome(
            lambda: payable_allocate(credit_id=credit_ids[i], actor=None, allocations=[(debt_item.pk, D("70.00"))])
        ),
        count=6,
    )
    assert results.count("ok") == 1 and results.count("DomainError") == 5, results
    debt_item.refresh_from_db()
    assert debt_item.settled_amount == D("70.00")


def test_the_database_refuses_settling_more_than_the_amount():
    shop, supplier, product = ShopFactory(code="07"), SupplierFactory(), ProductFactory()
    debt = receipt(shop, supplier, product, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic(), posting_marker():
        Payable.objects.filter(source_id=debt.pk, side="debt").update(settled_amount=D("100.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payable.objects.filter(source_id=debt.pk, side="debt").update(settled_amount=D("1.00"))
