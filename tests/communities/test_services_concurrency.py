"""Two people posting in one thread at the same moment (PostgreSQL: SQLite has no row locks).

A pause is slipped in after the thread's row is locked, where a service without the lock
would have read the same `last_number` twice: both posts must still get their own numbers."""

import threading
import time
from typing import Any

import pytest
from django.db import connection

from diaspora.accounts.models import User
from diaspora.communities import limits, services
from diaspora.communities.models import Post, Thread, ThreadEvent


@pytest.fixture
def slow_limits(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.FORUM_NEW_MEMBER_DAYS = 0
    settings.FORUM_POSTS_PER_MINUTE = 0
    real = limits.posting_limits_check

    def slow(**kwargs: Any) -> None:
        time.sleep(0.3)
        real(**kwargs)

    monkeypatch.setattr(services, "posting_limits_check", slow)


def race(*calls: Any) -> list[Any]:
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


@pytest.mark.django_db(transaction=True)
def test_it_numbers_two_posts_written_at_once(
    postgres: None, slow_limits: None, alice: User, bob: User, thread: Thread
) -> None:
    results = race(
        lambda: services.post_create(author=alice, thread=thread, text="From alice"),
        lambda: services.post_create(author=bob, thread=thread, text="From bob"),
    )
    assert all(isinstance(r, Post) for r in results), results
    assert sorted(r.number for r in results) == [3, 4]
    thread.refresh_from_db()
    assert (thread.last_number, thread.post_count, thread.last_seq) == (4, 4, 2)
    assert sorted(ThreadEvent.objects.values_list("seq", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_it_stores_one_post_for_a_client_id_sent_twice_at_once(
    postgres: None, slow_limits: None, bob: User, thread: Thread
) -> None:
    results = race(
        lambda: services.post_create(author=bob, thread=thread, text="Once", client_id="c-7"),
        lambda: services.post_create(author=bob, thread=thread, text="Once", client_id="c-7"),
    )
    assert all(isinstance(r, Post) for r in results), results
    assert results[0].pk == results[1].pk
    assert sorted(r.repeated for r in results) == [False, True]
    assert Post.objects.filter(thread=thread, client_id="c-7").count() == 1
    assert ThreadEvent.objects.count() == 1
