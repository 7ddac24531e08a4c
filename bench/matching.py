"""Matching benchmark: a synthetic diaspora network, the engine in process, then the API.

    DEBUG=1 .venv/bin/python bench/matching.py                      # 100,000 experts, 10,000 needs
    DEBUG=1 .venv/bin/python bench/matching.py --experts 5000 --needs 500   # a quick run
    DEBUG=1 .venv/bin/python bench/matching.py --skip-api           # in process only

The network: experts with disciplines from the FORD classification and a vocabulary per
field (keywords, headline, biography, qualifications), names, countries of origin and of
residence, the languages that go with them, time zones of the country of residence,
visibility settings, capacity and past invitations; institutions in the countries of origin
posting needs in the same vocabulary.

Part 1, in process (documents built by the adapter's own row-to-document functions):
index build time and memory, top-20 experts for a need (p50/p99), top-20 needs for an
expert, upserting one changed expert, pool-wide assignment for 1,000 needs.

Part 2, through the database: the same network bulk-loaded into a scratch SQLite file
(`SQLITE_PATH`, set before Django starts), the index built by the adapter from it,
`GET /api/needs/<id>/matches/?limit=20` through Django's test client as a moderator, and the
naive baseline: one ORM query counting shared keywords per expert, ordered, top 20.
"""

import argparse
import dataclasses
import functools
import gc
import itertools
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNUSABLE = "!"  # an unusable password hash: nobody signs in as these users

# --- Vocabulary ---------------------------------------------------------------------------


def split(text: str) -> list[str]:
    return text.split()


