"""The admin's "Delete selected" action, for at most ``MAX_DELETED`` records at a time.

Django's action first lists everything the delete would take with it, read as model instances: for
"select all" of a 10,000-meeting archive, its three million attendance rows, outcomes, actions and
updates, which no worker's memory or timeout holds (a 500). Past ``MAX_DELETED`` records it says
so and deletes nothing; below, it is Django's own action, confirmation page and all.
"""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.utils.translation import gettext as _

MAX_DELETED = 100


@admin.action(permissions=["delete"], description=delete_selected.short_description)
def delete_selected_at_most(modeladmin, request, queryset):
    count = queryset.count()
    if count > MAX_DELETED:
        opts = modeladmin.model._meta
        modeladmin.message_user(
            request,
            _("%(count)s %(name)s selected: at most %(limit)s can be deleted at a time. Nothing was deleted.")
            % {"count": f"{count:,}", "name": opts.verbose_name_plural, "limit": MAX_DELETED},
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


# Under Django's own name, so that every list's action and its confirmation keep their address.
admin.site.add_action(delete_selected_at_most, "delete_selected")
