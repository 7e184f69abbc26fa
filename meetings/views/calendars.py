"""Meetings as iCalendar files: the filtered list to subscribe to, and one meeting to download."""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View

from ..api.filters import InvalidQuery, OpenMeetingFilter, valid_filterset
from ..calendars import latest_first, meetings_calendar
from ..filters import filters_in_force, query_with
from ..models import Meeting

CALENDAR_TYPE = "text/calendar; charset=utf-8"


class MeetingCalendarView(View):
    """``/calendar.ics``: published meetings, filtered by the meetings list's query parameters.

    At most ``calendars.MAX_EVENTS`` of them, the latest; the calendar's description then says how
    to reach the earlier ones.
    """

    def get(self, request):
        meetings = Meeting.objects.published().filter(start_date__isnull=False).select_related("meeting_type")
        try:
            filterset = valid_filterset(OpenMeetingFilter, request.GET, meetings)
        except InvalidQuery as error:
            return HttpResponseBadRequest(error.explanation(), content_type="text/plain; charset=utf-8")

        def elsewhere(chosen):
            # The year of the earliest meeting kept, whole: the same filters, one year at a time.
            year = query_with(request.GET, year=str(chosen[-1].start_date.year)).urlencode()
            return _(
                "For earlier ones add a year (%(example)s) or another filter of the meetings list, or "
                "read every meeting a page at a time from %(api)s."
            ) % {
                "example": request.build_absolute_uri(f"{reverse('meetings:meeting_calendar')}?{year}"),
                "api": request.build_absolute_uri(reverse("api:meeting_list")),
            }

        meetings, note = latest_first(
            filterset.qs, ("-start_date", "-pk"), what=_("meetings"), elsewhere=elsewhere
        )
        body = meetings_calendar(meetings, request.build_absolute_uri, calendar_name(filterset), note)
        response = HttpResponse(body, content_type=CALENDAR_TYPE)
        response["Content-Disposition"] = 'inline; filename="meetings.ics"'
        return response


def calendar_name(filterset: OpenMeetingFilter) -> str:
    """The name a calendar app shows for the subscription: the site's, then each filter in force.

    Two subscriptions (every ministerial conference; every meeting Canada observed) are two
    calendars side by side in the app, and must not both be called "Bali Process meetings".
    """
    in_force = [f"{label}: {shown}" for _name, label, shown in filters_in_force(filterset, {"sort"})]
    return " · ".join([_("Bali Process meetings"), *in_force])


class MeetingCalendarDownloadView(View):
    """``/meetings/<slug>/calendar.ics``: one published meeting, to add to a calendar."""

    def get(self, request, slug):
        meeting = get_object_or_404(Meeting.objects.published().select_related("meeting_type"), slug=slug)
        if not meeting.start_date:
            raise Http404(_("This meeting has no date on the record yet."))
        body = meetings_calendar([meeting], request.build_absolute_uri, meeting.title)
        response = HttpResponse(body, content_type=CALENDAR_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{meeting.slug}.ics"'
        return response
