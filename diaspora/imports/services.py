"""Bulk imports for programme offices: experts and needs from CSV files.

Each import runs in five steps:

1. read and check the whole file (`parsing`, `rows`), with no database write;
2. load what already exists, by email (experts) or external id (needs), in chunks;
3. plan each row: create, update (something differs) or leave alone (nothing differs), so
   that importing the same file twice writes nothing and bumps no `updated_at`;
4. render the Markdown that is new or changed, in parallel through `render_markdown`'s worker
   processes; a text too complex to render refuses its row like any other error;
5. write, in one transaction, with bulk inserts and updates in chunks: everything, or nothing
   when a row was refused and `skip_invalid` is off.

The matching index picks the changes up through its `updated_at` watermark: `bulk_update`
does not touch `auto_now` fields, so every changed row gets `updated_at` set here, and again
just before commit (a long import would otherwise commit rows stamped minutes earlier than
edits the index has already seen).
"""

import os
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from diaspora.accounts.models import Role, User
from diaspora.imports.columns import EXPERT_COLUMNS, NEED_COLUMNS
from diaspora.imports.parsing import RowError, read_table
from diaspora.imports.rows import (
    ExpertRow,
    NeedRow,
    parse_expert,
    parse_need,
    parse_rows,
)
from diaspora.institutions.models import Institution, InstitutionType
from diaspora.markup import render_markdown
from diaspora.needs.models import Need, NeedLanguage, NeedStatus
from diaspora.people.models import ExpertLanguage, ExpertProfile
from diaspora.reference.models import Discipline, EngagementType, Keyword, Mode

CHUNK = 2000
T = TypeVar("T")


# --- Progress ---------------------------------------------------------------


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


ProgressFactory = Callable[[str, int], ProgressBar]


class _NoBar:
    def update(self, n: int = 1) -> None:
        return None

    def close(self) -> None:
        return None


def no_progress(description: str, total: int) -> ProgressBar:
    return _NoBar()


# --- Report -----------------------------------------------------------------


@dataclass
class ImportReport:
    rows: int  # data rows in the file
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    institutions_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    written: bool = False  # False: refused, or a dry run
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def refused(self) -> int:
        return len(self.errors)


class _Clock:
    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.report.seconds[name] = round(now - self.last, 3)
        self.last = now


# --- Helpers ----------------------------------------------------------------


def _chunks(items: Sequence[T], size: int | None = None) -> Iterator[Sequence[T]]:
    size = size or CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _render_all(
    texts: Iterable[str], progress: ProgressFactory
) -> dict[str, str | ValidationError]:
    """Render each distinct text once, in as many threads as there are Markdown workers to
    keep (each thread drives one worker process, so both cores render)."""
    unique = list(dict.fromkeys(text for text in texts if text.strip()))
    results: dict[str, str | ValidationError] = {"": ""}
    if not unique:
        return results

    def render(text: str) -> str | ValidationError:
        try:
            return render_markdown(text)
        except ValidationError as error:
            return error

    threads = max(1, min(settings.MARKDOWN_WORKERS, os.cpu_count() or 1))
    bar = progress(_("Rendering Markdown"), len(unique))
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for chunk in _chunks(unique):  # a chunk at a time: not 100,000 futures at once
                for text, html in zip(chunk, pool.map(render, chunk), strict=True):
                    results[text] = html
                bar.update(len(chunk))
    finally:
        bar.close()
    return results


_P = TypeVar("_P", "_ExpertPlan", "_NeedPlan")


def _render_markdown_column(
    plans: Sequence[_P],
    *,
    text_of: Callable[[_P], str | None],
    column: str,
    errors: list[RowError],
    progress: ProgressFactory,
) -> tuple[list[_P], dict[str, str]]:
    """Render the Markdown the plans change (`text_of` gives None for an unchanged one).
    A text that cannot be rendered refuses its row; returns the good plans and the HTML of
    each distinct text."""
    texts = [text_of(plan) for plan in plans]
    rendered = _render_all((text for text in texts if text is not None), progress)
    good: list[_P] = []
    for plan, text in zip(plans, texts, strict=True):
        html = rendered.get(text, "") if text is not None else ""
        if isinstance(html, ValidationError):
            errors.append(RowError(plan.row.line, f"{column}: {' '.join(html.messages)}"))
        else:
            good.append(plan)
    return good, {text: html for text, html in rendered.items() if isinstance(html, str)}


