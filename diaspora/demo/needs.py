"""Demo needs and offers, so the matching pages show something real after `make run`.

Needs are keyed by `external_id` ("demo-…") and offers by (expert, title): running the seed
again changes nothing.
"""

from dataclasses import dataclass

from diaspora.accounts.models import User
from diaspora.institutions.models import Institution
from diaspora.needs.models import Need, NeedStatus, Offer
from diaspora.needs.services import need_create, need_set_status, offer_create
from diaspora.people.models import ExpertProfile
from diaspora.reference.models import Discipline, EngagementType, Mode


@dataclass(frozen=True)
class NeedSpec:
    key: str
    institution_country: str
    title: str
    description: str
    disciplines: tuple[str, ...]
    keywords: tuple[str, ...]
    engagement: str
    mode: str
    required: tuple[str, ...]
    preferred: tuple[str, ...] = ()
    experts_wanted: int = 1
    effort_hours: int = 40


NEEDS = (
    NeedSpec(
        "sn-epi-course",
        "SN",
        "Short course in field epidemiology for district health officers",
        "Our public health school trains district officers who investigate outbreaks. We need "
        "an epidemiologist to teach a **six-week online course** on outbreak investigation, "
        "surveillance data and basic biostatistics, in French.",
        ("3.3",),
        ("epidemiology", "outbreak investigation", "surveillance", "biostatistics"),
        "course",
        "online",
        ("fr",),
        ("wo",),
        1,
        36,
    ),
    NeedSpec(
        "sn-malaria-mentoring",
        "SN",
        "Mentoring early-career malaria researchers",
        "Three doctoral students working on malaria transmission want a mentor for their "
        "thesis projects and first publications.",
        ("3.3", "1.6"),
        ("malaria", "vector control", "mentoring", "publication"),
        "mentoring",
        "online",
        ("fr",),
        ("en",),
        2,
        24,
    ),
    NeedSpec(
        "ng-ai-curriculum",
        "NG",
        "Machine learning curriculum for a computer science department",
        "We are revising our undergraduate curriculum and need help designing two modules on "
        "machine learning and data engineering, with labs that run on modest hardware.",
        ("1.2",),
        ("machine learning", "curriculum design", "data engineering", "python"),
        "curriculum",
        "hybrid",
        ("en",),
        (),
        1,
        60,
    ),
    NeedSpec(
        "gh-nursing-lecture",
        "GH",
        "Guest lectures on nursing education and simulation",
        "Our nursing faculty is opening a simulation lab. We would like a series of lectures "
        "on simulation-based nursing education.",
        ("3.3",),
        ("nursing education", "simulation", "health workforce"),
        "lecture",
        "online",
        ("en",),
        ("ak",),
        1,
        10,
    ),
    NeedSpec(
        "ke-climate-research",
        "KE",
        "Joint research on climate adaptation in dryland farming",
        "A two-year joint project on drought-tolerant crops and farmer adoption in arid "
        "counties, with field work in Kenya.",
        ("4.1", "1.5"),
        ("climate adaptation", "agronomy", "drought", "smallholder farming"),
        "research",
        "onsite",
        ("en",),
        ("sw",),
        2,
        120,
    ),
    NeedSpec(
        "et-water-supervision",
        "ET",
        "Co-supervision of PhD theses in water engineering",
        "Two PhD candidates work on groundwater recharge and urban water supply; we seek a "
        "co-supervisor abroad.",
        ("2.7", "2.1"),
        ("groundwater", "hydrology", "water supply", "supervision"),
        "supervision",
        "online",
        ("en",),
        ("am",),
        1,
        48,
    ),
    NeedSpec(
        "ma-law-course",
        "MA",
        "Course on migration law and refugee protection",
        "Our law faculty wants an online course on international migration law for "
        "master's students.",
        ("5.5",),
        ("migration law", "refugee protection", "human rights"),
        "course",
        "online",
        ("fr",),
        ("ar",),
        1,
        30,
    ),
    NeedSpec(
        "lb-mental-health",
        "LB",
        "Mentoring psychologists in trauma-informed care",
        "Clinical psychologists in our hospital ask for mentoring in trauma-informed care "
        "and supervision practice.",
        ("5.1", "3.2"),
        ("trauma", "mental health", "clinical psychology"),
        "mentoring",
        "online",
        ("ar",),
        ("en", "fr"),
        1,
        20,
    ),
    NeedSpec(
        "co-seismic",
        "CO",
        "Seismic retrofitting of school buildings",
        "The ministry's infrastructure unit needs an expert to review retrofitting designs "
        "for schools in seismic zones.",
        ("2.1",),
        ("seismic retrofitting", "structural engineering", "schools"),
        "research",
        "hybrid",
        ("es",),
        ("en",),
        1,
        40,
    ),
    NeedSpec(
        "ph-coastal",
        "PH",
        "Lecture series on coastal resilience and mangroves",
        "A research institute organises a lecture series on coastal hazards, mangrove "
        "restoration and community adaptation.",
        ("1.5", "1.6"),
        ("coastal resilience", "mangroves", "climate adaptation"),
        "lecture",
        "online",
        ("en",),
        ("tl",),
        2,
        12,
    ),
)

