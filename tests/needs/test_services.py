"""The need services: creation, editing, and the status machine with its side effects."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.needs import services
from diaspora.needs.models import NEED_TRANSITIONS, Need, NeedStatus
from diaspora.reference.models import Discipline, EngagementType, Mode
from tests.needs.conftest import MakeNeed

pytestmark = pytest.mark.django_db

ALL = list(NeedStatus.values)
ALLOWED = [(a, b) for a in ALL for b in ALL if b in NEED_TRANSITIONS[a]]
REFUSED = [(a, b) for a in ALL for b in ALL if b not in NEED_TRANSITIONS[a]]


def values(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Supervise two PhD students in epidemiology",
        "engagement_type": EngagementType.objects.get(code="supervision"),
        "mode": Mode.objects.get(code="online"),
    }
    data.update(overrides)
    return data


def test_the_table_covers_every_status() -> None:
    assert set(NEED_TRANSITIONS) == set(ALL)
    assert len(ALLOWED) == 7
    assert len(ALLOWED) + len(REFUSED) == len(ALL) ** 2


@pytest.mark.parametrize(("start", "target"), ALLOWED)
def test_it_allows_every_valid_transition(
    make_need: MakeNeed, bob: User, start: str, target: str
) -> None:
    need = make_need(status=start)
    services.need_set_status(need=need, status=target, by=bob)
    need.refresh_from_db()
    assert need.status == target


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_it_refuses_every_other_transition(
    make_need: MakeNeed, bob: User, start: str, target: str
) -> None:
    need = make_need(status=start)
    with pytest.raises(ValidationError) as caught:
        services.need_set_status(need=need, status=target, by=bob)
    [message] = caught.value.message_dict["status"]
    current = str(NeedStatus(start).label).lower()
    assert current in message
    if start != target:
        assert str(NeedStatus(target).label).lower() in message
    need.refresh_from_db()
    assert need.status == start


def test_it_names_the_allowed_moves_in_the_refusal(make_need: MakeNeed, bob: User) -> None:
    need = make_need(status=NeedStatus.DRAFT)
    with pytest.raises(ValidationError) as caught:
        services.need_set_status(need=need, status=NeedStatus.FULFILLED, by=bob)
    assert caught.value.message_dict["status"] == [
        "A need that is draft cannot become fulfilled; it can become: open, withdrawn."
    ]
    done = make_need(status=NeedStatus.CLOSED)
    with pytest.raises(ValidationError) as caught:
        services.need_set_status(need=done, status=NeedStatus.OPEN, by=bob)
    assert caught.value.message_dict["status"] == [
        "A need that is closed cannot become open: it is finished."
    ]


def test_it_refuses_an_unknown_status(make_need: MakeNeed, bob: User) -> None:
    need = make_need()
    with pytest.raises(ValidationError) as caught:
        services.need_set_status(need=need, status="paused", by=bob)
    assert caught.value.message_dict["status"] == ["“paused” is not a need status."]


def test_opening_publishes_once(make_need: MakeNeed, bob: User) -> None:
    need = make_need()
    assert need.published_at is None
    before = timezone.now()
    services.need_set_status(need=need, status=NeedStatus.OPEN, by=bob)
    need.refresh_from_db()
    assert need.published_at is not None and need.published_at >= before
    first = need.published_at
    services.need_set_status(need=need, status=NeedStatus.IN_PROGRESS, by=bob)
    need.refresh_from_db()
    assert need.published_at == first


def test_it_refuses_to_open_a_need_whose_deadline_has_passed(
    make_need: MakeNeed, bob: User
) -> None:
    need = make_need(response_deadline=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError, match="deadline has passed"):
        services.need_set_status(need=need, status=NeedStatus.OPEN, by=bob)
    need.refresh_from_db()
    assert (need.status, need.published_at) == (NeedStatus.DRAFT, None)


def test_only_members_moderators_or_the_system_change_a_status(
    make_need: MakeNeed, charlie: User, moderator: User, alice: User
) -> None:
    need = make_need()
    with pytest.raises(PermissionDenied):
        services.need_set_status(need=need, status=NeedStatus.OPEN, by=charlie)
    services.need_set_status(need=need, status=NeedStatus.OPEN, by=alice)
    services.need_set_status(need=need, status=NeedStatus.IN_PROGRESS, by=None)
    services.need_set_status(need=need, status=NeedStatus.CLOSED, by=moderator)
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Record the after-commit side effects instead of running the engine."""
    import diaspora.matching.adapter as adapter
    import diaspora.notifications.services as notifications

    seen: list[tuple[str, Any]] = []
    monkeypatch.setattr(adapter, "matching_refresh_need", lambda pk: seen.append(("refresh", pk)))
    monkeypatch.setattr(
        notifications,
        "notify_new_matching_need",
        lambda *, need: seen.append(("notify", (need.pk, need.status))),
    )
    return seen


def test_it_refreshes_the_index_and_tells_experts_only_after_commit(
    django_capture_on_commit_callbacks: Any,
    calls: list[tuple[str, Any]],
    make_need: MakeNeed,
    bob: User,
) -> None:
    need = make_need()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.need_set_status(need=need, status=NeedStatus.OPEN, by=bob)
    assert calls == []
    for callback in pending:
        callback()
    assert calls == [("refresh", need.pk), ("notify", (need.pk, NeedStatus.OPEN))]


