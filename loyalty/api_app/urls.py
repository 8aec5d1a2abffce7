from django.urls import path

from . import views

app_name = "loyalty-app"

urlpatterns = [
    path("app/sign-in/", views.SignInStartView.as_view(), name="sign-in"),
    path("app/sign-in/confirm/", views.SignInConfirmView.as_view(), name="sign-in-confirm"),
    path("app/sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("app/me/", views.MeView.as_view(), name="me"),
    path("app/card/", views.CardView.as_view(), name="card"),
    path("app/card/barcode.svg", views.CardBarcodeView.as_view(), name="card-barcode"),
    path("app/shops/", views.ShopsView.as_view(), name="shops"),
]
