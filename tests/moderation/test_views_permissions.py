"""Who may open each moderation page and send each moderation form.

alice moderates `community` (public) and `private_community` (members only); bob is a member
of `community`; charlie belongs to nothing; dave moderates `other_community` only; `moderator`
is a platform moderator; `staff` is staff. Every page and every act: anonymous → sign-in page,
a member → 403, another community's moderator → 403, an outsider of a members-only community
→ 404, and a refused POST changes nothing and leaves no audit entry.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import Community, Post, Thread
from diaspora.moderation.models import ModerationAction, Silence, Warning
from tests.communities.conftest import add_member, add_thread

pytestmark = pytest.mark.django_db


@dataclass
class World:
    community: Community
    private: Community
    thread: Thread
    post: Post
    private_thread: Thread
    private_post: Post
    bob: User
    silence: Silence
    private_member: User
    private_silence: Silence


@pytest.fixture
def world(
    community: Community,
    private_community: Community,
    thread: Thread,
    alice: User,
    bob: User,
    make_user: Callable[..., User],
) -> World:
    insider = make_user("ines@example.org", name="Ines Insider")
    add_member(private_community, insider)
    private_thread = add_thread(private_community, insider, "Budget", "The council's budget.")
    until = timezone.now() + timedelta(days=1)
    return World(
        community=community,
        private=private_community,
        thread=thread,
        post=thread.posts.get(number=1),
        private_thread=private_thread,
        private_post=private_thread.posts.get(number=1),
        bob=bob,
        silence=Silence.objects.create(
            community=community, member=bob, issued_by=alice, reason="Cool off", ends_at=until
        ),
        private_member=insider,
        private_silence=Silence.objects.create(
            community=private_community,
            member=insider,
            issued_by=alice,
            reason="Cool off",
            ends_at=until,
        ),
    )


# Each community page or act: (name, url for `community`, url for `private_community`).
CommunityUrl = Callable[[World, bool], str]


def _c(name: str, *extra: str) -> CommunityUrl:
    def url(w: World, private: bool) -> str:
        community = w.private if private else w.community
        member = w.private_member if private else w.bob
        silence = w.private_silence if private else w.silence
        thread = w.private_thread if private else w.thread
        post = w.private_post if private else w.post
        values = {
            "slug": community.slug,
            "member": member.pk,
            "silence": silence.pk,
            "thread": thread.pk,
            "post": post.pk,
        }
        args = [values[e] for e in extra]
        return reverse(name, args=args)

    return url


MODERATOR_PAGES: dict[str, CommunityUrl] = {
    "review_queue": _c("review_queue", "slug"),
    "audit_trail": _c("audit_trail", "slug"),
    "community_members": _c("community_members", "slug"),
    "member_warn": _c("member_warn", "slug", "member"),
    "member_silence": _c("member_silence", "slug", "member"),
    "member_unsilence": _c("member_unsilence", "slug", "silence"),
    "member_remove": _c("member_remove", "slug", "member"),
    "flags_resolve": _c("flags_resolve", "post"),
    "post_hide": _c("post_hide", "post"),
    "post_restore": _c("post_restore", "post"),
    "thread_lock": _c("thread_lock", "thread"),
    "thread_unlock": _c("thread_unlock", "thread"),
    "thread_pin": _c("thread_pin", "thread"),
    "thread_unpin": _c("thread_unpin", "thread"),
    "thread_move": _c("thread_move", "thread"),
    "moderator_set": _c("moderator_set", "slug", "member"),
}

# A POST that the right person could send successfully (the refusals must not depend on a
# missing field).
POST_DATA: dict[str, dict[str, str]] = {
    "member_warn": {"message": "Please stay on topic."},
    "member_silence": {"duration": "1d", "reason": "Heated"},
    "member_unsilence": {"reason": "Calmer now"},
    "member_remove": {"reason": "Spam"},
    "flags_resolve": {"decision": "agree", "reason": "Rude"},
    "post_hide": {"reason": "Rude"},
    "post_restore": {"reason": ""},
    "thread_lock": {"reason": "Done"},
    "thread_unlock": {"reason": ""},
    "thread_pin": {"reason": ""},
    "thread_unpin": {"reason": ""},
    "thread_move": {"to_community": "water-engineering", "reason": "Belongs there"},
    "moderator_set": {"is_moderator": "1", "reason": ""},
}


def _state() -> tuple[int, int, int]:
    return (ModerationAction.objects.count(), Warning.objects.count(), Silence.objects.count())


@pytest.mark.parametrize("name", sorted(MODERATOR_PAGES))
def test_it_sends_anonymous_visitors_to_sign_in(world: World, name: str) -> None:
    url = MODERATOR_PAGES[name](world, False)
    for response in (Client().get(url), Client().post(url, POST_DATA.get(name, {}))):
        # (A page that only reads answers a POST with 405 to everyone.)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(MODERATOR_PAGES))
def test_it_refuses_a_plain_member(
    world: World, login: Callable[[User], Client], name: str
) -> None:
    url = MODERATOR_PAGES[name](world, False)
    client = login(world.bob)
    before = _state()
    assert client.get(url).status_code == 403
    if name in POST_DATA:
        assert client.post(url, POST_DATA[name]).status_code == 403
    assert _state() == before


@pytest.mark.parametrize("name", sorted(MODERATOR_PAGES))
def test_it_refuses_the_moderator_of_another_community(
    world: World, other_community: Community, dave: User, login: Callable[[User], Client], name: str
) -> None:
    url = MODERATOR_PAGES[name](world, False)
    client = login(dave)
    before = _state()
    assert client.get(url).status_code == 403
    if name in POST_DATA:
        assert client.post(url, POST_DATA[name]).status_code == 403
    assert _state() == before
    world.thread.refresh_from_db()
    assert world.thread.community_id == world.community.pk


@pytest.mark.parametrize("name", sorted(MODERATOR_PAGES))
def test_it_hides_a_members_only_community_from_outsiders(
    world: World,
    other_community: Community,
    dave: User,
    charlie: User,
    login: Callable[[User], Client],
    name: str,
) -> None:
    url = MODERATOR_PAGES[name](world, True)
    before = _state()
    for outsider in (charlie, dave):
        client = login(outsider)
        assert client.get(url).status_code == 404
        if name in POST_DATA:
            assert client.post(url, POST_DATA[name]).status_code == 404
    assert _state() == before


@pytest.mark.parametrize("name", sorted(MODERATOR_PAGES))
def test_it_opens_every_page_to_the_communitys_moderator(
    world: World, login: Callable[[User], Client], alice: User, moderator: User, name: str
) -> None:
    # Choosing moderators is for platform moderators; alice only moderates this community.
    expected = 403 if name == "moderator_set" else 200
    assert login(alice).get(MODERATOR_PAGES[name](world, False)).status_code == expected
    assert login(alice).get(MODERATOR_PAGES[name](world, True)).status_code == expected
    assert login(moderator).get(MODERATOR_PAGES[name](world, True)).status_code == 200


def test_only_platform_moderators_choose_moderators(
    world: World, login: Callable[[User], Client], alice: User, moderator: User
) -> None:
    url = reverse("moderator_set", args=[world.community.slug, world.bob.pk])
    assert login(alice).post(url, {"is_moderator": "1"}).status_code == 403
    assert not ModerationAction.objects.filter(action="moderator_add").exists()
    response = login(moderator).post(url, {"is_moderator": "1"})
    assert response.status_code == 302
    assert ModerationAction.objects.filter(action="moderator_add", member=world.bob).exists()


# -- accounts: staff only --------------------------------------------------------------------


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user("root@example.org", name="Root Staff", is_staff=True)


@pytest.mark.parametrize("name", ["member_suspend", "member_reinstate"])
def test_only_staff_suspend_and_reinstate(
    name: str,
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    moderator: User,
    staff: User,
) -> None:
    url = reverse(name, args=[bob.pk])
    data = {"reason": "Spam everywhere"}
    anonymous = Client().post(url, data)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    # A community moderator and a platform moderator who is not staff: refused.
    for user in (alice, moderator):
        assert login(user).get(url).status_code == 403
        assert login(user).post(url, data).status_code == 403
    bob.refresh_from_db()
    assert bob.is_active
    assert not ModerationAction.objects.exists()
    assert login(staff).get(url).status_code == 200


def test_it_answers_404_for_an_account_that_does_not_exist(
    login: Callable[[User], Client], staff: User
) -> None:
    assert login(staff).get(reverse("member_suspend", args=[999999])).status_code == 404


# -- the rest -------------------------------------------------------------------------------


def test_the_whole_audit_trail_is_for_platform_moderators(
    login: Callable[[User], Client], alice: User, community: Community, moderator: User
) -> None:
    url = reverse("audit_all")
    assert Client().get(url).status_code == 302
    assert login(alice).get(url).status_code == 403
    assert login(alice).get(url, {"format": "csv"}).status_code == 403
    assert login(moderator).get(url).status_code == 200


def test_the_moderation_home_is_for_people_who_moderate_something(
    login: Callable[[User], Client],
    alice: User,
    bob: User,
    community: Community,
    moderator: User,
) -> None:
    url = reverse("moderation_home")
    assert Client().get(url).status_code == 302
    assert login(bob).get(url).status_code == 403
    assert login(alice).get(url).status_code == 200
    assert login(moderator).get(url).status_code == 200


def test_flagging_is_for_members_who_can_read_the_post(
    world: World, login: Callable[[User], Client], charlie: User, alice: User
) -> None:
    url = reverse("post_flag", args=[world.post.pk])
    data = {"reason": "spam"}
    anonymous = Client().post(url, data)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    # charlie reads the public community but is not a member of it.
    assert login(charlie).get(url).status_code == 403
    assert login(charlie).post(url, data).status_code == 403
    # ... and the members-only one does not exist for him.
    private_url = reverse("post_flag", args=[world.private_post.pk])
    assert login(charlie).get(private_url).status_code == 404
    assert login(charlie).post(private_url, data).status_code == 404
    assert not world.post.flags.exists()
    # A hidden post is not there for members other than its author.
    world.post.hidden_at = world.thread.created_at
    world.post.save()
    assert login(alice).get(url).status_code == 200  # a moderator still sees it
    other = world.thread.posts.get(number=2)
    other.hidden_at = world.thread.created_at
    other.save()
    assert login(world.bob).get(reverse("post_flag", args=[other.pk])).status_code == 404


def test_warnings_are_their_members_own(
    login: Callable[[User], Client], alice: User, bob: User, charlie: User, community: Community
) -> None:
    warning = Warning.objects.create(community=community, member=bob, issued_by=alice, message="x")
    url = reverse("warning_acknowledge", args=[warning.pk])
    assert Client().get(reverse("my_warnings")).status_code == 302
    assert Client().post(url).status_code == 302
    assert login(charlie).post(url).status_code == 404
    assert login(alice).post(url).status_code == 404
    warning.refresh_from_db()
    assert warning.acknowledged_at is None
    assert login(bob).get(url).status_code == 405
    assert login(bob).post(url).status_code == 302
    warning.refresh_from_db()
    assert warning.acknowledged_at is not None


def test_it_refuses_to_act_on_someone_who_never_was_a_member(
    login: Callable[[User], Client], alice: User, charlie: User, community: Community
) -> None:
    for name in ("member_warn", "member_silence", "member_remove"):
        url = reverse(name, args=[community.slug, charlie.pk])
        assert login(alice).get(url).status_code == 404


def test_a_silence_is_lifted_only_in_its_own_community(
    world: World, other_community: Community, dave: User, login: Callable[[User], Client]
) -> None:
    # dave moderates other_community, and names community's silence under it.
    url = reverse("member_unsilence", args=[other_community.slug, world.silence.pk])
    assert login(dave).post(url, {"reason": ""}).status_code == 404
    world.silence.refresh_from_db()
    assert world.silence.lifted_at is None
