"""Load the OECD FORD classification, the engagement types and the modes."""

from django.db import migrations

# Frozen copies: a data migration must not change when the code's lists change later.
MAJOR = {
    "1": "Natural sciences",
    "2": "Engineering and technology",
    "3": "Medical and health sciences",
    "4": "Agricultural and veterinary sciences",
    "5": "Social sciences",
    "6": "Humanities and the arts",
}
FIELDS = {
    "1.1": "Mathematics",
    "1.2": "Computer and information sciences",
    "1.3": "Physical sciences",
    "1.4": "Chemical sciences",
    "1.5": "Earth and related environmental sciences",
    "1.6": "Biological sciences",
    "1.7": "Other natural sciences",
    "2.1": "Civil engineering",
    "2.2": "Electrical engineering, electronic engineering, information engineering",
    "2.3": "Mechanical engineering",
    "2.4": "Chemical engineering",
    "2.5": "Materials engineering",
    "2.6": "Medical engineering",
    "2.7": "Environmental engineering",
    "2.8": "Environmental biotechnology",
    "2.9": "Industrial biotechnology",
    "2.10": "Nano-technology",
    "2.11": "Other engineering and technologies",
    "3.1": "Basic medicine",
    "3.2": "Clinical medicine",
    "3.3": "Health sciences",
    "3.4": "Medical biotechnology",
    "3.5": "Other medical sciences",
    "4.1": "Agriculture, forestry, and fisheries",
    "4.2": "Animal and dairy science",
    "4.3": "Veterinary science",
    "4.4": "Agricultural biotechnology",
    "4.5": "Other agricultural sciences",
    "5.1": "Psychology and cognitive sciences",
    "5.2": "Economics and business",
    "5.3": "Education",
    "5.4": "Sociology",
    "5.5": "Law",
    "5.6": "Political science",
    "5.7": "Social and economic geography",
    "5.8": "Media and communications",
    "5.9": "Other social sciences",
    "6.1": "History and archaeology",
    "6.2": "Languages and literature",
    "6.3": "Philosophy, ethics and religion",
    "6.4": "Arts (arts, history of arts, performing arts, music)",
    "6.5": "Other humanities",
}
ENGAGEMENT_TYPES = ["mentoring", "course", "supervision", "lecture", "research", "curriculum"]
MODES = ["online", "onsite", "hybrid"]


def _position(code):
    parts = [int(p) for p in code.split(".")]
    return parts[0] * 100 + (parts[1] if len(parts) > 1 else 0)


def load(apps, schema_editor):
    Discipline = apps.get_model("reference", "Discipline")
    EngagementType = apps.get_model("reference", "EngagementType")
    Mode = apps.get_model("reference", "Mode")
    majors = {}
    for code, name in MAJOR.items():
        majors[code], _ = Discipline.objects.update_or_create(
            code=code, defaults={"name": name, "parent": None, "position": _position(code)}
        )
    for code, name in FIELDS.items():
        Discipline.objects.update_or_create(
            code=code,
            defaults={"name": name, "parent": majors[code.split(".")[0]], "position": _position(code)},
        )
    for code in ENGAGEMENT_TYPES:
        EngagementType.objects.get_or_create(code=code)
    for code in MODES:
        Mode.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
