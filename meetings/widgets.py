"""Form widgets of the public filter panels."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A select that writes its options in Python rather than through a template per option.

    Django renders each option with its own template include, about 0.3 ms apiece; a filter panel
    with its participants, years, countries and themes has hundreds of options, which made the
    panel most of a list page's time. The HTML is the same as the template's.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option["value"], flatatt(option["attrs"]), option["label"]) for option in options),
            )
            if group_name:
                rendered = format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered)
            groups.append(rendered)
        options = mark_safe("".join(groups))  # each part built by format_html, so escaped
        attributes = flatatt(widget["attrs"])
        return format_html('<select name="{}"{}>{}</select>', widget["name"], attributes, options)


class FilterForm(forms.Form):
    """The form of a public filter set: its single selects render quickly (QuickSelect)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                quick = QuickSelect(attrs=field.widget.attrs)
                quick.choices = field.widget.choices
                quick.is_required = field.widget.is_required
                field.widget = quick


class SuggestingInput(forms.TextInput):
    """A text box for a record's slug that suggests records as the reader types, where scripts run.

    For a choice among thousands (the tracker's meetings), which no select can hold. The box is a
    plain input with an empty ``<datalist>``; static/js/suggest.js fills the list from the API
    (``suggest_url``, searched with ``q``) with each record's title and date. Without scripts the
    slug is typed, or the record chosen by a link to the filtered list.
    """

    def __init__(self, suggest_url: str, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.suggest_url = suggest_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["list"] = f"{widget_attrs.get('id', name)}_choices"
        widget_attrs["data-suggest"] = str(self.suggest_url)
        widget_attrs["autocomplete"] = "off"
        return context

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        list_id = f"{(attrs or {}).get('id', name)}_choices"
        return format_html('{}<datalist id="{}"></datalist>', box, list_id)
