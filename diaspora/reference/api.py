from django.http import HttpRequest
from ninja import Router, Schema

from diaspora.api_utils import ANYONE
from diaspora.reference.languages import language_choices
from diaspora.reference.models import Discipline

router = Router()


class DisciplineRef(Schema):
    code: str
    label: str
    parent: str | None


class LanguageRef(Schema):
    code: str
    name: str


@router.get("/disciplines", response=list[DisciplineRef], auth=ANYONE, summary="OECD FORD fields")
def disciplines(request: HttpRequest) -> list[dict]:
    return [
        {"code": d.code, "label": d.label, "parent": d.parent.code if d.parent else None}
        for d in Discipline.objects.select_related("parent")
    ]


@router.get("/languages", response=list[LanguageRef], auth=ANYONE, summary="ISO 639-1 languages")
def languages(request: HttpRequest) -> list[dict]:
    return [{"code": code, "name": name} for code, name in language_choices()]
