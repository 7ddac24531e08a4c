"""Pool-wide assignment: experts proposed for a batch of open needs at once.

A programme office running a call wants each need to get the experts it asks for, without
giving any expert more than they can take, and with the best total fit. That is a maximum
weight b-matching, solved exactly as a min-cost flow (OR-Tools `SimpleMinCostFlow`):

    source ─(experts wanted)→ need ─(1, -score)→ expert ─(capacity)→ sink
                                   └(1, -score)→ expert's mentee slots ─(slots)→ expert
    source ─(everything, cost 0)→ sink      (a need may stay uncovered)

Scores are scaled to integers (`SCALE`); only positive scores get an arc. Because leaving
flow on the bypass arc costs nothing, the cheapest flow is the assignment with the highest
total score, not the one that covers most needs.

Candidates come from the index: each need's `k` best experts (at the institutions level of
visibility, as a programme office sees them).

**Capacity rule** (how many needs of the batch one expert may take):

- an expert gets an arc to a need only if the need's monthly hours fit in their hours left;
- capacity = hours left // the largest monthly hours (at least 1) among the needs they are a
  candidate for, so any set of needs the solver gives them fits in their hours;
- mentoring and supervision needs each also take one mentee slot, and those needs pass
  through a node whose capacity is the expert's mentee slots left;
- never below 0. An expert with no hours left takes nothing.

The first part (`plan_assignment`, `solve`) is pure: plain data in, plain data out, so the
benchmark runs it without a database. `suggest_assignments` reads the batch from the
database and proposes; it writes nothing.
"""

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from ortools.graph.python import min_cost_flow

from diaspora.matching.documents import ExpertDoc, NeedDoc

if TYPE_CHECKING:
    from diaspora.matching.index import MatchingIndex
    from diaspora.needs.models import Need
    from diaspora.people.models import ExpertProfile

# Scores are floats; the solver wants integers. Three decimals are more than enough.
SCALE = 1000
DEFAULT_CANDIDATES = 30
MENTEE_KINDS = frozenset({"mentoring", "supervision"})


@dataclass(frozen=True, slots=True)
class Candidate:
    expert_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Problem:
    """One batch, ready for the solver.

    `wanted[need]`: experts the need still wants; `candidates[need]`: who may take it and the
    score; `capacity[expert]`: how many needs of the batch the expert may take;
    `mentee_slots[expert]` and `mentee_needs`: the needs that also take a mentee slot.
    """

    wanted: Mapping[int, int]
    candidates: Mapping[int, Sequence[Candidate]]
    capacity: Mapping[int, int]
    mentee_slots: Mapping[int, int] = field(default_factory=dict)
    mentee_needs: frozenset[int] = frozenset()


