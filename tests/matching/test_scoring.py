"""Scoring: each criterion moves the order the way it should, and every reason is true.

Each test ranks experts who are identical except for the criterion under test. No database.
"""

import dataclasses
from typing import Any

import pytest
from django.utils import translation

from diaspora.matching.documents import ExpertDoc, NeedDoc
from diaspora.matching.index import MatchingIndex
from diaspora.matching.scoring import RankedExpert, Reason
from diaspora.matching.weights import Weights

INSTITUTIONS = frozenset({"public", "members", "institutions"})
MEMBERS = frozenset({"public", "members"})
OWNER = frozenset({"public", "members", "institutions", "hidden"})


def make_expert_doc(expert_id: int, **fields: Any) -> ExpertDoc:
    values: dict[str, Any] = {
        "id": expert_id,
        "name": f"Expert {expert_id}",
        "text": "Researcher. Teaching and writing.",
        "keywords": frozenset(),
        "disciplines": frozenset(),
        "languages": {"fr": "fluent"},
        "origin_country": "",
        "origin_visibility": "public",
        "residence_country": "",
        "residence_visibility": "public",
        "utc_offset": None,
        "engagement_types": frozenset(),
        "modes": frozenset({"online"}),
        "willing_to_travel": False,
        "hours_left": 10,
        "mentee_slots_left": 0,
        "invitations_received": 0,
        "invitations_answered": 0,
        "is_listed": True,
    }
    values.update(fields)
    return ExpertDoc(**values)


def make_need_doc(need_id: int = 1, **fields: Any) -> NeedDoc:
    values: dict[str, Any] = {
        "id": need_id,
        "title": "A need",
        "text": "A need. Help wanted.",
        "keywords": frozenset(),
        "disciplines": frozenset(),
        "engagement_type": "lecture",
        "mode": "online",
        "required_languages": frozenset(),
        "preferred_languages": frozenset(),
        "institution_id": 1,
        "institution_name": "Université Cheikh Anta Diop",
        "institution_country": "SN",
        "location_country": "",
        "utc_offset": 0.0,
        "monthly_hours": 4.0,
        "experts_wanted": 1,
        "status": "open",
    }
    values.update(fields)
    return NeedDoc(**values)


def rank(
    experts: list[ExpertDoc],
    need: NeedDoc,
    *,
    levels: frozenset[str] = INSTITUTIONS,
    weights: Weights | None = None,
) -> list[RankedExpert]:
    index = MatchingIndex(weights or Weights())
    index.upsert_experts(experts)
    return index.rank_experts(need, visible_levels=levels, limit=50)


def order(ranked: list[RankedExpert]) -> list[int]:
    return [r.expert_id for r in ranked]


def texts(ranked: RankedExpert, code: str | None = None) -> list[str]:
    return [r.text() for r in ranked.reasons if code is None or r.code == code]


def by_id(ranked: list[RankedExpert]) -> dict[int, RankedExpert]:
    return {r.expert_id: r for r in ranked}


