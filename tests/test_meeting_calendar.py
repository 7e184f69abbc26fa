import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings import calendars, versions
from meetings.models import Meeting
from tests.factories import AttendanceFactory, MeetingFactory, MeetingTypeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

CALENDAR = "/calendar.ics"


def events(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_calendar_holds_published_dated_meetings_as_all_day_events(client):
    meeting = MeetingFactory(
        title="Ministerial Conference",
        start_date=datetime.date(2016, 3, 22),
        end_date=datetime.date(2016, 3, 23),
        city="Bali",
        country="ID",
        venue="Nusa Dua",
        summary="The Sixth Ministerial Conference.",
    )
    MeetingFactory(title="Draft", published_at=None)
    MeetingFactory(title="Undated", start_date=None, end_date=None, date_as_published="2017")
    found = events(client.get(CALENDAR))
    assert set(found) == {"Ministerial Conference"}
    event = found["Ministerial Conference"]
    assert event.decoded("DTSTART") == datetime.date(2016, 3, 22)
    # All-day events end on the day after the last day (RFC 5545: DTEND is exclusive).
    assert event.decoded("DTEND") == datetime.date(2016, 3, 24)
    assert str(event["UID"]) == f"meeting-{meeting.pk}@balitracker"
    page = f"http://testserver/meetings/{meeting.slug}/"
    assert str(event["URL"]) == page
    assert page in str(event["DESCRIPTION"])
    assert "The Sixth Ministerial Conference." in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "Nusa Dua, Bali, Indonesia"
    assert event.decoded("LAST-MODIFIED") == meeting.updated_at.replace(microsecond=0)
    assert int(event["SEQUENCE"]) == int(meeting.updated_at.timestamp() // 60)


def test_one_day_meeting_ends_the_next_day(client):
    MeetingFactory(title="One day", start_date=datetime.date(2014, 8, 6), end_date=None)
    event = events(client.get(CALENDAR))["One day"]
    assert event.decoded("DTEND") == datetime.date(2014, 8, 7)


def test_uid_stays_and_sequence_grows_when_a_meeting_is_edited(client):
    meeting = MeetingFactory(title="Edited")
    before = events(client.get(CALENDAR))["Edited"]
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=meeting.updated_at + datetime.timedelta(hours=1))
    versions.bump()  # update() sends no signal; a save through the admin moves the version itself
    after = events(client.get(CALENDAR))["Edited"]
    assert after["UID"] == before["UID"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 60
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")


def test_status_follows_the_meeting(client):
    today = timezone.localdate()
    MeetingFactory(title="Held", status="held")
    MeetingFactory(title="Coming", status="scheduled", start_date=today + datetime.timedelta(days=30))
    MeetingFactory(title="Due today", status="scheduled", start_date=today)
    MeetingFactory(title="Postponed", status="postponed", start_date=today + datetime.timedelta(days=30))
    MeetingFactory(title="Called off", status="cancelled", start_date=today + datetime.timedelta(days=30))
    statuses = {summary: str(event["STATUS"]) for summary, event in events(client.get(CALENDAR)).items()}
    assert statuses == {
        "Held": "CONFIRMED",
        "Coming": "TENTATIVE",
        "Due today": "CONFIRMED",
        "Postponed": "TENTATIVE",
        "Called off": "CANCELLED",
    }


def test_calendar_honours_the_meetings_list_filters(client):
    ahg = MeetingTypeFactory(slug="ahg")
    thailand = ParticipantFactory(slug="thailand", country="TH")
    attended = MeetingFactory(title="Attended", meeting_type=ahg, start_date=datetime.date(2015, 5, 1))
    AttendanceFactory(meeting=attended, participant=thailand)
    MeetingFactory(title="Other", start_date=datetime.date(2016, 5, 1), status="scheduled")
    assert set(events(client.get(f"{CALENDAR}?type=ahg"))) == {"Attended"}
    assert set(events(client.get(f"{CALENDAR}?participant=thailand"))) == {"Attended"}
    assert set(events(client.get(f"{CALENDAR}?year=2016"))) == {"Other"}
    assert set(events(client.get(f"{CALENDAR}?status=scheduled"))) == {"Other"}
    assert events(client.get(f"{CALENDAR}?year=2030")) == {}


def calendar_name(response):
    assert response.status_code == 200, response.content
    return str(icalendar.Calendar.from_ical(response.content)["X-WR-CALNAME"])


def test_a_subscribed_calendar_is_named_after_the_filters_it_keeps(client):
    """Side by side in a calendar app, two subscriptions are told apart by their names."""
    MeetingTypeFactory(slug="ministerial-conference", name="Ministerial Conference")
    ParticipantFactory(slug="canada", name="Canada")
    assert calendar_name(client.get(CALENDAR)) == "Bali Process meetings"
    assert (
        calendar_name(client.get(f"{CALENDAR}?type=ministerial-conference&sort=oldest"))
        == "Bali Process meetings · Meeting type: Ministerial Conference"
    )
    assert (
        calendar_name(client.get(f"{CALENDAR}?participant=canada&role=observer"))
        == "Bali Process meetings · Participant: Canada · Attended as: Observer"
    )


def test_calendar_keeps_the_latest_meetings_and_says_how_to_reach_the_others(client, monkeypatch):
    monkeypatch.setattr(calendars, "MAX_EVENTS", 2)
    for year in (2014, 2015, 2016):
        MeetingFactory(title=f"Meeting of {year}", start_date=datetime.date(year, 5, 1))
    response = client.get(CALENDAR)
    assert set(events(response)) == {"Meeting of 2015", "Meeting of 2016"}
    note = str(icalendar.Calendar.from_ical(response.content)["X-WR-CALDESC"])
    assert note.startswith("This calendar holds the 2 latest of the 3 meetings that meet its filters.")
    assert "http://testserver/calendar.ics?year=2015" in note
    filtered = client.get(f"{CALENDAR}?status=held")
    assert "http://testserver/calendar.ics?status=held&year=2015" in str(
        icalendar.Calendar.from_ical(filtered.content)["X-WR-CALDESC"]
    )
    assert "http://testserver/api/meetings/" in note
    fits = client.get(f"{CALENDAR}?year=2014")
    assert set(events(fits)) == {"Meeting of 2014"}
    assert "X-WR-CALDESC" not in icalendar.Calendar.from_ical(fits.content)


@pytest.mark.parametrize("query", ["type=nope", "participant=nobody", "year=abc", "country=ZZ"])
def test_bad_filter_values_answer_400_saying_which(client, query):
    response = client.get(f"{CALENDAR}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.content.decode()


def test_one_meeting_downloads_as_its_own_calendar(client):
    meeting = MeetingFactory(title="Workshop", slug="workshop")
    MeetingFactory(title="Another")
    response = client.get("/meetings/workshop/calendar.ics")
    assert response["Content-Disposition"] == 'attachment; filename="workshop.ics"'
    found = events(response)
    assert set(found) == {"Workshop"}
    assert str(found["Workshop"]["UID"]) == f"meeting-{meeting.pk}@balitracker"


def test_a_draft_or_undated_meeting_has_no_download(client):
    MeetingFactory(slug="draft", published_at=None)
    MeetingFactory(slug="undated", start_date=None, end_date=None)
    assert client.get("/meetings/draft/calendar.ics").status_code == 404
    assert client.get("/meetings/undated/calendar.ics").status_code == 404


def test_calendar_query_count_does_not_grow_with_the_record(client):
    MeetingFactory.create_batch(5)
    with CaptureQueriesContext(connection) as small:
        client.get(CALENDAR)
    MeetingFactory.create_batch(45)
    with CaptureQueriesContext(connection) as large:
        client.get(CALENDAR)
    assert len(small) == len(large) <= 4


def test_meetings_list_and_page_point_to_the_calendar_and_feed(client):
    MeetingFactory(slug="linked", start_date=datetime.date(2014, 8, 6))
    listing = client.get("/meetings/?type=ahg").content.decode()
    assert 'rel="alternate" type="application/atom+xml"' in listing
    assert 'href="/feeds/meetings/?type=ahg"' in listing
    assert 'href="/calendar.ics?type=ahg"' in listing
    page = client.get("/meetings/linked/").content.decode()
    assert 'href="/meetings/linked/calendar.ics"' in page
