"""The raw material of the demo network: people, places, fields and institutions.

Only data lives here; `diaspora.demo.services` turns it into accounts, profiles and
institutions. Names are invented but follow the naming customs of each country of origin.
Universities are real public universities; hospitals, NGOs and research centres are mostly
invented, so that no real organisation seems to endorse the demo.
"""

from typing import NamedTuple

DEMO_PASSWORD = "diaspora-demo"  # noqa: S105 - published on purpose: demo accounts only
# Changing the seed reshuffles every generated profile; keep it unless that is the point.
SEED = "diaspora-demo-2025"
EMAIL_DOMAIN = "example.org"


# --- Demo accounts ----------------------------------------------------------


class DemoAccountData(NamedTuple):
    email: str
    name: str
    role: str  # accounts.Role value
    timezone: str
    is_moderator: bool
    description: str


DEMO_ACCOUNTS: tuple[DemoAccountData, ...] = (
    DemoAccountData(
        "expert@example.org",
        "Mariama Sow",
        "expert",
        "Europe/Paris",
        False,
        "expert with a full profile (Senegalese epidemiologist in Lyon)",
    ),
    DemoAccountData(
        "institution@example.org",
        "Ndèye Fatou Sarr",
        "institution",
        "Africa/Dakar",
        False,
        "administrator of a verified institution",
    ),
    DemoAccountData(
        "learner@example.org", "Abena Ofori", "learner", "Africa/Accra", False, "learner"
    ),
    DemoAccountData(
        "moderator@example.org",
        "Hélène Moreau",
        "learner",
        "Europe/Paris",
        True,
        "moderator (verifies institutions, handles flags)",
    ),
    DemoAccountData(
        "outsider@example.org",
        "Tomás Herrera",
        "learner",
        "America/Bogota",
        False,
        "plain member, no institution",
    ),
)


# --- The hand-written profile of expert@example.org ------------------------


class QualificationData(NamedTuple):
    degree: str  # people.Degree value
    field: str
    institution: str
    country: str
    year: int


class HandmadeProfile(NamedTuple):
    email: str
    headline: str
    origin_country: str
    origin_country_visibility: str
    residence_country: str
    residence_country_visibility: str
    city: str
    city_visibility: str
    timezone: str
    current_affiliation: str
    willing_to_travel: bool
    hours_per_month: int
    max_mentees: int
    bio: str
    disciplines: tuple[str, ...]
    keywords: tuple[str, ...]
    engagement_types: tuple[str, ...]
    modes: tuple[str, ...]
    languages: tuple[tuple[str, str], ...]
    qualifications: tuple[QualificationData, ...]


DEMO_EXPERT_PROFILE = HandmadeProfile(
    email="expert@example.org",
    headline="Epidemiologist, Lyon · malaria and disease surveillance",
    origin_country="SN",
    origin_country_visibility="public",
    residence_country="FR",
    residence_country_visibility="public",
    city="Lyon",
    city_visibility="members",
    timezone="Europe/Paris",
    current_affiliation="Université Claude Bernard Lyon 1",
    willing_to_travel=True,
    hours_per_month=10,
    max_mentees=4,
    # One line per paragraph: the renderer turns single newlines into line breaks.
    bio="\n\n".join(
        (
            "I am an epidemiologist and lecturer at **Université Claude Bernard Lyon 1**. "
            "I grew up in Kaolack, Senegal, studied biology at Université Cheikh Anta Diop "
            "de Dakar and came to France in 2009 for a master's in public health.",
            "My research is about **malaria in the Sahel**: how well seasonal malaria "
            "chemoprevention reaches children in remote districts, and how district health "
            "teams can read their own surveillance data without waiting for a report from "
            "the capital. I have worked with national malaria programmes in Senegal, Mali "
            "and Burkina Faso.",
            "### How I can help\n\n"
            "- Mentoring young epidemiologists and data managers, up to four at a time, "
            "online.\n"
            "- A short course on *outbreak investigation with R*, online or on site.\n"
            "- Co-supervision of master's and PhD students working on malaria or "
            "surveillance.\n"
            "- Joint grant applications with West African research teams.",
            "I go back to Senegal about twice a year and am glad to combine a visit with a "
            "workshop. I answer in French, English or Wolof.",
        )
    ),
    disciplines=("3.3", "1.1"),
    keywords=(
        "epidemiology",
        "malaria",
        "disease surveillance",
        "seasonal malaria chemoprevention",
        "biostatistics",
        "r",
        "one health",
    ),
    engagement_types=("mentoring", "course", "supervision", "research"),
    modes=("online", "onsite", "hybrid"),
    languages=(("wo", "native"), ("fr", "fluent"), ("en", "fluent"), ("ff", "basic")),
    qualifications=(
        QualificationData(
            "bachelor", "Biology", "Université Cheikh Anta Diop de Dakar", "SN", 2007
        ),
        QualificationData("master", "Public health", "Université de Bordeaux", "FR", 2011),
        QualificationData(
            "doctorate", "Epidemiology", "Université Claude Bernard Lyon 1", "FR", 2015
        ),
    ),
)


# --- Fields of work -------------------------------------------------------


class Specialty(NamedTuple):
    disciplines: tuple[str, ...]  # FORD leaf codes, the main one first
    roles: tuple[str, str, str]  # early, mid and senior career, lower case, no article
    keywords: tuple[str, ...]
    studies: tuple[str, str, str]  # first degree, master, doctorate or medical speciality
    medical: bool  # an MD then a speciality, rather than bachelor, master, PhD
    focus: tuple[str, ...]  # completes "My work focuses on …"
    teaching: tuple[str, ...]  # subjects of a course or a lecture
    learners: str  # whom they mentor
    sectors: tuple[str, ...]  # where they work: fields of City (academic, clinical, …)


