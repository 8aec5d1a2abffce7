"""The nightly jobs, as django-celery-beat rows: owners see and change them in the admin."""

from django.db import migrations

JOBS = [
    ("Nightly ledger check", "inventory.ledgers_check", "30", "2"),
    ("Re-cost queued stock (safety net)", "inventory.stock_recost_pending", "0", "3"),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in JOBS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*"
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": schedule})


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0005_balance_last_date"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
