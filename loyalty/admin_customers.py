"""Admin of customers, accounts, cards, tiers, consent and the SMS log.

Shop managers see the customers registered in their shops (and their accounts, cards, consents
and SMS); every list exports to Excel. Search a customer by phone (any form), card number or name:
a phone or a card number is an exact, indexed match. Cards are generated in batches from the card
list's "Generate cards" page, blocked and replaced by an action. Tier recalculations are listed with
their moves ("312 accounts Silver -> Gold"); a dry run for a month is a button; moves export to Excel.
"""

import contextlib
import datetime
import io
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_mixins import BaseAdmin, ReadOnlyAdminMixin, ShopScopedAdminMixin
from inventory.exceptions import DomainError
from inventory.money import format_money
from reports.files import content_disposition, download_name
from reports.xlsx import XLSX_CONTENT_TYPE, Column, write_table

from .choices import CardStatus
from .models import (
    Card,
    ConsentRecord,
    ConsentText,
    Customer,
    LoyaltyAccount,
    SmsMessage,
    Tier,
    TierChange,
    TierPolicy,
    TierRun,
)
from .services.cards import MAX_BATCH, card_block, card_pool_generate, card_replace
from .services.customers import consent_withdraw
from .services.sms import PhoneInvalid, phone_normalise, sms_retry
from .services.tiers import tier_run_moves, tier_set_by_hand, tiers_dry_run, tiers_seed_defaults

MAX_MOVES_EXPORT = 300_000


def _shown(value, zone=None):
    """A cell as people read it: times in the shop's zone, dates and money in the user's language."""
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value, zone), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return format_money(value)
    return value


def _table(headers, rows, zone=None):
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((_shown(c, zone),) for c in r)),) for r in rows)
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body) if rows else "—"


def _zone(account):
    return account.home_shop.time_zone if account.home_shop_id else None


def _card_rows(account):
    cards = account.cards.select_related("replaced_by").order_by("-issued_at", "-pk")
    return _table(
        [_("number"), _("kind"), _("status"), _("issued at"), _("blocked at"), _("replaced by")],
        [
            (
                c.number,
                c.get_kind_display(),
                c.get_status_display(),
                c.issued_at or "—",
                c.blocked_at or "—",
                c.replaced_by.number if c.replaced_by else "—",
            )
            for c in cards
        ],
        _zone(account),
    )


def _tier_rows(account):
    changes = TierChange.objects.filter(account=account).select_related("from_tier", "to_tier", "changed_by")[:50]
    return _table(
        [_("changed at"), _("from"), _("to"), _("reason"), _("purchases"), _("until"), _("by"), _("comment")],
        [
            (
                c.changed_at,
                c.from_tier or "—",
                c.to_tier or "—",
                c.get_reason_display(),
                c.purchases_amount if c.purchases_amount is not None else "—",
                c.fixed_until or "—",
                c.changed_by or "—",
                c.comment,
            )
            for c in changes
        ],
        _zone(account),
    )


def _purchase_rows(account):
    return _table(
        [_("date"), _("shop"), _("amount"), _("receipt ID")],
        [
            (p.business_date, p.shop, p.amount, p.receipt_id)
            for p in account.purchases.select_related("shop").order_by("-business_date", "-pk")[:30]
        ],
    )


class SearchByPhoneOrCardMixin:
    """A phone (any form) or a card number is an exact match on its unique index; anything else a name."""

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        if term.isdigit() and len(term) == 13:
            return queryset.filter(**{self.card_lookup: term}), False
        try:
            return queryset.filter(**{self.phone_lookup: phone_normalise(term)}), False
        except PhoneInvalid:
            return queryset.filter(**{self.name_lookup: term}), False


