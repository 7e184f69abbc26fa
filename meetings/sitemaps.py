"""sitemap.xml: the public pages search engines should know, and nothing unpublished.

``/sitemap.xml`` is an index of the sections' pages (``/sitemap-meetings.xml?p=2``), each of at most
``SITEMAP_PAGE`` addresses (about 0.6 MB), so that no answer grows with the archive.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Meeting, Outcome, Participant

SITEMAP_PAGE = 5000


class MeetingSitemap(Sitemap):
    limit = SITEMAP_PAGE
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Meeting.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, meeting):
        return meeting.updated_at


class OutcomeSitemap(Sitemap):
    """Each outcome's own page: the address readers cite."""

    limit = SITEMAP_PAGE
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Outcome.objects.published().only("pk", "updated_at").order_by("pk")

    def lastmod(self, outcome):
        return outcome.updated_at


class ParticipantSitemap(Sitemap):
    limit = SITEMAP_PAGE
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return Participant.objects.only("slug", "updated_at").order_by("pk")

    def lastmod(self, participant):
        return participant.updated_at


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
