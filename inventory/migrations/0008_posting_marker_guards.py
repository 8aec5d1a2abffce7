"""Document statuses change only under the posting marker; prices are posted rows; no TRUNCATE.

Kept as an empty step: guards are installed from declarations after migrate.
"""

from django.db import migrations


def install(apps, schema_editor):
    """Nothing here any more: the guards follow the models' declarations (`DB_GUARD`), installed after every
    migrate by inventory (inventory/db_guards.py, `guards_install`)."""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0007_shop_controls_permission")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
