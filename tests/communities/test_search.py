"""Forum search: PostgreSQL full text with ranking and highlights, the SQLite fallback, who
may find what, the filters, and snippets that stay harmless."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities import search
from diaspora.communities.models import Community, Post, Tag, Thread
from diaspora.communities.search import search_posts
from tests.communities.conftest import add_member, add_post, add_thread, make_community

pytestmark = pytest.mark.django_db


@pytest.fixture
def fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SQLite way, on whichever database runs the tests."""
    monkeypatch.setattr(search, "full_text_available", lambda: False)


@pytest.fixture
def corpus(alice: User, bob: User, community: Community, thread: Thread) -> dict[str, Post]:
    water = add_thread(community, alice, "Water quality in Accra", "Boreholes and nitrate levels.")
    add_post(water, bob, "We tested twenty wells for nitrate last year.")
    vaccines = add_thread(community, bob, "Vaccine trials", "Which trials recruit in Lagos?")
    vaccines.tags.add(Tag.objects.get(community=community, slug="epidemiology"))
    return {p.body_md.split()[0].lower(): p for p in Post.objects.all()}


def texts(hits: list[search.SearchHit]) -> set[str]:
    return {h.post.body_md for h in hits}


# --- On any database --------------------------------------------------------------------


def test_it_finds_posts_by_their_text_and_their_threads_title(
    charlie: User, corpus: dict[str, Post]
) -> None:
    assert texts(search_posts(user=charlie, q="nitrate")) == {
        "Boreholes and nitrate levels.",
        "We tested twenty wells for nitrate last year.",
    }
    # "Accra" is only in the title: every post of the thread is found.
    assert len(search_posts(user=charlie, q="accra")) == 2


def test_it_needs_every_word(charlie: User, corpus: dict[str, Post]) -> None:
    assert texts(search_posts(user=charlie, q="nitrate wells")) == {
        "We tested twenty wells for nitrate last year."
    }
    assert search_posts(user=charlie, q="nitrate cholera") == []


def test_it_returns_hits_with_their_thread_and_community(
    charlie: User, community: Community, corpus: dict[str, Post]
) -> None:
    (hit,) = search_posts(user=charlie, q="Lagos")
    assert hit.thread.title == "Vaccine trials"
    assert hit.community == community
    assert "<mark>Lagos</mark>" in hit.snippet_html


def test_it_never_finds_hidden_posts(alice: User, community: Community, thread: Thread) -> None:
    add_post(thread, alice, "Secret rotavirus figures", hidden_at=timezone.now())
    assert search_posts(user=alice, q="rotavirus") == []


def test_it_finds_private_posts_only_for_their_readers(
    alice: User, bob: User, moderator: User, private_community: Community
) -> None:
    add_thread(private_community, alice, "Budget", "The rotavirus budget is confidential.")
    assert len(search_posts(user=alice, q="rotavirus")) == 1
    assert len(search_posts(user=moderator, q="rotavirus")) == 1
    assert search_posts(user=bob, q="rotavirus") == []
    assert search_posts(user=AnonymousUser(), q="rotavirus") == []


def test_it_leaves_out_archived_communities_and_ones_left(
    alice: User, bob: User, private_community: Community
) -> None:
    add_member(private_community, bob)
    add_thread(private_community, alice, "Budget", "rotavirus")
    assert len(search_posts(user=bob, q="rotavirus")) == 1
    private_community.memberships.filter(user=bob).update(left_at=timezone.now())
    assert search_posts(user=bob, q="rotavirus") == []
    archived = make_community("old")
    add_member(archived, bob)
    add_thread(archived, bob, "Old", "rotavirus archive")
    archived.archived_at = timezone.now()
    archived.save()
    assert search_posts(user=bob, q="rotavirus") == []


def test_it_filters_by_community_tag_author_and_dates(
    alice: User, bob: User, community: Community, other_community: Community, dave: User
) -> None:
    here = add_thread(community, alice, "Here", "malaria nets")
    add_post(here, bob, "malaria drugs")
    there = add_thread(other_community, dave, "There", "malaria and dams")
    here.tags.add(Tag.objects.get(community=community))
    old = there.posts.get()
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    assert texts(search_posts(user=bob, q="malaria", community=other_community)) == {
        "malaria and dams"
    }
    assert texts(search_posts(user=bob, q="malaria", tag="epidemiology")) == {
        "malaria nets",
        "malaria drugs",
    }
    assert texts(search_posts(user=bob, q="malaria", author=bob)) == {"malaria drugs"}
    today = timezone.localdate()
    assert texts(search_posts(user=bob, q="malaria", until=today - timedelta(days=5))) == {
        "malaria and dams"
    }
    assert len(search_posts(user=bob, q="malaria", since=today)) == 2
    assert len(search_posts(user=bob, q="malaria", since=today - timedelta(days=10))) == 3


def test_it_lists_the_newest_posts_for_filters_without_words(
    alice: User, bob: User, corpus: dict[str, Post]
) -> None:
    hits = search_posts(user=bob, q="  ", author=alice)
    assert [h.post.author for h in hits] == [alice, alice]
    assert search_posts(user=bob, q="") == []


