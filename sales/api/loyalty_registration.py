"""The till registers a loyalty customer: start (an SMS with a code and the consent text), then confirm."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from loyalty.api_app.serializers import CodeInput, CodeSentOutput, RegistrationInput, RegistrationOutput
from loyalty.choices import Channel
from loyalty.services.customers import registration_confirm, registration_start
from loyalty.services.sms import TooManyCodes

from .views import TillView


def too_many(exc: TooManyCodes) -> Response:
    response = Response(
        {"detail": str(exc.message), "code": "throttled", "errors": {}, "retry_after": exc.retry_after},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


class RegistrationStartView(TillView):
    error_status_codes = (409,)

    @extend_schema(
        operation_id="till_loyalty_registration_start",
        request=RegistrationInput,
        responses={
            201: CodeSentOutput,
            400: OpenApiResponse(description="Errors by field (phone, card_number...)."),
            409: OpenApiResponse(description="The phone is registered, or the card is not a free pool card."),
            429: OpenApiResponse(description="Send limits: 1 a minute and 5 an hour per phone, 30 an hour per till."),
        },
        summary="Register a loyalty customer: send the SMS code with the consent text",
    )
    def post(self, request):
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        till = request.auth
        try:
            verification = registration_start(
                **data.validated_data, shop=till.shop, till_id=till.pk, channel=Channel.SHOP
            )
        except TooManyCodes as exc:
            return too_many(exc)
        return Response(CodeSentOutput(verification).data, status=status.HTTP_201_CREATED)


class RegistrationConfirmView(TillView):
    error_status_codes = (404, 409)

    @extend_schema(
        operation_id="till_loyalty_registration_confirm",
        request=CodeInput,
        responses={
            201: RegistrationOutput,
            400: OpenApiResponse(description="Wrong, expired or used code (errors.code); tries are counted."),
            404: OpenApiResponse(description="No such registration of this till."),
        },
        summary="Confirm the code the customer tells: the customer, account and card are created",
    )
    def post(self, request, registration_id: int):
        data = CodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = registration_confirm(
            registration_id=registration_id, code=data.validated_data["code"], till_id=request.auth.pk
        )
        body = RegistrationOutput({"customer": done.customer, "account": done.account, "card": done.card}).data
        return Response(body, status=status.HTTP_201_CREATED)
