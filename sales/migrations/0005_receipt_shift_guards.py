"""Receipts, their lines and payments are posted rows; a closed shift and its Z-report are frozen.

Kept as an empty step: guards are installed from declarations after migrate.
"""

from django.db import migrations


def install(apps, schema_editor):
    """Nothing here any more: the guards follow the models' declarations (`DB_GUARD`), installed after every
    migrate by inventory (inventory/db_guards.py, `guards_install`)."""


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_receipt_time_flags"), ("inventory", "0008_posting_marker_guards")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
