"""A person in a real browser: signs up as an expert, fills in the profile, finds it."""

import re
from typing import Any

import pytest

from diaspora.accounts.models import User
from diaspora.people.models import ExpertProfile


@pytest.mark.django_db(transaction=True)
def test_it_signs_up_an_expert_who_edits_and_finds_their_profile(
    live_server: Any, page: Any
) -> None:
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Full name").fill("Aminata Diallo")
    page.get_by_label("Email").fill("aminata@example.org")
    page.get_by_label("Expert of the diaspora").check()
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.locator("#id_password1").fill("a-long-passphrase-42")
    page.locator("#id_password2").fill("a-long-passphrase-42")
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()

    page.wait_for_url(re.compile(r"/profile/edit/$"))
    page.get_by_label("Headline").fill("Epidemiologist at Inserm")
    page.get_by_label("Biography").fill("I study **malaria** transmission.")
    page.get_by_label("Country of origin", exact=True).select_option("SN")
    page.locator("#id_origin_country_visibility").select_option("public")
    page.get_by_label("3.3 Health sciences").check()
    page.get_by_label("Keywords").fill("Malaria, epidemiology")
    page.get_by_label("Mentoring").check()
    page.get_by_label("Hours per month").fill("6")
    page.get_by_role("button", name="Save profile").click()

    page.wait_for_url(re.compile(r"/experts/\d+/$"))
    assert page.locator("strong", has_text="malaria").count() == 1
    assert "Senegal" in page.content()

    user = User.objects.get(email="aminata@example.org")
    profile = ExpertProfile.objects.get(user=user)
    assert sorted(k.name for k in profile.keywords.all()) == ["epidemiology", "malaria"]

    # A visitor finds her in the directory by country of origin.
    page.context.clear_cookies()
    page.goto(live_server.url + "/experts/?origin_country=SN")
    assert page.get_by_role("link", name="Aminata Diallo").count() == 1
    # On a wide screen the filters stay open beside the results.
    assert page.get_by_label("Search").is_visible()


@pytest.mark.django_db(transaction=True)
def test_it_shows_a_bad_field_next_to_it_and_keeps_the_rest(
    live_server: Any, page: Any, alice: User
) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.locator("#id_password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.goto(live_server.url + "/profile/edit/")
    page.get_by_label("Headline").fill("Kept after the error")
    page.get_by_label("Hours per month").fill("500")
    page.get_by_role("button", name="Save profile").click()

    error = page.locator(".field.has-error .error")
    assert "200" in error.first.inner_text()
    assert page.get_by_label("Headline").input_value() == "Kept after the error"
    alice_profile = ExpertProfile.objects.get(user=alice)
    assert alice_profile.headline == "Epidemiologist"


@pytest.mark.django_db(transaction=True)
def test_it_folds_the_navigation_on_a_phone(live_server: Any, browser: Any, alice: User) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    experts_link = page.locator(".site-nav").get_by_role("link", name="Experts")
    assert not experts_link.is_visible()
    page.get_by_text("Menu").click()
    assert experts_link.is_visible()
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # In the directory the results come first; the filters open on demand.
    page.goto(live_server.url + "/experts/")
    assert page.get_by_role("link", name="Alice Ndiaye").is_visible()
    search = page.get_by_label("Search")
    assert not search.is_visible()
    page.get_by_text("Filters").click()
    assert search.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