# fmt: off
SPECIALTIES: dict[str, Specialty] = {
    "epidemiology": Specialty(
        ("3.3", "1.1"),
        ("postdoctoral researcher in epidemiology", "epidemiologist", "senior epidemiologist"),
        ("epidemiology", "disease surveillance", "outbreak response", "biostatistics",
         "cohort studies", "vaccine coverage", "tuberculosis", "cholera", "hiv", "one health"),
        ("Biology", "Public health", "Epidemiology"),
        False,
        ("disease surveillance systems that work with little laboratory capacity",
         "vaccine coverage among mobile and displaced populations",
         "the design and analysis of community cohort studies",
         "early warning of cholera and measles outbreaks"),
        ("outbreak investigation", "introductory biostatistics with R",
         "the design of surveillance systems"),
        "young epidemiologists and data managers",
        ("academic", "agency", "academic"),
    ),
    "maternal_health": Specialty(
        ("3.2", "3.3"),
        ("obstetrics and gynaecology registrar", "obstetrician-gynaecologist",
         "consultant obstetrician"),
        ("obstetrics", "maternal health", "emergency obstetric care", "obstetric ultrasound",
         "midwifery training", "family planning", "postpartum haemorrhage",
         "maternal death reviews"),
        ("Medicine", "Public health", "Obstetrics and gynaecology"),
        True,
        ("emergency obstetric care in district hospitals",
         "maternal death reviews that lead to change rather than blame",
         "teaching obstetric ultrasound to midwives and general practitioners"),
        ("emergency obstetric care", "obstetric ultrasound for beginners",
         "running maternal death reviews"),
        "junior doctors and midwives",
        ("clinical", "clinical", "academic"),
    ),
    "paediatrics": Specialty(
        ("3.2",),
        ("paediatric registrar", "paediatrician", "consultant paediatrician"),
        ("paediatrics", "neonatology", "child malnutrition", "sickle cell disease",
         "newborn care", "paediatric emergencies", "kangaroo mother care"),
        ("Medicine", "Tropical paediatrics", "Paediatrics"),
        True,
        ("care of small and sick newborns in hospitals with few incubators",
         "the long-term follow-up of children with sickle cell disease",
         "the treatment of severe acute malnutrition"),
        ("paediatric emergency triage", "newborn resuscitation",
         "managing sickle cell disease in children"),
        "paediatric residents and nurses",
        ("clinical", "clinical", "academic"),
    ),
    "surgery": Specialty(
        ("3.2",),
        ("surgical fellow", "general surgeon", "consultant surgeon"),
        ("general surgery", "trauma care", "global surgery", "surgical training",
         "laparoscopy", "anaesthesia safety", "burns"),
        ("Medicine", "Global surgery", "General surgery"),
        True,
        ("trauma care in hospitals far from a surgical centre",
         "the safe introduction of laparoscopic surgery",
         "the training of non-specialist physicians in essential surgery"),
        ("essential surgical skills", "the WHO surgical safety checklist", "trauma triage"),
        "surgical residents",
        ("clinical", "clinical", "academic"),
    ),
    "nursing": Specialty(
        ("3.3",),
        ("nurse researcher", "nurse educator", "director of nursing education"),
        ("nursing education", "patient safety", "health workforce", "primary health care",
         "community health workers", "infection prevention", "simulation training"),
        ("Nursing", "Nursing education", "Nursing science"),
        False,
        ("simulation-based training for nurses and midwives",
         "infection prevention and control in primary care",
         "the retention of nurses in rural health centres"),
        ("simulation-based nursing education", "infection prevention and control",
         "clinical teaching for nurse tutors"),
        "nurses who want to teach or do research",
        ("clinical", "academic", "clinical"),
    ),
    "immunology": Specialty(
        ("3.1", "3.4"),
        ("postdoctoral researcher in immunology", "immunologist", "professor of microbiology"),
        ("immunology", "microbiology", "antimicrobial resistance", "vaccine development",
         "ebola", "laboratory quality", "diagnostics"),
        ("Pharmacy", "Microbiology", "Immunology"),
        False,
        ("immune responses to Ebola and other viral haemorrhagic fevers",
         "antimicrobial resistance in hospital-acquired infections",
         "quality systems for clinical microbiology laboratories"),
        ("laboratory biosafety", "antimicrobial susceptibility testing",
         "introductory immunology"),
        "laboratory scientists",
        ("academic", "academic", "bio"),
    ),
    "mental_health": Specialty(
        ("5.1", "3.3"),
        ("clinical psychologist", "psychologist and researcher", "professor of psychology"),
        ("mental health", "trauma", "psychosocial support", "refugee mental health",
         "cognitive behavioural therapy", "child protection", "task sharing"),
        ("Psychology", "Clinical psychology", "Psychology"),
        False,
        ("psychosocial support for people who have lived through war and displacement",
         "task sharing: training lay counsellors to deliver brief therapies",
         "the mental health of health workers"),
        ("psychological first aid", "brief cognitive behavioural interventions",
         "supervision of lay counsellors"),
        "psychologists and counsellors early in their careers",
        ("academic", "clinical", "agency"),
    ),
    "data_science": Specialty(
        ("1.2", "1.1"),
        ("machine learning engineer", "data scientist", "lead data scientist"),
        ("machine learning", "natural language processing", "low-resource languages",
         "data engineering", "open source", "digital public infrastructure", "python",
         "computer vision"),
        ("Computer science", "Computer science", "Computer science"),
        False,
        ("language technology for languages with little written data",
         "open-source data pipelines for public services",
         "machine learning that can run on cheap phones without a connection"),
        ("practical machine learning with Python", "data engineering for public institutions",
         "natural language processing for low-resource languages"),
        "students and junior developers",
        ("tech", "academic", "tech"),
    ),
    "electrical": Specialty(
        ("2.2",),
        ("research engineer in power systems", "electrical engineer",
         "professor of electrical engineering"),
        ("power systems", "renewable energy", "solar photovoltaics", "mini-grids",
         "energy access", "embedded systems", "smart grids", "telecommunications"),
        ("Electrical engineering", "Electrical engineering", "Electrical engineering"),
        False,
        ("solar mini-grids for villages the national grid does not reach",
         "the integration of wind and solar power into weak grids",
         "low-cost embedded systems for monitoring energy use"),
        ("the design of solar mini-grids", "power system analysis",
         "embedded systems with open hardware"),
        "engineering students",
        ("academic", "tech", "academic"),
    ),
    "civil_engineering": Specialty(
        ("2.1",),
        ("structural engineer", "civil engineer", "professor of civil engineering"),
        ("structural engineering", "earthquake engineering", "seismic retrofitting",
         "building codes", "road infrastructure", "urban drainage", "reinforced concrete"),
        ("Civil engineering", "Structural engineering", "Civil engineering"),
        False,
        ("the seismic retrofitting of schools and hospitals",
         "building codes that small contractors can actually follow",
         "urban drainage in fast-growing cities"),
        ("earthquake-resistant design", "reinforced concrete design",
         "inspection of existing buildings"),
        "young engineers",
        ("academic", "agency", "academic"),
    ),
    "water": Specialty(
        ("2.7", "2.1"),
        ("water engineer", "environmental engineer", "senior water and sanitation specialist"),
        ("water supply", "sanitation", "wastewater treatment", "wash", "hydrology",
         "water quality", "faecal sludge management"),
        ("Civil engineering", "Environmental engineering", "Environmental engineering"),
        False,
        ("small-town water supply and its maintenance after the donors leave",
         "low-cost wastewater treatment with constructed wetlands",
         "water, sanitation and hygiene in schools and health centres"),
        ("design of small water supply systems", "faecal sludge management",
         "water quality monitoring"),
        "water and sanitation engineers",
        ("agency", "academic", "agency"),
    ),
    "climate": Specialty(
        ("1.5", "2.7"),
        ("postdoctoral researcher in climate science", "climate scientist",
         "senior research scientist in climate risk"),
        ("climate change adaptation", "climate modelling", "remote sensing", "gis",
         "disaster risk reduction", "glaciers", "flood forecasting", "coastal erosion"),
        ("Geography", "Environmental science", "Earth sciences"),
        False,
        ("flood forecasting for river basins with few rain gauges",
         "the use of satellite data to map climate risks",
         "glacier retreat and what it means for water downstream"),
        ("remote sensing with free satellite data", "GIS for disaster risk mapping",
         "reading climate projections"),
        "young researchers in environmental science",
        ("academic", "academic", "agency"),
    ),
    "agronomy": Specialty(
        ("4.1", "4.4"),
        ("agronomist", "research agronomist", "principal scientist in agronomy"),
        ("agronomy", "soil fertility", "climate-smart agriculture", "irrigation",
         "agroforestry", "seed systems", "coffee", "rice", "smallholder farming"),
        ("Agronomy", "Crop science", "Agronomy"),
        False,
        ("soil fertility management on smallholder farms",
         "drought-tolerant varieties and the seed systems that deliver them",
         "agroforestry for coffee and cocoa"),
        ("field trial design", "soil fertility management", "climate-smart agriculture"),
        "agronomy students and extension officers",
        ("academic", "agency", "academic"),
    ),
    "veterinary": Specialty(
        ("4.3", "3.3"),
        ("veterinary researcher", "veterinary epidemiologist", "professor of veterinary medicine"),
        ("veterinary epidemiology", "one health", "livestock health", "zoonoses", "rabies",
         "pastoralism", "animal vaccination"),
        ("Veterinary medicine", "Veterinary epidemiology", "Veterinary epidemiology"),
        False,
        ("zoonotic diseases at the meeting point of herds, wildlife and people",
         "vaccination campaigns for pastoralist herds",
         "rabies elimination through dog vaccination"),
        ("one health field investigations", "veterinary epidemiology", "rabies control"),
        "young veterinarians",
        ("academic", "agency", "academic"),
    ),
    "economics": Specialty(
        ("5.2",),
        ("research economist", "economist", "lead economist"),
        ("development economics", "impact evaluation", "public finance", "mobile money",
         "labour markets", "trade policy", "remittances", "microfinance"),
        ("Economics", "Development economics", "Economics"),
        False,
        ("the economics of remittances and what diaspora money pays for at home",
         "randomised impact evaluations of social programmes",
         "domestic revenue and the fairness of tax systems"),
        ("impact evaluation methods", "applied econometrics with Stata or R",
         "public finance for policy makers"),
        "economics students and young civil servants",
        ("agency", "academic", "agency"),
    ),
    "education": Specialty(
        ("5.3",),
        ("education researcher", "education specialist", "professor of education"),
        ("teacher training", "curriculum design", "e-learning", "early-grade reading",
         "stem education", "higher education policy", "girls' education"),
        ("Education", "Education policy", "Education"),
        False,
        ("teacher training that continues in the classroom after the workshop",
         "early-grade reading in the language children speak at home",
         "online learning for students who cannot reach a campus"),
        ("designing online courses", "teaching methods for large classes",
         "curriculum review"),
        "teachers and teacher trainers",
        ("academic", "agency", "academic"),
    ),
    "law": Specialty(
        ("5.5",),
        ("legal researcher", "human rights lawyer", "professor of law"),
        ("human rights law", "constitutional law", "land rights", "transitional justice",
         "refugee law", "international arbitration", "legal aid"),
        ("Law", "International law", "Law"),
        False,
        ("transitional justice after armed conflict",
         "customary land rights and their recognition by the state",
         "legal aid for refugees and stateless people"),
        ("international human rights law", "legal clinics", "legal research and writing"),
        "law students and young lawyers",
        ("academic", "agency", "academic"),
    ),
    "political_science": Specialty(
        ("5.6",),
        ("policy researcher", "political scientist", "senior governance adviser"),
        ("public administration", "governance", "decentralisation", "elections",
         "public policy evaluation", "anti-corruption", "local government"),
        ("Political science", "Public administration", "Political science"),
        False,
        ("decentralisation and what local governments can really decide",
         "the evaluation of public policies with administrative data",
         "women's participation in local politics"),
        ("public policy evaluation", "qualitative research methods", "public administration"),
        "young civil servants and researchers",
        ("academic", "agency", "agency"),
    ),
    "sociology": Specialty(
        ("5.4", "5.9"),
        ("postdoctoral researcher in sociology", "sociologist", "professor of sociology"),
        ("migration studies", "diaspora", "gender", "urban sociology", "qualitative methods",
         "youth employment", "social protection"),
        ("Sociology", "Sociology", "Sociology"),
        False,
        ("return migration and the skills people bring home",
         "young people's work in the informal economy",
         "gender and household decisions about migration"),
        ("qualitative interviewing", "mixed-methods research design", "migration studies"),
        "master's and doctoral students in the social sciences",
        ("academic", "academic", "agency"),
    ),
    "mathematics": Specialty(
        ("1.1",),
        ("postdoctoral researcher in mathematics", "associate professor of mathematics",
         "professor of applied mathematics"),
        ("applied mathematics", "statistics", "numerical analysis", "mathematical modelling",
         "survey sampling", "optimisation", "probability"),
        ("Mathematics", "Applied mathematics", "Mathematics"),
        False,
        ("mathematical models of infectious disease spread",
         "numerical methods for fluid flow",
         "survey sampling for national statistics offices"),
        ("numerical analysis", "mathematical modelling", "probability and statistics"),
        "mathematics students",
        ("academic", "academic", "tech"),
    ),
    "linguistics": Specialty(
        ("6.2",),
        ("linguist", "lecturer in linguistics", "professor of linguistics"),
        ("linguistics", "language documentation", "translation", "language policy",
         "mother-tongue education", "creole languages", "terminology"),
        ("Modern languages", "Linguistics", "Linguistics"),
        False,
        ("the use of creole and national languages in schools and courts",
         "terminology work so that science can be taught in national languages",
         "documenting endangered languages"),
        ("language documentation", "translation and terminology", "language policy"),
        "translators and linguistics students",
        ("academic",),
    ),
    "history_heritage": Specialty(
        ("6.1",),
        ("heritage conservation specialist", "historian", "professor of history"),
        ("heritage conservation", "archives", "oral history", "colonial history",
         "archaeology", "museum studies", "digitisation"),
        ("History", "Heritage conservation", "History"),
        False,
        ("the reconstruction of historic buildings after earthquakes and explosions",
         "oral history archives and their digitisation",
         "returning colonial-era archives to the communities they describe"),
        ("heritage conservation", "archive digitisation", "oral history methods"),
        "students and young archivists",
        ("academic",),
    ),
    "biology": Specialty(
        ("1.6", "3.4"),
        ("postdoctoral researcher in genomics", "molecular biologist", "professor of biology"),
        ("genomics", "bioinformatics", "molecular biology", "biodiversity", "plant biology",
         "pathogen genomics", "dna barcoding"),
        ("Biology", "Molecular biology", "Molecular biology"),
        False,
        ("pathogen genomics for public health laboratories",
         "biodiversity surveys with DNA barcoding",
         "the genetics of crop resistance to disease"),
        ("bioinformatics for beginners", "genome sequencing data analysis",
         "molecular biology laboratory techniques"),
        "biology students and laboratory scientists",
        ("academic", "academic", "bio"),
    ),
    "chemistry": Specialty(
        ("1.4",),
        ("postdoctoral researcher in chemistry", "analytical chemist", "professor of chemistry"),
        ("analytical chemistry", "natural products", "green chemistry", "water quality",
         "medicinal plants", "pesticide residues", "mass spectrometry"),
        ("Chemistry", "Analytical chemistry", "Chemistry"),
        False,
        ("the chemistry of medicinal plants and how to test their quality",
         "pesticide residues in food and water",
         "green chemistry for small laboratories"),
        ("analytical chemistry laboratory practice", "mass spectrometry", "natural products"),
        "chemistry students and laboratory technicians",
        ("academic", "tech", "academic"),
    ),
    "media": Specialty(
        ("5.8",),
        ("lecturer in journalism", "media researcher and trainer", "professor of journalism"),
        ("journalism", "media literacy", "fact-checking", "science communication",
         "press freedom", "community radio", "investigative reporting"),
        ("Journalism", "Media studies", "Communication"),
        False,
        ("fact-checking and media literacy in elections",
         "science communication in local languages",
         "safety for journalists working in hostile environments"),
        ("fact-checking", "science communication", "investigative reporting"),
        "young journalists",
        ("academic",),
    ),
    "mechanical": Specialty(
        ("2.3",),
        ("research engineer", "mechanical engineer", "professor of mechanical engineering"),
        ("mechanical engineering", "medical equipment maintenance", "manufacturing",
         "3d printing", "agricultural machinery", "renewable energy systems"),
        ("Mechanical engineering", "Mechanical engineering", "Mechanical engineering"),
        False,
        ("the maintenance of medical equipment in district hospitals",
         "local manufacturing of spare parts with 3D printing",
         "small agricultural machines that farmers can repair themselves"),
        ("maintenance management", "computer-aided design", "3D printing for spare parts"),
        "engineering students and technicians",
        ("academic", "academic", "tech"),
    ),
    "materials": Specialty(
        ("2.5",),
        ("materials engineer", "metallurgist", "professor of materials engineering"),
        ("metallurgy", "mining", "materials engineering", "battery materials", "recycling",
         "corrosion", "mineral processing"),
        ("Metallurgy", "Materials science", "Materials engineering"),
        False,
        ("the processing of copper and cobalt ores with less waste",
         "battery materials and their recycling",
         "corrosion in mining equipment"),
        ("mineral processing", "materials characterisation", "battery materials"),
        "engineering students",
        ("academic", "tech", "academic"),
    ),
}
# fmt: on


