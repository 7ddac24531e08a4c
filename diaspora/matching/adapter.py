"""From the database to the matching engine, and the process-wide index kept fresh.

Documents. `expert_doc(profile)` and `need_doc(need)` turn one row into the engine's plain
data; `iter_expert_docs()` / `iter_need_docs()` stream every row in chunks of `CHUNK` with
one query per table and chunk (100,000 experts are about 50 chunks x 8 queries), never one
query per row.

The index. `get_index()` returns the process's `MatchingIndex`. The first call starts a
build in a background thread; rankings (`ready_index`) wait for it at most
`settings.MATCHING_BUILD_WAIT` seconds (default 2) and are otherwise answered by the exact
but slower fallback in `selectors`, so a restart never holds requests for long.

Freshness across processes. Every ranking first calls `sync()`: one indexed query asks
which expert profiles and needs have `updated_at` at or after the last watermark, less
`settings.MATCHING_SYNC_OVERLAP` seconds (default 10: rows are stamped when saved, not when
committed, and the clocks of several servers differ a little). Rows already seen with the same
stamp are skipped; the others are rebuilt and upserted, or removed when an expert is no
longer listed or active, or a need no longer open. When nothing changed, that one query is
all. A row deleted outright is dropped when it shows up in a ranked list (the selectors
check the rows they show). In the process that made a change, services call
`matching_refresh_expert` / `matching_refresh_need` after commit for immediacy, which also
covers changes that do not touch `updated_at` (answered invitations).
"""

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, Q, QuerySet, Value
from django.utils import timezone

from diaspora.matches.models import Proposal, ProposalKind, ProposalStatus
from diaspora.matching.documents import ExpertDoc, NeedDoc
from diaspora.matching.index import MatchingIndex
from diaspora.matching.timezones import country_utc_offset, zone_utc_offset
from diaspora.matching.weights import Weights
from diaspora.needs.models import Need, NeedLanguage, NeedStatus
from diaspora.people.models import ExpertLanguage, ExpertProfile, Qualification

logger = logging.getLogger(__name__)

CHUNK = 2000
ANSWERED = (ProposalStatus.ACCEPTED, ProposalStatus.DECLINED)
# An invitation counts as received once it was answered or ran out; a pending one has not
# had its chance yet, and a withdrawn one was taken back by the institution.
RECEIVED = (*ANSWERED, ProposalStatus.EXPIRED)
DAYS_PER_MONTH = 30.4375

EXPERT_FIELDS = (
    "id",
    "user__name",
    "user__is_active",
    "headline",
    "bio",
    "current_affiliation",
    "origin_country",
    "origin_country_visibility",
    "residence_country",
    "residence_country_visibility",
    "timezone",
    "willing_to_travel",
    "hours_per_month",
    "hours_committed",
    "max_mentees",
    "current_mentees",
    "is_listed",
)
NEED_FIELDS = (
    "id",
    "title",
    "description",
    "institution_id",
    "institution__name",
    "institution__country",
    "location_country",
    "engagement_type__code",
    "mode__code",
    "start_date",
    "end_date",
    "effort_hours",
    "experts_wanted",
    "status",
)


# --- Time zones ---------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _offset_on(zone: str, country: str, day: date) -> float | None:
    at = datetime.combine(day, dt_time(12), tzinfo=UTC)
    if zone:
        return zone_utc_offset(zone, at=at)
    return country_utc_offset(country, at=at) if country else None


def expert_offset(zone: str, residence: str) -> float | None:
    """Hours east of UTC where the expert works: their time zone, or, when it is the field's
    default "UTC" (which says nothing), the main zone of their country of residence. Cached
    per day (summer time), so that 100,000 experts do not load a zone file each."""
    if zone and zone != "UTC":
        return _offset_on(zone, "", timezone.now().date())
    return _offset_on("", residence, timezone.now().date())


def country_offset(country: str) -> float | None:
    return _offset_on("", country, timezone.now().date()) if country else None


# --- Documents ----------------------------------------------------------------------------


def _joined(*parts: Iterable[str] | str) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            if part:
                out.append(part)
        else:
            out.extend(p for p in part if p)
    return "\n".join(out)


