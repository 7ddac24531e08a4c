from django import forms
from django.utils.translation import gettext_lazy as _

from diaspora.accounts.models import Role, User
from diaspora.reference.timezones import timezone_names


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(timezone_names())]


class RoleSignupForm(forms.Form):
    """allauth asks email and password; this adds who you are and how you join."""

    name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(
        label=_("I join as"), choices=Role.choices, widget=forms.RadioSelect, initial=Role.EXPERT
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        initial="UTC",
        # static/js/timezone-guess.js preselects the browser's zone.
        widget=forms.Select(attrs={"data-guess-timezone": ""}),
    )

    field_order = ["name", "email", "role", "timezone", "password1", "password2"]

    def signup(self, request: object, user: User) -> None:
        from diaspora.accounts.services import account_complete_signup

        account_complete_signup(
            user=user,
            name=self.cleaned_data["name"],
            role=self.cleaned_data["role"],
            timezone_name=self.cleaned_data["timezone"],
        )


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=150)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)


class APITokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Say what will use it, e.g. 'Programme office import script'."),
    )
