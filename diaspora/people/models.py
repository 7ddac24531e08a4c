from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from diaspora.markup import render_markdown
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode
from diaspora.reference.validators import validate_language, validate_timezone


def validate_not_future_year(value: int) -> None:
    if value > dj_timezone.now().year:
        raise ValidationError(_("The year cannot be in the future."))


class Visibility(models.TextChoices):
    """Who may see a sensitive field. Ordered from most to least open."""

    PUBLIC = "public", _("Everyone, including visitors")
    MEMBERS = "members", _("Signed-in members")
    INSTITUTIONS = "institutions", _("Representatives of verified institutions only")
    HIDDEN = "hidden", _("Nobody but me")


# The fields a person may hide, each paired with the field that says who may see it.
SENSITIVE_FIELDS: dict[str, str] = {
    "origin_country": "origin_country_visibility",
    "residence_country": "residence_country_visibility",
    "city": "city_visibility",
}


class ExpertProfileQuerySet(models.QuerySet["ExpertProfile"]):
    def listed(self) -> "ExpertProfileQuerySet":
        return self.filter(is_listed=True, user__is_active=True)

    def has_capacity(self) -> "ExpertProfileQuerySet":
        return self.filter(hours_per_month__gt=0, current_mentees__lt=models.F("max_mentees"))


class ExpertProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile"
    )
    headline = models.CharField(
        _("headline"),
        max_length=160,
        blank=True,
        help_text=_("One line: your role and what you bring, e.g. 'Epidemiologist, Lyon'."),
    )
    bio = models.TextField(_("biography"), blank=True, help_text=_("Markdown is supported."))
    bio_html = models.TextField(editable=False, blank=True)

    origin_country = CountryField(_("country of origin"), blank=True)
    origin_country_visibility = models.CharField(
        _("who sees your country of origin"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    residence_country = CountryField(_("country of residence"), blank=True)
    residence_country_visibility = models.CharField(
        _("who sees your country of residence"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    city_visibility = models.CharField(
        _("who sees your city"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.INSTITUTIONS,
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    current_affiliation = models.CharField(_("current affiliation"), max_length=200, blank=True)

    disciplines = models.ManyToManyField(
        Discipline, blank=True, related_name="experts", verbose_name=_("disciplines")
    )
    keywords = models.ManyToManyField(
        Keyword, blank=True, related_name="experts", verbose_name=_("keywords")
    )
    engagement_types = models.ManyToManyField(
        EngagementType, blank=True, related_name="experts", verbose_name=_("engagements offered")
    )
    modes = models.ManyToManyField(
        Mode, blank=True, related_name="experts", verbose_name=_("modes")
    )
    willing_to_travel = models.BooleanField(_("willing to travel"), default=False)
    hours_per_month = models.PositiveSmallIntegerField(
        _("hours per month"), default=0, help_text=_("Time you can give the network each month.")
    )
    max_mentees = models.PositiveSmallIntegerField(_("maximum concurrent mentees"), default=0)
    hours_committed = models.PositiveSmallIntegerField(
        _("hours committed per month"),
        default=0,
        editable=False,
        help_text=_("Kept up to date by accepted matches."),
    )
    current_mentees = models.PositiveSmallIntegerField(
        _("current mentees"),
        default=0,
        editable=False,
        help_text=_("Kept up to date by mentorships."),
    )
    is_listed = models.BooleanField(
        _("listed in the directory"),
        default=True,
        help_text=_("Unlisted profiles are visible only to you."),
    )
    created_at = models.DateTimeField(default=dj_timezone.now)
    # Indexed: the matching index asks for what changed since it last looked.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ExpertProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")
        ordering = ["user__name"]

    def __str__(self) -> str:
        return self.user.display_name

    def set_bio(self, markdown: str) -> None:
        self.bio = markdown
        self.bio_html = render_markdown(markdown)

    @property
    def has_capacity(self) -> bool:
        return self.hours_per_month > 0 and self.current_mentees < self.max_mentees


class LanguageLevel(models.TextChoices):
    NATIVE = "native", _("Native")
    FLUENT = "fluent", _("Fluent")
    WORKING = "working", _("Professional working")
    BASIC = "basic", _("Basic")


class ExpertLanguage(models.Model):
    profile = models.ForeignKey(ExpertProfile, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language"), max_length=2, validators=[validate_language])
    level = models.CharField(_("level"), max_length=10, choices=LanguageLevel.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="one_level_per_language")
        ]

    def __str__(self) -> str:
        from diaspora.reference.languages import language_name

        return f"{language_name(self.code)} ({self.get_level_display()})"


class Degree(models.TextChoices):
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTORATE = "doctorate", _("Doctorate (PhD)")
    MEDICAL = "medical", _("Medical doctorate (MD)")
    PROFESSIONAL = "professional", _("Professional qualification")
    OTHER = "other", _("Other")


class RecognitionStatus(models.TextChoices):
    NOT_REVIEWED = "not_reviewed", _("Not reviewed")
    RECOGNISED = "recognised", _("Recognised")
    PARTIALLY = "partially", _("Partially recognised")
    NOT_RECOGNISED = "not_recognised", _("Not recognised")


class Qualification(models.Model):
    profile = models.ForeignKey(
        ExpertProfile, on_delete=models.CASCADE, related_name="qualifications"
    )
    degree = models.CharField(_("degree"), max_length=20, choices=Degree.choices)
    field = models.CharField(_("field"), max_length=150)
    institution = models.CharField(_("awarding institution"), max_length=200)
    country = CountryField(_("country"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1940), validate_not_future_year]
    )
    # Set by reviewers (recognition of qualifications is a later workflow), never by the holder.
    recognition_status = models.CharField(
        _("recognition status"),
        max_length=20,
        choices=RecognitionStatus.choices,
        default=RecognitionStatus.NOT_REVIEWED,
    )

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self) -> str:
        return f"{self.get_degree_display()}, {self.field} ({self.institution}, {self.year})"