@admin.register(Customer)
class CustomerAdmin(SearchByPhoneOrCardMixin, ShopScopedAdminMixin, BaseAdmin):
    card_lookup, phone_lookup, name_lookup = "account__cards__number", "phone", "name__icontains"
    list_display = ["phone", "name", "tier", "registration_shop", "channel", "status", "created_at"]
    list_display_links = ["phone", "name"]
    list_filter = ["status", "channel", "registration_shop", "language", "account__tier"]
    list_select_related = ["registration_shop", "account__tier"]
    search_fields = ["phone"]  # see get_search_results
    search_help_text = gettext_lazy("A phone (any form), a card number, or a name.")
    date_hierarchy = "created_at"
    fields = [
        "phone",
        "name",
        "birthday",
        "email",
        "language",
        "status",
        "registration_shop",
        "registration_till_id",
        "channel",
        "created_at",
        "account_link",
        "tier",
        "cards",
        "tier_history",
        "purchases",
        "consents",
    ]
    readonly_fields = [
        "phone",
        "status",
        "registration_shop",
        "registration_till_id",
        "channel",
        "created_at",
        "account_link",
        "tier",
        "cards",
        "tier_history",
        "purchases",
        "consents",
    ]
    actions = ["withdraw_consent"]

    def has_add_permission(self, request):
        return False  # customers register at a till or in the app, with an SMS code

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw consent instead: the account and its history stay

    @admin.display(description=gettext_lazy("tier"), ordering="account__tier__rank")
    def tier(self, obj):
        account = getattr(obj, "account", None)
        return account.tier if account and account.tier else "—"

    @admin.display(description=gettext_lazy("account"))
    def account_link(self, obj):
        account = getattr(obj, "account", None)
        if account is None:
            return "—"
        url = reverse("admin:loyalty_loyaltyaccount_change", args=[account.pk])
        return format_html('<a href="{}">{}</a>', url, account)

    @admin.display(description=gettext_lazy("cards"))
    def cards(self, obj):
        account = getattr(obj, "account", None)
        return _card_rows(account) if account else "—"

    @admin.display(description=gettext_lazy("tier history"))
    def tier_history(self, obj):
        account = getattr(obj, "account", None)
        return _tier_rows(account) if account else "—"

    @admin.display(description=gettext_lazy("purchases (last 30)"))
    def purchases(self, obj):
        account = getattr(obj, "account", None)
        return _purchase_rows(account) if account else "—"

    @admin.display(description=gettext_lazy("consents"))
    def consents(self, obj):
        return _table(
            [_("text version"), _("given at"), _("channel"), _("shop"), _("till ID"), _("withdrawn at")],
            [
                (c.version, c.given_at, c.get_channel_display(), c.shop or "—", c.till_id or "—", c.withdrawn_at or "—")
                for c in obj.consents.select_related("shop")
            ],
            obj.registration_shop.time_zone if obj.registration_shop_id else None,
        )

    @admin.action(
        description=gettext_lazy("Withdraw consent: anonymise (the account and its history stay)"),
        permissions=["change"],
    )
    def withdraw_consent(self, request, queryset):
        done = 0
        for customer_id in queryset.values_list("pk", flat=True)[:500]:
            consent_withdraw(customer_id=customer_id)
            done += 1
        self.message_user(request, _("%(count)s customers anonymised.") % {"count": done}, messages.SUCCESS)


class AccountForm(forms.ModelForm):
    tier_comment = forms.CharField(label=gettext_lazy("why the tier is set by hand"), max_length=200, required=False)

    class Meta:
        model = LoyaltyAccount
        fields = ["tier", "tier_fixed_until"]


@admin.register(LoyaltyAccount)
class LoyaltyAccountAdmin(ShopScopedAdminMixin, BaseAdmin):
    form = AccountForm
    list_display = ["id", "customer", "tier", "tier_fixed_until", "home_shop", "created_at"]
    list_filter = ["tier", "home_shop"]
    list_select_related = ["customer", "tier", "home_shop"]
    search_fields = ["=customer__phone", "=cards__number"]
    fields = [
        "customer",
        "home_shop",
        "tier",
        "tier_fixed_until",
        "tier_comment",
        "cards",
        "tier_history",
        "purchases",
        "created_at",
    ]
    readonly_fields = ["customer", "home_shop", "cards", "tier_history", "purchases", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("cards"))
    def cards(self, obj):
        return _card_rows(obj)

    @admin.display(description=gettext_lazy("tier history"))
    def tier_history(self, obj):
        return _tier_rows(obj)

    @admin.display(description=gettext_lazy("purchases (last 30)"))
    def purchases(self, obj):
        return _purchase_rows(obj)

    def save_model(self, request, obj, form, change):
        # The tier is set by hand through the service: a history row with the reason, who and until when.
        if change and {"tier", "tier_fixed_until"} & set(form.changed_data):
            tier_set_by_hand(
                account_id=obj.pk,
                tier=form.cleaned_data["tier"],
                until=form.cleaned_data["tier_fixed_until"],
                actor=request.user,
                comment=form.cleaned_data.get("tier_comment", ""),
            )


class GenerateCardsForm(forms.Form):
    count = forms.IntegerField(label=gettext_lazy("how many"), min_value=1, max_value=MAX_BATCH, initial=1000)
    batch = forms.CharField(label=gettext_lazy("batch"), max_length=40, required=False)


