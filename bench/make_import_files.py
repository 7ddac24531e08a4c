"""Write big, realistic import files for `import_experts` and `import_needs`.

    python bench/make_import_files.py --experts 100000 --needs 10000 --out /tmp/imports

writes experts_100000.csv and needs_10000.csv. People, places, fields and institutions come
from the demo data (`diaspora.demo.data`): names follow the customs of each country of
origin, residences are real diaspora cities with their time zones, keywords and biographies
follow each speciality, and needs belong to real universities of the countries of origin.
The output depends only on the arguments and `--seed`.
"""

import argparse
import csv
import random
import sys
import unicodedata
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diaspora.demo import data  # pure data, no Django needed
from diaspora.imports.columns import EXPERT_COLUMNS, NEED_COLUMNS

ENGAGEMENTS = ("mentoring", "course", "supervision", "lecture", "research", "curriculum")
MODES = ("online", "onsite", "hybrid")
LEVELS = ("native", "fluent", "working", "basic")


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _names() -> dict[str, tuple[list[str], list[str]]]:
    """Given names and family names of each country of origin, from the demo people."""
    names: dict[str, tuple[list[str], list[str]]] = {}
    for code, origin in data.ORIGINS.items():
        given: list[str] = []
        family: list[str] = []
        for person in origin.people:
            parts = person.name.split()
            given.append(" ".join(parts[:-1]) or parts[0])
            family.append(parts[-1])
        names[code] = (given, family)
    return names


def _employer(city: data.City, sector: str) -> str:
    choices = getattr(city, sector) or city.academic
    return choices[0] if choices else f"a university in {city.name}"


def _orcid(number: int) -> str:
    return f"0000-0002-{number // 10_000 % 10_000:04d}-{number % 10_000:04d}"


def _bio(
    rng: random.Random, origin: data.Origin, city: data.City, spec: data.Specialty, number: int
) -> str:
    role = rng.choice(spec.roles)
    home = rng.choice(origin.cities)
    studied = rng.choice(origin.universities)
    employer = _employer(city, rng.choice(spec.sectors))
    focus = rng.sample(spec.focus, k=min(2, len(spec.focus)))
    teaching = rng.sample(spec.teaching, k=min(3, len(spec.teaching)))
    lines = [
        f"I am a **{role}** at {employer}, in {city.name}.",
        "",
        f"I grew up in {home}, {origin.label}, and studied {spec.studies[0].lower()} at "
        f"{studied}, then {spec.studies[1].lower()} abroad. My work focuses on {focus[0]}"
        + (f" and on {focus[1]}." if len(focus) > 1 else "."),
        "",
        "I can teach or mentor on:",
        "",
        *[f"- {subject}" for subject in teaching],
        "",
        f"I enjoy working with {spec.learners}, and I answer within a week.",
        "",
        f"ORCID: [{_orcid(number)}](https://orcid.org/{_orcid(number)})",
    ]
    return "\n".join(lines)


def write_experts(path: Path, count: int, rng: random.Random) -> None:
    names = _names()
    origins = list(data.ORIGINS.items())
    specialties = list(data.SPECIALTIES.values())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPERT_COLUMNS)
        for number in range(1, count + 1):
            code, origin = rng.choice(origins)
            given, family = names[code]
            first, last = rng.choice(given), rng.choice(family)
            destinations = [key for key in origin.destinations if key in data.RESIDENCES]
            city = data.RESIDENCES[rng.choice(destinations)]
            person_spec = rng.choice(origin.people).specialty
            spec = data.SPECIALTIES.get(person_spec) or rng.choice(specialties)
            languages: dict[str, str] = {}
            for lang, level in origin.languages:
                languages.setdefault(lang, level)
            languages.setdefault("en", rng.choice(("fluent", "working")))
            languages.setdefault(city.language, rng.choice(LEVELS[1:]))
            disciplines = list(spec.disciplines)
            if rng.random() < 0.2:
                disciplines.append(rng.choice(rng.choice(specialties).disciplines))
            keywords = rng.sample(spec.keywords, k=min(len(spec.keywords), rng.randint(3, 7)))
            writer.writerow(
                [
                    f"{_ascii(first)}.{_ascii(last)}.{number}@example.net",
                    f"{first} {last}",
                    "" if rng.random() < 0.03 else code,
                    city.country,
                    city.timezone,
                    ";".join(
                        lang if level == "fluent" else f"{lang}:{level}"
                        for lang, level in languages.items()
                    ),
                    ";".join(dict.fromkeys(disciplines)),
                    ";".join(keywords),
                    _bio(rng, origin, city, spec, number),
                    ";".join(rng.sample(ENGAGEMENTS, k=rng.randint(1, 3))),
                    ";".join(rng.sample(MODES, k=rng.randint(1, 3))),
                    rng.choice((0, 2, 4, 4, 6, 8, 8, 10, 12, 16, 20)),
                ]
            )


