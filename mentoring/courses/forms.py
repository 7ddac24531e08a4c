from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from diaspora.institutions.models import Institution
from diaspora.reference.languages import language_choices
from mentoring.courses.files import ALLOWED_HELP
from mentoring.courses.models import Course, EnrolmentPolicy, Level
from mentoring.courses.services import MESSAGE_MAX

MARKDOWN_HELP = _("Markdown is supported: **bold**, *italic*, [links](https://…), lists.")


def _languages_with_blank(blank: str) -> list[tuple[str, str]]:
    return [("", blank), *language_choices()]


class CatalogueForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    language = forms.ChoiceField(label=_("Language"), required=False)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("Any level")), *Level.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["language"]).choices = _languages_with_blank(
            str(_("Any language"))
        )


class CourseForm(forms.Form):
    """A course's fields. `institutions` (on creation) are the ones the author may host it
    with; editing keeps the host."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=format_lazy(
            "{} {}", _("Who it is for and what they will be able to do."), MARKDOWN_HELP
        ),
    )
    syllabus = forms.CharField(
        label=_("Syllabus"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=format_lazy("{} {}", _("Week by week, or topic by topic."), MARKDOWN_HELP),
    )
    language = forms.ChoiceField(label=_("Language of teaching"))
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    capacity = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        max_value=100_000,
        help_text=_("When every seat is taken, learners join a waiting list."),
    )
    enrolment_policy = forms.ChoiceField(
        label=_("Enrolment"), choices=EnrolmentPolicy.choices, widget=forms.RadioSelect
    )
    listed = forms.BooleanField(
        label=_("List it in the public catalogue"), required=False, initial=True
    )
    institution = forms.ModelChoiceField(
        label=_("Host institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("No host institution"),
        help_text=_("One of your institutions; its administrators can help run the course."),
    )

    def __init__(
        self,
        *args: Any,
        institutions: QuerySet[Institution] | None = None,
        course: Course | None = None,
        **kwargs: Any,
    ) -> None:
        if course is not None and "initial" not in kwargs:
            engagement = course.engagement
            kwargs["initial"] = {
                "title": engagement.title,
                "summary": engagement.summary,
                "syllabus": course.syllabus,
                "language": course.language,
                "level": course.level,
                "capacity": course.capacity,
                "enrolment_policy": course.enrolment_policy,
                "listed": course.listed,
            }
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["language"]).choices = _languages_with_blank("—")
        if institutions is None:
            del self.fields["institution"]
        else:
            cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions

    def values(self) -> dict[str, Any]:
        """The cleaned values the services take (no host)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "institution"}


class EnrolForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the instructors"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: your background and why you want to take the course."),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_(
            "Of their account on the network. They are told and answer on the course page."
        ),
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional, shown to the learner)"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100_000)


class MaterialPageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=format_lazy(
            "{} {}",
            MARKDOWN_HELP,
            _("In a live session, a line with only --- starts a new slide."),
        ),
    )


class MaterialFileForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the file's name."),
    )
    file = forms.FileField(label=_("File"), help_text=ALLOWED_HELP)

    def __init__(self, *args: Any, max_mb: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if max_mb:
            self.fields["file"].help_text = _("%(types)s At most %(mb)s MB.") % {
                "types": ALLOWED_HELP,
                "mb": max_mb,
            }
