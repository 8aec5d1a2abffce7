"""Reads of the cash domain."""

from decimal import Decimal

from django.db.models import DecimalField, Sum
from django.db.models.functions import Coalesce

from inventory.choices import DocumentStatus

from .choices import OrderDirection
from .models import CashOrder

ZERO = Decimal("0.00")


def shift_cash_orders_totals(*, shift_id: int) -> dict[str, Decimal]:
    """Posted pay-ins and pay-outs a till recorded during a shift: {"in": ..., "out": ...} (for its Z-report)."""
    rows = dict(
        CashOrder.objects.filter(shift_id=shift_id, status=DocumentStatus.POSTED)
        .values("direction")
        .annotate(total=Coalesce(Sum("amount"), ZERO, output_field=DecimalField(max_digits=18, decimal_places=2)))
        .values_list("direction", "total")
        .order_by()
    )
    return {"in": rows.get(OrderDirection.IN, ZERO), "out": rows.get(OrderDirection.OUT, ZERO)}