def _institutions() -> list[tuple[str, str, str]]:
    """(name, country, language) of real universities in the countries of origin, and the
    demo institutions."""
    found: dict[tuple[str, str], str] = {}
    for item in data.INSTITUTIONS:
        language = (
            data.ORIGINS[item.country].languages[-1][0] if item.country in data.ORIGINS else "en"
        )
        found[(item.name, item.country)] = language
    for code, origin in data.ORIGINS.items():
        for name in origin.universities:
            found.setdefault((name, code), origin.languages[-1][0])
    return [(name, country, language) for (name, country), language in found.items()]


_TITLES = {
    "course": "A course on {subject}",
    "lecture": "A guest lecture on {subject}",
    "mentoring": "Mentors for {learners}",
    "supervision": "Co-supervision of doctoral theses: {subject}",
    "research": "Research partner: {focus}",
    "curriculum": "Help rebuild our curriculum in {subject}",
}


def write_needs(path: Path, count: int, rng: random.Random) -> None:
    institutions = _institutions()
    specialties = list(data.SPECIALTIES.values())
    start_of_call = date(2026, 1, 5)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NEED_COLUMNS)
        for number in range(1, count + 1):
            name, country, language = rng.choice(institutions)
            spec = rng.choice(specialties)
            kind = rng.choice(ENGAGEMENTS)
            subject = rng.choice(spec.teaching)
            focus = rng.choice(spec.focus)
            title = _TITLES[kind].format(subject=subject, learners=spec.learners, focus=focus)
            description = "\n".join(
                [
                    f"{name} is looking for support with **{subject}**.",
                    "",
                    f"Our teams work on {focus}. We would welcome someone who can:",
                    "",
                    f"- work with {spec.learners};",
                    f"- share experience of {rng.choice(spec.focus)};",
                    "- stay in touch after the engagement.",
                ]
            )
            start = start_of_call + timedelta(days=rng.randint(0, 300))
            end = start + timedelta(days=rng.choice((14, 30, 60, 90, 180, 365)))
            languages = [language] if language == "en" else [language, "en"][: rng.randint(1, 2)]
            writer.writerow(
                [
                    f"CALL-2026-{number:06d}",
                    name,
                    country,
                    title[:200],
                    description,
                    ";".join(spec.disciplines),
                    ";".join(
                        rng.sample(spec.keywords, k=min(len(spec.keywords), rng.randint(2, 5)))
                    ),
                    ";".join(languages),
                    kind,
                    rng.choice(MODES),
                    rng.choice((1, 1, 1, 2, 2, 3)),
                    rng.choice((8, 12, 20, 40, 60, 120)),
                    start.isoformat(),
                    end.isoformat(),
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("."))
    parser.add_argument("--seed", default="imports")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    experts = args.out / f"experts_{args.experts}.csv"
    needs = args.out / f"needs_{args.needs}.csv"
    write_experts(experts, args.experts, random.Random(f"{args.seed}-experts"))
    write_needs(needs, args.needs, random.Random(f"{args.seed}-needs"))
    print(f"wrote {experts} and {needs}")


if __name__ == "__main__":
    main()
