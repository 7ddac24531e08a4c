"""Ranked lists, read from the process's index (or, while it is being built, computed from a
database prefilter), with the rows needed to show them.

Reasons are computed for one reader: `visible_levels` are the visibility levels of the
person who will read them (`viewer_levels`), except that an expert reading about themselves
sees every level of their own profile. These functions check no permission: callers use
`diaspora.matching.permissions` first.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, prefetch_related_objects

from diaspora.matching import adapter
from diaspora.matching.documents import ExpertDoc, NeedDoc
from diaspora.matching.index import MatchingIndex
from diaspora.matching.scoring import RankedExpert, RankedNeed
from diaspora.matching.weights import Weights
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile, Visibility
from diaspora.people.visibility import viewer_levels

ALL_LEVELS: frozenset[str] = frozenset(Visibility.values)
# What moderators and representatives of verified institutions may see; also the level of
# `rank_experts` on the command line and of pool-wide assignment.
MODERATOR_LEVELS: frozenset[str] = frozenset(
    {Visibility.PUBLIC, Visibility.MEMBERS, Visibility.INSTITUTIONS}
)


def levels_for(
    viewer: Any, expert: ExpertProfile | None = None, levels: frozenset[str] | None = None
) -> frozenset[str]:
    """What `viewer` may read of an expert's sensitive fields; everything of their own.
    `levels`, when given, says it outright (a reader who is a side, not a person)."""
    if levels is not None:
        return levels
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in and expert is not None and expert.user_id == viewer.pk:
        return ALL_LEVELS
    return viewer_levels(viewer)


@dataclass(frozen=True, slots=True)
class ExpertMatch:
    ranked: RankedExpert
    profile: ExpertProfile


@dataclass(frozen=True, slots=True)
class NeedMatch:
    ranked: RankedNeed
    need: Need


def need_for_doc(need: Need) -> NeedDoc:
    """The need's document, from the database as it is now (its relations: three queries)."""
    prefetch_related_objects([need], "disciplines", "keywords", "languages")
    return adapter.need_doc(need)


def expert_for_doc(expert: ExpertProfile) -> ExpertDoc:
    docs = adapter.expert_docs_by_id([expert.pk])
    return docs[expert.pk] if expert.pk in docs else adapter.expert_doc(expert)


# --- Experts for a need -------------------------------------------------------------------


def expert_matches(
    *, need: Need, levels: frozenset[str], limit: int = 20, exclude: Iterable[int] = ()
) -> list[ExpertMatch]:
    """The best experts for `need` as read at `levels`, with their profiles (and users)."""
    doc = need_for_doc(need)
    skip = set(exclude)
    index = adapter.ready_index()
    while True:
        if index is None:
            ranked = fallback_rank_experts(doc, levels=levels, limit=limit, exclude=skip)
        else:
            ranked = index.rank_experts(
                doc, visible_levels=levels, limit=limit, exclude=frozenset(skip)
            )
        profiles = (
            ExpertProfile.objects.listed()
            .select_related("user")
            .in_bulk([r.expert_id for r in ranked])
        )
        gone = [r.expert_id for r in ranked if r.expert_id not in profiles]
        if not gone or index is None:
            break
        index.remove_experts(gone)
        skip.update(gone)
    return [ExpertMatch(r, profiles[r.expert_id]) for r in ranked if r.expert_id in profiles]


def rank_experts_for_need(
    *,
    need: Need,
    viewer: Any = None,
    levels: frozenset[str] | None = None,
    limit: int = 20,
    exclude: Iterable[int] = (),
) -> list[RankedExpert]:
    matches = expert_matches(
        need=need, levels=levels_for(viewer, levels=levels), limit=limit, exclude=exclude
    )
    return [m.ranked for m in matches]


# --- Needs for an expert ------------------------------------------------------------------


def need_matches(
    *, expert: ExpertProfile, levels: frozenset[str], limit: int = 20, exclude: Iterable[int] = ()
) -> list[NeedMatch]:
    """The best open needs for `expert` as read at `levels`, with their institutions."""
    doc = expert_for_doc(expert)
    skip = set(exclude)
    index = adapter.ready_index()
    while True:
        if index is None:
            ranked = fallback_rank_needs(doc, levels=levels, limit=limit, exclude=skip)
        else:
            ranked = index.rank_needs(
                doc, visible_levels=levels, limit=limit, exclude=frozenset(skip)
            )
        needs = (
            Need.objects.open().select_related("institution").in_bulk([r.need_id for r in ranked])
        )
        gone = [r.need_id for r in ranked if r.need_id not in needs]
        if not gone or index is None:
            break
        index.remove_needs(gone)
        skip.update(gone)
    return [NeedMatch(r, needs[r.need_id]) for r in ranked if r.need_id in needs]