@admin.register(Card)
class CardAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["number", "kind", "status", "account", "batch", "issued_at", "blocked_at", "replaced_by"]
    list_filter = ["status", "kind", "batch"]
    list_select_related = ["account", "replaced_by"]
    search_fields = ["=number", "=account__customer__phone"]
    actions = ["replace_lost", "block"]
    change_list_template = "admin/loyalty/card/change_list.html"

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if term and not term.isdigit():
            with contextlib.suppress(PhoneInvalid):
                term = phone_normalise(term)
        return super().get_search_results(request, queryset, term)

    def get_urls(self):
        extra = [path("generate/", self.admin_site.admin_view(self.generate_view), name="loyalty_card_generate")]
        return extra + super().get_urls()

    def generate_view(self, request):
        if not request.user.has_perm("loyalty.add_card"):
            raise PermissionDenied
        form = GenerateCardsForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                first, last = card_pool_generate(count=form.cleaned_data["count"], batch=form.cleaned_data["batch"])
            except DomainError as exc:
                form.add_error("count", str(exc.message))
            else:
                self.message_user(
                    request,
                    _("%(count)s card numbers added to the pool: %(first)s … %(last)s.")
                    % {"count": form.cleaned_data["count"], "first": first, "last": last},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:loyalty_card_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("Generate card numbers"),
        }
        return TemplateResponse(request, "admin/loyalty/card/generate.html", context)

    def _act(self, request, queryset, service, done_message):
        done = 0
        for card_id in queryset.filter(status=CardStatus.ACTIVE).values_list("pk", flat=True)[:200]:
            try:
                with transaction.atomic():
                    card = service(card_id=card_id)
            except DomainError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                done += 1
                self.message_user(request, done_message % {"card": card.number}, messages.SUCCESS)
        if not done:
            self.message_user(request, _("No active card was selected."), messages.WARNING)

    @admin.action(
        description=gettext_lazy("Block as lost and issue a new card on the same account"), permissions=["view"]
    )
    def replace_lost(self, request, queryset):
        if not request.user.has_perm("loyalty.change_card"):
            raise PermissionDenied
        self._act(request, queryset, card_replace, _("New card %(card)s issued; the lost one is blocked."))

    @admin.action(description=gettext_lazy("Block"), permissions=["view"])
    def block(self, request, queryset):
        if not request.user.has_perm("loyalty.change_card"):
            raise PermissionDenied
        self._act(request, queryset, card_block, _("Card %(card)s blocked."))


@admin.register(Tier)
class TierAdmin(BaseAdmin):
    list_display = ["rank", "code", "name", "threshold_amount", "accrual_percent", "max_redeem_percent"]
    list_display_links = ["code", "name"]
    actions = ["seed_defaults"]

    def has_delete_permission(self, request, obj=None):
        return False  # accounts and history point at it

    @admin.action(
        description=gettext_lazy("Create Silver, Gold and Platinum (when there are no tiers)"), permissions=["add"]
    )
    def seed_defaults(self, request, queryset):
        created = tiers_seed_defaults()
        self.message_user(request, _("%(count)s tiers created.") % {"count": created}, messages.INFO)

    def changelist_view(self, request, extra_context=None):
        # The seed action works on an empty list too (Django asks for a selection otherwise).
        if request.method == "POST" and request.POST.get("action") == "seed_defaults" and not Tier.objects.exists():
            post = request.POST.copy()
            post.setlist(admin.helpers.ACTION_CHECKBOX_NAME, ["0"])
            post["select_across"] = "1"
            request.POST = post
        return super().changelist_view(request, extra_context)


