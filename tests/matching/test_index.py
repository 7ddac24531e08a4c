"""MatchingIndex: who ranks, freshness without rebuilds, both directions agree, threads."""

import dataclasses
import random
import threading
from collections.abc import Iterable, Sequence

import pytest

from diaspora.matching import index as index_module
from diaspora.matching.documents import ExpertDoc, NeedDoc
from diaspora.matching.index import MatchingIndex
from diaspora.matching.scoring import INSTITUTION_LEVELS, RankedExpert, RankedNeed
from diaspora.matching.weights import Weights
from tests.matching.test_scoring import (
    INSTITUTIONS,
    MEMBERS,
    OWNER,
    make_expert_doc,
    make_need_doc,
)


def build(experts: Iterable[ExpertDoc] = (), needs: Iterable[NeedDoc] = ()) -> MatchingIndex:
    index = MatchingIndex(Weights())
    index.upsert_experts(experts)
    index.upsert_needs(needs)
    return index


def ids(ranked: Sequence[RankedExpert | RankedNeed]) -> list[int]:
    return [r.expert_id if isinstance(r, RankedExpert) else r.need_id for r in ranked]


def test_an_empty_index_ranks_nothing() -> None:
    index = build()
    assert index.rank_experts(make_need_doc(), visible_levels=INSTITUTIONS) == []
    assert index.rank_needs(make_expert_doc(1), visible_levels=INSTITUTIONS) == []
    assert index.expert_count == index.need_count == 0


def test_unlisted_experts_never_rank() -> None:
    index = build([make_expert_doc(1), make_expert_doc(2, is_listed=False)])
    assert ids(index.rank_experts(make_need_doc(), visible_levels=OWNER)) == [1]
    index.upsert_experts([make_expert_doc(1, is_listed=False)])
    assert index.rank_experts(make_need_doc(), visible_levels=OWNER) == []
    assert index.expert_count == 2


def test_exclude_leaves_experts_out() -> None:
    index = build([make_expert_doc(i) for i in (1, 2, 3)])
    ranked = index.rank_experts(
        make_need_doc(), visible_levels=INSTITUTIONS, exclude=frozenset({2, 99})
    )
    assert ids(ranked) == [1, 3]


def test_limit_keeps_the_best_and_ties_go_to_the_lower_id() -> None:
    index = build([make_expert_doc(i) for i in (5, 3, 9, 1, 7)])
    assert ids(index.rank_experts(make_need_doc(), visible_levels=INSTITUTIONS, limit=3)) == [
        1,
        3,
        5,
    ]
    index.upsert_experts(
        [make_expert_doc(9, hours_left=50, invitations_received=4, invitations_answered=4)]
    )
    assert ids(index.rank_experts(make_need_doc(), visible_levels=INSTITUTIONS, limit=2)) == [9, 1]
    assert index.rank_experts(make_need_doc(), visible_levels=INSTITUTIONS, limit=0) == []


def test_an_edit_re_ranks_without_a_rebuild() -> None:
    need = make_need_doc(text="Malaria vaccine trials", keywords=frozenset({"malaria"}))
    index = build(
        [
            make_expert_doc(1, text="Malaria vaccine trials. Field epidemiology."),
            make_expert_doc(2, text="Bridges and concrete."),
        ]
    )
    postings = index._expert_postings
    assert ids(index.rank_experts(need, visible_levels=INSTITUTIONS)) == [1, 2]
    index.upsert_experts(
        [
            make_expert_doc(1, text="Bridges and concrete."),
            make_expert_doc(2, text="Malaria vaccine trials. Field epidemiology."),
        ]
    )
    assert index._expert_postings is postings  # appended to, not rebuilt
    ranked = index.rank_experts(need, visible_levels=INSTITUTIONS)
    assert ids(ranked) == [2, 1]
    assert index.expert_count == 2
    # The old text no longer counts: expert 1 gets no text reason.
    assert not [r for r in ranked[1].reasons if r.code == "text"]


def test_remove_removes() -> None:
    index = build([make_expert_doc(1), make_expert_doc(2)], [make_need_doc(1), make_need_doc(2)])
    index.remove_experts([1, 404])
    index.remove_needs([2])
    assert ids(index.rank_experts(make_need_doc(), visible_levels=INSTITUTIONS)) == [2]
    assert ids(index.rank_needs(make_expert_doc(5), visible_levels=INSTITUTIONS)) == [1]
    assert (index.expert_count, index.need_count) == (1, 1)
    index.upsert_experts([make_expert_doc(1)])
    assert ids(index.rank_experts(make_need_doc(), visible_levels=INSTITUTIONS)) == [1, 2]