def expert_doc_from_row(
    row: dict[str, Any],
    *,
    disciplines: Iterable[str],
    keywords: Iterable[str],
    languages: Iterable[tuple[str, str]],
    qualifications: Iterable[str],
    engagement_types: Iterable[str],
    modes: Iterable[str],
    received: int,
    answered: int,
) -> ExpertDoc:
    """The one place an expert row becomes a document (single and bulk paths share it)."""
    keyword_set = frozenset(k.lower() for k in keywords)
    quals = list(qualifications)
    return ExpertDoc(
        id=row["id"],
        name=row["user__name"] or "",
        text=_joined(
            row["headline"], row["bio"], row["current_affiliation"], sorted(keyword_set), quals
        ),
        keywords=keyword_set,
        disciplines=frozenset(disciplines),
        languages=dict(languages),
        origin_country=str(row["origin_country"] or ""),
        origin_visibility=row["origin_country_visibility"],
        residence_country=str(row["residence_country"] or ""),
        residence_visibility=row["residence_country_visibility"],
        utc_offset=expert_offset(row["timezone"], str(row["residence_country"] or "")),
        engagement_types=frozenset(engagement_types),
        modes=frozenset(modes),
        willing_to_travel=row["willing_to_travel"],
        hours_left=max(0, row["hours_per_month"] - row["hours_committed"]),
        mentee_slots_left=max(0, row["max_mentees"] - row["current_mentees"]),
        invitations_received=received,
        invitations_answered=answered,
        is_listed=bool(row["is_listed"] and row["user__is_active"]),
    )


