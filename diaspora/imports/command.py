"""What `import_experts` and `import_needs` share: arguments, progress bar, report."""

import sys
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from tqdm import tqdm

from diaspora.imports.parsing import ImportFileError
from diaspora.imports.services import ImportReport, ProgressBar, ProgressFactory, no_progress


def terminal_progress(description: str, total: int) -> ProgressBar:
    return tqdm(total=total, desc=description, unit="row", file=sys.stderr, dynamic_ncols=True)


@contextmanager
def queries_not_kept() -> Iterator[None]:
    """With DEBUG on, Django keeps the text of the last 9,000 queries; a bulk insert of 2,000
    biographies is megabytes of it. An import does not need them."""
    kept = connection.queries_log
    connection.queries_log = deque(maxlen=0)
    try:
        yield
    finally:
        connection.queries_log = kept


class ImportCommand(BaseCommand):
    label: "str | Promise" = ""  # "Experts" or "Needs", for the summary
    service: Callable[..., ImportReport]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, with a header row.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the good rows and list the refused ones. Without it, one bad row "
            "means nothing is imported.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what would change, without writing anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        progress: ProgressFactory = terminal_progress if self.stdout.isatty() else no_progress
        try:
            with queries_not_kept():
                report = type(self).service(
                    path=options["file"],
                    skip_invalid=options["skip_invalid"],
                    dry_run=options["dry_run"],
                    progress=progress,
                )
        except ImportFileError as error:
            raise CommandError(f"{options['file']}: {error}") from error

        if report.ignored_columns:
            self.stderr.write(
                _("Ignored column(s), not part of the format: %(columns)s")
                % {"columns": ", ".join(report.ignored_columns)}
            )
        for row_error in report.errors:
            self.stderr.write(str(row_error))
        self._summary(report, options)
        if report.errors and not options["skip_invalid"]:
            raise CommandError(
                _(
                    "Nothing imported: %(refused)d of %(rows)d rows refused (listed above). "
                    "Correct them, or pass --skip-invalid to import the others."
                )
                % {"refused": report.refused, "rows": report.rows},
                returncode=1,
            )

    def _summary(self, report: ImportReport, options: dict[str, Any]) -> None:
        counts = _(
            "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(refused)d refused"
        ) % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "refused": report.refused,
        }
        if report.institutions_created:
            counts += _("; %(count)d new institutions") % {"count": report.institutions_created}
        if options["dry_run"]:
            self.stdout.write(
                _("Dry run, nothing written. %(what)s: %(counts)s.")
                % {"what": self.label, "counts": counts}
            )
        elif report.written:
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(what)s imported from %(file)s: %(counts)s (%(seconds).1f s).")
                    % {
                        "what": self.label,
                        "file": options["file"],
                        "counts": counts,
                        "seconds": sum(report.seconds.values()),
                    }
                )
            )
        if options["verbosity"] >= 2:
            for stage, seconds in report.seconds.items():
                self.stdout.write(f"  {stage:<8} {seconds:8.2f} s")
