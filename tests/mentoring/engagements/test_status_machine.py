"""The status machine: services and the status form of the engagement page."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, MemberRole, Membership
from diaspora.notifications.models import Notification
from mentoring.engagements.models import (
    ENGAGEMENT_TRANSITIONS,
    Engagement,
    EngagementKind,
    EngagementStatus,
    StatusChange,
    TimelineVerb,
)
from mentoring.engagements.requirements import register_start_check
from mentoring.engagements.services import engagement_transition
from tests.mentoring.engagements.conftest import entries_of, texts

S = EngagementStatus


def set_status(engagement: Engagement, status: str) -> Engagement:
    Engagement.objects.filter(pk=engagement.pk).update(status=status)
    engagement.refresh_from_db()
    return engagement


# --- Services -----------------------------------------------------------------------------


@pytest.mark.parametrize("old", S.values)
def test_it_refuses_every_invalid_transition(mentorship: Engagement, alice: User, old: str) -> None:
    set_status(mentorship, old)
    refused = [new for new in S.values if new not in ENGAGEMENT_TRANSITIONS[old]]
    assert old in refused
    for new in refused:
        with pytest.raises(ValidationError) as caught:
            engagement_transition(engagement=mentorship, to_status=new, by=alice, reason="why")
        assert "status" in caught.value.message_dict
        mentorship.refresh_from_db()
        assert mentorship.status == old
    assert StatusChange.objects.filter(engagement=mentorship).count() == 1  # the opening


def test_it_refuses_an_unknown_status(mentorship: Engagement, alice: User) -> None:
    with pytest.raises(ValidationError) as caught:
        engagement_transition(engagement=mentorship, to_status="archived", by=alice)
    assert caught.value.message_dict == {"status": ["Unknown status."]}


def test_completed_and_cancelled_are_final(mentorship: Engagement, alice: User) -> None:
    assert ENGAGEMENT_TRANSITIONS[S.COMPLETED] == ENGAGEMENT_TRANSITIONS[S.CANCELLED] == set()
    engagement_transition(engagement=mentorship, to_status=S.CANCELLED, by=alice, reason="No time")
    for new in S.values:
        with pytest.raises(ValidationError):
            engagement_transition(engagement=mentorship, to_status=new, by=alice, reason="again")


def test_it_records_each_valid_transition_with_who_and_why(
    mentorship: Engagement, alice: User, bob: User
) -> None:
    steps = [
        (S.ACTIVE, "Agreement signed"),
        (S.PAUSED, "Summer break"),
        (S.ACTIVE, ""),
        (S.COMPLETED, "All goals met"),
    ]
    for new, reason in steps:
        engagement_transition(engagement=mentorship, to_status=new, by=alice, reason=reason)
    mentorship.refresh_from_db()
    changes = list(StatusChange.objects.filter(engagement=mentorship).order_by("changed_at", "id"))
    assert [(c.from_status, c.to_status, c.reason) for c in changes] == [
        ("", S.PROPOSED, ""),
        (S.PROPOSED, S.ACTIVE, "Agreement signed"),
        (S.ACTIVE, S.PAUSED, "Summer break"),
        (S.PAUSED, S.ACTIVE, ""),
        (S.ACTIVE, S.COMPLETED, "All goals met"),
    ]
    assert all(c.changed_by == alice for c in changes)
    assert mentorship.status == S.COMPLETED
    # Started once, at the first start; ended when completed.
    assert mentorship.started_at == changes[1].changed_at
    assert mentorship.ended_at == changes[4].changed_at
    entries = [e for e in entries_of(mentorship) if e.verb == TimelineVerb.STATUS_CHANGED]
    assert texts(entries)[0] == "Alice Ndiaye changed the status from proposed to active"
    assert entries[0].body == "Agreement signed"
    # Everyone else taking part is told.
    assert Notification.objects.filter(user=bob).count() == 4
    assert not Notification.objects.filter(user=alice).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_needs_a_reason_to_cancel(mentorship: Engagement, alice: User, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        engagement_transition(engagement=mentorship, to_status=S.CANCELLED, by=alice, reason=reason)
    assert caught.value.message_dict == {"reason": ["Say why it is cancelled."]}
    mentorship.refresh_from_db()
    assert mentorship.status == S.PROPOSED


def test_it_consults_the_start_check_of_the_kind(
    mentorship: Engagement, project: Engagement, alice: User
) -> None:
    seen: list[int] = []

    def agreement_confirmed(engagement: Engagement) -> list[str]:
        seen.append(engagement.pk)
        return ["Everyone must confirm the agreement first."]

    register_start_check(EngagementKind.MENTORSHIP, agreement_confirmed)
    with pytest.raises(ValidationError) as caught:
        engagement_transition(engagement=mentorship, to_status=S.ACTIVE, by=alice)
    assert caught.value.message_dict == {"status": ["Everyone must confirm the agreement first."]}
    assert seen == [mentorship.pk]
    # Each kind has its own check (none for projects here).
    engagement_transition(engagement=project, to_status=S.ACTIVE, by=alice)
    assert seen == [mentorship.pk]


def test_it_checks_the_start_only_once(mentorship: Engagement, alice: User) -> None:
    calls: list[int] = []

    def check(engagement: Engagement) -> list[str]:
        calls.append(engagement.pk)
        return []

    register_start_check(EngagementKind.MENTORSHIP, check)
    engagement_transition(engagement=mentorship, to_status=S.ACTIVE, by=alice)
    engagement_transition(engagement=mentorship, to_status=S.PAUSED, by=alice)
    engagement_transition(engagement=mentorship, to_status=S.ACTIVE, by=alice)
    assert calls == [mentorship.pk]


# --- The status form ----------------------------------------------------------------------


def status_values(html: str) -> list[str]:
    return [v for v in S.values if f'name="status" value="{v}"' in html]


def test_it_offers_those_who_run_it_only_the_allowed_next_statuses(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    url = reverse("engagement_detail", args=[mentorship.pk])
    client = login(alice)
    assert status_values(client.get(url).content.decode()) == [S.ACTIVE, S.CANCELLED]
    set_status(mentorship, S.ACTIVE)
    html = client.get(url).content.decode()
    assert status_values(html) == [S.PAUSED, S.COMPLETED, S.CANCELLED]
    set_status(mentorship, S.PAUSED)
    html = client.get(url).content.decode()
    assert status_values(html) == [S.ACTIVE, S.COMPLETED, S.CANCELLED]
    assert 'value="active" required id="id_status_0">\n Resume</label>' in html
    set_status(mentorship, S.COMPLETED)
    html = client.get(url).content.decode()
    assert status_values(html) == []
    assert "its status no longer changes" in html


def test_it_shows_no_status_form_to_those_who_only_read(
    login: Callable[[User], Client], mentorship: Engagement, bob: User
) -> None:
    html = login(bob).get(reverse("engagement_detail", args=[mentorship.pk])).content.decode()
    assert status_values(html) == []
    assert reverse("engagement_status", args=[mentorship.pk]) not in html


def test_it_changes_the_status_from_the_page(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    client = login(alice)
    r = client.post(
        reverse("engagement_status", args=[mentorship.pk]),
        {"status": S.ACTIVE, "reason": "We agreed on goals"},
    )
    assert r.status_code == 302
    assert r["Location"] == reverse("engagement_detail", args=[mentorship.pk]) + "#status"
    change = StatusChange.objects.filter(engagement=mentorship).latest("id")
    assert (change.to_status, change.changed_by, change.reason) == (
        S.ACTIVE,
        alice,
        "We agreed on goals",
    )
    html = client.get(r["Location"]).content.decode()
    assert "The engagement is now active." in html
    assert "We agreed on goals" in html  # the history


def test_it_shows_the_start_check_errors_and_keeps_the_reason(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    register_start_check(
        EngagementKind.MENTORSHIP,
        lambda e: ["Bob Mensah has not confirmed the agreement.", "Set an end date."],
    )
    r = login(alice).post(
        reverse("engagement_status", args=[mentorship.pk]),
        {"status": S.ACTIVE, "reason": "Ready to go"},
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert "Bob Mensah has not confirmed the agreement." in html
    assert "Set an end date." in html
    assert ">\nReady to go</textarea>" in html
    assert (
        'value="active" required aria-invalid="true" id="id_status_0" checked>\n Start</label>'
        in html
    )
    mentorship.refresh_from_db()
    assert mentorship.status == S.PROPOSED


def test_it_asks_why_before_cancelling_on_the_page(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    r = login(alice).post(
        reverse("engagement_status", args=[mentorship.pk]), {"status": S.CANCELLED, "reason": ""}
    )
    assert r.status_code == 200
    assert "Say why it is cancelled." in r.content.decode()
    mentorship.refresh_from_db()
    assert mentorship.status == S.PROPOSED


def test_it_refuses_a_status_no_longer_offered(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    r = login(alice).post(
        reverse("engagement_status", args=[mentorship.pk]), {"status": S.COMPLETED}
    )
    assert r.status_code == 200
    assert "cannot move to this status now" in r.content.decode()
    mentorship.refresh_from_db()
    assert mentorship.status == S.PROPOSED


def test_it_says_a_final_status_cannot_change(
    login: Callable[[User], Client], mentorship: Engagement, alice: User
) -> None:
    set_status(mentorship, S.COMPLETED)
    client = login(alice)
    r = client.post(reverse("engagement_status", args=[mentorship.pk]), {"status": S.ACTIVE})
    assert r.status_code == 302
    assert "its status can no longer change" in client.get(r["Location"]).content.decode()
    mentorship.refresh_from_db()
    assert mentorship.status == S.COMPLETED


def test_it_lets_only_those_who_run_it_change_the_status(
    client: Client,
    login: Callable[[User], Client],
    mentorship: Engagement,
    bob: User,
    charlie: User,
    moderator: User,
) -> None:
    url = reverse("engagement_status", args=[mentorship.pk])
    data = {"status": S.CANCELLED, "reason": "Let me"}
    assert login(bob).post(url, data).status_code == 403
    assert login(charlie).post(url, data).status_code == 404
    assert login(moderator).post(url, data).status_code == 404
    r = client.post(url, data)
    assert r.status_code == 302 and r["Location"].startswith(reverse("account_login"))
    assert login(bob).get(url).status_code == 405
    mentorship.refresh_from_db()
    assert mentorship.status == S.PROPOSED


def test_the_overseer_of_its_institution_may_change_the_status(
    login: Callable[[User], Client],
    institution_project: Engagement,
    make_user: Callable[..., User],
    institution: Institution,
) -> None:

    admin = make_user("admin2@example.org", name="Awa Admin")
    Membership.objects.create(institution=institution, user=admin, role=MemberRole.ADMIN)
    r = login(admin).post(
        reverse("engagement_status", args=[institution_project.pk]), {"status": S.ACTIVE}
    )
    assert r.status_code == 302
    institution_project.refresh_from_db()
    assert institution_project.status == S.ACTIVE
