"""The cashier of a shift (shortages and surpluses at its close are theirs).

SQLite adds the column by rebuilding the table, which drops its triggers: the closed-shift
guard is installed again there (PostgreSQL keeps it).
"""

from django.db import migrations, models

from inventory import db_guards


def guard_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        db_guards.install_rows(apps, schema_editor, closed=[("sales.Shift", "closed_at")])


class Migration(migrations.Migration):
    dependencies = [("sales", "0006_list_indexes"), ("cash", "0002_guards")]

    operations = [
        migrations.AddField(
            model_name="shift",
            name="cashier_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="cashier"),
        ),
        migrations.RunPython(guard_again, migrations.RunPython.noop),
    ]
