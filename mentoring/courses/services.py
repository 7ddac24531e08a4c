"""Courses: creation by an expert, enrolment with seats and a waiting list, materials (for
every kind of engagement) and certificates of completion.

Seats are counted while holding a lock on the course row (`select_for_update`), so two
people taking the last seat at once are served one after the other: one gets the seat, the
other the waiting list. Every service that can free a seat ends by filling free seats from
the waiting list, longest waiting first, and tells the promoted learner.

Enrolled and "current learner participant" go together: a seat is taken with
`participant_add(role=learner)` and given back with `participant_remove`, so the engagement's
permissions (the timeline, materials, live sessions) follow enrolment without knowing it.
Enrolment entries on the timeline are for those who run the course (audience "managers"):
learners do not need to watch each other come, wait and go.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, Membership
from diaspora.notifications.models import NotificationKind
from diaspora.notifications.services import notify_many
from diaspora.people.models import ExpertProfile
from mentoring.courses.files import check_upload, clean_filename
from mentoring.courses.models import (
    Certificate,
    Course,
    Enrolment,
    EnrolmentPolicy,
    EnrolmentStatus,
    Material,
    MaterialKind,
)
from mentoring.engagements.models import (
    MANAGER_ROLES,
    Audience,
    Engagement,
    EngagementKind,
    EngagementStatus,
    Participant,
    ParticipantRole,
    Side,
    TimelineVerb,
)
from mentoring.engagements.services import (
    engagement_create,
    manager_users,
    participant_add,
    participant_remove,
    timeline_record,
)

MESSAGE_MAX = 2000
# Fields of a course that its managers may change.
COURSE_FIELDS = (
    "title",
    "summary",
    "syllabus",
    "language",
    "level",
    "capacity",
    "enrolment_policy",
    "listed",
)


# --- Helpers ------------------------------------------------------------------------------


def _merge(errors: dict[str, list[str]], exc: ValidationError, field: str | None = None) -> None:
    if field is None and hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    else:
        errors.setdefault(field or "__all__", []).extend(exc.messages)


def _course_url(course: Course) -> str:
    return reverse("course_detail", args=[course.pk])


def _manage_url(course: Course) -> str:
    return reverse("course_enrolments", args=[course.pk])


def _lock(course: Course) -> Course:
    """The course row, locked until the transaction ends: seats are counted under it."""
    return (
        Course.objects.select_for_update(of=("self",))
        .select_related("engagement")
        .get(pk=course.pk)
    )


def _lock_enrolment(course: Course, enrolment: Enrolment) -> Enrolment:
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=enrolment.pk, course=course)
    )
    locked.course = course
    return locked


def seats_taken(course: Course) -> int:
    return Enrolment.objects.filter(course=course, status=EnrolmentStatus.ENROLLED).count()


def _check_takes_enrolments(course: Course) -> None:
    if not course.engagement.is_open:
        raise ValidationError(
            _("This course is %(status)s and takes no more enrolments.")
            % {"status": EngagementStatus(course.engagement.status).label.lower()}
        )


def _staff_role(course: Course, user: User) -> str:
    """The role of someone who runs the course (they cannot also be a learner), or ""."""
    role = (
        Participant.objects.current()
        .filter(engagement_id=course.pk, user=user, role__in=MANAGER_ROLES)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


def _clean_message(message: str, field: str = "message") -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationError(
            {field: [_("Keep this under %(limit)s characters.") % {"limit": MESSAGE_MAX}]}
        )
    return message


def _record(course: Course, verb: str, *, actor: User | None, learner: User) -> None:
    timeline_record(
        engagement=course.engagement,
        verb=verb,
        actor=actor,
        params={"name": learner.display_name},
        audience=Audience.MANAGERS,
        url=_manage_url(course),
    )


def _tell(users: list[User], title: str, url: str, body: str = "") -> None:
    if users:
        notify_many(users=users, kind=NotificationKind.ENROLMENT, title=title, body=body, url=url)


def _course_title(course: Course) -> str:
    return course.engagement.title


# --- Seats --------------------------------------------------------------------------------


def _seat(course: Course, enrolment: Enrolment, *, by: User | None, verb: str) -> None:
    """Give `enrolment` a seat: the row says enrolled and the learner takes part."""
    now = timezone.now()
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.waitlisted_at = None
    enrolment.updated_at = now
    enrolment.save(update_fields=["status", "waitlisted_at", "updated_at"])
    participant_add(
        engagement=course.engagement,
        user=enrolment.user,
        role=ParticipantRole.LEARNER,
        by=by,
        audience=None,  # the enrolment entry below says it once
    )
    _record(course, verb, actor=by or enrolment.user, learner=enrolment.user)


def _unseat(course: Course, enrolment: Enrolment, *, by: User) -> None:
    """The learner stops taking part (the enrolment row's status is set by the caller)."""
    participant = Participant.objects.filter(
        engagement_id=course.pk, user=enrolment.user, left_at__isnull=True
    ).first()
    if participant is not None:
        participant.engagement = course.engagement
        # The caller records why the learner left (withdrew, removed): one entry, not two.
        participant_remove(participant=participant, by=by, audience=None)


def _fill_seats(course: Course, *, by: User | None) -> list[Enrolment]:
    """Free seats go to the waiting list, longest waiting first; each promoted learner is
    told. Call with the course locked."""
    if not course.engagement.is_open:
        return []
    free = course.capacity - seats_taken(course)
    if free <= 0:
        return []
    waiting = list(
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(course=course, status=EnrolmentStatus.WAITLISTED, user__is_active=True)
        .order_by("waitlisted_at", "id")[:free]
    )
    for enrolment in waiting:
        enrolment.course = course
        _seat(course, enrolment, by=None, verb=TimelineVerb.PROMOTED)
        _tell(
            [enrolment.user],
            _("A seat freed up: you are now enrolled in “%(title)s”")
            % {"title": _course_title(course)},
            _course_url(course),
        )
    if waiting:
        _tell_managers_promoted(course, waiting, by=by)
    return waiting


def _tell_managers_promoted(course: Course, promoted: list[Enrolment], *, by: User | None) -> None:
    """Those who run the course (not whoever freed the seat) hear who moved up."""
    names = [enrolment.user.display_name for enrolment in promoted]
    title = ngettext(
        "%(names)s moved up from the waiting list and is now enrolled in “%(title)s”",
        "%(names)s moved up from the waiting list and are now enrolled in “%(title)s”",
        len(names),
    ) % {"names": ", ".join(names), "title": _course_title(course)}
    _tell(_managers_except(course, by), title, _manage_url(course))


def _managers_except(course: Course, actor: User | None) -> list[User]:
    actor_pk = actor.pk if actor is not None else None
    return [user for user in manager_users(course.engagement) if user.pk != actor_pk]


def _seat_or_waitlist(course: Course, enrolment: Enrolment, *, by: User | None) -> bool:
    """A seat if one is free (after anyone already waiting), else the end of the waiting
    list. True when seated. Call with the course locked."""
    _fill_seats(course, by=by)
    if seats_taken(course) < course.capacity:
        _seat(course, enrolment, by=by, verb=TimelineVerb.ENROLLED)
        return True
    now = timezone.now()
    enrolment.status = EnrolmentStatus.WAITLISTED
    enrolment.waitlisted_at = now
    enrolment.updated_at = now
    enrolment.save(update_fields=["status", "waitlisted_at", "updated_at"])
    _record(course, TimelineVerb.WAITLISTED, actor=by or enrolment.user, learner=enrolment.user)
    return False


def _tell_seated_or_waitlisted(course: Course, enrolment: Enrolment, seated: bool) -> None:
    title = (
        _("You are enrolled in “%(title)s”")
        if seated
        else _("“%(title)s” is full: you are on the waiting list")
    )
    _tell([enrolment.user], title % {"title": _course_title(course)}, _course_url(course))


# --- Courses ------------------------------------------------------------------------------


def _course_values(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(COURSE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown course fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    return values


def _validate_course(
    engagement: Engagement, course: Course, *, summary: str | None, syllabus: str | None
) -> None:
    """Every problem at once, each beside its field."""
    errors: dict[str, list[str]] = {}
    if summary is not None:
        try:
            engagement.set_summary(summary)
        except ValidationError as exc:
            _merge(errors, exc, "summary")
    if syllabus is not None:
        try:
            course.set_syllabus(syllabus)
        except ValidationError as exc:
            _merge(errors, exc, "syllabus")
    try:
        engagement.full_clean(validate_unique=False)
    except ValidationError as exc:
        _merge(errors, exc)
    try:
        course.full_clean(exclude=["engagement"], validate_unique=False)
    except ValidationError as exc:
        _merge(errors, exc)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def course_create(
    *,
    created_by: User,
    title: str,
    language: str,
    capacity: int,
    summary: str = "",
    syllabus: str = "",
    level: str = "",
    enrolment_policy: str = EnrolmentPolicy.OPEN,
    listed: bool = True,
    institution: Institution | None = None,
) -> Course:
    """An expert opens a course, optionally hosted by one of their institutions, and
    teaches it."""
    if not ExpertProfile.objects.filter(user=created_by).exists():
        raise ValidationError(_("Only experts with a profile can create a course."))
    if (
        institution is not None
        and not Membership.objects.filter(user=created_by, institution=institution).exists()
    ):
        raise ValidationError({"institution": [_("Choose an institution you are a member of.")]})
    probe = Engagement(
        kind=EngagementKind.COURSE,
        title=title.strip(),
        institution=institution,
        created_by=created_by,
    )
    course = Course(
        language=language,
        capacity=capacity,
        enrolment_policy=enrolment_policy,
        listed=listed,
    )
    if level:
        course.level = level
    _validate_course(probe, course, summary=summary, syllabus=syllabus)
    engagement = engagement_create(
        kind=EngagementKind.COURSE,
        title=title,
        created_by=created_by,
        summary=summary,
        institution=institution,
    )
    course.engagement = engagement
    course.save()
    participant_add(
        engagement=engagement,
        user=created_by,
        role=ParticipantRole.INSTRUCTOR,
        side=Side.EXPERT,
        by=created_by,
    )
    return course


@transaction.atomic
def course_update(*, course: Course, by: User, values: dict[str, Any]) -> Course:
    """Change what managers may change. Fewer seats than learners enrolled is refused; more
    seats fill from the waiting list."""
    values = _course_values(values)
    locked = _lock(course)
    engagement = locked.engagement
    old_capacity = locked.capacity
    for name in ("title", "language", "level", "enrolment_policy", "listed", "capacity"):
        if name in values:
            target = engagement if name == "title" else locked
            value = values[name].strip() if name == "title" else values[name]
            setattr(target, name, value)
    _validate_course(
        engagement, locked, summary=values.get("summary"), syllabus=values.get("syllabus")
    )
    _check_capacity(locked)
    # Only what this form owns: the status may be changing in another request.
    engagement.save(update_fields=["title", "summary", "summary_html", "updated_at"])
    locked.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.COURSE_UPDATED,
        actor=by,
        url=reverse("course_detail", args=[locked.pk]),
    )
    if locked.capacity > old_capacity:
        _fill_seats(locked, by=by)
    return locked


def _check_capacity(course: Course) -> None:
    taken = seats_taken(course)
    if course.capacity < taken:
        raise ValidationError(
            {
                "capacity": [
                    _(
                        "%(taken)s learners are enrolled, so the course needs at least %(taken)s seats. Remove learners first to have fewer."
                    )
                    % {"taken": taken}
                ]
            }
        )


@transaction.atomic
def course_capacity_set(*, course: Course, capacity: int, by: User) -> Course:
    return course_update(course=course, by=by, values={"capacity": capacity})


# --- Enrolment ----------------------------------------------------------------------------


def _refuse_existing(enrolment: Enrolment, user: User) -> None:
    """Why a learner with this row cannot ask again themselves, if they cannot."""
    status = enrolment.status
    if status == EnrolmentStatus.ENROLLED:
        raise ValidationError(_("You are already enrolled in this course."))
    if status == EnrolmentStatus.WAITLISTED:
        raise ValidationError(_("You are already on the waiting list."))
    if status == EnrolmentStatus.REQUESTED:
        raise ValidationError(_("Your request is already waiting for an instructor."))
    if status == EnrolmentStatus.REMOVED:
        raise ValidationError(
            _("An instructor removed you from this course; only an instructor can invite you back.")
        )
    if status == EnrolmentStatus.DECLINED and enrolment.decided_by_id != user.pk:
        raise ValidationError(
            _("An instructor declined your request; only an instructor can invite you now.")
        )


@transaction.atomic
def enrolment_request(*, course: Course, user: User, message: str = "") -> Enrolment:
    """A learner asks for a place. Open: a seat, or the waiting list when full. On approval:
    a request for the instructors. By invitation: only someone invited, which accepts it."""
    locked = _lock(course)
    _check_takes_enrolments(locked)
    if _staff_role(locked, user):
        raise ValidationError(_("You run this course; you cannot also enrol in it."))
    message = _clean_message(message)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",)).filter(course=locked, user=user).first()
    )
    if enrolment is not None and enrolment.status == EnrolmentStatus.INVITED:
        return enrolment_invitation_accept(enrolment=enrolment, user=user)
    if enrolment is not None:
        _refuse_existing(enrolment, user)
    if locked.enrolment_policy == EnrolmentPolicy.INVITATION:
        raise ValidationError(_("This course takes learners by invitation only."))
    now = timezone.now()
    if enrolment is None:
        enrolment = Enrolment(course=locked, user=user, created_at=now)
    enrolment.course = locked
    enrolment.user = user
    enrolment.message = message
    enrolment.reason = ""
    enrolment.decided_by = None
    enrolment.waitlisted_at = None
    enrolment.updated_at = now
    if locked.enrolment_policy == EnrolmentPolicy.APPROVAL:
        enrolment.status = EnrolmentStatus.REQUESTED
        enrolment.save()
        _tell(
            manager_users(locked.engagement),
            _("%(name)s asks to enrol in “%(title)s”")
            % {"name": user.display_name, "title": _course_title(locked)},
            _manage_url(locked),
            body=message,
        )
        return enrolment
    enrolment.status = EnrolmentStatus.REQUESTED  # a placeholder until seated or waitlisted
    enrolment.save()
    _seat_or_waitlist(locked, enrolment, by=user)
    return enrolment


@transaction.atomic
def enrolment_approve(*, enrolment: Enrolment, by: User) -> Enrolment:
    """An instructor accepts a request: a seat if one is free, else the waiting list."""
    locked = _lock(enrolment.course)
    _check_takes_enrolments(locked)
    enrolment = _lock_enrolment(locked, enrolment)
    if enrolment.status != EnrolmentStatus.REQUESTED:
        raise ValidationError(_("Only a request waiting for approval can be approved."))
    if _staff_role(locked, enrolment.user):
        raise ValidationError(_("This person runs the course and cannot enrol in it."))
    enrolment.decided_by = by
    enrolment.save(update_fields=["decided_by"])
    seated = _seat_or_waitlist(locked, enrolment, by=by)
    _tell_seated_or_waitlisted(locked, enrolment, seated)
    return enrolment


@transaction.atomic
def enrolment_decline(*, enrolment: Enrolment, by: User, reason: str) -> Enrolment:
    """An instructor turns a request down, saying why; the learner is told."""
    locked = _lock(enrolment.course)
    enrolment = _lock_enrolment(locked, enrolment)
    if enrolment.status != EnrolmentStatus.REQUESTED:
        raise ValidationError(_("Only a request waiting for approval can be declined."))
    reason = _clean_message(reason, "reason")
    if not reason:
        raise ValidationError({"reason": [_("Tell the learner why.")]})
    enrolment.status = EnrolmentStatus.DECLINED
    enrolment.reason = reason
    enrolment.decided_by = by
    enrolment.updated_at = timezone.now()
    enrolment.save(update_fields=["status", "reason", "decided_by", "updated_at"])
    _tell(
        [enrolment.user],
        _("Your request to enrol in “%(title)s” was declined") % {"title": _course_title(locked)},
        _course_url(locked),
        body=reason,
    )
    return enrolment


@transaction.atomic
def enrolment_invite(*, course: Course, email: str, by: User, message: str = "") -> Enrolment:
    """An instructor invites someone who has an account, by email address. The invitee is
    told and accepts (a seat or the waiting list) or declines on the course page."""
    locked = _lock(course)
    _check_takes_enrolments(locked)
    email = (email or "").strip()
    message = _clean_message(message)
    if not email:
        raise ValidationError({"email": [_("Enter the email address of their account.")]})
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise ValidationError(
            {
                "email": [
                    _(
                        "No account uses %(email)s. Ask them to join the network first, then invite them."
                    )
                    % {"email": email}
                ]
            }
        )
    if _staff_role(locked, user):
        raise ValidationError(
            {"email": [_("%(name)s runs this course.") % {"name": user.display_name}]}
        )
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",)).filter(course=locked, user=user).first()
    )
    taken = {
        EnrolmentStatus.ENROLLED: _("%(name)s is already enrolled."),
        EnrolmentStatus.WAITLISTED: _("%(name)s is already on the waiting list."),
        EnrolmentStatus.INVITED: _("%(name)s is already invited."),
        EnrolmentStatus.REQUESTED: _("%(name)s asked to enrol: approve the request instead."),
    }
    if enrolment is not None and enrolment.status in taken:
        raise ValidationError(
            {"email": [taken[EnrolmentStatus(enrolment.status)] % {"name": user.display_name}]}
        )
    now = timezone.now()
    if enrolment is None:
        enrolment = Enrolment(course=locked, user=user, created_at=now)
    enrolment.status = EnrolmentStatus.INVITED
    enrolment.message = message
    enrolment.reason = ""
    enrolment.invited_by = by
    enrolment.decided_by = None
    enrolment.waitlisted_at = None
    enrolment.updated_at = now
    enrolment.save()
    timeline_record(
        engagement=locked.engagement,
        verb=TimelineVerb.INVITED,
        actor=by,
        params={"email": user.email, "role": ParticipantRole.LEARNER},
        audience=Audience.MANAGERS,
        url=_manage_url(locked),
    )
    _tell(
        [user],
        _("%(name)s invites you to the course “%(title)s”")
        % {"name": by.display_name, "title": _course_title(locked)},
        _course_url(locked),
        body=message,
    )
    return enrolment


