from django.urls import path, register_converter

from . import backoffice, loyalty, loyalty_registration, views

app_name = "sales-api"


class IdConverter:
    """An id of at most 18 digits: a longer one names no row (and a database would refuse the number)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("till/receipts/", views.ReceiptCreateView.as_view(), name="receipt-upload"),
    path("till/receipts/batch/", views.ReceiptBatchView.as_view(), name="receipt-batch"),
    path("till/shifts/", views.ShiftOpenView.as_view(), name="shift-open"),
    path("till/shifts/<id:shift_id>/close/", views.ShiftCloseView.as_view(), name="shift-close"),
    path("till/cash/", views.TillCashView.as_view(), name="till-cash"),
    path("till/state/", views.TillStateView.as_view(), name="till-state"),
    path("till/catalogue/", views.CatalogueView.as_view(), name="catalogue"),
    path("till/barcodes/<str:code>/", views.BarcodeLookupView.as_view(), name="barcode-lookup"),
    path(
        "till/loyalty/registrations/",
        loyalty_registration.RegistrationStartView.as_view(),
        name="loyalty-registration-start",
    ),
    path(
        "till/loyalty/registrations/<id:registration_id>/confirm/",
        loyalty_registration.RegistrationConfirmView.as_view(),
        name="loyalty-registration-confirm",
    ),
    path("till/loyalty/account/", loyalty.LoyaltyAccountView.as_view(), name="loyalty-account"),
    path("till/loyalty/preview/", loyalty.LoyaltyPreviewView.as_view(), name="loyalty-preview"),
    path("till/loyalty/return-preview/", loyalty.LoyaltyReturnPreviewView.as_view(), name="loyalty-return-preview"),
    path("till/loyalty/holds/", loyalty.LoyaltyHoldView.as_view(), name="loyalty-hold"),
    path(
        "till/loyalty/holds/<uuid:receipt_uuid>/release/",
        loyalty.LoyaltyHoldReleaseView.as_view(),
        name="loyalty-hold-release",
    ),
    path("receipts/", backoffice.ReceiptListView.as_view(), name="receipt-list"),
    path("receipts/<id:pk>/", backoffice.ReceiptDetailView.as_view(), name="receipt-detail"),
    path("shifts/", backoffice.ShiftListView.as_view(), name="shift-list"),
    path("shifts/<id:pk>/", backoffice.ShiftDetailView.as_view(), name="shift-detail"),
    path("tills/", backoffice.TillListView.as_view(), name="till-list"),
]
