"""`manage.py seed_demo`: a believable demo network, safe to load again and again."""

import io
import re
import uuid
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.test import Client

from diaspora.accounts.models import Role, User
from diaspora.demo import data, services
from diaspora.demo.services import DemoSummary, demo_seed
from diaspora.institutions.models import Institution, MemberRole, Membership
from diaspora.markup import render_markdown
from diaspora.people.models import (
    ExpertLanguage,
    ExpertProfile,
    Qualification,
    Visibility,
)
from diaspora.reference.models import Discipline, Keyword

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [a.email for a in data.DEMO_ACCOUNTS]


@pytest.fixture(autouse=True)
def fast_and_isolated(settings: Any) -> None:
    # Django's default hasher costs half a second a hash; the seed and the logins need several.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # allauth counts login attempts in the cache: give every test its own.
    cache = dict(django_settings.CACHES["default"])
    cache["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    cache.setdefault("LOCATION", cache["KEY_PREFIX"])
    settings.CACHES = {"default": cache}


@pytest.fixture
def seeded() -> DemoSummary:
    return demo_seed()


def _seeded_profiles() -> Any:
    emails = [p.email for p in services.build_plan().profiles]
    return ExpertProfile.objects.filter(user__email__in=emails)


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "email addresses": EmailAddress.objects.count(),
        "profiles": ExpertProfile.objects.count(),
        "institutions": Institution.objects.count(),
        "memberships": Membership.objects.count(),
        "languages": ExpertLanguage.objects.count(),
        "qualifications": Qualification.objects.count(),
        "keywords": Keyword.objects.count(),
        "profile keywords": ExpertProfile.keywords.through.objects.count(),
        "profile disciplines": ExpertProfile.disciplines.through.objects.count(),
    }


def test_it_builds_a_network_big_enough_for_a_demo(seeded: DemoSummary) -> None:
    profiles = _seeded_profiles()
    origins = set(profiles.values_list("origin_country", flat=True))
    residences = set(profiles.values_list("residence_country", flat=True))
    fields = Discipline.objects.filter(experts__in=profiles).distinct()
    institutions = Institution.objects.all()

    assert profiles.count() >= 60
    assert len(origins - {""}) >= 12
    assert len(residences - {""}) >= 8
    assert fields.count() >= 10
    assert not fields.filter(parent__isnull=True).exists(), "only leaf FORD fields"
    assert institutions.count() >= 12
    assert len({str(i.country) for i in institutions}) >= 8
    assert (seeded.experts, seeded.origin_countries, seeded.residence_countries) == (
        profiles.count(),
        len(origins),
        len(residences),
    )
    assert (seeded.fields, seeded.institutions) == (fields.count(), institutions.count())


def test_it_fills_every_part_of_a_profile(seeded: DemoSummary) -> None:
    for profile in _seeded_profiles().prefetch_related(
        "disciplines", "keywords", "engagement_types", "modes", "languages"
    ):
        assert profile.user.role == Role.EXPERT
        assert profile.headline and profile.bio and profile.city
        assert profile.disciplines.all() and profile.engagement_types.all()
        assert len(profile.keywords.all()) >= 4
        assert profile.modes.all()
        assert profile.languages.all()
        assert profile.hours_per_month > 0
        if profile.engagement_types.filter(code="mentoring").exists():
            assert profile.max_mentees > 0
    assert Qualification.objects.filter(profile__in=_seeded_profiles()).count() >= 150


def test_it_varies_visibility_with_a_few_hidden(seeded: DemoSummary) -> None:
    profiles = _seeded_profiles()
    total = profiles.count()
    open_origin = profiles.filter(
        origin_country_visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS]
    ).count()
    hidden = profiles.filter(origin_country_visibility=Visibility.HIDDEN).count()

    assert open_origin > total * 0.7
    assert 0 < hidden < total * 0.2
    for field in ("origin_country_visibility", "residence_country_visibility"):
        assert set(profiles.values_list(field, flat=True)) == set(Visibility.values)


