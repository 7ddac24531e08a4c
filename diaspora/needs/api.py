"""Needs, offers and offer requests over the API. The pages' permission helpers decide here
too: a draft is a 404 to outsiders, changing someone else's need or offer a 403."""

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from pydantic import Field

from diaspora.api_utils import ANYONE, MAX_PAGE_SIZE, PageMeta, signed_in_user, viewer
from diaspora.needs import services
from diaspora.needs.models import Need, NeedStatus, Offer, OfferRequest
from diaspora.needs.permissions import (
    RequestSide,
    get_member_institution,
    get_need_for_user,
    get_offer_for_user,
    get_offer_request_for_user,
    get_own_expert_profile_or_deny,
)
from diaspora.needs.selectors import (
    NeedFilters,
    OfferFilters,
    need_directory,
    need_with_details,
    needs_of_member,
    offer_cards,
    offer_directory,
    offer_requests_incoming,
    offer_requests_of_user,
    offer_requests_outgoing,
)
from diaspora.people.api import by_codes
from diaspora.reference.models import Discipline, EngagementType, Mode

router = Router()


# -- schemas --------------------------------------------------------------------------------


class DisciplineOut(Schema):
    code: str
    label: str


class InstitutionRef(Schema):
    id: int
    name: str
    country: str


class ExpertRef(Schema):
    id: int
    name: str
    headline: str


class NeedOut(Schema):
    id: int
    url: str
    title: str
    description: str
    description_html: str
    status: str
    institution: InstitutionRef
    disciplines: list[DisciplineOut]
    keywords: list[str]
    engagement_type: str
    mode: str
    location_city: str
    location_country: str
    start_date: date | None
    end_date: date | None
    effort_hours: int
    experts_wanted: int
    response_deadline: date | None
    required_languages: list[str] = Field(description="ISO 639-1 codes")
    preferred_languages: list[str]
    created_at: datetime
    published_at: datetime | None


class NeedPage(Schema):
    meta: PageMeta
    results: list[NeedOut]


class OfferOut(Schema):
    id: int
    url: str
    kind: str
    title: str
    description: str
    description_html: str
    expert: ExpertRef
    disciplines: list[DisciplineOut]
    languages: list[str]
    modes: list[str]
    capacity: int
    hours_per_month: int
    is_active: bool
    created_at: datetime


class OfferPage(Schema):
    meta: PageMeta
    results: list[OfferOut]


class OfferRef(Schema):
    id: int
    title: str


class OfferRequestOut(Schema):
    id: int
    url: str
    offer: OfferRef
    expert: ExpertRef
    institution: InstitutionRef
    requested_by: str
    message: str
    status: str
    response_reason: str
    created_at: datetime
    responded_at: datetime | None


class OfferRequestPage(Schema):
    meta: PageMeta
    results: list[OfferRequestOut]


def _institution_ref(institution: Any) -> dict:
    return {"id": institution.pk, "name": institution.name, "country": institution.country.code}


def _expert_ref(expert: Any) -> dict:
    return {"id": expert.pk, "name": expert.user.display_name, "headline": expert.headline}


def need_out(need: Need) -> dict:
    languages = list(need.languages.all())
    return {
        "id": need.pk,
        "url": need.get_absolute_url(),
        "title": need.title,
        "description": need.description,
        "description_html": need.description_html,
        "status": need.status,
        "institution": _institution_ref(need.institution),
        "disciplines": [{"code": d.code, "label": d.label} for d in need.disciplines.all()],
        "keywords": [k.name for k in need.keywords.all()],
        "engagement_type": need.engagement_type.code,
        "mode": need.mode.code,
        "location_city": need.location_city,
        "location_country": need.location_country.code or "",
        "start_date": need.start_date,
        "end_date": need.end_date,
        "effort_hours": need.effort_hours,
        "experts_wanted": need.experts_wanted,
        "response_deadline": need.response_deadline,
        "required_languages": [lang.code for lang in languages if lang.required],
        "preferred_languages": [lang.code for lang in languages if not lang.required],
        "created_at": need.created_at,
        "published_at": need.published_at,
    }


