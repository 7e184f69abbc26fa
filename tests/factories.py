"""factory_boy factories for the domain; each builds a valid row with the fewest fields set."""

import datetime

import factory
from django.utils import timezone

from meetings.models import (
    ActionItem,
    ActionOwner,
    ActionStatus,
    Attendance,
    AttendanceRole,
    Document,
    DocumentKind,
    Meeting,
    MeetingStatus,
    MeetingType,
    Membership,
    MembershipStatus,
    Outcome,
    OutcomeKind,
    OwnerRole,
    Participant,
    ParticipantAlias,
    ParticipantKind,
    ProgressUpdate,
    Theme,
)


class MeetingTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingType
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Meeting type {n}")
    slug = factory.Sequence(lambda n: f"meeting-type-{n}")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant
        django_get_or_create = ["slug"]

    kind = ParticipantKind.STATE
    name = factory.Sequence(lambda n: f"State {n}")
    slug = factory.Sequence(lambda n: f"state-{n}")
    country = "AU"


class OrganisationFactory(ParticipantFactory):
    kind = ParticipantKind.INTERNATIONAL_ORGANISATION
    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    short_name = factory.Sequence(lambda n: f"ORG{n}")
    country = ""


class ForumBodyFactory(ParticipantFactory):
    kind = ParticipantKind.FORUM_BODY
    name = factory.Sequence(lambda n: f"Body {n}")
    slug = factory.Sequence(lambda n: f"body-{n}")
    country = ""


class ParticipantAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipantAlias

    participant = factory.SubFactory(ParticipantFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    participant = factory.SubFactory(ParticipantFactory)
    status = MembershipStatus.MEMBER


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    meeting_type = factory.SubFactory(MeetingTypeFactory)
    title = factory.Sequence(lambda n: f"Meeting {n}")
    slug = factory.Sequence(lambda n: f"meeting-{n}")
    start_date = datetime.date(2014, 8, 6)
    end_date = factory.SelfAttribute("start_date")
    city = "Canberra"
    country = "AU"
    status = MeetingStatus.HELD
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set(extracted)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    participant = factory.SubFactory(ParticipantFactory)
    role = AttendanceRole.MEMBER


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = OutcomeKind.AGREED
    text = factory.Sequence(lambda n: f"Members agreed on point {n}.")


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    outcome = factory.SubFactory(OutcomeFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    status = ActionStatus.NOT_STARTED


class ActionOwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionOwner

    action_item = factory.SubFactory(ActionItemFactory)
    participant = factory.SubFactory(ParticipantFactory)
    role = OwnerRole.LEAD


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    action_item = factory.SubFactory(ActionItemFactory)
    date = datetime.date(2015, 3, 27)
    status = ActionStatus.IN_PROGRESS


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Document {n}")
    kind = DocumentKind.CO_CHAIRS_STATEMENT
    url = factory.Sequence(lambda n: f"https://example.org/documents/{n}.pdf")
