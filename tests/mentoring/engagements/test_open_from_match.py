"""An accepted match opens an engagement of the kind its need asked for."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.matches.models import Match
from diaspora.matches.services import (
    proposal_answer,
    proposal_express_interest,
    proposal_invite,
)
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile
from diaspora.reference.models import EngagementType
from mentoring.courses.models import Course
from mentoring.engagements.models import (
    Engagement,
    EngagementKind,
    EngagementStatus,
    ParticipantRole,
    Side,
    TimelineVerb,
)
from mentoring.mentorships.models import Agreement
from mentoring.projects.models import Project
from tests.matches.conftest import dana, eve, make_expert, make_need, matching_index
from tests.mentoring.engagements.conftest import entries_of, texts

__all__ = ["dana", "eve", "make_expert", "matching_index"]


def accept_invitation(need: Need, expert: ExpertProfile, sender: User) -> Match:
    proposal = proposal_invite(need=need, expert=expert, sent_by=sender, message="Join us?")
    proposal_answer(proposal=proposal, by=expert.user, accept=True)
    return Match.objects.get(proposal=proposal)


def need_of(institution: Institution, author: User, code: str, **values: object) -> Need:
    return make_need(
        institution, author, engagement_type=EngagementType.objects.get(code=code), **values
    )


def roles(engagement: Engagement) -> list[tuple[str, str, str]]:
    return [
        (p.user.email, p.role, p.side)
        for p in engagement.participants.current().select_related("user").order_by("id")
    ]


def test_it_opens_a_mentorship_from_an_accepted_invitation(
    institution: Institution, alice: User, bob: User, dana: ExpertProfile
) -> None:
    need = need_of(institution, alice, "mentoring")
    match = accept_invitation(need, dana, bob)
    engagement = Engagement.objects.get(need=need)
    assert engagement.kind == EngagementKind.MENTORSHIP
    assert engagement.status == EngagementStatus.PROPOSED
    assert engagement.match == match
    assert engagement.institution == institution
    assert engagement.title == need.title
    # The expert mentors; the member who sent the invitation coordinates, on the
    # institution's side.
    assert roles(engagement) == [
        ("dana@example.org", ParticipantRole.MENTOR, Side.EXPERT),
        ("bob@example.org", ParticipantRole.COORDINATOR, Side.INSTITUTION),
    ]
    assert Agreement.objects.filter(engagement=engagement).exists()
    assert texts(entries_of(engagement))[0] == f"Opened from the match on “{need.title}”"
    assert engagement.status_changes.get().to_status == EngagementStatus.PROPOSED


def test_the_member_who_accepts_interest_coordinates(
    institution: Institution, alice: User, eve: ExpertProfile
) -> None:
    need = need_of(institution, alice, "mentoring")
    proposal = proposal_express_interest(need=need, expert=eve, sent_by=eve.user, message="Me")
    proposal_answer(proposal=proposal, by=alice, accept=True)
    engagement = Engagement.objects.get(need=need)
    assert roles(engagement) == [
        ("eve@example.org", ParticipantRole.MENTOR, Side.EXPERT),
        ("alice@example.org", ParticipantRole.COORDINATOR, Side.INSTITUTION),
    ]


def test_every_mentor_gets_a_mentorship_of_their_own(
    institution: Institution, alice: User, bob: User, dana: ExpertProfile, eve: ExpertProfile
) -> None:
    need = need_of(institution, alice, "mentoring", experts_wanted=2)
    accept_invitation(need, dana, bob)
    accept_invitation(need, eve, bob)
    assert Engagement.objects.filter(need=need, kind=EngagementKind.MENTORSHIP).count() == 2


def test_a_course_need_opens_a_course(
    institution: Institution, alice: User, bob: User, dana: ExpertProfile
) -> None:
    need = need_of(institution, alice, "course")
    accept_invitation(need, dana, bob)
    engagement = Engagement.objects.get(need=need)
    assert engagement.kind == EngagementKind.COURSE
    course = Course.objects.get(engagement=engagement)
    assert course.language == "fr"  # the need's required language
    assert roles(engagement)[0] == ("dana@example.org", ParticipantRole.INSTRUCTOR, Side.EXPERT)


def test_a_research_need_opens_a_project_and_a_second_match_joins_it(
    institution: Institution, alice: User, bob: User, dana: ExpertProfile, eve: ExpertProfile
) -> None:
    need = need_of(institution, alice, "research", experts_wanted=2)
    accept_invitation(need, dana, bob)
    engagement = Engagement.objects.get(need=need)
    assert engagement.kind == EngagementKind.PROJECT
    assert Project.objects.filter(engagement=engagement).exists()
    accept_invitation(need, eve, bob)
    assert Engagement.objects.filter(need=need).count() == 1
    assert roles(engagement) == [
        ("dana@example.org", ParticipantRole.LEAD, Side.EXPERT),
        ("bob@example.org", ParticipantRole.COORDINATOR, Side.INSTITUTION),
        ("eve@example.org", ParticipantRole.LEAD, Side.EXPERT),
    ]
    joined = [e for e in entries_of(engagement) if e.verb == TimelineVerb.JOINED]
    assert texts(joined)[-1] == "Eve Sarr joined as project lead"


def test_a_second_match_opens_a_new_project_once_the_first_has_ended(
    institution: Institution, alice: User, bob: User, dana: ExpertProfile, eve: ExpertProfile
) -> None:
    need = need_of(institution, alice, "research", experts_wanted=2)
    accept_invitation(need, dana, bob)
    Engagement.objects.filter(need=need).update(status=EngagementStatus.CANCELLED)
    accept_invitation(need, eve, bob)
    assert Engagement.objects.filter(need=need).count() == 2


@pytest.mark.parametrize("code", ["mentoring", "research"])
def test_both_sides_find_it_on_their_pages(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    dana: ExpertProfile,
    code: str,
) -> None:
    need = need_of(institution, alice, code)
    accept_invitation(need, dana, bob)
    engagement = Engagement.objects.get(need=need)
    for user in (dana.user, bob):
        client = login(user)
        assert engagement.title in client.get(reverse("engagement_list")).content.decode()
        html = client.get(engagement.get_absolute_url()).content.decode()
        assert reverse("need_detail", args=[need.pk]) in html
    # alice administers the institution: she oversees it without taking part.
    assert login(alice).get(engagement.get_absolute_url()).status_code == 200


def test_my_engagements_list_proposals_waiting_for_my_answer(
    login: Callable[[User], Client],
    institution: Institution,
    alice: User,
    bob: User,
    dana: ExpertProfile,
    eve: ExpertProfile,
) -> None:
    need = need_of(institution, alice, "mentoring", experts_wanted=2)
    waiting = proposal_invite(need=need, expert=dana, sent_by=bob, message="Join us?")
    interest = proposal_express_interest(need=need, expert=eve, sent_by=eve.user, message="Me")
    r = login(dana.user).get(reverse("engagement_list"))
    assert [p.pk for p in r.context["proposals"]] == [waiting.pk]
    assert reverse("proposal_detail", args=[waiting.pk]) in r.content.decode()
    # Interest is for the institution's members to answer, not for the expert who sent it.
    assert [p.pk for p in login(bob).get(reverse("engagement_list")).context["proposals"]] == [
        interest.pk
    ]
    assert login(eve.user).get(reverse("engagement_list")).context["proposals"] == []
    proposal_answer(proposal=waiting, by=dana.user, accept=True)
    assert login(dana.user).get(reverse("engagement_list")).context["proposals"] == []
