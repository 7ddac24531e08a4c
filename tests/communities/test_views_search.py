"""The forum search page: only what the searcher may read, with its filters. The search
itself (full text on PostgreSQL, words on SQLite) is tested with `search.py`; this checks the
page asks it correctly and shows the hits safely."""

from django.urls import reverse
from django.utils import timezone

from diaspora.communities.models import Post
from tests.communities.conftest import add_post, add_thread

URL = reverse("forum_search")


def search(client, **params: str) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_finds_only_what_the_reader_may_read(
    client, login, thread, private_community, alice, charlie
):
    add_thread(private_community, alice, "Cholera budget", "Cholera money, secret")
    assert "Cholera surveillance in Dakar" in search(client, q="cholera")
    for reader in (client, login(charlie)):
        assert "Cholera budget" not in search(reader, q="cholera")
    assert "Cholera budget" in search(login(alice), q="cholera")
    # A members-only community is not even offered as a filter to others.
    assert f'value="{private_community.slug}"' not in search(login(charlie))
    assert f'value="{private_community.slug}"' in search(login(alice))


def test_it_never_finds_hidden_posts(login, thread, alice, bob):
    add_post(thread, bob, "Zanzibar outbreak rumour")
    Post.objects.filter(body_md__startswith="Zanzibar").update(hidden_at=timezone.now())
    assert "1 post found" not in search(login(alice), q="zanzibar")
    assert "0 posts found" in search(login(alice), q="zanzibar")


def test_it_filters_by_community_author_and_tag(login, thread, other_community, alice, bob, dave):
    add_thread(other_community, dave, "Weekly water counts", "Counts of wells")
    client = login(bob)
    assert "Weekly water counts" in search(client, q="counts")
    page = search(client, q="counts", community=thread.community.slug)
    assert "Weekly water counts" not in page and "Cholera surveillance" in page
    page = search(client, q="counts", author="@dave-okafor")
    assert "Weekly water counts" in page and "Cholera surveillance" not in page
    page = search(client, q="counts", author="nobody-at-all")
    assert "Nobody has the handle @nobody-at-all." in page
    assert "posts found" not in page
    assert "0 posts found" in search(client, q="counts", tag="epidemiology")
    # Without words, a filter alone lists the newest posts that pass it.
    assert "Weekly water counts" in search(client, author="dave-okafor")


def test_it_checks_dates(login, thread, bob):
    page = search(login(bob), q="data", **{"from": "2030-02-01", "to": "2030-01-01"})
    assert "The end date is before the start date." in page
    page = search(login(bob), q="data", **{"from": "not a date"})
    assert "Enter a valid date." in page


def test_it_asks_for_something_to_search(client, db):
    page = search(client)
    assert "Type some words" in page
