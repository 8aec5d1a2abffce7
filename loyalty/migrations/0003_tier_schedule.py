"""The tier recalculation as a django-celery-beat row (hourly: each time zone's 1st is caught soon after its
midnight; a zone already done is skipped). Owners see and change it in the admin."""

from django.db import migrations

NAME = "Loyalty tiers: monthly recalculation (checked hourly)"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": "loyalty.tiers_recalculate", "crontab": schedule})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0002_customers_consent_tiers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
