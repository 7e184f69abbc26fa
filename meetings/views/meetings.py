from django.views.generic import DetailView, ListView

from ..models import Meeting


class MeetingListView(ListView):
    template_name = "meetings/meeting_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Meeting.objects.published().select_related("meeting_type")


class MeetingDetailView(DetailView):
    template_name = "meetings/meeting_detail.html"

    def get_queryset(self):
        return Meeting.objects.published().select_related("meeting_type")