def test_it_keeps_hidden_countries_out_of_public_text(seeded: DemoSummary) -> None:
    closed = [Visibility.INSTITUTIONS, Visibility.HIDDEN]
    for profile in _seeded_profiles().filter(origin_country_visibility__in=closed):
        label = data.ORIGINS[str(profile.origin_country)].label
        assert not re.search(rf"\b{label}\b", profile.bio)  # "Nepali" may stay, not "Nepal"
        assert not profile.qualifications.filter(country=profile.origin_country).exists()
    for profile in _seeded_profiles().filter(residence_country_visibility__in=closed):
        assert profile.city not in profile.bio
        assert profile.current_affiliation == ""
        assert not profile.qualifications.filter(country=profile.residence_country).exists()


def test_it_gives_time_zones_that_match_residence(seeded: DemoSummary) -> None:
    zones: dict[str, set[str]] = {}
    for city in data.RESIDENCES.values():
        zones.setdefault(city.country, set()).add(city.timezone)
    for profile in _seeded_profiles():
        assert profile.timezone in zones[str(profile.residence_country)]
        assert profile.user.timezone == profile.timezone
    mariama = ExpertProfile.objects.get(user__email="expert@example.org")
    assert (str(mariama.residence_country), mariama.timezone) == ("FR", "Europe/Paris")


def test_it_stores_bios_and_descriptions_as_html(seeded: DemoSummary) -> None:
    for profile in _seeded_profiles():
        assert profile.bio_html == render_markdown(profile.bio)
        assert profile.bio_html.count("<p>") >= 2
        assert "<h3>" in profile.bio_html and "<li>" in profile.bio_html
        assert "<br" not in profile.bio_html, "paragraphs must not be hard-wrapped"
    for institution in Institution.objects.all():
        assert institution.description_html == render_markdown(institution.description)
        assert "<li>" in institution.description_html


def test_it_is_idempotent(seeded: DemoSummary) -> None:
    before = _counts()
    stamps = dict(ExpertProfile.objects.values_list("pk", "updated_at"))
    verified_at = dict(Institution.objects.values_list("pk", "verified_at"))

    again = demo_seed()

    assert _counts() == before
    assert (again.users_created, again.rows_changed, again.passwords_reset) == (0, 0, 0)
    assert dict(ExpertProfile.objects.values_list("pk", "updated_at")) == stamps
    assert dict(Institution.objects.values_list("pk", "verified_at")) == verified_at
    assert again.experts == seeded.experts and again.institutions == seeded.institutions


def test_it_restores_drifted_rows_and_demo_passwords(seeded: DemoSummary) -> None:
    expert = User.objects.get(email="expert@example.org")
    expert.set_password("changed-by-a-visitor")
    expert.save()
    profile = expert.expert_profile
    profile.headline = "Vandalised"
    profile.save()
    profile.languages.all().delete()
    qualification_ids = set(profile.qualifications.values_list("pk", flat=True))
    before = _counts()

    again = demo_seed()

    assert again.passwords_reset == 1
    assert again.rows_changed == 1
    profile.refresh_from_db()
    assert profile.headline == data.DEMO_EXPERT_PROFILE.headline
    assert profile.languages.count() == len(data.DEMO_EXPERT_PROFILE.languages)
    # Unchanged qualifications keep their rows (and any recognition decision).
    assert set(profile.qualifications.values_list("pk", flat=True)) == qualification_ids
    assert _counts()["languages"] == before["languages"] + len(data.DEMO_EXPERT_PROFILE.languages)
    assert Client().login(email="expert@example.org", password=data.DEMO_PASSWORD)


def test_it_lets_each_demo_account_log_in(seeded: DemoSummary, settings: Any) -> None:
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    for email in DEMO_EMAILS:
        assert EmailAddress.objects.filter(
            user__email=email, email=email, verified=True, primary=True
        ).exists()
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": data.DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert response["Location"] == "/dashboard/", email
        assert client.get("/dashboard/").status_code == 200


def test_it_gives_generated_people_no_usable_password(seeded: DemoSummary) -> None:
    others = User.objects.exclude(email__in=DEMO_EMAILS)
    assert others.count() > 60
    assert not any(user.has_usable_password() for user in others)
    assert EmailAddress.objects.filter(user__in=others, verified=True, primary=True).count() == (
        others.count()
    )


def test_it_makes_the_institution_account_admin_of_a_verified_institution(
    seeded: DemoSummary,
) -> None:
    user = User.objects.get(email="institution@example.org")
    membership = Membership.objects.get(user=user)

    assert user.role == Role.INSTITUTION
    assert membership.role == MemberRole.ADMIN
    assert membership.institution.is_verified
    assert membership.institution.verified_by == User.objects.get(email="moderator@example.org")


