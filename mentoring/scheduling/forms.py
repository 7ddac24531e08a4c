"""Forms of the schedule. A start typed in is read in the viewer's time zone (the
middleware activated it), and shown back in it."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mentoring.scheduling.models import AttendanceStatus, LiveSession
from mentoring.scheduling.selectors import AttendanceRow

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class LiveSessionForm(forms.Form):
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
    always_open = forms.BooleanField(
        label=_("Open room: participants may join at any time"), required=False
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
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = _("In your time zone, %(zone)s.") % {
            "zone": timezone.get_current_timezone_name()
        }

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