def offer_out(offer: Offer) -> dict:
    return {
        "id": offer.pk,
        "url": offer.get_absolute_url(),
        "kind": offer.engagement_type.code,
        "title": offer.title,
        "description": offer.description,
        "description_html": offer.description_html,
        "expert": _expert_ref(offer.expert),
        "disciplines": [{"code": d.code, "label": d.label} for d in offer.disciplines.all()],
        "languages": [lang.code for lang in offer.languages.all()],
        "modes": [m.code for m in offer.modes.all()],
        "capacity": offer.capacity,
        "hours_per_month": offer.hours_per_month,
        "is_active": offer.is_active,
        "created_at": offer.created_at,
    }


def offer_request_out(offer_request: OfferRequest) -> dict:
    return {
        "id": offer_request.pk,
        "url": reverse("offer_request_detail", args=[offer_request.pk]),
        "offer": {"id": offer_request.offer_id, "title": offer_request.offer.title},
        "expert": _expert_ref(offer_request.offer.expert),
        "institution": _institution_ref(offer_request.institution),
        "requested_by": offer_request.requested_by.display_name,
        "message": offer_request.message,
        "status": offer_request.status,
        "response_reason": offer_request.response_reason,
        "created_at": offer_request.created_at,
        "responded_at": offer_request.responded_at,
    }


def _page(qs: QuerySet[Any], number: int, size: int, out: Any) -> dict:
    paginator = Paginator(qs, size)
    page = paginator.get_page(number)
    return {
        "meta": {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "page_size": size,
        },
        "results": [out(row) for row in page.object_list],
    }


def _by_code(model: Any, given: dict[str, Any], key: str, message: str) -> Any:
    """The row whose code is `given[key]`; None when the key was not sent."""
    if key not in given:
        return None
    row = model.objects.filter(code=given[key] or "").first()
    if row is None:
        raise ValidationError({key: [message % {"code": given[key]}]})
    return row


def _need_values(given: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in given.items() if k in services.NEED_FIELDS}
    for text in ("location_city", "location_country"):
        if text in values and values[text] is None:
            values[text] = ""
    engagement_type = _by_code(
        EngagementType, given, "engagement_type", _("Unknown engagement type: %(code)s.")
    )
    if engagement_type is not None:
        values["engagement_type"] = engagement_type
    mode = _by_code(Mode, given, "mode", _("Unknown mode: %(code)s."))
    if mode is not None:
        values["mode"] = mode
    return values


def _disciplines(given: dict[str, Any]) -> list[Discipline] | None:
    return by_codes(
        Discipline.objects.filter(parent__isnull=False),
        given,
        "disciplines",
        _("Unknown FORD field code: %(codes)s."),
    )


def _need_response(need: Need) -> dict:
    return need_out(need_with_details(Need.objects.filter(pk=need.pk)).get())


def _offer_response(offer: Offer) -> dict:
    return offer_out(offer_cards(Offer.objects.filter(pk=offer.pk)).get())


# -- needs ----------------------------------------------------------------------------------


class NeedQuery(Schema):
    q: str = ""
    discipline: str = Field("", description="A FORD code: '3' for a major field, '3.3' for a field")
    engagement_type: str = ""
    mode: str = ""
    language: str = Field("", description="ISO 639-1; required or preferred")
    country: str = Field("", description="Of the institution, ISO 3166-1 alpha-2")
    institution: int | None = None
    mine: bool = Field(
        False, description="Needs of your institutions, whatever their status (signed in)"
    )
    status: str = Field("", description="With mine=true only")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


@router.get("/needs/", response=NeedPage, auth=ANYONE, summary="Search open needs")
def list_needs(request: HttpRequest, query: Query[NeedQuery]) -> dict:
    data = query.dict()
    page_number, page_size = data.pop("page"), data.pop("page_size")
    mine, status = data.pop("mine"), data.pop("status")
    if mine:
        who = viewer(request)
        if not who.is_authenticated:
            raise AuthenticationError(message=_("Sign in to see your institutions' needs."))
        if status and status not in NeedStatus.values:
            raise ValidationError({"status": [_("Unknown status: %(s)s.") % {"s": status}]})
        qs = needs_of_member(user=who, status=status, institution=data["institution"])
    else:
        qs = need_directory(filters=NeedFilters(**data))
    return _page(need_with_details(qs), page_number, page_size, need_out)


@router.get("/needs/{int:need_id}", response=NeedOut, auth=ANYONE, summary="One need")
def get_need(request: HttpRequest, need_id: int) -> dict:
    need = get_need_for_user(viewer(request), need_id)
    return _need_response(need)


