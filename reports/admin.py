"""The report centre: report files (list, download links) and the New report form.

Imports no domain app: report choices come from the registry, shops and product groups from
the shop scope the apps registered there (`reports.registry.scope()`). Its list gets the
"Excel" button like every other list (`accounts.apps` wires it).
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import registry
from .jobs import report_job_start
from .models import ReportFile, ReportFormat, ReportStatus


class NewReportForm(forms.Form):
    """What a report needs: the page shows only the fields of the chosen report (`fields` of its definition)."""

    report = forms.ChoiceField(label=_("Report"), choices=registry.centre_choices)
    format = forms.ChoiceField(label=_("Format"), choices=ReportFormat.choices)
    shop = forms.ModelChoiceField(
        label=_("Shop"),
        queryset=None,  # the user's shops, set by the view
        required=False,
        empty_label=_("All shops"),
    )
    group = forms.TypedChoiceField(label=_("Product group"), choices=(), coerce=int, required=False, empty_value=None)
    day = forms.DateField(
        label=_("At the end of the day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: now."),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def field_map(self) -> dict[str, list[str]]:
        """Report name -> the form fields it uses (the page's script shows only those)."""
        return {name: ["report", "format", *registry.get(name).fields] for name, _label in registry.centre_choices()}

    def clean(self):
        data = super().clean()
        definition = registry.get(data["report"]) if data.get("report") else None
        if definition:
            for name in ("shop", "group", "day", "date_from", "date_to"):
                if name not in definition.fields:
                    data[name] = None  # hidden on the page: whatever the browser kept is not asked for
        if definition and definition.needs_shop and not data.get("shop"):
            self.add_error("shop", _("This report is for one shop."))
        if definition and definition.needs_period:
            if not data.get("date_from") or not data.get("date_to"):
                self.add_error("date_from", _("Give the period."))
            elif data["date_from"] > data["date_to"]:
                self.add_error("date_to", _("The period ends before it starts."))
            elif (data["date_to"] - data["date_from"]).days + 1 > settings.REPORT_MAX_PERIOD_DAYS:
                self.add_error(
                    "date_to",
                    _("A report covers at most %(days)d days; make the period shorter.")
                    % {"days": settings.REPORT_MAX_PERIOD_DAYS},
                )
        return data


class ReportNameFilter(admin.SimpleListFilter):
    """Reports by their names in the reader's language, not their keys."""

    title = _("report")
    parameter_name = "report"

    def lookups(self, request, model_admin):
        present = set(model_admin.get_queryset(request).order_by().values_list("report", flat=True).distinct())
        return sorted(
            ((name, str(d.label)) for name, d in registry.REPORTS.items() if name in present), key=lambda c: c[1]
        )

    def queryset(self, request, queryset):
        return queryset.filter(report=self.value()) if self.value() else queryset


@admin.register(ReportFile)
class ReportFileAdmin(admin.ModelAdmin):
    list_display = ["title", "download", "status", "progress", "format", "created_at", "created_by", "rows", "error"]
    list_display_links = ["title"]
    list_filter = ["status", "format", ReportNameFilter]
    list_select_related = ["created_by"]
    readonly_fields = [
        "report",
        "title",
        "format",
        "params",
        "status",
        "progress",
        "rows",
        "error",
        "created_by",
        "created_at",
        "finished_at",
        "download",
    ]
    exclude = ["file", "source", "shop_ids"]
    change_list_template = "admin/reports/reportfile/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if registry.scope().user_sees_all_shops(request.user):
            return queryset
        return queryset.filter(created_by=request.user)

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.status != ReportStatus.DONE or not obj.file:
            return "—"
        return format_html(
            '<a class="button" href="{}">{} ({})</a>',
            reverse("reports:download", args=[obj.token]),
            _("Download"),
            obj.get_format_display(),
        )

    def changelist_view(self, request, extra_context=None):
        # While a job of this user's runs, the page reloads itself to show its progress.
        running = self.get_queryset(request).filter(status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]).exists()
        return super().changelist_view(request, {**(extra_context or {}), "jobs_running": running})

    def get_urls(self):
        return [
            path("new/", self.admin_site.admin_view(self.new_view), name="reports_reportfile_new"),
            *super().get_urls(),
        ]

    def new_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = NewReportForm(request.POST or None)
        scope = registry.scope()
        form.fields["shop"].queryset = scope.shops_for_user(request.user)
        form.fields["group"].choices = [("", _("All groups")), *scope.product_group_choices()]
        if not scope.user_sees_all_shops(request.user):
            form.fields["shop"].required = True
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            params = {
                "shop_id": data["shop"].pk if data.get("shop") else None,
                "group_id": data.get("group") or None,
                "day": data["day"].isoformat() if data.get("day") else None,
                "date_from": data["date_from"].isoformat() if data.get("date_from") else None,
                "date_to": data["date_to"].isoformat() if data.get("date_to") else None,
            }
            job = report_job_start(
                report=data["report"],
                fmt=data["format"],
                params=params,
                user=request.user,
                shop_ids=[data["shop"].pk] if data.get("shop") else None,
            )
            self.message_user(
                request, _("The report “%(title)s” is being prepared; it will be listed here.") % {"title": job.title}
            )
            return HttpResponseRedirect(reverse("admin:reports_reportfile_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("New report"),
            "form": form,
            "field_map": form.field_map(),
        }
        return render(request, "admin/reports/reportfile/new.html", context)
