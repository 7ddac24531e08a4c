from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from diaspora.api_utils import ANYONE, PageMeta, PageQuery, paginated, signed_in_user, viewer
from diaspora.institutions import services
from diaspora.institutions.models import Institution
from diaspora.institutions.permissions import get_institution_for_user
from diaspora.institutions.selectors import (
    InstitutionFilters,
    institution_directory,
    institution_members,
)

router = Router()


class MemberOut(Schema):
    name: str
    role: str
    title: str


class InstitutionOut(Schema):
    id: int
    name: str
    type: str
    country: str
    city: str
    website: str
    description: str
    description_html: str
    verified: bool
    members: list[MemberOut] | None = Field(None, description="Shown to signed-in members only.")


class InstitutionPage(Schema):
    meta: PageMeta
    results: list[InstitutionOut]


def institution_out(institution: Institution, *, members: list | None = None) -> dict:
    return {
        "id": institution.pk,
        "name": institution.name,
        "type": institution.type,
        "country": institution.country.code,
        "city": institution.city,
        "website": institution.website,
        "description": institution.description,
        "description_html": institution.description_html,
        "verified": institution.is_verified,
        "members": members,
    }


class InstitutionQuery(PageQuery):
    q: str = ""
    country: str = ""
    type: str = ""
    verified: bool = False


@router.get("/", response=InstitutionPage, auth=ANYONE, summary="Search institutions")
def list_institutions(request: HttpRequest, query: Query[InstitutionQuery]) -> dict:
    filters = InstitutionFilters(**query.filters())
    return paginated(institution_directory(filters=filters), query, institution_out)


@router.get(
    "/{int:institution_id}", response=InstitutionOut, auth=ANYONE, summary="One institution"
)
def get_institution(request: HttpRequest, institution_id: int) -> dict:
    who = viewer(request)
    institution = get_institution_for_user(who, institution_id)
    members = None
    if who.is_authenticated:
        members = [
            {"name": m.user.display_name, "role": m.role, "title": m.title}
            for m in institution_members(institution=institution)
        ]
    return institution_out(institution, members=members)


class InstitutionIn(Schema):
    name: str
    type: str
    country: str
    city: str = ""
    website: str = ""
    description: str = ""


class InstitutionPatch(Schema):
    name: str | None = None
    type: str | None = None
    country: str | None = None
    city: str | None = None
    website: str | None = None
    description: str | None = None


@router.post(
    "/", response={201: InstitutionOut}, summary="Create an institution; you become its admin"
)
def create_institution(request: HttpRequest, payload: InstitutionIn) -> Status:
    data = payload.dict()
    description = data.pop("description")
    institution = services.institution_create(
        creator=signed_in_user(request), values=data, description=description
    )
    return Status(201, institution_out(institution))


@router.patch(
    "/{int:institution_id}", response=InstitutionOut, summary="Change an institution (admins)"
)
def update_institution(
    request: HttpRequest, institution_id: int, payload: InstitutionPatch
) -> dict:
    institution = get_institution_for_user(signed_in_user(request), institution_id, for_write=True)
    data = payload.dict(exclude_unset=True)
    description = data.pop("description", None)
    data = {k: ("" if v is None else v) for k, v in data.items()}
    services.institution_update(institution=institution, values=data, description=description)
    return institution_out(institution)
