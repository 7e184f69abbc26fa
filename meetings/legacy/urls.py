"""Staff addresses of the legacy page importer, mounted under /admin/old-pages/ and guarded by the admin."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("import/", admin.site.admin_view(views.import_page_view), name="legacy_import_page"),
    path("import-folder/", admin.site.admin_view(views.import_folder_view), name="legacy_import_folder"),
    path(
        "import-folder/<uuid:token>/report.json",
        admin.site.admin_view(views.folder_report_json_view),
        name="legacy_import_report_json",
    ),
]
