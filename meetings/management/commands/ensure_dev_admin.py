"""Create the local development admin account, once, and print how to log in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "balitracker-dev-only"


class Command(BaseCommand):
    help = "Create a superuser for local development (DEBUG only) and print its login."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create a default account with DEBUG off: "
                "use `manage.py createsuperuser` on a real server."
            )
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Development admin: http://127.0.0.1:8000/admin/  user {USERNAME!r}  password {PASSWORD!r}"
                + ("" if created else " (existing account; password unchanged if you changed it)")
            )
        )
