"""Optimistic locking of the admin's forms: a save never silently overwrites someone else's.

A change page carries, in one signed hidden field, the version of what it shows as it was opened: a
digest of each row read from the database, the record's and those of every inline row of the page.
Saving reads the rows again, locked for the rest of the save's transaction, and compares: if the
record or one of its rows was changed or deleted since, or rows were added to it, the save is refused
with a message saying who did that and when (on the form, and on the inline row concerned), nothing
is written and the page keeps what the editor typed. With the versions equal, the rows in the database
are the rows as the page showed them, so Django's comparison of each posted row with the database
finds only the rows the editor changed, and writes only those. A list with editable columns
(``list_editable``) carries the version of its rows in the same way.

A digest of the row's columns, rather than its last-saved time, versions every model alike: those
without ``updated_at`` (attendance, owners, other names) and writes that do not move it
(``QuerySet.update``).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.apps import apps
from django.contrib.admin.utils import flatten_fieldsets
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, router, transaction
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from reversion.models import Version

VERSION_FIELD = "version"
SALT = "meetings.admin.locking"

CHANGED, ADDED, DELETED = "changed", "added", "deleted"


def last_change(instance: models.Model) -> tuple[models.Model | None, datetime | None]:
    """Who last saved, added or deleted ``instance`` (a row, or the pk of a deleted one), and when.

    The one place the locking reads the record's history: its latest revision (every write path
    keeps one; see meetings/revisions.py). A row with none is known only by its last-saved time,
    where it has one. (None, None) when nothing is known.
    """
    version = Version.objects.get_for_object(instance).select_related("revision__user").first()
    if version is None:
        return None, getattr(instance, "updated_at", None)
    return version.revision.user, version.revision.date_created


def row_key(model: type[models.Model], pk: object) -> str:
    return f"{model._meta.label_lower}:{pk}"


def row_versions(rows: models.QuerySet, *, locked: bool) -> dict[str, str]:
    """The version of each of ``rows`` now, {"label:pk": digest}: a digest of its columns' values.

    ``locked`` rows stay locked until the transaction commits: a save elsewhere waits for this one,
    then finds them changed. Outside a transaction (a page's GET) there is nothing to hold a lock.
    """
    model = rows.model
    if locked and transaction.get_connection(router.db_for_write(model)).in_atomic_block:
        # Of the row's own table: PostgreSQL locks no row of an outer join (a manager's related rows).
        rows = rows.select_for_update(of=("self",))
    columns = [field.attname for field in model._meta.concrete_fields]
    return {
        row_key(model, pk): hashlib.sha256(json.dumps(values, cls=DjangoJSONEncoder).encode()).hexdigest()
        for pk, *values in rows.values_list("pk", *columns)
    }


def signed(versions: dict[str, str]) -> str:
    return signing.dumps(versions, salt=SALT, compress=True)


def unsigned(version: str | None) -> dict[str, str] | None:
    """The versions a page posted back, or None when it posted none (or a tampered one)."""
    try:
        versions = signing.loads(version or "", salt=SALT)
    except signing.BadSignature:
        return None
    return versions if isinstance(versions, dict) else None


def posted_pk(form: forms.ModelForm) -> object:
    """The key of the row a formset's form was posted for, whether Django found the row or not."""
    return form.instance.pk or form.data.get(form.add_prefix(form._meta.model._meta.pk.name))


def by_whom(who: models.Model | None, when: datetime | None) -> str:
    """ "by editor at 6 August 2014, 10:02", as the messages below say it."""
    who = who or _("someone")
    if when is None:
        return _("by %(who)s") % {"who": who}
    return _("by %(who)s at %(when)s") % {"who": who, "when": date_format(localtime(when), "DATETIME_FORMAT")}


@dataclass(frozen=True)
class Change:
    """A row of a page that is not as the page showed it: changed, added or deleted since."""

    model: type[models.Model]
    pk: str
    kind: str
    row: models.Model  # as it is now; only its pk, when deleted
    who: models.Model | None
    when: datetime | None

    @classmethod
    def of(cls, key: str, shown: dict[str, str], now: dict[str, str], record=None) -> "Change":
        """The change of the row ``key`` between the versions a page showed and those now.

        A deleted row of ``record``'s page was deleted in a revision of ``record`` (a part deleted is a
        change of its record: meetings/revisions.py), which says who and when.
        """
        label, _sep, pk = key.rpartition(":")
        model = apps.get_model(label)
        kind = ADDED if key not in shown else DELETED if key not in now else CHANGED
        row = model(pk=model._meta.pk.to_python(pk)) if kind == DELETED else model._default_manager.get(pk=pk)
        known = record if kind == DELETED and record is not None else row
        return cls(model, pk, kind, row, *last_change(known))

    @property
    def key(self) -> str:
        return row_key(self.model, self.pk)

    def in_words(self, record: models.Model | None) -> str:
        """This change, as a clause of the message on the page of ``record``, or of a list (None)."""
        opts = self.model._meta
        words = {
            "kind": opts.verbose_name,
            "kinds": opts.verbose_name_plural,
            "by": by_whom(self.who, self.when),
        }
        if record is None:
            if self.kind == DELETED:
                return _("one of the %(kinds)s listed was deleted %(by)s") % words
            return _("the %(kind)s “%(row)s” was changed %(by)s") % {**words, "row": self.row}
        words["record"] = record._meta.verbose_name
        if self.key == row_key(type(record), record.pk):
            return _("this %(record)s was changed %(by)s") % words
        if self.kind == DELETED:
            return _("a row of %(kinds)s of this %(record)s was deleted %(by)s") % words
        words["row"] = self.row
        if self.kind == ADDED:
            return _("the %(kind)s “%(row)s” was added to this %(record)s %(by)s") % words
        return _("the %(kind)s “%(row)s” of this %(record)s was changed %(by)s") % words

    def mark(self, form: forms.ModelForm, field: str | None = None) -> None:
        """Give the form of the row this change is of the error saying so (on ``field``, or the form)."""
        words = {"kind": self.model._meta.verbose_name, "by": by_whom(self.who, self.when)}
        if self.kind == DELETED:
            # In place of Django's "Select a valid choice" on the row's hidden key: the row is gone.
            form.errors.pop(self.model._meta.pk.name, None)
            error = _("This %(kind)s was deleted %(by)s, since you opened the page. Nothing was saved.")
        else:
            error = _("This %(kind)s was changed %(by)s, since you opened the page. Nothing was saved.")
        form.add_error(field, error % words)


class ChangeLock:
    """The version of one change page of ``record`` (the record and its inline rows), and its check.

    One per request and record (``VersionedAdmin.change_lock``): the page's form and its inline
    formsets share it, so that the rows are read, and compared, once.
    """

    def __init__(self, request, record: models.Model):
        self.request = request
        self.record = record
        # The page's inlines, as the admin makes their formsets: {(model, name of its key to the record)}.
        self.parts = {}

    def show_part(self, formset_class) -> None:
        self.parts[(formset_class.model, formset_class.fk.name)] = None

    def rows(self, *, locked: bool) -> dict[str, str]:
        """The version of every row the page shows, now: {"label:pk": digest}, the record first."""
        querysets = [type(self.record)._default_manager.filter(pk=self.record.pk)]
        querysets += [
            model._default_manager.filter(**{key: self.record}).order_by("pk") for model, key in self.parts
        ]
        return {
            key: digest for rows in querysets for key, digest in row_versions(rows, locked=locked).items()
        }

    def version(self) -> str:
        """The version the page carries, signed: a tampered one is no version."""
        return signed(self.rows(locked=False))

    @cached_property
    def changes(self) -> list[Change] | None:
        """What changed since the version the request posted: [] for nothing, None for no version."""
        shown = unsigned(self.request.POST.get(VERSION_FIELD))
        if shown is None or row_key(type(self.record), self.record.pk) not in shown:
            return None  # none, or not the version of this record's page
        now = self.rows(locked=True)
        keys = [*now, *(key for key in shown if key not in now)]
        return [Change.of(key, shown, now, self.record) for key in keys if shown.get(key) != now.get(key)]

    def refusal(self) -> str | None:
        """The message refusing the save, or None when it may go ahead."""
        changes = self.changes
        if changes is None:
            return _(
                "This page does not carry the version of the %(record)s it was opened with, so saving it "
                "could overwrite someone else's changes. Nothing was saved: open it again, then make your "
                "changes again."
            ) % {"record": self.record._meta.verbose_name}
        if not changes:
            return None
        what = capfirst("; ".join(change.in_words(self.record) for change in changes))
        return _(
            "%(what)s, since you opened it. Nothing was saved: open it again (in a new tab, to keep your "
            "changes at hand) to see the current record, then make your changes again."
        ) % {"what": what}


class VersionField(forms.CharField):
    """The page's version: carried back as it was given, never an editor's change to the record."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


class VersionedForm:
    """A change form carrying the version of its page (``lock``), refused when it is out of date."""

    lock: ChangeLock = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = VersionField(required=False)
        if not self.is_bound:
            # A callable: read when the page is drawn, once the admin has made its inline formsets.
            self.initial[VERSION_FIELD] = self.lock.version

    def clean(self):
        cleaned_data = super().clean()
        refusal = self.lock.refusal()
        if refusal:
            raise ValidationError(refusal, code="changed_since_opened")
        return cleaned_data


class VersionedFormSet:
    """An inline formset of a versioned page: a row changed or deleted since it opened says so."""

    lock: ChangeLock = None

    def clean(self):
        changes = {change.key: change for change in self.lock.changes or ()}
        for form in self.initial_forms:
            change = changes.get(row_key(self.model, posted_pk(form)))
            if change is not None:
                change.mark(form)
        super().clean()


class VersionedListFormSet:
    """The formset of a list's editable columns (``list_editable``), versioned like a change page.

    Its management form carries the version of the rows the list shows; a row changed or deleted
    since is refused, and nothing is written. (Rows added since are no change: a list is a page of
    rows, not a record.)
    """

    @cached_property
    def management_form(self):
        form = super().management_form
        form.fields[VERSION_FIELD] = VersionField(required=False)
        if not self.is_bound:
            rows = self.model._default_manager.filter(pk__in=[row.pk for row in self.get_queryset()])
            form.initial[VERSION_FIELD] = lambda: signed(row_versions(rows, locked=False))
        return form

    def clean(self):
        shown = unsigned(self.data.get(self.add_prefix(VERSION_FIELD)))
        keys = {form: row_key(self.model, posted_pk(form)) for form in self.initial_forms}
        if shown is None or not set(keys.values()) <= set(shown):
            raise ValidationError(
                _(
                    "This list does not carry the version of the rows it was opened with, so saving it "
                    "could overwrite someone else's changes. Nothing was saved: open it again, then make "
                    "your changes again."
                ),
                code="changed_since_opened",
            )
        rows = self.model._default_manager.filter(pk__in=[posted_pk(form) for form in self.initial_forms])
        now = row_versions(rows, locked=True)
        changes = []
        for form, key in keys.items():
            if shown[key] != now.get(key):
                change = Change.of(key, shown, now)
                # A list shows the errors of its columns alone.
                change.mark(
                    form, next(name for name, field in form.fields.items() if not field.widget.is_hidden)
                )
                changes.append(change)
        if changes:
            raise ValidationError(
                _(
                    "%(what)s, since you opened the list. Nothing was saved: open it again to see the "
                    "current rows, then make your changes again."
                )
                % {"what": capfirst("; ".join(change.in_words(None) for change in changes))},
                code="changed_since_opened",
            )
        super().clean()


class VersionedAdmin:
    """A ModelAdmin whose change page (and editable list) carries its version and refuses a save made
    out of date. Mixed into every admin of the record (see the module's docstring)."""

    def change_lock(self, request, record: models.Model) -> ChangeLock:
        locks = request.__dict__.setdefault("_change_locks", {})
        key = row_key(type(record), record.pk)
        if key not in locks:
            locks[key] = ChangeLock(request, record)
        return locks[key]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or VERSION_FIELD in flatten_fieldsets(fieldsets):
            return fieldsets
        if not self.has_change_permission(request, obj):
            return fieldsets  # a page to view: nothing to save
        (name, options), *others = fieldsets
        return [(name, {**options, "fields": [*options["fields"], VERSION_FIELD]}), *others]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None or obj.pk is None:
            return super().get_form(request, obj, change, **kwargs)
        # The version is the form's own field, not one of the model's.
        fields = (
            kwargs.pop("fields")
            if "fields" in kwargs
            else flatten_fieldsets(self.get_fieldsets(request, obj))
        )
        if fields is not None:
            fields = [name for name in fields if name != VERSION_FIELD]
        form = super().get_form(request, obj, change, fields=fields, **kwargs)
        return type(form.__name__, (VersionedForm, form), {"lock": self.change_lock(request, obj)})

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if obj is not None and obj.pk is not None:
                lock = self.change_lock(request, obj)
                lock.show_part(formset)
                formset = type(formset.__name__, (VersionedFormSet, formset), {"lock": lock})
            yield formset, inline

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)
        return type(formset.__name__, (VersionedListFormSet, formset), {})

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and "_save" in request.POST:
            # A list's save, checked and written in one transaction (Django validates it outside one).
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        return super().changelist_view(request, extra_context)
