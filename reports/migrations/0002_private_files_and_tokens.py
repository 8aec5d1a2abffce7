"""Report files get an unguessable token, a request key (one running job per identical request),
an uploaded source file (background imports), and move to private storage."""

import os
import secrets
import shutil

from django.conf import settings
from django.db import migrations, models

import reports.models
import reports.storage


def fill_tokens(apps, schema_editor):
    ReportFile = apps.get_model("reports", "ReportFile")
    for job in ReportFile.objects.filter(token__isnull=True).only("pk"):
        ReportFile.objects.filter(pk=job.pk).update(token=secrets.token_urlsafe(24))


def move_files_to_private_storage(apps, schema_editor):
    """Files made before this migration sat under MEDIA_ROOT/reports (served in DEBUG): move them.

    Not while building a test database: the developer's files are not the tests' business
    (and two test processes would race for them).
    """
    if getattr(settings, "TESTING", False):
        return
    old = os.path.join(settings.MEDIA_ROOT, "reports")
    if not os.path.isdir(old):
        return
    for directory, _dirs, files in os.walk(old):
        for name in files:
            source = os.path.join(directory, name)
            target = os.path.join(settings.PRIVATE_MEDIA_ROOT, os.path.relpath(source, settings.MEDIA_ROOT))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                shutil.move(source, target)
            except FileNotFoundError:  # moved meanwhile by another process
                continue
    shutil.rmtree(old, ignore_errors=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportfile",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True, verbose_name="token"),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reportfile",
            name="token",
            field=models.CharField(
                default=reports.models.new_token, editable=False, max_length=64, unique=True, verbose_name="token"
            ),
        ),
        migrations.AddField(
            model_name="reportfile",
            name="request_key",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="reportfile",
            name="source",
            field=models.FileField(
                blank=True,
                max_length=255,
                storage=reports.storage.report_storage,
                upload_to="imports/%Y/%m/",
                verbose_name="uploaded file",
            ),
        ),
        migrations.AlterField(
            model_name="reportfile",
            name="file",
            field=models.FileField(
                blank=True, storage=reports.storage.report_storage, upload_to="reports/%Y/%m/", verbose_name="file"
            ),
        ),
        migrations.RunPython(move_files_to_private_storage, migrations.RunPython.noop),
    ]
