from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from diaspora.accounts.forms import timezone_choices
from diaspora.people.models import ExpertLanguage, ExpertProfile, LanguageLevel, Qualification
from diaspora.people.services import LanguageInput, QualificationInput, normalise_keywords
from diaspora.reference.languages import language_choices
from diaspora.reference.models import Discipline, EngagementKind, EngagementType, Mode, ModeKind


def grouped_discipline_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """FORD fields grouped under their major field, for checkboxes with headings."""
    groups: dict[str, list[tuple[str, str]]] = {}
    labels: dict[str, str] = {}
    for discipline in Discipline.objects.select_related("parent"):
        if discipline.parent is None:
            labels[discipline.code] = f"{discipline.code} {discipline.label}"
            groups.setdefault(discipline.code, [])
        else:
            groups.setdefault(discipline.parent.code, []).append(
                (discipline.code, f"{discipline.code} {discipline.label}")
            )
    return [(labels.get(code, code), fields) for code, fields in groups.items()]


class ExpertProfileForm(forms.ModelForm):
    bio = forms.CharField(
        label=_("Biography"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Markdown is supported: **bold**, *italic*, [links](https://…), lists. Everyone who "
            "can see your profile reads this: leave out where you come from or live if you hide it below."
        ),
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    disciplines = forms.MultipleChoiceField(
        label=_("Disciplines (OECD fields of research)"),
        choices=grouped_discipline_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "columns"}),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        help_text=_("Separated by commas, e.g. epidemiology, malaria, survey design."),
    )
    engagement_types = forms.ModelMultipleChoiceField(
        label=_("What you offer"),
        queryset=EngagementType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    modes = forms.ModelMultipleChoiceField(
        label=_("How you work"),
        queryset=Mode.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ExpertProfile
        fields = [
            "headline",
            "bio",
            "current_affiliation",
            "origin_country",
            "origin_country_visibility",
            "residence_country",
            "residence_country_visibility",
            "city",
            "city_visibility",
            "timezone",
            "disciplines",
            "keywords",
            "engagement_types",
            "modes",
            "willing_to_travel",
            "hours_per_month",
            "max_mentees",
            "is_listed",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The field holds FORD codes, not primary keys.
            self.initial["disciplines"] = [d.code for d in self.instance.disciplines.all()]

    def clean_disciplines(self) -> list[Discipline]:
        codes = self.cleaned_data.get("disciplines") or []
        return list(Discipline.objects.filter(code__in=codes, parent__isnull=False))

    def clean_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("keywords") or ""
        return normalise_keywords(raw.replace(";", ",").split(","))

    def clean_hours_per_month(self) -> int:
        hours = self.cleaned_data["hours_per_month"]
        if hours > 200:
            raise forms.ValidationError(_("At most 200 hours a month."))
        return hours


class LanguageForm(forms.ModelForm):
    code = forms.ChoiceField(label=_("Language"), choices=[("", "—"), *language_choices()])
    # A blank first choice, so that an untouched extra row stays empty rather than invalid.
    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *LanguageLevel.choices])

    class Meta:
        model = ExpertLanguage
        fields = ["code", "level"]

    def to_input(self) -> LanguageInput:
        return LanguageInput(code=self.cleaned_data["code"], level=self.cleaned_data["level"])


class QualificationForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["degree", "field", "institution", "country", "year"]

    def to_input(self) -> QualificationInput:
        data = self.cleaned_data
        return QualificationInput(
            id=self.instance.pk,
            degree=data["degree"],
            field=data["field"],
            institution=data["institution"],
            country=str(data["country"]),
            year=data["year"],
        )


class BaseLanguageFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        # Said beside the repeated language; Django's own check names neither row nor label.
        seen: set[str] = set()
        for form in self.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            code = form.cleaned_data.get("code")
            if code in seen:
                form.add_error("code", _("This language is already listed."))
            elif code:
                seen.add(code)
        super().clean()


LanguageFormSet = forms.inlineformset_factory(
    ExpertProfile,
    ExpertLanguage,
    form=LanguageForm,
    formset=BaseLanguageFormSet,
    extra=2,
    can_delete=True,
    max_num=20,
)
QualificationFormSet = forms.inlineformset_factory(
    ExpertProfile, Qualification, form=QualificationForm, extra=1, can_delete=True, max_num=20
)


def kept_forms(formset: forms.BaseInlineFormSet) -> list[Any]:
    """Filled-in forms that are not marked for deletion."""
    # Untouched extra forms are valid with empty cleaned_data.
    return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class ExpertFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    discipline = forms.ChoiceField(label=_("Discipline"), required=False)
    origin_country = forms.ChoiceField(label=_("Country of origin"), required=False)
    residence_country = forms.ChoiceField(label=_("Country of residence"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    engagement_type = forms.ChoiceField(
        label=_("Engagement"), required=False, choices=[("", _("Any")), *EngagementKind.choices]
    )
    mode = forms.ChoiceField(
        label=_("Mode"), required=False, choices=[("", _("Any")), *ModeKind.choices]
    )
    has_capacity = forms.BooleanField(label=_("Has capacity"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from django_countries import countries

        country_choices = [("", _("Any")), *[(c.code, c.name) for c in countries]]
        choice_fields = {name: cast(forms.ChoiceField, self.fields[name]) for name in self.fields}
        choice_fields["origin_country"].choices = country_choices
        choice_fields["residence_country"].choices = country_choices
        choice_fields["language"].choices = [("", _("Any")), *language_choices()]
        choice_fields["discipline"].choices = [("", _("Any")), *discipline_choices()]


def discipline_choices() -> list[tuple[str, str]]:
    """Major fields and their fields, for a filter: `1` takes all of 1.x."""
    return [
        (d.code, f"{d.code} {d.label}" if d.parent_id is None else f"\u2003{d.code} {d.label}")
        for d in Discipline.objects.all()
    ]
