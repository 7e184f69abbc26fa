"""Staff addresses of the records format, mounted under /admin/records/ and guarded by the admin."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("import/", admin.site.admin_view(views.records_import_view), name="records_import"),
    path("export/", admin.site.admin_view(views.records_export_view), name="records_export"),
    path("tasks/<uuid:token>/", admin.site.admin_view(views.records_job_view), name="records_job"),
    path(
        "tasks/<uuid:token>/file", admin.site.admin_view(views.records_job_file_view), name="records_job_file"
    ),
]
