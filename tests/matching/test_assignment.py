import itertools
import random
from collections.abc import Callable, Iterable, Mapping

import pytest

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.matches.models import Match, Proposal, ProposalKind, ProposalStatus
from diaspora.matching.assignment import (
    Candidate,
    Problem,
    expert_capacity,
    plan_assignment,
    solve,
    suggest_assignments,
)
from diaspora.matching.documents import ExpertDoc, NeedDoc
from diaspora.needs.models import Need, NeedStatus
from diaspora.people.models import ExpertProfile


def total(chosen: Mapping[int, list[Candidate]]) -> float:
    return sum(c.score for cands in chosen.values() for c in cands)


def load(chosen: Mapping[int, list[Candidate]]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for cands in chosen.values():
        for c in cands:
            counts[c.expert_id] = counts.get(c.expert_id, 0) + 1
    return counts


def brute_force(problem: Problem) -> float:
    """The best total over every subset of (need, expert) pairs that keeps the limits."""
    pairs = [(n, c) for n, cands in problem.candidates.items() for c in cands if c.score > 0]
    best = 0.0
    for size in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, size):
            per_need: dict[int, int] = {}
            per_expert: dict[int, int] = {}
            mentee: dict[int, int] = {}
            for n, c in subset:
                per_need[n] = per_need.get(n, 0) + 1
                per_expert[c.expert_id] = per_expert.get(c.expert_id, 0) + 1
                if n in problem.mentee_needs:
                    mentee[c.expert_id] = mentee.get(c.expert_id, 0) + 1
            if any(v > problem.wanted[n] for n, v in per_need.items()):
                continue
            if any(v > problem.capacity.get(e, 0) for e, v in per_expert.items()):
                continue
            if any(v > problem.mentee_slots.get(e, 0) for e, v in mentee.items()):
                continue
            best = max(best, sum(c.score for _n, c in subset))
    return best


def test_it_gives_each_need_its_best_expert_when_nothing_conflicts() -> None:
    problem = Problem(
        wanted={1: 1, 2: 1},
        candidates={1: [Candidate(10, 0.9), Candidate(11, 0.5)], 2: [Candidate(11, 0.8)]},
        capacity={10: 1, 11: 1},
    )
    assert solve(problem) == {1: [Candidate(10, 0.9)], 2: [Candidate(11, 0.8)]}


def test_it_respects_an_experts_capacity() -> None:
    # Expert 10 is everybody's favourite but can take one need only.
    problem = Problem(
        wanted={1: 1, 2: 1, 3: 1},
        candidates={
            1: [Candidate(10, 0.9), Candidate(11, 0.3)],
            2: [Candidate(10, 0.8), Candidate(12, 0.6)],
            3: [Candidate(10, 0.7)],
        },
        capacity={10: 1, 11: 1, 12: 1},
    )
    chosen = solve(problem)
    assert load(chosen)[10] == 1
    # 10 -> need 1 would give 0.9 + 0.6 = 1.5; 10 -> need 3 covers all three: 1.6.
    assert chosen == {1: [Candidate(11, 0.3)], 2: [Candidate(12, 0.6)], 3: [Candidate(10, 0.7)]}


def test_it_gives_a_need_no_more_experts_than_it_wants() -> None:
    problem = Problem(
        wanted={1: 2},
        candidates={1: [Candidate(10, 0.9), Candidate(11, 0.8), Candidate(12, 0.7)]},
        capacity={10: 3, 11: 3, 12: 3},
    )
    assert solve(problem) == {1: [Candidate(10, 0.9), Candidate(11, 0.8)]}


