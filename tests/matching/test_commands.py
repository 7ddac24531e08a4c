import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from diaspora.accounts.models import User
from diaspora.needs.models import Need
from diaspora.people.models import ExpertProfile, Visibility


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def need(make_need: Callable[..., Need]) -> Need:
    return make_need(
        "Malaria lectures",
        disciplines=("3.3",),
        words=("malaria", "epidemiology"),
        external_id="CALL-2026-007",
    )


@pytest.fixture
def experts(make_expert: Callable[..., ExpertProfile]) -> list[ExpertProfile]:
    return [
        make_expert(
            "Awa Diop",
            disciplines=("3.3",),
            words=("malaria", "epidemiology"),
            headline="Malaria epidemiologist",
            origin_country="SN",
            origin_country_visibility=Visibility.INSTITUTIONS,
        ),
        make_expert(
            "Kofi Mensah",
            disciplines=("3.2",),
            words=("malaria",),
            headline="Physician",
            origin_country="GH",
            origin_country_visibility=Visibility.HIDDEN,
        ),
    ]


# --- rank_experts ----------------------------------------------------------------------------


def test_rank_experts_prints_the_apis_json(
    need: Need,
    experts: list[ExpertProfile],
    moderator: User,
    login: Callable[[User], Client],
) -> None:
    printed = run("rank_experts", "--need", str(need.pk), "--limit", "5", "--json").strip()
    api = login(moderator).get(f"/api/needs/{need.pk}/matches/?limit=5")
    assert api.status_code == 200
    assert printed == api.content.decode()
    data = json.loads(printed)
    assert [r["expert"]["id"] for r in data["results"]] == [experts[0].pk, experts[1].pk]


def test_rank_experts_reads_at_moderator_visibility(
    need: Need, experts: list[ExpertProfile]
) -> None:
    data = json.loads(run("rank_experts", "--need", str(need.pk), "--json"))
    reasons = {r["expert"]["id"]: [x["text"] for x in r["reasons"]] for r in data["results"]}
    assert any("Senegal" in text for text in reasons[experts[0].pk])  # institutions level
    assert not any("Ghana" in text for text in reasons[experts[1].pk])  # hidden


def test_rank_experts_finds_a_need_by_external_id(need: Need, experts: list[ExpertProfile]) -> None:
    by_pk = run("rank_experts", "--need", str(need.pk), "--json")
    assert run("rank_experts", "--need", "CALL-2026-007", "--json") == by_pk


def test_rank_experts_prints_a_table(need: Need, experts: list[ExpertProfile]) -> None:
    text = run("rank_experts", "--need", str(need.pk))
    lines = text.splitlines()
    assert lines[0].startswith(f"Need {need.pk}: Malaria lectures")
    assert "Awa Diop" in text and "Kofi Mensah" in text
    assert text.index("Awa Diop") < text.index("Kofi Mensah")
    assert "Born in Senegal, like the institution" in text


def test_rank_experts_says_when_nobody_matches(make_need: Callable[..., Need]) -> None:
    need = make_need("Lonely", required=("zu",))
    assert "No expert matches this need." in run("rank_experts", "--need", str(need.pk))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--need", "nope"], "There is no need with the id or external id 'nope'."),
        (["--need", "999999"], "There is no need"),
        (["--need", "x", "--limit", "0"], "--limit must be between 1 and 100."),
        (["--need", "x", "--limit", "101"], "--limit must be between 1 and 100."),
    ],
)
def test_rank_experts_refuses_bad_input(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("rank_experts", *args)


def test_rank_experts_refuses_an_ambiguous_reference(
    need: Need, make_need: Callable[..., Need]
) -> None:
    make_need("Other", external_id=str(need.pk))
    with pytest.raises(CommandError, match="is the id of need"):
        call_command("rank_experts", "--need", str(need.pk))


# --- suggest_assignments -----------------------------------------------------------------------


def test_suggest_assignments_reports_coverage(
    need: Need, experts: list[ExpertProfile], make_need: Callable[..., Need]
) -> None:
    make_need("Unmatched", required=("zu",))
    text = run("suggest_assignments")
    assert "2 needs: 1 covered fully, 0 partly, 1 not at all." in text
    assert f"Need {need.pk}: Malaria lectures — Université Cheikh Anta Diop [1/1, full]" in text
    assert "Awa Diop" in text


def test_suggest_assignments_prints_json(
    need: Need, experts: list[ExpertProfile], make_need: Callable[..., Need]
) -> None:
    need.experts_wanted = 2
    need.save()
    other = make_need("Other", disciplines=("3.3",), words=("malaria",))
    data = json.loads(run("suggest_assignments", "--json", "--needs", f"{need.pk},{other.pk}"))
    assert data["needs"] == 2
    assert data["covered_fully"] + data["covered_partly"] + data["not_covered"] == 2
    first = next(a for a in data["assignments"] if a["need"]["id"] == need.pk)
    assert first["wanted"] == 2
    assert {e["name"] for e in first["experts"]} <= {"Awa Diop", "Kofi Mensah"}
    assert data["total_score"] == pytest.approx(
        sum(e["score"] for a in data["assignments"] for e in a["experts"]), abs=0.001
    )


def test_suggest_assignments_limits_the_batch(
    need: Need, make_need: Callable[..., Need], db: None
) -> None:
    make_need("Second")
    data = json.loads(run("suggest_assignments", "--json", "--limit", "1"))
    assert [a["need"]["id"] for a in data["assignments"]] == [need.pk]


def test_suggest_assignments_tells_which_needs_it_left_out(need: Need) -> None:
    err = StringIO()
    call_command(
        "suggest_assignments", "--needs", f"{need.pk},999999", stdout=StringIO(), stderr=err
    )
    assert "Not open or not found, left out: 999999" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--needs", "a,b"], "--needs takes need ids separated by commas"),
        (["--needs", ","], "--needs takes at least one need id."),
        (["--limit", "0"], "--limit must be at least 1."),
        (["--candidates", "0"], "--candidates must be at least 1."),
    ],
)
def test_suggest_assignments_refuses_bad_input(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("suggest_assignments", *args)
