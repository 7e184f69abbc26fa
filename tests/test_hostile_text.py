"""Text that cannot be shown is never stored, and never takes an output down.

Forms and the records import refuse a character no output can carry (control characters other than
tab and line breaks, lone surrogates, U+FFFE and U+FFFF), and a line break in a single-line field,
naming the field (and, in an import, the record). Every writer cleans what it writes, so that a row
written before that rule, or a query value, answers 200 or 400, never 5xx: each hostile value is
written straight into every text field of a whole record, as an old row would hold it, and every
public page, feed, calendar, sitemap, API answer and export is fetched.
"""

import datetime
import json
import xml.etree.ElementTree as ET
from io import BytesIO

import icalendar
import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from meetings import versions
from meetings.models import (
    ActionItem,
    ActionOwner,
    Attendance,
    DigestSent,
    Document,
    Meeting,
    MeetingType,
    Membership,
    OldAddress,
    Outcome,
    Participant,
    ParticipantAlias,
    ProgressUpdate,
    Theme,
)
from meetings.models.constraints import ShowableText
from meetings.records import RecordsImport, RecordsInvalid, build_records, records_schema
from meetings.text import UNSHOWABLE_BYTES, one_line, showable, unshowable_character
from tests.admin_forms import post_admin_form
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    AttendanceFactory,
    DocumentFactory,
    ForumBodyFactory,
    MeetingFactory,
    MeetingTypeFactory,
    MembershipFactory,
    OrganisationFactory,
    OutcomeFactory,
    ParticipantAliasFactory,
    ParticipantFactory,
    ProgressUpdateFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"

