"""Helpers for tests that post the admin's own forms: a page posted back as a browser would,
formset management data, a meeting form's fields, a records file through the import page, and
staff accounts in each editorial role."""

from html.parser import HTMLParser

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.urls import reverse
from reversion.models import Version

from meetings import revisions


class FormFields(HTMLParser):
    """The name and value of every field of a page's main form (``id`` given), as a browser sends them."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self._select = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the newline that follows the opening tag.
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_fields(response, form_id=None) -> QueryDict:
    """The fields ``response``'s admin form would post unchanged (blank extra inline rows included)."""
    if form_id is None:
        opts = response.context["opts"]
        form_id = f"{opts.model_name}_form"
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    data = QueryDict(mutable=True)
    for name, value in parser.fields:
        data.appendlist(name, value)
    return data


def post_admin_form(client, url, changes=None, form_id=None):
    """GET the admin form at ``url``, apply ``changes`` (name -> value or list), POST it back."""
    page = client.get(url)
    assert page.status_code == 200, url
    data = form_fields(page, form_id)
    for name, value in (changes or {}).items():
        if isinstance(value, list):
            data.setlist(name, [str(v) for v in value])
        else:
            data[name] = str(value)
    return client.post(url, data)


def inline_management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def meeting_form_data(meeting_type, **overrides):
    data = {
        "meeting_type": meeting_type.pk,
        "number": "8",
        "title": "Eighth Meeting of the Ad Hoc Group Senior Officials",
        "slug": "eighth-ahg-senior-officials-meeting",
        "status": "held",
        "start_date": "2014-08-06",
        "end_date": "2014-08-06",
        "date_as_published": "06 August 2014",
        "city": "Canberra",
        "country": "AU",
        "format": "in_person",
        "purpose": "To review progress and activities since the 5th Ministerial Conference.",
        "attendance_summary": "",
        "source_urls": "https://baliprocess.net/event/ministerial-conference-2014/",
        **inline_management("attendances", 0),
        **inline_management("outcomes", 0),
        **inline_management("documents", 0),
        **inline_management("old_addresses", 0),
    }
    data.update(overrides)
    return data


def staff_in(role, django_user_model):
    """A staff account in the group of ``role`` (Editor, Publisher, Administrator)."""
    user = django_user_model.objects.create_user(
        f"{role.lower()}-user", f"{role.lower()}@example.org", "a-long-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def import_records(client, text):
    """Upload a records file on the import page and, if it shows a preview, confirm it."""
    upload = SimpleUploadedFile("records.json", text.encode("utf-8"), content_type="application/json")
    preview = client.post(reverse("records_import"), {"file": upload})
    if preview.status_code != 200 or "confirm_form" not in preview.context:
        return preview
    return client.post(reverse("records_import"), {"token": preview.context["confirm_form"].initial["token"]})


def first_version(record):
    """The latest version of ``record``; its first is made now if it has none, as
    ``createinitialrevisions`` gives every record that predates its history."""
    if not Version.objects.get_for_object(record).exists():
        with revisions.revision(comment="Initial version."):
            revisions.add(record)
    return Version.objects.get_for_object(record).first()
