from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from config.api_docs import RedocView, SchemaView, SwaggerView

admin.site.site_header = _("Retail back office")
admin.site.site_title = _("Retail back office")
admin.site.index_title = _("Chain administration")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("sales.api.urls")),
    path("api/v1/", include("inventory.api")),
    path("api/v1/", include("cash.api")),
    path("api/v1/", include("loyalty.api_app.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/schema/swagger/", SwaggerView.as_view(url_name="api-schema"), name="api-swagger"),
    path("api/schema/redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
    path("reports/", include("reports.urls")),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
