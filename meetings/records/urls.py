"""Staff addresses of the records format, mounted under /admin/records/ and guarded by the admin."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("import/", admin.site.admin_view(views.records_import_view), name="records_import"),
    path("export/", admin.site.admin_view(views.records_export_view), name="records_export"),
]