@admin.register(TierPolicy)
class TierPolicyAdmin(BaseAdmin):
    list_display = ["__str__", "period_kind", "rolling_months"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not TierPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class DryRunForm(forms.Form):
    month = forms.DateField(label=gettext_lazy("month (any day of it)"), initial=datetime.date.today)


@admin.register(TierRun)
class TierRunAdmin(ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "month",
        "time_zone",
        "dry_run",
        "period_start",
        "period_end",
        "accounts_count",
        "moves_text",
        "seconds",
        "started_at",
        "created_by",
    ]
    list_filter = ["dry_run", "time_zone", "month"]
    list_select_related = ["created_by"]
    readonly_fields = ["moves_text", "export_link"]
    change_list_template = "admin/loyalty/tierrun/change_list.html"

    @admin.display(description=gettext_lazy("moves"))
    def moves_text(self, obj):
        if not obj.moves:
            return _("no moves")
        return "; ".join(
            _("%(count)s accounts %(from)s -> %(to)s") % {"count": f"{m['count']:,}", "from": m["from"], "to": m["to"]}
            for m in obj.moves
        )

    @admin.display(description=gettext_lazy("Excel"))
    def export_link(self, obj):
        url = reverse("admin:loyalty_tierrun_export", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Moves per account (Excel)"))

    def get_urls(self):
        return [
            path("dry-run/", self.admin_site.admin_view(self.dry_run_view), name="loyalty_tierrun_dry_run"),
            path("<int:run_id>/export/", self.admin_site.admin_view(self.export_view), name="loyalty_tierrun_export"),
            *super().get_urls(),
        ]

    def dry_run_view(self, request):
        if not request.user.has_perm("loyalty.change_tier"):
            raise PermissionDenied
        form = DryRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            runs = tiers_dry_run(month=form.cleaned_data["month"], actor=request.user)
            for run in runs:
                self.message_user(request, f"{run.time_zone}: {self.moves_text(run)}", messages.INFO)
            return HttpResponseRedirect(reverse("admin:loyalty_tierrun_changelist") + "?dry_run__exact=1")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("Dry run of the tier recalculation"),
        }
        return TemplateResponse(request, "admin/loyalty/card/generate.html", context)

    def export_view(self, request, run_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(TierRun, pk=run_id)
        columns = [
            Column(_("account")),
            Column(_("from tier")),
            Column(_("to tier")),
            Column(_("purchases in the period"), number_format="#,##0.00"),
        ]
        buffer = io.BytesIO()
        write_table(
            buffer,
            columns=columns,
            rows=(
                (m.account_id, m.from_tier, m.to_tier, m.amount) for m in tier_run_moves(run, limit=MAX_MOVES_EXPORT)
            ),
            sheet_title=str(_("Tier moves")),
            title_lines=[
                f"{run.month:%Y-%m} {run.time_zone} ({run.period_start} – {run.period_end})",
                self.moves_text(run),
            ],
        )
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition(download_name(f"Tier moves {run.month:%Y-%m}", "xlsx"))
        return response


@admin.register(TierChange)
class TierChangeAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = [
        "changed_at",
        "account",
        "from_tier",
        "to_tier",
        "reason",
        "purchases_amount",
        "fixed_until",
        "changed_by",
    ]
    list_filter = ["reason", "to_tier", "from_tier"]
    list_select_related = ["account", "from_tier", "to_tier", "changed_by"]
    search_fields = ["=account__customer__phone", "=account__cards__number"]
    date_hierarchy = "changed_at"


class ConsentTextForm(forms.ModelForm):
    class Meta:
        model = ConsentText
        fields = ["version", "language", "body"]


@admin.register(ConsentText)
class ConsentTextAdmin(BaseAdmin):
    form = ConsentTextForm
    list_display = ["version", "language", "body", "created_at"]
    list_filter = ["language"]

    def has_change_permission(self, request, obj=None):
        # A published text is what people agreed to: publish a new version instead.
        return super().has_change_permission(request, obj) and (obj is None or not obj.consentrecord_set.exists())

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["given_at", "customer", "version", "channel", "shop", "till_id", "withdrawn_at"]
    list_filter = ["channel", "version", "shop", "withdrawn_at"]
    list_select_related = ["customer", "shop"]
    search_fields = ["=customer__phone"]
    date_hierarchy = "given_at"
    exclude = ["verification"]


@admin.register(SmsMessage)
class SmsMessageAdmin(ShopScopedAdminMixin, ReadOnlyAdminMixin, BaseAdmin):
    list_display = ["created_at", "phone", "purpose", "status", "attempts", "last_error", "sent_at", "shop"]
    list_filter = ["status", "purpose", "shop"]
    list_select_related = ["shop"]
    search_fields = ["=phone"]
    date_hierarchy = "created_at"
    exclude = ["secret_body"]
    actions = ["send_again"]

    def get_search_results(self, request, queryset, search_term):
        with contextlib.suppress(PhoneInvalid):
            search_term = phone_normalise(search_term)
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description=gettext_lazy("Send again"), permissions=["view"])
    def send_again(self, request, queryset):
        if not request.user.has_perm("loyalty.change_smsmessage"):
            raise PermissionDenied
        ids = list(queryset.exclude(status="sent").values_list("pk", flat=True)[:100])
        for message_id in ids:
            sms_retry(message_id=message_id)
        self.message_user(request, _("%(count)s SMS sent again.") % {"count": len(ids)}, messages.INFO)
