from collections.abc import Callable

import pytest
from django.test import Client

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution, InstitutionType
from diaspora.people.models import ExpertProfile, Visibility


def counts(client: Client) -> tuple[int, int, int]:
    r = client.get("/")
    assert r.status_code == 200
    c = r.context["counts"]
    content = r.content.decode()
    # The numbers are on the page, not only in the context.
    assert f"<strong>{c.experts}</strong><span>experts</span>" in content
    assert f"<strong>{c.institutions}</strong><span>institutions</span>" in content
    assert f"<strong>{c.countries}</strong><span>countries</span>" in content
    return c.experts, c.institutions, c.countries


def make_expert(email: str, **fields: object) -> ExpertProfile:
    user = User.objects.create_user(email=email)
    return ExpertProfile.objects.create(user=user, **fields)


def test_it_shows_zero_counts_on_an_empty_network(client: Client, db: None) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert "Join the network" in r.content.decode()
    assert counts(client) == (0, 0, 0)


def test_it_counts_live(client: Client, alice: User, institution: Institution) -> None:
    assert counts(client) == (1, 1, 1)
    make_expert("kofi@example.org")
    Institution.objects.create(
        name="Hôpital Principal", country="SN", type=InstitutionType.HOSPITAL
    )
    assert counts(client) == (2, 2, 1)
    Institution.objects.create(name="Ministère", country="ML", type=InstitutionType.MINISTRY)
    assert counts(client) == (2, 3, 2)


def test_it_does_not_count_unlisted_or_deactivated_experts(
    client: Client, alice: User, institution: Institution
) -> None:
    make_expert("hidden@example.org", is_listed=False)
    gone = make_expert("gone@example.org")
    User.objects.filter(pk=gone.user_id).update(is_active=False)
    assert counts(client)[0] == 1


@pytest.mark.parametrize(
    ("level", "counted"),
    [
        (Visibility.PUBLIC, True),
        (Visibility.MEMBERS, False),
        (Visibility.INSTITUTIONS, False),
        (Visibility.HIDDEN, False),
    ],
)
@pytest.mark.parametrize("field", ["origin_country", "residence_country"])
def test_it_counts_an_expert_country_only_when_public(
    client: Client,
    login: Callable[[User], Client],
    alice: User,
    institution: Institution,
    moderator: User,
    field: str,
    level: str,
    counted: bool,
) -> None:
    profile = alice.expert_profile
    setattr(profile, field, "SY")
    setattr(profile, f"{field}_visibility", level)
    profile.save()
    # Senegal (the institution), plus Syria only if anyone may see it.
    expected = 2 if counted else 1
    assert counts(client)[2] == expected
    # The count is the same for everyone: it must not depend on who looks.
    assert counts(login(moderator))[2] == expected
    assert counts(login(alice))[2] == expected


def test_it_does_not_count_the_public_country_of_an_unlisted_expert(
    client: Client, institution: Institution
) -> None:
    make_expert(
        "hidden@example.org",
        is_listed=False,
        origin_country="LB",
        origin_country_visibility=Visibility.PUBLIC,
    )
    assert counts(client)[2] == 1


def test_it_counts_a_country_once(client: Client, institution: Institution) -> None:
    make_expert("a@example.org", origin_country="SN", origin_country_visibility=Visibility.PUBLIC)
    make_expert(
        "b@example.org",
        residence_country="SN",
        residence_country_visibility=Visibility.PUBLIC,
        origin_country="ML",
        origin_country_visibility=Visibility.PUBLIC,
    )
    assert counts(client)[2] == 2


def test_it_sends_signed_in_members_to_their_dashboard(
    login: Callable[[User], Client], charlie: User
) -> None:
    content = login(charlie).get("/").content.decode()
    assert "Go to your dashboard" in content
    assert "Join the network" not in content
