"""sitemap.xml: the public pages search engines should know, and nothing unpublished.

``/sitemap.xml`` is an index of the sections' pages (``/sitemap-meetings.xml?p=2``), each of at most
``SITEMAP_PAGE`` addresses (about 0.6 MB), so that no answer grows with the archive. The index
gives each section's latest change as one aggregate (``DatedSitemap``): Django's default takes the
latest ``lastmod`` of every item, which read all 124,000 outcomes of a 10,000-meeting archive as
instances (a second a request).
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Meeting, Outcome, Participant

SITEMAP_PAGE = 5000


class DatedSitemap(Sitemap):
    """A section of records, each dated by its ``updated_at``."""

    def lastmod(self, record):
        return record.updated_at

    def get_latest_lastmod(self):
        return self.items().order_by().aggregate(latest=Max("updated_at"))["latest"]


class MeetingSitemap(DatedSitemap):
    limit = SITEMAP_PAGE
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Meeting.objects.published().only("slug", "updated_at").order_by("pk")


class OutcomeSitemap(DatedSitemap):
    """Each outcome's own page: the address readers cite."""

    limit = SITEMAP_PAGE
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Outcome.objects.published().only("pk", "updated_at").order_by("pk")


class ParticipantSitemap(DatedSitemap):
    limit = SITEMAP_PAGE
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return Participant.objects.only("slug", "updated_at").order_by("pk")


class StaticPageSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return [
            "meetings:home",
            "meetings:meeting_list",
            "meetings:participant_list",
            "meetings:action_list",
            "meetings:open_data",
        ]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": StaticPageSitemap,
    "meetings": MeetingSitemap,
    "outcomes": OutcomeSitemap,
    "participants": ParticipantSitemap,
}
