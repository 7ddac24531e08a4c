import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.matches.models import Proposal, ProposalKind, ProposalStatus
from diaspora.matching import adapter, selectors
from diaspora.matching.selectors import MODERATOR_LEVELS
from diaspora.needs.models import Need, NeedStatus
from diaspora.people.models import ExpertProfile, Qualification
from diaspora.reference.models import Discipline

from .conftest import keywords


def bump(model: Any, pk: int, **changes: Any) -> None:
    """An edit made by another process: the row changes, this process is not told."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now(), **changes)


def ranked_ids(need: Need, levels: frozenset[str] = MODERATOR_LEVELS) -> list[int]:
    return [m.profile.pk for m in selectors.expert_matches(need=need, levels=levels)]


# --- Documents -----------------------------------------------------------------------------


def test_it_builds_an_expert_document(
    make_expert: Callable[..., ExpertProfile], moderator: User, make_need: Callable[..., Need]
) -> None:
    profile = make_expert(
        "Awa Diop",
        disciplines=("3.3", "3.2"),
        words=("Malaria", "epidemiology"),
        languages={"fr": "native", "en": "fluent"},
        engagement_types=("lecture", "mentoring"),
        modes=("online", "hybrid"),
        headline="Epidemiologist",
        bio="Works on **malaria** in the Sahel.",
        current_affiliation="Institut Pasteur",
        origin_country="SN",
        origin_country_visibility="hidden",
        residence_country="FR",
        timezone="Europe/Paris",
        willing_to_travel=True,
        hours_per_month=10,
        hours_committed=4,
        max_mentees=3,
        current_mentees=1,
    )
    Qualification.objects.create(
        profile=profile,
        degree="doctorate",
        field="Tropical medicine",
        institution="LSHTM",
        country="GB",
        year=2010,
    )
    need = make_need()
    for status in [
        ProposalStatus.ACCEPTED,
        ProposalStatus.DECLINED,
        ProposalStatus.EXPIRED,
        ProposalStatus.PENDING,
    ]:
        Proposal.objects.create(
            kind=ProposalKind.INVITATION,
            need=need,
            expert=profile,
            sent_by=moderator,
            status=status,
            deadline=timezone.now(),
        )
    Proposal.objects.create(  # interest from the expert: not an invitation
        kind=ProposalKind.INTEREST,
        need=need,
        expert=profile,
        sent_by=profile.user,
        status=ProposalStatus.DECLINED,
        deadline=timezone.now(),
    )
    doc = adapter.expert_doc(profile)
    assert doc.id == profile.pk
    assert doc.name == "Awa Diop"
    assert doc.keywords == {"malaria", "epidemiology"}
    assert doc.disciplines == {"3.3", "3.2"}
    assert dict(doc.languages) == {"fr": "native", "en": "fluent"}
    assert doc.engagement_types == {"lecture", "mentoring"}
    assert doc.modes == {"online", "hybrid"}
    for part in ["Epidemiologist", "malaria", "Institut Pasteur", "Tropical medicine"]:
        assert part in doc.text
    assert (doc.origin_country, doc.origin_visibility) == ("SN", "hidden")
    assert (doc.residence_country, doc.residence_visibility) == ("FR", "members")
    assert doc.utc_offset in (1.0, 2.0)  # Paris, winter or summer
    assert doc.willing_to_travel
    assert (doc.hours_left, doc.mentee_slots_left) == (6, 2)
    # Answered = accepted or declined; received also counts expired, not pending ones.
    assert (doc.invitations_received, doc.invitations_answered) == (3, 2)
    assert doc.is_listed

    # The bulk path builds the same document.
    assert adapter.expert_docs_by_id([profile.pk]) == {profile.pk: doc}


def test_it_guesses_the_offset_from_the_country_of_residence(
    make_expert: Callable[..., ExpertProfile],
) -> None:
    senegal = make_expert(residence_country="SN")  # time zone left at its default, UTC
    unknown = make_expert()
    assert adapter.expert_doc(senegal).utc_offset == 0.0
    assert adapter.expert_doc(unknown).utc_offset is None


def test_it_marks_unlisted_and_inactive_experts(
    make_expert: Callable[..., ExpertProfile],
) -> None:
    unlisted = make_expert(is_listed=False)
    inactive = make_expert()
    User.objects.filter(pk=inactive.user_id).update(is_active=False)
    inactive.refresh_from_db()
    assert not adapter.expert_doc(unlisted).is_listed
    assert not adapter.expert_doc(inactive).is_listed


def test_it_streams_experts_in_chunks_with_a_fixed_number_of_queries(
    make_expert: Callable[..., ExpertProfile],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for i in range(5):
        make_expert(disciplines=("1.1",), words=(f"word{i}",), languages={"en": "fluent"})
    make_expert(is_listed=False)
    # Per chunk: the rows, 4 relations, languages, qualifications, invitations = 8 queries;
    # plus the empty read that ends the walk.
    with django_assert_num_queries(8 * 3 + 1):
        chunks = list(adapter.iter_expert_docs(chunk=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    docs = [d for c in chunks for d in c]
    assert all(d.is_listed for d in docs)
    assert {k for d in docs for k in d.keywords} == {f"word{i}" for i in range(5)}


def test_it_builds_a_need_document(make_need: Callable[..., Need]) -> None:
    need = make_need(
        "Malaria course",
        description="Teach *malaria* epidemiology.",
        disciplines=("3.3",),
        words=("Malaria",),
        required=("fr",),
        preferred=("en", "wo"),
        engagement="course",
        mode="onsite",
        location_country="SN",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 3, 31),
        effort_hours=30,
        experts_wanted=2,
    )
    doc = adapter.need_doc(need)
    assert doc.title == "Malaria course"
    assert "epidemiology" in doc.text
    assert doc.keywords == {"malaria"}
    assert doc.disciplines == {"3.3"}
    assert (doc.engagement_type, doc.mode) == ("course", "onsite")
    assert doc.required_languages == {"fr"}
    assert doc.preferred_languages == {"en", "wo"}
    assert doc.institution_name == "Université Cheikh Anta Diop"
    assert (doc.institution_country, doc.location_country) == ("SN", "SN")
    assert doc.utc_offset == 0.0
    assert doc.monthly_hours == pytest.approx(30 / (90 / 30.4375))
    assert doc.experts_wanted == 2
    assert doc.status == "open"
    assert adapter.need_docs([need]) == [doc]


def test_an_online_need_has_no_location(make_need: Callable[..., Need]) -> None:
    need = make_need(mode="online", location_country="SN")
    assert adapter.need_doc(need).location_country == ""


@pytest.mark.parametrize(
    ("effort", "start", "end", "expected"),
    [
        (12, None, None, 12.0),  # no dates: one month
        (12, date(2026, 1, 1), date(2026, 1, 10), 12.0),  # shorter than a month: one month
        (60, date(2026, 1, 1), date(2026, 12, 31), 60 / (365 / 30.4375)),
        (0, date(2026, 1, 1), date(2026, 6, 30), 0.0),
    ],
)
def test_it_spreads_effort_over_the_months(
    effort: int, start: date | None, end: date | None, expected: float
) -> None:
    assert adapter.monthly_hours(effort, start, end) == pytest.approx(expected)


# --- Freshness -----------------------------------------------------------------------------


@pytest.fixture
def field(
    make_expert: Callable[..., ExpertProfile], make_need: Callable[..., Need]
) -> dict[str, Any]:
    """Two experts and a need about soil science; the hydrologist fits it better."""
    hydro = make_expert(
        "Hydrologist",
        disciplines=("1.5",),
        words=("hydrology", "groundwater"),
        headline="Hydrologist: groundwater and irrigation",
    )
    chemist = make_expert(
        "Chemist", disciplines=("1.4",), words=("catalysis",), headline="Catalysis chemist"
    )
    need = make_need("Groundwater survey", disciplines=("1.5",), words=("groundwater", "hydrology"))
    return {"hydro": hydro, "chemist": chemist, "need": need}


def test_it_picks_up_a_profile_edited_by_another_process(field: dict[str, Any]) -> None:
    hydro, chemist, need = field["hydro"], field["chemist"], field["need"]
    assert ranked_ids(need)[0] == hydro.pk
    index = adapter.holder().index
    assert index is not None
    bump(
        ExpertProfile,
        chemist.pk,
        headline="Groundwater hydrology, groundwater modelling, hydrology of aquifers",
    )
    chemist.disciplines.set(Discipline.objects.filter(code="1.5"))
    chemist.keywords.set(keywords("groundwater", "hydrology"))
    bump(ExpertProfile, hydro.pk, headline="Retired")
    hydro.keywords.set([])
    hydro.disciplines.set([])
    assert ranked_ids(need)[0] == chemist.pk
    assert adapter.holder().index is index  # no rebuild


def test_it_picks_up_a_need_edited_by_another_process(field: dict[str, Any]) -> None:
    hydro, chemist, need = field["hydro"], field["chemist"], field["need"]
    assert ranked_ids(need)[0] == hydro.pk
    index = adapter.holder().index
    need.disciplines.set(Discipline.objects.filter(code="1.4"))
    need.keywords.set(keywords("catalysis"))
    bump(Need, need.pk, title="Catalysis course")
    need.refresh_from_db()
    assert ranked_ids(need)[0] == chemist.pk
    assert adapter.holder().index is index


def test_it_drops_experts_who_become_unlisted(field: dict[str, Any]) -> None:
    hydro, need = field["hydro"], field["need"]
    assert hydro.pk in ranked_ids(need)
    index = adapter.holder().index
    assert index is not None
    count = index.expert_count
    bump(ExpertProfile, hydro.pk, is_listed=False)
    assert hydro.pk not in ranked_ids(need)
    assert index.expert_count == count - 1


def test_it_drops_deactivated_and_deleted_experts_when_they_show_up(
    field: dict[str, Any],
) -> None:
    hydro, chemist, need = field["hydro"], field["chemist"], field["need"]
    assert set(ranked_ids(need)) == {hydro.pk, chemist.pk}
    index = adapter.holder().index
    assert index is not None
    # Neither touches the profile's updated_at: the sync cannot see them.
    User.objects.filter(pk=hydro.user_id).update(is_active=False)
    ExpertProfile.objects.filter(pk=chemist.pk).delete()
    assert ranked_ids(need) == []
    assert index.expert_count == 0


def test_it_drops_needs_that_are_no_longer_open(
    field: dict[str, Any], make_need: Callable[..., Need]
) -> None:
    hydro, need = field["hydro"], field["need"]
    rank = selectors.need_matches(expert=hydro, levels=MODERATOR_LEVELS)
    assert [m.need.pk for m in rank] == [need.pk]
    bump(Need, need.pk, status=NeedStatus.CLOSED)
    assert selectors.need_matches(expert=hydro, levels=MODERATOR_LEVELS) == []


def test_a_sync_with_nothing_changed_is_one_query(
    field: dict[str, Any], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    ranked_ids(field["need"])
    holder = adapter.holder()
    index = holder.index
    assert index is not None
    holder.sync(index)  # rows stamped inside the overlap are now known
    with django_assert_num_queries(1):
        assert holder.sync(index) == 0


def test_a_sync_reloads_only_what_changed(field: dict[str, Any]) -> None:
    ranked_ids(field["need"])
    holder = adapter.holder()
    index = holder.index
    assert index is not None
    holder.sync(index)
    bump(ExpertProfile, field["chemist"].pk, headline="Changed")
    assert holder.sync(index) == 1
    assert holder.sync(index) == 0


def test_refresh_applies_a_change_that_does_not_touch_updated_at(
    field: dict[str, Any],
) -> None:
    hydro, chemist, need = field["hydro"], field["chemist"], field["need"]
    assert ranked_ids(need)[0] == hydro.pk
    # Relations change without the profile being saved.
    chemist.disciplines.set(Discipline.objects.filter(code="1.5"))
    chemist.keywords.set(keywords("groundwater", "hydrology"))
    hydro.keywords.set([])
    hydro.disciplines.set([])
    assert ranked_ids(need)[0] == hydro.pk  # nothing told the index
    adapter.matching_refresh_expert(chemist.pk)
    adapter.matching_refresh_expert(hydro.pk)
    assert ranked_ids(need)[0] == chemist.pk


def test_refresh_of_a_need_removes_it_when_closed(field: dict[str, Any]) -> None:
    hydro, need = field["hydro"], field["need"]
    assert selectors.need_matches(expert=hydro, levels=MODERATOR_LEVELS)
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.WITHDRAWN)
    adapter.matching_refresh_need(need.pk)
    index = adapter.holder().index
    assert index is not None
    assert index.need_count == 0


def test_refresh_without_an_index_does_nothing(field: dict[str, Any]) -> None:
    adapter.matching_refresh_expert(field["hydro"].pk)
    assert adapter.holder().index is None


# --- While the index is being built ----------------------------------------------------------


@pytest.fixture
def build_in_progress(settings: Any) -> Iterator[None]:
    """A build that never ends, and requests that wait for it no time at all."""
    settings.MATCHING_BUILD_WAIT = 0
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    adapter.holder().thread = thread
    yield
    release.set()
    thread.join()


def test_requests_during_a_build_are_answered_by_the_fallback(
    field: dict[str, Any], make_expert: Callable[..., ExpertProfile], build_in_progress: None
) -> None:
    hydro, chemist, need = field["hydro"], field["chemist"], field["need"]
    make_expert("Unrelated", disciplines=("6.1",), words=("archaeology",))
    assert adapter.ready_index() is None
    fallback = selectors.expert_matches(need=need, levels=MODERATOR_LEVELS)
    # The prefilter keeps those sharing a discipline or a keyword: the hydrologist.
    assert [m.profile.pk for m in fallback] == [hydro.pk]
    assert fallback[0].ranked.reasons
    needs = selectors.need_matches(expert=hydro, levels=MODERATOR_LEVELS)
    assert [m.need.pk for m in needs] == [need.pk]
    assert adapter.holder().index is None
    assert chemist.pk not in [m.profile.pk for m in fallback]


def test_the_fallback_scores_like_the_index(
    field: dict[str, Any], make_expert: Callable[..., ExpertProfile], settings: Any
) -> None:
    need = field["need"]
    make_expert("Second hydrologist", disciplines=("1.5",), words=("hydrology",))
    doc = selectors.need_for_doc(need)
    fallback = selectors.fallback_rank_experts(doc, levels=MODERATOR_LEVELS, limit=20)
    indexed = selectors.expert_matches(need=need, levels=MODERATOR_LEVELS)
    assert [r.expert_id for r in fallback] == [m.profile.pk for m in indexed][: len(fallback)]


def test_the_fallback_keeps_the_experts_sharing_most(
    make_expert: Callable[..., ExpertProfile], make_need: Callable[..., Need], settings: Any
) -> None:
    settings.MATCHING_FALLBACK_CANDIDATES = 2
    both = make_expert(words=("hydrology", "groundwater"))  # 2 keywords: 4
    one = make_expert(disciplines=("1.5",), words=("hydrology",))  # 1 keyword + field: 3
    make_expert(disciplines=("1.5",))  # the field only: 1
    make_expert(disciplines=("6.1",), words=("archaeology",))  # nothing in common
    need = make_need(disciplines=("1.5",), words=("hydrology", "groundwater"))
    doc = selectors.need_for_doc(need)
    assert selectors.fallback_candidates(doc) == [both.pk, one.pk]
    assert selectors.fallback_candidates(doc, exclude=[both.pk])[0] == one.pk


def test_the_fallback_filters_required_languages(
    make_expert: Callable[..., ExpertProfile],
    make_need: Callable[..., Need],
    build_in_progress: None,
) -> None:
    french = make_expert(disciplines=("1.1",), languages={"fr": "fluent"})
    make_expert(disciplines=("1.1",), languages={"en": "fluent"})
    need = make_need(disciplines=("1.1",), required=("fr",))
    assert ranked_ids(need) == [french.pk]


@pytest.mark.django_db(transaction=True)
def test_the_first_use_builds_in_the_background(
    make_expert: Callable[..., ExpertProfile],
    make_need: Callable[..., Need],
    settings: Any,
) -> None:
    settings.MATCHING_BUILD_WAIT = 30
    expert = make_expert(disciplines=("1.1",), words=("algebra",))
    need = make_need(disciplines=("1.1",), words=("algebra",))
    # Saved an hour ago, so that the sync after the build has nothing to reload.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ExpertProfile.objects.update(updated_at=an_hour_ago)
    Need.objects.update(updated_at=an_hour_ago)
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as here:
        index = adapter.ready_index()
    assert index is not None
    assert index.expert_count == 1
    # The rows were read by the build thread, on its own connection; this one only synced.
    assert len(here.captured_queries) == 1
    assert ranked_ids(need) == [expert.pk]


def test_a_build_started_before_a_reset_does_not_install_itself(
    field: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = adapter.holder()
    real = adapter.iter_need_docs

    def reset_midway(*args: Any, **kwargs: Any) -> Any:
        holder.reset()  # e.g. a test, or weights changed, while the build reads
        return real(*args, **kwargs)

    monkeypatch.setattr(adapter, "iter_need_docs", reset_midway)
    built = holder.build_now()
    assert built.expert_count == 2
    assert holder.index is None


def test_overlap_covers_rows_stamped_before_the_watermark(field: dict[str, Any]) -> None:
    """A row saved a little before the last sync but committed after it is still seen."""
    need = field["need"]
    ranked_ids(need)
    holder = adapter.holder()
    index = holder.index
    assert index is not None
    holder.sync(index)
    earlier = timezone.now() - timedelta(seconds=5)
    ExpertProfile.objects.filter(pk=field["chemist"].pk).update(updated_at=earlier, is_listed=False)
    assert holder.sync(index) == 1
    assert field["chemist"].pk not in ranked_ids(need)


def test_an_institution_without_country_offset(
    institution: Institution, make_need: Callable[..., Need]
) -> None:
    Institution.objects.filter(pk=institution.pk).update(country="")
    need = make_need()
    need.refresh_from_db()
    assert adapter.need_doc(need).utc_offset is None
