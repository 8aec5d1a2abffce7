"""The chain's admin site: the libraries' technical models under one "System" section, for superusers only.

Celery's stored task and group results and the clocked and solar schedules are plumbing: an owner
has nothing to decide there. Owners keep the periodic tasks with their crontabs and intervals (the
schedules of the nightly jobs they may move). `INSTALLED_APPS` names `ChainAdminConfig` in place
of `django.contrib.admin`, so `admin.site` is this site everywhere.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

# (app_label, model_name) of the models shown only to superusers, under "System".
SYSTEM_MODELS = frozenset(
    {
        ("django_celery_results", "taskresult"),
        ("django_celery_results", "groupresult"),
        ("django_celery_beat", "clockedschedule"),
        ("django_celery_beat", "solarschedule"),
    }
)
SYSTEM_LABEL = "system"


def is_system_model(model) -> bool:
    return (model._meta.app_label, model._meta.model_name) in SYSTEM_MODELS


class SuperuserOnlyAdminMixin:
    """Nobody but a superuser sees or changes these, whatever their role's permissions say."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_delete_permission(request, obj)


class ChainAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else list(model_or_iterable)
        for model in models:
            base = admin_class or admin.ModelAdmin
            if is_system_model(model) and not issubclass(base, SuperuserOnlyAdminMixin):
                base = type(base.__name__, (SuperuserOnlyAdminMixin, base), {"__module__": base.__module__})
            super().register(model, base, **options)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        system = []
        for app in apps:
            system += [m for m in app["models"] if is_system_model(m["model"])]
            app["models"] = [m for m in app["models"] if not is_system_model(m["model"])]
        apps = [app for app in apps if app["models"]]
        if system:
            apps.append(
                {
                    "name": _("System"),
                    "app_label": SYSTEM_LABEL,
                    "app_url": reverse("admin:system_index", current_app=self.name),
                    "has_module_perms": True,
                    "models": sorted(system, key=lambda m: str(m["name"])),
                }
            )
        return apps

    def get_urls(self):
        return [path("system/", self.admin_view(self.system_index), name="system_index"), *super().get_urls()]

    def system_index(self, request):
        app_list = [app for app in self.get_app_list(request) if app["app_label"] == SYSTEM_LABEL]
        if not app_list:
            raise PermissionDenied
        context = {
            **self.each_context(request),
            "title": _("System"),
            "subtitle": None,
            "app_list": app_list,
            "app_label": SYSTEM_LABEL,
        }
        return TemplateResponse(request, "admin/app_index.html", context)


class ChainAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.ChainAdminSite"
