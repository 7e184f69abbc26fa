"""Anonymous readers are served from the cache, and no change ever leaves them a stale page."""

import dataclasses
import datetime
import io
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from meetings import caching, versions
from meetings.filters import meeting_countries, meeting_years
from tests.admin_forms import opened_form
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/meetings/",
    "/meetings/?year=2014",
    "/meetings/meeting-cached/",
    "/participants/",
    "/participants/cached-state/",
    "/actions/",
    "/actions/?status=overdue",
    "/search/?q=cached",
    "/feeds/meetings/",
    "/feeds/actions/",
    "/api/meetings/",
    "/calendar.ics",
]


@pytest.fixture
def meeting():
    meeting = MeetingFactory(slug="meeting-cached", title="The cached meeting", summary="Words once cached.")
    state = ParticipantFactory(slug="cached-state", name="Cachedland")
    AttendanceFactory(meeting=meeting, participant=state)
    outcome = OutcomeFactory(meeting=meeting, text="An outcome about cached things.")
    ActionItemFactory(outcome=outcome, title="Cached action")
    return meeting


@pytest.mark.parametrize("url", PAGES)
def test_a_second_anonymous_read_is_the_same_answer_from_the_cache_for_one_query(client, meeting, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as captured:
        again = client.get(url)
    assert again["X-Cache"] == "hit"
    assert len(captured) == 1
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def rename_meeting(meeting):
    meeting.title = "The renamed meeting"
    meeting.save()


def add_attendance(meeting):
    AttendanceFactory(meeting=meeting, participant=ParticipantFactory(name="Newcomerland"))


def delete_outcome(meeting):
    meeting.outcomes.get().delete()


def add_theme(meeting):
    meeting.themes.add(ThemeFactory(name="Freshly added theme"))


def rename_participant(meeting):
    state = meeting.attendances.get().participant
    state.name = "Renamedland"
    state.save()


def add_alias(meeting):
    ParticipantAliasFactory(participant=meeting.attendances.get().participant, name="Also Cachedland")


def complete_action(meeting):
    action = meeting.outcomes.get().action_items.get()
    action.change_status("completed", by=None, note="Done.")


def unpublish(meeting):
    meeting.published_at = None
    meeting.save()


@pytest.mark.parametrize(
    ("change", "url"),
    [
        (rename_meeting, "/meetings/meeting-cached/"),
        (add_attendance, "/meetings/meeting-cached/"),
        (delete_outcome, "/meetings/meeting-cached/"),
        (add_theme, "/meetings/meeting-cached/"),
        (rename_participant, "/meetings/meeting-cached/"),
        (add_alias, "/participants/cached-state/"),
        (complete_action, "/actions/"),
        (unpublish, "/meetings/"),
    ],
)
def test_every_kind_of_change_is_seen_by_the_next_reader(client, meeting, change, url):
    cached = client.get(url)
    assert client.get(url)["X-Cache"] == "hit"
    change(meeting)
    fresh = client.get(url)
    assert fresh.get("X-Cache") != "hit"
    assert fresh.content != cached.content


def test_an_edit_through_the_admin_is_seen_by_the_next_anonymous_reader(editor_client):
    meeting = MeetingFactory(title="The cached meeting")
    reader = Client()
    page = meeting.get_absolute_url()
    assert "The cached meeting" in reader.get(page).text
    assert reader.get(page)["X-Cache"] == "hit"
    change_url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    response = editor_client.post(
        change_url, {**opened_form(editor_client, change_url), "title": "Retitled in the admin"}
    )
    assert response.status_code == 302
    assert "Retitled in the admin" in reader.get(page).text
    assert "Retitled in the admin" in reader.get("/meetings/").text


def test_a_scheduled_publication_appears_the_moment_it_comes_due(client, meeting):
    MeetingFactory(title="Published on the dot", published_at=timezone.now() + datetime.timedelta(seconds=1))
    assert "Published on the dot" not in client.get("/meetings/").text
    assert client.get("/meetings/")["X-Cache"] == "hit"
    time.sleep(1.1)
    assert "Published on the dot" in client.get("/meetings/").text


def test_a_new_day_gives_new_pages(client, meeting, monkeypatch):
    """Overdue and upcoming are read from the date: yesterday's pages are not today's."""
    client.get("/actions/?status=overdue")
    assert client.get("/actions/?status=overdue")["X-Cache"] == "hit"
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(versions.timezone, "localdate", lambda *args: tomorrow)
    assert client.get("/actions/?status=overdue")["X-Cache"] == "miss"


def test_editors_bypass_the_cache_and_their_drafts_never_reach_it(editor_client, meeting):
    MeetingFactory(slug="draft-only", title="A draft", published_at=None)
    staff_view = editor_client.get("/meetings/draft-only/")
    assert staff_view.status_code == 200
    assert "X-Cache" not in staff_view
    reader = Client()
    assert reader.get("/meetings/draft-only/").status_code == 404
    assert "A draft" not in reader.get("/meetings/").text


@pytest.mark.parametrize("url", ["/meetings/nowhere/", "/api/meetings/?year=abc", "/admin/login/"])
def test_errors_and_the_admin_are_never_served_from_the_cache(client, meeting, url):
    client.get(url)
    assert client.get(url).get("X-Cache") != "hit"


def test_cached_pages_carry_no_per_request_nonce(client, meeting):
    policies = {client.get("/meetings/meeting-cached/")["Content-Security-Policy"] for _ in range(3)}
    assert len(policies) == 1
    assert "nonce" not in policies.pop()


def after_this_second():
    """Wait until the second of the last change is over: only then is it given as Last-Modified."""
    time.sleep(1.0)


def test_a_reader_who_has_the_page_gets_304_for_one_query(client, meeting):
    after_this_second()
    first = client.get("/meetings/meeting-cached/")
    assert first["Cache-Control"] == "no-cache"
    with CaptureQueriesContext(connection) as captured:
        by_etag = client.get("/meetings/meeting-cached/", headers={"if-none-match": first["ETag"]})
    assert by_etag.status_code == 304
    assert len(captured) == 1
    by_date = client.get("/meetings/meeting-cached/", headers={"if-modified-since": first["Last-Modified"]})
    assert by_date.status_code == 304
    rename_meeting(meeting)
    after_edit = client.get("/meetings/meeting-cached/", headers={"if-none-match": first["ETag"]})
    assert after_edit.status_code == 200


def test_the_version_moves_with_the_change_and_not_without_it(meeting):
    before = versions.current().counter
    with transaction.atomic():
        rename_meeting(meeting)
        assert versions.current().counter > before
        transaction.set_rollback(True)
    assert versions.current().counter == before


def test_generated_records_move_the_version(meeting):
    before = versions.current().counter
    call_command("generate_records", "--meetings", "2", "--seed", "3", stdout=io.StringIO())
    assert versions.current().counter > before


def test_with_the_page_cache_off_pages_are_rendered_each_time_and_still_revalidate(client, meeting, settings):
    settings.PAGE_CACHE = False
    first = client.get("/meetings/meeting-cached/")
    assert "X-Cache" not in client.get("/meetings/meeting-cached/")
    assert (
        client.get("/meetings/meeting-cached/", headers={"if-none-match": first["ETag"]}).status_code == 304
    )


def test_filter_choices_are_remembered_until_the_record_changes(meeting):
    assert ("2014", "2014") in meeting_years()
    with CaptureQueriesContext(connection) as captured:
        assert meeting_years() == [("2014", "2014")]
    assert len(captured) == 1  # the version, not the meetings
    MeetingFactory(start_date=datetime.date(2019, 3, 1), country="ID")
    assert meeting_years() == [("2019", "2019"), ("2014", "2014")]
    assert ("ID", "Indonesia") in meeting_countries()


def test_within_a_request_the_version_is_read_once(client, meeting):
    client.get("/meetings/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/meetings/?type=nope")
    versions_read = [query for query in captured if "meetings_recordversion" in query["sql"]]
    assert len(versions_read) == 1


def test_meetings_attended_on_the_participant_list_follow_every_change(client, meeting, settings):
    settings.PAGE_CACHE = False  # the remembered counts alone, not the page

    def attended():
        listed = client.get("/participants/").context["object_list"]
        return next(participant.meeting_count for participant in listed if participant.slug == "cached-state")

    assert attended() == 1
    state = meeting.attendances.get().participant
    AttendanceFactory(meeting=MeetingFactory(), participant=state)
    assert attended() == 2
    AttendanceFactory(meeting=MeetingFactory(published_at=None), participant=state)
    assert attended() == 2


def test_http_and_https_readers_get_their_own_pages(client, meeting):
    """Absolute links (canonical, JSON-LD, feeds) name the scheme the page was asked for."""
    client.get("/meetings/meeting-cached/")
    secure = client.get("/meetings/meeting-cached/", secure=True)
    assert secure["X-Cache"] == "miss"
    assert b"https://testserver/meetings/meeting-cached/" in secure.content


def test_a_new_release_neither_serves_nor_validates_the_previous_releases_pages(client, meeting, monkeypatch):
    monkeypatch.setenv("DJANGO_RELEASE", "release-1")
    caching.release.cache_clear()
    first = client.get("/meetings/meeting-cached/")
    assert client.get("/meetings/meeting-cached/")["X-Cache"] == "hit"
    monkeypatch.setenv("DJANGO_RELEASE", "release-2")
    caching.release.cache_clear()
    after_deploy = client.get("/meetings/meeting-cached/", headers={"if-none-match": first["ETag"]})
    assert after_deploy.status_code == 200
    assert after_deploy["X-Cache"] == "miss"
    monkeypatch.delenv("DJANGO_RELEASE")
    caching.release.cache_clear()


def test_without_a_release_name_the_release_is_a_digest_of_the_code(monkeypatch):
    monkeypatch.delenv("DJANGO_RELEASE", raising=False)
    caching.release.cache_clear()
    assert len(caching.release()) == 12
    caching.release.cache_clear()


def test_tracker_tallies_are_remembered_for_each_set_of_filters_apart(client, settings):
    settings.PAGE_CACHE = False  # the remembered tallies alone, not the page
    outcome = OutcomeFactory(meeting=MeetingFactory())
    first, second = ParticipantFactory(slug="first-owner"), ParticipantFactory(slug="second-owner")
    ActionOwnerFactory(action_item=ActionItemFactory(outcome=outcome), participant=first)
    for _ in range(2):
        ActionOwnerFactory(action_item=ActionItemFactory(outcome=outcome), participant=second)

    def total(query):
        return client.get("/actions/", query).context["status_total"]

    assert (total({"owner": "first-owner"}), total({"owner": "second-owner"}), total({})) == (1, 2, 3)
    assert (total({"owner": "first-owner"}), total({"owner": "second-owner"}), total({})) == (1, 2, 3)
    ActionOwnerFactory(action_item=ActionItemFactory(outcome=outcome), participant=first)
    assert (total({"owner": "first-owner"}), total({})) == (2, 4)


def test_every_public_answer_is_dated_by_the_record_not_by_its_newest_item(client, meeting):
    """A feed dates itself by its newest entry, which may lie ahead; revalidation needs the record's time."""
    action = meeting.outcomes.get().action_items.get()
    ProgressUpdateFactory(action_item=action, date=timezone.localdate() + datetime.timedelta(days=30))
    after_this_second()
    feed, home = client.get("/feeds/actions/"), client.get("/")
    assert feed["Last-Modified"] == home["Last-Modified"]
    rename_meeting(meeting)
    again = client.get("/feeds/actions/", headers={"if-modified-since": feed["Last-Modified"]})
    assert again.status_code == 200


def test_within_the_second_of_a_change_only_the_etag_validates(client, meeting):
    """Two changes in one second would share a date: a reader holding the first must not get 304."""
    after_this_second()
    dated = client.get("/meetings/meeting-cached/")
    rename_meeting(meeting)
    fresh = client.get("/meetings/meeting-cached/", headers={"if-modified-since": dated["Last-Modified"]})
    assert fresh.status_code == 200
    assert "Last-Modified" not in fresh
    assert "ETag" in fresh


def test_a_database_without_the_version_row_makes_it_on_first_read():
    from meetings.models import RecordVersion

    RecordVersion.objects.all().delete()
    assert versions.current().counter == 1
    MeetingFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    assert RecordVersion.objects.get().next_publication_at is not None


def remembered_kinds(value):
    """The types a remembered value is made of, walking its containers and dataclasses."""
    if isinstance(value, dict):
        return {kind for item in value.items() for kind in remembered_kinds(item)}
    if isinstance(value, list | tuple):
        return {kind for item in value for kind in remembered_kinds(item)} | {type(value)}
    if dataclasses.is_dataclass(value):
        return remembered_kinds(dataclasses.asdict(value))
    if isinstance(value, Promise):  # a label, translated when it is shown
        return {Promise}
    return {type(value)}


def test_tracker_groups_charts_and_participant_counts_remember_plain_values(client, meeting, settings):
    """Counts, names, labels, dates and ids: never a queryset or a model with its prefetch caches."""
    settings.PAGE_CACHE = False
    action = meeting.outcomes.get().action_items.get()
    ActionOwnerFactory(action_item=action, participant=meeting.attendances.get().participant)
    remembered = {}
    cached = versions.cached

    def remembering(name, compute):
        value = cached(name, compute)
        remembered[name.split(":")[0]] = value
        return value

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(versions, "cached", remembering)
        for url in ["/actions/?group=owner", "/actions/?group=meeting", "/actions/charts/"]:
            client.get(url)
        client.get("/participants/cached-state/")

    assert {
        "action-groups",
        "action-unowned",
        "action-status_chart",
        "action-owner_chart",
        "action-overdue_chart",
        "attendance-by-year",
        "owned-action-tallies",
        "recent-attendances",
        "recent-open-ownerships",
    } <= set(remembered)
    plain = {bool, int, float, str, type(None), datetime.date, list, tuple, Promise}
    for name, value in remembered.items():
        assert remembered_kinds(value) <= plain, name


def test_a_feed_opened_in_a_browser_and_read_by_a_feed_reader_are_cached_apart(client, meeting):
    browser = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = client.get("/feeds/meetings/", **browser)
    feed = client.get("/feeds/meetings/")
    again = client.get("/feeds/meetings/", **browser)

    assert page["Content-Type"].startswith("text/html")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert feed["X-Cache"] == "miss"
    assert (again["X-Cache"], again["Content-Type"]) == ("hit", page["Content-Type"])
    assert page["ETag"] != feed["ETag"]
    assert "Accept" in feed["Vary"] and "Accept" in page["Vary"]