class NeedIn(Schema):
    institution: int = Field(description="One of your institutions")
    title: str
    description: str = ""
    disciplines: list[str] = Field([], description="FORD field codes, e.g. ['3.3']")
    keywords: list[str] = []
    engagement_type: str
    mode: str
    location_city: str = ""
    location_country: str = ""
    start_date: date | None = None
    end_date: date | None = None
    effort_hours: int = Field(0, ge=0, le=10_000)
    experts_wanted: int = Field(1, ge=1, le=1000)
    response_deadline: date | None = None
    required_languages: list[str] = []
    preferred_languages: list[str] = []


class NeedPatch(Schema):
    title: str | None = None
    description: str | None = None
    disciplines: list[str] | None = None
    keywords: list[str] | None = None
    engagement_type: str | None = None
    mode: str | None = None
    location_city: str | None = None
    location_country: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    effort_hours: int | None = Field(None, ge=0, le=10_000)
    experts_wanted: int | None = Field(None, ge=1, le=1000)
    response_deadline: date | None = None
    required_languages: list[str] | None = None
    preferred_languages: list[str] | None = None


@router.post(
    "/needs/",
    response={201: NeedOut},
    summary="Post a need for one of your institutions (it starts as a draft)",
)
def create_need(request: HttpRequest, payload: NeedIn) -> Status:
    user = signed_in_user(request)
    given = payload.dict()
    institution = get_member_institution(user, given["institution"])
    need = services.need_create(
        institution=institution,
        created_by=user,
        values=_need_values(given),
        description=given["description"],
        disciplines=_disciplines(given) or [],
        keywords=given["keywords"],
        required_languages=given["required_languages"],
        preferred_languages=given["preferred_languages"],
    )
    return Status(201, _need_response(need))


@router.patch(
    "/needs/{int:need_id}", response=NeedOut, summary="Change a need (members of its institution)"
)
def update_need(request: HttpRequest, need_id: int, payload: NeedPatch) -> dict:
    need = get_need_for_user(signed_in_user(request), need_id, for_write=True)
    given = payload.dict(exclude_unset=True)
    services.need_update(
        need=need,
        values=_need_values(given),
        description=given.get("description"),
        disciplines=_disciplines(given),
        keywords=given.get("keywords"),
        required_languages=given.get("required_languages"),
        preferred_languages=given.get("preferred_languages"),
    )
    return _need_response(need)


class StatusIn(Schema):
    status: str = Field(description="draft → open → in_progress → fulfilled / closed / withdrawn")


@router.post(
    "/needs/{int:need_id}/status",
    response=NeedOut,
    summary="Move a need to another status (only valid transitions)",
)
def set_need_status(request: HttpRequest, need_id: int, payload: StatusIn) -> dict:
    user = signed_in_user(request)
    need = get_need_for_user(user, need_id, for_write=True)
    services.need_set_status(need=need, status=payload.status, by=user)
    return _need_response(need)


# -- offers ---------------------------------------------------------------------------------


class OfferQuery(Schema):
    q: str = ""
    discipline: str = ""
    kind: str = Field("", description="An engagement type: mentoring, course, lecture, …")
    language: str = ""
    mode: str = ""
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


@router.get("/offers/", response=OfferPage, auth=ANYONE, summary="Search offers")
def list_offers(request: HttpRequest, query: Query[OfferQuery]) -> dict:
    data = query.dict()
    page_number, page_size = data.pop("page"), data.pop("page_size")
    qs = offer_cards(offer_directory(filters=OfferFilters(**data)))
    return _page(qs, page_number, page_size, offer_out)


@router.get("/offers/{int:offer_id}", response=OfferOut, auth=ANYONE, summary="One offer")
def get_offer(request: HttpRequest, offer_id: int) -> dict:
    return _offer_response(get_offer_for_user(viewer(request), offer_id))


class OfferIn(Schema):
    kind: str
    title: str
    description: str = ""
    disciplines: list[str] = []
    languages: list[str] = []
    modes: list[str] = []
    capacity: int = Field(1, ge=1, le=1000)
    hours_per_month: int = Field(0, ge=0, le=200)
    is_active: bool = True


class OfferPatch(Schema):
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    disciplines: list[str] | None = None
    languages: list[str] | None = None
    modes: list[str] | None = None
    capacity: int | None = Field(None, ge=1, le=1000)
    hours_per_month: int | None = Field(None, ge=0, le=200)
    is_active: bool | None = None


