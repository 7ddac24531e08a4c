"""Every model is in the admin, its list and search pages load, and hidden fields stay out."""

from collections.abc import Callable

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.people.models import ExpertProfile, Visibility

OUR_APPS = {"accounts", "reference", "people", "institutions", "needs", "matches", "notifications"}


@pytest.fixture
def staff(make_user: Callable[..., User]) -> Client:
    user = make_user("root@example.org", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def our_models() -> list[type[Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def test_it_registers_every_model() -> None:
    missing = [m.__name__ for m in our_models() if not admin.site.is_registered(m)]
    assert missing == []


def test_it_makes_every_model_searchable() -> None:
    unsearchable = [m.__name__ for m in our_models() if not admin.site._registry[m].search_fields]
    assert unsearchable == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", our_models(), ids=lambda m: m.__name__)
def test_it_lists_and_searches(staff: Client, alice: User, bob: User, model: type[Model]) -> None:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert staff.get(url).status_code == 200
    assert staff.get(url, {"q": "alice"}).status_code == 200


@pytest.mark.django_db
def test_it_leaves_a_hidden_field_out_of_the_profile_form(staff: Client, alice: User) -> None:
    profile = ExpertProfile.objects.get(user=alice)
    profile.city = "Gaziantep"
    profile.city_visibility = Visibility.HIDDEN
    profile.origin_country = "SY"
    profile.origin_country_visibility = Visibility.PUBLIC
    profile.save()
    url = reverse("admin:people_expertprofile_change", args=[profile.pk])
    response = staff.get(url)
    assert response.status_code == 200
    assert b"Gaziantep" not in response.content
    assert b'name="origin_country"' in response.content


@pytest.mark.django_db
def test_it_refuses_the_admin_to_non_staff(login: Callable[[User], Client], charlie: User) -> None:
    response = login(charlie).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
