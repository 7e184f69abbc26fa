from django.db.models import Count
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView, TemplateView

from .. import versions
from ..filters import ActionFilter, list_url
from ..models import ActionStatus, Meeting, MeetingType
from ..tallies import published_status_counts


class HomeView(TemplateView):
    """``/``: what is coming up, the latest records, the tracker in numbers and a search box."""

    template_name = "meetings/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = Meeting.objects.published().select_related("meeting_type")
        # The latest walk the date index from the newest and stop at six (1 ms against 12 on SQLite
        # at 10,000 meetings, which otherwise sorts every published meeting); those to come are
        # few, found by the publication index and sorted (walked from the oldest, they cost more).
        listed = Meeting.objects.published_for_listing().select_related("meeting_type")
        # Every published action by status from the tallies kept on write (meetings.tallies), not
        # counted among all the actions; remembered, as the meeting types' counts, until the record
        # changes (or the day).
        counts = versions.cached("home-tallies", published_status_counts)
        context.update(
            upcoming_meetings=published.upcoming()[:4],
            latest_meetings=listed.past()[:6],
            open_action_count=counts["open"],
            overdue_action_count=counts["overdue"],
            completed_action_count=counts[ActionStatus.COMPLETED],
            tracker_urls={
                "all": list_url("meetings:action_list"),
                "open": list_url("meetings:action_list", status=ActionFilter.OPEN),
                "overdue": list_url("meetings:action_list", status=ActionFilter.OVERDUE),
                "completed": list_url("meetings:action_list", status=ActionStatus.COMPLETED),
            },
            meeting_types=versions.cached("home-meeting-types", published_meeting_types),
        )
        return context


def published_meeting_types():
    """The meeting types with published meetings, each with how many."""
    # The publication tested on each joined meeting, not as a list of meetings: PostgreSQL tested
    # that list for every meeting (18 ms at 10,000 meetings, against 4).
    published = Count("meetings", filter=Meeting.objects.published_condition("meetings__"))
    return list(MeetingType.objects.annotate(published_count=published).filter(published_count__gt=0))


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    """Everything public may be crawled; the editors' admin may not."""
    sitemap_url = request.build_absolute_uri(reverse("meetings:sitemap"))
    lines = ["User-agent: *", "Allow: /", "Disallow: /admin/", "", f"Sitemap: {sitemap_url}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


class FaviconView(RedirectView):
    """``/favicon.ico`` for clients that ask for it by that name: the SVG icon is the favicon."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")
