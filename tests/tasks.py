"""Running queued tasks in a test: through django-tasks-db's own worker, as `manage.py db_worker` does."""

import signal
from unittest import mock

from django.core.management import call_command

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]


def run_worker(max_tasks: int | None = None) -> None:
    """Run the queued tasks (all of them, or ``max_tasks``) with `db_worker --batch`, then return."""
    handlers = {number: signal.getsignal(number) for number in SIGNALS}
    options = {"batch": True, "reload": False, "startup_delay": False, "interval": 0, "verbosity": 0}
    if max_tasks:
        options["max_tasks"] = max_tasks
    # The worker closes the connection between tasks, as a request does when it ends; in a test that
    # would end the test's own transaction, so, as Django's test client does for requests, it is kept.
    try:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", **options)
    finally:
        # The worker takes over the signals for a graceful stop; give them back to the test runner.
        for number, handler in handlers.items():
            signal.signal(number, handler)