# --- Places where experts live --------------------------------------------


class City(NamedTuple):
    country: str
    name: str
    timezone: str
    language: str  # ISO 639-1, the language of daily life
    # Employers, with "the" where English needs it. An empty kind falls back to academic.
    academic: tuple[str, ...]  # universities
    clinical: tuple[str, ...]  # hospitals
    agency: tuple[str, ...]  # public agencies, international organisations, NGOs
    tech: tuple[str, ...]  # applied research in engineering and computing
    bio: tuple[str, ...]  # biomedical research institutes


RESIDENCE_COUNTRY_LABELS: dict[str, str] = {
    "FR": "France",
    "CA": "Canada",
    "US": "the United States",
    "GB": "the United Kingdom",
    "DE": "Germany",
    "BE": "Belgium",
    "CH": "Switzerland",
    "NL": "the Netherlands",
    "SE": "Sweden",
    "ES": "Spain",
    "AU": "Australia",
    "JP": "Japan",
    "AE": "the United Arab Emirates",
}

# fmt: off
RESIDENCES: dict[str, City] = {
    "paris": City(
        "FR", "Paris", "Europe/Paris", "fr",
        ("Sorbonne Université", "Université Paris Cité", "Université Paris-Saclay"),
        ("Hôpital Bichat - Claude-Bernard", "Hôpital Necker-Enfants malades"),
        ("the Agence française de développement", "the OECD Development Centre", "UNESCO"),
        ("Inria",),
        ("Institut Pasteur",),
    ),
    "lyon": City(
        "FR", "Lyon", "Europe/Paris", "fr",
        ("Université Claude Bernard Lyon 1", "Université Lumière Lyon 2"),
        ("the Hospices Civils de Lyon",),
        ("the International Agency for Research on Cancer",),
        (),
        (),
    ),
    "marseille": City(
        "FR", "Marseille", "Europe/Paris", "fr",
        ("Aix-Marseille Université",),
        ("the Assistance Publique - Hôpitaux de Marseille",),
        ("the Institut de recherche pour le développement",),
        (),
        (),
    ),
    "toulouse": City(
        "FR", "Toulouse", "Europe/Paris", "fr",
        ("Université Toulouse III - Paul Sabatier", "Université Toulouse Capitole"),
        ("the CHU de Toulouse",),
        (),
        ("the ONERA aerospace laboratory",),
        (),
    ),
    "montreal": City(
        "CA", "Montréal", "America/Toronto", "fr",
        ("Université de Montréal", "McGill University", "Concordia University"),
        ("the Centre hospitalier de l'Université de Montréal",),
        ("the International Civil Aviation Organization",),
        ("Mila - Quebec AI Institute",),
        (),
    ),
    "toronto": City(
        "CA", "Toronto", "America/Toronto", "en",
        ("the University of Toronto", "York University"),
        ("Toronto General Hospital", "the Hospital for Sick Children"),
        (),
        ("the Vector Institute",),
        (),
    ),
    "ottawa": City(
        "CA", "Ottawa", "America/Toronto", "en",
        ("the University of Ottawa", "Carleton University"),
        ("the Ottawa Hospital",),
        ("the International Development Research Centre", "Global Affairs Canada"),
        ("the National Research Council Canada",),
        (),
    ),
    "vancouver": City(
        "CA", "Vancouver", "America/Vancouver", "en",
        ("the University of British Columbia", "Simon Fraser University"),
        ("Vancouver General Hospital",),
        ("the BC Centre for Disease Control",),
        (),
        (),
    ),
    "boston": City(
        "US", "Boston", "America/New_York", "en",
        ("Boston University", "Tufts University", "Northeastern University"),
        ("Massachusetts General Hospital", "Boston Children's Hospital"),
        ("Partners In Health",),
        (),
        ("the Broad Institute",),
    ),
    "new_york": City(
        "US", "New York", "America/New_York", "en",
        ("Columbia University", "New York University", "the City University of New York"),
        ("NYU Langone Health", "Mount Sinai Hospital"),
        ("the United Nations Development Programme", "UNICEF"),
        (),
        (),
    ),
    "washington": City(
        "US", "Washington, DC", "America/New_York", "en",
        ("Georgetown University", "Howard University", "George Washington University"),
        ("MedStar Washington Hospital Center",),
        ("the World Bank", "the Inter-American Development Bank",
         "the International Monetary Fund"),
        (),
        (),
    ),
    "atlanta": City(
        "US", "Atlanta", "America/New_York", "en",
        ("Emory University", "Georgia State University"),
        ("Grady Memorial Hospital",),
        ("CARE USA", "the Carter Center"),
        (),
        (),
    ),
    "houston": City(
        "US", "Houston", "America/Chicago", "en",
        ("Rice University", "the University of Houston"),
        ("Texas Children's Hospital",),
        (),
        (),
        ("the Houston Methodist Research Institute",),
    ),
    "san_francisco": City(
        "US", "San Francisco", "America/Los_Angeles", "en",
        ("Stanford University", "the University of California, Berkeley"),
        ("Zuckerberg San Francisco General Hospital",),
        (),
        (),
        ("the Chan Zuckerberg Biohub",),
    ),
    "london": City(
        "GB", "London", "Europe/London", "en",
        ("University College London", "Imperial College London", "King's College London"),
        ("Guy's and St Thomas' NHS Foundation Trust", "Great Ormond Street Hospital"),
        ("ODI Global", "the Wellcome Trust"),
        (),
        ("the Francis Crick Institute",),
    ),
    "manchester": City(
        "GB", "Manchester", "Europe/London", "en",
        ("the University of Manchester",),
        ("Manchester University NHS Foundation Trust",),
        (),
        (),
        (),
    ),
    "edinburgh": City(
        "GB", "Edinburgh", "Europe/London", "en",
        ("the University of Edinburgh",),
        ("the Royal Infirmary of Edinburgh",),
        (),
        (),
        ("the Roslin Institute",),
    ),
    "berlin": City(
        "DE", "Berlin", "Europe/Berlin", "de",
        ("Freie Universität Berlin", "Humboldt-Universität zu Berlin"),
        ("Charité - Universitätsmedizin Berlin",),
        ("the Robert Koch Institute",),
        (),
        ("the Max Planck Institute for Molecular Genetics",),
    ),
    "munich": City(
        "DE", "Munich", "Europe/Berlin", "de",
        ("the Technical University of Munich", "Ludwig-Maximilians-Universität München"),
        ("LMU Klinikum",),
        (),
        ("the Fraunhofer Society",),
        (),
    ),
    "brussels": City(
        "BE", "Brussels", "Europe/Brussels", "fr",
        ("the Université libre de Bruxelles", "Vrije Universiteit Brussel"),
        ("Hôpital Erasme", "the Cliniques universitaires Saint-Luc"),
        ("the European Commission", "Médecins Sans Frontières Belgium"),
        (),
        (),
    ),
    "leuven": City(
        "BE", "Leuven", "Europe/Brussels", "nl",
        ("KU Leuven",),
        ("UZ Leuven",),
        (),
        ("imec",),
        (),
    ),
    "geneva": City(
        "CH", "Geneva", "Europe/Zurich", "fr",
        ("the University of Geneva",),
        ("the Geneva University Hospitals",),
        ("the World Health Organization", "the International Committee of the Red Cross",
         "UNHCR"),
        (),
        (),
    ),
    "amsterdam": City(
        "NL", "Amsterdam", "Europe/Amsterdam", "nl",
        ("the University of Amsterdam", "Vrije Universiteit Amsterdam"),
        ("Amsterdam UMC",),
        ("KIT Royal Tropical Institute",),
        (),
        (),
    ),
    "stockholm": City(
        "SE", "Stockholm", "Europe/Stockholm", "sv",
        ("Stockholm University",),
        ("Karolinska University Hospital",),
        ("the Stockholm Environment Institute", "the Stockholm International Water Institute"),
        (),
        (),
    ),
    "uppsala": City(
        "SE", "Uppsala", "Europe/Stockholm", "sv",
        ("Uppsala University",),
        ("Uppsala University Hospital",),
        ("the Nordic Africa Institute",),
        (),
        (),
    ),
    "madrid": City(
        "ES", "Madrid", "Europe/Madrid", "es",
        ("the Universidad Complutense de Madrid", "the Universidad Autónoma de Madrid"),
        ("the Hospital Universitario La Paz",),
        ("the Instituto de Salud Carlos III",),
        (),
        (),
    ),
    "barcelona": City(
        "ES", "Barcelona", "Europe/Madrid", "es",
        ("the Universitat de Barcelona", "the Universitat Pompeu Fabra"),
        ("the Hospital Clínic de Barcelona",),
        ("ISGlobal",),
        ("the Barcelona Supercomputing Center",),
        (),
    ),
    "melbourne": City(
        "AU", "Melbourne", "Australia/Melbourne", "en",
        ("the University of Melbourne", "Monash University"),
        ("the Royal Melbourne Hospital",),
        ("the Burnet Institute",),
        ("CSIRO",),
        (),
    ),
    "sydney": City(
        "AU", "Sydney", "Australia/Sydney", "en",
        ("the University of Sydney", "UNSW Sydney"),
        ("Royal Prince Alfred Hospital",),
        ("the George Institute for Global Health",),
        (),
        (),
    ),
    "tokyo": City(
        "JP", "Tokyo", "Asia/Tokyo", "ja",
        ("the University of Tokyo", "Waseda University"),
        ("St. Luke's International Hospital",),
        ("United Nations University", "the JICA Ogata Sadako Research Institute"),
        (),
        (),
    ),
    "abu_dhabi": City(
        "AE", "Abu Dhabi", "Asia/Dubai", "ar",
        ("Khalifa University", "New York University Abu Dhabi"),
        ("Cleveland Clinic Abu Dhabi",),
        ("the International Renewable Energy Agency",),
        (),
        (),
    ),
    "dubai": City(
        "AE", "Dubai", "Asia/Dubai", "ar",
        ("the American University in Dubai",),
        ("Mediclinic City Hospital",),
        ("Dubai Cares",),
        (),
        (),
    ),
}