@dataclass(frozen=True)
class _Relation:
    """A many-to-many relation, read and rewritten through its `through` table."""

    owner: type[models.Model]
    name: str  # the field on the owner
    attr: str  # the target's natural key: "code" or "name"

    @property
    def field(self) -> Any:
        return self.owner._meta.get_field(self.name)

    @property
    def through(self) -> type[models.Model]:
        return self.field.remote_field.through

    @property
    def source(self) -> str:
        return f"{self.field.m2m_field_name()}_id"

    @property
    def target(self) -> str:
        return str(self.field.m2m_reverse_field_name())

    def load(self, owner_ids: Sequence[int]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = defaultdict(set)
        for chunk in _chunks(owner_ids):
            pairs = self.through._default_manager.filter(**{f"{self.source}__in": chunk})
            for owner_id, value in pairs.values_list(self.source, f"{self.target}__{self.attr}"):
                found[owner_id].add(value)
        return found

    def rewrite(
        self,
        wanted: Mapping[int, Iterable[str]],
        ids: Mapping[str, int],
        *,
        existing: Sequence[int],
    ) -> None:
        """Give each owner in `wanted` exactly those targets; owners in `existing` may have
        rows already, which go first."""
        if existing:
            self.through._default_manager.filter(**{f"{self.source}__in": existing}).delete()
        _insert_rows(
            self.through,
            (self.source, f"{self.target}_id"),
            [(owner_id, ids[value]) for owner_id, values in wanted.items() for value in values],
        )


def _insert_rows(
    model: type[models.Model], fields: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert plain rows (ids, codes) with no model instance: a large import writes about a
    million of them (languages, disciplines, keywords...), and building an instance for each
    costs more than the insert itself. PostgreSQL gets one statement per 20,000 rows (arrays
    through `unnest`), SQLite an `executemany`, which runs in process."""
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns: list[Any] = [meta.get_field(name) for name in fields]  # concrete fields
    names = ", ".join(connection.ops.quote_name(column.column) for column in columns)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 10 * CHUNK):
            if connection.vendor == "postgresql":
                arrays = ", ".join(f"%s::{column.db_type(connection)}[]" for column in columns)
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",  # noqa: S608
                    [list(values) for values in zip(*chunk, strict=True)],
                )
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", chunk)  # noqa: S608


M = TypeVar("M", bound=models.Model)


def _bulk_create(objs: Sequence[M], key: tuple[str, ...]) -> None:
    """`bulk_create`, and make sure every object has its primary key: PostgreSQL and SQLite
    3.35+ return them; with an older SQLite, look them up by `key`, a unique set of fields."""
    if not objs:
        return
    model = type(objs[0])
    model._default_manager.bulk_create(objs)
    missing = {
        tuple(str(getattr(obj, name)) for name in key): obj for obj in objs if obj.pk is None
    }
    if not missing:
        return
    first = [value[0] for value in missing]
    for values in _chunks(first):
        found = model._default_manager.filter(**{f"{key[0]}__in": values})
        for pk, *fields in found.values_list("pk", *key):
            obj = missing.get(tuple(str(value) for value in fields))
            if obj is not None:
                obj.pk = pk


def _unusable_password() -> str:
    """What `make_password(None)` returns, ten times faster (it draws 40 characters one by
    one): 100,000 new accounts took four seconds."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _codes(model: type[models.Model]) -> dict[str, int]:
    return dict(model._default_manager.values_list("code", "id"))


def _keyword_ids(names: set[str]) -> dict[str, int]:
    ordered = sorted(names)
    Keyword.objects.bulk_create(
        [Keyword(name=name) for name in ordered], ignore_conflicts=True, batch_size=CHUNK
    )
    ids: dict[str, int] = {}
    for chunk in _chunks(ordered):
        ids.update(Keyword.objects.filter(name__in=chunk).values_list("name", "id"))
    return ids


def _restamp(model: type[models.Model], since: datetime) -> None:
    """Move this import's `updated_at` to commit time (see the module docstring)."""
    model._default_manager.filter(updated_at__gte=since).update(updated_at=timezone.now())


def _analyze(models_written: Iterable[type[models.Model]]) -> None:
    """After a large import, refresh PostgreSQL's statistics of the tables it filled, so that
    the next queries (the next import's look-ups among them) use the indexes rather than plans
    made for empty tables. Autovacuum would do it, but only some time later."""
    if connection.vendor != "postgresql":
        return
    tables = sorted({model._meta.db_table for model in models_written})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _finish(report: ImportReport, errors: list[RowError]) -> None:
    report.errors = sorted(errors, key=lambda error: error.line)


# --- Experts ----------------------------------------------------------------

EXPERT_RELATIONS = (
    _Relation(ExpertProfile, "disciplines", "code"),
    _Relation(ExpertProfile, "keywords", "name"),
    _Relation(ExpertProfile, "engagement_types", "code"),
    _Relation(ExpertProfile, "modes", "code"),
)
# Plain profile fields the file sets. Everything else (headline, city, visibility settings,
# listing, travel, mentees, qualifications) is the expert's own and never touched.
EXPERT_FIELDS = ("origin_country", "residence_country", "timezone", "hours_per_month")


@dataclass(slots=True)
class _ExpertState:
    """What the database holds for one email."""

    user_id: int
    name: str
    profile_id: int | None = None
    fields: tuple[Any, ...] = ()
    bio: str = ""
    languages: dict[str, str] = field(default_factory=dict)
    relations: dict[str, set[str]] = field(default_factory=dict)


@dataclass(slots=True)
class _ExpertPlan:
    row: ExpertRow
    state: _ExpertState | None
    name_changed: bool = False
    fields_changed: bool = False
    bio_changed: bool = False
    languages_changed: bool = False
    relations_changed: tuple[str, ...] = ()

    @property
    def new_profile(self) -> bool:
        return self.state is None or self.state.profile_id is None

    @property
    def changed(self) -> bool:
        return self.new_profile or bool(
            self.name_changed
            or self.fields_changed
            or self.bio_changed
            or self.languages_changed
            or self.relations_changed
        )


def _expert_values(row: ExpertRow) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in EXPERT_FIELDS)


def _expert_relation_values(row: ExpertRow, name: str) -> Iterable[str]:
    return getattr(row, name)


def _load_experts(emails: Sequence[str], progress: ProgressFactory) -> dict[str, _ExpertState]:
    states: dict[str, _ExpertState] = {}
    bar = progress(_("Loading existing experts"), len(emails))
    try:
        for chunk in _chunks(emails):
            users = User.objects.filter(email__in=chunk).values_list("id", "email", "name")
            for user_id, email, name in users:
                states[email] = _ExpertState(user_id=user_id, name=name)
            # The site stores addresses in lower case, but an account made in the admin may
            # not be: look for the others in lower case (no index helps there, so only for
            # them), or the import would make a second account.
            others = [email for email in chunk if email not in states]
            if others:
                users = (
                    User.objects.annotate(email_lower=Lower("email"))
                    .filter(email_lower__in=others)
                    .order_by("id")
                    .values_list("id", "email_lower", "name")
                )
                for user_id, email, name in users:
                    states.setdefault(email, _ExpertState(user_id=user_id, name=name))
            bar.update(len(chunk))
    finally:
        bar.close()
    by_user = {state.user_id: state for state in states.values()}
    by_profile: dict[int, _ExpertState] = {}
    for user_ids in _chunks(list(by_user)):
        profiles = ExpertProfile.objects.filter(user_id__in=user_ids).values_list(
            "id", "user_id", "bio", *EXPERT_FIELDS
        )
        for profile_id, user_id, bio, origin, residence, zone, hours in profiles:
            state = by_user[user_id]
            state.profile_id, state.bio = profile_id, bio
            # Same shape as `_expert_values`: country codes as plain strings.
            state.fields = (str(origin or ""), str(residence or ""), zone, hours)
            by_profile[profile_id] = state
    profile_ids = list(by_profile)
    for ids in _chunks(profile_ids):
        languages = ExpertLanguage.objects.filter(profile_id__in=ids)
        for profile_id, code, level in languages.values_list("profile_id", "code", "level"):
            by_profile[profile_id].languages[code] = level
    for relation in EXPERT_RELATIONS:
        found = relation.load(profile_ids)
        for profile_id, state in by_profile.items():
            state.relations[relation.name] = found.get(profile_id, set())
    return states


def _plan_expert(row: ExpertRow, state: _ExpertState | None) -> _ExpertPlan:
    plan = _ExpertPlan(row=row, state=state)
    if state is None or state.profile_id is None:
        plan.name_changed = state is not None and state.name != row.name
        plan.bio_changed = bool(row.bio)
        plan.languages_changed = bool(row.languages)
        plan.relations_changed = tuple(
            relation.name
            for relation in EXPERT_RELATIONS
            if _expert_relation_values(row, relation.name)
        )
        return plan
    plan.name_changed = state.name != row.name
    plan.fields_changed = state.fields != _expert_values(row)
    plan.bio_changed = state.bio != row.bio
    plan.languages_changed = state.languages != row.languages
    plan.relations_changed = tuple(
        relation.name
        for relation in EXPERT_RELATIONS
        if state.relations[relation.name] != set(_expert_relation_values(row, relation.name))
    )
    return plan


def experts_import(
    *,
    path: str | Path,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: ProgressFactory = no_progress,
) -> ImportReport:
    """Create or update the experts of a CSV file (columns: `columns.EXPERT_COLUMNS`).

    An expert is found by email. A new one gets an account with the expert role and no
    usable password (they claim it through "forgotten password"), and a listed profile whose
    sensitive fields have the default visibility. Raises `ImportFileError` when the file
    cannot be read at all.
    """
    table = read_table(path, EXPERT_COLUMNS)
    report = ImportReport(rows=len(table.records) + len(table.errors))
    report.ignored_columns = table.ignored_columns
    clock = _Clock(report)

    bar = progress(_("Checking rows"), len(table.records))
    try:
        rows, errors = parse_rows(
            table.records, parse_expert, lambda row: row.email, "email", bar.update
        )
    finally:
        bar.close()
    errors += table.errors
    del table  # the rows keep what they need; the raw cells can go
    clock.lap("check")

    states = _load_experts([row.email for row in rows], progress)
    plans = [_plan_expert(row, states.get(row.email)) for row in rows]
    clock.lap("load")

    good, bios = _render_markdown_column(
        plans,
        text_of=lambda plan: plan.row.bio if plan.bio_changed else None,
        column="bio",
        errors=errors,
        progress=progress,
    )
    clock.lap("render")

    _finish(report, errors)
    changed = [plan for plan in good if plan.changed]
    report.created = sum(1 for plan in changed if plan.new_profile)
    report.updated = len(changed) - report.created
    report.unchanged = len(good) - len(changed)
    if dry_run or (errors and not skip_invalid):
        return report

    if changed:
        _write_experts(changed, bios, progress)
        if len(changed) >= CHUNK:
            relations = [relation.through for relation in EXPERT_RELATIONS]
            _analyze([User, ExpertProfile, ExpertLanguage, Keyword, *relations])
    report.written = True
    clock.lap("write")
    return report


@transaction.atomic
def _write_experts(
    plans: Sequence[_ExpertPlan], bios: Mapping[str, str], progress: ProgressFactory
) -> None:
    stamp = timezone.now()
    keyword_ids = _keyword_ids(
        {
            word
            for plan in plans
            if "keywords" in plan.relations_changed
            for word in plan.row.keywords
        }
    )
    reference_ids = {
        "disciplines": _codes(Discipline),
        "engagement_types": _codes(EngagementType),
        "modes": _codes(Mode),
        "keywords": keyword_ids,
    }
    bar = progress(_("Writing experts"), len(plans))
    try:
        for chunk in _chunks(plans):
            _write_expert_chunk(chunk, bios, reference_ids, stamp)
            bar.update(len(chunk))
    finally:
        bar.close()
    _restamp(ExpertProfile, stamp)


def _write_expert_chunk(
    plans: Sequence[_ExpertPlan],
    bios: Mapping[str, str],
    reference_ids: Mapping[str, Mapping[str, int]],
    stamp: datetime,
) -> None:
    # Accounts: new ones, and new names for existing ones.
    new_users = {
        plan.row.email: User(
            email=plan.row.email,
            name=plan.row.name,
            role=Role.EXPERT,
            timezone=plan.row.timezone,
            password=_unusable_password(),
            date_joined=stamp,
        )
        for plan in plans
        if plan.state is None
    }
    _bulk_create(list(new_users.values()), ("email",))
    User.objects.bulk_update(
        [
            User(id=plan.state.user_id, name=plan.row.name)
            for plan in plans
            if plan.state is not None and plan.name_changed
        ],
        ["name"],
    )

    # Profiles.
    created: list[tuple[_ExpertPlan, ExpertProfile]] = []
    with_bio: list[ExpertProfile] = []
    without_bio: list[ExpertProfile] = []
    for plan in plans:
        row = plan.row
        values = dict(zip(EXPERT_FIELDS, _expert_values(row), strict=True))
        if plan.new_profile:
            user_id = new_users[row.email].pk if plan.state is None else plan.state.user_id
            profile = ExpertProfile(
                user_id=user_id,
                bio=row.bio,
                bio_html=bios[row.bio],
                created_at=stamp,
                updated_at=stamp,
                **values,
            )
            created.append((plan, profile))
        else:
            assert plan.state is not None  # noqa: S101
            profile = ExpertProfile(id=plan.state.profile_id, updated_at=stamp, **values)
            if plan.bio_changed:
                profile.bio, profile.bio_html = row.bio, bios[row.bio]
                with_bio.append(profile)
            else:
                without_bio.append(profile)
    _bulk_create([profile for _plan, profile in created], ("user_id",))
    ExpertProfile.objects.bulk_update(with_bio, [*EXPERT_FIELDS, "bio", "bio_html", "updated_at"])
    ExpertProfile.objects.bulk_update(without_bio, [*EXPERT_FIELDS, "updated_at"])

    profile_ids: dict[int, int] = {}  # id(plan) -> profile id
    for plan, profile in created:
        profile_ids[id(plan)] = profile.pk
    for plan in plans:
        if not plan.new_profile:
            assert plan.state is not None and plan.state.profile_id is not None  # noqa: S101
            profile_ids[id(plan)] = plan.state.profile_id

    # Languages.
    language_plans = [plan for plan in plans if plan.languages_changed]
    existing = [profile_ids[id(plan)] for plan in language_plans if not plan.new_profile]
    if existing:
        ExpertLanguage.objects.filter(profile_id__in=existing).delete()
    _insert_rows(
        ExpertLanguage,
        ("profile_id", "code", "level"),
        [
            (profile_ids[id(plan)], code, level)
            for plan in language_plans
            for code, level in plan.row.languages.items()
        ],
    )

    # Disciplines, keywords, engagement types, modes.
    for relation in EXPERT_RELATIONS:
        targets = [plan for plan in plans if relation.name in plan.relations_changed]
        relation.rewrite(
            {
                profile_ids[id(plan)]: _expert_relation_values(plan.row, relation.name)
                for plan in targets
            },
            reference_ids[relation.name],
            existing=[profile_ids[id(plan)] for plan in targets if not plan.new_profile],
        )


# --- Needs ------------------------------------------------------------------

NEED_RELATIONS = (
    _Relation(Need, "disciplines", "code"),
    _Relation(Need, "keywords", "name"),
)
NEED_FIELDS = (
    "institution_id",
    "title",
    "engagement_type_id",
    "mode_id",
    "location_country",
    "experts_wanted",
    "effort_hours",
    "start_date",
    "end_date",
)


def _institution_key(name: str, country: str) -> tuple[str, str]:
    return country, " ".join(name.split()).casefold()


@dataclass(slots=True)
class _NeedState:
    need_id: int
    fields: dict[str, Any]
    description: str
    languages: dict[str, bool] = field(default_factory=dict)  # code -> required
    relations: dict[str, set[str]] = field(default_factory=dict)


@dataclass(slots=True)
class _NeedPlan:
    row: NeedRow
    state: _NeedState | None
    values: dict[str, Any] = field(default_factory=dict)  # NEED_FIELDS; institution_id may be None
    fields_changed: bool = False
    description_changed: bool = False
    languages: dict[str, bool] = field(default_factory=dict)
    languages_changed: bool = False
    relations_changed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.state is None or bool(
            self.fields_changed
            or self.description_changed
            or self.languages_changed
            or self.relations_changed
        )


def _load_needs(external_ids: Sequence[str], progress: ProgressFactory) -> dict[str, _NeedState]:
    states: dict[str, _NeedState] = {}
    bar = progress(_("Loading existing needs"), len(external_ids))
    try:
        for chunk in _chunks(external_ids):
            needs = Need.objects.filter(external_id__in=chunk).values(
                "id", "external_id", "description", *NEED_FIELDS
            )
            for need in needs:
                external_id = need.pop("external_id")
                states[external_id] = _NeedState(
                    need_id=need.pop("id"),
                    description=need.pop("description"),
                    fields={**need, "location_country": str(need["location_country"] or "")},
                )
            bar.update(len(chunk))
    finally:
        bar.close()
    by_need = {state.need_id: state for state in states.values()}
    need_ids = list(by_need)
    for ids in _chunks(need_ids):
        languages = NeedLanguage.objects.filter(need_id__in=ids)
        for need_id, code, is_required in languages.values_list("need_id", "code", "required"):
            by_need[need_id].languages[code] = is_required
    for relation in NEED_RELATIONS:
        found = relation.load(need_ids)
        for need_id, state in by_need.items():
            state.relations[relation.name] = found.get(need_id, set())
    return states


def _plan_need(
    row: NeedRow,
    state: _NeedState | None,
    institution_id: int | None,
    engagement_ids: Mapping[str, int],
    mode_ids: Mapping[str, int],
) -> _NeedPlan:
    plan = _NeedPlan(row=row, state=state)
    # The file has no location: work that is not online happens at the institution, unless
    # the need already says where.
    location = state.fields["location_country"] if state else ""
    if row.mode != "online" and not location:
        location = row.institution_country
    plan.values = {
        "institution_id": institution_id,
        "title": row.title,
        "engagement_type_id": engagement_ids[row.engagement_type],
        "mode_id": mode_ids[row.mode],
        "location_country": location,
        "experts_wanted": row.experts_wanted,
        "effort_hours": row.hours,
        "start_date": row.start,
        "end_date": row.end,
    }
    # The file's languages are required; preferred ones added on the site stay.
    plan.languages = {code: True for code in row.languages}
    if state:
        for code, is_required in state.languages.items():
            if not is_required and code not in plan.languages:
                plan.languages[code] = False
    if state is None:
        plan.description_changed = bool(row.description)
        plan.languages_changed = bool(plan.languages)
        plan.relations_changed = tuple(
            relation.name for relation in NEED_RELATIONS if getattr(row, relation.name)
        )
        return plan
    plan.fields_changed = state.fields != plan.values
    plan.description_changed = state.description != row.description
    plan.languages_changed = state.languages != plan.languages
    plan.relations_changed = tuple(
        relation.name
        for relation in NEED_RELATIONS
        if state.relations[relation.name] != set(getattr(row, relation.name))
    )
    return plan


def needs_import(
    *,
    path: str | Path,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: ProgressFactory = no_progress,
) -> ImportReport:
    """Create or update the needs of a CSV file (columns: `columns.NEED_COLUMNS`).

    A need is found by its external id. Its institution is found by name (ignoring case and
    extra spaces) and country, and created, unverified, when missing. A new need is created
    open, since a programme office imports a call that is already decided; an existing need
    keeps its status. Raises `ImportFileError` when the file cannot be read at all.
    """
    table = read_table(path, NEED_COLUMNS)
    report = ImportReport(rows=len(table.records) + len(table.errors))
    report.ignored_columns = table.ignored_columns
    clock = _Clock(report)

    bar = progress(_("Checking rows"), len(table.records))
    try:
        rows, errors = parse_rows(
            table.records, parse_need, lambda row: row.external_id, "external_id", bar.update
        )
    finally:
        bar.close()
    errors += table.errors
    del table  # the rows keep what they need; the raw cells can go
    clock.lap("check")

    institutions: dict[tuple[str, str], int] = {}
    countries = sorted({row.institution_country for row in rows})
    for chunk in _chunks(countries):
        found = Institution.objects.filter(country__in=chunk).order_by("id")
        for institution_id, name, country in found.values_list("id", "name", "country"):
            institutions.setdefault(_institution_key(name, str(country)), institution_id)
    states = _load_needs([row.external_id for row in rows], progress)
    engagement_ids, mode_ids = _codes(EngagementType), _codes(Mode)
    plans = [
        _plan_need(
            row,
            states.get(row.external_id),
            institutions.get(_institution_key(row.institution, row.institution_country)),
            engagement_ids,
            mode_ids,
        )
        for row in rows
    ]
    clock.lap("load")

    good, descriptions = _render_markdown_column(
        plans,
        text_of=lambda plan: plan.row.description if plan.description_changed else None,
        column="description",
        errors=errors,
        progress=progress,
    )
    clock.lap("render")

    _finish(report, errors)
    changed = [plan for plan in good if plan.changed]
    report.created = sum(1 for plan in changed if plan.state is None)
    report.updated = len(changed) - report.created
    report.unchanged = len(good) - len(changed)
    report.institutions_created = len(
        {
            _institution_key(plan.row.institution, plan.row.institution_country)
            for plan in changed
            if plan.values["institution_id"] is None
        }
    )
    if dry_run or (errors and not skip_invalid):
        return report

    if changed:
        _write_needs(changed, descriptions, progress)
        if len(changed) >= CHUNK:
            relations = [relation.through for relation in NEED_RELATIONS]
            _analyze([Institution, Need, NeedLanguage, Keyword, *relations])
    report.written = True
    clock.lap("write")
    return report


@transaction.atomic
def _write_needs(
    plans: Sequence[_NeedPlan], descriptions: Mapping[str, str], progress: ProgressFactory
) -> None:
    stamp = timezone.now()

    # Institutions that do not exist yet, named as in their first row.
    missing: dict[tuple[str, str], Institution] = {}
    for plan in plans:
        if plan.values["institution_id"] is None:
            key = _institution_key(plan.row.institution, plan.row.institution_country)
            missing.setdefault(
                key,
                Institution(
                    name=plan.row.institution,
                    country=plan.row.institution_country,
                    type=InstitutionType.OTHER,
                    created_at=stamp,
                ),
            )
    _bulk_create(list(missing.values()), ("name", "country"))
    for plan in plans:
        if plan.values["institution_id"] is None:
            key = _institution_key(plan.row.institution, plan.row.institution_country)
            plan.values["institution_id"] = missing[key].pk

    reference_ids = {
        "disciplines": _codes(Discipline),
        "keywords": _keyword_ids(
            {
                word
                for plan in plans
                if "keywords" in plan.relations_changed
                for word in plan.row.keywords
            }
        ),
    }
    bar = progress(_("Writing needs"), len(plans))
    try:
        for chunk in _chunks(plans):
            _write_need_chunk(chunk, descriptions, reference_ids, stamp)
            bar.update(len(chunk))
    finally:
        bar.close()
    _restamp(Need, stamp)


def _write_need_chunk(
    plans: Sequence[_NeedPlan],
    descriptions: Mapping[str, str],
    reference_ids: Mapping[str, Mapping[str, int]],
    stamp: datetime,
) -> None:
    created: list[tuple[_NeedPlan, Need]] = []
    with_description: list[Need] = []
    without_description: list[Need] = []
    for plan in plans:
        row = plan.row
        if plan.state is None:
            need = Need(
                external_id=row.external_id,
                description=row.description,
                description_html=descriptions[row.description],
                status=NeedStatus.OPEN,
                created_at=stamp,
                updated_at=stamp,
                published_at=stamp,
                **plan.values,
            )
            created.append((plan, need))
        else:
            need = Need(id=plan.state.need_id, updated_at=stamp, **plan.values)
            if plan.description_changed:
                need.description = row.description
                need.description_html = descriptions[row.description]
                with_description.append(need)
            else:
                without_description.append(need)
    _bulk_create([need for _plan, need in created], ("external_id",))
    Need.objects.bulk_update(
        with_description, [*NEED_FIELDS, "description", "description_html", "updated_at"]
    )
    Need.objects.bulk_update(without_description, [*NEED_FIELDS, "updated_at"])

    need_ids: dict[int, int] = {id(plan): need.pk for plan, need in created}
    for plan in plans:
        if plan.state is not None:
            need_ids[id(plan)] = plan.state.need_id

    language_plans = [plan for plan in plans if plan.languages_changed]
    existing = [need_ids[id(plan)] for plan in language_plans if plan.state is not None]
    if existing:
        NeedLanguage.objects.filter(need_id__in=existing).delete()
    _insert_rows(
        NeedLanguage,
        ("need_id", "code", "required"),
        [
            (need_ids[id(plan)], code, is_required)
            for plan in language_plans
            for code, is_required in plan.languages.items()
        ],
    )

    for relation in NEED_RELATIONS:
        targets = [plan for plan in plans if relation.name in plan.relations_changed]
        relation.rewrite(
            {need_ids[id(plan)]: getattr(plan.row, relation.name) for plan in targets},
            reference_ids[relation.name],
            existing=[need_ids[id(plan)] for plan in targets if plan.state is not None],
        )
