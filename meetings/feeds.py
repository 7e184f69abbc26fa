"""Atom feeds. One class per feed."""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import ActionItem, ProgressUpdate


class ActionProgressFeed(Feed):
    """``/feeds/actions/``: the latest progress reported on published actions, newest first."""

    feed_type = Atom1Feed
    title = _("Bali Process record: progress on follow-up actions")
    subtitle = _("Each entry is a dated update on an action: its status, a note and where it was reported.")
    item_count = 50

    def link(self):
        return reverse("meetings:action_list")

    def items(self):
        return (
            ProgressUpdate.objects.filter(action_item__in=ActionItem.objects.published())
            .select_related("action_item", "meeting")
            .order_by("-date", "-created_at", "-pk")[: self.item_count]
        )

    def item_title(self, update):
        return f"{update.action_item.title}: {update.get_status_display()}"

    def item_description(self, update):
        parts = [str(_("Status: %(status)s.") % {"status": update.get_status_display()})]
        if update.note:
            parts.append(update.note)
        if update.meeting and update.meeting.is_published:
            parts.append(str(_("Reported at %(meeting)s.") % {"meeting": update.meeting.title}))
        return "\n\n".join(parts)

    def item_link(self, update):
        return f"{update.action_item.get_absolute_url()}#update-{update.pk}"

    def item_pubdate(self, update):
        return timezone.make_aware(datetime.datetime.combine(update.date, datetime.time()))

    def item_updateddate(self, update):
        return update.created_at
