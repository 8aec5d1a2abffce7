"""The in-transit location. (Its guards step is kept empty: guards follow the declarations after migrate.)"""

from django.db import migrations


def install_guards(apps, schema_editor):
    """Guards are no longer installed here: every guarded model declares its guard (`DB_GUARD`) and
    inventory installs them after every migrate (inventory/db_guards.py, `guards_install`)."""


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
