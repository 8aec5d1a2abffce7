"""The till API: each command is one view (input -> one service -> output)."""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory.api_shared import StrictPageSizeMixin, error_body
from inventory.exceptions import ProductNotFound
from inventory.models import Barcode
from inventory.money import round_money
from inventory.selectors import catalogue_for_zone, product_find_by_code, shop_local_date
from inventory.text import control_character

from ..exceptions import ReceiptConflictError, ReceiptInvalid
from ..selectors import till_state_get
from ..services import MAX_BATCH, Status, receipts_ingest, shift_close, shift_open, till_cash_record
from .authentication import IsTill, TillTokenAuthentication
from .serializers import (
    BarcodeLookupResult,
    BatchInput,
    BatchResult,
    CatalogueItem,
    ReceiptInput,
    ReceiptOutput,
    ReceiptResult,
    ShiftCloseInput,
    ShiftOpenInput,
    ShiftOutput,
    TillCashInput,
    TillCashOutput,
    TillState,
)


class ShopTimeMixin:
    """Every time the till API writes is in the till's shop's time zone, with its UTC offset.

    `server_time` (catalogue pages, till state), shift and receipt times, the Z-report's first and
    last receipt times: one zone, the shop's, whatever the server's.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        till = getattr(request, "auth", None)
        shop = getattr(till, "shop", None)
        if shop is not None:
            timezone.activate(shop.time_zone)

    def finalize_response(self, request, response, *args, **kwargs):
        # The body's times are text by now (serializers ran in the view): the zone's work is done.
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


class TillView(ShopTimeMixin, APIView):
    authentication_classes = [TillTokenAuthentication]
    permission_classes = [IsTill]


def _outcomes_json(outcomes) -> list[dict]:
    """One serializer for all the batch's receipts: a serializer per receipt builds its fields 500 times."""
    receipts = {o.receipt.pk: o.receipt for o in outcomes if o.receipt is not None}
    data = dict(zip(receipts, ReceiptOutput(list(receipts.values()), many=True).data, strict=True))
    return [
        {
            "index": o.index,
            "uuid": o.uuid,
            "status": o.status,
            "receipt": data[o.receipt.pk] if o.receipt is not None else None,
            "errors": o.errors,
        }
        for o in outcomes
    ]


