"""End to end, with the real engine: opening a need tells the experts whose profile fits."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.needs.models import Need, NeedStatus
from diaspora.notifications.models import Notification, NotificationKind
from diaspora.people.models import ExpertLanguage, ExpertProfile
from diaspora.reference.models import Discipline, EngagementType, Mode
from tests.needs.conftest import MakeNeed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_index() -> Iterator[None]:
    from diaspora.matching import adapter

    adapter.holder().reset()
    yield
    adapter.holder().reset()


def fit(profile: ExpertProfile, *, languages: list[str]) -> ExpertProfile:
    profile.disciplines.set(Discipline.objects.filter(code="3.3"))
    profile.engagement_types.set(EngagementType.objects.filter(code="course"))
    profile.modes.set(Mode.objects.filter(code="online"))
    for code in languages:
        ExpertLanguage.objects.create(profile=profile, code=code, level="fluent")
    return profile


def test_opening_a_need_tells_fitting_experts_after_commit(
    login: Callable[[User], Client],
    bob: User,
    erin: User,
    make_user: Callable[..., User],
    make_need: MakeNeed,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fit(erin.expert_profile, languages=["fr"])
    other = make_user("gaspard@example.org", name="Gaspard", role="expert")
    fit(ExpertProfile.objects.create(user=other, hours_per_month=5), languages=["en"])
    need = make_need(disciplines=["3.3"], keywords=["biostatistics"], required=["fr"])
    with django_capture_on_commit_callbacks(execute=True):
        r = login(bob).post(reverse("need_status", args=[need.pk]), {"status": "open"})
    assert r.status_code == 302
    assert Need.objects.get(pk=need.pk).status == NeedStatus.OPEN
    told = Notification.objects.filter(kind=NotificationKind.NEW_MATCHING_NEED)
    # Gaspard lacks the required French; Bob, who opened it, is no expert.
    assert [n.user for n in told] == [erin]
    assert "Teach a biostatistics course" in told[0].title


def test_saving_a_draft_tells_nobody(
    erin: User, make_need: MakeNeed, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    from diaspora.needs import services

    fit(erin.expert_profile, languages=["fr"])
    need = make_need(disciplines=["3.3"])
    with django_capture_on_commit_callbacks(execute=True):
        services.need_update(need=need, values={"title": "Still a draft"})
        services.need_set_status(need=need, status=NeedStatus.WITHDRAWN, by=bob)
    assert not Notification.objects.exists()
