from django.http import HttpRequest
from ninja import Router, Schema

from diaspora.api_utils import signed_in_user

router = Router()


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str
    timezone: str
    is_moderator: bool
    expert_profile_id: int | None
    institution_ids: list[int]


@router.get("", response=MeOut, summary="The signed-in user")
def me(request: HttpRequest) -> MeOut:
    user = signed_in_user(request)
    profile = getattr(user, "expert_profile", None)
    return MeOut(
        id=user.pk,
        email=user.email,
        name=user.name,
        role=user.role,
        timezone=user.timezone,
        is_moderator=user.is_moderator,
        expert_profile_id=profile.pk if profile else None,
        institution_ids=list(user.memberships.values_list("institution_id", flat=True)),
    )
