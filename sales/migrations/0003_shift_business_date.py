"""A shift belongs to its shop's local day of opening (reports used the server's day of closing)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Shift = apps.get_model("sales", "Shift")
    for shift in Shift.objects.select_related("till__shop").iterator(chunk_size=2000):
        local = shift.opened_at.astimezone(shift.till.shop.time_zone).date()
        Shift.objects.filter(pk=shift.pk).update(business_date=local)


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_returns_gaps_zreport")]

    operations = [
        migrations.AddField(
            model_name="shift",
            name="business_date",
            field=models.DateField(null=True, verbose_name="date"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="shift",
            name="business_date",
            field=models.DateField(db_index=True, verbose_name="date"),
        ),
    ]