def test_it_maximises_the_total_not_the_greedy_choice() -> None:
    # Greedy would give expert 10 to need 1 (0.9) and leave need 2 empty: total 0.9.
    # The optimum gives 10 to need 2 and 11 to need 1: 0.8 + 0.85 = 1.65.
    problem = Problem(
        wanted={1: 1, 2: 1},
        candidates={1: [Candidate(10, 0.9), Candidate(11, 0.8)], 2: [Candidate(10, 0.85)]},
        capacity={10: 1, 11: 1},
    )
    chosen = solve(problem)
    assert chosen == {1: [Candidate(11, 0.8)], 2: [Candidate(10, 0.85)]}
    assert total(chosen) == pytest.approx(1.65)


def test_it_uses_mentee_slots_for_mentoring_needs() -> None:
    # Expert 10 has hours for two needs but one mentee place: one mentoring need at most.
    problem = Problem(
        wanted={1: 1, 2: 1, 3: 1},
        candidates={1: [Candidate(10, 0.9)], 2: [Candidate(10, 0.8)], 3: [Candidate(10, 0.5)]},
        capacity={10: 2},
        mentee_slots={10: 1},
        mentee_needs=frozenset({1, 2}),
    )
    assert solve(problem) == {1: [Candidate(10, 0.9)], 3: [Candidate(10, 0.5)]}


def test_it_assigns_nobody_without_capacity_or_a_positive_score() -> None:
    problem = Problem(
        wanted={1: 2},
        candidates={1: [Candidate(10, 0.9), Candidate(11, 0.0), Candidate(12, 0.7)]},
        capacity={10: 0, 11: 1, 12: 1},
    )
    assert solve(problem) == {1: [Candidate(12, 0.7)]}
    assert solve(Problem(wanted={1: 1}, candidates={}, capacity={})) == {}


@pytest.mark.parametrize("seed", range(12))
def test_it_finds_the_same_best_total_as_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    needs = range(1, rng.randint(2, 4) + 1)
    experts = range(10, 10 + rng.randint(2, 4))
    candidates = {
        n: [Candidate(e, round(rng.uniform(-0.1, 1), 3)) for e in experts if rng.random() < 0.7]
        for n in needs
    }
    problem = Problem(
        wanted={n: rng.randint(1, 2) for n in needs},
        candidates=candidates,
        capacity={e: rng.randint(0, 2) for e in experts},
        mentee_slots={e: rng.randint(0, 1) for e in experts},
        mentee_needs=frozenset(n for n in needs if rng.random() < 0.4),
    )
    chosen = solve(problem)
    for n, cands in chosen.items():
        assert len(cands) <= problem.wanted[n]
    for e, count in load(chosen).items():
        assert count <= problem.capacity[e]
    assert total(chosen) == pytest.approx(brute_force(problem), abs=1e-6)


# --- Capacity from documents ---------------------------------------------------------------


def expert(pk: int, *, hours_left: int = 10, mentee_slots_left: int = 0) -> ExpertDoc:
    return ExpertDoc(
        id=pk,
        name=f"E{pk}",
        text="",
        keywords=frozenset(),
        disciplines=frozenset(),
        languages={},
        origin_country="",
        origin_visibility="public",
        residence_country="",
        residence_visibility="public",
        utc_offset=None,
        engagement_types=frozenset(),
        modes=frozenset(),
        willing_to_travel=False,
        hours_left=hours_left,
        mentee_slots_left=mentee_slots_left,
        invitations_received=0,
        invitations_answered=0,
        is_listed=True,
    )


def need(pk: int, *, hours: float = 4, wanted: int = 1, kind: str = "lecture") -> NeedDoc:
    return NeedDoc(
        id=pk,
        title=f"N{pk}",
        text="",
        keywords=frozenset(),
        disciplines=frozenset(),
        engagement_type=kind,
        mode="online",
        required_languages=frozenset(),
        preferred_languages=frozenset(),
        institution_id=1,
        institution_name="I",
        institution_country="SN",
        location_country="",
        utc_offset=0.0,
        monthly_hours=hours,
        experts_wanted=wanted,
        status="open",
    )


