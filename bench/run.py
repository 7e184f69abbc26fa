"""Benchmark the production server on a generated archive and print requests per second and latency.

    python bench/run.py                       # SQLite, 10,000 meetings, 3 runs of 10 s per page
    python bench/run.py --database postgres   # the same on PostgreSQL (127.0.0.1:5432, user postgres)
    python bench/run.py --meetings 500 --runs 1 --duration 3   # a quick look

It prepares the database once (migrate, reference and demo records, `generate_records`), collects
static files, starts gunicorn with 2 sync workers on loopback, then loads each page with wrk from this
second process (16 connections; the admin change lists with 1, as an editor sees them). For every page
it prints the median requests per second of the runs, p50 and p99 latency, and the rate as a ratio of
the static file's, which is the ceiling of the same server on the same machine. Worker memory (resident
set) is sampled throughout. Results are written as Markdown to bench/results-<database>.md.
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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = 8087
BASE = f"http://127.0.0.1:{PORT}"


@dataclass
class Target:
    name: str
    path: str
    connections: int = 16
    editor: bool = False
    rates: list = field(default_factory=list)
    p50: list = field(default_factory=list)
    p99: list = field(default_factory=list)
    errors: int = 0
    status: int = 0


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


PREPARE = """
import json
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.conf import settings
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
busiest = Participant.objects.filter(slug="australia").first() or Participant.objects.first()
print(json.dumps({
    "generated": generated,
    "meeting": middle and middle.slug,
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
        Target("participant page", f"/participants/{facts['participant']}/"),
        Target("actions tracker", "/actions/"),
        Target("actions tracker, overdue", "/actions/?status=overdue"),
        Target("search", "/search/?q=trafficking"),
        Target("API list", "/api/meetings/"),
        Target("feed", "/feeds/actions/"),
        Target("admin: meetings", "/admin/meetings/meeting/", connections=1, editor=True),
        Target("admin: attendance", "/admin/meetings/attendance/", connections=1, editor=True),
        Target("admin: action items", "/admin/meetings/actionitem/", connections=1, editor=True),
    ]


def start_server(env):
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "balitracker.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
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

    def __init__(self, master_pid):
        super().__init__(daemon=True)
        self.master_pid = master_pid
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
        children = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def status_of(target, cookie):
    request = urllib.request.Request(BASE + target.path, headers={"Cookie": cookie} if target.editor else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load(target, args, cookie):
    command = [
        "wrk",
        f"-t{min(2, target.connections)}",
        f"-c{target.connections}",
        f"-d{args.duration}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if target.editor:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, BASE + target.path], capture_output=True, text=True, check=True).stdout
    target.rates.append(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)))
    for percentile, bucket in (("50%", target.p50), ("99%", target.p99)):
        value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
        bucket.append(to_ms(value, unit))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    target.errors += int(errors.group(1)) if errors else 0


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


def report(args, facts, all_targets, sampler):
    static_rate = statistics.median(all_targets[0].rates)
    lines = [
        f"# Benchmark: {args.database}, {facts['generated']} generated meetings",
        "",
        f"- Machine: {machine()}",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- gunicorn, 2 sync workers; wrk on loopback, {args.runs} runs of {args.duration} s per page; "
        "medians of the runs. Admin change lists: 1 connection, logged in as an editor.",
        f"- Cache: {'Redis' if args.cache else 'local memory (per worker)'}",
        "",
        "| page | conns | req/s | p50 ms | p99 ms | ratio to static | HTTP | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for target in all_targets:
        if not target.rates:
            lines.append(
                f"| {target.name} | {target.connections} | — | — | — | — | {target.status} | not loaded |"
            )
            continue
        rate = statistics.median(target.rates)
        p50, p99 = statistics.median(target.p50), statistics.median(target.p99)
        lines.append(
            f"| {target.name} | {target.connections} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | "
            f"{rate / static_rate:.3f} | {target.status} | {target.errors} |"
        )
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


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    env = environment(args)
    facts = prepare(args, env)
    if args.prepare_only:
        print(f"Prepared {facts['generated']} generated meetings on {args.database}.")
        return
    server = start_server(env)
    sampler = MemorySampler(server.pid)
    sampler.start()
    all_targets = targets(facts)
    try:
        for target in all_targets:
            target.status = status_of(target, facts["cookie"])
            if target.status != 200:
                print(f"skipping {target.name}: {target.path} answered {target.status}")
                continue
            for run in range(args.runs):
                load(target, args, facts["cookie"])
                print(f"{target.name}: run {run + 1}: {target.rates[-1]:,.0f} req/s", flush=True)
    finally:
        sampler.running = False
        server.terminate()
        server.wait(timeout=30)
    report(args, facts, all_targets, sampler)


if __name__ == "__main__":
    main()
