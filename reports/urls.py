from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("document/<str:report>/<int:pk>/<str:fmt>/", views.document_report, name="document"),
    path("file/<str:token>/", views.wait, name="wait"),
    path("file/<str:token>/download/", views.download, name="download"),
]
