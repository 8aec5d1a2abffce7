"""Demo settlements: a supplier invoice for every posted goods receipt (one in eight differs from its receipt
and is flagged) and payments for what fell due (some left overdue), through the same services as the admin.

Payments come from the shop's cash desk when it holds the amount, else by bank transfer. Idempotent:
skipped once any supplier payment exists.
"""

import random
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone

from cash.models import CashBalance
from inventory.choices import DocumentStatus
from inventory.exceptions import LedgerOverdraft
from inventory.models import GoodsReceipt
from inventory.money import round_money

from .models import Payable, PayableSide, PaymentMethod, SupplierInvoice, SupplierPayment
from .services.settlements import supplier_invoice_record, supplier_payment_create


def seed_payables(*, actor=None, seed: int = 11) -> dict:
    """Invoices and payments for the seeded goods receipts; counts of what was written."""
    counts = {"invoices": 0, "flagged": 0, "payments": 0, "overdue_left": 0}
    if SupplierPayment.objects.exists():
        return counts
    rng = random.Random(seed)
    today = timezone.localdate()
    debts = {
        p.source_id: p
        for p in Payable.objects.filter(side=PayableSide.DEBT, is_cancelled=False, kind="receipt").order_by("pk")
    }
    receipts = GoodsReceipt.objects.filter(status=DocumentStatus.POSTED, supplier_invoice__isnull=True).exclude(
        supplier_invoice_number=""
    )
    for receipt in receipts.order_by("pk"):
        debt = debts.get(receipt.pk)
        if (
            debt is None
            or SupplierInvoice.objects.filter(
                supplier_id=receipt.supplier_id,
                number=receipt.supplier_invoice_number,
                invoice_date=receipt.supplier_invoice_date or receipt.business_date,
            ).exists()
        ):
            continue
        amount = debt.amount
        if rng.random() < 0.125:
            amount = round_money(amount + Decimal(rng.choice(["-150.00", "12.40", "310.00"])))
        invoice = supplier_invoice_record(
            supplier_id=receipt.supplier_id,
            shop_id=receipt.shop_id,
            number=receipt.supplier_invoice_number,
            invoice_date=receipt.supplier_invoice_date or receipt.business_date,
            amount=max(amount, Decimal("0.01")),
            vat_amount=round_money(max(amount, Decimal("0.01")) * Decimal("16") / Decimal("116")),
            goods_receipt_id=receipt.pk,
        )
        counts["invoices"] += 1
        counts["flagged"] += int(invoice.is_flagged)
    # What fell due by today, by supplier and shop: most of it paid on its due date, some left overdue.
    due = (
        Payable.objects.filter(
            side=PayableSide.DEBT, is_cancelled=False, settled_amount__lt=F("amount"), due_date__lte=today
        )
        .values("supplier_id", "shop_id", "due_date")
        .annotate(open=Sum(F("amount") - F("settled_amount")))
        .order_by("due_date", "supplier_id", "shop_id")
    )
    desks = dict(CashBalance.objects.filter(location__kind="desk").values_list("location__shop_id", "amount"))
    for row in due:
        if rng.random() < 0.2:
            counts["overdue_left"] += 1
            continue
        amount = round_money(row["open"])
        method = (
            PaymentMethod.CASH if desks.get(row["shop_id"], 0) >= amount and rng.random() < 0.5 else PaymentMethod.BANK
        )
        fields = {
            "supplier_id": row["supplier_id"],
            "shop_id": row["shop_id"],
            "amount": amount,
            "business_date": row["due_date"],
            "actor": actor,
            "post": True,
        }
        try:
            supplier_payment_create(
                method=method, bank_reference="" if method == "cash" else f"PP-{counts['payments'] + 1}", **fields
            )
        except LedgerOverdraft:
            supplier_payment_create(method=PaymentMethod.BANK, bank_reference=f"PP-{counts['payments'] + 1}", **fields)
        if method == PaymentMethod.CASH:
            desks[row["shop_id"]] -= amount
        counts["payments"] += 1
    return counts
