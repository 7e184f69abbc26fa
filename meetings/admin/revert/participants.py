"""Reverting a participant: its fields, with its other names (aliases) as they were.

Other names added since are removed, those removed since come back and those renamed take their
old name, unless another participant now goes by it (names resolve pasted and imported text, so one
name names one participant). Memberships are left as they are: they are a record of status over
time, changed on the participant's page.
"""

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import Participant, ParticipantAlias
from .plans import CHANGE, RESTORE, Section
from .rows import RecordRevert


class ParticipantRevert(RecordRevert):
    """The plan of reverting a participant to its historical ``version``; ``apply()`` carries it out."""

    model = Participant
    parts_in_words = gettext_lazy("its other names")
    rules = [
        gettext_lazy("Memberships: left as they are; change them on the participant's page."),
        gettext_lazy("Meetings, attendance and actions that name this participant are left as they are."),
    ]

    def _plan_parts(self):
        aliases = self._plan_rows(ParticipantAlias, "participant", {self.record.pk})
        back = [
            plan
            for plan in aliases
            if plan.action == RESTORE or (plan.action == CHANGE and plan.changes_field("name"))
        ]
        names = {plan.record.name.lower() for plan in back}
        taken = {}
        if names:
            taken = dict(
                ParticipantAlias.objects.annotate(lowered=Lower("name"))
                .filter(lowered__in=names)
                .exclude(participant_id=self.record.pk)
                .values_list("lowered", "participant__name")
            )
        for plan in back:
            holder = taken.get(plan.record.name.lower())
            if holder is not None:
                self._not_back(
                    plan,
                    _("“%(name)s” stays with %(holder)s, who now goes by it.")
                    % {"name": plan.record.name, "holder": holder},
                )
        return [Section(gettext_lazy("Other names"), self._settle(aliases))]
