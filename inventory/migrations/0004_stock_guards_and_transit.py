"""Immutability triggers for the stock ledger and stock documents; the in-transit location."""

from django.db import migrations

from inventory import db_guards

LEDGERS = ["StockLedgerEntry", "Posting"]
DOCUMENTS = [
    ("GoodsReceipt", ()),
    ("SupplierReturn", ()),
    ("WriteOff", ()),
    ("Transfer", ("received_date", "received_at", "received_by_id")),
    ("Stocktake", ()),
    ("OpeningBalance", ()),
    ("PriceChange", ()),
]
LINES = [
    ("GoodsReceiptLine", "GoodsReceipt", (), None),
    ("SupplierReturnLine", "SupplierReturn", (), None),
    ("WriteOffLine", "WriteOff", (), None),
    ("TransferLine", "Transfer", ("received_quantity",), "received_at"),
    ("StocktakeLine", "Stocktake", (), None),
    ("OpeningBalanceLine", "OpeningBalance", (), None),
    ("PriceChangeLine", "PriceChange", (), None),
]


def install_guards(apps, schema_editor):
    db_guards.install(apps, schema_editor, ledgers=LEDGERS, documents=DOCUMENTS, lines=LINES)


def create_transit(apps, schema_editor):
    PriceZone = apps.get_model("inventory", "PriceZone")
    Shop = apps.get_model("inventory", "Shop")
    zone = PriceZone.objects.order_by("id").first() or PriceZone.objects.create(code="Z1", name="City")
    Shop.objects.get_or_create(
        code="TR",
        defaults={"name": "In transit", "format": "transit", "city": "—", "price_zone": zone, "is_active": True,
                  "negative_stock_allowed": True},
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_stock")]

    operations = [
        migrations.RunPython(install_guards, migrations.RunPython.noop),
        migrations.RunPython(create_transit, migrations.RunPython.noop),
    ]
