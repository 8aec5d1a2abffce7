"""The cashier of a shift (shortages and surpluses at its close are theirs).

SQLite adds the column by rebuilding the table, which drops its triggers; the closed-shift
guard comes back with every guard after migrate (`Shift.DB_GUARD`, inventory/db_guards.py).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0006_list_indexes"), ("cash", "0002_guards")]

    operations = [
        migrations.AddField(
            model_name="shift",
            name="cashier_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="cashier"),
        ),
    ]
