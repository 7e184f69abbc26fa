"""Benchmark the records round trip: export generated meetings, import them into an empty database,
export again and compare; print meetings per second, time and peak memory of each step.

    python bench/records.py                               # SQLite: 200, 1,000 and 10,000 meetings
    python bench/records.py --database postgres           # the same on PostgreSQL (127.0.0.1:5432)
    python bench/records.py --meetings 200                # a quick look
    python bench/records.py --source archive.sqlite3      # a copy of an existing SQLite archive
    python bench/records.py --database postgres --source bench/bench.sqlite3 --keep
                                                          # that archive moved to PostgreSQL, kept

For each size it builds a source database (migrate, reference and demo records, `generate_records
--meetings N --seed 1`; or a copy of `--source`, on SQLite whatever the target, whose first export
is then SQLite's), runs `export_records`, migrates an empty database,
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
import sys
import tempfile
from pathlib import Path

from processes import POSTGRES, ROOT, commit, environment, run


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--meetings", type=int, nargs="+", default=[200, 1000, 10_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", type=Path, help="an SQLite archive to copy instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the imported database, to read its pages")
    args = parser.parse_args()
    if args.keep and args.database == "sqlite":
        parser.error("--keep is for --database postgres: an SQLite target is in a temporary directory")
    return args


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
    if args.source:
        shutil.copy(args.source, workdir / f"{source_name}.sqlite3")
        source = f"sqlite:///{workdir / f'{source_name}.sqlite3'}"
        run(environment(source), "migrate", "--no-input", "-v0")
    else:
        source = fresh_database(args, source_name, workdir)
        run(environment(source), "migrate", "--no-input", "-v0")
        run(environment(source), "loaddata", "reference", "demo", "-v0")
        run(environment(source), "generate_records", "--meetings", str(meetings), "--seed", str(args.seed))
    first, second = workdir / f"records-{meetings}.json", workdir / f"records-{meetings}-again.json"
    export_time, _export_cpu, export_memory = run(environment(source), "export_records", "-o", str(first))

    target = fresh_database(args, target_name, workdir)
    run(environment(target), "migrate", "--no-input", "-v0")
    import_time, import_cpu, import_memory = run(environment(target), "import_records", str(first))
    again_time = run(environment(target), "export_records", "-o", str(second)).seconds
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
        "export and import s": export_time + import_time,
        "round trip s": export_time + import_time + again_time,
        "identical": identical,
    }
    if not args.source:
        drop_database(args, source_name)
    if args.keep:
        print(f"  kept: {target}", flush=True)
    else:
        drop_database(args, target_name)
    return result


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
        ' (one transaction), exported again and compared byte for byte. "Export and import" is the'
        " archive moved to a new database; the round trip adds the export that checks it.",
        "- Time is wall-clock time of each `manage.py` process, start-up included; CPU time its user and"
        " system time (less sensitive to other work on the machine); memory its peak resident set."
        " Made with `python bench/records.py --database <db>`.",
        *(
            [f"- Source: a copy of `{args.source}`, on SQLite: the first export is SQLite's."]
            if args.source
            else []
        ),
        "",
        "| meetings | file MB | export s | export peak MB | import s | import CPU s | import peak MB"
        " | meetings/s | meetings/CPU s | export and import s | round trip s | identical |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        lines.append(
            "| {meetings:,} | {file MB:.1f} | {export s:.1f} | {export MB:,.0f} | {import s:.1f} | "
            "{import CPU s:.1f} | {import MB:,.0f} | {meetings/s:.1f} | {meetings/CPU s:.1f} | "
            "{export and import s:.1f} | {round trip s:.1f} | {identical} |".format(**result)
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
