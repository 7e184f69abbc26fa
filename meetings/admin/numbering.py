"""Numbers of new rows: a blank one takes the number after the highest, and a clash names its rows.

An outcome is numbered within its meeting (no two share a number) and an action item is placed
within its outcome. A new one's number starts blank, on its own page and in the rows of its
meeting's or outcome's page alike, and a blank number is given at save: the one after the highest
in use, counting the numbers given in the same form. So nine outcomes entered as nine new rows of
the meeting's page are numbered 1 to 9, without JavaScript and without the editor counting. A
number given by hand is kept; two rows with one number are refused with a message naming them as
the page does, instead of Django's "Please correct the duplicate data for position".
"""

from django import forms
from django.contrib.admin.utils import model_ngettext
from django.db.models import Max
from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

NUMBER_FIELD = "position"
BLANK_HELP = gettext_lazy("Left blank, it takes the number after the highest in use.")


def highest_number(rows):
    """The highest number of ``rows`` (0 for none)."""
    return rows.aggregate(highest=Max(NUMBER_FIELD))["highest"] or 0


class BlankNumberForm(forms.ModelForm):
    """A model form whose number may be left blank, to be given the next one; blank for a new row."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        number = self.fields.get(NUMBER_FIELD)
        if number is None:  # read-only for this user
            return
        number.required = False
        number.help_text = BLANK_HELP
        if self.instance._state.adding and NUMBER_FIELD not in (kwargs.get("initial") or {}):
            # Not the model's default (1, or 0): a number every new row would share.
            self.initial[NUMBER_FIELD] = None


class NumberedForm(BlankNumberForm):
    """The form of an outcome's or action item's own page: a blank number is given the one after
    the highest of the meeting or outcome chosen; with ``unique_numbers``, a number another row of it
    holds is refused by name."""

    parent_field = None
    unique_numbers = False

    def clean(self):
        cleaned_data = super().clean()
        parent = cleaned_data.get(self.parent_field)
        if NUMBER_FIELD not in self.fields or parent is None:
            return cleaned_data
        siblings = self._meta.model._default_manager.filter(**{self.parent_field: parent})
        if self.instance.pk is not None:
            siblings = siblings.exclude(pk=self.instance.pk)
        number = cleaned_data.get(NUMBER_FIELD)
        if number is None and NUMBER_FIELD not in self.errors:
            cleaned_data[NUMBER_FIELD] = highest_number(siblings) + 1
        elif self.unique_numbers and number is not None:
            holder = siblings.filter(**{NUMBER_FIELD: number}).first()
            if holder is not None:
                self.add_error(
                    NUMBER_FIELD,
                    _("%(kind)s “%(holder)s” of this %(parent)s already has number %(number)s.")
                    % {
                        "kind": capfirst(self._meta.model._meta.verbose_name),
                        "holder": holder,
                        "parent": parent._meta.verbose_name,
                        "number": number,
                    },
                )
        return cleaned_data


class NumberedInlineFormSet(BaseInlineFormSet):
    """Rows of a meeting's outcomes or an outcome's action items: blank numbers are given in the
    order of the rows, after the highest number in use or given in this form; with
    ``unique_numbers``, rows that share a number are named in the message."""

    unique_numbers = False

    def clean(self):
        rows = [(index, form) for index, form in enumerate(self.forms) if self._is_kept(form)]
        blank = [form for _index, form in rows if form.cleaned_data.get(NUMBER_FIELD) is None]
        if blank and NUMBER_FIELD in self.form.base_fields:
            given = [form.cleaned_data[NUMBER_FIELD] for _index, form in rows if form not in blank]
            number = max([highest_number(self._saved_rows()), *given])
            for form in blank:
                if NUMBER_FIELD not in form.errors:
                    number += 1
                    form.cleaned_data[NUMBER_FIELD] = number
                    setattr(form.instance, NUMBER_FIELD, number)
        if self.unique_numbers:
            self._refuse_clashes(rows)
        super().clean()

    def _is_kept(self, form):
        """Whether the row is saved: it has a saved row or new values, and is not being deleted."""
        if not hasattr(form, "cleaned_data") or (self.can_delete and self._should_delete_form(form)):
            return False
        return form.instance.pk is not None or form.has_changed()

    def _saved_rows(self):
        model = self.model
        if self.instance.pk is None:
            return model._default_manager.none()
        return model._default_manager.filter(**{self.fk.name: self.instance})

    def _refuse_clashes(self, rows):
        by_number = {}
        for index, form in rows:
            number = form.cleaned_data.get(NUMBER_FIELD)
            if number is not None:
                by_number.setdefault(number, []).append((index, form))
        clashes = []
        for number, sharing in sorted(by_number.items()):
            if len(sharing) < 2:
                continue
            names = get_text_list([self._row_name(index, form) for index, form in sharing], _("and"))
            message = (
                _("%(rows)s both have number %(number)s.")
                if len(sharing) == 2
                else _("%(rows)s all have number %(number)s.")
            ) % {"rows": f"{capfirst(model_ngettext(self.model, len(sharing)))} {names}", "number": number}
            clashes.append(message)
            for _index, form in sharing:
                form.add_error(NUMBER_FIELD, message)
        if clashes:
            clashes.append(_("Give each its own number, or leave it blank to take the next."))
            raise forms.ValidationError(clashes, code="number_clash")

    @staticmethod
    def _row_name(index, form):
        """The row as its heading on the page names it: a saved one by itself, a new one by its place."""
        return f"“{form.instance}”" if form.instance.pk is not None else f"#{index + 1}"