class ReceiptCreateView(TillView):
    error_status_codes = (409,)

    @extend_schema(
        operation_id="till_receipt_upload",
        request=ReceiptInput,
        responses={
            201: ReceiptResult,
            200: OpenApiResponse(ReceiptResult, description="Already uploaded: the first result."),
            400: OpenApiResponse(description="Errors by field path, e.g. lines.0.quantity; nothing was written."),
            409: OpenApiResponse(description="This UUID was uploaded with a different body; the first one stands."),
        },
        summary="Upload (post) one receipt or return",
    )
    def post(self, request):
        (outcome,) = receipts_ingest(till=request.auth, bodies=[request.data])
        if outcome.status == Status.REJECTED:
            body = error_body(detail=ReceiptInvalid.default_message, code="invalid", errors=outcome.errors)
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        if outcome.status == Status.CONFLICT:
            body = error_body(
                detail=ReceiptConflictError.default_message,
                code="conflict",
                errors=outcome.errors,
                receipt_id=outcome.receipt.pk,
            )
            return Response(body, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_201_CREATED if outcome.status == Status.CREATED else status.HTTP_200_OK
        return Response(ReceiptResult({"status": outcome.status, "receipt": outcome.receipt}).data, status=code)


class ReceiptBatchView(TillView):
    @extend_schema(
        operation_id="till_receipt_batch",
        request=BatchInput,
        responses={
            200: BatchResult,
            400: OpenApiResponse(description="The request itself is bad (not a list, over 500 receipts)."),
        },
        summary="Upload up to 500 receipts at once",
        description="Each receipt succeeds or fails alone; the answer has one result per receipt, in order. "
        "Send the batch again after a lost connection: receipts already posted come back as duplicates.",
    )
    def post(self, request):
        bodies = request.data.get("receipts") if isinstance(request.data, dict) else None
        if not isinstance(bodies, list) or not bodies:
            raise ValidationError({"receipts": [_("A non-empty list of receipts is required.")]})
        if len(bodies) > MAX_BATCH:
            raise ValidationError({"receipts": [_("At most %(n)d receipts per request.") % {"n": MAX_BATCH}]})
        outcomes = receipts_ingest(till=request.auth, bodies=bodies)
        counts = Counter(o.status for o in outcomes)
        body = {s: counts.get(s, 0) for s in (Status.CREATED, Status.DUPLICATE, Status.CONFLICT, Status.REJECTED)}
        body["results"] = _outcomes_json(outcomes)
        return Response(body)


class ShiftOpenView(TillView):
    @extend_schema(
        operation_id="till_shift_open", request=ShiftOpenInput, responses={201: ShiftOutput}, summary="Open a shift"
    )
    def post(self, request):
        serializer = ShiftOpenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        shift = shift_open(
            till=request.auth,
            opening_float=serializer.validated_data["opening_float"],
            cashier_name=serializer.validated_data["cashier"],
        )
        return Response(ShiftOutput(shift).data, status=status.HTTP_201_CREATED)


class TillCashView(TillView):
    @extend_schema(
        operation_id="till_cash_record",
        request=TillCashInput,
        responses={201: TillCashOutput, 200: TillCashOutput},
        summary="Record a pay-in or pay-out",
        description="Cash into or out of the drawer during the open shift, from or to the shop's cash desk (or "
        "a named counterparty); posted at once and shown on the shift's Z-report. The same uuid again: 200 "
        "with the first order; with another body: 409.",
    )
    def post(self, request):
        serializer = TillCashInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order, created = till_cash_record(
            till=request.auth,
            client_uuid=data["uuid"],
            direction=data["direction"],
            amount=data["amount"],
            counterparty=data["counterparty"],
            comment=data["comment"],
        )
        return Response(TillCashOutput(order).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ShiftCloseView(TillView):
    @extend_schema(
        operation_id="till_shift_close",
        request=ShiftCloseInput,
        responses={200: ShiftOutput},
        summary="Close a shift",
        description="Returns our Z-report of the shift and every difference with the till's figures and the "
        "counted cash. Receipts still to upload should be sent before closing.",
    )
    def post(self, request, shift_id: int):
        serializer = ShiftCloseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        shift = shift_close(
            till=request.auth,
            shift_id=shift_id,
            counted_cash=serializer.validated_data["counted_cash"],
            till_report=serializer.validated_data.get("till_report"),
        )
        return Response(ShiftOutput(shift).data)


class CataloguePagination(StrictPageSizeMixin, CursorPagination):
    ordering = "id"
    page_size = 1000
    page_size_query_param = "page_size"
    max_page_size = 5000

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["server_time"] = self.server_time
        return response

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["properties"]["server_time"] = {
            "type": "string",
            "format": "date-time",
            "description": "The server's clock in the till's shop time zone, with its UTC offset (ISO 8601). "
            "Keep the first page's value and send it as updated_since on the next sync.",
        }
        return result


CATALOGUE_FIELDS = [
    "id",
    "sku",
    "name",
    "unit",
    "vat_rate",
    "is_weighted",
    "plu",
    "excluded_from_discounts",
    "is_active",
]


class CatalogueView(ShopTimeMixin, generics.ListAPIView):
    """Products, barcodes and prices in force for the till's shop, 1,000 a page by default."""

    authentication_classes = [TillTokenAuthentication]
    permission_classes = [IsTill]
    serializer_class = CatalogueItem
    pagination_class = CataloguePagination
    filter_backends = []

    @extend_schema(
        operation_id="till_catalogue",
        summary="Pull the catalogue (all of it, or what changed since a time)",
        parameters=[
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Only products whose data, barcodes or price changed since then.",
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        self.paginator.server_time = timezone.localtime().isoformat()
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        """Rows as dicts and barcodes in one query per page: a 20,000-item pull is 20 light pages."""
        page = self.paginate_queryset(self.get_queryset().values(*CATALOGUE_FIELDS, "price"))
        codes: dict[int, list[str]] = {row["id"]: [] for row in page}
        for product_id, code in (
            Barcode.objects.filter(product_id__any=list(codes)).order_by("id").values_list("product_id", "code")
        ):
            codes[product_id].append(code)
        for row in page:
            row["vat_rate"] = str(row["vat_rate"])
            row["price"] = str(round_money(row["price"])) if row["price"] is not None else None
            row["barcodes"] = codes[row["id"]]
        return self.get_paginated_response(page)

    def get_queryset(self):
        shop = self.request.auth.shop
        since = None
        raw = self.request.query_params.get("updated_since")
        if raw:
            try:
                since = parse_datetime(raw)
                if since is not None and since.tzinfo is not None:
                    # In UTC: PostgreSQL refuses offsets past 15:59 that Python accepts.
                    since = since.astimezone(datetime.UTC)
            except (ValueError, OverflowError):
                since = None
            if since is None or since.tzinfo is None:
                raise ValidationError(
                    {"updated_since": [_("An ISO 8601 date and time with a UTC offset is required.")]}
                )
        day = shop_local_date(shop=shop, at=timezone.now())
        return catalogue_for_zone(zone_id=shop.price_zone_id, day=day, changed_since=since)


class BarcodeLookupView(TillView):
    @extend_schema(
        operation_id="till_barcode_lookup",
        responses={
            200: BarcodeLookupResult,
            400: OpenApiResponse(description="A malformed scale barcode."),
            404: OpenApiResponse(description="No product has this code."),
        },
        summary="Find a product by barcode, scale barcode or SKU",
    )
    def get(self, request, code: str):
        if not code.strip() or control_character(code):  # no product has such a code
            raise NotFound(str(ProductNotFound.default_message))
        try:
            match = product_find_by_code(code)
        except ProductNotFound as exc:
            raise NotFound(str(exc.message)) from None
        except DjangoValidationError as exc:  # a malformed scale barcode
            raise ValidationError({"code": exc.messages}) from None
        shop = request.auth.shop
        product = (
            catalogue_for_zone(zone_id=shop.price_zone_id, day=shop_local_date(shop=shop, at=timezone.now()))
            .prefetch_related("barcodes")
            .get(pk=match.product.pk)
        )
        return Response(BarcodeLookupResult({"product": product, "barcode": code, "quantity": match.quantity}).data)


class TillStateView(TillView):
    @extend_schema(
        operation_id="till_state",
        responses={200: TillState},
        summary="The till's own state: open shift, last receipt number, missing numbers",
        description="For a till that restarts (after a crash, a reinstall): with its token alone it learns "
        "whether a shift is open (continue it, or open one), the highest receipt number we hold (number on "
        "from it) and the numbers we are missing (send those receipts).",
    )
    def get(self, request):
        return Response(TillState(till_state_get(till=request.auth)).data)