def _own_invitation(enrolment: Enrolment, user: User) -> None:
    if enrolment.user_id != user.pk or enrolment.status != EnrolmentStatus.INVITED:
        raise ValidationError(_("There is no invitation waiting for your answer."))


@transaction.atomic
def enrolment_invitation_accept(*, enrolment: Enrolment, user: User) -> Enrolment:
    locked = _lock(enrolment.course)
    _check_takes_enrolments(locked)
    enrolment = _lock_enrolment(locked, enrolment)
    _own_invitation(enrolment, user)
    if _staff_role(locked, user):
        raise ValidationError(_("You run this course; you cannot also enrol in it."))
    enrolment.decided_by = user
    enrolment.save(update_fields=["decided_by"])
    seated = _seat_or_waitlist(locked, enrolment, by=user)
    inviter = [enrolment.invited_by] if enrolment.invited_by else []
    _tell(
        [u for u in inviter if u.pk != user.pk],
        (
            _("%(name)s accepted your invitation to “%(title)s”")
            if seated
            else _("%(name)s accepted your invitation to “%(title)s” and is on the waiting list")
        )
        % {"name": user.display_name, "title": _course_title(locked)},
        _manage_url(locked),
    )
    return enrolment


@transaction.atomic
def enrolment_invitation_decline(*, enrolment: Enrolment, user: User) -> Enrolment:
    locked = _lock(enrolment.course)
    enrolment = _lock_enrolment(locked, enrolment)
    _own_invitation(enrolment, user)
    enrolment.status = EnrolmentStatus.DECLINED
    enrolment.decided_by = user
    enrolment.updated_at = timezone.now()
    enrolment.save(update_fields=["status", "decided_by", "updated_at"])
    if enrolment.invited_by and enrolment.invited_by.pk != user.pk:
        _tell(
            [enrolment.invited_by],
            _("%(name)s declined your invitation to “%(title)s”")
            % {"name": user.display_name, "title": _course_title(locked)},
            _manage_url(locked),
        )
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, user: User) -> Enrolment:
    """The learner leaves: the seat (if they had one) goes to the waiting list."""
    locked = _lock(enrolment.course)
    enrolment = _lock_enrolment(locked, enrolment)
    if enrolment.user_id != user.pk:
        raise ValidationError(_("Only the learner can withdraw their enrolment."))
    was = enrolment.status
    if was == EnrolmentStatus.INVITED:
        return enrolment_invitation_decline(enrolment=enrolment, user=user)
    if was not in (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.REQUESTED,
    ):
        raise ValidationError(_("You are not enrolled in this course."))
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.waitlisted_at = None
    enrolment.updated_at = timezone.now()
    enrolment.save(update_fields=["status", "waitlisted_at", "updated_at"])
    if was == EnrolmentStatus.ENROLLED:
        _unseat(locked, enrolment, by=user)
    if was in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED):
        _record(locked, TimelineVerb.UNENROLLED, actor=user, learner=user)
    if was == EnrolmentStatus.ENROLLED:
        _tell(
            _managers_except(locked, user),
            _("%(name)s left “%(title)s”")
            % {"name": user.display_name, "title": _course_title(locked)},
            _manage_url(locked),
        )
        _fill_seats(locked, by=user)
    return enrolment


