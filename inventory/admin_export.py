"""'Export to Excel' for every admin changelist, with the filters, search and ordering set.

A face-level helper shared by every app's admin (the engine does not depend on it): it uses
the report engine's xlsx renderer and job runner, Django's admin and inventory's shop scope.
`accounts.apps` adds it to every registered ModelAdmin (ours and libraries') once the admin
has loaded them all. Lists longer than EXPORT_BACKGROUND_ROWS are written by a
background job (listed in the report centre), streaming in bounded memory; the job rebuilds
the changelist from the stored query string as the requesting user, so filters and shop
scoping are the same as on the page.
"""

import io

from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.files import content_disposition, download_name
from reports.jobs import report_job_start
from reports.registry import ReportData, register
from reports.xlsx import XLSX_CONTENT_TYPE, Column, write_table

from .selectors import shops_for_user, user_sees_all_shops

SKIPPED_FIELDS = {"action_checkbox"}
EXPORT_REPORT = "admin_export"


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

    def get_export_columns(self, request, fields) -> list[Column]:
        return [Column(label=capfirst(strip_tags(str(label_for_field(name, self.model, self))))) for name in fields]

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
        if changelist.result_count > settings.EXPORT_BACKGROUND_ROWS:
            return self._export_in_background(request, changelist.result_count)
        queryset = changelist.get_queryset(request)
        fields = self.get_export_fields(request)
        buffer = io.BytesIO()
        write_table(
            buffer,
            columns=self.get_export_columns(request, fields),
            rows=self.export_rows(request, queryset, fields),
            sheet_title=str(self.opts.verbose_name_plural),
            total_label=_("Total"),
        )
        filename = download_name(
            f"{capfirst(str(self.opts.verbose_name_plural))} {formats.date_format(timezone.localdate(), 'SHORT_DATE_FORMAT')}",
            "xlsx",
        )
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition(filename)
        return response

    def _export_in_background(self, request, count: int):
        user = request.user
        # The file holds what the user sees: their shops (none listed: every shop, chain-wide).
        shop_ids = [] if user_sees_all_shops(user) else list(shops_for_user(user=user).values_list("pk", flat=True))
        params = {
            "app_label": self.opts.app_label,
            "model_name": self.opts.model_name,
            "path": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
            "query": request.GET.urlencode(),
            "shop_ids": shop_ids,
        }
        title = _("%(list)s (list export)") % {"list": str(self.opts.verbose_name_plural).capitalize()}
        report_job_start(report=EXPORT_REPORT, fmt="xlsx", params=params, user=user, shop_ids=shop_ids, title=title)
        self.message_user(
            request,
            _("The list has %(count)s rows: it is being exported in the background and will be listed here.")
            % {"count": f"{count:,}"},
            messages.INFO,
        )
        return HttpResponseRedirect(reverse("admin:reports_reportfile_changelist"))


def _export_title(opts) -> str:
    return _("%(list)s (list export)") % {"list": str(opts.verbose_name_plural).capitalize()}


def _changelist_request(user, path: str, query: str) -> HttpRequest:
    """A GET request for the changelist as `user` made it: the admin rebuilds the same list from it."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.GET = QueryDict(query)
    request.META = {"SERVER_NAME": "localhost", "SERVER_PORT": "80", "QUERY_STRING": query}
    request.user = user
    return request


@register(EXPORT_REPORT, gettext_lazy("List export"), formats=("xlsx",), takes_job=True)
def admin_list_export(params: dict, *, job) -> ReportData:
    """An admin list, as its requester filtered it, written in the background (long lists)."""
    model = apps.get_model(params["app_label"], params["model_name"])
    model_admin = admin.site._registry[model]
    user = job.created_by
    if user is None or not user.is_active:
        raise PermissionDenied("The user who asked for the export is gone.")
    request = _changelist_request(user, params["path"], params["query"])
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied("The user may no longer see this list.")
    changelist = model_admin.get_changelist_instance(request)
    queryset = changelist.get_queryset(request)
    fields = model_admin.get_export_fields(request)
    return ReportData(
        title=_export_title(model._meta),
        columns=model_admin.get_export_columns(request, fields),
        rows=model_admin.export_rows(request, queryset, fields),
        total_rows=changelist.result_count,
        shop_ids=params.get("shop_ids") or [],
        plain=True,
    )


def excel_export_everywhere(site: admin.AdminSite) -> None:
    """Give every ModelAdmin registered on `site` the Excel export (idempotent)."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ExcelExportMixin):
            continue
        admin_class = type(model_admin)
        site.unregister(model)
        site.register(model, type(f"Excel{admin_class.__name__}", (ExcelExportMixin, admin_class), {}))