# Where graduate degrees are earned, by country (residence or another host country).
# Only universities that teach every field, medicine included.
HOST_UNIVERSITIES: dict[str, tuple[str, ...]] = {
    "FR": ("Sorbonne Université", "Université Paris Cité", "Université Claude Bernard Lyon 1",
           "Aix-Marseille Université", "Université de Montpellier", "Université de Bordeaux"),
    "CA": ("Université de Montréal", "McGill University", "University of Toronto",
           "Université Laval", "University of Ottawa"),
    "US": ("Johns Hopkins University", "Columbia University", "University of Michigan",
           "Tulane University", "Emory University", "Boston University"),
    "GB": ("University College London", "University of Edinburgh", "University of Manchester",
           "University of Oxford", "University of Liverpool"),
    "DE": ("Heidelberg University", "Technical University of Munich",
           "Freie Universität Berlin", "University of Göttingen"),
    "BE": ("KU Leuven", "Université libre de Bruxelles", "UCLouvain", "Ghent University"),
    "CH": ("University of Geneva", "University of Lausanne", "University of Basel"),
    "NL": ("University of Amsterdam", "Utrecht University", "Leiden University",
           "Erasmus University Rotterdam"),
    "SE": ("Uppsala University", "Lund University", "University of Gothenburg"),
    "ES": ("Universidad Complutense de Madrid", "Universitat de Barcelona",
           "Universidad Autónoma de Madrid"),
    "AU": ("University of Melbourne", "University of Sydney", "Australian National University"),
    "JP": ("University of Tokyo", "Kyoto University", "Nagasaki University"),
    "AE": ("Khalifa University", "United Arab Emirates University"),
}
# fmt: on


