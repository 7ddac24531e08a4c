"""Plausible bounds for the dates and times people type in: due dates, end dates, live
session starts, when a session was held, impact report periods.

Each check raises `ValidationError({field: [message]})` naming the field, so forms show the
message beside it and the API answers 400 with the field. The checks compare before anything
converts a time to UTC: a year-1 or year-9999 value is refused, never overflowed.
"""

from datetime import date, datetime, timedelta
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

EARLIEST_DATE = date(2000, 1, 1)
DUE_YEARS_AHEAD = 10
LIVE_SESSION_YEARS_AHEAD = 2
# A live session lasts 12 hours at most: one starting a day ago is surely over.
LIVE_SESSION_PAST = timedelta(days=1)
# A session is logged after it took place; a few minutes of clock difference are forgiven.
HELD_AT_SLACK = timedelta(minutes=5)


D = TypeVar("D", date, datetime)


def _years_after(day: D, years: int) -> D:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _show(day: date) -> str:
    return str(formats.date_format(day, "DATE_FORMAT"))


def latest_due_date(today: date | None = None) -> date:
    return _years_after(today or timezone.localdate(), DUE_YEARS_AHEAD)


def check_due_date(value: date | None, *, field: str, today: date | None = None) -> None:
    """A due or end date: none, or between 1 January 2000 and ten years from today."""
    if value is None:
        return
    latest = latest_due_date(today)
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            {
                field: [
                    _("Choose a date between %(earliest)s and %(latest)s.")
                    % {"earliest": _show(EARLIEST_DATE), "latest": _show(latest)}
                ]
            }
        )


def check_live_session_start(
    value: datetime, *, field: str = "starts_at", now: datetime | None = None
) -> None:
    """A live session's start: aware, not long past, at most two years ahead."""
    if timezone.is_naive(value):
        raise ValidationError({field: [_("Give the start with its time zone.")]})
    now = now or timezone.now()
    if value < now - LIVE_SESSION_PAST:
        raise ValidationError({field: [_("This session would already be over.")]})
    latest = _years_after(now, LIVE_SESSION_YEARS_AHEAD)
    if value > latest:
        raise ValidationError(
            {
                field: [
                    _("Schedule a session at most two years ahead, by %(latest)s.")
                    % {"latest": _show(timezone.localdate(latest))}
                ]
            }
        )


def check_held_at(value: datetime, *, field: str = "held_at", now: datetime | None = None) -> None:
    """When something took place: aware, from 1 January 2000, not in the future."""
    if timezone.is_naive(value):
        raise ValidationError({field: [_("Give the time with its time zone.")]})
    now = now or timezone.now()
    if value > now + HELD_AT_SLACK:
        raise ValidationError(
            {field: [_("A session is logged once it has taken place: this time is ahead.")]}
        )
    # Compared in the value's own zone: converting a year-1 time to UTC would overflow.
    if value.date() < EARLIEST_DATE:
        raise ValidationError(
            {field: [_("Give a time from %(earliest)s on.") % {"earliest": _show(EARLIEST_DATE)}]}
        )


def check_report_period(
    start: date | None, end: date | None, *, today: date | None = None
) -> dict[str, list[str]]:
    """Errors of a reporting period (`period_start`, `period_end`): it starts on 1 January
    2000 or later and ends today at the latest. Empty when it is fine."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if start is not None and not EARLIEST_DATE <= start <= today:
        errors["period_start"] = [
            _("The period starts between %(earliest)s and today.")
            % {"earliest": _show(EARLIEST_DATE)}
        ]
    if end is not None and not EARLIEST_DATE <= end <= today:
        errors["period_end"] = [
            _("Report on a period that is over: it ends today at the latest.")
            if end > today
            else _("The period ends between %(earliest)s and today.")
            % {"earliest": _show(EARLIEST_DATE)}
        ]
    return errors
