from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .feeds import ActionProgressFeed, MeetingFeed, OutcomeFeed
from .sitemaps import SITEMAPS
from .views.actions import ActionChartsView, ActionExportView
from .views.calendars import MeetingCalendarDownloadView, MeetingCalendarView
from .views.documents import DocumentFileView, MeetingImageView
from .views.health import healthz
from .views.home import FaviconView, robots_txt
from .views.opendata import OpenDataView
from .views.outcomes import OutcomeDetailView
from .views.prepared import PreparedExportView, PreparedFileView, PrepareExportView

app_name = "meetings"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # An index of sections, each paged (SITEMAP_PAGE addresses a page): bounded at any archive size.
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "meetings:sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/<slug:slug>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path(
        "meetings/<slug:slug>/calendar.ics",
        MeetingCalendarDownloadView.as_view(),
        name="meeting_calendar_download",
    ),
    path("meetings/<slug:slug>/image", MeetingImageView.as_view(), name="meeting_image"),
    path("outcomes/<int:pk>/", OutcomeDetailView.as_view(), name="outcome_detail"),
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/<slug:slug>/", views.ParticipantDetailView.as_view(), name="participant_detail"),
    path("actions/", views.ActionListView.as_view(), name="action_list"),
    path("actions/<int:pk>/", views.ActionDetailView.as_view(), name="action_detail"),
    path("actions/charts/", ActionChartsView.as_view(), name="action_charts"),
    path("actions/export.csv", ActionExportView.as_view(export_format="csv"), name="action_export_csv"),
    path("actions/export.xlsx", ActionExportView.as_view(export_format="xlsx"), name="action_export_xlsx"),
    path("exports/", PrepareExportView.as_view(), name="prepare_export"),
    path("exports/<uuid:token>/", PreparedExportView.as_view(), name="prepared_export"),
    path("exports/<uuid:token>/file", PreparedFileView.as_view(), name="prepared_file"),
    path("actions/calendar.ics", ActionExportView.as_view(export_format="ics"), name="action_calendar"),
    path("feeds/actions/", ActionProgressFeed(), name="action_feed"),
    path("feeds/meetings/", MeetingFeed(), name="meeting_feed"),
    path("feeds/outcomes/", OutcomeFeed(), name="outcome_feed"),
    path("calendar.ics", MeetingCalendarView.as_view(), name="meeting_calendar"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("open-data/", OpenDataView.as_view(), name="open_data"),
    path("documents/<int:pk>/file/", DocumentFileView.as_view(), name="document_file"),
]