# --- Countries of origin and the people from them --------------------------


class Person(NamedTuple):
    name: str
    specialty: str  # a key of SPECIALTIES
    mother_tongue: str = ""  # ISO 639-1, when it is not the origin's first language
    exile: bool = False  # at risk: hides origin and residence, works online only


class Origin(NamedTuple):
    label: str  # in an English sentence: "I grew up in Kumasi, Ghana"
    cities: tuple[str, ...]
    languages: tuple[tuple[str, str], ...]  # (ISO 639-1, level), the mother tongue first
    universities: tuple[str, ...]
    destinations: tuple[str, ...]  # keys of RESIDENCES
    timezone: str
    at_risk: bool  # everyone from here hides origin and residence (refugees)
    people: tuple[Person, ...]


ORIGINS: dict[str, Origin] = {
    "SN": Origin(
        "Senegal",
        ("Dakar", "Thiès", "Saint-Louis", "Ziguinchor", "Kaolack"),
        (("wo", "native"), ("fr", "fluent")),
        (
            "Université Cheikh Anta Diop de Dakar",
            "Université Gaston Berger de Saint-Louis",
            "Université Assane Seck de Ziguinchor",
        ),
        ("paris", "lyon", "marseille", "toulouse", "montreal", "brussels", "new_york"),
        "Africa/Dakar",
        False,
        (
            Person("Cheikh Tidiane Ndiaye", "civil_engineering"),
            Person("Aminata Diallo", "epidemiology", "ff"),
            Person("Ousmane Sarr", "data_science"),
            Person("Khady Fall", "maternal_health"),
            Person("Ibrahima Gueye", "economics"),
        ),
    ),
    "NG": Origin(
        "Nigeria",
        ("Lagos", "Ibadan", "Enugu", "Kano", "Port Harcourt", "Abuja"),
        (("yo", "native"), ("en", "fluent")),
        (
            "University of Ibadan",
            "University of Lagos",
            "University of Nigeria, Nsukka",
            "Ahmadu Bello University",
            "Obafemi Awolowo University",
        ),
        ("london", "manchester", "houston", "atlanta", "toronto", "new_york", "berlin"),
        "Africa/Lagos",
        False,
        (
            Person("Chinedu Okafor", "electrical", "ig"),
            Person("Folake Adeyemi", "paediatrics"),
            Person("Abubakar Sani Bello", "veterinary", "ha"),
            Person("Ngozi Eze", "law", "ig"),
            Person("Oluwaseun Balogun", "biology"),
            Person("Zainab Ibrahim", "political_science", "ha"),
        ),
    ),
    "GH": Origin(
        "Ghana",
        ("Accra", "Kumasi", "Tamale", "Cape Coast", "Ho"),
        (("ak", "native"), ("en", "fluent")),
        (
            "University of Ghana",
            "Kwame Nkrumah University of Science and Technology",
            "University of Cape Coast",
        ),
        ("london", "new_york", "amsterdam", "toronto", "berlin", "washington"),
        "Africa/Accra",
        False,
        (
            Person("Kwame Asante", "mechanical"),
            Person("Akosua Mensah", "nursing"),
            Person("Kofi Boateng", "mathematics"),
            Person("Esi Agbeko", "education", "ee"),
            Person("Yaw Darko", "agronomy"),
        ),
    ),
    "KE": Origin(
        "Kenya",
        ("Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret"),
        (("sw", "native"), ("en", "fluent")),
        (
            "University of Nairobi",
            "Kenyatta University",
            "Moi University",
            "Jomo Kenyatta University of Agriculture and Technology",
        ),
        ("london", "stockholm", "boston", "melbourne", "geneva", "toronto"),
        "Africa/Nairobi",
        False,
        (
            Person("Wanjiru Kamau", "data_science", "ki"),
            Person("Otieno Odhiambo", "climate"),
            Person("Njeri Mwangi", "veterinary", "ki"),
            Person("Kibet Rotich", "water"),
            Person("Grace Achieng Ouma", "mental_health"),
        ),
    ),
    "ET": Origin(
        "Ethiopia",
        ("Addis Ababa", "Bahir Dar", "Hawassa", "Gondar", "Jimma"),
        (("am", "native"), ("en", "fluent")),
        (
            "Addis Ababa University",
            "Jimma University",
            "Bahir Dar University",
            "Haramaya University",
            "University of Gondar",
        ),
        ("washington", "stockholm", "berlin", "london", "toronto", "amsterdam"),
        "Africa/Addis_Ababa",
        False,
        (
            Person("Selamawit Tesfaye", "maternal_health"),
            Person("Dawit Bekele", "economics"),
            Person("Meron Alemu", "chemistry"),
            Person("Tesfaye Gudina", "agronomy", "om"),
            Person("Hana Girma", "media", exile=True),
        ),
    ),
    "MA": Origin(
        "Morocco",
        ("Casablanca", "Rabat", "Fès", "Marrakech", "Tangier", "Agadir"),
        (("ar", "native"), ("fr", "fluent")),
        (
            "Université Mohammed V de Rabat",
            "Université Hassan II de Casablanca",
            "Université Cadi Ayyad",
            "Université Sidi Mohamed Ben Abdellah",
        ),
        ("paris", "montreal", "brussels", "madrid", "barcelona", "amsterdam"),
        "Africa/Casablanca",
        False,
        (
            Person("Youssef El Amrani", "electrical"),
            Person("Salma Benjelloun", "law"),
            Person("Hamza Ouazzani", "mathematics"),
            Person("Nadia Bennani", "paediatrics"),
            Person("Rachid Alaoui", "water"),
        ),
    ),
    "LB": Origin(
        "Lebanon",
        ("Beirut", "Tripoli", "Saida", "Zahlé", "Byblos"),
        (("ar", "native"), ("fr", "fluent"), ("en", "fluent")),
        (
            "American University of Beirut",
            "Université Saint-Joseph de Beyrouth",
            "Lebanese University",
            "Lebanese American University",
        ),
        ("paris", "montreal", "dubai", "abu_dhabi", "houston", "london", "berlin"),
        "Asia/Beirut",
        False,
        (
            Person("Rania Haddad", "mental_health"),
            Person("Georges Khoury", "surgery"),
            Person("Maya Nassar", "history_heritage"),
            Person("Karim Saadé", "economics"),
            Person("Layla Mansour", "education"),
        ),
    ),
    "CO": Origin(
        "Colombia",
        ("Bogotá", "Medellín", "Cali", "Barranquilla", "Bucaramanga", "Pasto"),
        (("es", "native"),),
        (
            "Universidad Nacional de Colombia",
            "Universidad de los Andes",
            "Universidad de Antioquia",
            "Universidad del Valle",
        ),
        ("madrid", "barcelona", "new_york", "toronto", "paris", "berlin", "houston"),
        "America/Bogota",
        False,
        (
            Person("Andrés Felipe Restrepo", "climate"),
            Person("Valentina Gómez", "law"),
            Person("Juan Camilo Rojas", "agronomy"),
            Person("Catalina Morales", "sociology"),
            Person("Diego Alejandro Castaño", "mechanical"),
        ),
    ),
    "PH": Origin(
        "the Philippines",
        ("Manila", "Quezon City", "Cebu City", "Davao City", "Iloilo City", "Baguio"),
        (("tl", "native"), ("en", "fluent")),
        (
            "University of the Philippines Diliman",
            "Ateneo de Manila University",
            "University of Santo Tomas",
            "De La Salle University",
            "University of San Carlos",
        ),
        ("san_francisco", "toronto", "vancouver", "sydney", "tokyo", "dubai", "london"),
        "Asia/Manila",
        False,
        (
            Person("Maria Cristina Santos", "nursing"),
            Person("Jose Miguel Reyes", "data_science"),
            Person("Angelica Dela Cruz", "biology"),
            Person("Ramon Villanueva", "climate"),
            Person("Patricia Bautista", "education"),
        ),
    ),
    "VN": Origin(
        "Viet Nam",
        ("Hà Nội", "Hồ Chí Minh City", "Đà Nẵng", "Huế", "Hải Phòng", "Cần Thơ"),
        (("vi", "native"), ("en", "fluent")),
        (
            "Vietnam National University, Hanoi",
            "Hanoi University of Science and Technology",
            "Vietnam National University, Ho Chi Minh City",
            "Hanoi Medical University",
            "Can Tho University",
        ),
        ("paris", "melbourne", "sydney", "tokyo", "berlin", "san_francisco", "toronto"),
        "Asia/Ho_Chi_Minh",
        False,
        (
            Person("Nguyễn Thị Lan", "mathematics"),
            Person("Trần Minh Đức", "electrical"),
            Person("Phạm Thu Hà", "chemistry"),
            Person("Lê Văn Hùng", "agronomy"),
            Person("Đỗ Quang Huy", "data_science"),
        ),
    ),
    "HT": Origin(
        "Haiti",
        ("Port-au-Prince", "Cap-Haïtien", "Les Cayes", "Jacmel", "Gonaïves"),
        (("ht", "native"), ("fr", "fluent")),
        ("Université d'État d'Haïti", "Université Quisqueya", "Université Notre-Dame d'Haïti"),
        ("montreal", "new_york", "boston", "paris", "ottawa"),
        "America/Port-au-Prince",
        False,
        (
            Person("Jean-Robert Pierre", "civil_engineering"),
            Person("Marie-Claude Joseph", "epidemiology"),
            Person("Nadège Baptiste", "linguistics"),
            Person("Frantz Étienne", "surgery"),
            Person("Guerline Désir", "sociology"),
        ),
    ),
    "NP": Origin(
        "Nepal",
        ("Kathmandu", "Pokhara", "Lalitpur", "Biratnagar", "Bharatpur"),
        (("ne", "native"), ("en", "fluent"), ("hi", "working")),
        ("Tribhuvan University", "Kathmandu University", "Pokhara University"),
        ("london", "tokyo", "sydney", "melbourne", "boston", "berlin"),
        "Asia/Kathmandu",
        False,
        (
            Person("Sita Sharma", "epidemiology"),
            Person("Bikash Shrestha", "civil_engineering"),
            Person("Anjali Gurung", "climate"),
            Person("Ramesh Adhikari", "water"),
            Person("Prakash Thapa", "history_heritage"),
        ),
    ),
    "CM": Origin(
        "Cameroon",
        ("Yaoundé", "Douala", "Bamenda", "Buea", "Bafoussam", "Garoua"),
        (("fr", "native"), ("en", "fluent")),
        (
            "Université de Yaoundé I",
            "University of Buea",
            "Université de Douala",
            "Université de Dschang",
        ),
        ("paris", "lyon", "berlin", "brussels", "montreal", "houston"),
        "Africa/Douala",
        False,
        (
            Person("Hervé Tchoupo", "mechanical"),
            Person("Brenda Ayuk", "law", "en", exile=True),
            Person("Samuel Mbarga", "mathematics"),
            Person("Carine Ngo Mbock", "immunology"),
            Person("Aristide Fotso", "chemistry"),
        ),
    ),
    "CD": Origin(
        "the Democratic Republic of the Congo",
        ("Kinshasa", "Lubumbashi", "Goma", "Bukavu", "Kisangani"),
        (("ln", "native"), ("fr", "fluent")),
        (
            "Université de Kinshasa",
            "Université de Lubumbashi",
            "Université Officielle de Bukavu",
            "Université Catholique de Bukavu",
        ),
        ("brussels", "leuven", "paris", "montreal", "geneva", "london"),
        "Africa/Kinshasa",
        False,
        (
            Person("Dieudonné Mukendi", "immunology"),
            Person("Espérance Mwamba", "mental_health", "sw"),
            Person("Jean-Claude Ilunga", "materials", "sw"),
            Person("Gracia Tshibangu", "law"),
            Person("Christian Mbuyi", "biology", "sw"),
        ),
    ),
    "SY": Origin(
        "Syria",
        ("Damascus", "Aleppo", "Homs", "Latakia"),
        (("ar", "native"), ("en", "fluent")),
        ("Damascus University", "University of Aleppo", "Tishreen University"),
        ("berlin", "munich", "stockholm", "uppsala", "amsterdam", "paris"),
        "Asia/Damascus",
        True,
        (
            Person("Omar Al-Khatib", "surgery"),
            Person("Rasha Al-Hamwi", "paediatrics"),
            Person("Ahmad Darwish", "civil_engineering"),
            Person("Lina Kassab", "linguistics"),
            Person("Feras Al-Masri", "data_science"),
        ),
    ),
    "AF": Origin(
        "Afghanistan",
        ("Kabul", "Herat", "Mazar-i-Sharif", "Jalalabad"),
        (("fa", "native"), ("en", "fluent")),
        (
            "Kabul University",
            "Herat University",
            "Balkh University",
            "Kabul Polytechnic University",
        ),
        ("berlin", "london", "toronto", "washington", "paris", "madrid"),
        "Asia/Kabul",
        True,
        (
            Person("Farzana Ahmadi", "maternal_health"),
            Person("Naweed Karimi", "political_science"),
            Person("Shabnam Rahimi", "education"),
            Person("Abdul Wahid Stanikzai", "water", "ps"),
            Person("Zahra Hosseini", "media"),
        ),
    ),
}

