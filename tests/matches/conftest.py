"""Fixtures for invitations, interest and notifications.

`need` is an open need of `institution` (verified, Senegal) asking for French-speaking
epidemiology mentoring; `dana` fits it best, `eve` less well, `frank` lacks the required
French and never ranks. Each test starts from an empty matching index built in the test's
own thread, so rankings see the test's rows.
"""

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from diaspora.accounts.models import Role, User
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need, NeedLanguage, NeedStatus
from diaspora.people.models import ExpertLanguage, ExpertProfile, Visibility
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode

MakeExpert = Callable[..., ExpertProfile]


@pytest.fixture(autouse=True)
def matching_index(db: None) -> Iterator[None]:
    from diaspora.matching.adapter import holder

    holder().reset()
    holder().build_now()
    yield
    holder().reset()


@pytest.fixture
def refreshed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Expert ids passed to `matching_refresh_expert` (after commit)."""
    calls: list[int] = []
    monkeypatch.setattr(
        "diaspora.matching.adapter.matching_refresh_expert", lambda pk: calls.append(pk)
    )
    return calls


def keywords(*names: str) -> list[Keyword]:
    return [Keyword.objects.get_or_create(name=n)[0] for n in names]


@pytest.fixture
def make_expert(make_user: Callable[..., User]) -> MakeExpert:
    def make(
        email: str,
        name: str,
        *,
        disciplines: tuple[str, ...] = ("3.3",),
        words: tuple[str, ...] = ("epidemiology", "malaria", "surveillance"),
        languages: dict[str, str] | None = None,
        headline: str = "Epidemiologist",
        bio: str = "",
        hours: int = 20,
        **extra: Any,
    ) -> ExpertProfile:
        user = make_user(email, name=name, role=Role.EXPERT)
        extra.setdefault("origin_country_visibility", Visibility.MEMBERS)
        profile = ExpertProfile.objects.create(
            user=user, headline=headline, bio=bio, hours_per_month=hours, max_mentees=2, **extra
        )
        profile.disciplines.set(Discipline.objects.filter(code__in=disciplines))
        profile.keywords.set(keywords(*words))
        for code, level in (languages if languages is not None else {"fr": "fluent"}).items():
            ExpertLanguage.objects.create(profile=profile, code=code, level=level)
        profile.engagement_types.set(EngagementType.objects.filter(code__in=["mentoring"]))
        profile.modes.set(Mode.objects.filter(code__in=["online"]))
        return profile

    return make


@pytest.fixture
def dana(make_expert: MakeExpert) -> ExpertProfile:
    return make_expert(
        "dana@example.org",
        "Dana Diallo",
        headline="Epidemiologist, malaria surveillance",
        bio="Twenty years of malaria epidemiology and disease surveillance.",
    )


@pytest.fixture
def eve(make_expert: MakeExpert) -> ExpertProfile:
    return make_expert(
        "eve@example.org", "Eve Sarr", headline="Public health", words=("public health",)
    )


@pytest.fixture
def frank(make_expert: MakeExpert) -> ExpertProfile:
    return make_expert("frank@example.org", "Frank Otieno", languages={"en": "fluent"})


def make_need(institution: Institution, author: User | None = None, **values: Any) -> Need:
    defaults: dict[str, Any] = {
        "title": "Epidemiology mentoring for malaria surveillance",
        "description": "Mentor our epidemiology team on malaria surveillance.",
        "engagement_type": EngagementType.objects.get(code="mentoring"),
        "mode": Mode.objects.get(code="online"),
        "effort_hours": 20,
        "start_date": date(2030, 1, 1),
        "end_date": date(2030, 3, 31),
        "experts_wanted": 1,
        "status": NeedStatus.OPEN,
    }
    defaults.update(values)
    need = Need.objects.create(institution=institution, created_by=author, **defaults)
    need.disciplines.set(Discipline.objects.filter(code="3.3"))
    need.keywords.set(keywords("epidemiology", "malaria", "surveillance"))
    NeedLanguage.objects.create(need=need, code="fr", required=True)
    return need


@pytest.fixture
def need(institution: Institution, alice: User, bob: User) -> Need:
    return make_need(institution, alice)
