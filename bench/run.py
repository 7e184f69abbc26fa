"""Benchmark the production server on a generated archive and print requests per second and latency.

    python bench/run.py                       # SQLite, 10,000 meetings, 3 runs of 10 s per page
    python bench/run.py --database postgres   # the same on PostgreSQL (127.0.0.1:5432, user postgres)
    python bench/run.py --meetings 500 --runs 1 --duration 3   # a quick look

It prepares the database once (migrate, reference and demo records, `generate_records`), collects
static files, starts gunicorn with 2 sync workers on loopback, then loads each page with wrk from this
second process (16 connections; the admin change lists with 1, as an editor sees them). It does so
twice, each with its own server: "uncached" with the page cache off (DJANGO_PAGE_CACHE=0), every page
rendered, and "cached", anonymous pages served from the page cache. For every page it prints the
size of its answer in bytes (uncompressed), the median requests per second of the runs, p50 and p99
latency, and the rate as a ratio of the static file's, which is the ceiling of the same server on
the same machine. Worker memory (resident set) is sampled throughout. Results are written as
Markdown to bench/results-<database>.md.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from processes import commit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = 8087
BASE = f"http://127.0.0.1:{PORT}"


@dataclass
class Measurement:
    rates: list = field(default_factory=list)
    p50: list = field(default_factory=list)
    p99: list = field(default_factory=list)
    errors: int = 0
    status: int = 0
    size: int = 0


@dataclass
class Target:
    name: str
    path: str
    connections: int = 16
    editor: bool = False
    # The Accept header sent, when the page answers a browser differently (a feed opened as a page).
    accept: str = ""
    modes: dict = field(default_factory=dict)

    def headers(self, cookie):
        headers = {"Cookie": cookie} if self.editor else {}
        if self.accept:
            headers["Accept"] = self.accept
        return headers


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run and page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cache", action="store_true", help="use Redis (REDIS_URL) as the cache")
    parser.add_argument(
        "--modes",
        default="uncached,cached",
        help="uncached (DJANGO_PAGE_CACHE=0), cached (anonymous pages from the page cache), or both",
    )
    parser.add_argument("--prepare-only", action="store_true", help="build the database and stop")
    return parser.parse_args()


def environment(args):
    database_url = (
        f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}"
        if args.database == "sqlite"
        else "postgres://postgres@127.0.0.1:5432/balitracker_bench"
    )
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
    }
    if not args.cache:
        env.pop("REDIS_URL", None)
    return env


def manage(env, *arguments, capture=False):
    result = subprocess.run(
        [PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, check=True, text=True, capture_output=capture
    )
    return result.stdout if capture else None


def ensure_postgres_database(env):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'balitracker_bench'"
        ).fetchone()
        if not exists:
            connection.execute("CREATE DATABASE balitracker_bench")


def analyse_postgres_database():
    """Planner statistics, as autovacuum would have gathered them on a server that had been running."""
    import psycopg

    address = "postgresql://postgres@127.0.0.1:5432/balitracker_bench"
    with psycopg.connect(address, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


PREPARE = """
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.conf import settings
from django.db.models import Count
from meetings.models import Meeting, Participant
generated = Meeting.objects.filter(slug__startswith="generated-").count()
user, _ = get_user_model().objects.get_or_create(
    username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
)
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
middle = Meeting.objects.published().order_by("start_date")[generated // 2] if generated else None
# The last one scheduled: it has every open action before it to review, the largest upcoming page.
upcoming = Meeting.objects.published().filter(status="scheduled").order_by("-start_date").first()
busiest = Participant.objects.filter(slug="australia").first() or Participant.objects.first()
# The outcome of that meeting with the most actions.
outcome = middle and middle.outcomes.annotate(n=Count("action_items")).order_by("-n", "position").first()
print(json.dumps({
    "generated": generated,
    "meeting": middle and middle.slug,
    "scheduled": upcoming and upcoming.slug,
    "outcome": outcome and outcome.pk,
    "year": middle and middle.start_date.year,
    "participant": busiest and busiest.slug,
    "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
}))
"""


def prepare(args, env):
    if args.database == "postgres":
        ensure_postgres_database(env)
    manage(env, "migrate", "--no-input", "-v0")
    facts = json.loads(manage(env, "shell", "-c", PREPARE, capture=True).strip().splitlines()[-1])
    if facts["generated"] != args.meetings:
        print(f"Generating {args.meetings} meetings (seed {args.seed}); this takes minutes the first time.")
        manage(env, "loaddata", "reference", "demo", "-v0")
        manage(
            env, "generate_records", "--meetings", str(args.meetings), "--seed", str(args.seed), "--replace"
        )
        facts = json.loads(manage(env, "shell", "-c", PREPARE, capture=True).strip().splitlines()[-1])
    if args.database == "postgres":
        analyse_postgres_database()
    manage(env, "collectstatic", "--no-input", "-v0")
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    facts["static"] = manifest["paths"]["css/site.css"]
    return facts


def targets(facts):
    return [
        Target("static file (whitenoise)", f"/static/{facts['static']}"),
        Target("home", "/"),
        Target("meetings list", "/meetings/"),
        Target("meetings list, by year", f"/meetings/?year={facts['year']}"),
        Target("meetings list, by participant", f"/meetings/?participant={facts['participant']}"),
        Target("meetings list, page 200", "/meetings/?page=200"),
        Target("meeting page", f"/meetings/{facts['meeting']}/"),
        Target("meeting page, scheduled", f"/meetings/{facts['scheduled']}/"),
        Target("participant page", f"/participants/{facts['participant']}/"),
        Target("actions tracker", "/actions/"),
        Target("actions tracker, overdue", "/actions/?status=overdue"),
        Target("actions tracker, by owner", "/actions/?group=owner"),
        Target("actions tracker, by meeting", "/actions/?group=meeting"),
        Target("actions charts", "/actions/charts/"),
        Target("actions charts, open actions", "/actions/charts/?status=open"),
        Target("actions charts, an owner's", f"/actions/charts/?owner={facts['participant']}"),
        Target("outcome page", f"/outcomes/{facts['outcome']}/"),
        Target("actions tracker, recently updated", "/actions/?sort=updated"),
        Target(
            "actions tracker, an owner's least recently reported",
            f"/actions/?owner={facts['participant']}&sort=reported",
        ),
        Target(
            "actions workbook, an owner's overdue",
            f"/actions/export.xlsx?owner={facts['participant']}&status=overdue",
        ),
        Target("search", "/search/?q=trafficking"),
        Target("search, a participant", "/search/?q=canada"),
        Target("open data", "/open-data/"),
        Target("API list", "/api/meetings/"),
        Target("API Popolo", "/api/popolo.json"),
        Target("feed", "/feeds/actions/"),
        Target("feed, opened in a browser", "/feeds/actions/", accept=BROWSER_ACCEPT),
        Target("calendar", "/calendar.ics"),
        Target("calendar of a participant", f"/calendar.ics?participant={facts['participant']}"),
        Target("admin: meetings", "/admin/meetings/meeting/", connections=1, editor=True),
        Target("admin: attendance", "/admin/meetings/attendance/", connections=1, editor=True),
        Target("admin: action items", "/admin/meetings/actionitem/", connections=1, editor=True),
    ]


def start_server(env):
    """gunicorn as deployed (deploy/gunicorn.conf.py), with 2 workers on a loopback port."""
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "balitracker.wsgi"],
        cwd=ROOT,
        env={
            **env,
            "WEB_CONCURRENCY": "2",
            "GUNICORN_BIND": f"127.0.0.1:{PORT}",
            "GUNICORN_ACCESS_LOG": "0",
            # No recycling: a worker replaced mid-run would hide memory growth and cost a restart.
            "GUNICORN_MAX_REQUESTS": "0",
        },
    )
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{BASE}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 20 seconds")


class MemorySampler(threading.Thread):
    """Records the largest resident set of each gunicorn worker while the load runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.master_pids = []
        self.peak_kib = {}
        self.running = True

    def run(self):
        while self.running:
            for pid in self.workers():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                match = re.search(r"VmRSS:\s+(\d+) kB", status)
                if match:
                    self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), int(match.group(1)))
            time.sleep(0.5)

    def workers(self):
        pids = []
        for master in list(self.master_pids):
            try:
                children = Path(f"/proc/{master}/task/{master}/children").read_text()
                pids += [int(pid) for pid in children.split()]
            except OSError:
                continue
        return pids


