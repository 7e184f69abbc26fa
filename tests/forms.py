"""What a browser would send back from a form of an admin page, read from the page's HTML.

``posted(response)`` gives the change form's fields as the page fills them in, each name with its
list of values, ready for ``client.post``: text as written, the options selected (the first where a
single select has none), checkboxes ticked, a textarea's text. Buttons and file inputs are not sent,
nor disabled fields. An inline's blank extra rows are sent untouched, as a browser sends them; the
template the admin's "Add another" clones (names with ``__prefix__``) is not sent, but
``add_inline_rows`` adds rows made from it, as that button does.
"""

from html.parser import HTMLParser

NOT_SENT = {"submit", "button", "image", "reset", "file"}


class FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self.select = None
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
            elif kind not in NOT_SENT:
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [option for option in options if option["selected"]]
            if not chosen and options and not self.select["multiple"]:
                chosen = options[:1]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"].strip()
                self.fields.append((self.select["name"], value))
            self.select = self.option = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # A browser drops the line break that follows the opening tag.
            self.fields.append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None


def form_fields(html, form_id):
    """Every (name, value) pair the form ``form_id`` of ``html`` holds, ``__prefix__`` rows included."""
    reader = FormReader(form_id)
    reader.feed(html)
    reader.close()
    return reader.fields


def as_post(pairs):
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def admin_form_id(response):
    return f"{response.context['opts'].model_name}_form"


def posted(response, form_id=None):
    """What submitting the page's admin form unchanged would send (``form_id``: another form)."""
    pairs = form_fields(response.content.decode(), form_id or admin_form_id(response))
    return as_post((name, value) for name, value in pairs if "__prefix__" not in name)


def add_inline_rows(response, data, prefix, rows):
    """Add ``rows`` (each a dict of field name to a value or a list of them) to the inline ``prefix``
    of ``data``, made from the inline's template row as the admin's "Add another" button makes them."""
    template = [
        (name, value)
        for name, value in form_fields(response.content.decode(), admin_form_id(response))
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
