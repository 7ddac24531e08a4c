import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diaspora.markup import render_markdown
from diaspora.reference.validators import validate_language
from mentoring.engagements.models import Engagement


class Level(models.TextChoices):
    INTRODUCTORY = "introductory", _("Introductory")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class EnrolmentPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone signed in may enrol")
    APPROVAL = "approval", _("On approval by an instructor")
    INVITATION = "invitation", _("By invitation only")


class Course(models.Model):
    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="course"
    )
    syllabus = models.TextField(
        _("syllabus"), blank=True, max_length=50_000, help_text=_("Markdown.")
    )
    syllabus_html = models.TextField(editable=False, blank=True)
    language = models.CharField(_("language"), max_length=2, validators=[validate_language])
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.INTRODUCTORY
    )
    capacity = models.PositiveIntegerField(
        _("seats"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    enrolment_policy = models.CharField(
        _("enrolment"), max_length=20, choices=EnrolmentPolicy.choices, default=EnrolmentPolicy.OPEN
    )
    # Whether the public catalogue lists it; enrolment still follows the policy.
    listed = models.BooleanField(_("listed in the catalogue"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.engagement.title

    def get_absolute_url(self) -> str:
        return reverse("course_detail", args=[self.pk])

    def set_syllabus(self, markdown: str) -> None:
        self.syllabus = markdown
        self.syllabus_html = render_markdown(markdown)


class EnrolmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    INVITED = "invited", _("Invited")
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("On the waiting list")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REMOVED = "removed", _("Removed by an instructor")


class Enrolment(models.Model):
    """A learner's place in a course. Seats are counted under a lock on the course row, and
    a freed seat goes to the longest-waiting person on the list (by `waitlisted_at`)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    status = models.CharField(max_length=20, choices=EnrolmentStatus.choices)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why an instructor declined the request or removed the learner; shown to the learner.
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="one_enrolment_per_learner")
        ]
        indexes = [models.Index(fields=["course", "status", "waitlisted_at"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}: {self.status}"


class MaterialKind(models.TextChoices):
    PAGE = "page", _("Page")
    FILE = "file", _("File")


def material_upload_to(instance: "Material", filename: str) -> str:
    # The stored name is random: the original name is kept in a field and never trusted
    # as a path.
    return f"materials/{instance.engagement_id}/{secrets.token_hex(16)}"


class Material(models.Model):
    """A Markdown page or an uploaded file. Files are never served from MEDIA_URL: a view
    checks that the reader takes part in the engagement first."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, max_length=100_000, help_text=_("Markdown."))
    body_html = models.TextField(editable=False, blank=True)
    file = models.FileField(upload_to=material_upload_to, blank=True, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.title

    def set_body(self, markdown: str) -> None:
        self.body = markdown
        self.body_html = render_markdown(markdown)


def _certificate_code() -> str:
    return secrets.token_urlsafe(16)


class Certificate(models.Model):
    """Granted by an instructor; anyone holding the URL can check it is genuine."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="certificates")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    code = models.CharField(max_length=40, unique=True, default=_certificate_code, editable=False)
    # As printed at the time, so a later rename does not change a certificate.
    holder_name = models.CharField(max_length=200)
    course_title = models.CharField(max_length=200)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True, max_length=2000)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="one_certificate_per_learner")
        ]

    def __str__(self) -> str:
        return f"{self.holder_name}: {self.course_title}"

    def get_absolute_url(self) -> str:
        return reverse("certificate_verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
