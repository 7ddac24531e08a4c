from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need, NeedStatus
from diaspora.reference.models import EngagementType, Mode

pytestmark = pytest.mark.django_db
URL = "/needs/new/"


def data(institution: Institution, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "institution": institution.pk,
        "title": "Mentor young epidemiologists",
        "description": "Monthly calls, *in French*.",
        "disciplines": ["3.3"],
        "keywords": "Malaria; cohort studies, MALARIA",
        "engagement_type": EngagementType.objects.get(code="mentoring").pk,
        "mode": Mode.objects.get(code="online").pk,
        "location_city": "",
        "location_country": "",
        "start_date": "2030-01-15",
        "end_date": "2030-12-15",
        "effort_hours": "24",
        "experts_wanted": "2",
        "response_deadline": "2029-12-01",
        "required_languages": ["fr"],
        "preferred_languages": ["en"],
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def test_the_url_is_stable() -> None:
    assert reverse("need_create") == URL


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, institution: Institution) -> None:
    r = client.get(URL)
    assert r.status_code == 302
    assert r["Location"] == f"/accounts/login/?next={URL}"
    assert client.post(URL, data(institution)).status_code == 302
    assert Need.objects.count() == 0


@pytest.mark.parametrize("viewer", ["charlie", "erin", "moderator"])
def test_it_explains_that_needs_come_from_institutions(
    request: pytest.FixtureRequest,
    login: Callable[[User], Client],
    institution: Institution,
    viewer: str,
) -> None:
    client = login(request.getfixturevalue(viewer))
    r = client.get(URL)
    assert r.status_code == 403
    assert "You do not represent an institution" in r.content.decode()
    assert client.post(URL, data(institution)).status_code == 403
    assert Need.objects.count() == 0


def test_it_saves_a_draft_for_a_member(
    login: Callable[[User], Client], bob: User, institution: Institution
) -> None:
    client = login(bob)
    form = client.get(URL)
    assert form.status_code == 200
    assert "Université Cheikh Anta Diop" in form.content.decode()
    r = client.post(URL, data(institution))
    need = Need.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("need_detail", args=[need.pk])
    assert (need.institution, need.created_by, need.status) == (institution, bob, NeedStatus.DRAFT)
    assert need.description_html == "<p>Monthly calls, <em>in French</em>.</p>"
    assert sorted(k.name for k in need.keywords.all()) == ["cohort studies", "malaria"]
    assert (need.required_language_codes, need.preferred_language_codes) == (["fr"], ["en"])
    assert (need.effort_hours, need.experts_wanted) == (24, 2)
    assert "saved as a draft" in client.get(r["Location"]).content.decode()


def test_it_lets_a_member_of_two_institutions_choose(
    login: Callable[[User], Client], dora: User, bob: User, other_institution: Institution
) -> None:
    from diaspora.institutions.models import Membership

    Membership.objects.create(institution=other_institution, user=bob)
    r = login(bob).post(URL, data(other_institution))
    assert r.status_code == 302
    assert Need.objects.get().institution == other_institution


def test_it_refuses_to_post_for_an_institution_one_does_not_belong_to(
    login: Callable[[User], Client], bob: User, dora: User, other_institution: Institution
) -> None:
    r = login(bob).post(URL, data(other_institution))
    assert r.status_code == 200
    assert "institution" in r.context["form"].errors
    assert Need.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start_date": "2030-06-01", "end_date": "2030-05-01"},
            "end_date",
            "The end cannot be before the start.",
        ),
        (
            {"mode": "onsite", "location_city": "Thiès"},
            "location_country",
            "Say where the work happens when it is not online.",
        ),
        (
            {"required_languages": ["fr", "wo"], "preferred_languages": ["fr", "en"]},
            "preferred_languages",
            "A language is either required or preferred, not both: French.",
        ),
        ({"title": ""}, "title", "This field is required."),
        ({"end_date": "31/31/2030"}, "end_date", "Enter a valid date."),
        ({"experts_wanted": "0"}, "experts_wanted", "Ask for at least one expert."),
        (
            {"required_languages": ["zz"]},
            "required_languages",
            "Select a valid choice. zz is not one of the available choices.",
        ),
    ],
)
def test_it_shows_errors_next_to_the_fields_and_keeps_the_input(
    login: Callable[[User], Client],
    bob: User,
    institution: Institution,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    if overrides.get("mode") == "onsite":
        overrides["mode"] = Mode.objects.get(code="onsite").pk
    r = login(bob).post(URL, data(institution, **overrides))
    assert r.status_code == 200
    assert r.context["form"].errors[field] == [message]
    content = r.content.decode()
    assert "Nothing was saved yet" in content
    assert message.replace("'", "&#x27;") in content
    # What was typed is still there.
    if field != "title":
        assert 'value="Mentor young epidemiologists"' in content
    assert "Monthly calls, *in French*." in content
    assert Need.objects.count() == 0
