"""Posting an admin page back as a browser would: every field it shows, with only the changes given."""

from html.parser import HTMLParser

from django.http import QueryDict


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
