"""Atom feeds. One class per feed, each taking the filters of its public list."""

import datetime

from django.contrib.syndication.views import Feed
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .api.filters import InvalidQuery, OpenMeetingFilter, OutcomeFilter, bad_query_response, valid_filterset
from .filters import ActionFilter, query_with
from .models import ActionItem, Meeting, Outcome, ProgressUpdate
from .text import showable


def showable_values(values):
    """A feed's or an entry's values with their text showable: strings, and lists of them (categories)."""
    return {
        name: [showable(item) for item in value] if isinstance(value, list | tuple) else showable(value)
        for name, value in values.items()
    }


class ShowableAtom1Feed(Atom1Feed):
    """Atom whose text is cleaned of what XML 1.0 cannot carry (meetings/text.py) as it is written.

    Django's XML writer refuses such a character with an error, so one in an older row, or in a
    query value the feed's title repeats (``?q=%01``), would otherwise answer 500 for the whole feed.
    """

    def write(self, outfile, encoding):
        self.feed = showable_values(self.feed)
        self.items = [showable_values(item) for item in self.items]
        super().write(outfile, encoding)


# The media types a program names when it asks for a feed; a browser asks for a page (text/html).
FEED_TYPES = ("application/atom+xml", "application/rss+xml", "application/feed+json")


def for_a_person(request) -> bool:
    """Whether the reader is a browser opening the feed as a page, not a feed reader.

    Browsers show Atom as raw text. An XSLT stylesheet was the old cure, but browsers are removing
    XSLT (Chromium 156 already covers such a page with a warning), so a browser is given the feed
    as an HTML page of the same entries instead. A feed reader names a feed type or ``*/*``, never
    HTML alone.
    """
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and not any(media_type in accept for media_type in FEED_TYPES)


class FilteredFeed(Feed):
    """An Atom feed of a public list that takes the list's filters: a bad value answers 400 and says why."""

    feed_type = ShowableAtom1Feed
    item_count = 50

    def __call__(self, request, *args, **kwargs):
        try:
            if for_a_person(request):
                response = self.page(request, *args, **kwargs)
            else:
                response = super().__call__(request, *args, **kwargs)
        except InvalidQuery as error:
            return bad_query_response(error)
        # The page cache keys the two answers apart too (caching.RecordCacheMiddleware).
        patch_vary_headers(response, ("Accept",))
        return response

    def get_feed(self, obj, request):
        """The feed, naming itself by the address asked for, filters included: Django's names the
        path alone, so a filtered feed's ``rel="self"`` pointed to the unfiltered one."""
        feed = super().get_feed(obj, request)
        feed.feed["feed_url"] = request.build_absolute_uri(request.get_full_path())
        return feed

    def page(self, request, *args, **kwargs):
        """The feed as a page: what it is, the address to give a feed reader, and its entries."""
        feed = self.get_feed(self.get_object(request, *args, **kwargs), request)
        return TemplateResponse(
            request,
            "meetings/feed.html",
            {"feed": showable_values(feed.feed), "entries": [showable_values(item) for item in feed.items]},
        ).render()


class ActionProgressFeed(FilteredFeed):
    """``/feeds/actions/``: the latest progress reported on published actions, newest first."""

    title = _("Bali Process record: progress on follow-up actions")
    subtitle = _("Each entry is a dated update on an action: its status, a note and where it was reported.")

    def get_object(self, request, *args, **kwargs):
        """The tracker's filters (``?owner=rso``, ``?status=open``...): progress on those actions only.

        None when no filter is given: then every published action's progress is read.
        """
        filterset = valid_filterset(ActionFilter, request.GET, ActionItem.objects.published())
        if not any(value not in (None, "") for value in filterset.form.cleaned_data.values()):
            return None
        return filterset.qs

    def link(self, action_items):
        return reverse("meetings:action_list")

    def items(self, action_items):
        if action_items is None:
            # Unfiltered: walk the newest updates by their index, checking each one's meeting, and
            # stop after a page, rather than first collecting every published action.
            updates = ProgressUpdate.objects.filter(
                Meeting.objects.published_condition("action_item__outcome__meeting__")
            )
        else:
            updates = ProgressUpdate.objects.filter(action_item__in=action_items.order_by().values("pk"))
        return updates.select_related("action_item", "meeting").order_by("-date", "-created_at", "-pk")[
            : self.item_count
        ]

    def item_title(self, update):
        return f"{update.action_item.title}: {update.get_status_display()}"

    def item_description(self, update):
        parts = [str(_("Status: %(status)s.") % {"status": update.get_status_display()})]
        if update.note:
            parts.append(update.note)
        if update.meeting and update.meeting.is_published:
            parts.append(str(_("Reported at %(meeting)s.") % {"meeting": update.meeting.title}))
        # Atom summaries are HTML to a feed reader: what editors typed is text, so it is escaped.
        return linebreaks("\n\n".join(parts), autoescape=True)

    def item_link(self, update):
        return f"{update.action_item.get_absolute_url()}#update-{update.pk}"

    def item_pubdate(self, update):
        return timezone.make_aware(datetime.datetime.combine(update.date, datetime.time()))

    def item_updateddate(self, update):
        return update.created_at


