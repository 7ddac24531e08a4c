from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from diaspora.institutions.models import Institution, InstitutionType, MemberRole


class InstitutionForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown is supported."),
    )

    class Meta:
        model = Institution
        fields = ["name", "type", "country", "city", "website", "description"]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email"))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class InstitutionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    country = forms.ChoiceField(label=_("Country"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *InstitutionType.choices]
    )
    verified = forms.BooleanField(label=_("Verified only"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["country"]).choices = [
            ("", _("Any")),
            *[(c.code, c.name) for c in countries],
        ]