def _invitation_counts(expert_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    rows = (
        Proposal.objects.filter(_owned_by("expert_id", expert_ids), kind=ProposalKind.INVITATION)
        .values("expert_id")
        .annotate(
            received=Count("id", filter=Q(status__in=RECEIVED)),
            answered=Count("id", filter=Q(status__in=ANSWERED)),
        )
        .order_by()
    )
    return {r["expert_id"]: (r["received"], r["answered"]) for r in rows}


def expert_doc(profile: ExpertProfile) -> ExpertDoc:
    """One profile as the engine sees it. Uses the profile's prefetched relations when it
    has them (see `expert_profiles_for_docs`); counts invitations with one query."""
    user = profile.user
    row = {name: getattr(profile, name) for name in EXPERT_FIELDS if "__" not in name}
    row.update({"id": profile.pk, "user__name": user.name, "user__is_active": user.is_active})
    received, answered = _invitation_counts([profile.pk]).get(profile.pk, (0, 0))
    return expert_doc_from_row(
        row,
        disciplines=[d.code for d in profile.disciplines.all()],
        keywords=[k.name for k in profile.keywords.all()],
        languages=[(lang.code, lang.level) for lang in profile.languages.all()],
        qualifications=[q.field for q in profile.qualifications.all()],
        engagement_types=[e.code for e in profile.engagement_types.all()],
        modes=[m.code for m in profile.modes.all()],
        received=received,
        answered=answered,
    )


def expert_profiles_for_docs(qs: QuerySet[ExpertProfile] | None = None) -> QuerySet[ExpertProfile]:
    qs = qs if qs is not None else ExpertProfile.objects.all()
    return qs.select_related("user").prefetch_related(
        "disciplines", "keywords", "languages", "qualifications", "engagement_types", "modes"
    )


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[Any]]:
    """(owner, value) rows -> {owner: [value, ...]}; (owner, a, b) rows -> {owner: [(a, b)]}."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for owner, *values in rows:
        grouped[owner].append(values[0] if len(values) == 1 else tuple(values))
    return grouped


def _owned_by(field: str, ids: Sequence[int]) -> Q:
    """Rows whose `field` is one of `ids`: a range when the ids are dense (a chunk of the
    primary-key walk), which is a cheaper query than a long IN list; rows of other owners
    inside the range are fetched and ignored."""
    ordered = sorted(ids)
    if ordered and ordered[-1] - ordered[0] < 4 * len(ordered):
        return Q(**{f"{field}__gte": ordered[0], f"{field}__lte": ordered[-1]})
    return Q(**{f"{field}__in": ordered})


def _expert_chunk(rows: Sequence[dict[str, Any]]) -> list[ExpertDoc]:
    """Documents for a chunk of rows from `EXPERT_FIELDS`: seven queries, whatever the size."""
    ids = [r["id"] for r in rows]
    owner = _owned_by("expertprofile_id", ids)
    profile = _owned_by("profile_id", ids)
    m2m = ExpertProfile
    disciplines = _grouped(
        m2m.disciplines.through.objects.filter(owner).values_list(
            "expertprofile_id", "discipline__code"
        )
    )
    keywords = _grouped(
        m2m.keywords.through.objects.filter(owner).values_list("expertprofile_id", "keyword__name")
    )
    types = _grouped(
        m2m.engagement_types.through.objects.filter(owner).values_list(
            "expertprofile_id", "engagementtype__code"
        )
    )
    modes = _grouped(
        m2m.modes.through.objects.filter(owner).values_list("expertprofile_id", "mode__code")
    )
    languages = _grouped(
        ExpertLanguage.objects.filter(profile)
        .order_by("id")
        .values_list("profile_id", "code", "level")
    )
    quals = _grouped(
        Qualification.objects.filter(profile)
        .order_by("-year", "id")
        .values_list("profile_id", "field")
    )
    counts = _invitation_counts(ids)
    docs = []
    for row in rows:
        pk = row["id"]
        received, answered = counts.get(pk, (0, 0))
        docs.append(
            expert_doc_from_row(
                row,
                disciplines=disciplines.get(pk, ()),
                keywords=keywords.get(pk, ()),
                languages=languages.get(pk, ()),
                qualifications=quals.get(pk, ()),
                engagement_types=types.get(pk, ()),
                modes=modes.get(pk, ()),
                received=received,
                answered=answered,
            )
        )
    return docs


def iter_expert_docs(
    qs: QuerySet[ExpertProfile] | None = None, *, chunk: int = CHUNK
) -> Iterator[list[ExpertDoc]]:
    """Every profile of `qs` (default: listed ones) as documents, a chunk at a time, walking
    the primary key so that each chunk is one indexed range query."""
    qs = qs if qs is not None else ExpertProfile.objects.listed()
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values(*EXPERT_FIELDS)[:chunk])
        if not rows:
            return
        yield _expert_chunk(rows)
        last = rows[-1]["id"]


def expert_docs_by_id(ids: Iterable[int]) -> dict[int, ExpertDoc]:
    """Documents of these profiles (listed or not), by id."""
    wanted = sorted(set(ids))
    docs: dict[int, ExpertDoc] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        rows = list(ExpertProfile.objects.filter(pk__in=part).values(*EXPERT_FIELDS))
        docs.update((d.id, d) for d in _expert_chunk(rows))
    return docs


def monthly_hours(effort_hours: int, start: date | None, end: date | None) -> float:
    """The effort spread over the months between start and end (one month at least)."""
    months = 1.0
    if start and end:
        months = max(1.0, ((end - start).days + 1) / DAYS_PER_MONTH)
    return effort_hours / months


def need_doc_from_row(
    row: dict[str, Any],
    *,
    disciplines: Iterable[str],
    keywords: Iterable[str],
    languages: Iterable[tuple[str, bool]],
) -> NeedDoc:
    keyword_set = frozenset(k.lower() for k in keywords)
    langs = list(languages)
    country = str(row["institution__country"] or "")
    return NeedDoc(
        id=row["id"],
        title=row["title"],
        text=_joined(row["title"], row["description"], sorted(keyword_set)),
        keywords=keyword_set,
        disciplines=frozenset(disciplines),
        engagement_type=row["engagement_type__code"] or "",
        mode=row["mode__code"] or "",
        required_languages=frozenset(code for code, required in langs if required),
        preferred_languages=frozenset(code for code, required in langs if not required),
        institution_id=row["institution_id"],
        institution_name=row["institution__name"],
        institution_country=country,
        location_country="" if row["mode__code"] == "online" else str(row["location_country"]),
        utc_offset=country_offset(country),
        monthly_hours=monthly_hours(row["effort_hours"], row["start_date"], row["end_date"]),
        experts_wanted=row["experts_wanted"],
        status=row["status"],
    )


def need_doc(need: Need) -> NeedDoc:
    """One need as the engine sees it; uses prefetched relations when it has them."""
    row = {name: getattr(need, name) for name in NEED_FIELDS if "__" not in name}
    row.update(
        {
            "institution__name": need.institution.name,
            "institution__country": need.institution.country,
            "engagement_type__code": need.engagement_type.code,
            "mode__code": need.mode.code,
        }
    )
    return need_doc_from_row(
        row,
        disciplines=[d.code for d in need.disciplines.all()],
        keywords=[k.name for k in need.keywords.all()],
        languages=[(lang.code, lang.required) for lang in need.languages.all()],
    )


def _need_chunk(rows: Sequence[dict[str, Any]]) -> list[NeedDoc]:
    owner = _owned_by("need_id", [r["id"] for r in rows])
    disciplines = _grouped(
        Need.disciplines.through.objects.filter(owner).values_list("need_id", "discipline__code")
    )
    keywords = _grouped(
        Need.keywords.through.objects.filter(owner).values_list("need_id", "keyword__name")
    )
    languages = _grouped(
        NeedLanguage.objects.filter(owner).values_list("need_id", "code", "required")
    )
    return [
        need_doc_from_row(
            row,
            disciplines=disciplines.get(row["id"], ()),
            keywords=keywords.get(row["id"], ()),
            languages=languages.get(row["id"], ()),
        )
        for row in rows
    ]


def iter_need_docs(
    qs: QuerySet[Need] | None = None, *, chunk: int = CHUNK
) -> Iterator[list[NeedDoc]]:
    """Every need of `qs` (default: open ones) as documents, a chunk at a time."""
    qs = qs if qs is not None else Need.objects.open()
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values(*NEED_FIELDS)[:chunk])
        if not rows:
            return
        yield _need_chunk(rows)
        last = rows[-1]["id"]


def need_docs(needs: Iterable[Need]) -> list[NeedDoc]:
    """Documents of these needs, in the given order (four queries per chunk)."""
    order = [n.pk for n in needs]
    docs: dict[int, NeedDoc] = {}
    for start in range(0, len(order), CHUNK):
        part = order[start : start + CHUNK]
        rows = list(Need.objects.filter(pk__in=part).values(*NEED_FIELDS))
        docs.update((d.id, d) for d in _need_chunk(rows))
    return [docs[pk] for pk in order if pk in docs]


# --- The process-wide index ---------------------------------------------------------------


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class IndexHolder:
    """The index of this process, its build, and where its last sync stopped."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sync_lock = threading.Lock()
        self.index: MatchingIndex | None = None
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.mark: datetime | None = None
        # Stamps seen inside the overlap window, so a row is not rebuilt on every request.
        self.seen: dict[tuple[str, int], datetime] = {}
        # Refreshes asked for while a build runs; applied when it ends.
        self.pending: set[tuple[str, int]] = set()
        self.built_in: float = 0.0
        # Bumped by `reset`, so that a build started before it does not install itself.
        self.generation = 0

    # Building -------------------------------------------------------------------------

    def build_now(self) -> MatchingIndex:
        """Build a fresh index in this thread and install it."""
        generation = self.generation
        started = timezone.now()
        t0 = time.perf_counter()
        index = MatchingIndex(Weights.from_settings())
        for docs in iter_expert_docs():
            index.upsert_experts(docs)
        for needs in iter_need_docs():
            index.upsert_needs(needs)
        with self.lock:
            if generation != self.generation:
                return index
            self.index = index
            self.mark = started
            self.seen = {}
            pending, self.pending = self.pending, set()
            self.built_in = time.perf_counter() - t0
            self.error = None
            self.thread = None
        logger.info(
            "matching index built: %d experts, %d needs in %.1f s",
            index.expert_count,
            index.need_count,
            self.built_in,
        )
        self._apply_pending(index, pending)
        return index

    def _apply_pending(self, index: MatchingIndex, pending: set[tuple[str, int]]) -> None:
        experts = [pk for kind, pk in pending if kind == "expert"]
        needs = [pk for kind, pk in pending if kind == "need"]
        if experts:
            self._reload_experts(index, experts)
        if needs:
            self._reload_needs(index, needs)

    def _build_in_thread(self) -> None:
        try:
            self.build_now()
        except BaseException as exc:  # the next request tries again
            logger.exception("matching index build failed")
            with self.lock:
                self.error = exc
                self.thread = None
        finally:
            connection.close()

    def start(self) -> None:
        with self.lock:
            if self.index is not None or self.thread is not None:
                return
            self.thread = threading.Thread(
                target=self._build_in_thread, name="matching-index-build", daemon=True
            )
            self.thread.start()

    def wait(self, timeout: float | None) -> MatchingIndex | None:
        """The index once built; None if it is not ready within `timeout` seconds (or the
        build failed)."""
        if self.index is None and self.thread is None and connection.in_atomic_block:
            # Inside a transaction (a test, a command's atomic block) a background thread
            # could not see this transaction's rows: build here.
            return self.build_now()
        if self.index is None:
            self.start()
            thread = self.thread
            if thread is not None:
                thread.join(timeout)
        return self.index

    def reset(self) -> None:
        """Forget the index (tests; a settings change). A running build still completes."""
        with self.lock:
            self.generation += 1
            self.index = None
            self.thread = None
            self.mark = None
            self.seen = {}
            self.pending = set()

    # Keeping fresh --------------------------------------------------------------------

    def sync(self, index: MatchingIndex) -> int:
        """Apply what changed since the last sync; returns how many rows were reloaded.

        A row is stamped when saved and seen when committed. Everything committed before
        this query starts is seen now, and a write stamped before that but not yet committed
        is assumed to commit within the overlap: so the next sync starts from this query's
        start less the overlap, and skips rows it has already seen with the same stamp.
        """
        with self.sync_lock:
            if self.mark is None:
                return 0
            overlap = timedelta(seconds=_setting("MATCHING_SYNC_OVERLAP", 10))
            since = self.mark - overlap
            started = timezone.now()
            kind: CharField = CharField()
            experts = (
                ExpertProfile.objects.filter(updated_at__gte=since)
                .annotate(kind=Value("expert", output_field=kind))
                .values_list("kind", "id", "updated_at")
                .order_by()
            )
            needs = (
                Need.objects.filter(updated_at__gte=since)
                .annotate(kind=Value("need", output_field=kind))
                .values_list("kind", "id", "updated_at")
                .order_by()
            )
            changed: dict[str, list[int]] = {"expert": [], "need": []}
            stamps: dict[tuple[str, int], datetime] = {}
            for what, pk, stamp in experts.union(needs, all=True):
                stamps[(what, pk)] = stamp
                if self.seen.get((what, pk)) != stamp:
                    changed[what].append(pk)
            if changed["expert"]:
                self._reload_experts(index, changed["expert"])
            if changed["need"]:
                self._reload_needs(index, changed["need"])
            self.seen = {key: ts for key, ts in stamps.items() if ts >= started - overlap}
            self.mark = started
            return len(changed["expert"]) + len(changed["need"])

    def _reload_experts(self, index: MatchingIndex, ids: Iterable[int]) -> None:
        ids = list(ids)
        docs = expert_docs_by_id(ids)
        listed = [d for d in docs.values() if d.is_listed]
        gone = [pk for pk in ids if pk not in docs or not docs[pk].is_listed]
        if listed:
            index.upsert_experts(listed)
        if gone:
            index.remove_experts(gone)

    def _reload_needs(self, index: MatchingIndex, ids: Iterable[int]) -> None:
        ids = list(ids)
        rows = list(Need.objects.filter(pk__in=ids).values(*NEED_FIELDS))
        docs = [d for d in _need_chunk(rows) if d.status == NeedStatus.OPEN]
        open_ids = {d.id for d in docs}
        if docs:
            index.upsert_needs(docs)
        closed = [pk for pk in ids if pk not in open_ids]
        if closed:
            index.remove_needs(closed)

    def refresh(self, kind: str, pk: int) -> None:
        with self.lock:
            index = self.index
            if index is None:
                if self.thread is not None:
                    self.pending.add((kind, pk))
                return
        if kind == "expert":
            self._reload_experts(index, [pk])
        else:
            self._reload_needs(index, [pk])


_holder = IndexHolder()


def holder() -> IndexHolder:
    return _holder


def get_index() -> MatchingIndex:
    """The process-wide index, synced with the database. Blocks until the first build has
    finished (commands, assignment); requests use `ready_index`, which does not."""
    index = _holder.wait(None)
    while index is None:
        # The background build failed; build here instead.
        index = _holder.build_now()
    _holder.sync(index)
    return index


def ready_index() -> MatchingIndex | None:
    """The synced index, or None while it is still being built after
    `settings.MATCHING_BUILD_WAIT` seconds (callers then use the fallback)."""
    index = _holder.wait(_setting("MATCHING_BUILD_WAIT", 2))
    if index is not None:
        _holder.sync(index)
    return index


def matching_refresh_expert(expert_id: int) -> None:
    """Reload one expert into this process's index now (services call it after commit)."""
    _holder.refresh("expert", expert_id)


def matching_refresh_need(need_id: int) -> None:
    """Reload one need into this process's index now (services call it after commit)."""
    _holder.refresh("need", need_id)
