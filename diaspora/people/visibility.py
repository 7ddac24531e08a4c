"""Who may see which sensitive field of an expert profile.

Everything that shows a profile to someone else (pages, directory, API, exports) reads it
through `ExpertView`, which blanks what the viewer may not see. Filters on sensitive
fields go through `visible_q`, so that a search can never confirm a hidden value.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from diaspora.people.models import SENSITIVE_FIELDS, ExpertProfile, Visibility

if TYPE_CHECKING:
    from django_countries.fields import Country


def viewer_levels(user: Any) -> frozenset[str]:
    """The visibility levels this viewer may see on someone else's profile."""
    if user is None or not user.is_authenticated:
        return frozenset({Visibility.PUBLIC})
    cached = getattr(user, "_visibility_levels", None)
    if cached is not None:
        return cached
    levels = {Visibility.PUBLIC, Visibility.MEMBERS}
    if user.is_staff or user.is_moderator or _represents_verified_institution(user):
        levels.add(Visibility.INSTITUTIONS)
    result = frozenset(levels)
    user._visibility_levels = result
    return result


def _represents_verified_institution(user: Any) -> bool:
    from diaspora.institutions.models import Membership, VerificationStatus

    return Membership.objects.filter(
        user=user, institution__verification_status=VerificationStatus.VERIFIED
    ).exists()


def visible_q(field: str, user: Any) -> Q:
    """A filter that is true where `field` may be seen by `user` (always on their own)."""
    condition = Q(**{f"{SENSITIVE_FIELDS[field]}__in": viewer_levels(user)})
    if user is not None and user.is_authenticated:
        condition |= Q(user_id=user.pk)
    return condition


def may_see(profile: ExpertProfile, field: str, user: Any) -> bool:
    if user is not None and user.is_authenticated and profile.user_id == user.pk:
        return True
    return getattr(profile, SENSITIVE_FIELDS[field]) in viewer_levels(user)


@dataclass(frozen=True)
class ExpertView:
    """An expert profile as one viewer may see it."""

    profile: ExpertProfile
    origin_country: "Country | None"
    residence_country: "Country | None"
    city: str
    timezone: str
    is_own: bool

    @property
    def pk(self) -> int:
        return self.profile.pk

    def __getattr__(self, name: str) -> Any:
        # Non-sensitive attributes read through to the profile; sensitive ones never do.
        if name in SENSITIVE_FIELDS or name.endswith("_visibility"):
            raise AttributeError(name)
        return getattr(self.profile, name)


def expert_view(profile: ExpertProfile, user: Any) -> ExpertView:
    is_own = bool(user is not None and user.is_authenticated and profile.user_id == user.pk)
    origin = profile.origin_country if may_see(profile, "origin_country", user) else None
    residence_visible = may_see(profile, "residence_country", user)
    return ExpertView(
        profile=profile,
        origin_country=origin or None,
        residence_country=(profile.residence_country or None) if residence_visible else None,
        city=profile.city if may_see(profile, "city", user) else "",
        # A named time zone says where someone lives, so it follows residence.
        timezone=profile.timezone if residence_visible else "",
        is_own=is_own,
    )
