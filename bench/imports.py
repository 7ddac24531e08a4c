"""Time the bulk imports on the configured database (it writes to it: use a scratch one).

    python bench/make_import_files.py --experts 100000 --needs 10000 --out /tmp/imports
    SQLITE_PATH=/tmp/bench.sqlite3 python manage.py migrate
    SQLITE_PATH=/tmp/bench.sqlite3 DEBUG=1 python bench/imports.py \\
        --experts /tmp/imports/experts_100000.csv --needs /tmp/imports/needs_10000.csv

Runs, in order: the experts file into an empty database, the same file again (nothing to
write), a copy in which every tenth row has changed, then the needs file twice. Each line
gives the wall time and the time of each step (check, load, render, write).
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diaspora.settings")

import django

django.setup()

from diaspora.imports.command import queries_not_kept  # noqa: E402
from diaspora.imports.services import ImportReport, experts_import, needs_import  # noqa: E402
from diaspora.people.models import ExpertProfile  # noqa: E402


def _changed_copy(path: Path) -> Path:
    """Every tenth expert works two more hours a month and has one keyword more."""
    out = path.with_name(path.stem + "_changed.csv")
    with (
        path.open(encoding="utf-8", newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for number, row in enumerate(reader):
            if number % 10 == 0:
                row["hours_per_month"] = str(int(row["hours_per_month"] or 0) + 2)
                row["keywords"] += ";capacity building"
            writer.writerow(row)
    return out


def _line(label: str, seconds: float, report: ImportReport) -> str:
    steps = "  ".join(f"{name} {value:6.1f}" for name, value in report.seconds.items())
    counts = f"{report.created} new, {report.updated} changed, {report.unchanged} same"
    return f"{label:<28} {seconds:7.1f} s   ({steps})   {counts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=Path, required=True)
    parser.add_argument("--needs", type=Path, required=True)
    args = parser.parse_args()
    if ExpertProfile.objects.exists():
        print("The database already has experts: the first run will not start from empty.")

    runs = [
        ("experts, first import", experts_import, args.experts),
        ("experts, same file again", experts_import, args.experts),
        ("experts, 10% of rows changed", experts_import, _changed_copy(args.experts)),
        ("needs, first import", needs_import, args.needs),
        ("needs, same file again", needs_import, args.needs),
    ]
    for label, service, path in runs:
        start = time.perf_counter()
        with queries_not_kept():
            report = service(path=path)
        seconds = time.perf_counter() - start
        if report.errors:
            print(f"{label}: {report.refused} rows refused, e.g. {report.errors[0]}")
        print(_line(label, seconds, report), flush=True)


if __name__ == "__main__":
    main()
