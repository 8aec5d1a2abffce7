"""A customer return's stock row points at the sale row it brings back (re-costing follows the sale).

Rows written before keep the fixed cost they were posted with: ledger rows are immutable, so
nothing is back-filled.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0009_document_type_choices'),
    ]

    operations = [
        migrations.AddField(
            model_name='stockledgerentry',
            name='return_of',
            field=models.ForeignKey(blank=True, db_index=False, help_text="The outgoing row whose goods this row brings back; its cost follows that row's cost.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='returned_by', to='inventory.stockledgerentry', verbose_name='returns'),
        ),
    ]
