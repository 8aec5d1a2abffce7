"""The report centre: files of reports generated in the background, kept for download."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .storage import report_storage


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel")
    PDF = "pdf", _("PDF")


def new_token() -> str:
    """An unguessable id for download URLs (ids counted upwards leaked other users' reports)."""
    return secrets.token_urlsafe(24)


class ReportFile(models.Model):
    """One generated report: what was asked (report name and parameters), its progress and its file.

    Also an admin list export or an import run in the background (`report` names the job).
    Files live in private storage; `token` names the file in URLs; `shop_ids` are the shops
    whose data it holds (empty: chain-wide, only for users who see every shop).
    """

    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token, editable=False)
    request_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    report = models.CharField(_("report"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    filename = models.CharField(
        _("file name"), max_length=255, blank=True, help_text=_("The downloaded file's name, without the extension.")
    )
    language = models.CharField(_("language"), max_length=10, blank=True, help_text=_("Titles and headings in it."))
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", storage=report_storage, blank=True)
    source = models.FileField(
        _("uploaded file"), upload_to="imports/%Y/%m/", storage=report_storage, blank=True, max_length=255
    )
    error = models.TextField(_("error"), blank=True)
    shop_ids = models.JSONField(_("shops"), default=list, blank=True, help_text=_("Shops whose data it holds."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report centre")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title
