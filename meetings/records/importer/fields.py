"""Canonical record -> model field values (relations aside), used both to validate and to write.

Each ``*_fields`` function maps one kind of canonical record to the values of its model's own
fields; ``as_saved``, ``assign`` and ``save_if_changed`` put those values on an instance without
writing a row that would not change. ``match_timeline`` pairs a file's progress updates with an
action's timeline, which an import only ever adds to.
"""

from ...due import DuePeriod
from .parsing import blank, parse_date, parse_datetime


def meeting_type_fields(record):
    return {
        "slug": record["slug"],
        "name": record["name"],
        "plural_name": blank(record["plural_name"]),
        "description": blank(record["description"]),
        "position": record["position"],
    }


def theme_fields(record):
    return {"slug": record["slug"], "name": record["name"], "description": blank(record["description"])}


def participant_fields(record):
    return {
        "slug": record["slug"],
        "name": record["name"],
        "short_name": blank(record["short_name"]),
        "kind": record["kind"],
        "country": blank(record["country"]),
        "description": blank(record["description"]),
        "website": blank(record["website"]),
    }


def membership_fields(record):
    return {
        "status": record["status"],
        "start_date": parse_date(record["start_date"]),
        "end_date": parse_date(record["end_date"]),
        "note": blank(record["note"]),
        "source_url": blank(record["source_url"]),
    }


def meeting_fields(record):
    return {
        "slug": record["slug"],
        "number": record["number"],
        "title": record["title"],
        "start_date": parse_date(record["start_date"]),
        "end_date": parse_date(record["end_date"]),
        "date_as_published": blank(record["date_as_published"]),
        "city": blank(record["city"]),
        "country": blank(record["country"]),
        "venue": blank(record["venue"]),
        "format": record["format"],
        "status": record["status"],
        "published_at": parse_datetime(record["published_at"]),
        "purpose": blank(record["purpose"]),
        "summary": blank(record["summary"]),
        "body": blank(record["body"]),
        "hero_image": blank(record["hero_image"]),
        "hero_image_alt": blank(record["hero_image_alt"]),
        "attendance_summary": blank(record["attendance_summary"]),
        "attendance_complete": record["attendance_complete"],
        "source_urls": "\n".join(record["source_urls"]),
    }


def attendance_fields(record):
    return {
        "role": record["role"],
        "person": blank(record["person"]),
        "note": blank(record["note"]),
        "position": record["position"],
    }


def outcome_fields(record):
    return {
        "position": record["position"],
        "kind": record["kind"],
        "text": record["text"],
        "addressed_to": blank(record["addressed_to"]),
    }


def action_fields(record):
    period = DuePeriod.from_code(record["due"]) if record["due"] else None
    return {
        "position": record["position"],
        "title": record["title"],
        "description": blank(record["description"]),
        "status": record["status"],
        "due_date": period.end if period else None,
        "due_precision": period.precision if period else "",
        "due_as_published": blank(record["due_as_published"]),
    }


def update_fields(record):
    return {
        "date": parse_date(record["date"]),
        "status": record["status"],
        "note": blank(record["note"]),
        "percent_complete": record["percent_complete"],
    }


def update_key(record):
    """What names a progress update on a timeline: its date, status and note."""
    values = update_fields(record)
    return (values["date"], values["status"], values["note"])


def match_timeline(timeline, wanted_updates, key=update_key):
    """(the file's updates the timeline lacks, the timeline's entries the file lacks), each in order.

    Updates match by ``update_key``, each entry at most once; ``key`` reads the same from an entry of
    ``timeline`` (an exported update, or a ``ProgressUpdate``).
    """
    unmatched = list(timeline)
    keys = [key(entry) for entry in unmatched]
    missing = []
    for wanted in wanted_updates:
        wanted_key = update_key(wanted)
        if wanted_key in keys:
            index = keys.index(wanted_key)
            del keys[index], unmatched[index]
        else:
            missing.append(wanted)
    return missing, unmatched


def document_fields(record):
    return {
        "title": record["title"],
        "kind": record["kind"],
        "url": blank(record["url"]),
        "file": blank(record["file"]),
        "language": record["language"],
        "published_on": parse_date(record["published_on"]),
        "position": record["position"],
    }


def as_saved(instance, existing):
    """``instance`` standing in for ``existing`` (if any), so unique checks do not trip on it."""
    if existing is not None:
        instance.pk = existing.pk
        instance._state.adding = False
    return instance


def assign(instance, values):
    """Set ``values`` on ``instance``; whether any of them changed."""
    changed = False
    for field, value in values.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed = True
    return changed


def save_if_changed(instance, values):
    """Set ``values`` and save ``instance`` if it is new or any of them changed; whether it saved."""
    if assign(instance, values) or instance.pk is None:
        instance.save()
        return True
    return False
