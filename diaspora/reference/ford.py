"""OECD Frascati Manual 2015, "Fields of Research and Development" (FORD).

No maintained Python package ships this classification, so it is written down once here,
with its official codes, and loaded into the database by a data migration. The labels are
marked for translation; the database keeps the codes.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAJOR_FIELDS: dict[str, Promise] = {
    "1": _("Natural sciences"),
    "2": _("Engineering and technology"),
    "3": _("Medical and health sciences"),
    "4": _("Agricultural and veterinary sciences"),
    "5": _("Social sciences"),
    "6": _("Humanities and the arts"),
}

FIELDS: dict[str, Promise] = {
    "1.1": _("Mathematics"),
    "1.2": _("Computer and information sciences"),
    "1.3": _("Physical sciences"),
    "1.4": _("Chemical sciences"),
    "1.5": _("Earth and related environmental sciences"),
    "1.6": _("Biological sciences"),
    "1.7": _("Other natural sciences"),
    "2.1": _("Civil engineering"),
    "2.2": _("Electrical engineering, electronic engineering, information engineering"),
    "2.3": _("Mechanical engineering"),
    "2.4": _("Chemical engineering"),
    "2.5": _("Materials engineering"),
    "2.6": _("Medical engineering"),
    "2.7": _("Environmental engineering"),
    "2.8": _("Environmental biotechnology"),
    "2.9": _("Industrial biotechnology"),
    "2.10": _("Nano-technology"),
    "2.11": _("Other engineering and technologies"),
    "3.1": _("Basic medicine"),
    "3.2": _("Clinical medicine"),
    "3.3": _("Health sciences"),
    "3.4": _("Medical biotechnology"),
    "3.5": _("Other medical sciences"),
    "4.1": _("Agriculture, forestry, and fisheries"),
    "4.2": _("Animal and dairy science"),
    "4.3": _("Veterinary science"),
    "4.4": _("Agricultural biotechnology"),
    "4.5": _("Other agricultural sciences"),
    "5.1": _("Psychology and cognitive sciences"),
    "5.2": _("Economics and business"),
    "5.3": _("Education"),
    "5.4": _("Sociology"),
    "5.5": _("Law"),
    "5.6": _("Political science"),
    "5.7": _("Social and economic geography"),
    "5.8": _("Media and communications"),
    "5.9": _("Other social sciences"),
    "6.1": _("History and archaeology"),
    "6.2": _("Languages and literature"),
    "6.3": _("Philosophy, ethics and religion"),
    "6.4": _("Arts (arts, history of arts, performing arts, music)"),
    "6.5": _("Other humanities"),
}


def sort_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))
