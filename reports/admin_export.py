"""'Export to Excel' for every admin changelist, with the filters, search and ordering set.

A face-level helper: it imports the xlsx renderer and Django's admin, no domain app.
"""

import io

from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from .xlsx import XLSX_CONTENT_TYPE, Column, write_table

SKIPPED_FIELDS = {"action_checkbox"}


class ExcelExportMixin:
    """Adds an "Excel" button to a changelist that downloads exactly the rows shown.

    Columns are `export_fields` or else the list display; rows come from the changelist's
    own queryset, so filters, search, ordering and shop scoping all apply.
    """

    export_fields: list[str] | None = None
    export_chunk_size = 2000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.export_base_template = self.change_list_template or "admin/change_list.html"
        self.change_list_template = "admin/export_change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "export-xlsx/",
                self.admin_site.admin_view(self.export_xlsx_view),
                name="{}_{}_export_xlsx".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "export_base_template": self.export_base_template}
        return super().changelist_view(request, extra_context=extra_context)

    def get_export_fields(self, request) -> list:
        fields = self.export_fields or self.get_list_display(request)
        return [f for f in fields if f not in SKIPPED_FIELDS]

    def export_value(self, name, obj):
        field, attr, value = lookup_field(name, obj, self)
        if field is not None:
            if field.choices and not isinstance(field, models.BooleanField):
                return dict(field.flatchoices).get(value, value)
            if isinstance(field, (models.ForeignKey, models.OneToOneField)) or (
                value is not None and not isinstance(value, (str, int, bool, float)) and field.is_relation
            ):
                return str(value) if value is not None else None
        if isinstance(value, str):
            return strip_tags(value)
        if isinstance(value, models.Model):
            return str(value)
        return value

    def export_rows(self, request, queryset, fields):
        for obj in queryset.iterator(chunk_size=self.export_chunk_size):
            yield [self.export_value(name, obj) for name in fields]

    def export_xlsx_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        fields = self.get_export_fields(request)
        columns = [Column(label=strip_tags(str(label_for_field(name, self.model, self)))) for name in fields]
        rows = (
            [self.export_value(name, obj) for name in fields]
            for obj in queryset.iterator(chunk_size=self.export_chunk_size)
        )
        buffer = io.BytesIO()
        write_table(buffer, columns=columns, rows=rows, sheet_title=str(self.opts.verbose_name_plural))
        filename = f"{slugify(str(self.opts.verbose_name_plural), allow_unicode=False) or self.opts.model_name}-{timezone.localdate():%Y-%m-%d}.xlsx"
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
