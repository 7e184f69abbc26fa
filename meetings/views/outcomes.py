"""``/outcomes/<id>/``: one outcome's own page, the permanent address that cites it."""

from django.db.models import Prefetch, QuerySet
from django.views.generic import DetailView

from ..models import (
    ActionItem,
    Document,
    Meeting,
    Membership,
    Outcome,
)


def visible_meetings(user) -> QuerySet[Meeting]:
    """The meetings whose record ``user`` may read: the published ones; editors preview drafts too."""
    return Meeting.objects.all() if user.is_authenticated and user.is_staff else Meeting.objects.published()


class OutcomeDetailView(DetailView):
    """One outcome: its text, kind and strength, the meeting that decided it, whom and what it
    concerns, its documents, and its actions with their status and progress. A draft meeting's
    outcomes answer 404 to the public, as the meeting does."""

    template_name = "meetings/outcome_detail.html"

    def get_queryset(self):
        action_items = (
            ActionItem.objects.select_related("due_at_next")
            .with_owners()
            .with_updates()
            .order_by("position", "pk")
        )
        memberships = Membership.objects.select_related("participant", "body").order_by(
            "body__name", "participant__name", "pk"
        )
        return (
            Outcome.objects.filter(meeting__in=visible_meetings(self.request.user))
            .select_related("meeting__meeting_type")
            .prefetch_related(
                "concerns",
                "themes",
                # An outcome may cite a document of another meeting: only a published one shows.
                Prefetch("documents", queryset=Document.objects.published()),
                Prefetch("action_items", queryset=action_items),
                Prefetch("memberships_granted", queryset=memberships),
                Prefetch("memberships_ended", queryset=memberships),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        outcome = self.object
        context.update(
            meeting=outcome.meeting,
            permalink=self.request.build_absolute_uri(outcome.get_absolute_url()),
            outcome_json_ld=self.outcome_json_ld(outcome),
        )
        return context

    def outcome_json_ld(self, outcome: Outcome) -> dict:
        """schema.org data: the outcome as a statement recorded at its meeting (an ``Event``)."""
        build = self.request.build_absolute_uri
        meeting = outcome.meeting
        event = {"@type": "Event", "name": meeting.title, "url": build(meeting.get_absolute_url())}
        if meeting.start_date:
            event["startDate"] = meeting.start_date.isoformat()
        if meeting.place:
            event["location"] = {"@type": "Place", "name": meeting.place}
        statement = {
            "@context": "https://schema.org",
            "@type": "CreativeWork",
            "name": outcome.citation,
            "url": build(outcome.get_absolute_url()),
            "identifier": str(outcome.pk),
            "text": outcome.text,
            "genre": str(outcome.get_kind_display()),
            "recordedAt": event,
            "publisher": {"@type": "Organization", "name": "Bali Process", "url": build("/")},
        }
        if meeting.start_date:
            statement["dateCreated"] = meeting.start_date.isoformat()
        concerns = [
            {"@type": "Organization", "name": participant.name, "url": build(participant.get_absolute_url())}
            for participant in outcome.concerns.all()
        ]
        if concerns:
            statement["about"] = concerns
        themes = [theme.name for theme in outcome.themes.all()]
        if themes:
            statement["keywords"] = themes
        return statement