def solve(problem: Problem) -> dict[int, list[Candidate]]:
    """The assignment with the highest total score: need id -> experts, best first."""
    need_ids = [n for n, w in problem.wanted.items() if w > 0 and problem.candidates.get(n)]
    if not need_ids:
        return {}
    node = {"source": 0, "sink": 1}
    next_node = 2
    need_node: dict[int, int] = {}
    expert_node: dict[int, int] = {}
    mentee_node: dict[int, int] = {}
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    # Arcs from a need to an expert (or to the expert's mentee node), kept to read the flow.
    pair_arcs: list[tuple[int, Candidate, int]] = []

    def arc(tail: int, head: int, capacity: int, cost: int) -> int:
        tails.append(tail)
        heads.append(head)
        caps.append(capacity)
        costs.append(cost)
        return len(tails) - 1

    total_wanted = 0
    for need_id in need_ids:
        need_node[need_id] = next_node
        next_node += 1
        total_wanted += problem.wanted[need_id]
        arc(node["source"], need_node[need_id], problem.wanted[need_id], 0)
    for need_id in need_ids:
        mentee = need_id in problem.mentee_needs
        for cand in problem.candidates[need_id]:
            points = round(cand.score * SCALE)
            if points <= 0 or problem.capacity.get(cand.expert_id, 0) <= 0:
                continue
            if mentee and problem.mentee_slots.get(cand.expert_id, 0) <= 0:
                continue
            if cand.expert_id not in expert_node:
                expert_node[cand.expert_id] = next_node
                next_node += 1
                arc(expert_node[cand.expert_id], node["sink"], problem.capacity[cand.expert_id], 0)
            head = expert_node[cand.expert_id]
            if mentee:
                if cand.expert_id not in mentee_node:
                    mentee_node[cand.expert_id] = next_node
                    next_node += 1
                    arc(mentee_node[cand.expert_id], head, problem.mentee_slots[cand.expert_id], 0)
                head = mentee_node[cand.expert_id]
            pair_arcs.append((need_id, cand, arc(need_node[need_id], head, 1, -points)))
    if not pair_arcs:
        return {}
    # Flow that is not worth placing goes straight to the sink at no cost.
    arc(node["source"], node["sink"], total_wanted, 0)

    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supplies = np.zeros(next_node, dtype=np.int64)
    supplies[node["source"]] = total_wanted
    supplies[node["sink"]] = -total_wanted
    smcf.set_nodes_supplies(np.arange(next_node, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow did not solve: status {status}")
    flows = smcf.flows(np.array([a for _n, _c, a in pair_arcs], dtype=np.int32))
    chosen: dict[int, list[Candidate]] = {}
    for (need_id, cand, _arc), flow in zip(pair_arcs, flows, strict=True):
        if flow > 0:
            chosen.setdefault(need_id, []).append(cand)
    for experts in chosen.values():
        experts.sort(key=lambda c: (-c.score, c.expert_id))
    return chosen


def expert_capacity(expert: ExpertDoc, hours: Iterable[float]) -> int:
    """How many needs of the batch this expert may take (see the module's capacity rule)."""
    unit = max((max(1.0, h) for h in hours), default=1.0)
    return max(0, math.floor(expert.hours_left / unit))


def fits(expert: ExpertDoc, need: NeedDoc) -> bool:
    if need.monthly_hours > expert.hours_left:
        return False
    return need.engagement_type not in MENTEE_KINDS or expert.mentee_slots_left > 0


@dataclass(frozen=True, slots=True)
class NeedOutcome:
    need: NeedDoc
    wanted: int
    experts: tuple[Candidate, ...]

    @property
    def coverage(self) -> str:
        if self.wanted <= 0 or len(self.experts) >= self.wanted:
            return "full"
        return "partial" if self.experts else "none"


@dataclass(frozen=True, slots=True)
class Plan:
    outcomes: tuple[NeedOutcome, ...]
    total_score: float
    seconds: float  # in all
    candidates_considered: int
    ranking_seconds: float = 0.0  # of which: each need's candidates from the index
    solving_seconds: float = 0.0  # of which: the min-cost flow

    def count(self, coverage: str) -> int:
        return sum(1 for o in self.outcomes if o.coverage == coverage)

    @property
    def fully(self) -> int:
        return self.count("full")

    @property
    def partly(self) -> int:
        return self.count("partial")

    @property
    def uncovered(self) -> int:
        return self.count("none")


def plan_assignment(
    *,
    index: "MatchingIndex",
    needs: Sequence[NeedDoc],
    experts: Callable[[Iterable[int]], Mapping[int, ExpertDoc]],
    k: int = DEFAULT_CANDIDATES,
    already: Mapping[int, int] | None = None,
    exclude: Mapping[int, frozenset[int]] | None = None,
) -> Plan:
    """Propose experts for `needs`.

    `experts(ids)` returns the documents of those experts (for their hours and mentee slots);
    `already[need]` counts experts the need already has (matched), `exclude[need]` the ones
    it must not be offered again (matched, or with a proposal waiting).
    """
    started = time.perf_counter()
    already = already or {}
    exclude = exclude or {}
    wanted = {n.id: max(0, n.experts_wanted - already.get(n.id, 0)) for n in needs}
    ranked: dict[int, list[Candidate]] = {}
    for need in needs:
        if wanted[need.id] <= 0:
            continue
        skip = exclude.get(need.id, frozenset())
        ranked[need.id] = [
            Candidate(r.expert_id, r.score)
            for r in index.candidate_experts(need, k=k + len(skip))
            if r.expert_id not in skip
        ][:k]
    ranking = time.perf_counter() - started
    docs = experts({c.expert_id for cands in ranked.values() for c in cands})
    by_id = {n.id: n for n in needs}
    candidates: dict[int, list[Candidate]] = {}
    hours: dict[int, list[float]] = {}
    for need_id, cands in ranked.items():
        need = by_id[need_id]
        kept = [c for c in cands if c.expert_id in docs and fits(docs[c.expert_id], need)]
        candidates[need_id] = kept
        for c in kept:
            hours.setdefault(c.expert_id, []).append(need.monthly_hours)
    problem = Problem(
        wanted=wanted,
        candidates=candidates,
        capacity={e: expert_capacity(docs[e], h) for e, h in hours.items()},
        mentee_slots={e: docs[e].mentee_slots_left for e in hours},
        mentee_needs=frozenset(n.id for n in needs if n.engagement_type in MENTEE_KINDS),
    )
    solving = time.perf_counter()
    chosen = solve(problem)
    solving = time.perf_counter() - solving
    outcomes = tuple(
        NeedOutcome(need=n, wanted=wanted[n.id], experts=tuple(chosen.get(n.id, ()))) for n in needs
    )
    return Plan(
        outcomes=outcomes,
        total_score=sum(c.score for o in outcomes for c in o.experts),
        seconds=time.perf_counter() - started,
        candidates_considered=sum(len(c) for c in candidates.values()),
        ranking_seconds=ranking,
        solving_seconds=solving,
    )


# --- From the database -------------------------------------------------------------------


class IndexNotReady(Exception):
    """The process's index is still being built."""


@dataclass(frozen=True, slots=True)
class Report:
    """A plan with the rows needed to show it (needs and experts by id)."""

    plan: Plan
    needs: Mapping[int, "Need"]
    experts: Mapping[int, "ExpertProfile"]

    def as_dict(self) -> dict:
        plan = self.plan
        return {
            "needs": len(plan.outcomes),
            "covered_fully": plan.fully,
            "covered_partly": plan.partly,
            "not_covered": plan.uncovered,
            "total_score": round(plan.total_score, 4),
            "assignments": [
                {
                    "need": {
                        "id": o.need.id,
                        "title": o.need.title,
                        "institution": o.need.institution_name,
                    },
                    "wanted": o.wanted,
                    "coverage": o.coverage,
                    "experts": [
                        {
                            "id": c.expert_id,
                            "name": self.expert_name(c.expert_id),
                            "score": round(c.score, 4),
                        }
                        for c in o.experts
                    ],
                }
                for o in plan.outcomes
            ],
        }

    def expert_name(self, expert_id: int) -> str:
        profile = self.experts.get(expert_id)
        return profile.user.display_name if profile is not None else ""


def suggest_assignments(
    *,
    need_ids: Sequence[int] | None = None,
    limit: int | None = None,
    k: int = DEFAULT_CANDIDATES,
    wait: bool = True,
) -> Report:
    """Propose experts for open needs: those named, or all open ones (the oldest first,
    at most `limit`). Writes nothing.

    Needs the whole index (the prefilter fallback would not be pool-wide): with `wait` it
    waits for the first build, else raises `IndexNotReady` while it runs (pages)."""
    from diaspora.matches.models import Match, Proposal, ProposalStatus
    from diaspora.matching import adapter
    from diaspora.needs.models import Need
    from diaspora.people.models import ExpertProfile

    index = adapter.get_index() if wait else adapter.ready_index()
    if index is None:
        raise IndexNotReady

    needs_qs = Need.objects.open().select_related("institution").order_by("created_at", "pk")
    if need_ids is not None:
        needs_qs = needs_qs.filter(pk__in=need_ids)
    if limit is not None:
        needs_qs = needs_qs[:limit]
    needs = {n.pk: n for n in needs_qs}
    docs = adapter.need_docs(needs.values())
    already: dict[int, int] = {}
    exclude: dict[int, set[int]] = {}
    for need_id, expert_id in Match.objects.filter(need_id__in=needs).values_list(
        "need_id", "expert_id"
    ):
        already[need_id] = already.get(need_id, 0) + 1
        exclude.setdefault(need_id, set()).add(expert_id)
    for need_id, expert_id in Proposal.objects.filter(
        need_id__in=needs, status=ProposalStatus.PENDING
    ).values_list("need_id", "expert_id"):
        exclude.setdefault(need_id, set()).add(expert_id)
    plan = plan_assignment(
        index=index,
        needs=docs,
        experts=adapter.expert_docs_by_id,
        k=k,
        already=already,
        exclude={n: frozenset(ids) for n, ids in exclude.items()},
    )
    chosen = {c.expert_id for o in plan.outcomes for c in o.experts}
    experts = ExpertProfile.objects.select_related("user").in_bulk(chosen)
    return Report(plan=plan, needs=needs, experts=experts)
