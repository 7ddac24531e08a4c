"""The institution page leads its members to their engagements and to a new joint project."""

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution


def test_it_shows_members_the_engagement_links(
    login: Callable[[User], Client], institution: Institution, bob: User, charlie: User
) -> None:
    url = reverse("institution_detail", args=[institution.pk])
    links = [
        reverse("institution_engagements", args=[institution.pk]),
        reverse("project_create", args=[institution.pk]),
    ]
    member_page = login(bob).get(url).content.decode()
    outsider_page = login(charlie).get(url).content.decode()
    assert all(link in member_page for link in links)
    assert not any(link in outsider_page for link in links)