@transaction.atomic
def enrolment_remove(*, enrolment: Enrolment, by: User, reason: str = "") -> Enrolment:
    """An instructor takes a learner off the course, the waiting list, or withdraws an
    invitation; a freed seat goes to the waiting list."""
    locked = _lock(enrolment.course)
    enrolment = _lock_enrolment(locked, enrolment)
    reason = _clean_message(reason, "reason")
    was = enrolment.status
    if was not in (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.INVITED,
    ):
        raise ValidationError(
            _("Only an enrolled or waiting learner, or an invitation, can be removed.")
        )
    enrolment.status = EnrolmentStatus.REMOVED
    enrolment.reason = reason
    enrolment.decided_by = by
    enrolment.waitlisted_at = None
    enrolment.updated_at = timezone.now()
    enrolment.save(update_fields=["status", "reason", "decided_by", "waitlisted_at", "updated_at"])
    if was == EnrolmentStatus.ENROLLED:
        _unseat(locked, enrolment, by=by)
    if was in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED):
        _record(locked, TimelineVerb.UNENROLLED, actor=by, learner=enrolment.user)
    title = (
        _("Your invitation to “%(title)s” was withdrawn")
        if was == EnrolmentStatus.INVITED
        else _("An instructor removed you from “%(title)s”")
    )
    _tell(
        [enrolment.user],
        title % {"title": _course_title(locked)},
        _course_url(locked),
        body=reason,
    )
    if was == EnrolmentStatus.ENROLLED:
        _fill_seats(locked, by=by)
    return enrolment


