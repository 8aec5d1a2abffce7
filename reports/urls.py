from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("document/<str:report>/<int:pk>/<str:fmt>/", views.document_report, name="document"),
    path("file/<int:pk>/", views.wait, name="wait"),
    path("file/<int:pk>/download/", views.download, name="download"),
]
