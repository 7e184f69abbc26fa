from django.views.generic import TemplateView

from ..models import Meeting


class HomeView(TemplateView):
    template_name = "meetings/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = Meeting.objects.published().select_related("meeting_type")
        context["upcoming_meetings"] = published.upcoming()[:5]
        context["latest_meetings"] = published.past()[:5]
        return context
