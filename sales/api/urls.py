from django.urls import path

from . import views

app_name = "sales-api"

urlpatterns = [
    path("till/receipts/", views.ReceiptCreateView.as_view(), name="receipt-upload"),
    path("till/shifts/", views.ShiftOpenView.as_view(), name="shift-open"),
    path("till/shifts/<int:shift_id>/close/", views.ShiftCloseView.as_view(), name="shift-close"),
]
