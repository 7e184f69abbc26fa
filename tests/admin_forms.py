"""Helpers for tests that post the admin's own forms.

What a browser sends back from an admin page, read from the page as served (``form_values``,
``posted``, ``post_admin_form``), so that a test starts from what the page gave (its version and
inline rows included) and changes only what an editor would type; formset management data and a
meeting form's fields, for tests of what a given post does; a records file through the import page;
staff accounts in each editorial role; and a record's first version.
"""

from html.parser import HTMLParser

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from meetings import revisions
from tests.tasks import run_worker

# The controls a browser does not submit with the form (a file input sends no file unless one is chosen).
UNSENT_INPUT_TYPES = {"button", "file", "image", "reset", "submit"}


class FormControls(HTMLParser):
    """The name/value pairs a browser submits from the form ``form_id``, pressing its "Save" button."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.values = {}
        self.inside = False
        self.textarea = None  # [name, text] while inside a textarea
        self.select = None  # [name, multiple, options as [value, selected]] while inside a select
        self.option = None  # [value or None, text] while inside an option

    def add(self, name, value):
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in attrs or not attrs.get("name") and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in UNSENT_INPUT_TYPES:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(attrs["name"], attrs.get("value", "on"))
                return
            self.add(attrs["name"], attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
        elif tag == "select":
            self.select = [attrs["name"], "multiple" in attrs, []]
        elif tag == "option" and self.select is not None:
            self.option = [attrs.get("value"), "", "selected" in attrs]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        if self.option is not None:
            self.option[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # A browser drops the newline that starts a textarea's content (Django's template writes one).
            self.add(name, text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None
        elif tag == "option" and self.option is not None:
            value, text, selected = self.option
            self.select[2].append((text.strip() if value is None else value, selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            name, multiple, options = self.select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]  # a single select with nothing chosen sends its first option
            for value in chosen if multiple else chosen[-1:]:
                self.add(name, value)
            self.select = None


def change_page(record):
    """The address of ``record``'s change page in the admin."""
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def form_values(response, form_id=None):
    """What the change form on ``response``'s page (or the form ``form_id``) would post back, as a
    dict of lists of values."""
    controls = FormControls(form_id or f"{response.context['opts'].model_name}_form")
    controls.feed(response.content.decode())
    controls.close()
    assert controls.values, "no change form on the page"
    return {**controls.values, "_save": ["Save"]}


def opened_form(client, url):
    """Open the change page at ``url`` as ``client`` and return what its form would post back."""
    response = client.get(url)
    assert response.status_code == 200, url
    return form_values(response)


def value_of(values, name):
    """The one value of the control ``name`` in ``values`` (from ``form_values``)."""
    (value,) = values[name]
    return value


def page_version(client, record):
    """The version ``record``'s change page carries as ``client`` opens it ("" on a page to view only).

    For tests that post a form of their own making: the version is the page's, as for a browser.
    """
    return opened_form(client, change_page(record)).get("version", [""])[0]


def posted(response, form_id=None):
    """What submitting the page's admin form unchanged would send (``form_id``: another form), without
    the template row the admin's "Add another" clones."""
    values = form_values(response, form_id)
    return {name: value for name, value in values.items() if "__prefix__" not in name}


def form_fields(html, form_id):
    """Every (name, value) pair the form ``form_id`` of ``html`` holds, ``__prefix__`` rows included."""
    controls = FormControls(form_id)
    controls.feed(html)
    controls.close()
    return [(name, value) for name, values in controls.values.items() for value in values]


def add_inline_rows(response, data, prefix, rows):
    """Add ``rows`` (each a dict of field name to a value or a list of them) to the inline ``prefix``
    of ``data``, made from the inline's template row as the admin's "Add another" button makes them."""
    opts = response.context["opts"]
    template = [
        (name, value)
        for name, value in form_fields(response.content.decode(), f"{opts.model_name}_form")
        if name.startswith(f"{prefix}-__prefix__-")
    ]
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    for row in rows:
        fields = {name.removeprefix(f"{prefix}-__prefix__-"): [value] for name, value in template}
        fields.update({name: value if isinstance(value, list) else [value] for name, value in row.items()})
        for name, values in fields.items():
            data[f"{prefix}-{total}-{name}"] = values
        total += 1
    data[f"{prefix}-TOTAL_FORMS"] = [str(total)]
    return data


def post_admin_form(client, url, changes=None, form_id=None):
    """GET the admin form at ``url``, apply ``changes`` (name -> value or list), POST it back."""
    page = client.get(url)
    assert page.status_code == 200, url
    data = posted(page, form_id)
    for name, value in (changes or {}).items():
        data[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return client.post(url, data)


# Forms of a test's own making, for tests of what a given post does. -------------------------------


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
    """Upload a records file on the import page, let the task worker preview it and, if the preview
    offers to, apply it; the page last shown (the upload form with its errors, or a task's page)."""
    preview = upload_records(client, text)
    if preview.status_code != 200 or not preview.context.get("may_apply"):
        return preview
    return apply_preview(client, preview)


def upload_records(client, text, name="records.json"):
    """Upload a records file and run its preview's task: the preview's page (or the refused form)."""
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/json")
    response = client.post(reverse("records_import"), {"file": upload})
    if response.status_code != 302:
        return response
    run_worker()
    return client.get(response.url)


def apply_preview(client, preview):
    """Confirm the preview shown on ``preview`` (its page) and run the apply's task: its page."""
    response = client.post(preview.wsgi_request.path)
    if response.status_code != 302:
        return response
    run_worker()
    return client.get(response.url)


def first_version(record):
    """The latest version of ``record``; its first is made now if it has none, as
    ``createinitialrevisions`` gives every record that predates its history."""
    if not Version.objects.get_for_object(record).exists():
        with revisions.revision(comment="Initial version."):
            revisions.add(record)
    return Version.objects.get_for_object(record).first()
