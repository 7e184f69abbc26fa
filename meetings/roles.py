"""The editorial roles: which permissions each staff group holds.

Editor: enters and corrects the record, but cannot publish, unpublish, schedule, change or delete a
meeting the public can see (or will see at a set time). Publisher: an editor who may also publish.
Administrator: everything, including staff accounts.

The groups are created by a data migration and brought up to date after every ``migrate`` (new models
bring new permissions). Syncing only adds: an administrator may grant a group more by hand.
"""

from django.contrib.auth.management import create_permissions

PUBLISH_PERMISSION = "meetings.publish_meeting"
# An editor sees the tasks they started (an import, an export); only an administrator sees everyone's.
ADMINISTRATOR_ONLY = {"view_every_job"}
EDITOR = "Editor"
PUBLISHER = "Publisher"
ADMINISTRATOR = "Administrator"
ROLES = [EDITOR, PUBLISHER, ADMINISTRATOR]


def holds(role, app_label, codename):
    """Whether ``role`` holds the permission ``app_label.codename``."""
    if role == ADMINISTRATOR:
        return True
    if app_label == "meetings":
        if codename in ADMINISTRATOR_ONLY:
            return False
        return role == PUBLISHER or codename != "publish_meeting"
    # Every role reads the admin's log of changes.
    return (app_label, codename) == ("admin", "view_logentry")


def sync_roles(apps, verbosity=0):
    """Create the role groups and give each the permissions of its role; uses ``apps`` as given."""
    for app_config in apps.get_app_configs():
        # Historical app configs from a migration have no models module; create_permissions skips those.
        if getattr(app_config, "models_module", None) is None:
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=verbosity)
            app_config.models_module = None
        else:
            create_permissions(app_config, apps=apps, verbosity=verbosity)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    every = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(*(pk for pair, pk in every.items() if holds(role, *pair)))


def sync_roles_after_migrate(sender, **kwargs):
    from django.apps import apps as global_apps

    sync_roles(kwargs.get("apps") or global_apps, verbosity=kwargs.get("verbosity", 0))