def test_it_keeps_hostile_text_harmless_in_snippets(
    alice: User, bob: User, community: Community
) -> None:
    add_thread(
        community,
        alice,
        "<script>alert('t')</script>",
        "Look <script>alert('x')</script> <img src=x onerror=alert(1)> tuberculosis "
        "\ue000 stray \ue001 \ue001 marks",
    )
    (hit,) = search_posts(user=bob, q="tuberculosis")
    html = str(hit.snippet_html)
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html or "&lt;img" in html
    assert "<mark>tuberculosis</mark>" in html
    assert html.count("<mark>") == html.count("</mark>")


def test_it_caps_the_number_of_hits(alice: User, community: Community) -> None:
    made = add_thread(community, alice, "Many", "leprosy 0")
    for n in range(5):
        add_post(made, alice, f"leprosy {n + 1}")
    assert len(search_posts(user=alice, q="leprosy", limit=3)) == 3


# --- The SQLite fallback, forced on any database ----------------------------------------


def test_it_lists_fallback_hits_newest_first(
    fallback: None, charlie: User, corpus: dict[str, Post]
) -> None:
    hits = search_posts(user=charlie, q="nitrate")
    assert [h.post.body_md for h in hits] == [
        "We tested twenty wells for nitrate last year.",
        "Boreholes and nitrate levels.",
    ]
    assert all(h.rank == 0.0 for h in hits)


def test_it_reads_phrases_and_exclusions_in_the_fallback(
    fallback: None, charlie: User, corpus: dict[str, Post]
) -> None:
    assert texts(search_posts(user=charlie, q='"twenty wells" -lagos +nitrate')) == {
        "We tested twenty wells for nitrate last year."
    }
    assert texts(search_posts(user=charlie, q='"wells twenty"')) == set()
    assert texts(search_posts(user=charlie, q='nitrate -"tested twenty"')) == {
        "Boreholes and nitrate levels."
    }
    assert texts(search_posts(user=charlie, q="nitrate -boreholes")) == {
        "We tested twenty wells for nitrate last year."
    }


def test_it_marks_every_word_in_a_fallback_snippet(
    fallback: None, charlie: User, corpus: dict[str, Post]
) -> None:
    (hit,) = search_posts(user=charlie, q="WELLS nitrate")
    assert str(hit.snippet_html) == (
        "We tested twenty <mark>wells</mark> for <mark>nitrate</mark> last year."
    )


def test_it_cuts_a_long_fallback_snippet_around_the_match(
    fallback: None, alice: User, community: Community
) -> None:
    add_thread(community, alice, "Long", "word " * 200 + "schistosomiasis " + "tail " * 200)
    (hit,) = search_posts(user=alice, q="schistosomiasis")
    html = str(hit.snippet_html)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>schistosomiasis</mark>" in html
    assert len(html) < search.SNIPPET_LENGTH + 40


def test_it_escapes_a_fallback_snippet(fallback: None, alice: User, community: Community):
    add_thread(community, alice, "T", "<b onclick='x'>typhoid</b> & more")
    (hit,) = search_posts(user=alice, q="typhoid")
    assert str(hit.snippet_html) == (
        "&lt;b onclick=&#x27;x&#x27;&gt;<mark>typhoid</mark>&lt;/b&gt; &amp; more"
    )


# --- PostgreSQL full text ---------------------------------------------------------------


def test_it_ranks_a_title_match_above_a_text_match(
    postgres: None, alice: User, community: Community
) -> None:
    in_text = add_thread(community, alice, "Field notes", "Notes about dengue in the south.")
    in_title = add_thread(community, alice, "Dengue outbreak", "Cases rose in March.")
    hits = search_posts(user=alice, q="dengue")
    assert [h.thread for h in hits] == [in_title, in_text]
    assert hits[0].rank > hits[1].rank > 0


def test_it_understands_web_search_syntax(
    postgres: None, charlie: User, corpus: dict[str, Post]
) -> None:
    assert texts(search_posts(user=charlie, q='"twenty wells"')) == {
        "We tested twenty wells for nitrate last year."
    }
    assert texts(search_posts(user=charlie, q='"wells twenty"')) == set()
    assert texts(search_posts(user=charlie, q="nitrate -boreholes")) == {
        "We tested twenty wells for nitrate last year."
    }
    assert len(search_posts(user=charlie, q="lagos or boreholes")) == 2


def test_it_highlights_with_the_database_headline(
    postgres: None, alice: User, community: Community
) -> None:
    add_thread(community, alice, "T", "Hostile <script>x</script> text about yellow fever")
    (hit,) = search_posts(user=alice, q="fever")
    html = str(hit.snippet_html)
    assert "<mark>fever</mark>" in html
    assert "<script" not in html


def test_it_searches_in_one_query(
    charlie: User, corpus: dict[str, Post], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):  # readable communities are a subquery
        hits = search_posts(user=charlie, q="nitrate")
        for hit in hits:
            assert hit.community.name and hit.post.author.display_name