def status_of(target, cookie):
    """The page's status and size in bytes before loading it (as wrk reads it, uncompressed); a
    connection error is retried once, then reported."""
    request = urllib.request.Request(BASE + target.path, headers=target.headers(cookie))
    for _attempt in range(2):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, len(response.read())
        except urllib.error.HTTPError as error:
            return error.code, len(error.read())
        except OSError as error:  # timed out, refused, or the worker died mid-answer
            print(f"{target.path}: {error!r}", flush=True)
            time.sleep(2)
    return 0, 0


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load(target, measurement, args, cookie):
    command = [
        "wrk",
        f"-t{min(2, target.connections)}",
        f"-c{target.connections}",
        f"-d{args.duration}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in target.headers(cookie).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, BASE + target.path], capture_output=True, text=True, check=True).stdout
    measurement.rates.append(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)))
    for percentile, bucket in (("50%", measurement.p50), ("99%", measurement.p99)):
        value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
        bucket.append(to_ms(value, unit))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    measurement.errors += int(errors.group(1)) if errors else 0


def machine():
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024**2
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}"


def summary(target, mode, static_rate):
    """One mode's cells: req/s, p50, p99, ratio to the static file, and failures."""
    measurement = target.modes.get(mode)
    if measurement is None:
        return ["", "", "", "", ""]
    if not measurement.rates:
        return ["—", "—", "—", "—", f"HTTP {measurement.status}" if measurement.status else "no answer"]
    rate = statistics.median(measurement.rates)
    return [
        f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}",
        f"{statistics.median(measurement.p50):.1f}",
        f"{statistics.median(measurement.p99):.1f}",
        f"{rate / static_rate:.3f}" if static_rate else "—",
        str(measurement.errors),
    ]


