from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from diaspora.institutions.models import Institution
from diaspora.needs.models import Need, NeedStatus, Offer, RequestStatus
from diaspora.people.forms import discipline_choices, grouped_discipline_choices
from diaspora.people.services import normalise_keywords
from diaspora.reference.languages import language_choices
from diaspora.reference.models import (
    Discipline,
    EngagementKind,
    EngagementType,
    Mode,
    ModeKind,
)


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class DisciplinesField(forms.MultipleChoiceField):
    """FORD fields as grouped checkboxes; cleans to Discipline rows (fields only)."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "columns"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Disciplines (OECD fields of research)"))
        super().__init__(choices=grouped_discipline_choices, required=False, **kwargs)

    def clean(self, value: Any) -> list[Discipline]:
        codes = super().clean(value)
        return list(Discipline.objects.filter(code__in=codes, parent__isnull=False))


class LanguagesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=language_choices,
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 8}),
            **kwargs,
        )


def keywords_from_text(raw: str) -> list[str]:
    return normalise_keywords((raw or "").replace(";", ",").split(","))


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NeedForm(forms.ModelForm):
    """A need's fields. `institutions` (on creation) is what the author may post for."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), empty_label=None
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown is supported: **bold**, *italic*, [links](https://…), lists. Say what you need, for whom, and what the expert will do."
        ),
    )
    disciplines = DisciplinesField()
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        help_text=_("Separated by commas, e.g. epidemiology, malaria, survey design."),
    )
    engagement_type = forms.ModelChoiceField(
        label=_("Engagement type"), queryset=EngagementType.objects.all(), empty_label=None
    )
    mode = forms.ModelChoiceField(
        label=_("Mode"),
        queryset=Mode.objects.all(),
        empty_label=None,
        widget=forms.RadioSelect,
        help_text=_("On site and hybrid work need a place."),
    )
    required_languages = LanguagesField(
        label=_("Required languages"),
        help_text=_("Experts who do not speak every one of these are not proposed."),
    )
    preferred_languages = LanguagesField(
        label=_("Preferred languages"), help_text=_("A plus, not a condition.")
    )

    class Meta:
        model = Need
        fields = [
            "institution",
            "title",
            "description",
            "engagement_type",
            "mode",
            "location_city",
            "location_country",
            "start_date",
            "end_date",
            "effort_hours",
            "experts_wanted",
            "response_deadline",
        ]
        widgets = {"start_date": DATE, "end_date": DATE, "response_deadline": DATE}
        help_texts = {
            "effort_hours": _("In total, for the whole engagement."),
            "response_deadline": _("Experts should answer by this day."),
        }

    field_order = [
        "institution",
        "title",
        "description",
        "disciplines",
        "keywords",
        "engagement_type",
        "mode",
        "location_city",
        "location_country",
        "start_date",
        "end_date",
        "effort_hours",
        "experts_wanted",
        "response_deadline",
        "required_languages",
        "preferred_languages",
    ]

    def __init__(
        self,
        *args: Any,
        institutions: QuerySet[Institution] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if institutions is None:
            # Editing: a need stays with its institution.
            del self.fields["institution"]
        else:
            cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions
        need = self.instance
        if need.pk:
            # Many-to-many values are shown as codes and text, not primary keys.
            self.initial["disciplines"] = [d.code for d in need.disciplines.all()]
            self.initial["keywords"] = ", ".join(k.name for k in need.keywords.all())
            self.initial["required_languages"] = need.required_language_codes
            self.initial["preferred_languages"] = need.preferred_language_codes

    def clean_keywords(self) -> list[str]:
        return keywords_from_text(self.cleaned_data.get("keywords") or "")

    def clean_effort_hours(self) -> int:
        hours = self.cleaned_data["effort_hours"]
        if hours > 10_000:
            raise forms.ValidationError(_("At most 10,000 hours."))
        return hours

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        both = set(data.get("required_languages") or []) & set(
            data.get("preferred_languages") or []
        )
        if both:
            self.add_error(
                "preferred_languages",
                _("A language is either required or preferred, not both: %(names)s.")
                % {"names": ", ".join(sorted(dict(language_choices()).get(c, c) for c in both))},
            )
        return data

    def values(self) -> dict[str, Any]:
        from diaspora.needs.services import NEED_FIELDS

        return {name: self.cleaned_data[name] for name in NEED_FIELDS}

    def service_arguments(self) -> dict[str, Any]:
        """What `need_create` and `need_update` take from this form."""
        data = self.cleaned_data
        return {
            "values": self.values(),
            "description": data["description"],
            "disciplines": data["disciplines"],
            "keywords": data["keywords"],
            "required_languages": data["required_languages"],
            "preferred_languages": data["preferred_languages"],
        }


class NeedStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)


