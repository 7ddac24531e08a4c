"""Reads for invitations, interest and matches: the user's boxes, a need's ranked list with
what has already been proposed, an expert's best-fitting needs."""

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from diaspora.institutions.models import Membership
from diaspora.matches.models import Proposal, ProposalKind, ProposalStatus
from diaspora.needs.models import Need, NeedStatus
from diaspora.people.models import ExpertProfile, Visibility

# What the institution's side may see of a profile, by whether the institution is verified
# (the same levels `viewer_levels` gives its representatives).
INSTITUTION_LEVELS = frozenset({Visibility.PUBLIC, Visibility.MEMBERS, Visibility.INSTITUTIONS})
MEMBER_LEVELS = frozenset({Visibility.PUBLIC, Visibility.MEMBERS})

# Proposals that take an expert off a need's ranked list.
BLOCKING_STATUSES = (ProposalStatus.PENDING, ProposalStatus.ACCEPTED)


def institution_levels(need: Need) -> frozenset[str]:
    """What the need's institution may read of an expert: the reasons of a proposal are built
    for this reader, so both sides see the same explanation and it never uses a field hidden
    from the institution."""
    return INSTITUTION_LEVELS if need.institution.is_verified else MEMBER_LEVELS


# --- Reasons ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonRow:
    code: str
    text: str
    contribution: float


def reason_to_dict(reason: Any) -> dict[str, Any]:
    """A matching `Reason` as stored on a proposal: `as_dict()` (text in the sender's
    language) plus its untranslated message and parameters, so that each reader sees it in
    their own language."""
    data = {key: _plain(value) for key, value in reason.as_dict().items()}
    data["message"] = str(reason.message)
    data["params"] = {str(key): _plain(value) for key, value in reason.params.items()}
    return data


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars become Python numbers, anything odd a string."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _stored_text(reason: Mapping[str, Any]) -> str:
    from diaspora.matching.scoring import Reason

    text = str(reason.get("text", ""))
    message = reason.get("message")
    if message:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            params = dict(reason.get("params") or {})
            text = Reason(str(reason.get("code", "")), str(message), params, 0.0).text()
    return text


def reason_rows(reasons: Iterable[Any]) -> list[ReasonRow]:
    """Live `Reason` objects or stored dicts, as rows for a page or the API, in the active
    language."""
    rows = []
    for reason in reasons:
        if isinstance(reason, Mapping):
            rows.append(
                ReasonRow(
                    code=str(reason.get("code", "")),
                    text=_stored_text(reason),
                    contribution=float(reason.get("contribution", 0)),
                )
            )
        else:
            rows.append(
                ReasonRow(code=reason.code, text=reason.text(), contribution=reason.contribution)
            )
    return rows


def proposal_snapshot(*, need: Need, expert: ExpertProfile) -> tuple[float, list[dict[str, Any]]]:
    """The score and reasons both sides will read, built with the institution's view of the
    profile. (0, []) when the engine does not rank the pair (e.g. a required language is
    missing, or the profile is unlisted)."""
    from diaspora.matching.selectors import score_for

    ranked = score_for(need=need, expert=expert, levels=institution_levels(need))
    if ranked is None:
        return 0.0, []
    return round(float(ranked.score), 4), [reason_to_dict(r) for r in ranked.reasons]


def missing_required_languages(*, need: Need, expert: ExpertProfile) -> list[str]:
    """Names of the languages the need requires and the expert does not list (why the
    engine does not rank the pair)."""
    from diaspora.reference.languages import language_name

    required = set(need.languages.filter(required=True).values_list("code", flat=True))
    spoken = set(expert.languages.values_list("code", flat=True))
    return sorted(language_name(code) for code in required - spoken)


# --- Boxes --------------------------------------------------------------------------------


def _member_institutions(user: Any) -> Any:
    """A subquery of the ids of the user's institutions."""
    return Membership.objects.filter(user=user).values("institution_id")


def member_institution_ids(*, user: Any) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("institution_id", flat=True))


