"""Document statuses change only under the posting marker; prices are posted rows; no TRUNCATE."""

from django.db import migrations

from inventory import db_guards

DOCUMENTS = [
    "inventory.GoodsReceipt",
    "inventory.SupplierReturn",
    "inventory.WriteOff",
    "inventory.Transfer",
    "inventory.Stocktake",
    "inventory.OpeningBalance",
    "inventory.PriceChange",
]
LINES = [f"{label}Line" for label in DOCUMENTS]
TRUNCATE = ["inventory.StockLedgerEntry", "inventory.Posting", *DOCUMENTS, *LINES]


def install(apps, schema_editor):
    db_guards.install_marker(apps, schema_editor, documents=DOCUMENTS, truncate=TRUNCATE)
    db_guards.install_rows(apps, schema_editor, posted=["inventory.Price"])


class Migration(migrations.Migration):
    dependencies = [("inventory", "0007_shop_controls_permission")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