def test_it_gives_every_institution_an_admin_representative(seeded: DemoSummary) -> None:
    institutions = Institution.objects.all()
    for institution in institutions:
        admins = institution.memberships.filter(role=MemberRole.ADMIN)
        assert admins.exists(), institution.name
        assert all(m.user.role == Role.INSTITUTION for m in admins)
        assert institution.description
    unverified = institutions.exclude(verification_status="verified").count()
    assert 1 <= unverified <= 3
    assert institutions.count() - unverified > 10


def test_it_sets_up_the_other_demo_accounts(seeded: DemoSummary) -> None:
    moderator = User.objects.get(email="moderator@example.org")
    outsider = User.objects.get(email="outsider@example.org")
    learner = User.objects.get(email="learner@example.org")
    expert = User.objects.get(email="expert@example.org")

    assert moderator.is_moderator and not moderator.is_staff
    assert outsider.role == Role.LEARNER and not outsider.memberships.exists()
    assert learner.role == Role.LEARNER and not learner.is_moderator
    assert expert.role == Role.EXPERT
    profile = expert.expert_profile
    assert profile.origin_country_visibility == Visibility.PUBLIC
    assert profile.residence_country_visibility == Visibility.PUBLIC
    assert profile.qualifications.count() == 3 and profile.languages.count() == 4


def test_it_refuses_to_run_when_debug_is_off(settings: Any) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=io.StringIO())

    assert not User.objects.exists()


def test_it_runs_with_force_when_debug_is_off(settings: Any) -> None:
    settings.DEBUG = False
    out = io.StringIO()

    call_command("seed_demo", "--force", stdout=out)

    assert User.objects.filter(email__in=DEMO_EMAILS).count() == len(DEMO_EMAILS)
    assert "Demo network ready" in out.getvalue()


def test_it_prints_a_summary_and_the_demo_accounts(settings: Any) -> None:
    settings.DEBUG = True
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    text = out.getvalue()
    assert "Experts:" in text and "countries of origin" in text
    assert "Institutions:" in text and "Fields (FORD):" in text
    assert "password: diaspora-demo" in text
    for email in DEMO_EMAILS:
        assert email in text


def test_it_leaves_nothing_behind_when_it_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_ensure_institutions", broken)

    with pytest.raises(RuntimeError):
        demo_seed()

    assert not User.objects.exists()
    assert not ExpertProfile.objects.exists()


def test_it_asks_for_migrations_when_reference_data_is_missing(settings: Any) -> None:
    settings.DEBUG = True
    ExpertProfile.disciplines.through.objects.all().delete()
    Discipline.objects.filter(parent__isnull=False).delete()

    with pytest.raises(CommandError, match="migrate"):
        call_command("seed_demo", stdout=io.StringIO())


def test_it_has_a_distinct_email_for_every_person() -> None:
    plan = services.build_plan()
    emails = [u.email for u in plan.users]

    assert len(emails) == len(set(emails))
    assert all(e.isascii() and e.endswith("@example.org") for e in emails)
    assert services.email_for("Trần Minh Đức") == "tran.minh.duc@example.org"


def test_it_opens_demo_needs_and_publishes_offers_once(seeded: DemoSummary) -> None:
    from diaspora.needs.models import Need, NeedStatus, Offer

    needs = Need.objects.filter(external_id__startswith="demo-")
    assert needs.count() >= 10
    assert set(needs.values_list("status", flat=True)) == {NeedStatus.OPEN}
    assert Offer.objects.filter(expert__user__email="expert@example.org").exists()
    counts = (needs.count(), Offer.objects.count())
    demo_seed()
    assert (needs.count(), Offer.objects.count()) == counts


def test_it_gives_the_demo_institution_a_need_with_ranked_experts(seeded: DemoSummary) -> None:
    from diaspora.matching.selectors import rank_experts_for_need
    from diaspora.needs.models import Need

    need = Need.objects.get(external_id="demo-sn-epi-course")
    admin = need.institution.memberships.get(user__email="institution@example.org").user
    ranked = rank_experts_for_need(need=need, viewer=admin, limit=5)
    assert ranked
    assert all(r.reasons for r in ranked)
