"""`seed_demo` adds communities with lively threads, a pending flag in a review queue, and
moderator@example.org moderating one community."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from diaspora.accounts.models import User
from diaspora.communities.models import (
    Community,
    CommunityVisibility,
    MemberRole,
    Post,
    Thread,
)
from diaspora.communities.permissions import community_access
from diaspora.communities.selectors import visible_communities
from diaspora.demo.services import demo_seed
from diaspora.moderation.models import ActionKind, Flag, FlagStatus, ModerationAction
from diaspora.moderation.selectors import review_queue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_and_isolated(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def seeded() -> None:
    demo_seed()


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _it_adds_several_communities_of_every_visibility() -> None:
    visibilities = set(Community.objects.values_list("visibility", flat=True))
    assert visibilities == set(CommunityVisibility.values)
    assert Community.objects.count() >= 4


def _it_makes_threads_lively() -> None:
    busiest = Thread.objects.order_by("-post_count").first()
    assert busiest is not None and busiest.post_count >= 4
    assert Post.objects.filter(reply_to__isnull=False).exists()
    assert Post.objects.filter(body_html__contains='class="mention"').exists()
    assert Thread.objects.filter(pinned_at__isnull=False).exists()
    assert Thread.objects.filter(locked_at__isnull=False).exists()


def _it_dates_the_threads_back_so_nobody_is_rate_limited() -> None:
    recent = timezone.now() - timedelta(hours=1)
    assert not Post.objects.filter(created_at__gt=recent).exists()


def _moderator_moderates_a_community_with_a_pending_flag() -> None:
    moderator = _user("moderator@example.org")
    community = Community.objects.get(slug="public-health-africa")
    membership = community.memberships.get(user=moderator)
    assert membership.role == MemberRole.MODERATOR
    queue = review_queue(community=community)
    assert len(queue) == 1
    assert Flag.objects.filter(community=community, status=FlagStatus.PENDING).count() == 2
    # Two flags: under the auto-hide threshold, so a moderator decides.
    assert not queue[0].post.is_hidden


def _the_expert_moderates_only_their_own_community() -> None:
    expert = _user("expert@example.org")
    senegal = Community.objects.get(slug="senegal-knowledge-circle")
    health = Community.objects.get(slug="public-health-africa")
    assert community_access(expert, senegal).is_moderator
    assert not community_access(expert, health).is_moderator
    assert not expert.is_moderator and not expert.is_staff


def _the_members_only_community_is_invisible_to_outsiders() -> None:
    outsider = _user("outsider@example.org")
    slugs = set(visible_communities(outsider).values_list("slug", flat=True))
    assert "asia-pacific-migration" not in slugs
    assert "public-health-africa" in slugs
    client = Client()
    client.force_login(outsider)
    assert client.get("/communities/asia-pacific-migration/").status_code == 404


def _the_learner_has_an_invitation_waiting() -> None:
    learner = _user("learner@example.org")
    alumni = Community.objects.get(slug="diaspora-fellows-alumni")
    assert alumni.invitations.filter(email=learner.email, accepted_at__isnull=True).exists()
    assert learner.notifications.filter(url__contains="/communities/invitations/").exists()


def _the_audit_trail_has_the_seeded_acts() -> None:
    acts = set(ModerationAction.objects.values_list("action", flat=True))
    assert {ActionKind.THREAD_PIN, ActionKind.THREAD_LOCK, ActionKind.MODERATOR_ADD} <= acts


def test_it_seeds_the_communities(seeded: None) -> None:
    """One seed (it takes seconds) for every check of what it made."""
    _it_adds_several_communities_of_every_visibility()
    _it_makes_threads_lively()
    _it_dates_the_threads_back_so_nobody_is_rate_limited()
    _moderator_moderates_a_community_with_a_pending_flag()
    _the_expert_moderates_only_their_own_community()
    _the_members_only_community_is_invisible_to_outsiders()
    _the_learner_has_an_invitation_waiting()
    _the_audit_trail_has_the_seeded_acts()


def test_seeding_again_adds_nothing(seeded: None) -> None:
    counts = (
        Community.objects.count(),
        Thread.objects.count(),
        Post.objects.count(),
        Flag.objects.count(),
        ModerationAction.objects.count(),
    )
    demo_seed()
    assert counts == (
        Community.objects.count(),
        Thread.objects.count(),
        Post.objects.count(),
        Flag.objects.count(),
        ModerationAction.objects.count(),
    )
