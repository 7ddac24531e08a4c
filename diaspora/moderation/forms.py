"""Forms of the moderation pages. They check the shape of what was typed; the services decide
what is allowed (and say why, field by field, as ValidationErrors the forms then show).

Times typed in (a silence's end) are read in the moderator's time zone, which the middleware
activated, and the date filters of the audit trail are days in that zone too.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diaspora.accounts.models import User
from diaspora.communities.models import Community
from diaspora.moderation.models import ActionKind, FlagReason

REASON_MAX_LENGTH = 500
MESSAGE_MAX_LENGTH = 2000
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# A silence ends within this many years: enough for "indefinitely", and far from the end of
# the calendar, so no time-zone conversion of the date can overflow.
SILENCE_MAX_YEARS = 10


def _reason_field(*, required: bool, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=_("Reason") if required else _("Reason (optional)"),
        required=required,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text or _("Kept in the audit trail, which the community's moderators read."),
    )


class NextMixin(forms.Form):
    """Where to go back to after the act: a path on this site, checked by the view."""

    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class FlagForm(NextMixin):
    reason = forms.ChoiceField(
        label=_("What is wrong with this post?"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for “Something else”; the moderators read it, the author does not."),
    )


class ReasonForm(NextMixin):
    """An act whose reason is optional (restore, lock, pin, lift a silence, reinstate)."""

    reason = _reason_field(required=False)


class RequiredReasonForm(NextMixin):
    """An act that needs a reason (hide a post, remove a member, suspend an account)."""

    reason = _reason_field(required=True)


class ResolveForm(NextMixin):
    """Agree or disagree with a post's pending flags: the button pressed says which."""

    decision = forms.ChoiceField(
        choices=[("agree", _("Agree: hide the post")), ("disagree", _("Disagree: keep it"))]
    )
    reason = _reason_field(required=False)

    @property
    def agree(self) -> bool:
        return self.cleaned_data["decision"] == "agree"


class MoveForm(NextMixin):
    to_community = forms.ModelChoiceField(
        label=_("Move to"),
        queryset=Community.objects.none(),
        to_field_name="slug",
        empty_label=_("Choose a community"),
        help_text=_("Only communities you moderate are listed."),
    )
    reason = _reason_field(required=True)

    def __init__(self, *args: Any, communities: QuerySet[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_community"].queryset = communities  # type: ignore[attr-defined]


class WarnForm(NextMixin):
    message = forms.CharField(
        label=_("Message to the member"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("They are notified and read it on their warnings page; it is also audited."),
    )
    # The post the warning is about, when the moderator came from one.
    post = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class SilenceDuration:
    HOUR = "1h"
    DAY = "1d"
    WEEK = "1w"
    CUSTOM = "custom"


SILENCE_DURATIONS: dict[str, timedelta] = {
    SilenceDuration.HOUR: timedelta(hours=1),
    SilenceDuration.DAY: timedelta(days=1),
    SilenceDuration.WEEK: timedelta(weeks=1),
}


SILENCE_DURATION_CHOICES = [
    (SilenceDuration.HOUR, _("1 hour")),
    (SilenceDuration.DAY, _("1 day")),
    (SilenceDuration.WEEK, _("1 week")),
    (SilenceDuration.CUSTOM, _("Until a date and time")),
]


class SilenceForm(NextMixin):
    duration = forms.ChoiceField(
        label=_("For"),
        choices=SILENCE_DURATION_CHOICES,
        initial=SilenceDuration.DAY,
        widget=forms.RadioSelect,
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        widget=forms.DateTimeInput(format=DATETIME_LOCAL, attrs={"type": "datetime-local"}),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
    )
    reason = _reason_field(
        required=True, help_text=_("The member reads it in the notification, and it is audited.")
    )

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.fields["until"].help_text = _("In your time zone, %(zone)s.") % {
            "zone": timezone.get_current_timezone_name()
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        duration = data.get("duration")
        if duration in SILENCE_DURATIONS:
            data["ends_at"] = self.now + SILENCE_DURATIONS[duration]
        elif duration == SilenceDuration.CUSTOM:
            until = data.get("until")
            if until is None:
                if "until" not in self.errors:
                    self.add_error("until", _("Give the date and time the silence ends."))
            elif until.year > timezone.localtime(self.now).year + SILENCE_MAX_YEARS:
                self.add_error(
                    "until",
                    _("Choose an end within %(years)s years.") % {"years": SILENCE_MAX_YEARS},
                )
            elif until <= self.now:
                self.add_error("until", _("Choose a moment in the future."))
            else:
                data["ends_at"] = until
        return data


class ModeratorForm(NextMixin):
    is_moderator = forms.TypedChoiceField(
        choices=[("1", _("Make moderator")), ("0", _("Remove as moderator"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = _reason_field(required=False)


def _handle_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=40,
        help_text=_("Their handle, as in @mentions."),
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *ActionKind.choices]
    )
    actor = _handle_field(_("Done by"))
    member = _handle_field(_("Done to"))
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, communities: QuerySet[Community] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The platform-wide trail can narrow to one community; a community's own cannot.
        if communities is not None:
            self.fields["community"] = forms.ModelChoiceField(
                label=_("Community"),
                required=False,
                queryset=communities,
                to_field_name="slug",
                empty_label=_("Every community"),
            )
            self.order_fields(["community", "action", "actor", "member", "since", "until"])

    def _clean_handle(self, name: str) -> User | None:
        handle = (self.cleaned_data.get(name) or "").strip().lstrip("@").lower()
        if not handle:
            return None
        user = User.objects.filter(handle=handle).first()
        if user is None:
            raise forms.ValidationError(
                _("No account has the handle @%(handle)s."), params={"handle": handle}
            )
        return user

    def clean_actor(self) -> User | None:
        return self._clean_handle("actor")

    def clean_member(self) -> User | None:
        return self._clean_handle("member")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since: date | None = data.get("since")
        until: date | None = data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or handle"), required=False, max_length=100)