def test_it_counts_capacity_in_units_of_the_largest_need() -> None:
    assert expert_capacity(expert(1, hours_left=10), [2, 4]) == 2
    assert expert_capacity(expert(1, hours_left=10), [2, 6]) == 1
    assert expert_capacity(expert(1, hours_left=10), [0, 0.5]) == 10
    assert expert_capacity(expert(1, hours_left=0), [0]) == 0


class FakeIndex:
    """`candidate_experts` from a fixed table (the solver's side is what is tested)."""

    def __init__(self, table: Mapping[int, list[tuple[int, float]]]) -> None:
        self.table = table

    def candidate_experts(self, need: NeedDoc, *, k: int) -> list:
        from diaspora.matching.scoring import RankedExpert

        return [RankedExpert(e, s, ()) for e, s in self.table.get(need.id, [])][:k]


def plan(
    needs: list[NeedDoc],
    experts: list[ExpertDoc],
    table: Mapping[int, list[tuple[int, float]]],
    **kwargs: object,
) -> dict[int, list[int]]:
    by_id = {e.id: e for e in experts}

    def lookup(ids: Iterable[int]) -> dict[int, ExpertDoc]:
        return {i: by_id[i] for i in ids}

    result = plan_assignment(
        index=FakeIndex(table),  # type: ignore[arg-type]
        needs=needs,
        experts=lookup,
        **kwargs,  # type: ignore[arg-type]
    )
    return {o.need.id: [c.expert_id for c in o.experts] for o in result.outcomes}


def test_it_keeps_an_expert_within_their_hours() -> None:
    # 10 hours left; the needs take 6 hours each: one of them, the better one.
    needs = [need(1, hours=6), need(2, hours=6)]
    table = {1: [(10, 0.5)], 2: [(10, 0.9)]}
    assert plan(needs, [expert(10, hours_left=10)], table) == {1: [], 2: [10]}
    # 12 hours left: both.
    assert plan(needs, [expert(10, hours_left=12)], table) == {1: [10], 2: [10]}


def test_it_skips_a_need_larger_than_the_hours_left() -> None:
    needs = [need(1, hours=20)]
    assert plan(needs, [expert(10, hours_left=8)], {1: [(10, 0.9)]}) == {1: []}


def test_it_needs_a_mentee_slot_for_mentoring() -> None:
    needs = [need(1, kind="mentoring"), need(2, kind="mentoring")]
    table = {1: [(10, 0.9)], 2: [(10, 0.8)]}
    assert plan(needs, [expert(10, hours_left=20, mentee_slots_left=0)], table) == {1: [], 2: []}
    assert plan(needs, [expert(10, hours_left=20, mentee_slots_left=1)], table) == {
        1: [10],
        2: [],
    }


def test_it_counts_experts_already_matched_and_skips_them() -> None:
    needs = [need(1, wanted=2)]
    table = {1: [(10, 0.9), (11, 0.8), (12, 0.7)]}
    experts = [expert(10), expert(11), expert(12)]
    got = plan(needs, experts, table, already={1: 1}, exclude={1: frozenset({10})})
    assert got == {1: [11]}


def test_it_reports_coverage() -> None:
    by_id = {e.id: e for e in [expert(10, hours_left=4)]}
    result = plan_assignment(
        index=FakeIndex({1: [(10, 0.9)], 2: [(10, 0.8)], 3: []}),  # type: ignore[arg-type]
        needs=[need(1, wanted=1, hours=4), need(2, wanted=2, hours=1), need(3)],
        experts=lambda ids: {i: by_id[i] for i in ids},
    )
    # The expert's 4 hours make one unit of the largest need (4 h): one need only.
    assert [o.coverage for o in result.outcomes] == ["full", "none", "none"]
    assert (result.fully, result.partly, result.uncovered) == (1, 0, 2)
    assert result.total_score == pytest.approx(0.9)
    many = plan_assignment(
        index=FakeIndex({1: [(10, 0.9)]}),  # type: ignore[arg-type]
        needs=[need(1, wanted=2, hours=1)],
        experts=lambda ids: {i: by_id[i] for i in ids},
    )
    assert many.outcomes[0].coverage == "partial"


