"""Sign-up through allauth with the extra fields of `RoleSignupForm`."""

import re
import uuid
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from diaspora.accounts.models import Role, User
from diaspora.people.models import ExpertProfile

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"
NEW_PASSWORD = "violet-harbour-lantern-91"
CONFIRM_LINK = re.compile(r"https?://testserver(/accounts/confirm-email/[^/\s]+/)")


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> None:
    """allauth counts sign-ups per IP in the cache: give every test its own."""
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}
    # Django's default hasher costs a quarter second per attempt; these tests make many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Aminata Diallo",
        "email": "aminata@example.org",
        "role": Role.EXPERT,
        "timezone": "Africa/Dakar",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def test_it_shows_the_signup_form_with_the_extra_fields(client: Client) -> None:
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    content = response.content.decode()
    for field in ("name", "email", "role", "timezone", "password1", "password2"):
        assert f'name="{field}"' in content
    assert 'value="Asia/Kathmandu"' in content


def test_it_creates_an_expert_with_a_profile_and_sends_them_to_edit_it(client: Client) -> None:
    response = client.post(SIGNUP_URL, _form())

    assert response.status_code == 302
    assert response["Location"] == "/profile/edit/"
    user = User.objects.get(email="aminata@example.org")
    assert user.name == "Aminata Diallo"
    assert user.role == Role.EXPERT
    assert user.timezone == "Africa/Dakar"
    assert user.check_password(NEW_PASSWORD)
    profile = ExpertProfile.objects.get(user=user)
    assert profile.timezone == "Africa/Dakar"
    # Under DEBUG verification is optional: the new member is signed in straight away.
    assert client.get("/dashboard/").status_code == 200


def test_it_sends_an_institution_representative_to_create_the_institution(
    client: Client,
) -> None:
    response = client.post(SIGNUP_URL, _form(email="kofi@example.org", role=Role.INSTITUTION))

    assert response.status_code == 302
    assert response["Location"] == "/institutions/new/"
    user = User.objects.get(email="kofi@example.org")
    assert user.role == Role.INSTITUTION
    assert not ExpertProfile.objects.filter(user=user).exists()


def test_it_sends_a_learner_to_the_dashboard(client: Client) -> None:
    response = client.post(SIGNUP_URL, _form(email="lea@example.org", role=Role.LEARNER))

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = User.objects.get(email="lea@example.org")
    assert user.role == Role.LEARNER
    assert not ExpertProfile.objects.filter(user=user).exists()


def test_it_stores_the_email_in_lower_case(client: Client) -> None:
    client.post(SIGNUP_URL, _form(email="Aminata@Example.ORG"))

    assert User.objects.filter(email="aminata@example.org").exists()
    assert EmailAddress.objects.filter(email="aminata@example.org").exists()


def test_it_sends_a_verification_email(client: Client) -> None:
    client.post(SIGNUP_URL, _form())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aminata@example.org"]
    assert message.subject.startswith("[Diaspora Knowledge Network] ")
    assert CONFIRM_LINK.search(str(message.body))
    address = EmailAddress.objects.get(email="aminata@example.org")
    assert address.primary
    assert not address.verified


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"password2": "something-else-entirely-42"}, "password2", "same password"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Select a valid choice."),
        ({"role": "admin"}, "role", "Select a valid choice."),
        ({"email": "not-an-email"}, "email", "valid email address"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
    ],
)
def test_it_rejects_bad_input_and_creates_nothing(
    client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    response = client.post(SIGNUP_URL, _form(**overrides))

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert mail.outbox == []


def test_it_refuses_an_email_that_is_already_registered(client: Client, charlie: User) -> None:
    response = client.post(SIGNUP_URL, _form(email="Charlie@example.org"))

    assert response.status_code == 200
    assert "A user is already registered with this email address." in " ".join(
        response.context["form"].errors["email"]
    )
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_it_hides_a_registered_email_when_verification_is_mandatory(
    client: Client, charlie: User, settings: Any
) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.post(SIGNUP_URL, _form(email="charlie@example.org", name="Impostor"))

    # Same answer as a real sign-up, so the form does not tell who is a member...
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    # ...but nothing is created and the owner of the address is told instead.
    assert User.objects.count() == 1
    charlie.refresh_from_db()
    assert charlie.name == "Charlie Outsider"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["charlie@example.org"]
    assert not CONFIRM_LINK.search(str(mail.outbox[0].body))


def test_it_requires_the_email_to_be_confirmed_before_login_when_mandatory(
    client: Client, settings: Any
) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    response = client.post(SIGNUP_URL, _form(role=Role.LEARNER))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/dashboard/").status_code == 302  # not signed in
    assert len(mail.outbox) == 1
    link = CONFIRM_LINK.search(str(mail.outbox[0].body))
    assert link is not None

    # Logging in before confirming only re-sends the verification page.
    visitor = Client()
    response = visitor.post(
        "/accounts/login/", {"login": "aminata@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert visitor.get("/dashboard/").status_code == 302

    # The link shows a confirmation page; the POST is what verifies.
    confirm_url = link.group(1)
    assert visitor.get(confirm_url).status_code == 200
    assert not EmailAddress.objects.get(email="aminata@example.org").verified
    response = visitor.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="aminata@example.org").verified

    fresh = Client()
    response = fresh.post(
        "/accounts/login/", {"login": "aminata@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert fresh.get("/dashboard/").status_code == 200


def test_it_rejects_a_forged_confirmation_link(client: Client, settings: Any) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client.post(SIGNUP_URL, _form())

    response = client.post("/accounts/confirm-email/forged-key/")

    assert response.status_code == 404
    assert not EmailAddress.objects.get(email="aminata@example.org").verified
