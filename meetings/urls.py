from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/<slug:slug>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/<slug:slug>/", views.ParticipantDetailView.as_view(), name="participant_detail"),
    path("actions/", views.ActionListView.as_view(), name="action_list"),
    path("actions/<int:pk>/", views.ActionDetailView.as_view(), name="action_detail"),
    path("search/", views.SearchView.as_view(), name="search"),
]
