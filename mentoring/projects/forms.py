from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext_lazy as _

from mentoring.engagements.models import KIND_ROLES, EngagementKind, ParticipantRole, Side
from mentoring.projects.models import MilestoneStatus, OutputKind
from mentoring.projects.services import MAX_INVITATIONS, InvitationLine

MARKDOWN_HELP = _("Markdown: **bold**, *italic*, lists, [links](https://example.org).")
PLAN_MAX = 50_000

INVITABLE_ROLE_CHOICES = [
    (ParticipantRole.LEAD.value, ParticipantRole.LEAD.label),
    (ParticipantRole.MEMBER.value, ParticipantRole.MEMBER.label),
]
PROJECT_ROLE_CHOICES = [
    (role.value, role.label)
    for role in ParticipantRole
    if role in KIND_ROLES[EngagementKind.PROJECT]
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=MARKDOWN_HELP,
    )
    work_plan = forms.CharField(
        label=_("Work plan"),
        required=False,
        max_length=PLAN_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What will be done, by whom and when. Both sides approve it before the project starts."
        ),
    )
    impact_plan = forms.CharField(
        label=_("Impact plan"),
        required=False,
        max_length=PLAN_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Who benefits, how you will know, and what you will report."),
    )
    message = forms.CharField(
        label=_("Message to the people you invite"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationLineForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(
        label=_("Role"), choices=INVITABLE_ROLE_CHOICES, initial=ParticipantRole.MEMBER.value
    )
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices, initial=Side.EXPERT.value)
    role_title = forms.CharField(
        label=_("Role in the project"),
        required=False,
        max_length=100,
        help_text=_("For example “principal investigator”."),
    )

    def line(self) -> InvitationLine:
        data = self.cleaned_data
        return InvitationLine(
            email=data["email"], role=data["role"], side=data["side"], role_title=data["role_title"]
        )


class BaseInvitationFormSet(BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not self.filled():
            raise forms.ValidationError(_("Invite at least one person to the project."))

    def filled(self) -> list[tuple[int, InvitationLineForm]]:
        """The lines someone wrote in, with their place in the formset."""
        return [
            (index, form)
            for index, form in enumerate(self.forms)
            if form.has_changed() and form.cleaned_data
        ]


InvitationFormSet = formset_factory(
    InvitationLineForm,
    formset=BaseInvitationFormSet,
    extra=4,
    max_num=MAX_INVITATIONS,
    validate_max=True,
)


class InviteForm(InvitationLineForm):
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PROJECT_ROLE_CHOICES)
    role_title = forms.CharField(label=_("Role in the project"), required=False, max_length=100)


class WorkPlanForm(forms.Form):
    work_plan = forms.CharField(
        label=_("Work plan"),
        max_length=PLAN_MAX,
        error_messages={"required": _("Write the work plan.")},
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Saving a change makes a new version: both sides approve it again before the project starts."
        ),
    )


class ImpactPlanForm(forms.Form):
    impact_plan = forms.CharField(
        label=_("Impact plan"),
        required=False,
        max_length=PLAN_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=MARKDOWN_HELP,
    )


class ApproveForm(forms.Form):
    side = forms.ChoiceField(choices=Side.choices)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due"), widget=_date_input())
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MilestoneStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MilestoneStatus.choices)


class OutputForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutputKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("A web address (http or https)."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    published_on = forms.DateField(label=_("Date"), required=False, widget=_date_input())


class ImpactReportForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("For example “Year 1”."))
    period_start = forms.DateField(label=_("From"), widget=_date_input())
    period_end = forms.DateField(label=_("To"), widget=_date_input())
    body = forms.CharField(
        label=_("Report"),
        max_length=PLAN_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=MARKDOWN_HELP,
    )
