import re

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.views.generic import DetailView
from django_filters.views import FilterView

from .. import versions
from ..filters import MeetingFilter
from ..models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Document,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Outcome,
)
from ..tracker import TRACKER_ORDER, tracker_queryset
from ..versions import first_rows
from .filtering import ActiveFiltersMixin
from .pagination import ForgivingPaginationMixin

# An upcoming meeting's page lists this many of the actions it should review, most pressing first.
REVIEW_SHOWN = 20
# The meetings list shows this many scheduled meetings, soonest first, above those held.
SCHEDULED_SHOWN = 5

# The heading of each attendance group and how its count reads in a sentence ("13 members").

ROLE_GROUPS = {
    AttendanceRole.CO_CHAIR: (
        _("Co-Chairs"),
        ngettext_lazy("%(count)s co-chair", "%(count)s co-chairs", "count"),
    ),
    AttendanceRole.CO_HOST: (
        _("Co-hosts"),
        ngettext_lazy("%(count)s co-host", "%(count)s co-hosts", "count"),
    ),
    AttendanceRole.HOST: (_("Hosts"), ngettext_lazy("%(count)s host", "%(count)s hosts", "count")),
    AttendanceRole.MEMBER: (_("Members"), ngettext_lazy("%(count)s member", "%(count)s members", "count")),
    AttendanceRole.OBSERVER: (
        _("Observers"),
        ngettext_lazy("%(count)s observer", "%(count)s observers", "count"),
    ),
    AttendanceRole.PARTICIPANT: (
        _("Participants"),
        ngettext_lazy("%(count)s participant", "%(count)s participants", "count"),
    ),
    AttendanceRole.SPECIAL_GUEST: (
        _("Special guests"),
        ngettext_lazy("%(count)s special guest", "%(count)s special guests", "count"),
    ),
    AttendanceRole.SPEAKER: (
        _("Speakers"),
        ngettext_lazy("%(count)s speaker", "%(count)s speakers", "count"),
    ),
    AttendanceRole.APOLOGIES: (
        _("Apologies"),
        ngettext_lazy("%(count)s sent apologies", "%(count)s sent apologies", "count"),
    ),
    AttendanceRole.ABSENT: (_("Absent"), ngettext_lazy("%(count)s absent", "%(count)s absent", "count")),
}

SCHEMA_EVENT_STATUS = {
    MeetingStatus.SCHEDULED: "https://schema.org/EventScheduled",
    MeetingStatus.HELD: "https://schema.org/EventScheduled",
    MeetingStatus.POSTPONED: "https://schema.org/EventPostponed",
    MeetingStatus.CANCELLED: "https://schema.org/EventCancelled",
}

SCHEMA_ATTENDANCE_MODE = {
    MeetingFormat.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    MeetingFormat.VIRTUAL: "https://schema.org/OnlineEventAttendanceMode",
    MeetingFormat.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}


def group_attendance(attendances):
    """Attendance grouped by role in the roles' order, each group with its heading and count."""
    by_role = {}
    for attendance in attendances:
        by_role.setdefault(attendance.role, []).append(attendance)
    groups = []
    for role in AttendanceRole:
        members = by_role.get(role.value)
        if not members:
            continue
        heading, count_text = ROLE_GROUPS[role]
        groups.append(
            {
                "role": role.value,
                "heading": heading,
                "attendances": members,
                "count_text": count_text % {"count": len(members)},
            }
        )
    return groups


