"""Forms of the schedule. A start typed in is read in the viewer's time zone (the
middleware activated it), and shown back in it."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from mentoring.scheduling.models import AGENDA_MAX_LENGTH, AttendanceStatus, LiveSession
from mentoring.scheduling.selectors import AttendanceRow
from mentoring.scheduling.services import MAX_WEEKLY_SESSIONS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
MARKDOWN_HELP = _("Markdown is supported: **bold**, *italic*, [links](https://…), lists.")


class LiveSessionForm(forms.Form):
    field_order = [
        "title",
        "starts_at",
        "duration_minutes",
        "weekly_sessions",
        "external_url",
        "always_open",
        "agenda",
        "allow_overlap",
    ]
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(format=DATETIME_LOCAL, attrs={"type": "datetime-local"}),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=12 * 60, initial=60
    )
    external_url = forms.URLField(
        label=_("External video link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Optional: a link to another video service (http or https)."),
    )
    weekly_sessions = forms.IntegerField(
        label=_("Repeat every week for this many sessions"),
        required=False,
        min_value=1,
        max_value=MAX_WEEKLY_SESSIONS,
        initial=1,
        help_text=format_lazy(
            _(
                "From 1 to {max}; 1 schedules just this session. Each keeps the same time of "
                "day in your time zone, and its title ends with its number, such as “(2/6)”."
            ),
            max=MAX_WEEKLY_SESSIONS,
        ),
    )
    always_open = forms.BooleanField(
        label=_("Open room: participants may join at any time"), required=False
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=AGENDA_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=format_lazy(
            "{} {} {}",
            _("Optional: what the session covers."),
            MARKDOWN_HELP,
            _("In the live room, a line with only --- starts a new slide."),
        ),
    )
    allow_overlap = forms.BooleanField(
        label=_("Schedule anyway, even though it overlaps another session"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, session: LiveSession | None = None, **kwargs: Any) -> None:
        if session is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": session.title,
                    "starts_at": session.starts_at,
                    "duration_minutes": session.duration_minutes,
                    "external_url": session.external_url,
                    "always_open": session.always_open,
                    "agenda": session.agenda,
                },
            )
        super().__init__(*args, **kwargs)
        if session is not None:
            # A series is made at once; each of its sessions is then changed on its own.
            del self.fields["weekly_sessions"]
        self.fields["starts_at"].help_text = _("In your time zone, %(zone)s.") % {
            "zone": timezone.get_current_timezone_name()
        }
        if self.data.get(self.add_prefix("allow_overlap")) in ("on", "true", "True", "1"):
            self.offer_overlap()

    def offer_overlap(self) -> None:
        """Show the "schedule anyway" box: the service refused an overlap, or it was ticked."""
        self.fields["allow_overlap"].widget = forms.CheckboxInput()

    def clean_weekly_sessions(self) -> int:
        return self.cleaned_data["weekly_sessions"] or 1

    def clean_external_url(self) -> str:
        url: str = self.cleaned_data["external_url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("The video link must start with http:// or https://."))
        return url


class AttendanceForm(forms.Form):
    """One choice per current attendee, named `user_<id>`."""

    def __init__(self, *args: Any, rows: list[AttendanceRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"user_{row.participant.user_id}"] = forms.ChoiceField(
                label=row.participant.user.display_name,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                initial=row.status or None,
            )

    def statuses(self) -> dict[int, str]:
        return {
            row.participant.user_id: self.cleaned_data[f"user_{row.participant.user_id}"]
            for row in self.rows
        }

    def bound_rows(self) -> list[tuple[AttendanceRow, forms.BoundField]]:
        return [(row, self[f"user_{row.participant.user_id}"]) for row in self.rows]
