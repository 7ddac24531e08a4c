from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring.engagements.models import (
    Engagement,
    EngagementKind,
    EngagementStatus,
    ParticipantRole,
    Side,
    StatusChange,
    TimelineEntry,
)
from mentoring.engagements.selectors import (
    OPEN_FILTER,
    TIMELINE_TYPES,
    invitable_roles,
    next_statuses,
)

REASON_MAX = StatusChange._meta.get_field("reason").max_length
NOTE_MAX = TimelineEntry._meta.get_field("body").max_length
MESSAGE_MAX = 2000


def status_action(engagement: Engagement, status: str) -> str:
    """What moving to `status` is called, from where the engagement is now."""
    if status == EngagementStatus.ACTIVE:
        if engagement.status == EngagementStatus.PAUSED:
            return str(_("Resume"))
        return str(_("Start"))
    actions: dict[str, Any] = {
        EngagementStatus.PAUSED: _("Pause"),
        EngagementStatus.COMPLETED: _("Mark as completed"),
        EngagementStatus.CANCELLED: _("Cancel"),
    }
    return str(actions.get(status, EngagementStatus(status).label))


class StatusForm(forms.Form):
    """Only the statuses the engagement may move to now are offered."""

    status = forms.ChoiceField(
        label=_("Change the status"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the new status."),
            "invalid_choice": _(
                "The engagement cannot move to this status now; it may have changed meanwhile."
            ),
        },
    )
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept in the status history and shown to everyone taking part. Required to cancel."
        ),
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(s, status_action(engagement, s)) for s in next_statuses(engagement)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == EngagementStatus.CANCELLED and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why it is cancelled."))
        return data


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown."),
        error_messages={"required": _("Write something first.")},
    )
    private = forms.BooleanField(label=_("Private: only I will ever see this note"), required=False)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"))
    side = forms.ChoiceField(
        label=_("Side"),
        required=False,
        choices=[("", _("Not set")), *Side.choices],
        help_text=_(
            "Whose side they are on: for a joint project, each side approves the work plan."
        ),
    )
    role_title = forms.CharField(
        label=_("Role title"),
        required=False,
        max_length=100,
        help_text=_("Optional, for example “principal investigator” or “data analyst”."),
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["role"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [(r, ParticipantRole(r).label) for r in invitable_roles(engagement)]


def _status_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("Any status")),
        (OPEN_FILTER, _("Open (proposed, active or paused)")),
        *EngagementStatus.choices,
    ]


class EngagementFilterForm(forms.Form):
    """Filters of a list of engagements (GET). Unknown values are ignored, not errors."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *EngagementKind.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_status_choices)

    def values(self) -> dict[str, str]:
        """The valid filters; an unknown value filters nothing."""
        if not self.is_bound:
            return {"kind": "", "status": ""}
        self.is_valid()
        return {
            "kind": self.cleaned_data.get("kind", ""),
            "status": self.cleaned_data.get("status", ""),
        }


class TimelineFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Everything")), *((t.code, t.label) for t in TIMELINE_TYPES)],
    )

    def value(self) -> str:
        return self.cleaned_data["type"] if self.is_valid() else ""
