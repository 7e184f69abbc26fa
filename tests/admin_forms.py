"""Helpers for tests that post the admin's own forms: formset management data, a meeting form's
fields, a records file through the import page, and staff accounts in each editorial role."""

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse


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