def rank_needs_for_expert(
    *, expert: ExpertProfile, viewer: Any, limit: int = 20
) -> list[RankedNeed]:
    matches = need_matches(expert=expert, levels=levels_for(viewer, expert), limit=limit)
    return [m.ranked for m in matches]


# --- One pair -----------------------------------------------------------------------------


def score_for(
    *, need: Need, expert: ExpertProfile, viewer: Any = None, levels: frozenset[str] | None = None
) -> RankedExpert | None:
    """The score and reasons of one pair as `viewer` may read them (a proposal's snapshot);
    None when the expert lacks a required language."""
    need_doc, expert_doc = need_for_doc(need), expert_for_doc(expert)
    index = adapter.ready_index()
    if index is None:
        # Text relevance needs a corpus: the need's prefiltered candidates, as the
        # fallback ranking shown meanwhile uses.
        index = _fallback_expert_index(need_doc, extra=[expert_doc])
    return index.score_pair(need_doc, expert_doc, visible_levels=levels_for(viewer, expert, levels))


# --- While the index is being built -------------------------------------------------------


def _scratch_index(experts: Iterable[ExpertDoc], needs: Iterable[NeedDoc] = ()) -> MatchingIndex:
    index = MatchingIndex(Weights.from_settings())
    index.upsert_experts(experts)
    index.upsert_needs(needs)
    return index


def _fallback_limit() -> int:
    return int(getattr(settings, "MATCHING_FALLBACK_CANDIDATES", 2000))


def fallback_candidates(need: NeedDoc, *, exclude: Iterable[int] = ()) -> list[int]:
    """The database's coarse ranking: listed experts who speak every required language,
    those sharing the most keywords (counted twice) and disciplines with the need first, at
    most `settings.MATCHING_FALLBACK_CANDIDATES` (default 2,000)."""
    listed = ExpertProfile.objects.listed().exclude(pk__in=list(exclude))
    for code in sorted(need.required_languages):
        listed = listed.filter(languages__code=code)
    limit = _fallback_limit()
    if not need.keywords and not need.disciplines:
        return list(listed.order_by("pk").values_list("pk", flat=True)[:limit])
    shared: Counter[int] = Counter()
    for relation, field, values, weight in (
        (ExpertProfile.keywords.through, "keyword__name", need.keywords, 2),
        (ExpertProfile.disciplines.through, "discipline__code", need.disciplines, 1),
    ):
        if not values:
            continue
        rows = (
            relation.objects.filter(**{f"{field}__in": sorted(values)}, expertprofile__in=listed)
            .values("expertprofile_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "expertprofile_id")[:limit]
        )
        for row in rows:
            shared[row["expertprofile_id"]] += weight * row["n"]
    best = sorted(shared.items(), key=lambda item: (-item[1], item[0]))
    return [pk for pk, _count in best[:limit]]


def _fallback_expert_index(
    need: NeedDoc, *, exclude: Iterable[int] = (), extra: Iterable[ExpertDoc] = ()
) -> MatchingIndex:
    """A scratch index of the need's `fallback_candidates` (and `extra` documents)."""
    docs = adapter.expert_docs_by_id(fallback_candidates(need, exclude=exclude))
    return _scratch_index([*docs.values(), *extra])


def fallback_rank_experts(
    need: NeedDoc, *, levels: frozenset[str], limit: int, exclude: Iterable[int] = ()
) -> list[RankedExpert]:
    """Exact scoring of a database prefilter (see `_fallback_expert_index`), used while the
    index is being built."""
    index = _fallback_expert_index(need, exclude=exclude)
    return index.rank_experts(need, visible_levels=levels, limit=limit)


def fallback_rank_needs(
    expert: ExpertDoc, *, levels: frozenset[str], limit: int, exclude: Iterable[int] = ()
) -> list[RankedNeed]:
    """Exact scoring of the open needs that share a discipline or a keyword with the expert."""
    qs = Need.objects.open().exclude(pk__in=list(exclude))
    if expert.disciplines or expert.keywords:
        qs = qs.filter(
            Q(disciplines__code__in=expert.disciplines) | Q(keywords__name__in=expert.keywords)
        )
    ids = list(qs.order_by("pk").values_list("pk", flat=True).distinct()[: _fallback_limit()])
    needs = adapter.need_docs(Need(pk=pk) for pk in ids)
    index = _scratch_index([expert], needs)
    return index.rank_needs(expert, visible_levels=levels, limit=limit)
