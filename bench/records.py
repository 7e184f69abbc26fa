"""Benchmark the records round trip: export generated meetings, import them into an empty database,
export again and compare; print meetings per second, time and peak memory of each step.

    python bench/records.py                               # SQLite: 200, 1,000 and 10,000 meetings
    python bench/records.py --database postgres           # the same on PostgreSQL (127.0.0.1:5432)
    python bench/records.py --meetings 200                # a quick look
    python bench/records.py --source archive.sqlite3      # a copy of an existing SQLite archive

For each size it builds a source database (migrate, reference and demo records, `generate_records
--meetings N --seed 1`; or a copy of `--source`), runs `export_records`, migrates an empty database,
runs `import_records` on the file, exports that database and checks the two files are byte-identical.
Each step is its own `manage.py` process, so its wall time and peak resident memory (from the
kernel's accounting of that child) are the step's alone. Results are written as Markdown to
bench/results-records-<database>.md.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--meetings", type=int, nargs="+", default=[200, 1000, 10_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", type=Path, help="an SQLite archive to copy instead of generating one")
    return parser.parse_args()


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


def run(env, *arguments):
    """Run ``manage.py arguments``; (seconds, peak resident set in MB, CPU seconds) of that process
    alone. On a machine doing other work the wall time grows with the load; the CPU time much less."""
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
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def fresh_database(args, name, workdir):
    """The URL of a new, empty database called ``name``."""
    if args.database == "sqlite":
        path = workdir / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES}/{name}"


def drop_database(args, name):
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def round_trip(args, meetings, workdir):
    source_name, target_name = f"bt_records_source_{meetings}", f"bt_records_target_{meetings}"
    source = fresh_database(args, source_name, workdir)
    if args.source and args.database == "sqlite":
        shutil.copy(args.source, workdir / f"{source_name}.sqlite3")
        run(environment(source), "migrate", "--no-input", "-v0")
    else:
        run(environment(source), "migrate", "--no-input", "-v0")
        run(environment(source), "loaddata", "reference", "demo", "-v0")
        run(environment(source), "generate_records", "--meetings", str(meetings), "--seed", str(args.seed))
    first, second = workdir / f"records-{meetings}.json", workdir / f"records-{meetings}-again.json"
    export_time, export_memory, _export_cpu = run(environment(source), "export_records", "-o", str(first))

    target = fresh_database(args, target_name, workdir)
    run(environment(target), "migrate", "--no-input", "-v0")
    import_time, import_memory, import_cpu = run(environment(target), "import_records", str(first))
    again_time, _again_memory, _again_cpu = run(environment(target), "export_records", "-o", str(second))
    identical = first.read_bytes() == second.read_bytes()
    with first.open("rb") as records:
        meetings = len(json.load(records)["meetings"])
    result = {
        "meetings": meetings,
        "file MB": first.stat().st_size / 1e6,
        "export s": export_time,
        "export MB": export_memory,
        "import s": import_time,
        "import MB": import_memory,
        "meetings/s": meetings / import_time,
        "import CPU s": import_cpu,
        "meetings/CPU s": meetings / import_cpu,
        "round trip s": export_time + import_time + again_time,
        "identical": identical,
    }
    drop_database(args, source_name)
    drop_database(args, target_name)
    return result


def commit():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def report(args, results):
    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"# Benchmark: records round trip, {args.database}",
        "",
        f"- Machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average at the end "
        f"{', '.join(f'{load:.1f}' for load in os.getloadavg())}",
        f"- Date: {now:%Y-%m-%d %H:%M} UTC; code: commit {commit()}",
        "- Generated meetings (`generate_records --seed 1`, about 156 rows each: attendance, outcomes,"
        " actions, owners, progress updates, documents) exported, imported into an empty database"
        " (one transaction), exported again and compared byte for byte.",
        "- Time is wall-clock time of each `manage.py` process, start-up included; CPU time its user and"
        " system time (less sensitive to other work on the machine); memory its peak resident set."
        " Made with `python bench/records.py --database <db>`.",
        "",
        "| meetings | file MB | export s | export peak MB | import s | import CPU s | import peak MB"
        " | meetings/s | meetings/CPU s | round trip s | identical |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        lines.append(
            "| {meetings:,} | {file MB:.1f} | {export s:.1f} | {export MB:,.0f} | {import s:.1f} | "
            "{import CPU s:.1f} | {import MB:,.0f} | {meetings/s:.1f} | {meetings/CPU s:.1f} | "
            "{round trip s:.1f} | {identical} |".format(**result)
        )
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / f"results-records-{args.database}.md").write_text(text)
    return text


def main():
    args = parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-records-") as directory:
        for meetings in args.meetings:
            print(f"{meetings} meetings on {args.database}...", flush=True)
            result = round_trip(args, meetings, Path(directory))
            print(
                f"  import {result['import s']:.1f} s ({result['meetings/s']:.1f} meetings/s; "
                f"{result['meetings/CPU s']:.1f} per CPU second; peak "
                f"{result['import MB']:.0f} MB), export {result['export s']:.1f} s (peak "
                f"{result['export MB']:.0f} MB), identical: {result['identical']}",
                flush=True,
            )
            results.append(result)
    print(report(args, results))
    if not all(result["identical"] for result in results):
        sys.exit("The round trip changed the record.")


if __name__ == "__main__":
    main()
