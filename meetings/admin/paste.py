"""The meeting page's "Paste attendance": the sentence as published in, attendance rows out."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from ..attendance_paste import paste_attendance
from ..models import AttendanceRole, Meeting

MAX_PASTE_CHARACTERS = 20_000


class PasteAttendanceForm(forms.Form):
    text = forms.CharField(
        label=_("Attendance as published"),
        max_length=MAX_PASTE_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 100}),
        help_text=_(
            "Paste the sentence as the source gives it: “In attendance were representatives from "
            "Afghanistan, Australia, … and Vietnam as well as representatives from UNHCR and IOM.” "
            "Names are matched by participants’ names, short names and other names."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=AttendanceRole, initial=AttendanceRole.MEMBER)


def paste_attendance_view(model_admin, request, object_id):
    meeting = model_admin.get_object(request, unquote(object_id))
    if meeting is None:
        raise Http404
    if not model_admin.has_change_permission(request, meeting):
        raise PermissionDenied
    form = PasteAttendanceForm(request.POST or None)
    context = {
        **admin.site.each_context(request),
        "title": _("Paste attendance"),
        "subtitle": str(meeting),
        "opts": Meeting._meta,
        "original": meeting,
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        with model_admin.create_revision(request):
            context["result"] = paste_attendance(meeting, form.cleaned_data["text"], role)
            if context["result"].added:
                model_admin.log_change(
                    request,
                    meeting,
                    str(_("Attendance pasted: %(count)d added.") % {"count": len(context["result"].added)}),
                )
        context["role_label"] = AttendanceRole(role).label
    return TemplateResponse(request, "admin/meetings/meeting/paste_attendance.html", context)