def proposal_rows(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    return qs.select_related(
        "need__institution", "expert__user", "sent_by", "answered_by", "match"
    ).order_by("-created_at", "-pk")


def _incoming_q(user: Any) -> Q:
    mine = _member_institutions(user)
    return Q(kind=ProposalKind.INVITATION, expert__user=user) | (
        Q(kind=ProposalKind.INTEREST, need__institution_id__in=mine) & ~Q(expert__user=user)
    )


def _outgoing_q(user: Any) -> Q:
    mine = _member_institutions(user)
    return Q(kind=ProposalKind.INTEREST, expert__user=user) | Q(
        kind=ProposalKind.INVITATION, need__institution_id__in=mine
    )


def proposals_incoming(*, user: Any, status: str = "") -> QuerySet[Proposal]:
    """What the user is to answer: invitations to them, interest in their institutions' needs."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    qs = Proposal.objects.filter(_incoming_q(user))
    if status:
        qs = qs.filter(status=status)
    return proposal_rows(qs)


def proposals_outgoing(*, user: Any, status: str = "") -> QuerySet[Proposal]:
    """What the user's side sent: their interest, their institutions' invitations."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    qs = Proposal.objects.filter(_outgoing_q(user))
    if status:
        qs = qs.filter(status=status)
    return proposal_rows(qs)


def proposals_of_user(*, user: Any, box: str = "", status: str = "") -> QuerySet[Proposal]:
    """Both directions (`box` "incoming" or "outgoing" narrows it)."""
    if box == "incoming":
        return proposals_incoming(user=user, status=status)
    if box == "outgoing":
        return proposals_outgoing(user=user, status=status)
    if not user.is_authenticated:
        return Proposal.objects.none()
    qs = Proposal.objects.filter(_incoming_q(user) | _outgoing_q(user))
    if status:
        qs = qs.filter(status=status)
    return proposal_rows(qs)


def overdue_among(proposals: Iterable[Proposal], now: Any) -> list[int]:
    """Pending proposals past their deadline among rows already read (no query)."""
    return [p.pk for p in proposals if p.status == ProposalStatus.PENDING and p.deadline <= now]


# --- A need's ranked list -----------------------------------------------------------------


@dataclass
class RankedExpertRow:
    expert: ExpertProfile
    score: float
    reasons: list[ReasonRow]
    # The latest earlier proposal for this need that did not end in a match (declined,
    # expired, withdrawn), if any.
    previous: Proposal | None = None

    @property
    def next_ranked(self) -> bool:
        """Never proposed for this need: a fresh candidate after an invitation expired."""
        return self.previous is None


@dataclass
class NeedMatchesPage:
    need: Need
    rows: list[RankedExpertRow]
    proposals: list[Proposal]  # every proposal for this need, newest first
    match_count: int
    expired_invitations: int
    blocked_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_full(self) -> bool:
        return self.match_count >= self.need.experts_wanted

    @property
    def show_next_ranked(self) -> bool:
        return self.expired_invitations > 0


def need_proposals(*, need: Need) -> list[Proposal]:
    return list(
        need.proposals.select_related("expert__user", "sent_by", "answered_by").order_by(
            "-created_at", "-pk"
        )
    )


def need_matches_page(
    *,
    need: Need,
    viewer: Any,
    limit: int,
    proposals: Sequence[Proposal],
) -> NeedMatchesPage:
    """The top experts for a need, without those already invited or matched (pending or
    accepted), each with their earlier proposal for the need if there was one."""
    from diaspora.matching.selectors import rank_experts_for_need

    # An accepted proposal stands for its match (every Match has one).
    blocked = frozenset(p.expert_id for p in proposals if p.status in BLOCKING_STATUSES)
    ranked = rank_experts_for_need(need=need, viewer=viewer, limit=limit, exclude=blocked)
    profiles = ExpertProfile.objects.select_related("user").in_bulk([r.expert_id for r in ranked])
    previous: dict[int, Proposal] = {}
    for proposal in proposals:  # newest first: keep the first seen
        previous.setdefault(proposal.expert_id, proposal)
    rows = [
        RankedExpertRow(
            expert=profiles[r.expert_id],
            score=r.score,
            reasons=reason_rows(r.reasons),
            previous=previous.get(r.expert_id),
        )
        for r in ranked
        if r.expert_id in profiles
    ]
    return NeedMatchesPage(
        need=need,
        rows=rows,
        proposals=list(proposals),
        match_count=sum(1 for p in proposals if p.status == ProposalStatus.ACCEPTED),
        expired_invitations=sum(
            1
            for p in proposals
            if p.status == ProposalStatus.EXPIRED and p.kind == ProposalKind.INVITATION
        ),
        blocked_ids=blocked,
    )


# --- An expert's best-fitting needs --------------------------------------------------------


@dataclass
class RankedNeedRow:
    need: Need
    score: float
    reasons: list[ReasonRow]
    proposal: Proposal | None  # the expert's pending or accepted proposal for it, if any


def needs_for_expert_rows(*, expert: ExpertProfile, viewer: Any, limit: int) -> list[RankedNeedRow]:
    from diaspora.matching.selectors import rank_needs_for_expert

    ranked = rank_needs_for_expert(expert=expert, viewer=viewer, limit=limit)
    ids = [r.need_id for r in ranked]
    needs = (
        Need.objects.filter(status=NeedStatus.OPEN)
        .select_related("institution", "engagement_type", "mode")
        .in_bulk(ids)
    )
    proposals = {
        p.need_id: p
        for p in Proposal.objects.filter(
            expert=expert, need_id__in=ids, status__in=BLOCKING_STATUSES
        )
    }
    return [
        RankedNeedRow(
            need=needs[r.need_id],
            score=r.score,
            reasons=reason_rows(r.reasons),
            proposal=proposals.get(r.need_id),
        )
        for r in ranked
        if r.need_id in needs
    ]
