from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from diaspora.accounts.models import User
from mentoring.engagements.models import Engagement
from mentoring.mentorships.models import Cadence, GoalStatus
from mentoring.mentorships.permissions import MEMBER_ROLES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Read in the viewer's time zone (the middleware activates it), stored in UTC.
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SCORES = [(n, str(n)) for n in range(1, 6)]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


def participant_users(engagement: Engagement, *, members_only: bool = False) -> Any:
    participants = engagement.participants.current()
    if members_only:
        participants = participants.filter(role__in=MEMBER_ROLES)
    return User.objects.filter(pk__in=participants.values("user_id")).order_by("name", "pk")


class AgreementForm(forms.Form):
    goals = forms.CharField(
        label=_("Goals"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the mentees want to reach. Markdown."),
        error_messages={"required": _("Write the goals of the mentorship.")},
    )
    expectations = forms.CharField(
        label=_("Expectations"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What each side commits to: preparation, answers, confidentiality. Markdown."),
    )
    cadence = forms.ChoiceField(label=_("Meeting cadence"), choices=Cadence.choices)
    end_date = forms.DateField(label=_("Ends on"), required=False, widget=DATE)


class ConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class GoalForm(forms.Form):
    title = forms.CharField(
        label=_("Goal"),
        max_length=200,
        error_messages={"required": _("Name the goal.")},
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE)


class GoalUpdateForm(GoalForm):
    progress = forms.IntegerField(
        label=_("Progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": 5}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class TaskForm(forms.Form):
    title = forms.CharField(
        label=_("Task"), max_length=200, error_messages={"required": _("Name the task.")}
    )
    assignee = UserChoiceField(label=_("Assigned to"), queryset=User.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = participant_users(engagement)


class TaskUpdateForm(TaskForm):
    done = forms.BooleanField(label=_("Done"), required=False)


class SessionForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=DATETIME,
        help_text=_("In your time zone."),
        error_messages={"required": _("Say when the session took place.")},
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=24 * 60, initial=60
    )
    attendees = UsersChoiceField(
        label=_("Who attended"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Say who attended the session.")},
    )
    shared_notes = forms.CharField(
        label=_("Shared notes"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Everyone in the mentorship reads these. Markdown."),
    )
    private_notes = forms.CharField(
        label=_("Your private notes"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only you will ever read these. Markdown."),
    )

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attendees"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101
        field.queryset = participant_users(engagement, members_only=True)
        # One query: the choices are read once, for the initial ticks and the widget alike.
        users = list(field.queryset)
        field.choices = [(user.pk, user.display_name) for user in users]
        if not self.is_bound:
            field.initial = [user.pk for user in users]


class PrivateNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Your private notes"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only you will ever read these. Save an empty note to delete it. Markdown."),
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was the session?"),
        coerce=int,
        choices=SCORES,
        widget=forms.RadioSelect,
        help_text=_("1: not useful, 5: very useful."),
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    goal_progress = forms.TypedChoiceField(
        label=_("How far did it move the goals?"),
        coerce=int,
        choices=SCORES,
        widget=forms.RadioSelect,
        help_text=_("1: not at all, 5: a big step."),
        error_messages={"required": _("Choose from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Read by you and those who run the mentorship, not by other mentees."),
    )


class FitCheckForm(forms.Form):
    fits = forms.TypedChoiceField(
        label=_("Does the pairing fit?"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Yes, let us go on")), ("no", _("No, it does not fit"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer yes or no.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Read by you and the coordinators only."),
    )
