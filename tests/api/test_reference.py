"""Reference data over the API: FORD disciplines and ISO 639-1 languages."""

import json

import pytest
from django.test import Client

from diaspora.reference.models import Discipline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # Every test makes a few users; the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_it_lists_the_ford_classification_in_order() -> None:
    response = Client().get("/api/reference/disciplines")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == Discipline.objects.count() == 48
    codes = [d["code"] for d in body]
    assert codes[:3] == ["1", "1.1", "1.2"]
    # 2.10 sorts after 2.9, not after 2.1.
    assert codes.index("2.10") == codes.index("2.9") + 1
    majors = [d for d in body if d["parent"] is None]
    assert [d["code"] for d in majors] == ["1", "2", "3", "4", "5", "6"]
    for entry in body:
        assert entry["label"]
        if entry["parent"] is not None:
            assert entry["code"].split(".")[0] == entry["parent"]


def test_it_labels_disciplines() -> None:
    by_code = {d["code"]: d for d in Client().get("/api/reference/disciplines").json()}
    assert by_code["3.3"]["label"] == "Health sciences"
    assert by_code["3"]["label"] == "Medical and health sciences"


def test_it_lists_languages_by_name() -> None:
    body = Client().get("/api/reference/languages").json()
    by_code = {lang["code"]: lang["name"] for lang in body}
    assert by_code["fr"] == "French"
    assert by_code["wo"] == "Wolof"
    assert by_code["sw"].startswith("Swahili")
    assert all(len(lang["code"]) == 2 for lang in body)
    assert len(by_code) == len(body) > 150
    assert [lang["name"] for lang in body] == sorted(lang["name"] for lang in body)


def test_it_offers_only_codes_the_profile_accepts(alice, login) -> None:
    """Every listed language and leaf discipline is accepted by PATCH /api/experts/me."""
    client = login(alice)
    fields = [
        d["code"]
        for d in Client().get("/api/reference/disciplines").json()
        if d["parent"] is not None
    ]
    response = client.patch(
        "/api/experts/me", json.dumps({"disciplines": fields}), content_type="application/json"
    )
    assert response.status_code == 200
    assert len(response.json()["disciplines"]) == len(fields)

    languages = [lang["code"] for lang in Client().get("/api/reference/languages").json()]
    response = client.patch(
        "/api/experts/me",
        json.dumps({"languages": [{"code": c, "level": "basic"} for c in languages]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert len(response.json()["languages"]) == len(languages)
