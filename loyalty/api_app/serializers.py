"""Input and output of the customers API (the app's, and the till's registration in sales/api)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from inventory.api_shared import TextField

from ..choices import Language
from ..models import Card, Customer, LoyaltyAccount


class PhoneInput(serializers.Serializer):
    phone = serializers.RegexField(
        r"^\s*\+?[0-9][0-9 ()\-]{4,30}\s*$",
        max_length=32,
        help_text="Any common form (+7 701 123 45 67, 87011234567); stored as E.164 (+77011234567).",
    )


class CodeInput(serializers.Serializer):
    code = serializers.RegexField(r"^\s*[0-9]{6}\s*$", max_length=12, error_messages={"invalid": _("6 digits.")})


class SignInConfirmInput(PhoneInput, CodeInput):
    pass


class RegistrationInput(PhoneInput):
    name = TextField(max_length=150, required=False, allow_blank=True, default="")
    birthday = serializers.DateField(required=False, allow_null=True, default=None)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, default=Language.RU)
    card_number = serializers.RegexField(
        r"^[0-9]{13}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="The plastic card handed over (a free pool card); omit for a virtual card.",
    )


class CodeSentOutput(serializers.Serializer):
    registration_id = serializers.IntegerField(source="pk")
    expires_at = serializers.DateTimeField()


class CardOutput(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="plastic or virtual")
    status = serializers.CharField(help_text="active or blocked (free: still in the pool)")

    class Meta:
        model = Card
        fields = ["number", "kind", "status", "issued_at"]


class CustomerOutput(serializers.ModelSerializer):
    language = serializers.CharField(help_text="ru, kk or en")
    status = serializers.CharField(help_text="active or anonymised")

    class Meta:
        model = Customer
        fields = ["id", "phone", "name", "birthday", "email", "language", "status"]


class AccountOutput(serializers.ModelSerializer):
    tier = serializers.CharField(source="tier.name", default=None)
    tier_code = serializers.CharField(source="tier.code", default=None)

    class Meta:
        model = LoyaltyAccount
        fields = ["id", "tier", "tier_code", "tier_fixed_until"]


class RegistrationOutput(serializers.Serializer):
    customer = CustomerOutput()
    account = AccountOutput()
    card = CardOutput()
