"""Flags and moderation racing each other (PostgreSQL: SQLite has no row locks).

A pause is slipped in right after the post's rows are locked, where a service without the
locks would let both callers read the same pending flags and hide the post twice."""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.moderation import services
from diaspora.moderation.models import ActionKind, Flag, FlagReason, ModerationAction
from tests.communities.conftest import add_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def slow_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    real = services._lock_post

    def slow(post: Post) -> None:
        real(post)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_lock_post", slow)


def race(*calls: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as error:  # reported by the assertions below
            results[i] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def opening(thread: Thread) -> Callable[[], Post]:
    return lambda: Post.objects.select_related("thread__community", "author").get(
        thread=thread, number=1
    )


def test_two_flags_at_once_hide_the_post_once(
    postgres: None,
    slow_locks: None,
    settings: Any,
    thread: Thread,
    community: Community,
    make_user: Callable[..., User],
) -> None:
    settings.FORUM_AUTO_HIDE_FLAGS = 2
    erin, femi = make_user("erin@example.org"), make_user("femi@example.org")
    add_member(community, erin)
    add_member(community, femi)
    post = opening(thread)

    results = race(
        lambda: services.flag_create(user=erin, post=post(), reason=FlagReason.SPAM),
        lambda: services.flag_create(user=femi, post=post(), reason=FlagReason.SPAM),
    )

    assert all(isinstance(r, Flag) for r in results), results
    assert post().hidden_automatically
    assert ModerationAction.objects.filter(action=ActionKind.POST_AUTO_HIDE).count() == 1
    assert Thread.objects.get(pk=thread.pk).post_count == 1


def test_one_person_flagging_twice_at_once_counts_once(
    postgres: None,
    slow_locks: None,
    thread: Thread,
    community: Community,
    make_user: Callable[..., User],
) -> None:
    erin = make_user("erin@example.org")
    add_member(community, erin)
    post = opening(thread)

    results = race(
        lambda: services.flag_create(user=erin, post=post(), reason=FlagReason.SPAM),
        lambda: services.flag_create(user=erin, post=post(), reason=FlagReason.ABUSIVE),
    )

    assert sorted(type(r).__name__ for r in results) == ["Flag", "ValidationError"], results
    assert isinstance(next(r for r in results if not isinstance(r, Flag)), ValidationError)
    assert Flag.objects.count() == 1


def test_two_moderators_hiding_at_once_hide_once(
    postgres: None, slow_locks: None, alice: User, moderator: User, thread: Thread
) -> None:
    post = opening(thread)

    results = race(
        lambda: services.post_hide(actor=alice, post=post(), reason="Spam"),
        lambda: services.post_hide(actor=moderator, post=post(), reason="Spam"),
    )

    assert sorted(type(r).__name__ for r in results) == ["Post", "ValidationError"], results
    assert Thread.objects.get(pk=thread.pk).post_count == 1
    assert ModerationAction.objects.filter(action=ActionKind.POST_HIDE).count() == 1
