from collections.abc import Callable
from typing import Any

import pytest

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, InstitutionType, Membership
from diaspora.matching.selectors import (
    ALL_LEVELS,
    levels_for,
    rank_experts_for_need,
    rank_needs_for_expert,
    score_for,
)
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile, Visibility


def texts(ranked: Any) -> list[str]:
    return [reason.text() for reason in ranked.reasons]


def codes(ranked: Any) -> set[str]:
    return {reason.code for reason in ranked.reasons}


@pytest.fixture
def senegalese(make_expert: Callable[..., ExpertProfile]) -> Callable[[str], ExpertProfile]:
    """An expert born in Senegal (like `institution`), with the origin at a given visibility."""

    def make(visibility: str) -> ExpertProfile:
        return make_expert(
            "Awa Diop",
            disciplines=("3.3",),
            words=("malaria",),
            headline="Malaria epidemiologist",
            origin_country="SN",
            origin_country_visibility=visibility,
        )

    return make


@pytest.fixture
def malaria(make_need: Callable[..., Need]) -> Need:
    return make_need("Malaria lectures", disciplines=("3.3",), words=("malaria",))


def test_an_institution_never_reads_a_hidden_origin(
    senegalese: Callable[[str], ExpertProfile], malaria: Need, bob: User
) -> None:
    senegalese(Visibility.HIDDEN)
    [ranked] = rank_experts_for_need(need=malaria, viewer=bob)
    assert "diaspora" not in codes(ranked)
    assert not any("Senegal" in text for text in texts(ranked))


def test_an_institution_reads_an_origin_shown_to_institutions(
    senegalese: Callable[[str], ExpertProfile], malaria: Need, bob: User
) -> None:
    senegalese(Visibility.INSTITUTIONS)
    [ranked] = rank_experts_for_need(need=malaria, viewer=bob)
    assert "diaspora" in codes(ranked)
    assert any("Senegal" in text for text in texts(ranked))


def test_an_unverified_institutions_member_reads_members_level_only(
    senegalese: Callable[[str], ExpertProfile],
    make_need: Callable[..., Need],
    charlie: User,
) -> None:
    """charlie represents an institution nobody verified: members level, not institutions."""
    unverified = Institution.objects.create(
        name="École de Thiès", country="SN", type=InstitutionType.UNIVERSITY
    )
    Membership.objects.create(institution=unverified, user=charlie)
    need = make_need(
        "Malaria lectures", institution=unverified, disciplines=("3.3",), words=("malaria",)
    )
    senegalese(Visibility.INSTITUTIONS)
    [ranked] = rank_experts_for_need(need=need, viewer=charlie)
    assert "diaspora" not in codes(ranked)


def test_a_hidden_origin_does_not_change_the_score(
    senegalese: Callable[[str], ExpertProfile], malaria: Need, bob: User
) -> None:
    expert = senegalese(Visibility.HIDDEN)
    hidden = score_for(need=malaria, expert=expert, viewer=bob)
    ExpertProfile.objects.filter(pk=expert.pk).update(origin_country="")
    expert.refresh_from_db()
    absent = score_for(need=malaria, expert=expert, viewer=bob)
    assert hidden is not None and absent is not None
    assert hidden.score == pytest.approx(absent.score)


def test_the_expert_reads_their_own_hidden_origin(
    senegalese: Callable[[str], ExpertProfile], malaria: Need, moderator: User
) -> None:
    expert = senegalese(Visibility.HIDDEN)
    assert levels_for(expert.user, expert) == ALL_LEVELS
    [own] = rank_needs_for_expert(expert=expert, viewer=expert.user)
    assert own.need_id == malaria.pk
    assert "diaspora" in codes(own)
    # A moderator reading the same list does not.
    [seen] = rank_needs_for_expert(expert=expert, viewer=moderator)
    assert "diaspora" not in codes(seen)
    assert seen.score < own.score


def test_score_for_follows_the_reader(
    senegalese: Callable[[str], ExpertProfile], malaria: Need, bob: User
) -> None:
    expert = senegalese(Visibility.INSTITUTIONS)
    for_bob = score_for(need=malaria, expert=expert, viewer=bob)
    for_self = score_for(need=malaria, expert=expert, viewer=expert.user)
    assert for_bob is not None and for_self is not None
    assert "diaspora" in codes(for_bob)
    assert "diaspora" in codes(for_self)


def test_a_required_language_filters(
    make_expert: Callable[..., ExpertProfile], make_need: Callable[..., Need], bob: User
) -> None:
    french = make_expert(disciplines=("1.1",), languages={"fr": "fluent"})
    english = make_expert(disciplines=("1.1",), languages={"en": "native"})
    need = make_need(disciplines=("1.1",), required=("fr",))
    assert [r.expert_id for r in rank_experts_for_need(need=need, viewer=bob)] == [french.pk]
    assert score_for(need=need, expert=english, viewer=bob) is None
    assert rank_needs_for_expert(expert=english, viewer=english.user) == []


def test_it_leaves_out_excluded_and_unlisted_experts(
    make_expert: Callable[..., ExpertProfile], make_need: Callable[..., Need], bob: User
) -> None:
    first = make_expert(disciplines=("1.1",), words=("algebra",))
    second = make_expert(disciplines=("1.1",), words=("algebra",))
    make_expert(disciplines=("1.1",), words=("algebra",), is_listed=False)
    need = make_need(disciplines=("1.1",), words=("algebra",))
    ranked = rank_experts_for_need(need=need, viewer=bob)
    assert {r.expert_id for r in ranked} == {first.pk, second.pk}
    ranked = rank_experts_for_need(need=need, viewer=bob, exclude=[first.pk])
    assert [r.expert_id for r in ranked] == [second.pk]
    assert len(rank_experts_for_need(need=need, viewer=bob, limit=1)) == 1


def test_an_expert_sees_open_needs_only(
    make_expert: Callable[..., ExpertProfile], make_need: Callable[..., Need]
) -> None:
    expert = make_expert(disciplines=("1.1",), words=("algebra",))
    open_need = make_need(disciplines=("1.1",), words=("algebra",))
    make_need(disciplines=("1.1",), words=("algebra",), status="draft")
    make_need(disciplines=("1.1",), words=("algebra",), status="closed")
    ranked = rank_needs_for_expert(expert=expert, viewer=expert.user)
    assert [r.need_id for r in ranked] == [open_need.pk]


def test_the_better_fit_ranks_first(
    make_expert: Callable[..., ExpertProfile], make_need: Callable[..., Need], bob: User
) -> None:
    near = make_expert(disciplines=("3.3",), words=("malaria", "epidemiology"))
    far = make_expert(disciplines=("1.1",), words=("algebra",))
    need = make_need("Malaria", disciplines=("3.3",), words=("malaria", "epidemiology"))
    ranked = rank_experts_for_need(need=need, viewer=bob)
    assert ranked[0].expert_id == near.pk
    assert far.pk != ranked[0].expert_id
    assert ranked == sorted(ranked, key=lambda r: -r.score)
