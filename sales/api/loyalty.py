"""The till's loyalty endpoints: find the customer, preview the basket, hold and release points.

Each is one view: input serializer -> one loyalty service -> output serializer. Spending needs
the server (the hold); earning does not (an offline till's receipt earns when it arrives).
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from inventory.api_shared import TextField
from inventory.selectors import products_by_codes
from loyalty.services.points import points_hold_release
from loyalty.services.till import account_for_till, account_summary, basket_preview, hold_for_till, return_preview

from .serializers import money
from .views import TillView

POINTS = {"max_digits": 14, "decimal_places": 0}
MAX_PREVIEW_LINES = 1000


class WhoInput(serializers.Serializer):
    card_number = TextField(required=False, allow_blank=True, max_length=32, default="")
    phone = TextField(required=False, allow_blank=True, max_length=20, default="")

    def validate(self, attrs):
        if not attrs.get("card_number") and not attrs.get("phone"):
            raise serializers.ValidationError({"card_number": [_("Give card_number or phone.")]})
        return attrs


class FutureAccrualOut(serializers.Serializer):
    available_on = serializers.DateField()
    points = serializers.CharField()


class HoldOut(serializers.Serializer):
    receipt_uuid = serializers.UUIDField()
    points = serializers.DecimalField(**POINTS)
    expires_at = serializers.DateTimeField()


class AccountOut(serializers.Serializer):
    account_id = serializers.IntegerField()
    phone_masked = serializers.CharField()
    name = serializers.CharField()
    tier = serializers.CharField()
    balance = serializers.DecimalField(help_text="Spendable points, promotional included.", **POINTS)
    spendable = serializers.DecimalField(help_text="Balance less other receipts' live holds.", **POINTS)
    pending = serializers.DecimalField(help_text="Earned, not spendable yet.", **POINTS)
    debt = serializers.DecimalField(help_text="Taken back after being spent: later earnings pay it first.", **POINTS)
    future_accruals = FutureAccrualOut(many=True)
    holds = HoldOut(many=True)


class PreviewLine(serializers.Serializer):
    product_id = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    barcode = TextField(required=False, allow_blank=True, max_length=32)
    amount = money(min_value=Decimal("0"), help_text="The line's amount after discounts.")

    def validate(self, attrs):
        if not attrs.get("product_id") and not attrs.get("barcode"):
            raise serializers.ValidationError(_("Give product_id or barcode."))
        return attrs


class PreviewInput(WhoInput):
    lines = PreviewLine(many=True, allow_empty=False, max_length=MAX_PREVIEW_LINES)
    points = serializers.DecimalField(required=False, default=Decimal(0), min_value=Decimal(0), **POINTS)
    receipt_uuid = serializers.UUIDField(required=False, help_text="The receipt's UUID: its own hold stays spendable.")


class PreviewOut(AccountOut):
    eligible_amount = money(help_text="Money on lines that earn points and may be paid with them.")
    points_to_accrue = serializers.DecimalField(**POINTS)
    accrue_available_on = serializers.DateField()
    accrue_expires_on = serializers.DateField()
    max_payable = serializers.DecimalField(help_text="Points: the tier's share, at most the spendable.", **POINTS)
    max_payable_amount = money()
    points = serializers.DecimalField(**POINTS)
    problem = serializers.CharField(help_text="Why `points` cannot pay (empty: they can).")


class HoldInput(WhoInput):
    receipt_uuid = serializers.UUIDField(help_text="The UUID the receipt will be uploaded with; it consumes the hold.")
    points = serializers.DecimalField(min_value=Decimal(1), **POINTS)


class HoldResult(serializers.Serializer):
    receipt_uuid = serializers.UUIDField()
    points = serializers.DecimalField(**POINTS)
    status = serializers.CharField()
    expires_at = serializers.DateTimeField()


def _who(request_data) -> dict:
    who = WhoInput(data=request_data)
    who.is_valid(raise_exception=True)
    return account_for_till(card=who.validated_data["card_number"], phone=who.validated_data["phone"])


class LoyaltyAccountView(TillView):
    error_status_codes = (404,)

    @extend_schema(
        operation_id="till_loyalty_account",
        parameters=[
            OpenApiParameter("card_number", str, description="The card's number or scanned barcode."),
            OpenApiParameter("phone", str, description="The customer's phone (any usual form)."),
        ],
        responses={200: AccountOut, 404: OpenApiResponse(description="No active card or customer matches.")},
        summary="Find a loyalty account by card, barcode or phone",
    )
    def get(self, request):
        summary = account_summary(account=_who(request.query_params))
        summary.pop("_state")
        return Response(AccountOut(summary).data)


class LoyaltyPreviewView(TillView):
    error_status_codes = (404,)

    @extend_schema(
        operation_id="till_loyalty_preview",
        request=PreviewInput,
        responses={200: PreviewOut, 404: OpenApiResponse(description="No active card or customer matches.")},
        summary="Preview a basket: points it earns (and when), the most it may pay with points, the balance",
    )
    def post(self, request):
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        codes = {line["barcode"] for line in values["lines"] if not line.get("product_id")}
        found = products_by_codes(codes) if codes else {}
        lines, errors = [], {}
        for n, line in enumerate(values["lines"]):
            product_id = line.get("product_id")
            if not product_id:
                match = found.get(line["barcode"])
                if match is None or isinstance(match, str):
                    errors[f"lines.{n}.barcode"] = [match or _("No product has this code.")]
                    continue
                product_id = match[0]
            lines.append((product_id, line["amount"]))
        if errors:
            raise ValidationError(errors)
        account = account_for_till(card=values["card_number"], phone=values["phone"])
        preview = basket_preview(
            account=account,
            lines=lines,
            points=values["points"],
            till_id=request.auth.pk,
            receipt_uuid=values.get("receipt_uuid"),
        )
        return Response(PreviewOut(preview).data)


class LoyaltyHoldView(TillView):
    error_status_codes = (404, 409)

    @extend_schema(
        operation_id="till_loyalty_hold",
        request=HoldInput,
        responses={
            201: HoldResult,
            200: OpenApiResponse(HoldResult, description="This receipt already holds these points."),
            409: OpenApiResponse(description="Not enough spendable points, or the receipt holds another amount."),
        },
        summary="Reserve points at payment (a short hold the receipt's upload consumes)",
    )
    def post(self, request):
        data = HoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        account = account_for_till(card=values["card_number"], phone=values["phone"])
        hold, created = hold_for_till(
            account=account,
            shop_id=request.auth.shop_id,
            till_id=request.auth.pk,
            receipt_uuid=values["receipt_uuid"],
            points=values["points"],
        )
        return Response(HoldResult(hold).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class LoyaltyHoldReleaseView(TillView):
    @extend_schema(
        operation_id="till_loyalty_hold_release",
        request=None,
        responses={200: HoldResult, 404: OpenApiResponse(description="This receipt holds no points.")},
        summary="Release a hold: its points are spendable again",
    )
    def post(self, request, receipt_uuid):
        hold = points_hold_release(till_id=request.auth.pk, receipt_uuid=receipt_uuid)
        return Response(HoldResult(hold).data)


class ReturnPreviewLine(serializers.Serializer):
    original_line_no = serializers.IntegerField(min_value=1, max_value=2**62)
    amount = money(min_value=Decimal("0"), help_text="The amount given back for this line.")


class ReturnPreviewInput(serializers.Serializer):
    original_uuid = serializers.UUIDField(help_text="The sale being returned.")
    lines = ReturnPreviewLine(many=True, allow_empty=False, max_length=MAX_PREVIEW_LINES)


class ReturnPreviewOut(serializers.Serializer):
    account_id = serializers.IntegerField()
    points_taken_back = serializers.DecimalField(help_text="Of the points the sale earned.", **POINTS)
    points_given_back = serializers.DecimalField(help_text="Of the points that paid for the sale.", **POINTS)
    points_amount = money(help_text='The return\'s payment {"type": "points", "amount": ...}.')


class LoyaltyReturnPreviewView(TillView):
    error_status_codes = (404,)

    @extend_schema(
        operation_id="till_loyalty_return_preview",
        request=ReturnPreviewInput,
        responses={
            200: ReturnPreviewOut,
            404: OpenApiResponse(description="No sale of this shop has this UUID, or it was sold without a card."),
        },
        summary="Preview a return of a card sale: points taken back and given back (the points payment)",
    )
    def post(self, request):
        from rest_framework.exceptions import NotFound

        from ..models import Receipt, ReceiptKind, ReceiptLine

        data = ReturnPreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        sale = Receipt.objects.filter(
            shop_id=request.auth.shop_id, client_uuid=values["original_uuid"], kind=ReceiptKind.SALE
        ).first()
        if sale is None:
            raise NotFound(_("No sale has this UUID."))
        products = dict(ReceiptLine.objects.filter(receipt=sale).values_list("line_no", "product_id"))
        lines, errors = [], {}
        for n, line in enumerate(values["lines"]):
            product_id = products.get(line["original_line_no"])
            if product_id is None:
                errors[f"lines.{n}.original_line_no"] = [_("The original receipt has no such line.")]
                continue
            lines.append((product_id, line["amount"]))
        if errors:
            raise ValidationError(errors)
        preview = return_preview(original_receipt_id=sale.pk, lines=lines)
        if preview is None:
            raise NotFound(_("This sale was made without a loyalty card."))
        return Response(ReturnPreviewOut(preview).data)
