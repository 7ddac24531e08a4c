"""Notes and the timeline: private notes stay with their author, the feed is in order."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import DjangoAssertNumQueries

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.engagements.models import Engagement, ParticipantRole, TimelineVerb
from mentoring.engagements.panels import register_panel
from mentoring.engagements.services import (
    engagement_invitation_send,
    engagement_note_add,
    timeline_record,
)

SECRET = "I worry that Bob is overcommitted"


@pytest.fixture
def overseer(make_user: Callable[..., User], institution: Institution) -> User:
    user = make_user("awa@example.org", name="Awa Admin")
    Membership.objects.create(institution=institution, user=user, role=MemberRole.ADMIN)
    return user


def page(client: Client, name: str, engagement: Engagement, **params: str) -> str:
    r = client.get(reverse(name, args=[engagement.pk]), params)
    assert r.status_code == 200
    return r.content.decode()


def api_timeline(client: Client, engagement: Engagement, **params: str) -> list[dict]:
    r = client.get(f"/api/engagements/{engagement.pk}/timeline", params)
    assert r.status_code == 200, r.content
    return r.json()["results"]


def test_a_private_note_is_seen_by_its_author_only(
    login: Callable[[User], Client],
    institution_project: Engagement,
    alice: User,
    bob: User,
    overseer: User,
) -> None:
    engagement_note_add(engagement=institution_project, author=alice, body=SECRET, private=True)
    engagement_note_add(
        engagement=institution_project, author=bob, body="Data is in", private=False
    )
    mine = login(alice)
    assert SECRET in page(mine, "engagement_detail", institution_project)
    assert SECRET in page(mine, "engagement_timeline", institution_project)
    assert [
        e["private"] for e in api_timeline(mine, institution_project) if e["verb"] == "private_note"
    ] == [True]
    for other in (bob, overseer):
        client = login(other)
        for name in ("engagement_detail", "engagement_timeline"):
            html = page(client, name, institution_project)
            assert SECRET not in html
            assert "Your private note" not in html
            assert "Data is in" in html
        entries = api_timeline(client, institution_project)
        assert TimelineVerb.PRIVATE_NOTE not in [e["verb"] for e in entries]
        assert SECRET not in str(entries)
        notes = api_timeline(client, institution_project, type="notes")
        assert [e["text"] for e in notes] == ["Bob Mensah wrote a note"]


def test_what_only_those_who_run_it_see_stays_with_them(
    login: Callable[[User], Client], project: Engagement, alice: User, bob: User
) -> None:
    engagement_invitation_send(
        engagement=project, email="dora@example.org", role=ParticipantRole.MEMBER, by=alice
    )
    sentence = "Alice Ndiaye invited dora@example.org as project member"
    assert sentence in page(login(alice), "engagement_timeline", project)
    assert sentence not in page(login(bob), "engagement_timeline", project)
    assert sentence not in str(api_timeline(login(bob), project))


def test_it_adds_notes_from_the_page(
    login: Callable[[User], Client], mentorship: Engagement, bob: User
) -> None:
    client = login(bob)
    url = reverse("engagement_note", args=[mentorship.pk])
    r = client.post(url, {"body": "**Read** chapter 2", "private": "on"})
    assert r.status_code == 302
    assert r["Location"] == mentorship.get_absolute_url() + "#timeline"
    html = client.get(r["Location"]).content.decode()
    assert "Your private note is saved." in html
    assert "<strong>Read</strong> chapter 2" in html
    assert ">only you<" in html
    entry = mentorship.timeline.latest("id")
    assert (entry.verb, entry.actor, entry.audience) == (TimelineVerb.PRIVATE_NOTE, bob, "author")


def test_it_keeps_the_note_form_when_the_note_is_refused(
    login: Callable[[User], Client], mentorship: Engagement, bob: User
) -> None:
    before = mentorship.timeline.count()
    r = login(bob).post(
        reverse("engagement_note", args=[mentorship.pk]), {"body": "   ", "private": "on"}
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "Write something first." in html
    assert 'name="private" id="id_private" checked' in html
    r = login(bob).post(reverse("engagement_note", args=[mentorship.pk]), {"body": "x" * 20_001})
    assert "Ensure this value has at most 20000 characters" in r.content.decode()
    assert mentorship.timeline.count() == before


def test_notes_are_for_those_who_see_the_engagement(
    client: Client,
    login: Callable[[User], Client],
    mentorship: Engagement,
    charlie: User,
    moderator: User,
) -> None:
    url = reverse("engagement_note", args=[mentorship.pk])
    before = mentorship.timeline.count()
    assert login(charlie).post(url, {"body": "Hi"}).status_code == 404
    assert login(moderator).post(url, {"body": "Hi"}).status_code == 404
    r = client.post(url, {"body": "Hi"})
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_login"))
    assert mentorship.timeline.count() == before


def test_the_timeline_is_in_the_order_things_happened(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    now = timezone.now()
    # Logged today, held last week: it goes before what happened since.
    timeline_record(
        engagement=mentorship,
        verb=TimelineVerb.SESSION_LOGGED,
        actor=alice,
        params={"minutes": 60},
        occurred_at=now - timedelta(days=7),
    )
    timeline_record(
        engagement=mentorship,
        verb=TimelineVerb.GOAL_ADDED,
        actor=bob,
        params={"goal": "Submit the grant"},
        occurred_at=now - timedelta(days=3),
    )
    engagement_note_add(engagement=mentorship, author=bob, body="Done")
    client = login(alice)
    entries = api_timeline(client, mentorship)
    moments = [e["occurred_at"] for e in entries]
    assert moments == sorted(moments)
    verbs = [e["verb"] for e in entries]
    # Held a week ago, a goal three days ago, then the opening (today), then the note.
    assert verbs[:3] == [TimelineVerb.SESSION_LOGGED, TimelineVerb.GOAL_ADDED, TimelineVerb.OPENED]
    assert verbs[-1] == TimelineVerb.NOTE
    html = page(client, "engagement_timeline", mentorship)
    positions = [
        html.index("Alice Ndiaye logged a 60-minute session"),
        html.index("Bob Mensah added the goal “Submit the grant”"),
        html.index("Alice Ndiaye opened the engagement"),
        html.index("Bob Mensah wrote a note"),
    ]
    assert positions == sorted(positions)


def test_it_filters_the_timeline_by_type(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    engagement_note_add(engagement=mentorship, author=alice, body="A shared note")
    html = page(login(alice), "engagement_timeline", mentorship, type="notes")
    assert "A shared note" in html
    assert "joined as" not in html
    html = page(login(alice), "engagement_timeline", mentorship, type="people")
    assert "Bob Mensah joined as mentee" in html
    assert "A shared note" not in html
    # An unknown type shows everything.
    html = page(login(alice), "engagement_timeline", mentorship, type="nonsense")
    assert "A shared note" in html and "Bob Mensah joined as mentee" in html


def test_the_page_shows_the_latest_entries_and_links_the_whole_timeline(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    for i in range(12):
        engagement_note_add(engagement=mentorship, author=alice, body=f"Note number {i:02}")
    html = page(login(alice), "engagement_detail", mentorship)
    assert "Note number 01" not in html
    assert html.index("Note number 02") < html.index("Note number 11")
    assert reverse("engagement_timeline", args=[mentorship.pk]) in html


def test_the_timeline_pages_with_a_pinned_number_of_queries(
    login: Callable[[User], Client],
    mentorship: Engagement,
    alice: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client = login(alice)
    url = reverse("engagement_timeline", args=[mentorship.pk])
    with django_assert_num_queries(TIMELINE_QUERIES):
        r = client.get(url)
    assert len(r.context["items"]) == 3
    for i in range(60):
        engagement_note_add(engagement=mentorship, author=alice, body=f"Note {i}")
    with django_assert_num_queries(TIMELINE_QUERIES):
        r = client.get(url)
    assert len(r.context["items"]) == 50
    with django_assert_num_queries(TIMELINE_QUERIES):
        r = client.get(url, {"page": "2", "type": "notes"})
    assert [item.text for item in r.context["items"]] == ["Alice Ndiaye wrote a note"] * 10


# session, user, engagement, participant, count, page (with actors), unread badge (an
# engagement without an institution needs no check of its admins).
TIMELINE_QUERIES = 7


def test_the_timeline_page_is_for_those_who_see_the_engagement(
    client: Client,
    login: Callable[[User], Client],
    institution_project: Engagement,
    charlie: User,
    moderator: User,
    overseer: User,
    bob: User,
) -> None:
    url = reverse("engagement_timeline", args=[institution_project.pk])
    assert login(charlie).get(url).status_code == 404
    assert login(moderator).get(url).status_code == 404
    assert login(bob).get(url).status_code == 200
    assert login(overseer).get(url).status_code == 200
    r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_login"))


def test_it_shows_the_panels_of_the_kind(
    login: Callable[[User], Client], mentorship: Engagement, project: Engagement, alice: User
) -> None:
    register_panel(
        name="test-panel",
        template="engagements/includes/timeline_items.html",
        context=lambda access: {"role": access.role},
        kinds=frozenset({"project"}),
    )
    client = login(alice)
    assert 'id="test-panel"' in page(client, "engagement_detail", project)
    assert 'id="test-panel"' not in page(client, "engagement_detail", mentorship)
