import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diaspora.institutions.models import Institution
from diaspora.markup import render_markdown
from diaspora.matches.models import Match
from diaspora.needs.models import Need, OfferRequest


class EngagementKind(models.TextChoices):
    MENTORSHIP = "mentorship", _("Mentorship")
    COURSE = "course", _("Course")
    PROJECT = "project", _("Joint project")


class EngagementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# The only moves allowed; completed and cancelled are final.
ENGAGEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EngagementStatus.PROPOSED: frozenset({EngagementStatus.ACTIVE, EngagementStatus.CANCELLED}),
    EngagementStatus.ACTIVE: frozenset(
        {EngagementStatus.PAUSED, EngagementStatus.COMPLETED, EngagementStatus.CANCELLED}
    ),
    EngagementStatus.PAUSED: frozenset(
        {EngagementStatus.ACTIVE, EngagementStatus.COMPLETED, EngagementStatus.CANCELLED}
    ),
    EngagementStatus.COMPLETED: frozenset(),
    EngagementStatus.CANCELLED: frozenset(),
}
OPEN_STATUSES = frozenset(
    {EngagementStatus.PROPOSED, EngagementStatus.ACTIVE, EngagementStatus.PAUSED}
)


class ParticipantRole(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")
    INSTRUCTOR = "instructor", _("Instructor")
    LEARNER = "learner", _("Learner")
    LEAD = "lead", _("Project lead")
    MEMBER = "member", _("Project member")
    COORDINATOR = "coordinator", _("Coordinator")


# Roles that run an engagement: change its status, invite, edit plans and schedules.
MANAGER_ROLES = frozenset(
    {
        ParticipantRole.MENTOR,
        ParticipantRole.INSTRUCTOR,
        ParticipantRole.LEAD,
        ParticipantRole.COORDINATOR,
    }
)

# Which roles each kind of engagement takes.
KIND_ROLES: dict[str, frozenset[str]] = {
    EngagementKind.MENTORSHIP: frozenset(
        {ParticipantRole.MENTOR, ParticipantRole.MENTEE, ParticipantRole.COORDINATOR}
    ),
    EngagementKind.COURSE: frozenset(
        {ParticipantRole.INSTRUCTOR, ParticipantRole.LEARNER, ParticipantRole.COORDINATOR}
    ),
    EngagementKind.PROJECT: frozenset(
        {ParticipantRole.LEAD, ParticipantRole.MEMBER, ParticipantRole.COORDINATOR}
    ),
}


class Side(models.TextChoices):
    EXPERT = "expert", _("Expert side")
    INSTITUTION = "institution", _("Institution side")


class EngagementQuerySet(models.QuerySet["Engagement"]):
    def open(self) -> "EngagementQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def for_participant(self, user_id: int) -> "EngagementQuerySet":
        return self.filter(
            participants__user_id=user_id, participants__left_at__isnull=True
        ).distinct()


class Engagement(models.Model):
    """What a match, an expert's course or an institution's project turns into: one record
    with a status, participants and a timeline. Kind-specific data hangs off it one-to-one
    (`mentorships.Agreement`, `courses.Course`, `projects.Project`)."""

    kind = models.CharField(_("kind"), max_length=20, choices=EngagementKind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"), blank=True, max_length=10_000, help_text=_("Markdown.")
    )
    summary_html = models.TextField(editable=False, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EngagementStatus.choices,
        default=EngagementStatus.PROPOSED,
    )
    # The host (course) or owner (project, mentorship from a need); optional for a course.
    institution = models.ForeignKey(
        Institution,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagements",
        verbose_name=_("institution"),
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    # The first match that opened it; later matches on the same need may join it.
    match = models.OneToOneField(
        Match, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagement"
    )
    # Or the accepted request for an expert's offer that opened it; the offer's capacity
    # counts the open engagements opened this way.
    offer_request = models.OneToOneField(
        OfferRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagement"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every timeline entry: "stalled" means nothing happened for a while.
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("engagement_detail", args=[self.pk])

    def set_summary(self, markdown: str) -> None:
        self.summary = markdown
        self.summary_html = render_markdown(markdown)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def current(self) -> "ParticipantQuerySet":
        return self.filter(left_at__isnull=True)

    def managers(self) -> "ParticipantQuerySet":
        return self.current().filter(role__in=MANAGER_ROLES)


class Participant(models.Model):
    """Someone taking part. Leaving keeps the row (with `left_at`) so the timeline still
    names them; rejoining clears it."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    side = models.CharField(_("side"), max_length=20, choices=Side.choices, blank=True)
    # Free text for projects: "principal investigator", "data analyst".
    role_title = models.CharField(_("role in the project"), max_length=100, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "user"], name="one_participation_per_user"
            )
        ]
        indexes = [models.Index(fields=["user", "left_at"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.engagement}"

    @property
    def is_manager(self) -> bool:
        return self.left_at is None and self.role in MANAGER_ROLES


class StatusChange(models.Model):
    """Every status change, with who made it and why: the audit trail of an engagement."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=EngagementStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=EngagementStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.engagement}: {self.from_status or '-'} → {self.to_status}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.ENGAGEMENT_INVITATION_DAYS)


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    REVOKED = "revoked", _("Revoked")


class EngagementInvitation(models.Model):
    """A manager asks someone, by email, to take a role (mentee, project member, co-instructor).
    The address may not have an account yet: the emailed link works after signing up.
    Course learners are invited through `courses.Enrolment` instead, because seats count."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=ParticipantRole.choices)
    side = models.CharField(_("side"), max_length=20, choices=Side.choices, blank=True)
    role_title = models.CharField(_("role in the project"), max_length=100, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("engagement invitation")
        verbose_name_plural = _("engagement invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "email"],
                condition=models.Q(status="pending"),
                name="one_pending_engagement_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.engagement}"

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at > timezone.now()


class Audience(models.TextChoices):
    PARTICIPANTS = "participants", _("Everyone in the engagement")
    MANAGERS = "managers", _("Those who run it")
    AUTHOR = "author", _("Only the author")


class TimelineVerb(models.TextChoices):
    """What happened. The label is the sentence shown, filled from the entry's `params`
    (`actor` is always there); codes in params such as statuses are translated when read."""

    OPENED = "opened", _("%(actor)s opened the engagement")
    OPENED_FROM_MATCH = "opened_from_match", _("Opened from the match on “%(need)s”")
    STATUS_CHANGED = "status_changed", _("%(actor)s changed the status from %(old)s to %(new)s")
    JOINED = "joined", _("%(name)s joined as %(role)s")
    LEFT = "left", _("%(name)s left")
    ROLE_CHANGED = "role_changed", _("%(actor)s made %(name)s %(role)s")
    INVITED = "invited", _("%(actor)s invited %(email)s as %(role)s")
    NOTE = "note", _("%(actor)s wrote a note")
    PRIVATE_NOTE = "private_note", _("Your private note")
    AGREEMENT_UPDATED = "agreement_updated", _("%(actor)s updated the agreement")
    AGREEMENT_CONFIRMED = "agreement_confirmed", _("%(actor)s confirmed the agreement")
    GOAL_ADDED = "goal_added", _("%(actor)s added the goal “%(goal)s”")
    GOAL_CHANGED = "goal_changed", _("%(actor)s updated the goal “%(goal)s”: %(progress)s%%")
    GOAL_CLOSED = "goal_closed", _("%(actor)s marked the goal “%(goal)s” as %(status)s")
    TASK_ADDED = "task_added", _("%(actor)s added the task “%(task)s”")
    TASK_DONE = "task_done", _("%(actor)s completed the task “%(task)s”")
    SESSION_LOGGED = "session_logged", _("%(actor)s logged a %(minutes)s-minute session")
    FEEDBACK_GIVEN = "feedback_given", _("%(actor)s gave feedback on a session")
    LIVE_SESSION_SCHEDULED = "live_session_scheduled", _("%(actor)s scheduled “%(session)s”")
    LIVE_SESSION_CHANGED = "live_session_changed", _("%(actor)s rescheduled “%(session)s”")
    LIVE_SESSION_CANCELLED = "live_session_cancelled", _("%(actor)s cancelled “%(session)s”")
    LIVE_SESSION_HELD = (
        "live_session_held",
        _("“%(session)s” took place with %(people)s of the engagement's people (see the replay)"),
    )
    ATTENDANCE_RECORDED = (
        "attendance_recorded",
        _("%(actor)s recorded attendance for “%(session)s”: %(present)s present"),
    )
    MATERIAL_ADDED = "material_added", _("%(actor)s added the material “%(material)s”")
    MATERIAL_REMOVED = "material_removed", _("%(actor)s removed the material “%(material)s”")
    COURSE_UPDATED = "course_updated", _("%(actor)s updated the course details")
    ENROLLED = "enrolled", _("%(name)s enrolled")
    WAITLISTED = "waitlisted", _("%(name)s joined the waiting list")
    PROMOTED = "promoted", _("%(name)s got a seat from the waiting list")
    UNENROLLED = "unenrolled", _("%(name)s left the course")
    CERTIFICATE_GRANTED = "certificate_granted", _("%(actor)s granted %(name)s a certificate")
    WORK_PLAN_UPDATED = "work_plan_updated", _("%(actor)s updated the work plan")
    WORK_PLAN_APPROVED = (
        "work_plan_approved",
        _("%(actor)s approved the work plan for the %(side)s"),
    )
    MILESTONE_ADDED = "milestone_added", _("%(actor)s added the milestone “%(milestone)s”")
    MILESTONE_EDITED = "milestone_edited", _("%(actor)s edited the milestone “%(milestone)s”")
    MILESTONE_CHANGED = (
        "milestone_changed",
        _("%(actor)s marked the milestone “%(milestone)s” as %(milestone_status)s"),
    )
    OUTPUT_ADDED = "output_added", _("%(actor)s added the output “%(output)s”")
    OUTPUT_REMOVED = "output_removed", _("%(actor)s removed the output “%(output)s”")
    IMPACT_PLAN_UPDATED = "impact_plan_updated", _("%(actor)s updated the impact plan")
    IMPACT_REPORT_SUBMITTED = (
        "impact_report_submitted",
        _("%(actor)s submitted the impact report “%(report)s”"),
    )


class TimelineEntry(models.Model):
    """One thing that happened in an engagement. Written by services only, in the same
    transaction as the change it records, so the feed and the data never disagree."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="timeline")
    verb = models.CharField(max_length=40, choices=TimelineVerb.choices)
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When it happened (a session logged today may have been held last week); the feed
    # is ordered by this, then by id.
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    audience = models.CharField(
        max_length=20, choices=Audience.choices, default=Audience.PARTICIPANTS
    )
    # Markdown and its sanitised HTML, shown under the sentence (a note's text).
    body = models.TextField(blank=True, max_length=20_000)
    body_html = models.TextField(blank=True)
    # Where the thing lives, a path on this site.
    url = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        indexes = [models.Index(fields=["engagement", "occurred_at", "id"])]

    def __str__(self) -> str:
        return f"{self.engagement}: {self.verb}"
