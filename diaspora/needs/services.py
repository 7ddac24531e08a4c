"""Needs, offers and offer requests: every write.

Side effects (the matching index, notifications) run after commit, so a rolled-back write
never reaches the index or anyone's inbox.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, Membership
from diaspora.needs.models import (
    NEED_TRANSITIONS,
    Need,
    NeedLanguage,
    NeedStatus,
    Offer,
    OfferLanguage,
    OfferRequest,
    RequestStatus,
)
from diaspora.needs.signals import offer_request_accepted
from diaspora.people.models import ExpertProfile
from diaspora.people.services import normalise_keywords
from diaspora.reference.models import Discipline, Keyword, Mode

# Plain fields of Need that its institution edits directly.
NEED_FIELDS = (
    "title",
    "engagement_type",
    "mode",
    "location_city",
    "location_country",
    "start_date",
    "end_date",
    "effort_hours",
    "experts_wanted",
    "response_deadline",
)
# A need in one of these is finished: its text and terms no longer change.
FINAL_STATUSES = frozenset(s for s, targets in NEED_TRANSITIONS.items() if not targets)

OFFER_FIELDS = ("engagement_type", "title", "capacity", "hours_per_month", "is_active")


def _check_fields(values: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s"), params={"f": ", ".join(sorted(unknown))})


def _leaf_disciplines(disciplines: Iterable[Discipline]) -> list[Discipline]:
    rows = list(disciplines)
    majors = [d.code for d in rows if d.parent_id is None]
    if majors:
        raise ValidationError(
            {
                "disciplines": [
                    _("Choose fields, not major fields: %(codes)s.") % {"codes": ", ".join(majors)}
                ]
            }
        )
    return rows


def _after_commit_refresh_need(need_id: int) -> None:
    def run() -> None:
        from diaspora.matching.adapter import matching_refresh_need

        matching_refresh_need(need_id)

    transaction.on_commit(run)


# -- needs ----------------------------------------------------------------------------------


@transaction.atomic
def need_create(
    *,
    institution: Institution,
    created_by: User | None,
    values: dict[str, Any],
    description: str = "",
    disciplines: Sequence[Discipline] = (),
    keywords: Sequence[str] = (),
    required_languages: Sequence[str] = (),
    preferred_languages: Sequence[str] = (),
    external_id: str | None = None,
) -> Need:
    """A new need, always a draft: its institution opens it when it is ready."""
    _check_fields(values, NEED_FIELDS)
    need = Need(institution=institution, created_by=created_by, external_id=external_id)
    for name, value in values.items():
        setattr(need, name, value)
    need.set_description(description)
    need.full_clean()
    need.save()
    need.disciplines.set(_leaf_disciplines(disciplines))
    _set_keywords(need, keywords)
    _set_languages(need, required_languages, preferred_languages)
    _after_commit_refresh_need(need.pk)
    return need


@transaction.atomic
def need_update(
    *,
    need: Need,
    values: dict[str, Any],
    description: str | None = None,
    disciplines: Sequence[Discipline] | None = None,
    keywords: Sequence[str] | None = None,
    required_languages: Sequence[str] | None = None,
    preferred_languages: Sequence[str] | None = None,
) -> Need:
    """Change what is given and leave the rest; `None` means "not given"."""
    _check_fields(values, NEED_FIELDS)
    if need.status in FINAL_STATUSES:
        raise ValidationError(
            _("A need that is %(status)s can no longer be changed.")
            % {"status": need.get_status_display().lower()}
        )
    for name, value in values.items():
        setattr(need, name, value)
    if description is not None:
        need.set_description(description)
    need.full_clean()
    need.save()
    if disciplines is not None:
        need.disciplines.set(_leaf_disciplines(disciplines))
    if keywords is not None:
        _set_keywords(need, keywords)
    if required_languages is not None or preferred_languages is not None:
        if required_languages is None:
            required_languages = need.required_language_codes
        if preferred_languages is None:
            preferred_languages = need.preferred_language_codes
        _set_languages(need, required_languages, preferred_languages)
    _after_commit_refresh_need(need.pk)
    return need


def _set_keywords(need: Need, keywords: Sequence[str]) -> None:
    try:
        words = normalise_keywords(keywords)
    except ValidationError as error:
        raise ValidationError({"keywords": error.messages}) from error
    Keyword.objects.bulk_create([Keyword(name=w) for w in words], ignore_conflicts=True)
    need.keywords.set(Keyword.objects.filter(name__in=words))


def _set_languages(need: Need, required: Sequence[str], preferred: Sequence[str]) -> None:
    required_codes = list(dict.fromkeys(required))
    preferred_codes = list(dict.fromkeys(preferred))
    both = sorted(set(required_codes) & set(preferred_codes))
    if both:
        raise ValidationError(
            {
                "preferred_languages": [
                    _("A language is either required or preferred, not both: %(codes)s.")
                    % {"codes": ", ".join(both)}
                ]
            }
        )
    rows = [NeedLanguage(need=need, code=code, required=True) for code in required_codes]
    rows += [NeedLanguage(need=need, code=code, required=False) for code in preferred_codes]
    for row in rows:
        try:
            row.full_clean(exclude=["need"], validate_unique=False)
        except ValidationError as error:
            key = "required_languages" if row.required else "preferred_languages"
            raise ValidationError({key: error.messages}) from error
    need.languages.all().delete()
    NeedLanguage.objects.bulk_create(rows)
    # The cached prefetch (if any) is stale now.
    getattr(need, "_prefetched_objects_cache", {}).pop("languages", None)


def allowed_transitions(need: Need) -> list[str]:
    """Where a need may go from its current status, in the order of NeedStatus."""
    targets = NEED_TRANSITIONS[NeedStatus(need.status)]
    return [s for s in NeedStatus.values if s in targets]


def _may_change_status(by: User | None, need: Need) -> bool:
    if by is None:  # the system: imports, scheduled jobs
        return True
    if by.is_moderator or by.is_staff:
        return True
    return Membership.objects.filter(user=by, institution_id=need.institution_id).exists()


@transaction.atomic
def need_set_status(*, need: Need, status: str, by: User | None) -> Need:
    """Move a need along NEED_TRANSITIONS; anything else is refused with a clear message.

    Opening a need publishes it (published_at, the first time) and tells the experts whose
    profile fits it. `by` is the member (or moderator) acting, or None for the system.
    """
    if status not in NeedStatus.values:
        raise ValidationError(
            {"status": [_("“%(status)s” is not a need status.") % {"status": status}]}
        )
    if not _may_change_status(by, need):
        raise PermissionDenied
    locked = Need.objects.select_for_update().get(pk=need.pk)
    current = NeedStatus(locked.status)
    target = NeedStatus(status)
    if target == current:
        raise ValidationError(
            {"status": [_("The need is already %(status)s.") % {"status": current.label.lower()}]}
        )
    allowed = NEED_TRANSITIONS[current]
    if target not in allowed:
        if allowed:
            message = _(
                "A need that is %(current)s cannot become %(target)s; it can become: %(allowed)s."
            ) % {
                "current": current.label.lower(),
                "target": target.label.lower(),
                "allowed": ", ".join(
                    str(NeedStatus(s).label).lower() for s in NeedStatus.values if s in allowed
                ),
            }
        else:
            message = _("A need that is %(current)s cannot become %(target)s: it is finished.") % {
                "current": current.label.lower(),
                "target": target.label.lower(),
            }
        raise ValidationError({"status": [message]})
    if target == NeedStatus.OPEN:
        # Checked again now: the dates may have passed since the draft was saved.
        if locked.response_deadline and locked.response_deadline < timezone.localdate():
            raise ValidationError(
                {
                    "status": [
                        _("The response deadline has passed; move it before opening the need.")
                    ]
                }
            )
        if locked.published_at is None:
            locked.published_at = timezone.now()
    locked.status = target
    locked.save(update_fields=["status", "published_at", "updated_at"])
    need.status, need.published_at, need.updated_at = (
        locked.status,
        locked.published_at,
        locked.updated_at,
    )
    _after_commit_refresh_need(need.pk)
    if target == NeedStatus.OPEN:

        def tell_experts() -> None:
            from diaspora.notifications.services import notify_new_matching_need

            notify_new_matching_need(need=need)

        transaction.on_commit(tell_experts)
    return need


# -- offers ---------------------------------------------------------------------------------


def _set_offer_languages(offer: Offer, codes: Sequence[str]) -> None:
    rows = [OfferLanguage(offer=offer, code=code) for code in dict.fromkeys(codes)]
    for row in rows:
        try:
            row.full_clean(exclude=["offer"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError({"languages": error.messages}) from error
    offer.languages.all().delete()
    OfferLanguage.objects.bulk_create(rows)
    getattr(offer, "_prefetched_objects_cache", {}).pop("languages", None)


@transaction.atomic
def offer_create(
    *,
    expert: ExpertProfile,
    values: dict[str, Any],
    description: str = "",
    disciplines: Sequence[Discipline] = (),
    languages: Sequence[str] = (),
    modes: Sequence[Mode] = (),
) -> Offer:
    _check_fields(values, OFFER_FIELDS)
    offer = Offer(expert=expert)
    for name, value in values.items():
        setattr(offer, name, value)
    offer.set_description(description)
    offer.full_clean()
    offer.save()
    offer.disciplines.set(_leaf_disciplines(disciplines))
    offer.modes.set(modes)
    _set_offer_languages(offer, languages)
    return offer


@transaction.atomic
def offer_update(
    *,
    offer: Offer,
    values: dict[str, Any],
    description: str | None = None,
    disciplines: Sequence[Discipline] | None = None,
    languages: Sequence[str] | None = None,
    modes: Sequence[Mode] | None = None,
) -> Offer:
    _check_fields(values, OFFER_FIELDS)
    for name, value in values.items():
        setattr(offer, name, value)
    if description is not None:
        offer.set_description(description)
    offer.full_clean()
    offer.save()
    if disciplines is not None:
        offer.disciplines.set(_leaf_disciplines(disciplines))
    if modes is not None:
        offer.modes.set(modes)
    if languages is not None:
        _set_offer_languages(offer, languages)
    return offer


@transaction.atomic
def offer_set_active(*, offer: Offer, active: bool) -> Offer:
    """Open or close an offer to requests. Pending requests stay for the expert to answer."""
    offer.is_active = active
    offer.save(update_fields=["is_active", "updated_at"])
    return offer


def _notify_on_commit(*, user: User, title: str, body: str, url: str) -> None:
    def send() -> None:
        from diaspora.notifications.models import NotificationKind
        from diaspora.notifications.services import notify_many

        # notify_many skips an account closed in the meantime instead of failing.
        notify_many(
            users=[user], kind=NotificationKind.OFFER_REQUEST, title=title, body=body, url=url
        )

    transaction.on_commit(send)


@transaction.atomic
def offer_request_create(
    *, offer: Offer, institution: Institution, requested_by: User, message: str
) -> OfferRequest:
    """An institution asks for an offer. One pending request per offer and institution."""
    offer = Offer.objects.select_for_update().select_related("expert__user").get(pk=offer.pk)
    if not offer.is_active:
        raise ValidationError(_("This offer is not open to requests at the moment."))
    if offer.expert.user_id == requested_by.pk:
        raise ValidationError(_("You cannot request your own offer."))
    duplicate = _("%(institution)s already has a request for this offer waiting for an answer.") % {
        "institution": institution.name
    }
    if OfferRequest.objects.filter(
        offer=offer, institution=institution, status=RequestStatus.PENDING
    ).exists():
        raise ValidationError({"institution": [duplicate]})
    offer_request = OfferRequest(
        offer=offer, institution=institution, requested_by=requested_by, message=message.strip()
    )
    offer_request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            offer_request.save()
    except IntegrityError as error:  # two members at the same moment
        raise ValidationError({"institution": [duplicate]}) from error
    _notify_on_commit(
        user=offer.expert.user,
        title=_("%(institution)s asks for your offer “%(offer)s”")
        % {"institution": institution.name, "offer": offer.title},
        body=offer_request.message,
        url=reverse("offer_request_detail", args=[offer_request.pk]),
    )
    return offer_request


@transaction.atomic
def offer_request_answer(
    *, offer_request: OfferRequest, accept: bool, reason: str = "", by: User
) -> OfferRequest:
    """The expert accepts or declines a pending request, with an optional reason."""
    locked = (
        OfferRequest.objects.select_for_update()
        .select_related("offer__expert")
        .get(pk=offer_request.pk)
    )
    if locked.offer.expert.user_id != by.pk:
        raise PermissionDenied
    if locked.status != RequestStatus.PENDING:
        raise ValidationError(
            _("This request is already %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    locked.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    locked.response_reason = reason.strip()
    locked.responded_at = timezone.now()
    locked.full_clean(validate_constraints=False)
    locked.save(update_fields=["status", "response_reason", "responded_at"])
    if accept:
        # A receiver may refuse (mentoring, when the offer is at capacity): the error rolls
        # the acceptance back with it.
        offer_request_accepted.send(sender=OfferRequest, offer_request=locked, by=by)
    offer_request.status = locked.status
    offer_request.response_reason = locked.response_reason
    offer_request.responded_at = locked.responded_at
    expert_name = by.display_name
    offer_title = offer_request.offer.title
    title = (
        _("%(expert)s accepted your request for “%(offer)s”")
        if accept
        else _("%(expert)s declined your request for “%(offer)s”")
    ) % {"expert": expert_name, "offer": offer_title}
    _notify_on_commit(
        user=offer_request.requested_by,
        title=title,
        body=locked.response_reason,
        url=reverse("offer_request_detail", args=[offer_request.pk]),
    )
    return offer_request


@transaction.atomic
def offer_request_withdraw(*, offer_request: OfferRequest, by: User) -> OfferRequest:
    """The requesting institution takes back a request that is still waiting."""
    locked = (
        OfferRequest.objects.select_for_update()
        .select_related("offer__expert__user", "institution")
        .get(pk=offer_request.pk)
    )
    if not Membership.objects.filter(user=by, institution_id=locked.institution_id).exists():
        raise PermissionDenied
    if locked.status != RequestStatus.PENDING:
        raise ValidationError(
            _("This request is already %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    locked.status = RequestStatus.WITHDRAWN
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "responded_at"])
    offer_request.status, offer_request.responded_at = locked.status, locked.responded_at
    _notify_on_commit(
        user=locked.offer.expert.user,
        title=_("%(institution)s withdrew its request for “%(offer)s”")
        % {"institution": locked.institution.name, "offer": locked.offer.title},
        body="",
        url=reverse("offer_request_detail", args=[offer_request.pk]),
    )
    return offer_request