def _any(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("Any")), *choices]


class NeedFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    discipline = forms.ChoiceField(label=_("Discipline"), required=False)
    engagement_type = forms.ChoiceField(
        label=_("Engagement"), required=False, choices=_any(EngagementKind.choices)
    )
    mode = forms.ChoiceField(label=_("Mode"), required=False, choices=_any(ModeKind.choices))
    language = forms.ChoiceField(label=_("Language"), required=False)
    country = forms.ChoiceField(label=_("Country of the institution"), required=False)
    institution = forms.TypedChoiceField(
        label=_("Institution"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, institutions: Iterable[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "discipline").choices = _any(discipline_choices())
        _choice(self, "language").choices = _any(language_choices())
        _choice(self, "country").choices = _any((c.code, c.name) for c in countries)
        _choice(self, "institution").choices = _any((str(i.pk), i.name) for i in institutions)


class MyNeedsFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(NeedStatus.choices))
    institution = forms.TypedChoiceField(
        label=_("Institution"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, institutions: Iterable[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "institution").choices = _any((str(i.pk), i.name) for i in institutions)


class OfferForm(forms.ModelForm):
    engagement_type = forms.ModelChoiceField(
        label=_("Kind"), queryset=EngagementType.objects.all(), empty_label=None
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown is supported. What you can give, to whom, and what you need from the institution."
        ),
    )
    disciplines = DisciplinesField()
    languages = LanguagesField(label=_("Languages"), help_text=_("Languages you would work in."))
    modes = forms.ModelMultipleChoiceField(
        label=_("Modes"),
        queryset=Mode.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Offer
        fields = [
            "engagement_type",
            "title",
            "description",
            "capacity",
            "hours_per_month",
            "is_active",
        ]

    field_order = [
        "engagement_type",
        "title",
        "description",
        "disciplines",
        "languages",
        "modes",
        "capacity",
        "hours_per_month",
        "is_active",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer = self.instance
        if offer.pk:
            self.initial["disciplines"] = [d.code for d in offer.disciplines.all()]
            self.initial["languages"] = [lang.code for lang in offer.languages.all()]
            self.initial["modes"] = list(offer.modes.all())

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if capacity < 1:
            raise forms.ValidationError(_("Offer at least one place."))
        return capacity

    def clean_hours_per_month(self) -> int:
        hours = self.cleaned_data["hours_per_month"]
        if hours > 200:
            raise forms.ValidationError(_("At most 200 hours a month."))
        return hours

    def values(self) -> dict[str, Any]:
        from diaspora.needs.services import OFFER_FIELDS

        return {name: self.cleaned_data[name] for name in OFFER_FIELDS}

    def service_arguments(self) -> dict[str, Any]:
        """What `offer_create` and `offer_update` take from this form."""
        data = self.cleaned_data
        return {
            "values": self.values(),
            "description": data["description"],
            "disciplines": data["disciplines"],
            "languages": data["languages"],
            "modes": list(data["modes"]),
        }


class OfferFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    discipline = forms.ChoiceField(label=_("Discipline"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_any(EngagementKind.choices))
    language = forms.ChoiceField(label=_("Language"), required=False)
    mode = forms.ChoiceField(label=_("Mode"), required=False, choices=_any(ModeKind.choices))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "discipline").choices = _any(discipline_choices())
        _choice(self, "language").choices = _any(language_choices())


class OfferRequestForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Institution.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you would like, for whom, and when. The expert reads this first."),
    )

    def __init__(self, *args: Any, institutions: QuerySet[Institution], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class OfferRequestFilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Requests"),
        required=False,
        choices=[
            ("incoming", _("For my offers")),
            ("outgoing", _("From my institutions")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_any(RequestStatus.choices)
    )


class OfferRequestAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The institution sees it with your answer."),
    )

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == "accept"