# fmt: off
VOCABULARY: dict[str, list[str]] = {
    "1.1": ["algebra", "topology", "number theory", "probability", "statistics", "optimisation", "numerical analysis", "graph theory", "combinatorics", "differential equations", "stochastic processes", "cryptography"],
    "1.2": ["machine learning", "databases", "distributed systems", "computer vision", "natural language processing", "software engineering", "cybersecurity", "algorithms", "data science", "cloud computing", "human computer interaction", "information retrieval"],
    "1.3": ["optics", "condensed matter", "astrophysics", "particle physics", "quantum mechanics", "thermodynamics", "plasma physics", "acoustics", "photonics", "semiconductors", "cosmology", "spectroscopy"],
    "1.4": ["organic chemistry", "catalysis", "electrochemistry", "polymers", "analytical chemistry", "inorganic chemistry", "spectrometry", "chromatography", "synthesis", "physical chemistry", "green chemistry", "crystallography"],
    "1.5": ["hydrology", "climatology", "geology", "seismology", "oceanography", "remote sensing", "soil science", "meteorology", "glaciology", "geochemistry", "desertification", "groundwater"],
    "1.6": ["genetics", "microbiology", "ecology", "molecular biology", "biochemistry", "cell biology", "evolution", "botany", "zoology", "genomics", "bioinformatics", "immunology"],
    "1.7": ["complex systems", "biophysics", "science policy", "research methods", "systems biology", "metrology", "scientific computing", "citizen science", "open science", "history of science"],
    "2.1": ["structural engineering", "geotechnics", "transport infrastructure", "bridges", "concrete", "urban drainage", "construction management", "road design", "earthquake engineering", "building information modelling"],
    "2.2": ["power systems", "renewable energy", "signal processing", "telecommunications", "embedded systems", "control systems", "microelectronics", "smart grids", "wireless networks", "robotics", "solar photovoltaics", "internet of things"],
    "2.3": ["fluid mechanics", "heat transfer", "manufacturing", "mechatronics", "tribology", "turbines", "automotive engineering", "vibration", "additive manufacturing", "maintenance engineering"],
    "2.4": ["process engineering", "reactor design", "separation processes", "petroleum refining", "process safety", "distillation", "membranes", "process control", "bioprocessing", "water treatment"],
    "2.5": ["composites", "metallurgy", "ceramics", "corrosion", "thin films", "materials characterisation", "biomaterials", "alloys", "polymer processing", "fracture mechanics"],
    "2.6": ["medical devices", "medical imaging", "prosthetics", "biomechanics", "biosensors", "rehabilitation engineering", "clinical engineering", "tissue engineering", "medical electronics", "ultrasound"],
    "2.7": ["wastewater", "solid waste", "air quality", "environmental impact assessment", "sanitation", "pollution control", "water supply", "recycling", "landfill", "circular economy"],
    "2.8": ["bioremediation", "biofuels", "anaerobic digestion", "biogas", "composting", "phytoremediation", "environmental microbiology", "biofilters", "algae cultivation", "bioleaching"],
    "2.9": ["fermentation", "enzymes", "bioreactors", "industrial microbiology", "biocatalysis", "downstream processing", "yeast", "biomanufacturing", "food biotechnology", "metabolic engineering"],
    "2.10": ["nanomaterials", "nanoparticles", "graphene", "nanomedicine", "nanofabrication", "quantum dots", "carbon nanotubes", "nanosensors", "self assembly", "nanoelectronics"],
    "2.11": ["systems engineering", "quality management", "industrial engineering", "logistics", "supply chain", "operations research", "lean manufacturing", "reliability", "project management", "energy efficiency"],
    "3.1": ["physiology", "pharmacology", "pathology", "anatomy", "neuroscience", "toxicology", "virology", "parasitology", "histology", "endocrinology"],
    "3.2": ["cardiology", "oncology", "paediatrics", "surgery", "obstetrics", "internal medicine", "infectious diseases", "psychiatry", "radiology", "anaesthesia", "emergency medicine", "dermatology"],
    "3.3": ["epidemiology", "public health", "global health", "health policy", "nutrition", "maternal health", "health economics", "malaria", "tuberculosis", "hiv", "vaccination", "biostatistics"],
    "3.4": ["diagnostics", "gene therapy", "vaccines", "monoclonal antibodies", "molecular diagnostics", "stem cells", "pharmacogenomics", "drug discovery", "clinical trials", "biobanking"],
    "3.5": ["forensic medicine", "medical ethics", "nursing", "pharmacy", "dentistry", "midwifery", "medical education", "traditional medicine", "occupational health", "health informatics"],
    "4.1": ["agronomy", "irrigation", "forestry", "fisheries", "aquaculture", "crop science", "soil fertility", "agroforestry", "food security", "plant breeding", "pest management", "horticulture"],
    "4.2": ["animal nutrition", "dairy science", "livestock", "poultry", "animal breeding", "pastoralism", "animal welfare", "meat science", "feed formulation", "rangeland"],
    "4.3": ["veterinary medicine", "zoonoses", "animal health", "veterinary epidemiology", "one health", "wildlife health", "vector borne diseases", "veterinary pathology", "antimicrobial resistance", "animal vaccines"],
    "4.4": ["transgenic crops", "plant tissue culture", "marker assisted selection", "crop genomics", "biofertilisers", "biopesticides", "genome editing", "seed systems", "plant pathology", "molecular breeding"],
    "4.5": ["agricultural economics", "rural development", "agricultural extension", "value chains", "post harvest", "farming systems", "agricultural policy", "land tenure", "cooperatives", "climate smart agriculture"],
    "5.1": ["cognitive psychology", "clinical psychology", "developmental psychology", "mental health", "psychometrics", "social psychology", "counselling", "trauma", "behavioural science", "neuropsychology"],
    "5.2": ["microeconomics", "macroeconomics", "development economics", "finance", "accounting", "entrepreneurship", "marketing", "econometrics", "microfinance", "public finance", "trade", "management"],
    "5.3": ["curriculum design", "teacher training", "pedagogy", "higher education", "e-learning", "assessment", "early childhood education", "educational technology", "literacy", "vocational training", "stem education", "inclusive education"],
    "5.4": ["migration", "urban sociology", "gender studies", "demography", "social inequality", "family", "social movements", "youth", "diaspora studies", "ethnography"],
    "5.5": ["constitutional law", "human rights", "international law", "commercial law", "criminal law", "environmental law", "intellectual property", "labour law", "arbitration", "legal aid"],
    "5.6": ["public policy", "governance", "elections", "international relations", "conflict resolution", "public administration", "decentralisation", "peacebuilding", "regional integration", "political economy"],
    "5.7": ["urban planning", "regional development", "geographic information systems", "land use", "transport geography", "spatial analysis", "housing", "informal settlements", "cartography", "smart cities"],
    "5.8": ["journalism", "media studies", "digital communication", "broadcasting", "public relations", "science communication", "social media", "media literacy", "film", "radio"],
    "5.9": ["development studies", "social work", "library science", "archival science", "tourism", "sports science", "criminology", "museum studies", "area studies", "philanthropy"],
    "6.1": ["african history", "archaeology", "colonial history", "oral history", "heritage", "economic history", "museums", "epigraphy", "prehistory", "historiography"],
    "6.2": ["linguistics", "translation", "francophone literature", "african languages", "sociolinguistics", "comparative literature", "language teaching", "lexicography", "poetry", "phonetics"],
    "6.3": ["ethics", "philosophy of science", "bioethics", "religious studies", "islamic studies", "african philosophy", "logic", "political philosophy", "theology", "epistemology"],
    "6.4": ["music", "visual arts", "theatre", "dance", "art history", "design", "architecture", "photography", "creative industries", "cultural heritage"],
    "6.5": ["digital humanities", "cultural studies", "folklore", "interdisciplinary studies", "memory studies", "heritage management", "humanities education", "textual scholarship", "visual culture", "gender and culture"],
}
COMMON = split(
    "research teaching university students training capacity building project projects "
    "programme laboratory methods analysis data field experience international collaboration "
    "partnership supervision mentoring course courses lecture workshop policy evaluation "
    "design development community network practice professional institute department faculty "
    "national regional quality innovation evidence tools skills young researchers graduate "
    "postgraduate doctoral industry ministry public private sector years team leadership "
    "strategy impact learning"
)
FIRST_NAMES = split(
    "Aminata Moussa Fatou Ibrahima Awa Cheikh Khadija Ousmane Mariama Abdoulaye Ngozi Chinedu "
    "Adaeze Emeka Kwame Akosua Yaw Ama Kofi Efua Tendai Farai Thandiwe Sipho Zanele Amina "
    "Hassan Wanjiru Kamau Njeri Otieno Aisha Yusuf Leila Karim Nadia Samir Ana Carlos Lucia "
    "Mateo Priya Arjun Ananya Rahul Fatima Omar Nguyen Linh Minh Thao Mariam Idrissa Salif "
    "Rokia Boubacar"
)
LAST_NAMES = split(
    "Ndiaye Diop Fall Sow Ba Sy Diallo Traore Keita Coulibaly Okafor Adeyemi Okonkwo Nwosu "
    "Mensah Asante Owusu Boateng Moyo Ncube Dlamini Nkosi Kariuki Ochieng Mwangi Haddad "
    "Benali Cherif Mansour Silva Santos Pereira Rodrigues Sharma Patel Iyer Rao Khan Hussain "
    "Tran Pham Le Kamara Sesay Conteh Toure Cisse Kone Sangare Abebe Tesfaye Girma Bekele"
)
# Countries of origin and the languages their experts grow up with.
ORIGINS: dict[str, tuple[str, ...]] = {
    "SN": ("fr", "wo"), "ML": ("fr", "bm"), "CI": ("fr",), "CM": ("fr", "en"),
    "NG": ("en", "yo", "ig", "ha"), "GH": ("en", "ak"), "KE": ("en", "sw"), "TZ": ("sw", "en"),
    "ET": ("am", "en"), "MA": ("ar", "fr"), "DZ": ("ar", "fr"), "TN": ("ar", "fr"),
    "EG": ("ar", "en"), "ZW": ("en", "sn"), "ZA": ("en", "zu", "af"), "RW": ("rw", "fr", "en"),
    "CD": ("fr", "ln"), "BJ": ("fr", "yo"), "IN": ("hi", "en"), "VN": ("vi", "fr"),
    "HT": ("fr", "ht"), "BR": ("pt",), "CO": ("es",), "MZ": ("pt",), "SL": ("en",),
}
RESIDENCES: dict[str, str] = {
    "FR": "fr", "US": "en", "GB": "en", "DE": "de", "CA": "en", "BE": "fr", "CH": "fr", "NL": "nl",
    "IT": "it", "ES": "es", "PT": "pt", "SE": "sv", "AU": "en", "AE": "ar", "JP": "ja",
}
ENGAGEMENTS = ["mentoring", "course", "supervision", "lecture", "research", "curriculum"]
MODES = ["online", "onsite", "hybrid"]
LEVELS = ["native", "fluent", "working", "basic"]
VISIBILITIES = ["public", "members", "institutions", "hidden"]
INSTITUTION_KINDS = ["University", "Institute", "Hospital", "Ministry of", "Research Centre", "Polytechnic"]
CITIES = ["Dakar", "Bamako", "Abidjan", "Lagos", "Accra", "Nairobi", "Addis Ababa", "Rabat", "Tunis", "Kigali", "Douala", "Cotonou", "Harare", "Kinshasa", "Hanoi"]
# fmt: on
FIELD_CODES = sorted(VOCABULARY, key=lambda c: tuple(int(p) for p in c.split(".")))