def report(args, facts, all_targets, sampler, modes):
    static = all_targets[0]
    static_rates = {
        mode: statistics.median(static.modes[mode].rates) if static.modes.get(mode) else 0 for mode in modes
    }
    ceilings = static_rates.items()
    header = "| page | bytes | conns |"
    rule = "|---|---:|---:|"
    for mode in modes:
        header += f" {mode} req/s | p50 ms | p99 ms | ratio to static | non-2xx |"
        rule += "---:|---:|---:|---:|---:|"
    lines = [
        f"# Benchmark: {args.database}, {facts['generated']} generated meetings",
        "",
        f"- Machine: {machine()}; load average at the end "
        f"{', '.join(f'{load:.1f}' for load in os.getloadavg())} (other work lowers every rate)",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; code: commit {commit()}",
        f"- gunicorn, 2 sync workers; wrk on loopback, {args.runs} runs of {args.duration} s per page; "
        "medians of the runs. Admin change lists: 1 connection, logged in as an editor.",
        "- bytes: the answer's body, uncompressed, as the first request of the first mode read it.",
        "- uncached: `DJANGO_PAGE_CACHE=0`, every page rendered. cached: anonymous pages from the page "
        "cache (one primary-key query for the record's version per request). Each mode has its own "
        "server and its own static-file ceiling.",
        f"- Cache: {'Redis' if args.cache else 'local memory (per worker)'}",
        "- Static file ceiling: " + ", ".join(f"{mode} {rate:,.0f} req/s" for mode, rate in ceilings),
        "",
        header,
        rule,
    ]
    for target in all_targets:
        sizes = [measurement.size for measurement in target.modes.values() if measurement.size]
        cells = [target.name, f"{sizes[0]:,}" if sizes else "—", str(target.connections)]
        for mode in modes:
            cells += summary(target, mode, static_rates[mode])
        lines.append("| " + " | ".join(cells) + " |")
    peaks = sorted(sampler.peak_kib.values())
    lines += [
        "",
        f"Peak resident memory per worker: {', '.join(f'{kib / 1024:.0f} MB' for kib in peaks) or 'n/a'}",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    output = ROOT / "bench" / f"results-{args.database}.md"
    output.write_text(text)
    print(f"Written to {output.relative_to(ROOT)}")


def measure(mode, args, env, facts, all_targets, sampler):
    """Start a server for ``mode`` and load each page it applies to."""
    server = start_server({**env, "DJANGO_PAGE_CACHE": "0" if mode == "uncached" else "1"})
    sampler.master_pids.append(server.pid)
    try:
        for target in all_targets:
            if mode == "cached" and target.editor:
                continue  # editors' pages are never cached: the uncached figures are theirs
            measurement = target.modes[mode] = Measurement()
            measurement.status, measurement.size = status_of(target, facts["cookie"])
            if measurement.status != 200:
                answer = measurement.status or "nothing (see the error above)"
                print(f"skipping {target.name}: {target.path} answered {answer}")
                continue
            for run in range(args.runs):
                load(target, measurement, args, facts["cookie"])
                print(f"{mode} {target.name}: run {run + 1}: {measurement.rates[-1]:,.0f} req/s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not modes or set(modes) - {"uncached", "cached"}:
        raise SystemExit("--modes takes uncached, cached or both, separated by a comma")
    env = environment(args)
    facts = prepare(args, env)
    if args.prepare_only:
        print(f"Prepared {facts['generated']} generated meetings on {args.database}.")
        return
    sampler = MemorySampler()
    sampler.start()
    all_targets = targets(facts)
    try:
        for mode in modes:
            measure(mode, args, env, facts, all_targets, sampler)
    finally:
        sampler.running = False
    report(args, facts, all_targets, sampler, modes)


if __name__ == "__main__":
    main()
