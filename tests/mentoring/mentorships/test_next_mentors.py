"""A "no" to the fit check offers the next-ranked mentors for the engagement's need: the
best experts without the current and past mentors, read with what the viewer may see."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import Role, User
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need
from diaspora.people.models import ExpertLanguage, ExpertProfile, Visibility
from diaspora.reference.models import Discipline, EngagementType, Mode
from mentoring.engagements.models import Engagement, EngagementKind, ParticipantRole, Side
from mentoring.engagements.services import engagement_create, participant_add, participant_remove
from mentoring.mentorships import selectors
from mentoring.mentorships.models import Agreement, FitCheck
from mentoring.mentorships.services import fit_check_answer
from tests.matches.conftest import keywords, make_need
from tests.mentoring.mentorships.conftest import log


@pytest.fixture(autouse=True)
def matching_index(db: None) -> Iterator[None]:
    """An index built in the test's own thread, so rankings see the test's rows."""
    from diaspora.matching.adapter import holder

    holder().reset()
    holder().build_now()
    yield
    holder().reset()


@pytest.fixture
def make_expert(make_user: Callable[..., User]) -> Callable[..., ExpertProfile]:
    def make(email: str, name: str, *, languages: tuple[str, ...] = ("fr",)) -> ExpertProfile:
        user = make_user(email, name=name, role=Role.EXPERT)
        profile = ExpertProfile.objects.create(
            user=user,
            headline="Epidemiologist",
            bio="Malaria epidemiology and disease surveillance.",
            hours_per_month=20,
            max_mentees=2,
            origin_country_visibility=Visibility.MEMBERS,
        )
        profile.disciplines.set(Discipline.objects.filter(code="3.3"))
        profile.keywords.set(keywords("epidemiology", "malaria", "surveillance"))
        for code in languages:
            ExpertLanguage.objects.create(profile=profile, code=code, level="fluent")
        profile.engagement_types.set(EngagementType.objects.filter(code__in=["mentoring"]))
        profile.modes.set(Mode.objects.filter(code__in=["online"]))
        return profile

    return make


@pytest.fixture
def need(institution: Institution, alice: User) -> Need:
    return make_need(institution, alice)


@pytest.fixture
def experts(make_expert: Callable[..., ExpertProfile]) -> dict[str, ExpertProfile]:
    return {
        "dana": make_expert("dana@example.org", "Dana Diallo"),
        "eve": make_expert("eve@example.org", "Eve Sarr"),
        "gus": make_expert("gus@example.org", "Gus Kamara"),
        "frank": make_expert("frank@example.org", "Frank Otieno", languages=("en",)),
    }


@pytest.fixture
def from_need(
    need: Need,
    institution: Institution,
    experts: dict[str, ExpertProfile],
    bob: User,
    make_user: Callable[..., User],
) -> Engagement:
    """dana mentors bob now; eve mentored before and left."""
    dana, eve = experts["dana"].user, experts["eve"].user
    engagement = engagement_create(
        kind=EngagementKind.MENTORSHIP,
        title=need.title,
        created_by=bob,
        institution=institution,
        need=need,
    )
    Agreement.objects.create(engagement=engagement)
    for user in (eve, dana):
        participant_add(
            engagement=engagement, user=user, role=ParticipantRole.MENTOR, side=Side.EXPERT, by=bob
        )
    participant_add(
        engagement=engagement,
        user=bob,
        role=ParticipantRole.MENTEE,
        side=Side.INSTITUTION,
        by=dana,
    )
    participant_remove(participant=engagement.participants.get(user=eve), by=dana)
    return engagement


def names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row.expert.user.name for row in response.context["rows"]]


def test_it_lists_the_best_experts_without_current_and_past_mentors(
    login: Callable[[User], Client],
    from_need: Engagement,
    experts: dict[str, ExpertProfile],
    bob: User,
) -> None:
    dana = experts["dana"].user
    log(from_need, dana)
    fit_check_answer(fit_check=FitCheck.objects.get(user=bob), user=bob, fits=False)
    r = login(bob).get(reverse("mentorship_next_mentors", args=[from_need.pk]))
    # dana mentors it, eve did, frank lacks the required French.
    assert names(r) == ["Gus Kamara"]
    content = r.content.decode()
    assert r.context["rows"][0].reasons
    # bob is a member of the need's institution: he may invite from its ranked list.
    assert reverse("need_matches", args=[from_need.need_id]) in content


def test_it_offers_no_invite_link_to_a_mentee_outside_the_institution(
    login: Callable[[User], Client],
    from_need: Engagement,
    experts: dict[str, ExpertProfile],
    make_user: Callable[..., User],
) -> None:
    dina = make_user("dina@example.org", name="Dina Faye")
    participant_add(engagement=from_need, user=dina, role=ParticipantRole.MENTEE, by=dina)
    log(from_need, experts["dana"].user)
    fit_check_answer(fit_check=FitCheck.objects.get(user=dina), user=dina, fits=False)
    r = login(dina).get(reverse("mentorship_next_mentors", args=[from_need.pk]))
    assert names(r) == ["Gus Kamara"]
    assert reverse("need_matches", args=[from_need.need_id]) not in r.content.decode()
    assert "tell a coordinator" in r.content.decode()


def test_it_ranks_with_what_the_viewer_may_see(
    monkeypatch: pytest.MonkeyPatch,
    from_need: Engagement,
    bob: User,
    make_user: Callable[..., User],
) -> None:
    seen: list[frozenset[str]] = []

    def spy(**kwargs: Any) -> list[Any]:
        seen.append(kwargs["levels"])
        return []

    monkeypatch.setattr("diaspora.matching.selectors.expert_matches", spy)
    outsider = make_user("dina@example.org", name="Dina Faye")
    selectors.next_mentor_rows(engagement=from_need, viewer=bob)
    selectors.next_mentor_rows(engagement=from_need, viewer=outsider)
    # bob represents the verified institution; dina does not.
    assert seen == [
        frozenset({Visibility.PUBLIC, Visibility.MEMBERS, Visibility.INSTITUTIONS}),
        frozenset({Visibility.PUBLIC, Visibility.MEMBERS}),
    ]


def test_it_says_so_when_the_mentorship_has_no_need(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    log(mentorship, alice)
    fit_check_answer(fit_check=FitCheck.objects.get(user=bob), user=bob, fits=False)
    r = login(bob).get(reverse("mentorship_next_mentors", args=[mentorship.pk]))
    assert r.status_code == 200
    assert r.context["rows"] == []
    assert 'id="no-need"' in r.content.decode()
