"""Fixtures for the adapter side of matching: rows in the database, a fresh process index.

The index is process-wide; every test here starts without one (`_fresh_index`), so a
ranking builds it from this test's rows, inside the test's transaction.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from diaspora.accounts.models import Role, User
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need, NeedLanguage, NeedStatus
from diaspora.people.models import ExpertLanguage, ExpertProfile
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    from diaspora.matching import adapter

    adapter.holder().reset()
    yield
    adapter.holder().reset()


def keywords(*names: str) -> list[Keyword]:
    return [Keyword.objects.get_or_create(name=name.lower())[0] for name in names]


@pytest.fixture
def make_expert(make_user: Callable[..., User]) -> Callable[..., ExpertProfile]:
    counter = iter(range(1, 10_000))

    def make(
        name: str = "",
        *,
        disciplines: tuple[str, ...] = (),
        words: tuple[str, ...] = (),
        languages: dict[str, str] | None = None,
        engagement_types: tuple[str, ...] = (),
        modes: tuple[str, ...] = ("online",),
        **fields: Any,
    ) -> ExpertProfile:
        n = next(counter)
        user = make_user(f"expert{n}@example.org", name=name or f"Expert {n}", role=Role.EXPERT)
        fields.setdefault("hours_per_month", 10)
        profile = ExpertProfile.objects.create(user=user, **fields)
        profile.disciplines.set(Discipline.objects.filter(code__in=disciplines))
        profile.keywords.set(keywords(*words))
        profile.engagement_types.set(EngagementType.objects.filter(code__in=engagement_types))
        profile.modes.set(Mode.objects.filter(code__in=modes))
        for code, level in (languages or {}).items():
            ExpertLanguage.objects.create(profile=profile, code=code, level=level)
        return profile

    return make


@pytest.fixture
def make_need(institution: Institution) -> Callable[..., Need]:
    def make(
        title: str = "A need",
        *,
        description: str = "",
        disciplines: tuple[str, ...] = (),
        words: tuple[str, ...] = (),
        required: tuple[str, ...] = (),
        preferred: tuple[str, ...] = (),
        engagement: str = "lecture",
        mode: str = "online",
        status: str = NeedStatus.OPEN,
        **fields: Any,
    ) -> Need:
        need = Need.objects.create(
            institution=fields.pop("institution", institution),
            title=title,
            description=description,
            engagement_type=EngagementType.objects.get(code=engagement),
            mode=Mode.objects.get(code=mode),
            status=status,
            **fields,
        )
        need.disciplines.set(Discipline.objects.filter(code__in=disciplines))
        need.keywords.set(keywords(*words))
        for code in required:
            NeedLanguage.objects.create(need=need, code=code, required=True)
        for code in preferred:
            NeedLanguage.objects.create(need=need, code=code, required=False)
        return need

    return make
