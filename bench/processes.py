"""What the benchmarks share: the environment of a `manage.py` run, the run itself measured, and
the commit measured. Imported by the scripts beside it (`python bench/<script>.py`)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


class Measured(NamedTuple):
    """One `manage.py` process: wall seconds, CPU seconds (user and system), peak resident MB."""

    seconds: float
    cpu: float
    memory: float


def environment(database_url):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
    }
    env.pop("REDIS_URL", None)
    return env


def run(env, *arguments) -> Measured:
    """Run ``manage.py arguments`` and measure that process alone. On a machine doing other work
    the wall time grows with the load; the CPU time much less."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            sys.exit(f"manage.py {' '.join(arguments)} failed:\n{errors.read().decode()}")
    # ru_maxrss is in kilobytes on Linux.
    return Measured(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def commit():
    """The short hash of the commit measured, or "unknown"."""
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
