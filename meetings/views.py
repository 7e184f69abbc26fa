"""Public pages. Thin views: querysets own the rules, templates own the shape."""

from django.views.generic import DetailView, ListView, TemplateView

from .models import ActionItem, Meeting, Participant


class HomeView(TemplateView):
    template_name = "meetings/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = Meeting.objects.published().select_related("meeting_type")
        context["upcoming_meetings"] = published.upcoming()[:5]
        context["latest_meetings"] = published.past()[:5]
        return context


class MeetingListView(ListView):
    template_name = "meetings/meeting_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Meeting.objects.published().select_related("meeting_type")


class MeetingDetailView(DetailView):
    template_name = "meetings/meeting_detail.html"

    def get_queryset(self):
        return Meeting.objects.published().select_related("meeting_type")


class ParticipantListView(ListView):
    template_name = "meetings/participant_list.html"
    queryset = Participant.objects.all()


class ParticipantDetailView(DetailView):
    template_name = "meetings/participant_detail.html"
    queryset = Participant.objects.all()


class ActionListView(ListView):
    template_name = "meetings/action_list.html"
    paginate_by = 50

    def get_queryset(self):
        return ActionItem.objects.published().select_related("outcome__meeting")


class ActionDetailView(DetailView):
    template_name = "meetings/action_detail.html"

    def get_queryset(self):
        return ActionItem.objects.published().select_related("outcome__meeting")