@pytest.mark.parametrize(("start", "target"), [t for t in ALLOWED if t[1] != NeedStatus.OPEN])
def test_other_transitions_refresh_without_telling_anyone(
    django_capture_on_commit_callbacks: Any,
    calls: list[tuple[str, Any]],
    make_need: MakeNeed,
    bob: User,
    start: str,
    target: str,
) -> None:
    need = make_need(status=start)
    with django_capture_on_commit_callbacks(execute=True):
        services.need_set_status(need=need, status=target, by=bob)
    assert calls == [("refresh", need.pk)]


def test_a_refused_transition_has_no_side_effect(
    django_capture_on_commit_callbacks: Any,
    calls: list[tuple[str, Any]],
    make_need: MakeNeed,
    bob: User,
) -> None:
    need = make_need(status=NeedStatus.FULFILLED)
    with (
        django_capture_on_commit_callbacks(execute=True) as pending,
        pytest.raises(ValidationError),
    ):
        services.need_set_status(need=need, status=NeedStatus.OPEN, by=bob)
    assert (pending, calls) == ([], [])


def test_it_creates_a_draft_with_everything(
    django_capture_on_commit_callbacks: Any,
    calls: list[tuple[str, Any]],
    institution: Institution,
    bob: User,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        need = services.need_create(
            institution=institution,
            created_by=bob,
            values=values(start_date=date(2030, 3, 1), end_date=date(2030, 6, 30)),
            description="Two students, **malaria** cohorts.",
            disciplines=list(Discipline.objects.filter(code__in=["3.3", "3.2"])),
            keywords=["  Malaria ", "cohort   studies", "malaria", ""],
            required_languages=["fr"],
            preferred_languages=["en", "wo"],
        )
    need = Need.objects.get(pk=need.pk)
    assert need.status == NeedStatus.DRAFT
    assert need.created_by == bob
    assert need.description_html == "<p>Two students, <strong>malaria</strong> cohorts.</p>"
    assert sorted(d.code for d in need.disciplines.all()) == ["3.2", "3.3"]
    assert sorted(k.name for k in need.keywords.all()) == ["cohort studies", "malaria"]
    assert need.required_language_codes == ["fr"]
    assert need.preferred_language_codes == ["en", "wo"]
    assert calls == [("refresh", need.pk)]


@pytest.mark.parametrize(
    ("overrides", "kwargs", "field", "message"),
    [
        (
            {"start_date": date(2030, 6, 1), "end_date": date(2030, 5, 1)},
            {},
            "end_date",
            "The end cannot be before the start.",
        ),
        (
            {"mode": "onsite"},
            {},
            "location_country",
            "Say where the work happens when it is not online.",
        ),
        (
            {"mode": "hybrid"},
            {},
            "location_country",
            "Say where the work happens when it is not online.",
        ),
        ({"experts_wanted": 0}, {}, "experts_wanted", "Ask for at least one expert."),
        (
            {},
            {"required_languages": ["fr"], "preferred_languages": ["fr", "en"]},
            "preferred_languages",
            "A language is either required or preferred, not both: fr.",
        ),
        (
            {},
            {"required_languages": ["xx"]},
            "required_languages",
            "xx is not an ISO 639-1 language code.",
        ),
        (
            {},
            {"keywords": ["x" * 61]},
            "keywords",
            f"Keyword “{'x' * 61}” is longer than 60 characters.",
        ),
        (
            {},
            {"disciplines": "major"},
            "disciplines",
            "Choose fields, not major fields: 3.",
        ),
    ],
)
def test_it_refuses_a_bad_need_and_keeps_nothing(
    institution: Institution,
    bob: User,
    overrides: dict[str, Any],
    kwargs: dict[str, Any],
    field: str,
    message: str,
) -> None:
    if "mode" in overrides:
        overrides["mode"] = Mode.objects.get(code=overrides["mode"])
    if kwargs.get("disciplines") == "major":
        kwargs["disciplines"] = [Discipline.objects.get(code="3")]
    with pytest.raises(ValidationError) as caught:
        services.need_create(
            institution=institution, created_by=bob, values=values(**overrides), **kwargs
        )
    assert caught.value.message_dict[field] == [message]
    assert Need.objects.count() == 0


def test_it_accepts_an_onsite_need_with_a_place(institution: Institution, bob: User) -> None:
    need = services.need_create(
        institution=institution,
        created_by=bob,
        values=values(mode=Mode.objects.get(code="onsite"), location_country="SN"),
    )
    assert str(need.location_country) == "SN"


def test_it_refuses_unknown_fields(institution: Institution, bob: User) -> None:
    with pytest.raises(ValidationError, match="status"):
        services.need_create(institution=institution, created_by=bob, values=values(status="open"))


def test_it_updates_only_what_is_given(
    make_need: MakeNeed, django_capture_on_commit_callbacks: Any, calls: list[tuple[str, Any]]
) -> None:
    need = make_need(keywords=["malaria"], required=["fr"], preferred=["en"], disciplines=["3.3"])
    with django_capture_on_commit_callbacks(execute=True):
        services.need_update(need=need, values={"title": "Renamed"}, preferred_languages=["pt"])
    need = Need.objects.get(pk=need.pk)
    assert need.title == "Renamed"
    assert [k.name for k in need.keywords.all()] == ["malaria"]
    assert [d.code for d in need.disciplines.all()] == ["3.3"]
    assert need.required_language_codes == ["fr"]
    assert need.preferred_language_codes == ["pt"]
    assert calls == [("refresh", need.pk)]


@pytest.mark.parametrize("status", sorted(services.FINAL_STATUSES))
def test_it_refuses_to_change_a_finished_need(make_need: MakeNeed, status: str) -> None:
    need = make_need(status=status)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.need_update(need=need, values={"title": "Renamed"})
    assert Need.objects.get(pk=need.pk).title != "Renamed"
