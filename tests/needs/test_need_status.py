from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.needs.models import Need, NeedStatus
from tests.needs.conftest import MakeNeed

pytestmark = pytest.mark.django_db


def url(need: Need) -> str:
    return reverse("need_status", args=[need.pk])


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, draft: Need) -> None:
    r = client.post(url(draft), {"status": "open"})
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")
    assert Need.objects.get(pk=draft.pk).status == NeedStatus.DRAFT


def test_it_takes_only_posts(login: Callable[[User], Client], bob: User, draft: Need) -> None:
    assert login(bob).get(url(draft)).status_code == 405


@pytest.mark.parametrize("viewer", ["alice", "bob"])
def test_members_open_a_draft(
    request: pytest.FixtureRequest, login: Callable[[User], Client], draft: Need, viewer: str
) -> None:
    client = login(request.getfixturevalue(viewer))
    r = client.post(url(draft), {"status": "open"})
    assert r.status_code == 302
    assert r["Location"] == reverse("need_detail", args=[draft.pk])
    need = Need.objects.get(pk=draft.pk)
    assert need.status == NeedStatus.OPEN
    assert need.published_at is not None
    assert "The need is now open." in client.get(r["Location"]).content.decode()


def test_it_explains_a_refused_move(
    login: Callable[[User], Client], bob: User, draft: Need
) -> None:
    client = login(bob)
    r = client.post(url(draft), {"status": "fulfilled"})
    assert r.status_code == 302
    assert Need.objects.get(pk=draft.pk).status == NeedStatus.DRAFT
    page = client.get(r["Location"]).content.decode()
    assert "A need that is draft cannot become fulfilled; it can become: open, withdrawn." in page


def test_it_explains_an_unknown_status(
    login: Callable[[User], Client], bob: User, draft: Need
) -> None:
    client = login(bob)
    r = client.post(url(draft), {"status": "paused"})
    assert Need.objects.get(pk=draft.pk).status == NeedStatus.DRAFT
    assert "Choose a status from the list." in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize(
    ("status", "viewer", "expected"),
    [
        (NeedStatus.OPEN, "dora", 403),
        (NeedStatus.OPEN, "charlie", 403),
        (NeedStatus.OPEN, "moderator", 403),
        (NeedStatus.DRAFT, "dora", 404),
        (NeedStatus.DRAFT, "charlie", 404),
        (NeedStatus.WITHDRAWN, "charlie", 404),
        (NeedStatus.DRAFT, "moderator", 403),
    ],
)
def test_it_refuses_everyone_else(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    make_need: MakeNeed,
    status: str,
    viewer: str,
    expected: int,
) -> None:
    need = make_need(status=status)
    target = "in_progress" if status == NeedStatus.OPEN else "open"
    r = login(request.getfixturevalue(viewer)).post(url(need), {"status": target})
    assert r.status_code == expected
    assert Need.objects.get(pk=need.pk).status == status