def test_it_ranks_the_expert_whose_text_matches_first() -> None:
    need = make_need_doc(
        text="Malaria vaccine trials. We need help with malaria vaccine trials in Dakar.",
        keywords=frozenset({"malaria", "vaccine trials", "cholera"}),
    )
    experts = [
        make_expert_doc(1, text="Structural engineer. Bridges and concrete."),
        make_expert_doc(2, text="Epidemiologist. I ran malaria vaccine trials for ten years."),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [2, 1]
    assert texts(ranked[0], "text") == ["2 of 3 keywords appear in the expertise"]
    assert texts(ranked[1], "text") == []


def test_it_counts_repeated_and_rarer_words_more() -> None:
    need = make_need_doc(text="Sepsis in newborns")
    experts = [
        make_expert_doc(1, text="Newborns. Paediatrics. Clinical care."),
        make_expert_doc(2, text="Sepsis. Paediatrics. Clinical care."),
        make_expert_doc(3, text="Sepsis, sepsis and newborns. Clinical care."),
        make_expert_doc(4, text="Newborns and more newborns. Clinical care."),
        make_expert_doc(5, text="Newborns. Clinical care."),
    ]
    ranked = rank(experts, need)
    # 3 holds both words; sepsis (2 experts) is rarer than newborns (4 experts).
    assert order(ranked)[:2] == [3, 2]
    assert "The expertise mentions sepsis, newborns" in texts(ranked[0], "text")


def test_it_prefers_the_need_s_field_to_its_major_field_to_another_field() -> None:
    need = make_need_doc(disciplines=frozenset({"3.3"}))
    experts = [
        make_expert_doc(1, disciplines=frozenset({"1.1"})),
        make_expert_doc(2, disciplines=frozenset({"3.2"})),
        make_expert_doc(3, disciplines=frozenset({"3.3", "5.3"})),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [3, 2, 1]
    assert texts(ranked[0], "discipline") == ["Works in 3.3 Health sciences, the need's field"]
    assert texts(ranked[1], "discipline") == ["Works in 3.2 Clinical medicine, same major field"]
    assert texts(ranked[2], "discipline") == []


def test_a_major_field_named_by_the_need_covers_its_fields() -> None:
    need = make_need_doc(disciplines=frozenset({"3"}))
    ranked = rank([make_expert_doc(1, disciplines=frozenset({"3.2"}))], need)
    assert texts(ranked[0], "discipline") == ["Works in 3.2 Clinical medicine, the need's field"]


def test_a_required_language_filters_and_its_level_orders() -> None:
    need = make_need_doc(required_languages=frozenset({"fr"}))
    experts = [
        make_expert_doc(1, languages={"fr": "basic"}),
        make_expert_doc(2, languages={"en": "native"}),
        make_expert_doc(3, languages={"fr": "native", "en": "fluent"}),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [3, 1]
    assert texts(ranked[0], "language") == ["Speaks French (native), required"]
    assert texts(ranked[1], "language") == ["Speaks French (basic), required"]


def test_a_preferred_language_raises_but_does_not_filter() -> None:
    need = make_need_doc(
        required_languages=frozenset({"fr"}), preferred_languages=frozenset({"wo"})
    )
    experts = [
        make_expert_doc(1, languages={"fr": "native"}),
        make_expert_doc(2, languages={"fr": "native", "wo": "native"}),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [2, 1]
    assert texts(ranked[0], "language") == [
        "Speaks French (native), required",
        "Speaks Wolof (native), preferred",
    ]


def test_it_prefers_origin_in_the_country_then_a_neighbour_then_the_continent() -> None:
    need = make_need_doc(institution_country="SN")
    experts = [
        make_expert_doc(1, origin_country="FR"),
        make_expert_doc(2, origin_country="GH"),
        make_expert_doc(3, origin_country="GM"),
        make_expert_doc(4, origin_country="SN"),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [4, 3, 2, 1]
    assert texts(ranked[0], "diaspora") == ["Born in Senegal, like the institution"]
    assert texts(ranked[1], "diaspora") == ["From Gambia, a neighbour of Senegal"]
    assert texts(ranked[2], "diaspora") == ["From Ghana, in the same region as Senegal"]
    assert texts(ranked[3], "diaspora") == []


def test_it_prefers_an_expert_who_offers_the_engagement_type() -> None:
    need = make_need_doc(engagement_type="supervision")
    experts = [
        make_expert_doc(1, engagement_types=frozenset({"lecture"})),
        make_expert_doc(2, engagement_types=frozenset({"supervision", "course"})),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [2, 1]
    assert texts(ranked[0], "engagement") == ["Offers supervision"]


def test_an_online_need_prefers_an_expert_who_works_online() -> None:
    need = make_need_doc(mode="online")
    experts = [
        make_expert_doc(1, modes=frozenset({"onsite"})),
        make_expert_doc(2, modes=frozenset({"online"})),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [2, 1]
    assert texts(ranked[0], "mode") == ["Online: works online"]


def test_an_on_site_need_penalises_an_expert_who_neither_works_on_site_nor_travels() -> None:
    need = make_need_doc(mode="onsite", location_country="SN")
    experts = [
        make_expert_doc(1, modes=frozenset({"online"})),
        make_expert_doc(2, modes=frozenset({"online"}), willing_to_travel=True),
        make_expert_doc(3, modes=frozenset({"onsite"})),
        make_expert_doc(4, modes=frozenset({"online"}), residence_country="SN"),
    ]
    ranked = by_id(rank(experts, need))
    assert texts(ranked[2], "mode") == ["On site in Senegal: willing to travel"]
    assert texts(ranked[3], "mode") == ["On site in Senegal: works on site"]
    assert texts(ranked[4], "mode") == ["On site in Senegal: lives there"]
    assert texts(ranked[1], "mode") == ["On site in Senegal: neither works on site nor travels"]
    [penalty] = [r for r in ranked[1].reasons if r.code == "mode"]
    assert penalty.contribution == -Weights().mode
    assert ranked[1].score < ranked[2].score == ranked[3].score == ranked[4].score


def test_it_prefers_an_expert_with_the_hours_the_need_takes() -> None:
    need = make_need_doc(monthly_hours=8.0)
    experts = [make_expert_doc(1, hours_left=2), make_expert_doc(2, hours_left=8)]
    ranked = rank(experts, need)
    assert order(ranked) == [2, 1]
    assert texts(ranked[0], "capacity") == ["Has 8 hours a month left"]
    assert texts(ranked[1], "capacity") == ["Has 2 hours a month left; the need takes 8"]


def test_a_mentoring_need_wants_a_mentee_place() -> None:
    need = make_need_doc(engagement_type="mentoring", monthly_hours=2.0)
    experts = [make_expert_doc(1, mentee_slots_left=0), make_expert_doc(2, mentee_slots_left=2)]
    ranked = rank(experts, need)
    assert order(ranked) == [2, 1]
    assert texts(ranked[0], "capacity") == ["Has 10 hours a month left", "Can take 2 more mentees"]
    assert texts(ranked[1], "capacity") == []


def test_an_online_need_prefers_working_hours_that_overlap() -> None:
    need = make_need_doc(utc_offset=0.0)
    experts = [
        make_expert_doc(1, utc_offset=9.0),
        make_expert_doc(2, utc_offset=None),
        make_expert_doc(3, utc_offset=1.0),
        make_expert_doc(4, utc_offset=5.5),
    ]
    ranked = rank(experts, need)
    # Unknown counts as half the working day: between 7 hours and 2.5 hours of overlap.
    assert order(ranked) == [3, 2, 4, 1]
    assert texts(ranked[0], "timezone") == ["7 hours of working-day overlap"]
    assert texts(ranked[1], "timezone") == ["Working hours unknown, counted as neutral"]
    assert texts(ranked[2], "timezone") == ["2.5 hours of working-day overlap"]
    assert texts(ranked[3], "timezone") == []


def test_it_prefers_an_expert_who_answers_invitations() -> None:
    need = make_need_doc()
    experts = [
        make_expert_doc(1, invitations_received=10, invitations_answered=1),
        make_expert_doc(2, invitations_received=0),
        make_expert_doc(3, invitations_received=10, invitations_answered=9),
    ]
    ranked = rank(experts, need)
    assert order(ranked) == [3, 2, 1]
    assert texts(ranked[0], "responsiveness") == ["Answered 9 of 10 invitations"]
    assert texts(ranked[1], "responsiveness") == ["Not invited before, counted as neutral"]


def _full_pair() -> tuple[NeedDoc, ExpertDoc]:
    need = make_need_doc(
        text="Malaria control. Teach malaria control and vector biology.",
        keywords=frozenset({"malaria", "vector biology"}),
        disciplines=frozenset({"3.3"}),
        required_languages=frozenset({"fr"}),
        preferred_languages=frozenset({"wo"}),
        engagement_type="course",
        mode="hybrid",
        location_country="SN",
    )
    expert = make_expert_doc(
        1,
        text="Entomologist. Malaria, vector biology, field work.",
        keywords=frozenset({"malaria"}),
        disciplines=frozenset({"3.3"}),
        languages={"fr": "native", "wo": "working"},
        origin_country="SN",
        residence_country="FR",
        utc_offset=1.0,
        engagement_types=frozenset({"course"}),
        modes=frozenset({"online", "hybrid"}),
        hours_left=6,
        invitations_received=3,
        invitations_answered=2,
    )
    return need, expert


def test_the_contributions_add_up_to_the_score() -> None:
    need, expert = _full_pair()
    [ranked] = rank([expert], need)
    codes = {reason.code for reason in ranked.reasons}
    assert codes == set(Weights.names())
    assert ranked.score == pytest.approx(sum(r.contribution for r in ranked.reasons), abs=1e-9)
    assert texts(ranked) == [
        "2 of 2 keywords appear in the expertise",
        "Works in 3.3 Health sciences, the need's field",
        "Speaks French (native), required",
        "Speaks Wolof (working), preferred",
        "Born in Senegal, like the institution",
        "Offers courses",
        "Hybrid in Senegal: works on site",
        "Has 6 hours a month left",
        "7 hours of working-day overlap",
        "Answered 2 of 3 invitations",
    ]


def test_a_hidden_origin_is_neither_used_nor_said_for_a_reader_who_may_not_see_it() -> None:
    need = make_need_doc(institution_country="SN")
    unknown = make_expert_doc(1, origin_country="")
    hidden = make_expert_doc(2, origin_country="SN", origin_visibility="institutions")
    for_members = rank([hidden, unknown], need, levels=MEMBERS)
    assert order(for_members) == [1, 2]  # a tie, broken by id: the origin did not count
    assert for_members[0].score == for_members[1].score
    assert not [r for r in for_members[1].reasons if r.code == "diaspora"]
    assert all("Senegal" not in text and "SN" not in text for text in texts(for_members[1]))
    for_institutions = rank([hidden, unknown], need, levels=INSTITUTIONS)
    assert order(for_institutions) == [2, 1]
    assert for_institutions[0].score > for_institutions[1].score
    assert texts(for_institutions[0], "diaspora") == ["Born in Senegal, like the institution"]


def test_a_hidden_residence_hides_the_time_zone_and_living_on_site() -> None:
    need = make_need_doc(mode="hybrid", location_country="SN", utc_offset=0.0)
    unknown = make_expert_doc(1, modes=frozenset(), residence_country="", utc_offset=None)
    hidden = make_expert_doc(
        2,
        modes=frozenset(),
        residence_country="SN",
        residence_visibility="hidden",
        utc_offset=0.0,
    )
    for_institutions = rank([hidden, unknown], need, levels=INSTITUTIONS)
    assert order(for_institutions) == [1, 2]
    assert for_institutions[0].score == for_institutions[1].score
    assert texts(for_institutions[0]) == texts(for_institutions[1])
    assert all("Senegal: lives" not in t and "overlap" not in t for t in texts(for_institutions[1]))
    for_owner = rank([hidden, unknown], need, levels=OWNER)
    assert order(for_owner) == [2, 1]
    assert for_owner[0].score > for_owner[1].score
    assert "Hybrid in Senegal: lives there" in texts(for_owner[0])
    assert "8 hours of working-day overlap" in texts(for_owner[0])


def test_reasons_speak_the_active_language_with_translated_names() -> None:
    need = make_need_doc(institution_country="DE")
    [ranked] = rank([make_expert_doc(1, origin_country="DE")], need)
    [reason] = [r for r in ranked.reasons if r.code == "diaspora"]
    assert reason.params == {"country": "DE"}
    with translation.override("fr"):
        assert "Allemagne" in reason.text()
    assert reason.as_dict() == {
        "code": "diaspora",
        "text": "Born in Germany, like the institution",
        "contribution": reason.contribution,
    }


def test_a_reason_is_plain_data() -> None:
    reason = Reason("capacity", "Has %(hours)d hours a month left", {"hours": 6}, 8.0)
    assert reason.text() == "Has 6 hours a month left"
    assert dataclasses.replace(reason, contribution=1.0).contribution == 1.0


def test_weights_change_the_order() -> None:
    need = make_need_doc(institution_country="SN", monthly_hours=10.0)
    experts = [
        make_expert_doc(1, origin_country="SN", hours_left=1),
        make_expert_doc(2, origin_country="FR", hours_left=10),
    ]
    assert order(rank(experts, need, weights=Weights(diaspora=50.0))) == [1, 2]
    assert order(rank(experts, need, weights=Weights(capacity=50.0))) == [2, 1]


def test_an_expert_without_a_shared_word_still_ranks_on_field_and_origin() -> None:
    need = make_need_doc(
        text="Soil fertility course for agronomy students",
        disciplines=frozenset({"4.1"}),
        institution_country="SN",
    )
    experts = [make_expert_doc(i, text="Soil. Chemistry of paints.") for i in range(1, 30)]
    experts.append(
        make_expert_doc(
            99, text="Crop scientist.", disciplines=frozenset({"4.1"}), origin_country="SN"
        )
    )
    index = MatchingIndex(Weights())
    index.upsert_experts(experts)
    ranked = index.rank_experts(need, visible_levels=INSTITUTIONS, limit=5)
    assert ranked[0].expert_id == 99
    assert not [r for r in ranked[0].reasons if r.code == "text"]
