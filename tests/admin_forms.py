"""What a browser sends back from an admin change form: its controls, read from the page as served.

Tests that post a change form start from what the page gave (its version and inline rows included)
and change only what an editor would type, so that a test never posts a value the page did not show.
"""

from html.parser import HTMLParser

from django.urls import reverse

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
