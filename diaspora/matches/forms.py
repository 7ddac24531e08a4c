from django import forms
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX = 5000
REASON_MAX = 2000


class InviteForm(forms.Form):
    expert = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    message = forms.CharField(
        label=_("Message to the expert"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you hope they could do, and why you thought of them."),
        error_messages={"required": _("Write a short message.")},
    )


class InterestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the institution"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you could bring to this need, and when you could start."),
        error_messages={"required": _("Write a short message.")},
    )


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        error_messages={"required": _("Choose to accept or decline.")},
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == "accept"


LIMITS = (10, 20, 50, 100)
DEFAULT_LIMIT = 20


class RankedListForm(forms.Form):
    limit = forms.TypedChoiceField(
        label=_("Show"),
        coerce=int,
        required=False,
        choices=[(n, str(n)) for n in LIMITS],
        initial=DEFAULT_LIMIT,
    )

    def limit_or_default(self) -> int:
        if self.is_valid() and self.cleaned_data.get("limit"):
            return int(self.cleaned_data["limit"])
        return DEFAULT_LIMIT
