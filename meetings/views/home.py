from django.db.models import Count, Q
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView, TemplateView

from .. import versions
from ..filters import ActionFilter, list_url
from ..models import ActionItem, ActionStatus, Meeting, MeetingType


class HomeView(TemplateView):
    """``/``: what is coming up, the latest records, the tracker in numbers and a search box."""

    template_name = "meetings/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = Meeting.objects.published().select_related("meeting_type")
        # Aggregates over every action and meeting: counted once per change of the record (or day).
        tallies = versions.cached("home-tallies", ActionItem.objects.published_status_tallies)
        context.update(
            upcoming_meetings=published.upcoming()[:4],
            latest_meetings=published.past()[:6],
            open_action_count=tallies["open"],
            overdue_action_count=tallies["overdue"],
            completed_action_count=tallies[ActionStatus.COMPLETED],
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
    published = Count("meetings", filter=Q(meetings__in=Meeting.objects.published()))
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
