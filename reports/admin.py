"""Admin wiring that spans the project: Excel export on every changelist, users' shops.

This module is loaded last (reports is the last app), so every ModelAdmin registered
by then, ours or a library's (users, groups, the Celery schedule), gets the Excel button.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _

from inventory.models import Shop

from .admin_export import ExcelExportMixin


class ManagedShopInline(admin.TabularInline):
    model = Shop.managers.through
    autocomplete_fields = ["shop"]
    extra = 1
    verbose_name = _("managed shop")
    verbose_name_plural = _("managed shops (for the Shop manager role)")


class ChainUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, ManagedShopInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]


admin.site.unregister(User)
admin.site.register(User, ChainUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


def _add_excel_export_everywhere(site: admin.AdminSite) -> None:
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ExcelExportMixin):
            continue
        admin_class = type(model_admin)
        site.unregister(model)
        site.register(model, type(f"Excel{admin_class.__name__}", (ExcelExportMixin, admin_class), {}))


_add_excel_export_everywhere(admin.site)
