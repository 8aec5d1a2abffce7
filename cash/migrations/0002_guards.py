"""Posted cash orders are frozen (their status changes only through the posting service), and so are
cashier discrepancies. The cash ledger's own guards come from the registry after every migrate."""

from django.db import migrations

from inventory import db_guards


def install(apps, schema_editor):
    order = apps.get_model("cash", "CashOrder")
    table = order._meta.db_table
    vendor = schema_editor.connection.vendor
    statements = db_guards.guards_sql(
        vendor,
        ledgers=[],
        documents=[db_guards.DocumentGuard(table, db_guards.columns_of(order))],
        lines=[],
    )
    statements += db_guards.marker_and_status_sql(vendor, documents=[table], truncate=[])
    for statement in statements:
        schema_editor.execute(statement, params=None)
    db_guards.install_rows(apps, schema_editor, posted=["cash.CashierDiscrepancy"])


class Migration(migrations.Migration):
    dependencies = [("cash", "0001_initial"), ("inventory", "0013_document_type_cash")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
