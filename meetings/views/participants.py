from django.views.generic import DetailView, ListView

from ..models import Participant


class ParticipantListView(ListView):
    template_name = "meetings/participant_list.html"
    queryset = Participant.objects.all()


class ParticipantDetailView(DetailView):
    template_name = "meetings/participant_detail.html"
    queryset = Participant.objects.all()
