from collections.abc import Callable

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.needs.models import Need, NeedLanguage, Offer, OfferLanguage, OfferRequest

MODELS: list[type[Model]] = [Need, Offer, OfferRequest]


@pytest.fixture
def staff(make_user: Callable[..., User]) -> Client:
    client = Client()
    client.force_login(make_user("root@example.org", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_registers_and_searches(model: type[Model]) -> None:
    assert admin.site.is_registered(model)
    assert admin.site._registry[model].search_fields


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_lists_searches_and_opens(
    staff: Client, model: type[Model], draft: Need, pending_request: OfferRequest
) -> None:
    url = reverse(f"admin:needs_{model._meta.model_name}_changelist")
    assert staff.get(url).status_code == 200
    assert staff.get(url, {"q": "course"}).status_code == 200
    row = model._default_manager.first()
    assert row is not None
    change = reverse(f"admin:needs_{model._meta.model_name}_change", args=[row.pk])
    assert staff.get(change).status_code == 200


def test_languages_are_edited_inline() -> None:
    assert [i.model for i in admin.site._registry[Need].inlines] == [NeedLanguage]
    assert [i.model for i in admin.site._registry[Offer].inlines] == [OfferLanguage]
