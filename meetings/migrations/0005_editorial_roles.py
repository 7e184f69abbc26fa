"""Create the Editor, Publisher and Administrator groups with their permissions."""

from django.db import migrations

from meetings.roles import ROLES, sync_roles


def create_roles(apps, schema_editor):
    sync_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("meetings", "0004_meeting_publish_permission"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