def _offer_values(given: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in given.items() if k in services.OFFER_FIELDS}
    kind = _by_code(EngagementType, given, "kind", _("Unknown kind of offer: %(code)s."))
    if kind is not None:
        values["engagement_type"] = kind
    return values


def _modes(given: dict[str, Any]) -> list[Mode] | None:
    return by_codes(Mode.objects.all(), given, "modes", _("Unknown mode: %(codes)s."))


@router.post("/offers/", response={201: OfferOut}, summary="Publish an offer (experts)")
def create_offer(request: HttpRequest, payload: OfferIn) -> Status:
    profile = get_own_expert_profile_or_deny(signed_in_user(request))
    given = payload.dict()
    offer = services.offer_create(
        expert=profile,
        values=_offer_values(given),
        description=given["description"],
        disciplines=_disciplines(given) or [],
        languages=given["languages"],
        modes=_modes(given) or [],
    )
    return Status(201, _offer_response(offer))


@router.patch("/offers/{int:offer_id}", response=OfferOut, summary="Change your offer")
def update_offer(request: HttpRequest, offer_id: int, payload: OfferPatch) -> dict:
    offer = get_offer_for_user(signed_in_user(request), offer_id, for_write=True)
    given = payload.dict(exclude_unset=True)
    if given.get("is_active", True) is None:
        raise ValidationError({"is_active": [_("Say true or false.")]})
    services.offer_update(
        offer=offer,
        values=_offer_values(given),
        description=given.get("description"),
        disciplines=_disciplines(given),
        languages=given.get("languages"),
        modes=_modes(given),
    )
    return _offer_response(offer)


class OfferRequestIn(Schema):
    institution: int = Field(description="One of your institutions")
    message: str = Field(max_length=5000)


@router.post(
    "/offers/{int:offer_id}/requests",
    response={201: OfferRequestOut},
    summary="Request an offer for one of your institutions",
)
def request_offer(request: HttpRequest, offer_id: int, payload: OfferRequestIn) -> Status:
    user = signed_in_user(request)
    offer = get_offer_for_user(user, offer_id)
    institution = get_member_institution(user, payload.institution)
    made = services.offer_request_create(
        offer=offer, institution=institution, requested_by=user, message=payload.message
    )
    return Status(201, offer_request_out(get_offer_request_for_user(user, made.pk)))


class OfferRequestQuery(Schema):
    direction: Literal["", "incoming", "outgoing"] = Field(
        "", description="incoming: for your offers; outgoing: from your institutions; empty: both"
    )
    status: Literal["", "pending", "accepted", "declined", "withdrawn"] = ""
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


@router.get(
    "/offer-requests/",
    response=OfferRequestPage,
    summary="Requests for your offers and from your institutions",
)
def list_offer_requests(request: HttpRequest, query: Query[OfferRequestQuery]) -> dict:
    user = signed_in_user(request)
    select = {
        "incoming": offer_requests_incoming,
        "outgoing": offer_requests_outgoing,
        "": offer_requests_of_user,
    }[query.direction]
    return _page(
        select(user=user, status=query.status), query.page, query.page_size, offer_request_out
    )


@router.get(
    "/offer-requests/{int:request_id}", response=OfferRequestOut, summary="One offer request"
)
def get_offer_request(request: HttpRequest, request_id: int) -> dict:
    return offer_request_out(get_offer_request_for_user(signed_in_user(request), request_id))


class AnswerIn(Schema):
    accept: bool
    reason: str = Field("", max_length=2000)


@router.post(
    "/offer-requests/{int:request_id}/answer",
    response=OfferRequestOut,
    summary="Accept or decline a request for your offer",
)
def answer_offer_request(request: HttpRequest, request_id: int, payload: AnswerIn) -> dict:
    user = signed_in_user(request)
    offer_request = get_offer_request_for_user(user, request_id, side=RequestSide.EXPERT)
    services.offer_request_answer(
        offer_request=offer_request, accept=payload.accept, reason=payload.reason, by=user
    )
    return offer_request_out(offer_request)


@router.post(
    "/offer-requests/{int:request_id}/withdraw",
    response=OfferRequestOut,
    summary="Withdraw your institution's pending request",
)
def withdraw_offer_request(request: HttpRequest, request_id: int) -> dict:
    user = signed_in_user(request)
    offer_request = get_offer_request_for_user(user, request_id, side=RequestSide.INSTITUTION)
    services.offer_request_withdraw(offer_request=offer_request, by=user)
    return offer_request_out(offer_request)
