"""The till API: each command is one view (input serializer -> one service -> output serializer)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services import receipt_ingest, shift_close, shift_open
from .authentication import IsTill, TillTokenAuthentication
from .serializers import ReceiptInput, ReceiptResult, ShiftCloseInput, ShiftOpenInput, ShiftOutput


class TillView(APIView):
    authentication_classes = [TillTokenAuthentication]
    permission_classes = [IsTill]


class ReceiptCreateView(TillView):
    @extend_schema(
        operation_id="till_receipt_upload",
        request=ReceiptInput,
        responses={
            201: ReceiptResult,
            200: OpenApiResponse(ReceiptResult, description="Already uploaded: the first result."),
            400: OpenApiResponse(description="Errors by field path, e.g. lines.0.quantity; nothing was written."),
            409: OpenApiResponse(description="This UUID was uploaded with a different body; the first one stands."),
        },
        summary="Upload (post) one receipt",
    )
    def post(self, request):
        serializer = ReceiptInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = receipt_ingest(till=request.auth, data=serializer.validated_data, raw=request.data)
        code = status.HTTP_201_CREATED if result.status == "created" else status.HTTP_200_OK
        return Response(ReceiptResult({"status": result.status, "receipt": result.receipt}).data, status=code)


class ShiftOpenView(TillView):
    @extend_schema(
        operation_id="till_shift_open", request=ShiftOpenInput, responses={201: ShiftOutput}, summary="Open a shift"
    )
    def post(self, request):
        serializer = ShiftOpenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        shift = shift_open(till=request.auth, opening_float=serializer.validated_data["opening_float"])
        return Response(ShiftOutput(shift).data, status=status.HTTP_201_CREATED)


class ShiftCloseView(TillView):
    @extend_schema(
        operation_id="till_shift_close", request=ShiftCloseInput, responses={200: ShiftOutput}, summary="Close a shift"
    )
    def post(self, request, shift_id: int):
        serializer = ShiftCloseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        shift = shift_close(
            till=request.auth, shift_id=shift_id, counted_cash=serializer.validated_data["counted_cash"]
        )
        return Response(ShiftOutput(shift).data)
