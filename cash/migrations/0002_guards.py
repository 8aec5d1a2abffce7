"""Nothing here any more: posted cash orders (`Document.DB_GUARD`) and cashier discrepancies
(`CashierDiscrepancy.DB_GUARD`) are guarded by their models' declarations, installed after every
migrate with the ledgers' guards (inventory/db_guards.py). Kept so the migration graph stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cash", "0001_initial"), ("inventory", "0013_document_type_cash")]

    operations = []
