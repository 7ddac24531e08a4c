"""Ranked lists over the API: experts for a need, needs for an expert.

Only members of the need's institution, the expert concerned and moderators may see a ranked
list; anyone else gets 404. `rank_experts --json` prints what `need_matches_json` returns,
so the command and the API cannot drift apart.
"""

import json
from collections.abc import Sequence

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from diaspora.api_utils import signed_in_user
from diaspora.matching.permissions import get_expert_for_ranking, get_need_for_ranking
from diaspora.matching.scoring import Reason
from diaspora.matching.selectors import (
    ExpertMatch,
    NeedMatch,
    expert_matches,
    levels_for,
    need_matches,
)
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile

router = Router()

MAX_LIMIT = 100


class ReasonOut(Schema):
    code: str = Field(description="Stable criterion id: text, discipline, language, …")
    text: str = Field(description="The reason, in the reader's language.")
    contribution: float = Field(description="Points this criterion adds to the score.")


class ExpertBrief(Schema):
    id: int
    name: str
    headline: str


class InstitutionBrief(Schema):
    id: int
    name: str


class NeedBrief(Schema):
    id: int
    title: str
    status: str
    institution: InstitutionBrief


class RankedExpertOut(Schema):
    rank: int
    expert: ExpertBrief
    score: float
    reasons: list[ReasonOut]


class NeedMatchesOut(Schema):
    need: NeedBrief
    results: list[RankedExpertOut]


class RankedNeedOut(Schema):
    rank: int
    need: NeedBrief
    score: float
    reasons: list[ReasonOut]


class ExpertMatchesOut(Schema):
    expert: ExpertBrief
    results: list[RankedNeedOut]


class MatchesQuery(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="How many to return (1 to 100).")


def expert_brief(profile: ExpertProfile) -> dict:
    return {"id": profile.pk, "name": profile.user.display_name, "headline": profile.headline}


def need_brief(need: Need) -> dict:
    return {
        "id": need.pk,
        "title": need.title,
        "status": need.status,
        "institution": {"id": need.institution_id, "name": need.institution.name},
    }


def score_out(score: float) -> float:
    return round(score, 4)


def reasons_out(reasons: Sequence[Reason]) -> list[dict]:
    return [
        {"code": r.code, "text": r.text(), "contribution": score_out(r.contribution)}
        for r in reasons
    ]


def need_matches_out(need: Need, matches: Sequence[ExpertMatch]) -> dict:
    return {
        "need": need_brief(need),
        "results": [
            {
                "rank": rank,
                "expert": expert_brief(m.profile),
                "score": score_out(m.ranked.score),
                "reasons": reasons_out(m.ranked.reasons),
            }
            for rank, m in enumerate(matches, start=1)
        ],
    }


def expert_matches_out(profile: ExpertProfile, matches: Sequence[NeedMatch]) -> dict:
    return {
        "expert": expert_brief(profile),
        "results": [
            {
                "rank": rank,
                "need": need_brief(m.need),
                "score": score_out(m.ranked.score),
                "reasons": reasons_out(m.ranked.reasons),
            }
            for rank, m in enumerate(matches, start=1)
        ],
    }


def need_matches_json(need: Need, matches: Sequence[ExpertMatch]) -> str:
    """Exactly the body `GET /api/needs/<id>/matches/` sends for these matches."""
    data = NeedMatchesOut.model_validate(need_matches_out(need, matches)).model_dump()
    return json.dumps(data, cls=NinjaJSONEncoder)


@router.get(
    "/needs/{int:need_id}/matches/",
    response=NeedMatchesOut,
    summary="Experts ranked for a need, with reasons",
    description=(
        "For members of the need's institution and moderators (anyone else gets 404). "
        "Reasons never use a field the expert hides from you."
    ),
)
def need_matches_api(request: HttpRequest, need_id: int, query: Query[MatchesQuery]) -> dict:
    user = signed_in_user(request)
    need = get_need_for_ranking(user, need_id)
    matches = expert_matches(need=need, levels=levels_for(user), limit=query.limit)
    return need_matches_out(need, matches)


@router.get(
    "/experts/{int:expert_id}/matches/",
    response=ExpertMatchesOut,
    summary="Open needs ranked for an expert, with reasons",
    description="For the expert themselves and moderators (anyone else gets 404).",
)
def expert_matches_api(request: HttpRequest, expert_id: int, query: Query[MatchesQuery]) -> dict:
    user = signed_in_user(request)
    profile = get_expert_for_ranking(user, expert_id)
    matches = need_matches(expert=profile, levels=levels_for(user, profile), limit=query.limit)
    return expert_matches_out(profile, matches)
