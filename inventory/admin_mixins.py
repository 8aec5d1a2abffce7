"""Admin building blocks shared by every app's admin: shop scoping, documents, exports."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from .admin_export import ExcelExportMixin
from .exceptions import DomainError
from .models import Shop
from .scoping import shop_fields, shops_for_user, user_may_see_shops, visible_to
from .selectors import product_ids_matching_code
from .services.common import ensure_period_open
from .text import ControlCharacterValidator


class ShopScopedAdminMixin:
    """Shows a shop manager only the data of their shops, everywhere in the admin.

    The shops of a row are those its model declares (`SHOP_FIELDS`, see inventory/scoping.py):
    a row is listed when any of them is the user's. Lists, exports (they use the changelist
    queryset), change and history pages are all filtered; another shop's object by URL is 404.
    Shop choices in forms offer the user's shops, except fields named in `any_shop_fields`
    (a transfer's destination: any shop may receive).
    """

    any_shop_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "shop_lookup" in cls.__dict__:  # the admin-side lookup this declaration replaced
            raise ImproperlyConfigured(
                f"{cls.__name__}.shop_lookup: declare SHOP_FIELDS on the model instead (inventory/scoping.py)."
            )

    def get_queryset(self, request):
        return visible_to(super().get_queryset(request), request.user)

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
        if db_field.name in self.any_shop_fields:
            kwargs.setdefault("queryset", Shop.objects.trading().order_by("code"))
        elif db_field.related_model is Shop:
            kwargs["queryset"] = shops_for_user(user=request.user).trading().order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ShopListFilter(admin.RelatedFieldListFilter):
    """Every list's filter by a shop ("shop", "till__shop", "to_shop"...): the shops the user may see,
    by code, and never the transit pseudo-shop (goods in transit are a transfer's state, not a shop).

    Registered for every relation to Shop (below), so a list filter written as a field name gets it.
    """

    def field_choices(self, field, request, model_admin):
        return [(shop.pk, str(shop)) for shop in shops_for_user(user=request.user).trading().order_by("code")]


admin.FieldListFilter.register(
    lambda field: field.is_relation and field.related_model is Shop, ShopListFilter, take_priority=True
)


def formfield_refuse_control_characters(formfield):
    """A form's text field refuses control characters; a text area keeps tab and line breaks."""
    if isinstance(formfield, forms.CharField) and not isinstance(formfield, forms.JSONField):
        validator = ControlCharacterValidator(multiline=isinstance(formfield.widget, forms.Textarea))
        if validator not in formfield.validators:
            formfield.validators.append(validator)
    return formfield


class ControlCharactersAdminMixin:
    """Every text field of the admin's forms (and its inlines' forms) refuses control characters."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return formfield_refuse_control_characters(super().formfield_for_dbfield(db_field, request, **kwargs))

    # Fields a form declares itself (a library's admin form) are not built by formfield_for_dbfield.
    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for field in form.base_fields.values():
            formfield_refuse_control_characters(field)
        return form

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for field in formset.form.base_fields.values():
            formfield_refuse_control_characters(field)
        return formset


def _guarded(admin_class):
    if issubclass(admin_class, ControlCharactersAdminMixin):
        return admin_class
    attrs = {}
    if getattr(admin_class, "inlines", None):
        attrs["inlines"] = [_guarded(inline) for inline in admin_class.inlines]
    attrs["__module__"] = admin_class.__module__
    return type(admin_class.__name__, (ControlCharactersAdminMixin, admin_class), attrs)


def refuse_control_characters_everywhere(site: admin.AdminSite) -> None:
    """Called once every admin is registered (ours and the libraries'): all of them, and their inlines."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ControlCharactersAdminMixin):
            continue
        site.unregister(model)
        site.register(model, _guarded(type(model_admin)))


class ProductCodeSearchMixin:
    """The list's search also takes a barcode or a scale barcode and finds its product's rows."""

    product_code_lookup = "product_id"  # "pk" on the product list itself

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        ids = product_ids_matching_code(search_term) if search_term else []
        if ids:
            results = results | queryset.filter(**{f"{self.product_code_lookup}__in": ids})
        return results, may_have_duplicates


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


MAX_INLINE_LINES = 300


class DocumentAction:
    """A button on a document's page (and a list action): runs one service on one document.

    `shops(document)` names the shops whose people may run it (by default every shop the
    document touches); a transfer's Ship and Cancel belong to the sender, Receive to the receiver.
    """

    def __init__(self, name, label, service, *, when=("draft",), confirm=None, extra=None, shops=None):
        self.name, self.label, self.service, self.when, self.confirm, self.extra = (
            name,
            label,
            service,
            when,
            confirm,
            extra,
        )
        # Documents of no shop (a zone's price change) are guarded by the permission alone.
        self.shops = shops or (lambda document: document.shop_ids() if hasattr(document, "shop_ids") else None)

    def available(self, document) -> bool:
        return document.status in self.when and (self.extra is None or self.extra(document))

    def allowed(self, user, document) -> bool:
        shops = self.shops(document)
        return shops is None or user_may_see_shops(user, shops)


class DocumentAdminMixin:
    """Drafts are editable; posted and cancelled documents are read-only.

    Buttons on the document page and list actions come from `get_document_actions()`
    (by default Post and Cancel from `post_service` / `cancel_service`, keyword arguments
    document_id and actor); every refusal is reported with its reason. Documents with more
    than MAX_INLINE_LINES lines show a link to their lines on a paged list
    (`lines_changelist`, an admin URL name) instead of an inline.
    """

    post_service = None
    cancel_service = None
    lines_changelist: str | None = None
    change_form_template = "admin/document_change_form.html"
    date_hierarchy = "business_date"
    actions = ["post_selected", "cancel_selected"]

    def get_document_actions(self) -> list[DocumentAction]:
        result = []
        if self.post_service:
            result.append(DocumentAction("post", gettext_lazy("Post"), type(self).post_service))
        if self.cancel_service:
            result.append(
                DocumentAction(
                    "cancel",
                    gettext_lazy("Cancel document"),
                    type(self).cancel_service,
                    when=("posted",),
                    confirm=gettext_lazy("Cancel this document? Its effect will be reversed."),
                )
            )
        return result

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_count=Count("lines", distinct=True))

    @admin.display(description=gettext_lazy("lines"), ordering="line_count")
    def line_count(self, obj):
        return obj.line_count

    def _big(self, obj) -> bool:
        return (
            obj is not None and self.lines_changelist is not None and getattr(obj, "line_count", 0) > MAX_INLINE_LINES
        )

    def get_inlines(self, request, obj):
        return [] if self._big(obj) else super().get_inlines(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [*fields, "lines_link"] if self._big(obj) else [f for f in fields if f != "lines_link"]

    def get_readonly_fields(self, request, obj=None):
        # A posted document is shown read-only because has_change_permission() says no.
        return [*super().get_readonly_fields(request, obj), *DOCUMENT_AUDIT_FIELDS, "lines_link"]

    @admin.display(description=gettext_lazy("lines"))
    def lines_link(self, obj):
        url = reverse(self.lines_changelist) + f"?document__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("%(count)d lines: open the list") % {"count": obj.line_count})

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not hasattr(self.model, "shop_ids"):
            return form

        class PeriodCheckedForm(form):
            """A draft dated (or moved) into a closed period cannot be saved."""

            def clean(self):
                data = super().clean()
                # Every shop the document declares (SHOP_FIELDS), as edited or as saved.
                shop_ids = [
                    (data.get(name).pk if data.get(name) else getattr(self.instance, f"{name}_id", None))
                    for name in shop_fields(type(self.instance))
                ]
                # The date it has and the date it would get: neither may be in a closed period.
                dates = {data.get("business_date"), self.instance.business_date if self.instance.pk else None}
                for day in dates - {None}:
                    try:
                        ensure_period_open(shop_ids=[s for s in shop_ids if s], business_date=day)
                    except DomainError as exc:
                        raise ValidationError(exc.message) from None
                return data

        return PeriodCheckedForm

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/do/<str:action>/",
                self.admin_site.admin_view(self.document_action_view),
                name="{}_{}_do".format(*info),
            ),
            *super().get_urls(),
        ]

    def _run(self, request, action: DocumentAction, documents) -> int:
        done = 0
        for document in documents:
            if not action.allowed(request.user, document):
                self.message_user(
                    request,
                    _("%(doc)s: %(action)s is for the people of %(shops)s.")
                    % {"doc": document, "action": action.label, "shops": ", ".join(self._shop_names(action, document))},
                    messages.ERROR,
                )
                continue
            try:
                action.service(document_id=document.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{document}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request, _("%(action)s: %(count)d.") % {"action": action.label, "count": done}, messages.SUCCESS
            )
        return done

    @staticmethod
    def _shop_names(action, document) -> list[str]:
        return [str(shop) for shop in Shop.objects.filter(pk__in=action.shops(document)).order_by("code")]

    def _may_act(self, request) -> bool:
        return super().has_change_permission(request)

    def document_action_view(self, request, object_id, action):
        actions = {a.name: a for a in self.get_document_actions()}
        if request.method != "POST" or action not in actions or not self._may_act(request):
            raise PermissionDenied
        document = self.get_object(request, object_id)
        self._run(request, actions[action], [document])
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[document.pk])
        )

    def _list_action(self, request, queryset, name):
        action = {a.name: a for a in self.get_document_actions()}.get(name)
        if action is not None:
            self._run(request, action, queryset.order_by("pk"))

    @admin.action(description=gettext_lazy("Post selected documents"), permissions=["change"])
    def post_selected(self, request, queryset):
        self._list_action(request, queryset, "post")

    @admin.action(description=gettext_lazy("Cancel selected documents"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        self._list_action(request, queryset, "cancel")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        buttons = []
        if obj is not None and self._may_act(request):
            info = self.opts.app_label, self.opts.model_name
            for action in self.get_document_actions():
                if action.available(obj) and action.allowed(request.user, obj):
                    url = reverse("admin:{}_{}_do".format(*info), args=[obj.pk, action.name])
                    buttons.append({"url": url, "label": action.label, "confirm": action.confirm or ""})
        context["document_buttons"] = buttons
        context["document_links"] = self.get_document_links(request, obj) if obj is not None else []
        context["document_printouts"] = self.get_document_printouts(request, obj) if obj is not None else []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_document_links(self, request, obj) -> list[tuple[str, str]]:
        """(label, url) of related lists shown on the document's page (plain links)."""
        return []

    def get_document_printouts(self, request, obj) -> list[tuple[str, str]]:
        """(label, url) of printouts: small POST forms (a printout starts a job, so never a GET link)."""
        return []
