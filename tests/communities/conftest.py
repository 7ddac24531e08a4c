"""Communities for the forum and moderation tests, made with the models directly so that the
fixtures do not depend on the services under test.

- `community`: public; alice is its moderator, bob a member, charlie no member.
- `private_community`: members only; alice moderates it, bob and charlie are not in it.
- `other_community`: public; dave moderates it (and is nothing in `community`).
- `thread`: in `community`, opened by bob, with two posts (bob #1, alice #2).
"""

from collections.abc import Callable

import pytest
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import (
    Community,
    CommunityKind,
    CommunityVisibility,
    MemberRole,
    Membership,
    Post,
    Tag,
    Thread,
)

CONDUCT = "Be kind. Cite your sources. No advertising."


def make_community(
    slug: str, *, visibility: str = CommunityVisibility.PUBLIC, name: str = ""
) -> Community:
    community = Community(
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        kind=CommunityKind.DISCIPLINE,
        visibility=visibility,
    )
    community.set_description(f"The **{slug}** community.")
    community.set_code_of_conduct(CONDUCT)
    community.save()
    return community


def add_member(community: Community, user: User, role: str = MemberRole.MEMBER) -> Membership:
    return Membership.objects.create(
        community=community, user=user, role=role, conduct_accepted_at=timezone.now()
    )


def add_post(thread: Thread, author: User, text: str, **extra: object) -> Post:
    thread.last_number += 1
    thread.post_count += 1
    thread.last_posted_at = timezone.now()
    thread.save(update_fields=["last_number", "post_count", "last_posted_at"])
    post = Post(thread=thread, number=thread.last_number, author=author, **extra)
    post.set_body(text)
    post.save()
    return post


def add_thread(community: Community, author: User, title: str, text: str) -> Thread:
    thread = Thread.objects.create(community=community, title=title, author=author)
    add_post(thread, author, text)
    return thread


@pytest.fixture
def community(alice: User, bob: User) -> Community:
    made = make_community("public-health")
    add_member(made, alice, MemberRole.MODERATOR)
    add_member(made, bob)
    Tag.objects.create(community=made, name="Epidemiology", slug="epidemiology")
    return made


@pytest.fixture
def private_community(alice: User) -> Community:
    made = make_community("council", visibility=CommunityVisibility.MEMBERS)
    add_member(made, alice, MemberRole.MODERATOR)
    return made


@pytest.fixture
def dave(make_user: Callable[..., User]) -> User:
    return make_user("dave@example.org", name="Dave Okafor")


@pytest.fixture
def other_community(dave: User) -> Community:
    made = make_community("water-engineering")
    add_member(made, dave, MemberRole.MODERATOR)
    return made


@pytest.fixture
def thread(community: Community, alice: User, bob: User) -> Thread:
    made = add_thread(community, bob, "Cholera surveillance in Dakar", "What data do we have?")
    add_post(made, alice, "The ministry publishes weekly counts.")
    return made
