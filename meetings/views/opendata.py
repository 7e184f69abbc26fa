"""``/open-data/``: what programs can read and people can subscribe to, with the addresses to use."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from .. import subscriptions, versions
from ..models import MeetingType
from .home import published_meeting_types


class OpenDataView(TemplateView):
    """The API and its documentation, the feeds, the calendars (one a meeting type) and the exports."""

    template_name = "meetings/open_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        meetings_calendar = reverse("meetings:meeting_calendar")
        types: list[MeetingType] = versions.cached("home-meeting-types", published_meeting_types)
        context.update(
            calendars=[
                subscriptions.calendar(request, _("Every published meeting"), meetings_calendar),
                subscriptions.calendar(
                    request,
                    _("Deadlines of open follow-up actions"),
                    reverse("meetings:action_calendar") + "?" + urlencode({"status": "open"}),
                ),
            ],
            type_calendars=[
                subscriptions.calendar(
                    request,
                    meeting_type.plural_name or meeting_type.name,
                    f"{meetings_calendar}?{urlencode({'type': meeting_type.slug})}",
                )
                for meeting_type in types
            ],
            feeds=[
                subscriptions.feed(request, _("New and updated meetings"), reverse("meetings:meeting_feed")),
                subscriptions.feed(request, _("Outcomes of meetings"), reverse("meetings:outcome_feed")),
                subscriptions.feed(
                    request, _("Progress on follow-up actions"), reverse("meetings:action_feed")
                ),
            ],
            api_root=request.build_absolute_uri(reverse("api:index")),
            api_example=request.build_absolute_uri(
                reverse("api:meeting_list") + "?" + urlencode({"participant": "canada", "role": "observer"})
            ),
        )
        return context
