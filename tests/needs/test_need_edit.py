from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.needs.models import Need, NeedStatus
from tests.needs.conftest import MakeNeed

pytestmark = pytest.mark.django_db


def url(need: Need) -> str:
    return reverse("need_edit", args=[need.pk])


def data(need: Need, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Renamed course",
        "description": "New *text*.",
        "disciplines": ["3.3", "5.1"],
        "keywords": "biostatistics",
        "engagement_type": need.engagement_type_id,
        "mode": need.mode_id,
        "location_city": "",
        "location_country": "",
        "start_date": "",
        "end_date": "",
        "effort_hours": "10",
        "experts_wanted": "1",
        "response_deadline": "",
        "required_languages": ["en"],
        "preferred_languages": [],
    }
    values.update(overrides)
    return values


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, draft: Need) -> None:
    r = client.get(url(draft))
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={url(draft)}"
    assert client.post(url(draft), data(draft)).status_code == 302
    assert Need.objects.get(pk=draft.pk).title == "Draft course"


@pytest.mark.parametrize("viewer", ["alice", "bob"])
def test_it_lets_members_edit(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_need: MakeNeed,
    viewer: str,
) -> None:
    need = make_need(keywords=["malaria"], required=["fr"], disciplines=["3.3"])
    client = login(request.getfixturevalue(viewer))
    page = client.get(url(need))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Edit Teach a biostatistics course" in content
    assert 'value="malaria"' in content
    assert '<option value="fr" selected>' in content
    assert 'value="3.3"' in content and "checked" in content
    r = client.post(url(need), data(need))
    assert r.status_code == 302
    need = Need.objects.get(pk=need.pk)
    assert need.title == "Renamed course"
    assert need.description_html == "<p>New <em>text</em>.</p>"
    assert sorted(d.code for d in need.disciplines.all()) == ["3.3", "5.1"]
    assert need.required_language_codes == ["en"]


@pytest.mark.parametrize(
    ("status", "viewer", "expected"),
    [
        (NeedStatus.OPEN, "dora", 403),
        (NeedStatus.OPEN, "charlie", 403),
        (NeedStatus.OPEN, "moderator", 403),
        (NeedStatus.DRAFT, "dora", 404),
        (NeedStatus.DRAFT, "charlie", 404),
        (NeedStatus.DRAFT, "erin", 404),
        (NeedStatus.DRAFT, "moderator", 403),
    ],
)
def test_it_refuses_everyone_else(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_need: MakeNeed,
    bob: User,
    status: str,
    viewer: str,
    expected: int,
) -> None:
    need = make_need(status=status)
    client = login(request.getfixturevalue(viewer))
    assert client.get(url(need)).status_code == expected
    assert client.post(url(need), data(need)).status_code == expected
    assert Need.objects.get(pk=need.pk).title == "Teach a biostatistics course"


def test_it_keeps_the_saved_title_in_the_heading_and_the_typed_values_on_error(
    login: Callable[[User], Client], bob: User, draft: Need
) -> None:
    r = login(bob).post(url(draft), data(draft, start_date="2030-05-02", end_date="2030-05-01"))
    assert r.status_code == 200
    assert r.context["form"].errors["end_date"] == ["The end cannot be before the start."]
    content = r.content.decode()
    assert "Edit Draft course" in content
    assert 'value="Renamed course"' in content
    assert 'value="2030-05-02"' in content
    assert Need.objects.get(pk=draft.pk).title == "Draft course"


@pytest.mark.parametrize("status", [NeedStatus.FULFILLED, NeedStatus.CLOSED, NeedStatus.WITHDRAWN])
def test_it_sends_members_back_from_a_finished_need(
    login: Callable[[User], Client], bob: User, make_need: MakeNeed, status: str
) -> None:
    need = make_need(status=status)
    client = login(bob)
    r = client.post(url(need), data(need))
    assert r.status_code == 302
    assert r["Location"] == reverse("need_detail", args=[need.pk])
    assert Need.objects.get(pk=need.pk).title == "Teach a biostatistics course"
    assert "can no longer be changed" in client.get(r["Location"]).content.decode()
