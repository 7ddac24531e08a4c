"""The audit trail as CSV, for transparency reports.

Times are UTC (ISO 8601) whoever downloads the file, so files from moderators in different
time zones line up; before/after are the JSON the entry stores.
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from diaspora.csv_export import csv_cell, csv_response, utc_iso
from diaspora.moderation.models import ModerationAction


def _json(value: Any) -> str:
    if not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _rows(entries: Iterable[ModerationAction]) -> Iterator[list[str]]:
    for entry in entries:
        yield [
            utc_iso(entry.created_at),
            csv_cell(entry.community.name if entry.community is not None else _("Platform-wide")),
            csv_cell(entry.actor.display_name if entry.actor is not None else _("Automatic")),
            csv_cell(str(entry.get_action_display())),
            csv_cell(entry.target_label),
            csv_cell(entry.member.display_name if entry.member is not None else ""),
            csv_cell(entry.reason),
            csv_cell(_json(entry.before)),
            csv_cell(_json(entry.after)),
        ]


def audit_csv(
    entries: Iterable[ModerationAction], *, filename: str = "moderation-audit.csv"
) -> HttpResponse:
    """The entries (an `audit_entries` queryset, already filtered for the viewer) as a CSV
    download; a queryset is read in chunks, with the names it shows joined in."""
    if isinstance(entries, QuerySet):
        entries = entries.select_related("community", "actor", "member").iterator(chunk_size=500)
    header = [
        _("when (UTC)"),
        _("community"),
        _("actor"),
        _("action"),
        _("target"),
        _("member"),
        _("reason"),
        _("before"),
        _("after"),
    ]
    return csv_response(filename, header, _rows(entries))
