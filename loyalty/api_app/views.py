"""The mobile app's API (`/api/v1/app/...`): sign-in by phone and SMS code, the customer, the virtual card and
its barcode, the tier and what the next one needs, the shops. Answers in the app's language (Accept-Language:
ru, kk, en; the customer's own language when the app sends none)."""

import io

import barcode
from barcode.writer import SVGWriter
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory.models import Shop
from inventory.money import format_money
from inventory.tokens import token_hash

from ..models import AppToken
from ..services.cards import card_issue_virtual
from ..services.customers import app_sign_in_confirm, app_sign_in_start
from ..services.sms import TooManyCodes
from ..services.tiers import tier_progress
from .authentication import AppTokenAuthentication, IsCustomer
from .serializers import AccountOutput, CardOutput, CustomerOutput, PhoneInput, SignInConfirmInput

MAX_SHOPS = 500


def too_many(exc: TooManyCodes) -> Response:
    response = Response(
        {"detail": str(exc.message), "code": "throttled", "errors": {}, "retry_after": exc.retry_after},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


class AppView(APIView):
    """A signed-in customer's call, answered in the app's language (or the customer's)."""

    authentication_classes = [AppTokenAuthentication]
    permission_classes = [IsCustomer]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:
            translation.activate(request.auth.language)
            request.LANGUAGE_CODE = request.auth.language


class SignInStartView(APIView):
    # The app's token is not needed here (it is what signing in gives); the scheme is named for the schema.
    authentication_classes = [AppTokenAuthentication]
    permission_classes = [AllowAny]
    error_status_codes = (404,)

    @extend_schema(
        operation_id="app_sign_in_start",
        request=PhoneInput,
        responses={
            202: inline_serializer("AppCodeSent", {"expires_at": serializers.DateTimeField()}),
            404: OpenApiResponse(description="No customer has this phone: register at a shop's till."),
            429: OpenApiResponse(description="Send limits: 1 a minute and 5 an hour per phone."),
        },
        summary="Send a sign-in code by SMS",
    )
    def post(self, request):
        data = PhoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            verification = app_sign_in_start(phone=data.validated_data["phone"])
        except TooManyCodes as exc:
            return too_many(exc)
        return Response({"expires_at": verification.expires_at}, status=status.HTTP_202_ACCEPTED)


class SignInConfirmView(APIView):
    authentication_classes = [AppTokenAuthentication]
    permission_classes = [AllowAny]
    error_status_codes = (404,)

    @extend_schema(
        operation_id="app_sign_in_confirm",
        request=SignInConfirmInput,
        responses={
            200: inline_serializer("AppToken", {"token": serializers.CharField(), "customer": CustomerOutput()}),
            400: OpenApiResponse(description="Wrong, expired or used code (errors.code); 5 tries per code."),
        },
        summary="Exchange the SMS code for the app's token (send it as `Authorization: App <token>`)",
    )
    def post(self, request):
        data = SignInConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer, token = app_sign_in_confirm(phone=data.validated_data["phone"], code=data.validated_data["code"])
        return Response({"token": token, "customer": CustomerOutput(customer).data})


class SignOutView(AppView):
    @extend_schema(operation_id="app_sign_out", request=None, responses={204: None}, summary="Revoke this token")
    def post(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "").split()
        AppToken.objects.filter(key_hash=token_hash(header[-1]), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(AppView):
    @extend_schema(
        operation_id="app_me",
        responses={200: OpenApiResponse(description="The customer and the tier.")},
        summary="The customer, the account's tier and what the next tier needs",
    )
    def get(self, request):
        customer = request.auth
        account = customer.account
        progress = tier_progress(account=account)
        next_tier = None
        if progress.next_tier is not None:
            if progress.needed_amount > 0:
                message = _("Buy for %(amount)s more by %(date)s to reach %(tier)s.") % {
                    "amount": format_money(progress.needed_amount),
                    "date": progress.period_end.strftime("%d.%m.%Y"),
                    "tier": progress.next_tier.name,
                }
            else:
                message = _("You reach %(tier)s on %(date)s.") % {
                    "tier": progress.next_tier.name,
                    "date": progress.period_end.strftime("%d.%m.%Y"),
                }
            next_tier = {
                "name": progress.next_tier.name,
                "code": progress.next_tier.code,
                "threshold_amount": str(progress.next_tier.threshold_amount),
                "needed_amount": str(progress.needed_amount),
                "message": message,
            }
        return Response(
            {
                "customer": CustomerOutput(customer).data,
                "account": AccountOutput(account).data,
                "period": {
                    "start": progress.period_start,
                    "end": progress.period_end,
                    "purchases_amount": str(progress.purchases_amount),
                },
                "next_tier": next_tier,
            }
        )


class CardView(AppView):
    @extend_schema(
        operation_id="app_card", responses={200: CardOutput}, summary="The virtual card (issued on first call)"
    )
    def get(self, request):
        card = card_issue_virtual(account=request.auth.account)
        body = CardOutput(card).data
        body["barcode_url"] = request.build_absolute_uri("barcode.svg")
        return Response(body)


class CardBarcodeView(AppView):
    @extend_schema(
        operation_id="app_card_barcode",
        responses={(200, "image/svg+xml"): bytes},
        summary="The virtual card's EAN-13 barcode as an SVG image",
    )
    def get(self, request):
        card = card_issue_virtual(account=request.auth.account)
        image = io.BytesIO()
        barcode.get("ean13", card.number[:12], writer=SVGWriter()).write(image)
        return HttpResponse(image.getvalue(), content_type="image/svg+xml")


class ShopsView(AppView):
    @extend_schema(
        operation_id="app_shops",
        responses={200: OpenApiResponse(description="The chain's shops.")},
        summary="The shops: name, address, hours, photo and coordinates",
    )
    def get(self, request):
        shops = Shop.objects.trading().filter(is_active=True).order_by("city", "name")[:MAX_SHOPS]
        return Response(
            [
                {
                    "id": s.pk,
                    "name": s.name,
                    "city": s.city,
                    "address": s.address,
                    "opening_hours": s.opening_hours,
                    "photo_url": request.build_absolute_uri(s.photo.url) if s.photo else None,
                    "latitude": str(s.latitude) if s.latitude is not None else None,
                    "longitude": str(s.longitude) if s.longitude is not None else None,
                }
                for s in shops
            ]
        )
