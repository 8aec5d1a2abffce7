"""Users and groups in the admin (with the shops a user manages), and API tokens: issue (the
secret is shown once) and revoke.

Everyone with the add permission issues and revokes their own tokens; an owner (the
`manage_all_apitokens` permission) those of every staff user.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import Shop

from .models import ApiToken
from .services import api_token_issue, api_token_revoke

MANAGE_ALL = "accounts.manage_all_apitokens"


class ManagedShopInline(admin.TabularInline):
    model = Shop.managers.through
    autocomplete_fields = ["shop"]
    extra = 1
    verbose_name = gettext_lazy("managed shop")
    verbose_name_plural = gettext_lazy("managed shops (for the Shop manager role)")


class ChainUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, ManagedShopInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), ChainUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, GroupAdmin)


class IssueTokenForm(forms.Form):
    name = forms.CharField(
        label=capfirst(gettext_lazy("name")),
        max_length=100,
        validators=ApiToken._meta.get_field("name").validators,
        help_text=ApiToken._meta.get_field("name").help_text,
    )
    user = forms.ModelChoiceField(
        label=capfirst(gettext_lazy("user")),
        queryset=get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username"),
        help_text=gettext_lazy("The token acts as this user, with their permissions and shops."),
    )

    def __init__(self, *args, may_choose_user: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_choose_user:
            del self.fields["user"]


class StateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("revoked", _("revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [StateFilter]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name", "user", "prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_by"]
    readonly_fields = fields
    actions = ["revoke"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user", "created_by", "revoked_by")
        if request.user.has_perm(MANAGE_ALL):
            return queryset
        return queryset.filter(user=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay listed: who had access, and until when

    def add_view(self, request, form_url="", extra_context=None):
        """Issue a token: a name (and, for an owner, the user); the next page shows the secret once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        may_choose_user = request.user.has_perm(MANAGE_ALL)
        form = IssueTokenForm(request.POST or None, may_choose_user=may_choose_user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Issue an API token"),
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            user = form.cleaned_data["user"] if may_choose_user else request.user
            token, secret = api_token_issue(user=user, name=form.cleaned_data["name"], actor=request.user)
            self.log_addition(request, token, [{"added": {}}])
            response = render(
                request,
                "admin/accounts/apitoken/issued.html",
                {**context, "title": _("API token issued"), "token": token, "secret": secret},
            )
            add_never_cache_headers(response)  # the secret must not stay in a cache
            return response
        return render(request, "admin/accounts/apitoken/issue.html", context)

    @admin.action(description=gettext_lazy("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = sum(api_token_revoke(token=token, actor=request.user) for token in queryset)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": revoked}, messages.SUCCESS)