class MeetingListView(ActiveFiltersMixin, ForgivingPaginationMixin, FilterView):
    """``/meetings/``: the published meetings, filtered by the query string, newest first.

    In that default order the scheduled meetings are apart from the rest: the soonest few above,
    under their own heading, and the list pages through those held (and postponed or cancelled),
    so that it opens with the latest meeting that took place, not next year's. A status chosen, or
    another order, lists every meeting that matches in one list.
    """

    filterset_class = MeetingFilter
    template_name = "meetings/meeting_list.html"
    paginate_by = 20
    # An invalid value is shown as an error beside its field; the other filters still apply.
    strict = False
    removed_with = {"participant": ("role",)}

    def get_queryset(self):
        return (
            Meeting.objects.published_for_listing()
            .select_related("meeting_type")
            .order_by(F("start_date").desc(nulls_last=True), "-pk")
        )

    def get_context_data(self, **kwargs):
        scheduled = None
        if self.keeps_scheduled_apart():
            meetings = kwargs.get("object_list", self.object_list)
            scheduled = meetings.filter(status=MeetingStatus.SCHEDULED)
            kwargs["object_list"] = meetings.exclude(status=MeetingStatus.SCHEDULED)
        context = super().get_context_data(**kwargs)
        self.count_outcomes_and_actions(context["object_list"])
        if scheduled is not None and context["page_obj"].number == 1:
            context.update(self.scheduled_apart(scheduled))
        context["filtered_participant"] = self.filtered_participant()
        if context["filtered_participant"]:
            self.name_roles([*context["object_list"], *context.get("scheduled_meetings", ())])
        if (
            context["active_filters"]
            and not context["paginator"].count
            and not context.get("scheduled_count")
        ):
            self.count_without_each(context["active_filters"])
        context["group_by_year"] = self.filterset.sort_value in {"newest", "oldest"}
        return context

    def filtered_participant(self):
        """The participant the list is filtered by, whose role each row then shows, or None."""
        if not self.filterset.is_bound:
            return None
        # Beside an invalid value the valid filters still apply (``strict = False``).
        self.filterset.form.is_valid()
        return self.filterset.form.cleaned_data.get("participant")

    @staticmethod
    def name_roles(meetings):
        """The role the filtered participant attended each meeting in, in words, from the role the
        list's own query read with the meeting (``MeetingFilter.filter_participant``)."""
        for meeting in meetings:
            role = getattr(meeting, "participant_role", None)
            meeting.participant_role_label = AttendanceRole(role).label if role else ""

    def keeps_scheduled_apart(self):
        """Whether this list shows scheduled meetings apart: in the default order, no status chosen."""
        if self.filterset.sort_value != "newest":
            return False
        status = self.filterset.form.cleaned_data.get("status") if self.filterset.is_bound else None
        return not status

    @staticmethod
    def scheduled_apart(scheduled):
        """The soonest scheduled meetings that match, and how many there are.

        Always counted, though a short list could count itself: the page then makes the same
        queries whatever the archive holds (tests/test_archive_bounds.py).
        """
        soonest = list(scheduled.order_by(F("start_date").asc(nulls_last=True), "pk")[:SCHEDULED_SHOWN])
        return {"scheduled_meetings": soonest, "scheduled_count": scheduled.count()}

    @staticmethod
    def count_outcomes_and_actions(meetings):
        """Outcome and action counts for the meetings of this page, in one query.

        Counting them in the list's own query would join every action of every meeting before
        paging, and again in the paginator's count: seconds on an archive of thousands.
        """
        meetings = list(meetings)  # evaluates the page's queryset once; the template reuses it
        counts = {
            pk: (outcome_count, action_count)
            for pk, outcome_count, action_count in Meeting.objects.filter(pk__in=[m.pk for m in meetings])
            .annotate(
                outcome_count=Count("outcomes", distinct=True),
                action_count=Count("outcomes__action_items", distinct=True),
            )
            .values_list("pk", "outcome_count", "action_count")
        }
        for meeting in meetings:
            meeting.outcome_count, meeting.action_count = counts.get(meeting.pk, (0, 0))

    def count_without_each(self, active_filters):
        """For an empty result: how many meetings each filter's removal would bring back.

        One count per filter in force, so at most one per query parameter, whatever the data size.
        """
        for active in active_filters:
            widened = self.filterset_class(data=active["remaining"], queryset=Meeting.objects.published())
            active["count_without"] = widened.qs.count()


