"""The engagement page: header, people by role, status history, who may open it."""

from collections.abc import Callable
from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from mentoring.engagements.models import (
    Engagement,
    ParticipantRole,
    Side,
    StatusChange,
    TimelineEntry,
)
from mentoring.engagements.selectors import PEOPLE_PER_ROLE
from mentoring.engagements.services import engagement_transition, participant_add


def test_it_shows_the_header_people_and_history(
    login: Callable[[User], Client], institution_project: Engagement, alice: User, bob: User
) -> None:
    participant_add(
        engagement=institution_project,
        user=bob,
        role=ParticipantRole.MEMBER,
        side=Side.INSTITUTION,
        role_title="Data analyst",
        by=alice,
    )
    engagement_transition(
        engagement=institution_project, to_status="active", by=alice, reason="Plan approved"
    )
    r = login(bob).get(reverse("engagement_detail", args=[institution_project.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Joint project · " in html
    assert '<span class="pill status-active">Active</span>' in html
    assert institution_project.institution.get_absolute_url() in html  # type: ignore[union-attr]
    groups = [(g.label, [p.user.display_name for p in g.people]) for g in r.context["groups"]]
    assert groups == [("Project lead", ["Alice Ndiaye"]), ("Project member", ["Bob Mensah"])]
    assert "Bob Mensah, Data analyst" in html
    history = [(c.from_status, c.to_status, c.reason) for c in r.context["history"]]
    assert history == [("", "proposed", ""), ("proposed", "active", "Plan approved")]
    assert "<td>Plan approved</td>" in html
    # Only those who run it manage people.
    assert reverse("engagement_people", args=[institution_project.pk]) not in html
    alice_html = login(alice).get(institution_project.get_absolute_url()).content.decode()
    assert reverse("engagement_people", args=[institution_project.pk]) in alice_html


def test_it_lists_a_bounded_number_of_learners(
    login: Callable[[User], Client],
    course: Engagement,
    alice: User,
    make_user: Callable[..., User],
) -> None:
    for i in range(PEOPLE_PER_ROLE + 3):
        learner = make_user(f"l{i}@example.org", name=f"Learner {i:02}")
        participant_add(engagement=course, user=learner, role=ParticipantRole.LEARNER, by=learner)
    r = login(alice).get(course.get_absolute_url())
    learners = next(g for g in r.context["groups"] if g.role == ParticipantRole.LEARNER)
    assert (learners.count, len(learners.people), learners.more) == (
        PEOPLE_PER_ROLE + 3,
        PEOPLE_PER_ROLE,
        3,
    )
    assert "and 3 more" in r.content.decode()


def test_the_page_is_for_participants_and_overseers(
    client: Client,
    login: Callable[[User], Client],
    institution_project: Engagement,
    institution: Institution,
    bob: User,
    charlie: User,
    moderator: User,
    make_user: Callable[..., User],
) -> None:
    url = institution_project.get_absolute_url()
    assert login(bob).get(url).status_code == 200
    assert login(charlie).get(url).status_code == 404
    assert login(moderator).get(url).status_code == 404
    assert login(bob).get(reverse("engagement_detail", args=[99999])).status_code == 404
    r = client.get(url)
    assert r.status_code == 302 and r["Location"] == f"{reverse('account_login')}?next={url}"
    # A plain member of its institution is not let in; an admin oversees it.
    member = make_user("member@example.org", name="Mo Member")
    Membership.objects.create(institution=institution, user=member, role=MemberRole.MEMBER)
    assert login(member).get(url).status_code == 404
    overseer = make_user("awa@example.org", name="Awa Admin")
    Membership.objects.create(institution=institution, user=overseer, role=MemberRole.ADMIN)
    r = login(overseer).get(url)
    assert r.status_code == 200
    assert "administrator of its institution" in r.content.decode()
    assert not r.context["can_leave"]


def test_a_former_participant_is_shut_out(
    login: Callable[[User], Client], project: Engagement, bob: User
) -> None:
    client = login(bob)
    client.post(reverse("engagement_leave", args=[project.pk]))
    assert client.get(project.get_absolute_url()).status_code == 404
    assert client.get(reverse("engagement_timeline", args=[project.pk])).status_code == 404


def test_times_are_shown_in_the_viewers_time_zone(
    login: Callable[[User], Client], mentorship: Engagement, alice: User, bob: User
) -> None:
    moment = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    StatusChange.objects.filter(engagement=mentorship).update(changed_at=moment)
    TimelineEntry.objects.filter(engagement=mentorship).update(occurred_at=moment)
    User.objects.filter(pk=alice.pk).update(timezone="Asia/Tokyo")
    User.objects.filter(pk=bob.pk).update(timezone="America/Sao_Paulo")
    for user, shown, iso in (
        (alice, "Jan. 1, 2030, 9 p.m.", "2030-01-01T21:00:00+09:00"),
        (bob, "Jan. 1, 2030, 9 a.m.", "2030-01-01T09:00:00-03:00"),
    ):
        for name in ("engagement_detail", "engagement_timeline"):
            html = login(user).get(reverse(name, args=[mentorship.pk])).content.decode()
            assert shown in html, (user, name)
        html = login(user).get(mentorship.get_absolute_url()).content.decode()
        assert f'<time datetime="{iso}">{shown}</time>' in html
