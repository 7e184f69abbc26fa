"""Benchmark the old website's page importer: a folder of pages read, drafted and written as drafts.

    python bench/legacy_pages.py                      # SQLite; 8 copies of the 13 pages: 104 pages
    python bench/legacy_pages.py --copies 16          # 208 pages
    python bench/legacy_pages.py --database postgres  # the same on PostgreSQL (127.0.0.1:5432)

The pages are the seed page and the twelve sample pages of ``../shared/data/`` (or the folder
``BALITRACKER_SHARED_DATA`` names), copied ``--copies`` times into a temporary folder, each copy
under an address of its own so that each gives drafts of its own (8 copies: 104 pages, 128 meetings).
A new database is migrated and given the reference data, then each step runs as its own
``manage.py`` process so that its wall time, CPU time (user and system) and peak memory are its own:
the dry run (reading and drafting, the records document written to a file), the import (drafting and
writing), and the same folder imported again (each draft found unchanged). Figures from a machine
doing other work are not comparable: the load average is printed beside them.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from processes import POSTGRES, ROOT, environment, run

SHARED_DATA = Path(os.environ.get("BALITRACKER_SHARED_DATA") or ROOT.parent / "shared" / "data")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--copies", type=int, default=8, help="copies of the 13 pages (default 8: 104 pages)")
    return parser.parse_args()


def pages_folder(folder: Path, copies: int) -> int:
    """Write ``copies`` copies of the sample pages and the seed page into ``folder``; how many."""
    pages = [SHARED_DATA / "seed-page.txt", *sorted((SHARED_DATA / "legacy-pages").glob("*.txt"))]
    missing = [page for page in pages if not page.exists()]
    if missing or len(pages) < 2:
        sys.exit(
            f"The old website's pages are read from {SHARED_DATA}; it lacks {missing or 'legacy-pages/'}"
        )
    for copy in range(1, copies + 1):
        for page in pages:
            text = page.read_text(encoding="utf-8")
            address = f"https://copy-{copy}.old-site.example.org/{page.stem}/"
            if text.startswith("URL:"):
                first, _newline, rest = text.partition("\n")
                # Another host, the same path: the reader takes a title from the path where a page
                # gives none.
                text = first.replace("://", f"://copy-{copy}.", 1) + "\n" + rest
            else:
                text = f"URL: {address}\n\n{text}"
            (folder / f"{copy:02d}-{page.name}").write_text(text, encoding="utf-8")
    return copies * len(pages)


def main():
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-legacy-"))
    try:
        folder = workdir / "pages"
        folder.mkdir()
        count = pages_folder(folder, args.copies)
        if args.database == "sqlite":
            database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            name = "balitracker_bench_legacy"
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
            database_url = f"{POSTGRES}/{name}"
        env = environment(database_url)
        run(env, "migrate", "--no-input")
        run(env, "loaddata", "reference")
        steps = [
            ("dry run (`--dry-run -o drafts.json`)", ["--dry-run", "-o", str(workdir / "drafts.json")]),
            ("import (drafts written)", []),
            ("the same pages again (drafts unchanged)", []),
        ]
        load = os.getloadavg()[0]
        print(f"{count} pages on {args.database}, load average {load:.1f} at the start\n")
        print(
            "| step | wall | CPU (user + system) | peak memory | drafts made / updated / unchanged; skipped |"
        )
        print("|---|---:|---:|---:|---|")
        for label, options in steps:
            report = workdir / "report.json"
            seconds, cpu, memory = run(
                env, "import_pages", str(folder), *options, "--report", str(report), "--verbosity", "0"
            )
            pages = json.loads(report.read_text(encoding="utf-8"))
            states = [
                sum(len(page[state]) for page in pages) for state in ("created", "updated", "unchanged")
            ]
            skipped = sum(bool(page["skipped"]) for page in pages)
            outcome = " / ".join(map(str, states)) + f"; {skipped}" if "--dry-run" not in options else ""
            print(f"| {label} | {seconds:.1f} s | {cpu:.1f} s | {memory:.0f} MB | {outcome} |")
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