class MeetingDetailView(DetailView):
    """``/meetings/<slug>/``: one meeting's record. Editors see drafts too, marked as such."""

    template_name = "meetings/meeting_detail.html"

    def get_queryset(self):
        user = self.request.user
        meetings = (
            Meeting.objects.all() if user.is_authenticated and user.is_staff else Meeting.objects.published()
        )
        published_meetings = Meeting.objects.published().select_related("meeting_type")
        action_items = ActionItem.objects.select_related("due_at_next").prefetch_related(
            Prefetch("ownerships", queryset=ActionOwner.objects.select_related("participant"))
        )
        meetings = meetings.annotate(**self.neighbours())
        return meetings.select_related("meeting_type", "parent", "convening_body").prefetch_related(
            "themes",
            "documents",
            Prefetch(
                "attendances",
                queryset=Attendance.objects.select_related("participant").order_by(
                    "position", "participant__name"
                ),
            ),
            Prefetch(
                "outcomes",
                # Each outcome's one-line summary of its actions: counted in the outcomes' own query.
                queryset=Outcome.objects.with_action_tallies().prefetch_related(
                    # An outcome may cite a document of another meeting: only a published one shows.
                    Prefetch("documents", queryset=Document.objects.published()),
                    Prefetch("action_items", queryset=action_items),
                ),
            ),
            Prefetch(
                "sub_meetings",
                queryset=published_meetings.order_by(F("start_date").asc(nulls_last=True), "pk"),
                to_attr="published_sub_meetings",
            ),
            Prefetch(
                "related_meetings",
                queryset=published_meetings.order_by(F("start_date").desc(nulls_last=True), "-pk"),
                to_attr="published_related_meetings",
            ),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.object
        attendance_groups = group_attendance(meeting.attendances.all())
        context.update(
            attendance_groups=attendance_groups,
            attendance_count=sum(len(group["attendances"]) for group in attendance_groups),
            date_as_published_differs=bool(meeting.date_as_published)
            and re.sub(r"\b0(\d)", r"\1", meeting.date_as_published.strip()) != meeting.dates_display,
            previous_meeting=self.neighbour(meeting, "previous"),
            next_meeting=self.neighbour(meeting, "next"),
            event_json_ld=self.event_json_ld(meeting),
            parent_meeting=meeting.parent if meeting.parent and meeting.parent.is_published else None,
        )
        if meeting.status == MeetingStatus.SCHEDULED:
            context.update(self.review(meeting))
        return context

    @staticmethod
    def review(meeting):
        """The first actions an upcoming meeting should review, and how many there are by status:
        the page stays one page whatever the archive (the tracker lists them all).

        The counts and the choice of the first actions are remembered until the record changes or
        the day does (``versions``): for the last meeting scheduled on a 10,000-meeting archive they
        read some 170,000 open actions. The actions shown are read by id on every request.
        """
        review = tracker_queryset().for_review_at(meeting)
        today = timezone.localdate()
        last_day = meeting.end_date or meeting.start_date
        due_by_then = Q(due_date__lte=last_day) if last_day else Q(pk__in=[])
        counts = versions.cached(
            f"review-counts:{meeting.pk}:{today}",
            lambda: review.order_by().aggregate(
                total=Count("pk"),
                not_started=Count("pk", filter=Q(status=ActionStatus.NOT_STARTED)),
                in_progress=Count("pk", filter=Q(status=ActionStatus.IN_PROGRESS)),
                overdue=Count("pk", filter=Q(due_date__lt=today)),
                due_by_then=Count("pk", filter=due_by_then),
            ),
        )
        shown = []
        if counts["total"]:
            # In the tracker's order the actions due by the meeting's last day come before any it
            # reviews for another reason (due later, or undated): with enough of them the first are
            # found among those alone, walking the index of due dates (at 10,000 meetings SQLite
            # 400 ms to 1, sorting every action reviewed; PostgreSQL 6.5 to 1.5). A count
            # remembered from before it was counted reads them all.
            if counts.get("due_by_then", 0) >= REVIEW_SHOWN:
                review = review.filter(due_by_then)
            shown = first_rows(
                f"review-shown:{meeting.pk}", review, TRACKER_ORDER, REVIEW_SHOWN, rows=tracker_queryset()
            )
        return {"actions_for_review": list(shown), "review_counts": counts}

    @staticmethod
    def neighbours():
        """The published meetings of the same type just before and after, by date, as columns of
        the meeting's own row: six index probes in its query instead of two queries more."""
        same_type = (
            Meeting.objects.published()
            .filter(meeting_type=OuterRef("meeting_type"))
            .exclude(pk=OuterRef("pk"))
        )
        # The bound on the date alone says the same as the pair of conditions after it, and lets
        # the date index begin its walk at the meeting's own date: without it, PostgreSQL walked
        # from the far end (5,000 rows for a meeting in the middle of 10,000, 5 ms each probe).
        earlier = same_type.filter(
            Q(start_date__lt=OuterRef("start_date"))
            | Q(start_date=OuterRef("start_date"), pk__lt=OuterRef("pk")),
            start_date__lte=OuterRef("start_date"),
        ).order_by("-start_date", "-pk")
        later = same_type.filter(
            Q(start_date__gt=OuterRef("start_date"))
            | Q(start_date=OuterRef("start_date"), pk__gt=OuterRef("pk")),
            start_date__gte=OuterRef("start_date"),
        ).order_by("start_date", "pk")
        return {
            f"{side}_{field}": Subquery(meetings.values(field)[:1])
            for side, meetings in (("previous", earlier), ("next", later))
            for field in ("pk", "slug", "title")
        }

    @staticmethod
    def neighbour(meeting, side):
        pk = getattr(meeting, f"{side}_pk")
        if pk is None:
            return None
        return Meeting(pk=pk, slug=getattr(meeting, f"{side}_slug"), title=getattr(meeting, f"{side}_title"))

    def event_json_ld(self, meeting):
        """schema.org ``Event`` data for search engines and citation tools."""
        build = self.request.build_absolute_uri
        event = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": meeting.title,
            "url": build(meeting.get_absolute_url()),
            "eventStatus": SCHEMA_EVENT_STATUS.get(meeting.status),
            "eventAttendanceMode": SCHEMA_ATTENDANCE_MODE.get(meeting.format),
            "organizer": {"@type": "Organization", "name": "Bali Process", "url": build("/")},
        }
        if meeting.start_date:
            event["startDate"] = meeting.start_date.isoformat()
            event["endDate"] = (meeting.end_date or meeting.start_date).isoformat()
        description = meeting.summary or meeting.purpose
        if description:
            event["description"] = description
        if meeting.format == MeetingFormat.VIRTUAL:
            event["location"] = {"@type": "VirtualLocation", "name": str(_("Online"))}
        elif meeting.city or meeting.country:
            address = {"@type": "PostalAddress"}
            if meeting.city:
                address["addressLocality"] = meeting.city
            if meeting.country:
                address["addressCountry"] = meeting.country.code
            event["location"] = {
                "@type": "Place",
                "name": meeting.venue or meeting.place,
                "address": address,
            }
        return event