# --- Materials ----------------------------------------------------------------------------


def _material_recorded(material: Material, by: User) -> None:
    timeline_record(
        engagement=material.engagement,
        verb=TimelineVerb.MATERIAL_ADDED,
        actor=by,
        params={"material": material.title},
        url=reverse("material_detail", args=[material.engagement_id, material.pk]),
    )


def _check_material_open(engagement: Engagement) -> None:
    if engagement.status == EngagementStatus.CANCELLED:
        raise ValidationError(_("This engagement was cancelled."))


@transaction.atomic
def material_page_add(*, engagement: Engagement, by: User, title: str, body: str) -> Material:
    """A Markdown page for the participants."""
    _check_material_open(engagement)
    material = Material(
        engagement=engagement, kind=MaterialKind.PAGE, title=title.strip(), added_by=by
    )
    errors: dict[str, list[str]] = {}
    if not body.strip():
        errors["body"] = [_("Write the page first.")]
    else:
        try:
            material.set_body(body)
        except ValidationError as exc:
            _merge(errors, exc, "body")
    try:
        material.full_clean(exclude=["file"])
    except ValidationError as exc:
        _merge(errors, exc)
    if errors:
        raise ValidationError(errors)
    material.save()
    _material_recorded(material, by)
    return material


@transaction.atomic
def material_file_add(
    *, engagement: Engagement, by: User, upload: UploadedFile, title: str = ""
) -> Material:
    """An uploaded file, checked by extension and content and stored under a random name,
    never where MEDIA_URL would serve it."""
    _check_material_open(engagement)
    file_type = check_upload(upload)
    original = clean_filename(upload.name or "")
    material = Material(
        engagement=engagement,
        kind=MaterialKind.FILE,
        title=(title or "").strip() or original[:200],
        original_name=original,
        content_type=file_type.content_type,
        size=upload.size or 0,
        added_by=by,
    )
    material.full_clean(exclude=["file"])
    material.file.save(original, upload, save=False)
    stored = material.file.name
    try:
        material.save()
        _material_recorded(material, by)
    except Exception:
        # Django has no "on rollback" hook: what fails here takes its file with it.
        material.file.storage.delete(stored)
        raise
    return material


