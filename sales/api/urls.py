from django.urls import path

from . import backoffice, views

app_name = "sales-api"

urlpatterns = [
    path("till/receipts/", views.ReceiptCreateView.as_view(), name="receipt-upload"),
    path("till/receipts/batch/", views.ReceiptBatchView.as_view(), name="receipt-batch"),
    path("till/shifts/", views.ShiftOpenView.as_view(), name="shift-open"),
    path("till/shifts/<int:shift_id>/close/", views.ShiftCloseView.as_view(), name="shift-close"),
    path("till/state/", views.TillStateView.as_view(), name="till-state"),
    path("till/catalogue/", views.CatalogueView.as_view(), name="catalogue"),
    path("till/barcodes/<str:code>/", views.BarcodeLookupView.as_view(), name="barcode-lookup"),
    path("receipts/", backoffice.ReceiptListView.as_view(), name="receipt-list"),
    path("receipts/<int:pk>/", backoffice.ReceiptDetailView.as_view(), name="receipt-detail"),
    path("shifts/", backoffice.ShiftListView.as_view(), name="shift-list"),
    path("shifts/<int:pk>/", backoffice.ShiftDetailView.as_view(), name="shift-detail"),
    path("tills/", backoffice.TillListView.as_view(), name="till-list"),
]
