"""Receipts, their lines and payments are posted rows; a closed shift and its Z-report are frozen."""

from django.db import migrations

from inventory import db_guards


def install(apps, schema_editor):
    db_guards.install_rows(
        apps,
        schema_editor,
        posted=["sales.Receipt", "sales.ReceiptLine", "sales.ReceiptPayment"],
        closed=[("sales.Shift", "closed_at")],
    )


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_receipt_time_flags"), ("inventory", "0008_posting_marker_guards")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
