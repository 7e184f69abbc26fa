"""The quick select of the filter panels writes the same HTML as Django's own."""

from django import forms
from pytest_django.asserts import assertHTMLEqual

from meetings.widgets import FilterForm, QuickSelect

CHOICES = [
    ("", "Any"),
    ("x", "X & <Y>"),
    ("Regional", [("au", 'Australia "AU"'), ("id", "Indonesia")]),
]


class PlainForm(forms.Form):
    place = forms.ChoiceField(choices=CHOICES, required=False, help_text="Where it met.")
    number = forms.IntegerField(required=False)


class QuickForm(FilterForm, PlainForm):
    pass


def test_quick_select_writes_what_the_template_writes_selected_grouped_and_escaped():
    for value in ["", "x", "id", "nowhere"]:
        plain, quick = PlainForm({"place": value}), QuickForm({"place": value})
        plain.is_valid(), quick.is_valid()
        assertHTMLEqual(str(quick["place"]), str(plain["place"]))


def test_the_filter_form_swaps_single_selects_only():
    form = QuickForm()
    assert type(form.fields["place"].widget) is QuickSelect
    assert type(form.fields["number"].widget) is forms.NumberInput
    assert 'aria-describedby="id_place_helptext"' in str(form["place"])