def test_rank_needs_ranks_open_needs_only() -> None:
    needs = [
        make_need_doc(1, status="open"),
        make_need_doc(2, status="draft"),
        make_need_doc(3, status="in_progress"),
        make_need_doc(4, status="open", text="Malaria vaccine trials"),
        make_need_doc(5, status="open", required_languages=frozenset({"sw"})),
    ]
    expert = make_expert_doc(1, text="Malaria vaccine trials")
    # Word weights (idf) come from the experts' texts, so the index holds some.
    index = build([expert, make_expert_doc(2, text="Bridges and concrete")], needs)
    assert ids(index.rank_needs(expert, visible_levels=OWNER)) == [4, 1]
    assert ids(index.rank_needs(expert, visible_levels=OWNER, exclude=frozenset({4}))) == [1]
    index.upsert_needs([make_need_doc(4, status="closed")])
    assert ids(index.rank_needs(expert, visible_levels=OWNER)) == [1]


def _world() -> tuple[list[ExpertDoc], list[NeedDoc]]:
    rng = random.Random(5)
    words = ["malaria", "vaccine", "sepsis", "newborn", "soil", "maize", "bridges", "python"]
    experts = [
        make_expert_doc(
            i,
            text=" ".join(rng.choices(words, k=rng.randint(3, 12))) + ". Teaching.",
            keywords=frozenset(rng.sample(words, 2)),
            disciplines=frozenset(rng.sample(["3.3", "3.2", "4.1", "1.2"], 1)),
            languages={"fr": rng.choice(["native", "basic"]), "wo": "fluent"}
            if i % 2
            else {"en": "native"},
            origin_country=rng.choice(["SN", "GM", "GH", "FR", ""]),
            origin_visibility=rng.choice(["public", "institutions", "hidden"]),
            residence_country=rng.choice(["SN", "FR", ""]),
            residence_visibility=rng.choice(["public", "hidden"]),
            utc_offset=rng.choice([None, 0.0, 1.0, -5.0]),
            engagement_types=frozenset(rng.sample(["course", "mentoring", "lecture"], 2)),
            modes=frozenset(rng.sample(["online", "onsite", "hybrid"], rng.randint(0, 2))),
            willing_to_travel=rng.random() < 0.3,
            hours_left=rng.randint(0, 10),
            mentee_slots_left=rng.randint(0, 2),
            invitations_received=(received := rng.randint(0, 5)),
            invitations_answered=rng.randint(0, received),
        )
        for i in range(1, 41)
    ]
    needs = [
        make_need_doc(
            n,
            text=" ".join(rng.choices(words, k=6)),
            keywords=frozenset(rng.sample(words, 3)),
            disciplines=frozenset(rng.sample(["3.3", "3", "4.1"], 1)),
            engagement_type=rng.choice(["course", "mentoring", "lecture"]),
            mode=(mode := rng.choice(["online", "onsite", "hybrid"])),
            location_country="" if mode == "online" else rng.choice(["SN", "FR"]),
            required_languages=frozenset(rng.sample(["fr", "en"], rng.randint(0, 1))),
            preferred_languages=frozenset({"wo"}),
            utc_offset=rng.choice([None, 0.0]),
            monthly_hours=rng.choice([0.0, 2.0, 6.0]),
        )
        for n in range(1, 11)
    ]
    return experts, needs


@pytest.mark.parametrize("levels", [MEMBERS, INSTITUTIONS, OWNER])
def test_both_directions_and_score_pair_agree(levels: frozenset[str]) -> None:
    experts, needs = _world()
    index = build(experts, needs)
    by_pair = {}
    for need in needs:
        for ranked in index.rank_experts(need, visible_levels=levels, limit=100):
            by_pair[(need.id, ranked.expert_id)] = ranked
            assert ranked.score == pytest.approx(sum(r.contribution for r in ranked.reasons))
    for expert in experts:
        for ranked_need in index.rank_needs(expert, visible_levels=levels, limit=100):
            other = by_pair[(ranked_need.need_id, expert.id)]
            assert ranked_need.score == pytest.approx(other.score, abs=2e-3)
            assert [r.text() for r in ranked_need.reasons] == [r.text() for r in other.reasons]
    need, expert = needs[0], experts[0]
    pair = index.score_pair(need, expert, visible_levels=levels)
    if (need.id, expert.id) in by_pair:
        assert pair is not None
        assert pair.score == by_pair[(need.id, expert.id)].score
        assert pair.reasons == by_pair[(need.id, expert.id)].reasons
    else:
        assert pair is None
    assert len({key[0] for key in by_pair}) == len(needs)


