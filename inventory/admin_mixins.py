"""Admin building blocks shared by every app's admin: shop scoping, documents, exports."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from reports.admin_export import ExcelExportMixin

from .exceptions import DomainError
from .models import Shop
from .selectors import shops_for_user, user_sees_all_shops


class ShopScopedAdminMixin:
    """Shows a shop manager only the data of their shops, everywhere in the admin.

    `shop_lookup` is the path from the model to its Shop ("shop", "till__shop"; "pk" for
    Shop itself). Lists, exports (they use the changelist queryset), change and history
    pages and Shop choices in forms are all filtered; another shop's object by URL is 404.
    """

    shop_lookup = "shop"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if user_sees_all_shops(request.user):
            return queryset
        return queryset.filter(**{f"{self.shop_lookup}__in": shops_for_user(user=request.user).values("pk")})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such object, or it belongs to a shop you do not manage."))
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, unquote(object_id))  # 404 for another shop's object
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, unquote(object_id))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Shop and not user_sees_all_shops(request.user):
            kwargs["queryset"] = shops_for_user(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BaseAdmin(ExcelExportMixin, admin.ModelAdmin):
    """The base of every ModelAdmin: Excel export of the list; big lists skip the full count."""

    show_full_result_count = False
    list_per_page = 100


class HistoryAdmin(ExcelExportMixin, SimpleHistoryAdmin):
    """BaseAdmin with the change history (who, when, what) of simple-history."""

    show_full_result_count = False
    list_per_page = 100


class ReadOnlyAdminMixin:
    """For ledgers and generated rows: view and export only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


DOCUMENT_AUDIT_FIELDS = (
    "number",
    "status",
    "created_by",
    "created_at",
    "posted_by",
    "posted_at",
    "cancelled_by",
    "cancelled_at",
)


class DocumentAdminMixin:
    """Drafts are editable; posted and cancelled documents are read-only.

    Post and Cancel are list actions and buttons on the document page; both call the
    services named by `post_service` / `cancel_service` (keyword arguments document_id,
    actor) and report every refusal with its reason.
    """

    post_service = None
    cancel_service = None
    change_form_template = "admin/document_change_form.html"
    date_hierarchy = "business_date"

    def get_readonly_fields(self, request, obj=None):
        # A posted document is shown read-only because has_change_permission() says no.
        audit = list(DOCUMENT_AUDIT_FIELDS)
        return [*super().get_readonly_fields(request, obj), *audit]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/post/", self.admin_site.admin_view(self.post_view), name="{}_{}_post".format(*info)),
            path(
                "<path:object_id>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="{}_{}_cancel".format(*info),
            ),
            *super().get_urls(),
        ]

    def _run(self, request, service, documents, done_message) -> int:
        done = 0
        for document in documents:
            try:
                service(document_id=document.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{document}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        return done

    def _can_post(self, request) -> bool:
        return self.post_service is not None and super().has_change_permission(request)

    def _single(self, request, object_id, service, done_message):
        if request.method != "POST" or not self._can_post(request):
            raise PermissionDenied
        document = self.get_object(request, object_id)
        self._run(request, service, [document], done_message)
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[document.pk])
        )

    def post_view(self, request, object_id):
        return self._single(request, object_id, type(self).post_service, _("Posted: %(count)d."))

    def cancel_view(self, request, object_id):
        return self._single(request, object_id, type(self).cancel_service, _("Cancelled: %(count)d."))

    @admin.action(description=gettext_lazy("Post selected documents"), permissions=["change"])
    def post_selected(self, request, queryset):
        self._run(request, type(self).post_service, queryset.order_by("pk"), _("Posted: %(count)d."))

    @admin.action(description=gettext_lazy("Cancel selected documents"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        self._run(request, type(self).cancel_service, queryset.order_by("pk"), _("Cancelled: %(count)d."))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["document_can_act"] = obj is not None and self._can_post(request)
        return super().render_change_form(request, context, add, change, form_url, obj)
