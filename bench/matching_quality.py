"""Ranking quality of the matching engine against a naive keyword baseline, on labelled data.

    DEBUG=1 .venv/bin/python bench/matching_quality.py [--experts 20000] [--needs 300]

The synthetic world: 40 topics, each in one FORD field, each split into 8 sub-topics. Every
topic and sub-topic has its own words (pseudo-words, so that nothing leaks from English);
a long Zipf-distributed general vocabulary is shared by everyone. An expert belongs to one
sub-topic: their bio mixes its words, their topic's, a few words of other topics (cross-talk)
and many general words; their keywords are drawn from their sub-topic and topic; they have
languages, a country of origin, modes, hours and a record of answered invitations.

A need is written from a sub-topic the same way (different draws, so a need and its
experts share only part of their words), with keywords, a field, a required language, an
institution country, a mode and an effort. Its experts are labelled, before any ranking,
by the rules an institution would use:

  grade 3  in the need's sub-topic, fits the hard requirements (speaks the required
           language, has the hours, can work in the need's mode), and comes from the
           institution's country or a neighbour;
  grade 2  the same, from anywhere;
  grade 1  in the need's topic (another sub-topic) and fits the hard requirements;
  0        everyone else (wrong sub-topic, or cannot do it).

Reported, for the engine and for the baselines (averaged over the needs):
  recall@10 = (grade >= 2 experts in the top 10) / min(10, number of grade >= 2 experts)
  NDCG@10   with gain 2^grade - 1.

Baselines, as a database query would rank: "keyword overlap" counts the need's keywords
found (case-insensitive substring, like ILIKE) in the expert's keywords or text, listed
experts only, ties by id; "keyword overlap + language" also drops experts missing a
required language (a JOIN on languages).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diaspora.settings")

import django

django.setup()

import argparse  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

from diaspora.matching import regions  # noqa: E402
from diaspora.matching.documents import ExpertDoc, NeedDoc  # noqa: E402
from diaspora.matching.index import MatchingIndex  # noqa: E402
from diaspora.matching.scoring import INSTITUTION_LEVELS  # noqa: E402
from diaspora.matching.weights import Weights  # noqa: E402
from diaspora.reference import ford  # noqa: E402

TOPICS = 40
SUBTOPICS = 8
COUNTRIES = [
    "SN",
    "GM",
    "ML",
    "GH",
    "CI",
    "NG",
    "KE",
    "ET",
    "MA",
    "CM",
    "FR",
    "DE",
    "US",
    "CA",
    "BR",
]
DIASPORA_HOMES = ["SN", "GH", "NG", "KE", "ET", "MA", "CM", "ML"]
RESIDENCES = ["FR", "DE", "US", "CA", "GB", "BE", "CH", "SE"]
LANGUAGES = ["fr", "en", "pt", "ar", "sw", "wo", "es"]
LEVELS = ["native", "fluent", "working", "basic"]
ENGAGEMENTS = ["mentoring", "course", "supervision", "lecture", "research", "curriculum"]
SYLLABLES = [
    c + v
    for c in ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "tr"]
    for v in ["a", "e", "i", "o", "u", "ai", "ou"]
]


def pseudo_words(rng: random.Random, count: int, used: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in used:
            used.add(word)
            out.append(word)
    return out


@dataclass
class World:
    general: list[str]
    general_weights: np.ndarray
    topic_words: list[list[str]]
    sub_words: list[list[list[str]]]
    topic_field: list[str]


def make_world(rng: random.Random) -> World:
    used: set[str] = set()
    general = pseudo_words(rng, 4000, used)
    ranks = np.arange(1, len(general) + 1)
    weights = 1.0 / ranks**1.05
    fields = list(ford.FIELDS)
    return World(
        general=general,
        general_weights=weights / weights.sum(),
        topic_words=[pseudo_words(rng, 40, used) for _ in range(TOPICS)],
        sub_words=[[pseudo_words(rng, 12, used) for _ in range(SUBTOPICS)] for _ in range(TOPICS)],
        topic_field=[fields[(t * 7) % len(fields)] for t in range(TOPICS)],
    )


def _general(world: World, nprng: np.random.Generator, count: int) -> list[str]:
    picks = nprng.choice(len(world.general), size=count, p=world.general_weights)
    return [world.general[i] for i in picks]


def write_text(
    world: World,
    rng: random.Random,
    nprng: np.random.Generator,
    topic: int,
    sub: int,
    length: int,
) -> list[str]:
    words = _general(world, nprng, int(length * 0.6))
    words += rng.choices(world.topic_words[topic], k=int(length * 0.18))
    words += rng.choices(world.sub_words[topic][sub], k=int(length * 0.14))
    for _ in range(int(length * 0.08)):  # cross-talk: words of other topics
        other = rng.randrange(TOPICS)
        words.append(rng.choice(world.topic_words[other]))
    rng.shuffle(words)
    return words


@dataclass
class Labelled:
    need: NeedDoc
    grades: dict[int, int]  # expert id -> grade (absent = 0)


def make_experts(
    world: World, rng: random.Random, n: int
) -> tuple[list[ExpertDoc], list[tuple[int, int]]]:
    nprng = np.random.default_rng(rng.randrange(2**32))
    docs: list[ExpertDoc] = []
    topics: list[tuple[int, int]] = []
    for expert_id in range(1, n + 1):
        topic, sub = rng.randrange(TOPICS), rng.randrange(SUBTOPICS)
        words = write_text(world, rng, nprng, topic, sub, rng.randint(60, 220))
        sentences = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
        keywords = set(rng.sample(world.sub_words[topic][sub], 3))
        keywords.add(" ".join(rng.sample(world.topic_words[topic], 2)))
        fields = {world.topic_field[topic]}
        if rng.random() < 0.2:
            fields.add(rng.choice(list(ford.FIELDS)))
        languages = {rng.choice(LANGUAGES): rng.choice(LEVELS[:2])}
        for code in rng.sample(LANGUAGES, rng.randint(0, 2)):
            languages.setdefault(code, rng.choice(LEVELS))
        origin = rng.choice(DIASPORA_HOMES) if rng.random() < 0.8 else rng.choice(COUNTRIES)
        modes = set(rng.sample(["online", "onsite", "hybrid"], rng.randint(1, 3)))
        received = rng.choice([0, 0, 1, 3, 5, 10])
        docs.append(
            ExpertDoc(
                id=expert_id,
                name=f"Expert {expert_id}",
                text=". ".join(sentences) + ". " + ", ".join(sorted(keywords)),
                keywords=frozenset(keywords),
                disciplines=frozenset(fields),
                languages=languages,
                origin_country=origin,
                origin_visibility=rng.choice(["public", "members", "institutions", "hidden"]),
                residence_country=rng.choice(RESIDENCES),
                residence_visibility=rng.choice(["public", "members", "institutions"]),
                utc_offset=float(rng.choice([-5, -4, 0, 1, 1, 2, 3])),
                engagement_types=frozenset(rng.sample(ENGAGEMENTS, rng.randint(1, 4))),
                modes=frozenset(modes),
                willing_to_travel=rng.random() < 0.4,
                hours_left=rng.choice([0, 2, 4, 6, 8, 12, 20]),
                mentee_slots_left=rng.randint(0, 3),
                invitations_received=received,
                invitations_answered=rng.randint(0, received),
                is_listed=rng.random() < 0.97,
            )
        )
        topics.append((topic, sub))
    return docs, topics


def can_do(expert: ExpertDoc, need: NeedDoc) -> bool:
    if not expert.is_listed:
        return False
    if not need.required_languages <= set(expert.languages):
        return False
    if expert.hours_left < need.monthly_hours:
        return False
    if need.mode == "online":
        return "online" in expert.modes
    return need.mode in expert.modes or expert.willing_to_travel


def make_needs(
    world: World,
    rng: random.Random,
    n: int,
    experts: list[ExpertDoc],
    topics: list[tuple[int, int]],
) -> list[Labelled]:
    nprng = np.random.default_rng(rng.randrange(2**32))
    members: dict[tuple[int, int], list[int]] = {}
    for position, key in enumerate(topics):
        members.setdefault(key, []).append(position)
    out: list[Labelled] = []
    for need_id in range(1, n + 1):
        topic, sub = rng.randrange(TOPICS), rng.randrange(SUBTOPICS)
        words = write_text(world, rng, nprng, topic, sub, rng.randint(40, 120))
        title = " ".join(
            [*rng.sample(world.sub_words[topic][sub], 2), rng.choice(world.topic_words[topic])]
        )
        keywords = set(rng.sample(world.sub_words[topic][sub], 2))
        keywords.add(rng.choice(world.topic_words[topic]))
        if rng.random() < 0.5:
            keywords.add(rng.choice(world.general[:300]))  # a vague keyword
        country = rng.choice(DIASPORA_HOMES)
        mode = rng.choice(["online", "online", "onsite", "hybrid"])
        need = NeedDoc(
            id=need_id,
            title=title,
            text=title + ". " + " ".join(words) + ". " + ", ".join(sorted(keywords)),
            keywords=frozenset(keywords),
            disciplines=frozenset({world.topic_field[topic]}),
            engagement_type=rng.choice(ENGAGEMENTS),
            mode=mode,
            required_languages=frozenset({rng.choice(["fr", "en", "en", "fr", "pt"])}),
            preferred_languages=frozenset({rng.choice(LANGUAGES)}),
            institution_id=need_id,
            institution_name=f"Institution {need_id}",
            institution_country=country,
            location_country="" if mode == "online" else country,
            utc_offset=0.0,
            monthly_hours=float(rng.choice([2, 4, 6])),
            experts_wanted=1,
            status="open",
        )
        grades: dict[int, int] = {}
        for other_sub in range(SUBTOPICS):
            for position in members.get((topic, other_sub), []):
                expert = experts[position]
                if not can_do(expert, need):
                    continue
                if other_sub != sub:
                    grades[expert.id] = 1
                elif regions.relation(country, expert.origin_country) in (
                    regions.SAME,
                    regions.NEIGHBOUR,
                ):
                    grades[expert.id] = 3
                else:
                    grades[expert.id] = 2
        out.append(Labelled(need, grades))
    return out


def metrics(ranked: list[int], grades: dict[int, int]) -> tuple[float, float]:
    relevant = {expert_id for expert_id, grade in grades.items() if grade >= 2}
    top = ranked[:10]
    recall = len(relevant & set(top)) / min(10, len(relevant)) if relevant else 1.0
    dcg = sum((2 ** grades.get(e, 0) - 1) / math.log2(i + 2) for i, e in enumerate(top))
    ideal_gains = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal_gains))
    return recall, (dcg / idcg if idcg else 1.0)


class KeywordBaseline:
    """Keyword overlap as a database would count it (ILIKE on text and keywords).

    Each keyword's matches are computed once (a LIKE scan of every listed expert) and reused
    by the needs that share it; the ranking is the same as scanning per need."""

    def __init__(self, experts: list[ExpertDoc]) -> None:
        self.experts = [e for e in experts if e.is_listed]
        self.ids = np.array([e.id for e in self.experts])
        self.haystacks = [(e.text.lower() + " " + " ".join(e.keywords)) for e in self.experts]
        self._matches: dict[str, np.ndarray] = {}
        self._speakers: dict[str, np.ndarray] = {}

    def _match(self, keyword: str) -> np.ndarray:
        if keyword not in self._matches:
            self._matches[keyword] = np.array([keyword in h for h in self.haystacks])
        return self._matches[keyword]

    def _speaks(self, code: str) -> np.ndarray:
        if code not in self._speakers:
            self._speakers[code] = np.array([code in e.languages for e in self.experts])
        return self._speakers[code]

    def rank(self, need: NeedDoc, *, languages: bool, limit: int = 10) -> list[int]:
        hits = np.zeros(len(self.experts), np.int64)
        for keyword in need.keywords:
            hits += self._match(keyword.lower())
        if languages:
            for code in need.required_languages:
                hits[~self._speaks(code)] = 0
        chosen = np.flatnonzero(hits > 0)
        order = np.lexsort((self.ids[chosen], -hits[chosen]))[:limit]
        return self.ids[chosen[order]].tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experts", type=int, default=20_000)
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    started = time.perf_counter()
    world = make_world(rng)
    experts, topics = make_experts(world, rng, args.experts)
    labelled = make_needs(world, rng, args.needs, experts, topics)
    print(
        f"data: {len(experts)} experts, {len(labelled)} needs, {time.perf_counter() - started:.1f} s"
    )
    relevant = [sum(1 for g in item.grades.values() if g >= 2) for item in labelled]
    print(f"relevant (grade >= 2) per need: median {int(np.median(relevant))}, min {min(relevant)}")

    started = time.perf_counter()
    index = MatchingIndex(Weights())
    index.upsert_experts(experts)
    print(f"index built in {time.perf_counter() - started:.1f} s")

    baseline = KeywordBaseline(experts)
    rows: dict[str, list[tuple[float, float]]] = {
        "engine": [],
        "keyword overlap": [],
        "keyword overlap + language": [],
    }
    timings = []
    for item in labelled:
        started = time.perf_counter()
        ranked = index.rank_experts(item.need, visible_levels=INSTITUTION_LEVELS, limit=10)
        timings.append(time.perf_counter() - started)
        rows["engine"].append(metrics([r.expert_id for r in ranked], item.grades))
        rows["keyword overlap"].append(
            metrics(baseline.rank(item.need, languages=False), item.grades)
        )
        rows["keyword overlap + language"].append(
            metrics(baseline.rank(item.need, languages=True), item.grades)
        )
    print(f"\n{'ranker':<28} {'recall@10':>10} {'NDCG@10':>10}")
    for name, values in rows.items():
        recall = float(np.mean([v[0] for v in values]))
        ndcg = float(np.mean([v[1] for v in values]))
        print(f"{name:<28} {recall:>10.3f} {ndcg:>10.3f}")
    print(f"\nengine top-10 latency (with reasons): p50 {np.percentile(timings, 50) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