@functools.cache
def zipf_cumulative(n: int) -> list[float]:
    return list(itertools.accumulate(1 / (i + 1) for i in range(n)))


def zipf_pick(rng: random.Random, items: Sequence[str], k: int) -> list[str]:
    """k distinct items, the first ones of the list more often (word frequencies are skewed)."""
    cumulative = zipf_cumulative(len(items))
    chosen: list[str] = []
    while len(chosen) < min(k, len(items)):
        item = rng.choices(items, cum_weights=cumulative)[0]
        if item not in chosen:
            chosen.append(item)
    return chosen


def related_fields(rng: random.Random, n: int) -> list[str]:
    """n FORD fields, mostly from one major field."""
    first = rng.choice(FIELD_CODES)
    major = first.split(".")[0]
    same = [c for c in FIELD_CODES if c.split(".")[0] == major]
    fields = [first]
    while len(fields) < n:
        pool = same if rng.random() < 0.75 else FIELD_CODES
        code = rng.choice(pool)
        if code not in fields:
            fields.append(code)
    return fields


def prose(rng: random.Random, terms: Sequence[str], words: int) -> str:
    out: list[str] = []
    while len(out) < words:
        out.append(rng.choice(terms) if rng.random() < 0.35 else rng.choice(COMMON))
    return " ".join(out).capitalize() + "."