class MeetingFeed(FilteredFeed):
    """``/feeds/meetings/``: published meetings, the most recently added or updated first.

    Takes the meetings list's query parameters (``?type=slug``, ``?participant=slug``, ``year``...),
    so a reader can follow one series or one participant. A bad value answers 400 and says why.
    """

    def get_object(self, request, *args, **kwargs):
        return valid_filterset(
            OpenMeetingFilter, request.GET, Meeting.objects.published().select_related("meeting_type")
        )

    def title(self, filterset):
        chosen = [
            f"{filterset.form.fields[name].label}: {value}"
            for name, value in filterset.form.cleaned_data.items()
            if name != "sort" and value not in (None, "")
        ]
        title = gettext("Bali Process record: new and updated meetings")
        return f"{title} ({'; '.join(chosen)})" if chosen else title

    def subtitle(self, filterset):
        return gettext("Each entry is a published meeting record, newest change first.")

    def link(self, filterset):
        query = query_with(filterset.data, page=None).urlencode()
        return reverse("meetings:meeting_list") + (f"?{query}" if query else "")

    def items(self, filterset):
        return filterset.qs.prefetch_related("themes").order_by("-updated_at", "-pk")[: self.item_count]

    def item_title(self, meeting):
        return meeting.title

    def item_description(self, meeting):
        when_and_where = " · ".join(part for part in (meeting.dates_display, meeting.place) if part)
        text = "\n\n".join(part for part in (when_and_where, meeting.summary or meeting.purpose) if part)
        return linebreaks(text, autoescape=True)

    def item_categories(self, meeting):
        return [meeting.meeting_type.name, *(theme.name for theme in meeting.themes.all())]

    def item_pubdate(self, meeting):
        return meeting.published_at

    def item_updateddate(self, meeting):
        return meeting.updated_at


class OutcomeFeed(FilteredFeed):
    """``/feeds/outcomes/``: what published meetings decided, recommended or noted, the outcomes
    recorded most recently first, each entry an outcome's own page.

    Takes the API's outcome filters (``?concerns=unodc``, ``?strength=decision``, ``theme``, ``kind``,
    ``meeting``), so a reader can follow the decisions about one participant.
    """

    title = _("Bali Process record: outcomes of meetings")
    subtitle = _("Each entry is one outcome of a published meeting: what it decided, recommended or noted.")

    def get_object(self, request, *args, **kwargs):
        return valid_filterset(OutcomeFilter, request.GET, Outcome.objects.published_for_listing())

    def link(self, filterset):
        return reverse("meetings:meeting_list")

    def items(self, filterset):
        return (
            filterset.qs.select_related("meeting")
            .prefetch_related("themes")
            # Newest recorded first: the outcomes walked back by their key, and left after a page.
            .order_by("-pk")[: self.item_count]
        )

    def item_title(self, outcome):
        return f"{outcome.citation}: {outcome.get_kind_display()}"

    def item_description(self, outcome):
        return linebreaks(outcome.text, autoescape=True)

    def item_categories(self, outcome):
        return [str(outcome.get_strength_display()), *(theme.name for theme in outcome.themes.all())]

    def item_pubdate(self, outcome):
        return outcome.meeting.published_at

    def item_updateddate(self, outcome):
        return outcome.updated_at