OFFERS = (
    (
        "course",
        "Online course: outbreak investigation in practice",
        "A six-week course with weekly live sessions and case studies from West Africa.",
        2,
        6,
    ),
    (
        "mentoring",
        "Mentoring for doctoral students",
        "Monthly calls on research design, writing and first publications.",
        3,
        4,
    ),
    (
        "lecture",
        "Guest lecture on my field",
        "A 90-minute lecture with questions, online or during a visit home.",
        4,
        2,
    ),
)


def demo_seed_needs(*, institutions: list[Institution], users: dict[str, User]) -> tuple[int, int]:
    """Open needs at the verified demo institutions and offers by demo experts."""
    # The demo account's own institution gets its country's needs, so it has some to show.
    demo_home = {m.institution_id for m in users["institution@example.org"].memberships.all()}
    by_country: dict[str, Institution] = {}
    for institution in sorted(institutions, key=lambda i: i.pk not in demo_home):
        if institution.is_verified:
            by_country.setdefault(str(institution.country), institution)
    disciplines = {d.code: d for d in Discipline.objects.all()}
    engagement = {e.code: e for e in EngagementType.objects.all()}
    modes = {m.code: m for m in Mode.objects.all()}
    existing = set(
        Need.objects.filter(external_id__startswith="demo-").values_list("external_id", flat=True)
    )
    needs = 0
    for spec in NEEDS:
        home = by_country.get(spec.institution_country)
        external_id = f"demo-{spec.key}"
        if home is None or external_id in existing:
            continue
        admin = home.memberships.order_by("-role", "pk").first()
        values = {
            "title": spec.title,
            "engagement_type": engagement[spec.engagement],
            "mode": modes[spec.mode],
            "experts_wanted": spec.experts_wanted,
            "effort_hours": spec.effort_hours,
        }
        if spec.mode != "online":
            values.update(location_country=spec.institution_country, location_city=home.city)
        need = need_create(
            institution=home,
            created_by=admin.user if admin else None,
            values=values,
            description=spec.description,
            disciplines=[disciplines[c] for c in spec.disciplines],
            keywords=list(spec.keywords),
            required_languages=list(spec.required),
            preferred_languages=list(spec.preferred),
            external_id=external_id,
        )
        need_set_status(need=need, status=NeedStatus.OPEN, by=None)
        needs += 1
    offers = 0
    listed = ExpertProfile.objects.filter(is_listed=True).prefetch_related("disciplines", "modes")
    experts = [
        *listed.filter(user__email="expert@example.org"),
        *listed.exclude(user__email="expert@example.org").order_by("pk")[:8],
    ]
    for index, expert in enumerate(experts):
        kind, title, description, capacity, hours = OFFERS[index % len(OFFERS)]
        if Offer.objects.filter(expert=expert, title=title).exists():
            continue
        offer_create(
            expert=expert,
            values={
                "engagement_type": engagement[kind],
                "title": title,
                "capacity": capacity,
                "hours_per_month": hours,
            },
            description=description,
            disciplines=list(expert.disciplines.all()[:2]),
            languages=list(expert.languages.values_list("code", flat=True)[:3]),
            modes=list(expert.modes.all()),
        )
        offers += 1
    return needs, offers