# --- The network --------------------------------------------------------------------------


@dataclass
class ExpertSpec:
    row: dict[str, Any]
    disciplines: list[str]
    keywords: list[str]
    languages: list[tuple[str, str]]
    qualifications: list[
        tuple[str, str, str, str, int]
    ]  # degree, field, institution, country, year
    engagement_types: list[str]
    modes: list[str]
    received: int
    answered: int


@dataclass
class NeedSpec:
    row: dict[str, Any]
    disciplines: list[str]
    keywords: list[str]
    languages: list[tuple[str, bool]]
    institution: int  # index into Network.institutions


@dataclass
class Network:
    experts: list[ExpertSpec] = field(default_factory=list)
    needs: list[NeedSpec] = field(default_factory=list)
    institutions: list[tuple[str, str, str]] = field(default_factory=list)  # name, country, city


def generate(n_experts: int, n_needs: int, seed: int) -> Network:
    from babel.core import get_global

    zones = get_global("territory_zones")
    rng = random.Random(seed)
    net = Network()
    origins = list(ORIGINS)
    residences = list(RESIDENCES)
    for i in range(1, n_experts + 1):
        fields = related_fields(rng, rng.choice([1, 1, 2, 2, 3]))
        terms = [t for f in fields for t in VOCABULARY[f]]
        keywords = zipf_pick(rng, terms, rng.randint(3, 8))
        origin = rng.choice(origins)
        residence = rng.choice(residences) if rng.random() < 0.9 else origin
        langs: dict[str, str] = {}
        for code in ORIGINS[origin][: rng.randint(1, len(ORIGINS[origin]))]:
            langs[code] = "native"
        langs.setdefault(RESIDENCES.get(residence, "en"), rng.choice(["fluent", "working"]))
        if "en" not in langs and rng.random() < 0.7:
            langs["en"] = rng.choice(["fluent", "working", "basic"])
        if "fr" not in langs and rng.random() < 0.2:
            langs["fr"] = rng.choice(LEVELS[1:])
        main = VOCABULARY[fields[0]][0]
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        hours = rng.choice([0, 2, 4, 4, 6, 8, 8, 10, 12, 16, 20])
        max_mentees = rng.choice([0, 0, 1, 2, 3, 5])
        received = rng.choice([0, 0, 0, 1, 2, 3, 5])
        row = {
            "id": i,
            "user__name": name,
            "user__is_active": True,
            "headline": f"{rng.choice(['Professor', 'Researcher', 'Lecturer', 'Engineer', 'Consultant', 'Physician'])} in {main}",
            "bio": prose(rng, terms, rng.randint(30, 90)),
            "current_affiliation": f"{rng.choice(['University', 'Institute', 'Hospital', 'Laboratory'])} of {rng.choice(LAST_NAMES)}",
            "origin_country": origin,
            "origin_country_visibility": rng.choices(VISIBILITIES, [4, 3, 2, 1])[0],
            "residence_country": residence,
            "residence_country_visibility": rng.choices(VISIBILITIES, [3, 4, 2, 1])[0],
            "timezone": rng.choice(zones.get(residence, ["UTC"])),
            "willing_to_travel": rng.random() < 0.4,
            "hours_per_month": hours,
            "hours_committed": rng.randint(0, hours) if rng.random() < 0.3 else 0,
            "max_mentees": max_mentees,
            "current_mentees": rng.randint(0, max_mentees),
            "is_listed": rng.random() < 0.96,
        }
        net.experts.append(
            ExpertSpec(
                row=row,
                disciplines=fields,
                keywords=keywords,
                languages=list(langs.items()),
                qualifications=[
                    (
                        rng.choice(["doctorate", "master", "bachelor", "medical"]),
                        rng.choice(terms),
                        f"University of {rng.choice(LAST_NAMES)}",
                        rng.choice([origin, residence]),
                        rng.randint(1975, 2022),
                    )
                    for _ in range(rng.randint(1, 3))
                ],
                engagement_types=rng.sample(ENGAGEMENTS, rng.randint(1, 4)),
                modes=rng.sample(MODES, rng.randint(1, 3)),
                received=received,
                answered=rng.randint(0, received),
            )
        )
    n_institutions = max(1, n_needs // 5)
    for j in range(n_institutions):
        country = rng.choice(origins)
        net.institutions.append(
            (
                f"{rng.choice(INSTITUTION_KINDS)} {rng.choice(LAST_NAMES)} {j}",
                country,
                rng.choice(CITIES),
            )
        )
    today = date(2026, 1, 1)
    for i in range(1, n_needs + 1):
        inst = rng.randrange(n_institutions)
        _name, country, _city = net.institutions[inst]
        fields = related_fields(rng, rng.choice([1, 1, 2]))
        terms = [t for f in fields for t in VOCABULARY[f]]
        keywords = zipf_pick(rng, terms, rng.randint(3, 6))
        kind = rng.choice(ENGAGEMENTS)
        mode = rng.choices(MODES, [5, 2, 3])[0]
        need_langs: list[tuple[str, bool]] = []
        local = ORIGINS[country][0]
        if rng.random() < 0.45:
            need_langs.append((local, True))
        if rng.random() < 0.4:
            other = "en" if local != "en" else "fr"
            need_langs.append((other, False))
        start = today + timedelta(days=rng.randint(0, 180))
        months = rng.randint(1, 12)
        row = {
            "id": i,
            "title": f"{kind.capitalize()} in {' and '.join(keywords[:2])}",
            "description": prose(rng, terms, rng.randint(40, 120)),
            "institution_id": inst + 1,
            "institution__name": net.institutions[inst][0],
            "institution__country": country,
            "location_country": country if mode != "online" else "",
            "engagement_type__code": kind,
            "mode__code": mode,
            "start_date": start,
            "end_date": start + timedelta(days=30 * months),
            "effort_hours": rng.randint(2, 16) * months,
            "experts_wanted": rng.choice([1, 1, 1, 2, 2, 3]),
            "status": "open",
        }
        net.needs.append(
            NeedSpec(
                row=row,
                disciplines=fields,
                keywords=keywords,
                languages=need_langs,
                institution=inst,
            )
        )
    return net


def expert_docs(net: Network) -> list[Any]:
    from diaspora.matching.adapter import expert_doc_from_row

    return [
        expert_doc_from_row(
            e.row,
            disciplines=e.disciplines,
            keywords=e.keywords,
            languages=e.languages,
            qualifications=[q[1] for q in e.qualifications],
            engagement_types=e.engagement_types,
            modes=e.modes,
            received=e.received,
            answered=e.answered,
        )
        for e in net.experts
    ]


def need_docs(net: Network) -> list[Any]:
    from diaspora.matching.adapter import need_doc_from_row

    return [
        need_doc_from_row(
            n.row, disciplines=n.disciplines, keywords=n.keywords, languages=n.languages
        )
        for n in net.needs
    ]


# --- Measuring ----------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[rank]


def line(label: str, value: str) -> None:
    print(f"  {label:<44} {value}")


def latency(label: str, ms: Sequence[float], goal: str = "") -> None:
    text = f"p50 {percentile(ms, 50):8.2f} ms   p99 {percentile(ms, 99):8.2f} ms   (n={len(ms)})"
    line(label, text + (f"   goal {goal}" if goal else ""))


# --- Part 1: in process -------------------------------------------------------------------


def in_process(net: Network, args: argparse.Namespace) -> dict[str, float]:
    from diaspora.matching.assignment import plan_assignment
    from diaspora.matching.index import MatchingIndex
    from diaspora.matching.selectors import MODERATOR_LEVELS
    from diaspora.matching.weights import Weights

    print("\nIn process")
    gc.collect()
    before_docs = rss_mb()
    t0 = time.perf_counter()
    experts = expert_docs(net)
    needs = need_docs(net)
    line("documents made", f"{time.perf_counter() - t0:.2f} s, {rss_mb() - before_docs:.0f} MB RSS")

    gc.collect()
    before = rss_mb()
    if args.tracemalloc:
        tracemalloc.start()
    t0 = time.perf_counter()
    index = MatchingIndex(Weights.from_settings())
    for start in range(0, len(experts), 2000):
        index.upsert_experts(experts[start : start + 2000])
    index.upsert_needs(needs)
    build = time.perf_counter() - t0
    traced = 0.0
    if args.tracemalloc:
        traced = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
    gc.collect()
    memory = rss_mb() - before
    line(
        "index build",
        f"{build:.2f} s for {index.expert_count:,} experts and {index.need_count:,} needs",
    )
    line("index memory (RSS delta, beyond the documents)", f"{memory:.0f} MB")
    if args.tracemalloc:
        line("index memory (tracemalloc, allocated during build)", f"{traced:.0f} MB")

    rng = random.Random(args.seed + 1)
    sample = rng.sample(needs, min(args.queries, len(needs)))
    for need in sample[:20]:  # warm up
        index.rank_experts(need, visible_levels=MODERATOR_LEVELS, limit=20)
    ms = []
    for need in sample:
        t0 = time.perf_counter()
        index.rank_experts(need, visible_levels=MODERATOR_LEVELS, limit=20)
        ms.append((time.perf_counter() - t0) * 1000)
    latency("top-20 experts for a need", ms, "p50 <= 10 ms, p99 <= 30 ms")
    results = {"rank_p50": percentile(ms, 50), "rank_p99": percentile(ms, 99)}

    listed = [e for e in experts if e.is_listed]
    who = rng.sample(listed, min(args.queries, len(listed)))
    ms = []
    for expert in who:
        t0 = time.perf_counter()
        index.rank_needs(expert, visible_levels=frozenset(VISIBILITIES), limit=20)
        ms.append((time.perf_counter() - t0) * 1000)
    latency("top-20 open needs for an expert", ms)

    ms = []
    for expert in rng.sample(listed, min(300, len(listed))):
        extra = rng.choice(VOCABULARY[rng.choice(FIELD_CODES)])
        changed = dataclasses.replace(
            expert,
            keywords=expert.keywords | {extra},
            text=expert.text + " " + extra,
            hours_left=max(0, expert.hours_left - 1),
        )
        t0 = time.perf_counter()
        index.upsert_experts([changed])
        ms.append((time.perf_counter() - t0) * 1000)
    latency("update one expert (upsert)", ms)

    batch = rng.sample(needs, min(1000, len(needs)))
    by_id = {e.id: e for e in experts}
    t0 = time.perf_counter()
    plan = plan_assignment(
        index=index, needs=batch, experts=lambda ids: {i: by_id[i] for i in ids}, k=30
    )
    seconds = time.perf_counter() - t0
    line(
        f"pool-wide assignment, {len(batch):,} needs, k=30",
        f"{seconds:.2f} s: {plan.fully} covered fully, {plan.partly} partly, "
        f"{plan.uncovered} not at all; total score {plan.total_score:.1f}",
    )
    line(
        "  of which",
        f"candidates {plan.ranking_seconds:.2f} s, min-cost flow {plan.solving_seconds:.2f} s "
        f"({plan.candidates_considered:,} arcs)",
    )
    results["assignment_s"] = seconds
    return results


# --- Part 2: through the database ---------------------------------------------------------


def link(relation: Any, owner: str, target: str, pairs: list[tuple[int, int]]) -> None:
    """Rows of a many-to-many table, straight in."""
    through = relation.through
    through.objects.bulk_create(
        [through(**{owner: a, target: b}) for a, b in pairs], batch_size=5000
    )


def load_database(net: Network) -> tuple[Any, list[int]]:
    """Bulk-load the network; returns the moderator and the need ids."""
    from django.db import transaction
    from django.utils import timezone

    from diaspora.accounts.models import User
    from diaspora.institutions.models import Institution, VerificationStatus
    from diaspora.matches.models import Proposal, ProposalKind, ProposalStatus
    from diaspora.needs.models import Need, NeedLanguage
    from diaspora.people.models import ExpertLanguage, ExpertProfile, Qualification
    from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode

    size = 5000
    rng = random.Random(7)
    with transaction.atomic():
        discipline = dict(Discipline.objects.values_list("code", "id"))
        engagement = dict(EngagementType.objects.values_list("code", "id"))
        mode = dict(Mode.objects.values_list("code", "id"))
        words = sorted(
            {k for e in net.experts for k in e.keywords}
            | {k for n in net.needs for k in n.keywords}
        )
        Keyword.objects.bulk_create([Keyword(name=w) for w in words], batch_size=size)
        keyword = dict(Keyword.objects.values_list("name", "id"))
        moderator = User.objects.create(
            email="moderator@bench.example",
            name="Bench Moderator",
            is_moderator=True,
            password=UNUSABLE,
        )
        users = User.objects.bulk_create(
            [
                User(
                    email=f"expert{i}@bench.example",
                    name=e.row["user__name"],
                    role="expert",
                    password=UNUSABLE,
                )
                for i, e in enumerate(net.experts)
            ],
            batch_size=size,
        )
        profile_fields = [f for f in net.experts[0].row if "__" not in f and f != "id"]
        profiles = ExpertProfile.objects.bulk_create(
            [
                ExpertProfile(user_id=u.pk, **{f: e.row[f] for f in profile_fields})
                for u, e in zip(users, net.experts, strict=True)
            ],
            batch_size=size,
        )
        pk = [p.pk for p in profiles]
        link(
            ExpertProfile.disciplines,
            "expertprofile_id",
            "discipline_id",
            [(pk[i], discipline[c]) for i, e in enumerate(net.experts) for c in e.disciplines],
        )
        link(
            ExpertProfile.keywords,
            "expertprofile_id",
            "keyword_id",
            [(pk[i], keyword[k]) for i, e in enumerate(net.experts) for k in e.keywords],
        )
        link(
            ExpertProfile.engagement_types,
            "expertprofile_id",
            "engagementtype_id",
            [(pk[i], engagement[c]) for i, e in enumerate(net.experts) for c in e.engagement_types],
        )
        link(
            ExpertProfile.modes,
            "expertprofile_id",
            "mode_id",
            [(pk[i], mode[c]) for i, e in enumerate(net.experts) for c in e.modes],
        )
        ExpertLanguage.objects.bulk_create(
            [
                ExpertLanguage(profile_id=pk[i], code=c, level=lv)
                for i, e in enumerate(net.experts)
                for c, lv in e.languages
            ],
            batch_size=size,
        )
        Qualification.objects.bulk_create(
            [
                Qualification(
                    profile_id=pk[i], degree=d, field=f, institution=inst, country=c, year=y
                )
                for i, e in enumerate(net.experts)
                for d, f, inst, c, y in e.qualifications
            ],
            batch_size=size,
        )
        institutions = Institution.objects.bulk_create(
            [
                Institution(
                    name=n,
                    country=c,
                    city=city,
                    type="university",
                    verification_status=VerificationStatus.VERIFIED,
                )
                for n, c, city in net.institutions
            ],
            batch_size=size,
        )
        need_fields = [
            "title",
            "description",
            "location_country",
            "start_date",
            "end_date",
            "effort_hours",
            "experts_wanted",
            "status",
        ]
        needs = Need.objects.bulk_create(
            [
                Need(
                    institution_id=institutions[n.institution].pk,
                    engagement_type_id=engagement[n.row["engagement_type__code"]],
                    mode_id=mode[n.row["mode__code"]],
                    **{f: n.row[f] for f in need_fields},
                )
                for n in net.needs
            ],
            batch_size=size,
        )
        npk = [n.pk for n in needs]
        link(
            Need.disciplines,
            "need_id",
            "discipline_id",
            [(npk[i], discipline[c]) for i, n in enumerate(net.needs) for c in n.disciplines],
        )
        link(
            Need.keywords,
            "need_id",
            "keyword_id",
            [(npk[i], keyword[k]) for i, n in enumerate(net.needs) for k in n.keywords],
        )
        NeedLanguage.objects.bulk_create(
            [
                NeedLanguage(need_id=npk[i], code=c, required=r)
                for i, n in enumerate(net.needs)
                for c, r in n.languages
            ],
            batch_size=size,
        )
        when = timezone.now()
        proposals = []
        for i, e in enumerate(net.experts):
            answered = [
                rng.choice([ProposalStatus.ACCEPTED, ProposalStatus.DECLINED])
                for _ in range(e.answered)
            ]
            statuses = answered + [ProposalStatus.EXPIRED] * (e.received - e.answered)
            for status in statuses:
                proposals.append(
                    Proposal(
                        kind=ProposalKind.INVITATION,
                        need_id=rng.choice(npk),
                        expert_id=pk[i],
                        sent_by=moderator,
                        status=status,
                        deadline=when,
                    )
                )
        Proposal.objects.bulk_create(proposals, batch_size=size)
        # The network existed before this server started: stamps a day old, so that the
        # index's sync window (the last few seconds) holds nothing from the load.
        yesterday = timezone.now() - timedelta(days=1)
        ExpertProfile.objects.update(updated_at=yesterday)
        Need.objects.update(updated_at=yesterday)
    return moderator, npk


def through_database(net: Network, args: argparse.Namespace, in_process_p50: float) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from diaspora.matching import adapter, selectors
    from diaspora.needs.models import Need
    from diaspora.people.models import ExpertProfile

    print("\nThrough the database (scratch SQLite file)")
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    line("migrate", f"{time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    moderator, need_ids = load_database(net)
    line("bulk load", f"{time.perf_counter() - t0:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    t0 = time.perf_counter()
    index = adapter.holder().build_now()
    line(
        "index build from the database (adapter)",
        f"{time.perf_counter() - t0:.2f} s for {index.expert_count:,} listed experts, "
        f"{index.need_count:,} open needs",
    )

    rng = random.Random(args.seed + 2)
    sample = rng.sample(need_ids, min(args.api_queries, len(need_ids)))
    client = Client()
    client.force_login(moderator)
    for pk in sample[:10]:
        client.get(f"/api/needs/{pk}/matches/?limit=20")
    ms = []
    for pk in sample:
        t0 = time.perf_counter()
        response = client.get(f"/api/needs/{pk}/matches/?limit=20")
        ms.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET failed: {response.status_code} {response.content[:300]!r}")
    latency("GET /api/needs/<id>/matches/?limit=20", ms, "p50 <= 60 ms")
    api_p50 = percentile(ms, 50)

    def baseline(need_id: int) -> list[tuple[int, int]]:
        keywords = Need.keywords.through.objects.filter(need_id=need_id).values("keyword_id")
        return list(
            ExpertProfile.objects.listed()
            .filter(keywords__in=keywords)
            .annotate(shared=Count("keywords"))
            .order_by("-shared", "pk")
            .values_list("pk", "shared")[:20]
        )

    for pk in sample[:10]:
        baseline(pk)
    ms = []
    for pk in sample:
        t0 = time.perf_counter()
        baseline(pk)
        ms.append((time.perf_counter() - t0) * 1000)
    latency("baseline: shared keywords, one SQL query", ms)
    base_p50 = percentile(ms, 50)
    line("speed ratio (baseline p50 / engine p50)", f"{base_p50 / in_process_p50:.1f}x in process")
    line("speed ratio (baseline p50 / API p50)", f"{base_p50 / api_p50:.1f}x through the API")

    # While a restarted process builds its index, rankings use the database prefilter.
    ms = []
    for pk in sample[:20]:
        need = Need.objects.select_related("institution", "engagement_type", "mode").get(pk=pk)
        t0 = time.perf_counter()
        selectors.fallback_rank_experts(
            selectors.need_for_doc(need), levels=selectors.MODERATOR_LEVELS, limit=20
        )
        ms.append((time.perf_counter() - t0) * 1000)
    latency("fallback while the index builds (in process)", ms)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500, help="needs timed in process")
    parser.add_argument("--api-queries", type=int, default=300, help="needs timed through the API")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-api", action="store_true", help="only the in-process part")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace allocations (slower build)"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dkn-bench-"))
    os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diaspora.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log: it would grow with every request timed
    logging.getLogger("diaspora.matching").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    print(f"Matching benchmark: {args.experts:,} experts, {args.needs:,} needs, seed {args.seed}")
    try:
        t0 = time.perf_counter()
        net = generate(args.experts, args.needs, args.seed)
        line("network generated", f"{time.perf_counter() - t0:.1f} s")
        results = in_process(net, args)
        if not args.skip_api:
            through_database(net, args, results["rank_p50"])
    finally:
        if args.keep_db:
            print(f"\nScratch database kept: {os.environ['SQLITE_PATH']}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