def test_score_pair_filters_a_missing_required_language_but_scores_an_unlisted_expert() -> None:
    index = build([make_expert_doc(1)])
    need = make_need_doc(required_languages=frozenset({"sw"}))
    assert index.score_pair(need, make_expert_doc(2), visible_levels=INSTITUTIONS) is None
    unlisted = make_expert_doc(3, is_listed=False, text="Never indexed: cholera")
    scored = index.score_pair(make_need_doc(), unlisted, visible_levels=INSTITUTIONS)
    assert scored is not None and scored.expert_id == 3


def test_candidate_experts_read_as_a_verified_institution() -> None:
    need = make_need_doc(institution_country="SN")
    index = build(
        [
            make_expert_doc(1, origin_country="SN", origin_visibility="institutions"),
            make_expert_doc(2, origin_country="SN", origin_visibility="hidden"),
        ]
    )
    [first, second] = index.candidate_experts(need, k=2)
    # The hidden origin counts for nothing: only the visible one earns the diaspora link.
    assert (first.expert_id, second.expert_id) == (1, 2)
    assert first.score > second.score
    assert first.reasons == second.reasons == ()
    explained = index.rank_experts(need, visible_levels=INSTITUTION_LEVELS, limit=2)
    assert [r.score for r in explained] == pytest.approx([first.score, second.score], abs=0.01)


def test_compaction_and_bulk_loading_give_the_same_ranking(monkeypatch: pytest.MonkeyPatch) -> None:
    experts, needs = _world()
    one_by_one = MatchingIndex(Weights())
    for expert in experts:
        one_by_one.upsert_experts([expert])
    for expert in experts[:10]:  # leave tombstones behind
        one_by_one.upsert_experts([dataclasses.replace(expert, hours_left=expert.hours_left)])
    one_by_one.remove_experts([experts[-1].id])
    one_by_one.upsert_needs(needs)
    one_by_one.compact()
    assert one_by_one._experts.size == one_by_one.expert_count == len(experts) - 1

    monkeypatch.setattr(index_module, "BULK_MIN", 1)
    bulk = build(experts[:-1], needs)
    for need in needs:
        a = one_by_one.rank_experts(need, visible_levels=INSTITUTIONS, limit=100)
        b = bulk.rank_experts(need, visible_levels=INSTITUTIONS, limit=100)
        assert [(r.expert_id, r.score, r.reasons) for r in a] == [
            (r.expert_id, r.score, r.reasons) for r in b
        ]


def test_tombstones_are_compacted_by_themselves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "COMPACT_MIN", 3)
    index = build([make_expert_doc(i) for i in range(1, 21)])
    for _ in range(3):
        index.upsert_experts([make_expert_doc(i, hours_left=3) for i in (1, 2)])
    assert index._experts.size - index.expert_count <= 3 + 2
    assert index.expert_count == 20
    assert len(index.rank_experts(make_need_doc(), visible_levels=INSTITUTIONS, limit=50)) == 20


def test_concurrent_upserts_and_ranks() -> None:
    experts, needs = _world()
    index = build(experts, needs)
    errors: list[BaseException] = []
    stop = threading.Event()

    def write() -> None:
        rng = random.Random(1)
        try:
            for round_ in range(150):
                expert = rng.choice(experts)
                index.upsert_experts([dataclasses.replace(expert, hours_left=round_ % 11)])
                if round_ % 10 == 0:
                    index.remove_experts([expert.id])
                    index.upsert_experts([expert])
                index.upsert_needs([rng.choice(needs)])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            stop.set()

    def read() -> None:
        rng = random.Random(2)
        try:
            while not stop.is_set():
                ranked = index.rank_experts(rng.choice(needs), visible_levels=OWNER, limit=50)
                assert len({r.expert_id for r in ranked}) == len(ranked)
                assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
                index.rank_needs(rng.choice(experts), visible_levels=OWNER)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert index.expert_count == len(experts)
    assert len(index.rank_experts(needs[0], visible_levels=OWNER, limit=100)) > 0