# --- From the database ---------------------------------------------------------------------


def test_it_proposes_from_the_database(
    make_expert: Callable[..., ExpertProfile],
    make_need: Callable[..., Need],
    institution: Institution,
    moderator: User,
) -> None:
    health = make_expert(
        "Awa Diop",
        disciplines=("3.3",),
        words=("epidemiology", "malaria"),
        headline="Epidemiologist, malaria",
        hours_per_month=10,
        engagement_types=("lecture",),
    )
    maths = make_expert(
        "Kofi Mensah",
        disciplines=("1.1",),
        words=("algebra",),
        headline="Algebraist",
        hours_per_month=10,
        engagement_types=("lecture",),
    )
    malaria = make_need(
        "Malaria epidemiology lectures",
        disciplines=("3.3",),
        words=("malaria", "epidemiology"),
        effort_hours=4,
    )
    algebra = make_need("Algebra course", disciplines=("1.1",), words=("algebra",), effort_hours=4)
    make_need("A draft", disciplines=("1.1",), words=("algebra",), status=NeedStatus.DRAFT)
    report = suggest_assignments()
    got = {o.need.id: [c.expert_id for c in o.experts] for o in report.plan.outcomes}
    assert got[malaria.pk][0] == health.pk
    assert got[algebra.pk][0] == maths.pk
    assert len(got) == 2  # open needs only
    data = report.as_dict()
    assert data["needs"] == 2
    assert data["covered_fully"] == 2
    first = next(a for a in data["assignments"] if a["need"]["id"] == malaria.pk)
    assert first["experts"][0]["name"] == "Awa Diop"

    # A need that has its expert already (matched) is covered and not offered them again;
    # one with a pending invitation is not offered that expert.
    proposal = Proposal.objects.create(
        kind=ProposalKind.INVITATION,
        need=algebra,
        expert=maths,
        sent_by=moderator,
        status=ProposalStatus.ACCEPTED,
        deadline="2030-01-01T00:00Z",
    )
    Match.objects.create(need=algebra, expert=maths, proposal=proposal, score=1)
    Proposal.objects.create(
        kind=ProposalKind.INVITATION,
        need=malaria,
        expert=health,
        sent_by=moderator,
        deadline="2030-01-01T00:00Z",
    )
    report = suggest_assignments(need_ids=[malaria.pk, algebra.pk])
    outcomes = {o.need.id: o for o in report.plan.outcomes}
    assert health.pk not in [c.expert_id for c in outcomes[malaria.pk].experts]
    assert outcomes[algebra.pk].wanted == 0
    assert outcomes[algebra.pk].coverage == "full"
    assert outcomes[algebra.pk].experts == ()


def test_it_limits_the_batch_to_the_oldest_open_needs(make_need: Callable[..., Need]) -> None:
    first = make_need("First")
    make_need("Second")
    report = suggest_assignments(limit=1)
    assert [o.need.id for o in report.plan.outcomes] == [first.pk]


def test_the_documents_it_reads_fit_the_rule(
    make_expert: Callable[..., ExpertProfile], make_need: Callable[..., Need]
) -> None:
    # An expert with 6 hours left cannot take two needs of 4 hours a month each.
    make_expert(
        "Busy", disciplines=("1.1",), words=("algebra",), hours_per_month=8, hours_committed=2
    )
    make_need("One", disciplines=("1.1",), words=("algebra",), effort_hours=4)
    make_need("Two", disciplines=("1.1",), words=("algebra",), effort_hours=4)
    report = suggest_assignments()
    assert sum(len(o.experts) for o in report.plan.outcomes) == 1
    assert report.plan.fully == 1
    assert report.plan.uncovered == 1
