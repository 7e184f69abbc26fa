from django.contrib import admin
from django.urls import include, path

from meetings.api import api

admin.site.site_header = "Bali Process record: editors"
admin.site.site_title = "Bali Process record"
admin.site.index_title = "Meeting records"

# A database that is down or locked answers 503 with Retry-After (JSON under /api/), not 500.
handler500 = "meetings.views.errors.server_error"

urlpatterns = [
    path("admin/records/", include("meetings.records.urls")),
    path("admin/old-pages/", include("meetings.legacy.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("meetings.urls")),
]