C0_REFUSED = [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"]
# Every C0 control, DEL and the two XML noncharacters at once, in the middle of a text.
EVERY_CONTROL = "before " + "".join(chr(code) for code in range(0x20)) + "\x7f\ufffe\uffff after"
LONG = "Long text " * 10_000  # 100 kB
RIGHT_TO_LEFT = "\u202eevil.exe\u202c and \u200fRTL mark"

# What an old row may hold, written straight to the database. Lone surrogates are not among them:
# neither SQLite's nor PostgreSQL's driver can encode one, so no row can hold one (the import and
# the writers' cleaning are tested with them below). NUL is left out on PostgreSQL, which refuses it.
OLD_ROW_VALUES = {
    "every-control": EVERY_CONTROL,
    "line-breaks": "CR LF\r\nCR\rLF\nend",
    "formula-and-tab": '\t=HYPERLINK("http://x")\x0b',
    "right-to-left": RIGHT_TO_LEFT,
    "long": LONG,
}


# A whole record, and every text field of it -------------------------------------------------------


def build_record():
    """A published record with one row of every kind, each linked as the public pages show them."""
    meeting_type = MeetingTypeFactory(slug="hostile-type")
    theme = ThemeFactory(slug="hostile-theme")
    state = ParticipantFactory(slug="hostile-state", contact_email="focal@example.org")
    organisation = OrganisationFactory(slug="hostile-org", website="https://example.org/")
    body = ForumBodyFactory(slug="hostile-body")
    ParticipantAliasFactory(participant=state, name="Hostile alias")
    meeting = MeetingFactory(
        slug="hostile-meeting",
        meeting_type=meeting_type,
        convening_body=body,
        start_date=timezone.localdate() + datetime.timedelta(days=30),
        venue="Venue",
        summary="Summary",
        purpose="Purpose",
        body="Body",
        source_urls="https://example.org/source",
        themes=[theme],
    )
    held = MeetingFactory(slug="hostile-held", meeting_type=meeting_type, parent=meeting)
    AttendanceFactory(meeting=meeting, participant=state, person="Person", note="Note")
    AttendanceFactory(meeting=meeting, participant=organisation)
    outcome = OutcomeFactory(meeting=meeting, text="Outcome", addressed_to="Ministers")
    outcome.concerns.add(organisation)
    outcome.themes.add(theme)
    document = DocumentFactory(meeting=meeting, title="Statement")
    outcome.documents.add(document)
    action_item = ActionItemFactory(
        outcome=outcome,
        title="Action",
        description="Description",
        due_as_published="first half of 2015",
        due_date=datetime.date(2015, 6, 30),
        due_precision="half",
        fulfilled_by_meeting=held,
        reported_to=body,
        status="in_progress",
    )
    action_item.themes.add(theme)
    ActionOwnerFactory(action_item=action_item, participant=state)
    ProgressUpdateFactory(action_item=action_item, note="Note", meeting=held, date=timezone.localdate())
    MembershipFactory(participant=state, body=body, note="Note", granted_by=outcome)
    OldAddress.objects.create(meeting=meeting, path="/event/hostile/")
    DigestSent.objects.create(
        participant=state, date=timezone.localdate(), email="a@example.org", action_count=1
    )
    return {"meeting": meeting, "participant": state, "action_item": action_item, "outcome": outcome}


RECORD_MODELS = [
    MeetingType,
    Theme,
    Participant,
    ParticipantAlias,
    Membership,
    Meeting,
    OldAddress,
    Attendance,
    Outcome,
    Document,
    ActionItem,
    ActionOwner,
    ProgressUpdate,
    DigestSent,
]


def text_fields(model):
    """The fields of ``model`` that hold free text: not keys (slugs), not choices."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not isinstance(field, models.SlugField)
    ]


# A path is checked by a database constraint (it starts and ends with "/"); it is a key, not text.
UNWRITABLE = {(OldAddress, "path")}


def write_everywhere(value):
    """``value`` in every text field of every row, as a row written before forms refused it."""
    for model in RECORD_MODELS:
        for row in model.objects.all():
            changes = {}
            for field in text_fields(model):
                if (model, field.name) in UNWRITABLE:
                    continue
                text = value
                if field.unique or model is ParticipantAlias:
                    text = f"{row.pk} {value}"  # first, so that cutting it to length keeps it
                if ON_POSTGRESQL and field.max_length and len(text) > field.max_length:
                    text = text[: field.max_length]  # PostgreSQL enforces the length; SQLite does not
                changes[field.name] = text
            model.objects.filter(pk=row.pk).update(**changes)
    versions.bump()  # QuerySet.update sends no signal


# What a browser asks for when a reader opens a link.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def public_addresses(record):
    meeting, participant = record["meeting"], record["participant"]
    action_item, outcome = record["action_item"], record["outcome"]
    document = meeting.documents.get()
    return [
        reverse("meetings:home"),
        reverse("meetings:meeting_list"),
        reverse("meetings:meeting_list") + "?q=line",
        reverse("meetings:meeting_list") + f"?participant={participant.slug}&role=member",
        meeting.get_absolute_url(),
        reverse("meetings:meeting_calendar_download", args=[meeting.slug]),
        reverse("meetings:outcome_detail", args=[outcome.pk]),
        reverse("meetings:participant_list"),
        participant.get_absolute_url(),
        reverse("meetings:action_list"),
        reverse("meetings:action_list") + "?group=owner",
        reverse("meetings:action_list") + "?group=meeting",
        reverse("meetings:action_detail", args=[action_item.pk]),
        reverse("meetings:action_charts"),
        reverse("meetings:action_export_csv"),
        reverse("meetings:action_export_xlsx"),
        reverse("meetings:action_calendar"),
        reverse("meetings:action_feed"),
        reverse("meetings:action_feed") + f"?owner={participant.slug}",
        reverse("meetings:meeting_feed"),
        reverse("meetings:meeting_feed") + "?q=line",
        reverse("meetings:outcome_feed"),
        reverse("meetings:meeting_calendar"),
        reverse("meetings:search") + "?q=line",
        reverse("meetings:sitemap"),
        reverse("meetings:robots_txt"),
        reverse("meetings:open_data"),
        reverse("api:index"),
        reverse("api:meeting_list"),
        reverse("api:meeting_detail", args=[meeting.slug]),
        reverse("api:participant_list"),
        reverse("api:participant_detail", args=[participant.slug]),
        reverse("api:outcome_list"),
        reverse("api:outcome_detail", args=[outcome.pk]),
        reverse("api:action_list"),
        reverse("api:action_detail", args=[action_item.pk]),
        reverse("api:document_list"),
        reverse("api:document_detail", args=[document.pk]),
        reverse("api:popolo"),
    ]


def readable(response):
    """Parse what the response says it is, as a reader would: each format must be well formed, and
    none holds a control character (JSON escapes them; every other writer cleans them out)."""
    kind = response["Content-Type"]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        sheet = load_workbook(BytesIO(content), read_only=True).active
        content = "\n".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row)
        content = content.encode()
    elif "xml" in kind:
        ET.fromstring(content)
    elif "json" in kind:
        json.loads(content)
    elif "calendar" in kind:
        icalendar.Calendar.from_ical(content)
    assert not UNSHOWABLE_BYTES.search(content), (kind, UNSHOWABLE_BYTES.search(content))


@pytest.mark.parametrize("value", OLD_ROW_VALUES.values(), ids=OLD_ROW_VALUES.keys())
def test_no_output_fails_on_an_old_row_holding_hostile_text(client, editor_client, value):
    if ON_POSTGRESQL:
        value = value.replace("\x00", "")  # PostgreSQL refuses NUL in text: no row there holds one
    record = build_record()
    write_everywhere(value)

    for address in public_addresses(record):
        response = client.get(address)
        assert response.status_code == 200, address
        readable(response)
    # A feed opened in a browser is a page of its own, written from the same rows.
    for address in public_addresses(record):
        if address.startswith("/feeds/"):
            response = client.get(address, headers={"accept": BROWSER_ACCEPT})
            assert response.status_code == 200, address
            assert response["Content-Type"].startswith("text/html"), address
            readable(response)
    staff_addresses = [
        reverse("records_export"),
        reverse("admin:meetings_meeting_change", args=[record["meeting"].pk]),
        reverse("admin:meetings_actionitem_change", args=[record["action_item"].pk]),
        reverse("admin:meetings_participant_change", args=[record["participant"].pk]),
    ]
    for address in staff_addresses:
        assert editor_client.get(address).status_code == 200, address


def test_every_model_with_text_checks_it():
    for model in apps.get_app_config("meetings").get_models():
        if any(isinstance(f, models.CharField | models.TextField) for f in model._meta.concrete_fields):
            assert issubclass(model, ShowableText), model


# The findings, one by one ------------------------------------------------------------------------


def test_a_vertical_tab_in_a_meeting_summary_leaves_the_meetings_feed_up(client):
    MeetingFactory(summary="Pasted from Word:\x0bsecond line")

    response = client.get(reverse("meetings:meeting_feed"))

    assert response.status_code == 200
    assert b"Pasted from Word:second line" in response.content
    ET.fromstring(response.content)


def test_a_form_feed_in_a_progress_note_leaves_the_actions_feed_up(client):
    ProgressUpdateFactory(note="Page one\x0cpage two", date=timezone.localdate())

    response = client.get(reverse("meetings:action_feed"))

    assert response.status_code == 200
    assert b"Page onepage two" in response.content


def test_a_control_character_in_an_action_title_leaves_the_xlsx_export_up(client):
    ActionItemFactory(title="Report\x0b to Ministers")

    response = client.get(reverse("meetings:action_export_xlsx"))

    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content), read_only=True).active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Report to Ministers"]


@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r"])
def test_a_line_break_in_a_meeting_title_leaves_its_calendar_up(client, line_break):
    meeting = MeetingFactory(title=f"Eighth Meeting{line_break}of the Ad Hoc Group")

    response = client.get(reverse("meetings:meeting_calendar_download", args=[meeting.slug]))

    assert response.status_code == 200
    assert b"X-WR-CALNAME:Eighth Meeting of the Ad Hoc Group\r\n" in response.content
    assert b"SUMMARY:Eighth Meeting of the Ad Hoc Group\r\n" in response.content


def test_a_control_character_in_the_query_leaves_the_meetings_feed_up(client):
    MeetingFactory()

    response = client.get(reverse("meetings:meeting_feed") + "?q=%01")

    assert response.status_code == 200
    ET.fromstring(response.content)


def test_the_admin_refused_only_nul_and_now_refuses_a_vertical_tab_naming_the_field(editor_client):
    meeting = MeetingFactory(summary="Summary")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    response = post_admin_form(editor_client, url, {"summary": "The Co-Chairs\x0bwelcomed"})

    assert response.status_code == 200
    assert (
        "Summary contains a control character (U+000B, after “…The Co-Chairs”) that cannot be shown; "
        "remove it." in response.content.decode()
    )
    meeting.refresh_from_db()
    assert meeting.summary == "Summary"


# The cleaning functions ------------------------------------------------------------------------


def test_showable_keeps_text_and_takes_out_what_no_output_carries():
    assert showable(EVERY_CONTROL) == "before \t\n\r after"
    assert showable("a\ud800b\udfffc") == "abc"
    assert showable(RIGHT_TO_LEFT) == RIGHT_TO_LEFT
    assert showable("Türkiye, 中国, 🇦🇺") == "Türkiye, 中国, 🇦🇺"
    assert showable(None) is None


def test_one_line_joins_lines_with_a_space():
    assert one_line(" Eighth\r\n Meeting\x0b\t of\rthe\nGroup ") == "Eighth Meeting of the Group"


@pytest.mark.parametrize("character", [*C0_REFUSED, "\x7f", "\ud800", "\udfff", "\ufffe", "\uffff"])
def test_every_character_no_output_carries_is_found(character):
    assert unshowable_character(f"ab{character}c", single_line=False) == (2, character)


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a\r\nb", "a\rb", RIGHT_TO_LEFT, LONG])
def test_multi_line_text_may_hold_tabs_and_line_breaks(text):
    assert unshowable_character(text, single_line=False) is None


@pytest.mark.parametrize("text", ["a\nb", "a\r\nb", "a\rb"])
def test_single_line_text_may_not_hold_a_line_break(text):
    assert unshowable_character(text, single_line=True) == (1, text[1])


# Query values ------------------------------------------------------------------------------------

HOSTILE_QUERY_VALUES = [
    "%00",
    "%01",
    "%0D%0A",
    "%ED%A0%80",  # a lone surrogate, as UTF-8 would spell one: not UTF-8
    "99999999999999999999",
    "-1",
    "2015-13-45",
    "x" * 2000,
    "'%22%3Cscript%3E%E2%80%AE",
]
QUERY_PARAMETERS = {
    "meetings:meeting_list": [
        "q",
        "year",
        "type",
        "country",
        "participant",
        "role",
        "theme",
        "status",
        "sort",
        "page",
    ],
    "meetings:meeting_feed": [
        "q",
        "year",
        "type",
        "country",
        "participant",
        "role",
        "theme",
        "status",
        "sort",
    ],
    "meetings:meeting_calendar": ["q", "year", "type", "country", "participant", "theme", "status"],
    "meetings:action_list": [
        "q",
        "status",
        "owner",
        "meeting",
        "type",
        "theme",
        "due_before",
        "due_after",
        "group",
        "sort",
        "page",
    ],
    "meetings:action_feed": ["q", "status", "owner", "meeting", "due_before", "due_after"],
    "meetings:outcome_feed": ["meeting", "kind", "strength", "theme", "concerns"],
    "meetings:action_export_csv": ["q", "status", "owner", "meeting", "due_before", "due_after", "sort"],
    "meetings:action_export_xlsx": ["status", "owner"],
    "meetings:action_calendar": ["status", "owner"],
    "meetings:action_charts": ["status", "owner", "meeting", "type", "theme"],
    "meetings:participant_list": ["q", "kind", "status", "page"],
    "meetings:search": ["q", "page", "kind"],
    "api:meeting_list": [
        "q",
        "year",
        "type",
        "country",
        "participant",
        "theme",
        "status",
        "sort",
        "limit",
        "offset",
    ],
    "api:participant_list": ["q", "kind", "status", "limit"],
    "api:outcome_list": ["meeting", "kind", "strength", "theme", "concerns", "offset"],
    "api:action_list": ["q", "status", "owner", "meeting", "due_before", "due_after", "limit"],
    "api:document_list": ["meeting", "kind", "language", "limit"],
}


@pytest.mark.parametrize("value", HOSTILE_QUERY_VALUES, ids=lambda value: value[:20])
def test_a_hostile_query_value_answers_200_or_400_with_an_explanation(client, value):
    build_record()

    for name, parameters in QUERY_PARAMETERS.items():
        for parameter in parameters:
            address = f"{reverse(name)}?{parameter}={value}"
            response = client.get(address)
            assert response.status_code in (200, 400), address
            if response.status_code == 400:
                assert response.content.strip(), address
            if name.endswith("_feed"):
                response = client.get(address, headers={"accept": BROWSER_ACCEPT})
                assert response.status_code in (200, 400), address


def test_a_nul_in_an_api_query_is_refused_in_json_naming_the_parameter(client):
    response = client.get(reverse("api:action_list") + "?q=a%00b&status=open")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {"q": ["holds a NUL character (%00)."]}


# The admin's forms -----------------------------------------------------------------------------

FORM_VALUES = {
    **{
        f"U+{ord(character):04X}": f"before{character}after"
        for character in C0_REFUSED
        if character != "\x00"
    },
    "U+007F": "before\x7fafter",
    "U+FFFE": "before\ufffeafter",
    "U+FFFF": "before\uffffafter",
}


def meeting_admin_form(rf, meeting):
    request = rf.get("/")
    request.user = get_user_model().objects.get(username="editor")
    return admin.site.get_model_admin(Meeting).get_form(request, meeting)


@pytest.mark.parametrize("value", FORM_VALUES.values(), ids=FORM_VALUES.keys())
def test_the_meeting_form_refuses_unshowable_text_naming_the_field(editor_client, rf, value):
    meeting = MeetingFactory(title="Title", summary="Summary")

    form = meeting_admin_form(rf, meeting)(data={"summary": value, "title": value}, instance=meeting)

    assert not form.is_valid()
    code = f"U+{ord(value[6]):04X}"
    kind = "a control character" if ord(value[6]) < 0x80 else "a character"
    assert form.errors["summary"] == [
        f"Summary contains {kind} ({code}, after “…before”) that cannot be shown; remove it."
    ]
    assert form.errors["title"] == [
        f"Title contains {kind} ({code}, after “…before”) that cannot be shown; remove it."
    ]


def test_the_meeting_form_keeps_line_breaks_in_text_and_refuses_them_in_a_line(editor_client):
    meeting = MeetingFactory(title="Title", summary="Summary")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    refused = post_admin_form(editor_client, url, {"date_as_published": "6\r\nAugust"})
    assert "Date as published is a single line and cannot hold a line break (after “…6”)" in (
        refused.content.decode()
    )
    saved = post_admin_form(editor_client, url, {"summary": f"One\r\nTwo\tthree {RIGHT_TO_LEFT}"})
    assert saved.status_code == 302
    meeting.refresh_from_db()
    assert meeting.summary == f"One\r\nTwo\tthree {RIGHT_TO_LEFT}"


def admin_forms_by_model(rf):
    """Each model the admin edits, with every form class it is edited in: its own and inlines'."""
    request = rf.get("/")
    request.user = get_user_model().objects.get(username="editor")
    forms = {}
    for model in RECORD_MODELS:
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        instance = model.objects.first()
        forms.setdefault(model, []).append(model_admin.get_form(request, instance))
        for inline in model_admin.get_inline_instances(request, instance):
            forms.setdefault(inline.model, []).append(inline.get_formset(request, instance).form)
    return forms


ADMIN_FIELDS = [
    (model, field.name)
    for model in RECORD_MODELS
    for field in text_fields(model)
    if model is not DigestSent  # written by the digest command alone, never in a form
]


@pytest.mark.parametrize(
    ("model", "field_name"), ADMIN_FIELDS, ids=[f"{m._meta.model_name}.{f}" for m, f in ADMIN_FIELDS]
)
def test_every_text_field_the_admin_edits_refuses_a_control_character_naming_it(
    editor_client, rf, model, field_name
):
    build_record()
    form_classes = [
        form_class
        for form_class in admin_forms_by_model(rf).get(model, [])
        if field_name in form_class.base_fields
    ]
    if not form_classes:
        pytest.skip(f"no admin form edits {model.__name__}.{field_name}")
    instance = model.objects.first()
    field = model._meta.get_field(field_name)
    before = "P" if field.max_length and field.max_length < 20 else "Pasted"

    for form_class in form_classes:
        form = form_class(data={field_name: f"{before}\x0bfrom Word"[: field.max_length]}, instance=instance)

        assert not form.is_valid()
        if isinstance(field, models.URLField | models.EmailField):
            assert form.errors[field_name]  # no address holds one: the form's own check says so first
        else:
            label = str(field.verbose_name)
            assert (
                f"{label[:1].upper()}{label[1:]} contains a control character (U+000B, after “…{before}”) "
                "that cannot be shown; remove it."
            ) in form.errors[field_name]


# The records import ----------------------------------------------------------------------------


def free_text_fields(definition, document_value, path):
    """(path, single_line_model_field) of every free-text value of the format in ``document_value``.

    Free text is a string that no enum, pattern or reference constrains: what an editor writes.
    """
    definitions = records_schema()["$defs"]
    found = []
    for name, prop in definitions[definition]["properties"].items():
        value = document_value.get(name)
        if "items" in prop:
            items = prop["items"]
            if "$ref" in items and "type" not in items:
                child = items["$ref"].rsplit("/", 1)[-1]
                for index, item in enumerate(value or []):
                    found.extend(free_text_fields(child, item, [*path, name, index]))
                    break  # the first of a list stands for the rest
            elif is_free_text(items) and value:
                found.append([*path, name, 0])
        elif is_free_text(prop):
            found.append([*path, name])
    return found


def is_free_text(prop):
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else types
    return "string" in types and not {"enum", "pattern", "$ref", "const"} & set(prop)


def format_text_paths():
    """The records document of ``build_record()``, and the path of every free-text value in it."""
    build_record()
    document = build_records()
    paths = []
    for kind, definition, slug in (
        ("meeting_types", "meeting_type", "hostile-type"),
        ("themes", "theme", "hostile-theme"),
        ("participants", "participant", "hostile-state"),
        ("meetings", "meeting", "hostile-meeting"),
    ):
        record = record_named(document, kind, slug)
        paths.extend(free_text_fields(definition, record, [kind, document[kind].index(record)]))
    return document, paths


def record_named(document, kind, slug):
    return next(record for record in document[kind] if record["slug"] == slug)


def set_at(document, path, value):
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def path_text(path):
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


IMPORT_VALUES = {
    **{f"U+{ord(character):04X}": f"before{character}after" for character in C0_REFUSED},
    "U+007F": "before\x7fafter",
    "U+D800": "before\ud800after",
    "U+DFFF": "before\udfffafter",
    "U+FFFE": "before\ufffeafter",
}


def import_errors(document):
    records = RecordsImport(json.loads(json.dumps(document)))
    with pytest.raises(RecordsInvalid):
        records.apply()
    return {str(error) for error in records.errors}


def test_the_import_refuses_a_control_character_in_every_text_field_naming_record_and_field():
    document, paths = format_text_paths()
    assert len(paths) > 30, paths
    before = {model.__name__: list(model.objects.values()) for model in RECORD_MODELS}

    for path in paths:
        hostile = json.loads(json.dumps(document))
        set_at(hostile, path, "Pasted\x0bfrom Word")
        errors = import_errors(hostile)
        where = path_text(path)
        wanted = [error for error in errors if error.startswith(f"{where}: ") and "(U+000B" in error]
        assert wanted, (where, errors)

    assert {model.__name__: list(model.objects.values()) for model in RECORD_MODELS} == before


@pytest.mark.parametrize("value", IMPORT_VALUES.values(), ids=IMPORT_VALUES.keys())
def test_the_import_refuses_every_unshowable_character_and_writes_nothing(value):
    document, _paths = format_text_paths()
    counts = {model.__name__: model.objects.count() for model in RECORD_MODELS}
    meeting = record_named(document, "meetings", "hostile-meeting")
    action = meeting["outcomes"][0]["actions"][0]
    meeting["summary"] = value
    action["title"] = value
    meeting["documents"][0]["url"] = f"https://example.org/{value}"
    record_named(document, "participants", "hostile-state")["aliases"] = [value]
    action["updates"][0]["recorded_by"] = value

    errors = import_errors(document)

    m = f"meetings[{document['meetings'].index(meeting)}]"
    p = f"participants[{[r['slug'] for r in document['participants']].index('hostile-state')}]"
    for where in (
        f"{m}.summary",
        f"{m}.outcomes[0].actions[0].title",
        f"{m}.documents[0].url",
        f"{p}.aliases[0]",
        f"{m}.outcomes[0].actions[0].updates[0].recorded_by",
    ):
        assert any(error.startswith(f"{where}: ") and "cannot be shown" in error for error in errors), (
            where,
            errors,
        )
    assert {model.__name__: model.objects.count() for model in RECORD_MODELS} == counts


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"])
def test_the_import_refuses_a_line_break_in_a_single_line_field_and_keeps_it_in_text(line_break):
    document, _paths = format_text_paths()
    meeting = record_named(document, "meetings", "hostile-meeting")
    meeting["title"] = f"Eighth{line_break}Meeting"
    meeting["outcomes"][0]["actions"][0]["due_as_published"] = f"first half{line_break}of 2015"
    record_named(document, "participants", "hostile-state")["aliases"] = [f"Two{line_break}lines"]
    meeting["summary"] = f"One{line_break}two"
    m = f"meetings[{document['meetings'].index(meeting)}]"
    p = f"participants[{[r['slug'] for r in document['participants']].index('hostile-state')}]"

    errors = import_errors(document)

    assert errors == {
        f"{m}.title: Title is a single line and cannot hold a line break (after “…Eighth”); remove it.",
        f"{m}.outcomes[0].actions[0].due_as_published: Timeframe as published is a single line and "
        "cannot hold a line break (after “…first half”); remove it.",
        f"{p}.aliases[0]: Name is a single line and cannot hold a line break (after “…Two”); remove it.",
    }