# When people at risk left home (first year, last year).
EXILE_YEARS: dict[str, tuple[int, int]] = {"SY": (2012, 2016), "AF": (2021, 2022)}
DEFAULT_EXILE_YEARS = (2016, 2021)


# --- Institutions -----------------------------------------------------------


class Rep(NamedTuple):
    name: str
    title: str
    email: str = ""  # derived from the name when empty


class InstitutionData(NamedTuple):
    name: str
    country: str
    city: str
    type: str  # institutions.InstitutionType value
    website: str
    verified: bool
    timezone: str  # of its representatives
    about: str  # Markdown paragraphs
    needs: tuple[str, ...]  # "What we are looking for", one bullet each
    admin: Rep
    members: tuple[Rep, ...] = ()


INSTITUTIONS: tuple[InstitutionData, ...] = (
    InstitutionData(
        "Université Cheikh Anta Diop de Dakar",
        "SN",
        "Dakar",
        "university",
        "https://www.ucad.sn",
        True,
        "Africa/Dakar",
        "Senegal's oldest and largest university, with more than 90,000 students in six "
        "faculties and some twenty institutes. Our doctoral schools train most of the "
        "country's researchers, and many of our alumni now teach abroad.\n\n"
        "The **Directorate of International Cooperation** runs a diaspora programme: "
        "colleagues abroad co-supervise theses, teach intensive modules and join our "
        "research teams for a few weeks a year.",
        (
            "Co-supervisors for doctoral students in epidemiology, data science and economics.",
            "Lecturers for intensive one-week modules, online or in Dakar.",
            "Partners for joint applications to European and African research funds.",
        ),
        Rep("Ndèye Fatou Sarr", "Director of International Cooperation", "institution@example.org"),
        (Rep("Babacar Mbaye", "Coordinator, Doctoral School of Life Sciences"),),
    ),
    InstitutionData(
        "Centre de Recherche en Santé de Thiès",
        "SN",
        "Thiès",
        "research_centre",
        "",
        True,
        "Africa/Dakar",
        "A public health research centre working with the health districts of the Thiès "
        "region since 2004. We run a demographic surveillance site of 60,000 people and "
        "field trials of malaria and nutrition interventions.",
        (
            "Biostatisticians to strengthen our data team, online.",
            "Mentors for our junior field researchers.",
            "Short courses on qualitative research methods.",
        ),
        Rep("Astou Ndour", "Scientific Director"),
    ),
    InstitutionData(
        "University of Ibadan",
        "NG",
        "Ibadan",
        "university",
        "https://www.ui.edu.ng",
        True,
        "Africa/Lagos",
        "Nigeria's first university, founded in 1948, with strong schools of medicine, "
        "veterinary medicine and agriculture. Our postgraduate school enrols more than "
        "10,000 students.\n\n"
        "We welcome alumni abroad as **adjunct supervisors** and guest lecturers.",
        (
            "External examiners and co-supervisors for PhD theses.",
            "Guest lectures in veterinary public health and one health.",
            "Help reviewing our data science curriculum.",
        ),
        Rep("Adebola Ogunleye", "Director, Office of International Programmes"),
        (Rep("Tolulope Akinola", "Research Grants Officer"),),
    ),
    InstitutionData(
        "Lekki Regional Teaching Hospital",
        "NG",
        "Lagos",
        "hospital",
        "",
        True,
        "Africa/Lagos",
        "A 450-bed teaching hospital serving Lagos State and its neighbours, with "
        "residency programmes in paediatrics, obstetrics and surgery.",
        (
            "Consultants to teach emergency obstetric and newborn care, on site or online.",
            "Mentors for residents preparing their fellowship examinations.",
            "Biomedical engineers to train our equipment maintenance team.",
        ),
        Rep("Chiamaka Nwosu", "Head of Medical Education"),
    ),
    InstitutionData(
        "Kwame Nkrumah University of Science and Technology",
        "GH",
        "Kumasi",
        "university",
        "https://www.knust.edu.gh",
        True,
        "Africa/Accra",
        "Ghana's university of science and technology, in Kumasi, with colleges of "
        "engineering, agriculture, health sciences and science.",
        (
            "Engineers for joint projects on solar energy and local manufacturing.",
            "Lecturers for our master's in water supply and environmental sanitation.",
            "Mentors for women in engineering.",
        ),
        Rep("Kwabena Owusu-Ansah", "Director, Office of Grants and Research"),
    ),
    InstitutionData(
        "Kenya Institute for Dryland Agriculture",
        "KE",
        "Machakos",
        "research_centre",
        "",
        True,
        "Africa/Nairobi",
        "A research centre for farming and herding in Kenya's arid and semi-arid lands, "
        "which cover four fifths of the country.",
        (
            "Agronomists and veterinarians for joint field research.",
            "Climate scientists to help us use seasonal forecasts.",
            "Supervision of our staff enrolled in PhD programmes.",
        ),
        Rep("Mercy Wambui", "Head of Partnerships"),
    ),
    InstitutionData(
        "Ministry of Health — Human Resources for Health Directorate",
        "ET",
        "Addis Ababa",
        "ministry",
        "",
        True,
        "Africa/Addis_Ababa",
        "The directorate plans the training and deployment of Ethiopia's health workforce, "
        "from health extension workers to medical specialists. Its diaspora desk matches "
        "health professionals abroad with teaching hospitals that need them.",
        (
            "Specialists for short teaching missions in regional referral hospitals.",
            "Help designing continuing professional development courses.",
            "Nurse and midwife educators, online.",
        ),
        Rep("Bethlehem Assefa", "Diaspora Engagement Officer"),
    ),
    InstitutionData(
        "Université Mohammed V de Rabat",
        "MA",
        "Rabat",
        "university",
        "https://www.um5.ac.ma",
        True,
        "Africa/Casablanca",
        "A public university in Rabat with faculties of science, law, medicine and "
        "engineering, and a long tradition of cooperation with European universities.",
        (
            "Researchers in renewable energy and water for joint projects.",
            "Lecturers in applied mathematics and data science.",
            "Co-supervisors for theses in law and economics.",
        ),
        Rep("Imane Berrada", "Vice-Dean for Research and Cooperation"),
    ),
    InstitutionData(
        "Mount Lebanon Children's Hospital",
        "LB",
        "Baabda",
        "hospital",
        "",
        True,
        "Asia/Beirut",
        "A paediatric hospital of 120 beds that kept its doors open through the economic "
        "crisis and the 2020 port explosion, and lost a third of its specialists to "
        "emigration since.",
        (
            "Paediatric subspecialists for remote case reviews and teaching rounds.",
            "Psychologists to supervise our child mental health team.",
            "Nurse educators for our neonatal unit.",
        ),
        Rep("Joëlle Aoun", "Director of Nursing and Education"),
    ),
    InstitutionData(
        "Cedar Learning Network",
        "LB",
        "Tripoli",
        "ngo",
        "",
        False,
        "Asia/Beirut",
        "A young NGO running evening classes and online tutoring for secondary school "
        "students in north Lebanon, including refugee children.",
        (
            "Volunteer tutors in mathematics and science, online.",
            "Teacher trainers for our volunteer teachers.",
        ),
        Rep("Ziad Hamdan", "Programme Coordinator"),
    ),
    InstitutionData(
        "Universidad Nacional de Colombia",
        "CO",
        "Bogotá",
        "university",
        "https://unal.edu.co",
        True,
        "America/Bogota",
        "Colombia's national public university, with campuses in eight regions and more "
        "than 50,000 students.\n\n"
        "Our *Red de Colombianos en el Exterior* connects departments with colleagues "
        "abroad for teaching and research.",
        (
            "Co-supervisors in agronomy, climate science and engineering.",
            "Guest lecturers for our master's in transitional justice.",
            "Partners for joint research proposals.",
        ),
        Rep("Luisa Fernanda Ortiz", "International Relations Coordinator"),
        (Rep("Camilo Andrés Pardo", "Professor, Faculty of Engineering"),),
    ),
    InstitutionData(
        "Fundación Tierra Viva del Cauca",
        "CO",
        "Popayán",
        "ngo",
        "",
        True,
        "America/Bogota",
        "A foundation working with coffee-growing families and indigenous communities of "
        "the Cauca on soil health, water and income.",
        (
            "Agronomists for advice on soil fertility and agroforestry.",
            "Economists to help evaluate our savings groups.",
        ),
        Rep("Jhon Jairo Muñoz", "Executive Director"),
    ),
    InstitutionData(
        "University of the Philippines Diliman",
        "PH",
        "Quezon City",
        "university",
        "https://upd.edu.ph",
        True,
        "Asia/Manila",
        "The flagship campus of the national university of the Philippines, with 25 "
        "colleges and a strong tradition in science, engineering and public policy.",
        (
            "Data scientists for joint research and guest lectures.",
            "Disaster risk researchers for our resilience institute.",
            "Mentors for graduate students.",
        ),
        Rep("Carmela Aquino", "Director, Office of International Linkages"),
    ),
    InstitutionData(
        "Visayas Institute for Coastal Resilience",
        "PH",
        "Tacloban City",
        "research_centre",
        "",
        False,
        "Asia/Manila",
        "A research institute founded after Typhoon Haiyan to study storm surge, coastal "
        "ecosystems and community preparedness in the Eastern Visayas.",
        (
            "Climate scientists and engineers for joint research.",
            "Help with GIS and remote sensing training.",
        ),
        Rep("Renato Lacson", "Research Coordinator"),
    ),
    InstitutionData(
        "Vietnam National University, Hanoi",
        "VN",
        "Hà Nội",
        "university",
        "https://vnu.edu.vn",
        True,
        "Asia/Ho_Chi_Minh",
        "A multidisciplinary national university with member universities of science, "
        "technology, economics, education and languages.",
        (
            "Lecturers in mathematics, chemistry and computer science.",
            "Co-supervisors for doctoral students.",
            "Partners for applications to international research programmes.",
        ),
        Rep("Vũ Thị Hồng Nhung", "Deputy Head, Department of International Cooperation"),
    ),
    InstitutionData(
        "Université d'État d'Haïti",
        "HT",
        "Port-au-Prince",
        "university",
        "https://www.ueh.edu.ht",
        True,
        "America/Port-au-Prince",
        "Haiti's public university, with eleven faculties in Port-au-Prince and campuses "
        "in the regions. Much of our teaching now happens online because of insecurity in "
        "the capital.",
        (
            "Professors to teach online modules in engineering, medicine and law.",
            "Supervisors for master's theses.",
            "Help building our online learning platform.",
        ),
        Rep("Rose-Marie Augustin", "Vice-Rector for Research"),
    ),
    InstitutionData(
        "Ministry of Health and Population",
        "NP",
        "Kathmandu",
        "ministry",
        "",
        True,
        "Asia/Kathmandu",
        "The Policy, Planning and Monitoring Division of Nepal's health ministry, which "
        "coordinates health sector reform and the rebuilding of health facilities after "
        "the 2015 earthquakes.",
        (
            "Epidemiologists for advice on surveillance and health information systems.",
            "Engineers with experience of seismic safety in hospitals.",
        ),
        Rep("Sunita Koirala", "Under-Secretary, Policy and Planning"),
    ),
    InstitutionData(
        "Hôpital Mère-Enfant du Kivu",
        "CD",
        "Goma",
        "hospital",
        "",
        True,
        "Africa/Kinshasa",
        "A mother and child hospital in Goma caring for families from the city and the "
        "displacement camps around it.",
        (
            "Obstetricians and paediatricians for remote teaching and case reviews.",
            "Psychologists to train our psychosocial support team.",
            "Biomedical technicians for equipment maintenance.",
        ),
        Rep("Espoir Kambale", "Medical Director"),
    ),
)

INSTITUTION_CLOSING = "Write to us through the platform: we answer every request within two weeks."