@transaction.atomic
def material_delete(*, material: Material, by: User) -> None:
    storage, name = material.file.storage, material.file.name
    timeline_record(
        engagement=material.engagement,
        verb=TimelineVerb.MATERIAL_REMOVED,
        actor=by,
        params={"material": material.title},
    )
    material.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Certificates -------------------------------------------------------------------------


@transaction.atomic
def certificate_grant(*, course: Course, user: User, by: User) -> Certificate:
    """A certificate of completion for an enrolled learner. The name and course title are
    frozen as printed; a revoked certificate can be granted again (same code)."""
    locked = _lock(course)
    engagement = locked.engagement
    if engagement.status in (EngagementStatus.PROPOSED, EngagementStatus.CANCELLED):
        raise ValidationError(
            _("Certificates are granted once a course has started, and never for a cancelled one.")
        )
    enrolled = Enrolment.objects.filter(
        course=locked, user=user, status=EnrolmentStatus.ENROLLED
    ).exists()
    if not enrolled:
        raise ValidationError(
            _("%(name)s is not enrolled in this course.") % {"name": user.display_name}
        )
    if not user.name.strip():
        # The verification page is public: it must never print an email address.
        raise ValidationError(
            _("This learner has no full name on their account yet; ask them to add it first.")
        )
    certificate = Certificate.objects.select_for_update().filter(course=locked, user=user).first()
    if certificate is not None and certificate.is_valid:
        raise ValidationError(
            _("%(name)s already holds a certificate for this course.") % {"name": user.name}
        )
    if certificate is None:
        certificate = Certificate(course=locked, user=user)
    certificate.holder_name = user.name.strip()[:200]
    certificate.course_title = engagement.title[:200]
    certificate.granted_by = by
    certificate.granted_at = timezone.now()
    certificate.revoked_at = None
    certificate.revoked_reason = ""
    certificate.revoked_by = None
    certificate.full_clean(validate_constraints=False)
    certificate.save()
    timeline_record(
        engagement=engagement,
        verb=TimelineVerb.CERTIFICATE_GRANTED,
        actor=by,
        params={"name": user.display_name},
        audience=Audience.MANAGERS,
        url=certificate.get_absolute_url(),
    )
    notify_many(
        users=[user],
        kind=NotificationKind.ENGAGEMENT,
        title=_("You have a certificate of completion for “%(title)s”")
        % {"title": engagement.title},
        url=certificate.get_absolute_url(),
    )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not certificate.is_valid:
        raise ValidationError(_("This certificate is already revoked."))
    reason = _clean_message(reason, "reason")
    if not reason:
        raise ValidationError({"reason": [_("Say why the certificate is revoked.")]})
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason
    certificate.revoked_by = by
    certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    notify_many(
        users=[certificate.user],
        kind=NotificationKind.ENGAGEMENT,
        title=_("Your certificate for “%(title)s” was revoked")
        % {"title": certificate.course_title},
        body=reason,
        url=certificate.get_absolute_url(),
    )
    return certificate
