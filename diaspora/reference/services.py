from django.db import transaction
from django.utils import translation

from diaspora.reference import ford
from diaspora.reference.models import Discipline, EngagementKind, EngagementType, Mode, ModeKind


@transaction.atomic
def reference_data_ensure() -> None:
    """Make sure the FORD fields, engagement types and modes exist.

    The data migration loads them once; this puts them back where something removed them,
    e.g. a test database flushed between transactional tests.
    """
    if (
        Discipline.objects.count() == len(ford.MAJOR_FIELDS) + len(ford.FIELDS)
        and EngagementType.objects.count() == len(EngagementKind)
        and Mode.objects.count() == len(ModeKind)
    ):
        return
    with translation.override("en"):
        majors = {}
        for code, label in ford.MAJOR_FIELDS.items():
            majors[code], _created = Discipline.objects.update_or_create(
                code=code,
                defaults={"name": str(label), "parent": None, "position": _position(code)},
            )
        for code, label in ford.FIELDS.items():
            Discipline.objects.update_or_create(
                code=code,
                defaults={
                    "name": str(label),
                    "parent": majors[code.split(".")[0]],
                    "position": _position(code),
                },
            )
    for kind in EngagementKind:
        EngagementType.objects.get_or_create(code=kind.value)
    for mode in ModeKind:
        Mode.objects.get_or_create(code=mode.value)


def _position(code: str) -> int:
    major, _dot, minor = code.partition(".")
    return int(major) * 100 + (int(minor) if minor else 0)
