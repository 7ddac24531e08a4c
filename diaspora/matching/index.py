"""MatchingIndex: experts and needs in memory, ranked for each other in a few milliseconds.

Layout
  Every expert (and every need) has a row: one slot in a set of growable numpy columns
  (disciplines as bit masks, one level array per language, countries and time zones as
  small integers with their visibility folded in, modes and engagement types as bits,
  capacity, responsiveness). Text lives in two BM25 postings indexes (`text.Postings`):
  the experts' words (the documents) and the needs' words (queries, for ranking needs for
  an expert), plus each expert's word sequence (term ids, for phrase checks in reasons).

Ranking a need
  The need's words are looked up in the expert postings and idf x query weight x tf part is
  accumulated into one float per expert row (scipy's C sparse mat-vec over each term's run;
  cost: the sum of the query terms' document frequencies); every other criterion is then
  computed for every row at once with numpy (`scoring.expert_values`). So the score is exact
  for every expert, with no candidate generation that could miss an expert who shares no
  word with the need but fits on discipline or diaspora. The best `limit` rows come from
  np.partition (ties to the lower id), and only they get reasons. Ranking needs for an
  expert is the mirror image over the need rows, restricted to open needs.

Freshness: append and tombstone
  An upsert appends a new row (an edited document's old row becomes a tombstone: masked out,
  and out of the live document frequencies) and appends to the postings of its terms:
  O(its words), no rebuild. When tombstones pass a quarter of the live rows (at least
  COMPACT_MIN), or a batch is large (the first load, a re-import: BULK_MIN and 5% of the
  rows), the rows are compacted and the postings rebuilt in one vectorised pass, which also
  refreshes the average document length used by BM25.

Threads
  Writers are serialised by a mutex and prepare their work (tokenising, and for a rebuild the
  whole new table and postings) without blocking readers; they take a readers-writer lock
  exclusively only to append rows or swap the prepared objects in. Readers hold it shared for
  a whole ranking, so each sees one consistent state, and several rank at once (numpy
  releases the GIL inside its array operations).
"""

import copy
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any, Self

import numpy as np
from scipy import sparse

from diaspora.matching import regions, scoring, text, timezones
from diaspora.matching.documents import ExpertDoc, NeedDoc
from diaspora.matching.scoring import (
    LANGUAGE_WORDS,
    LEVEL_SCORES,
    ExpertColumns,
    ExpertRow,
    NeedColumns,
    NeedRow,
    RankedExpert,
    RankedNeed,
    TextMatch,
)
from diaspora.matching.weights import Weights

BULK_MIN = 2000  # a batch at least this big (and >= 5% of the rows) rebuilds the postings
COMPACT_MIN = 5000  # tombstones tolerated before compacting (or a quarter of the live rows)
_INITIAL_CAPACITY = 1024


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer stops new readers from entering."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


# --- Rows ---------------------------------------------------------------------------
def _resized(array: np.ndarray, capacity: int, fill: object) -> np.ndarray:
    grown = np.full((capacity, *array.shape[1:]), fill, dtype=array.dtype)
    count = min(len(array), capacity)
    grown[:count] = array[:count]
    return grown


_EMPTY_TERMS = np.zeros(0, np.int32)
_EMPTY_TERMS.setflags(write=False)
_EMPTY_WEIGHTS = np.zeros(0, np.float32)
_EMPTY_WEIGHTS.setflags(write=False)


class _Table:
    """Rows in growable columns: `size` rows used, `count` of them alive (the others are
    tombstones until the next compaction). Subclasses say which arrays and lists they hold."""

    FILLS: dict[str, object] = {}  # fill value of a column other than 0 / False

    def __init__(self) -> None:
        self.capacity = 0
        self.size = 0
        self.count = 0
        self.alive = np.zeros(0, bool)
        self.ids = np.zeros(0, np.int64)
        self.row_of: dict[int, int] = {}

    # Arrays that are not in `cols`, lists, and the column object, per subclass.
    def _arrays(self) -> list[str]:
        return ["alive", "ids"]

    def _lists(self) -> dict[str, object]:
        return {}

    def _columns(self) -> object:
        raise NotImplementedError

    def _map_arrays(self, change: "Callable[[np.ndarray, object], np.ndarray]") -> None:
        for name in self._arrays():
            setattr(self, name, change(getattr(self, name), self.FILLS.get(name, 0)))
        cols = self._columns()
        for item in fields(cols):  # type: ignore[arg-type]
            value = getattr(cols, item.name)
            fill = self.FILLS.get(item.name, 0)
            if isinstance(value, np.ndarray):
                setattr(cols, item.name, change(value, fill))
            elif isinstance(value, dict):
                setattr(cols, item.name, {k: change(v, fill) for k, v in value.items()})

    def grow_to(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        capacity = max(needed, self.capacity * 2, _INITIAL_CAPACITY)
        self._map_arrays(lambda array, fill: _resized(array, capacity, fill))
        for name, empty in self._lists().items():
            values = getattr(self, name)
            values.extend([empty] * (capacity - len(values)))
        self.capacity = capacity

    def compacted(self, keep: np.ndarray, extra: int) -> Self:
        """A copy holding only the rows where `keep`, renumbered in order, with room for
        `extra` more."""
        positions = np.flatnonzero(keep[: self.size])
        fresh = copy.copy(self)
        fresh.size = fresh.count = len(positions)
        fresh.capacity = max(len(positions) + extra, _INITIAL_CAPACITY)
        fresh._set_columns(copy.copy(self._columns()))
        fresh._map_arrays(lambda array, fill: _resized(array[positions], fresh.capacity, fill))
        for name, empty in self._lists().items():
            values = getattr(self, name)
            kept = [values[i] for i in positions.tolist()]
            setattr(fresh, name, kept + [empty] * (fresh.capacity - len(kept)))
        fresh.row_of = {int(i): row for row, i in enumerate(fresh.ids[: fresh.size].tolist())}
        return fresh

    def _set_columns(self, cols: object) -> None:
        raise NotImplementedError

    def kill(self, index: int) -> None:
        self.alive[index] = False
        self.count -= 1
        del self.row_of[int(self.ids[index])]

    def take_row(self, doc_id: int) -> int:
        """The next row, for a document (capacity must already be there)."""
        index = self.size
        self.size += 1
        self.count += 1
        self.alive[index] = True
        self.ids[index] = doc_id
        self.row_of[doc_id] = index
        return index


@dataclass
class _ExpertPrepared:
    doc_id: int
    row: ExpertRow
    seq: np.ndarray
    length: int


class _ExpertTable(_Table):
    FILLS: dict[str, object] = {}

    def __init__(self) -> None:
        super().__init__()
        self.received = np.zeros(0, np.int32)
        self.answered = np.zeros(0, np.int32)
        self.lengths = np.zeros(0, np.int32)
        self.cols = ExpertColumns(
            listed=np.zeros(0, bool),
            leaf=np.zeros(0, np.uint64),
            major=np.zeros(0, np.uint64),
            origin=np.zeros(0, np.int16),
            residence=np.zeros(0, np.int16),
            offset=np.zeros(0, np.int16),
            engagements=np.zeros(0, np.uint8),
            modes=np.zeros(0, np.uint8),
            hours=np.zeros(0, np.float32),
            mentees=np.zeros(0, np.int32),
            responsiveness=np.zeros(0, np.float32),
            levels={},
        )
        self.keywords: list[tuple[str, ...]] = []
        self.languages: list[tuple[tuple[str, str], ...]] = []
        self.seqs: list[np.ndarray] = []
        self._interned: dict[object, object] = {}

    def _arrays(self) -> list[str]:
        return [*super()._arrays(), "received", "answered", "lengths"]

    def _lists(self) -> dict[str, object]:
        return {"keywords": (), "languages": (), "seqs": _EMPTY_TERMS}

    def _columns(self) -> ExpertColumns:
        return self.cols

    def _set_columns(self, cols: object) -> None:
        if not isinstance(cols, ExpertColumns):
            raise TypeError(cols)
        self.cols = cols

    def view(self) -> ExpertColumns:
        n, c = self.size, self.cols
        return ExpertColumns(
            listed=c.listed[:n],
            leaf=c.leaf[:n],
            major=c.major[:n],
            origin=c.origin[:n],
            residence=c.residence[:n],
            offset=c.offset[:n],
            engagements=c.engagements[:n],
            modes=c.modes[:n],
            hours=c.hours[:n],
            mentees=c.mentees[:n],
            responsiveness=c.responsiveness[:n],
            levels={lang: levels[:n] for lang, levels in c.levels.items()},
        )

    def _intern(self, value: Any) -> Any:
        return self._interned.setdefault(value, value)

    def append(self, item: _ExpertPrepared) -> int:
        index = self.take_row(item.doc_id)
        row, c = item.row, self.cols
        self.received[index] = row.received
        self.answered[index] = row.answered
        self.lengths[index] = item.length
        c.listed[index] = row.listed
        c.leaf[index] = row.leaf
        c.major[index] = row.major
        c.origin[index] = scoring.country_key(row.origin, row.origin_vis)
        c.residence[index] = scoring.country_key(row.residence, row.residence_vis)
        c.offset[index] = scoring.offset_key(row.offset, row.residence_vis)
        c.engagements[index] = row.engagements
        c.modes[index] = row.modes | (scoring.TRAVEL if row.travel else 0)
        c.hours[index] = row.hours
        c.mentees[index] = row.mentees
        c.responsiveness[index] = scoring.responsiveness_value(row.received, row.answered)
        for code, level in row.languages:
            lang = scoring.language_index(code)
            levels = c.levels.get(lang)
            if levels is None:
                levels = c.levels[lang] = np.zeros(self.capacity, np.float32)
            levels[index] = LEVEL_SCORES[level]
        self.keywords[index] = tuple(self._intern(k) for k in row.keywords)
        self.languages[index] = self._intern(row.languages)
        self.seqs[index] = item.seq
        return index

    def kill(self, index: int) -> None:
        super().kill(index)
        self.cols.listed[index] = False
        self.keywords[index] = ()
        self.languages[index] = ()
        self.seqs[index] = _EMPTY_TERMS

    def row(self, index: int) -> ExpertRow:
        c = self.cols
        origin, origin_vis = divmod(int(c.origin[index]), 4)
        residence, residence_vis = divmod(int(c.residence[index]), 4)
        quarter = int(c.offset[index]) // 4
        modes = int(c.modes[index])
        return ExpertRow(
            id=int(self.ids[index]),
            keywords=self.keywords[index],
            leaf=int(c.leaf[index]),
            major=int(c.major[index]),
            languages=self.languages[index],
            origin=regions.country_code(origin),
            origin_vis=origin_vis,
            residence=regions.country_code(residence),
            residence_vis=residence_vis,
            offset=None
            if quarter == timezones.UNKNOWN_QUARTER
            else timezones.quarter_offset(quarter),
            engagements=int(c.engagements[index]),
            modes=modes & ~scoring.TRAVEL,
            travel=bool(modes & scoring.TRAVEL),
            hours=float(c.hours[index]),
            mentees=int(c.mentees[index]),
            received=int(self.received[index]),
            answered=int(self.answered[index]),
            listed=bool(c.listed[index]),
        )


@dataclass
class _NeedPrepared:
    doc_id: int
    row: NeedRow
    terms: np.ndarray
    weights: np.ndarray  # query weight per term


class _NeedTable(_Table):
    FILLS = {"engagement": -1, "mode": -1}

    def __init__(self) -> None:
        super().__init__()
        self.ideal = np.zeros(0, np.float64)
        self.cols = NeedColumns(
            is_open=np.zeros(0, bool),
            leaf=np.zeros(0, np.uint64),
            major_explicit=np.zeros(0, np.uint64),
            major_all=np.zeros(0, np.uint64),
            languages=np.zeros((0, LANGUAGE_WORDS), np.uint64),
            required=np.zeros((0, LANGUAGE_WORDS), np.uint64),
            language_count=np.zeros(0, np.int16),
            country=np.zeros(0, np.int16),
            location=np.zeros(0, np.int16),
            offset_q=np.zeros(0, np.int16),
            engagement=np.zeros(0, np.int8),
            mode=np.zeros(0, np.int8),
            monthly_hours=np.zeros(0, np.float32),
        )
        self.rows: list[NeedRow | None] = []
        self.terms: list[np.ndarray] = []
        self.weights: list[np.ndarray] = []

    def _arrays(self) -> list[str]:
        return [*super()._arrays(), "ideal"]

    def _lists(self) -> dict[str, object]:
        return {"rows": None, "terms": _EMPTY_TERMS, "weights": _EMPTY_WEIGHTS}

    def _columns(self) -> NeedColumns:
        return self.cols

    def _set_columns(self, cols: object) -> None:
        if not isinstance(cols, NeedColumns):
            raise TypeError(cols)
        self.cols = cols

    def view(self) -> NeedColumns:
        n, c = self.size, self.cols
        return NeedColumns(
            is_open=c.is_open[:n],
            leaf=c.leaf[:n],
            major_explicit=c.major_explicit[:n],
            major_all=c.major_all[:n],
            languages=c.languages[:n],
            required=c.required[:n],
            language_count=c.language_count[:n],
            country=c.country[:n],
            location=c.location[:n],
            offset_q=c.offset_q[:n],
            engagement=c.engagement[:n],
            mode=c.mode[:n],
            monthly_hours=c.monthly_hours[:n],
        )

    def append(self, item: _NeedPrepared, ideal: float) -> int:
        index = self.take_row(item.doc_id)
        row, c = item.row, self.cols
        self.ideal[index] = ideal
        c.is_open[index] = row.is_open
        c.leaf[index] = row.leaf
        c.major_explicit[index] = row.major_explicit
        c.major_all[index] = row.major_all
        c.languages[index] = row.language_mask
        c.required[index] = row.required_mask
        c.language_count[index] = len(row.required) + len(row.preferred)
        c.country[index] = regions.country_index(row.country)
        c.location[index] = regions.country_index(row.location)
        c.offset_q[index] = timezones.quantise(row.offset)
        engagements, modes = scoring.ENGAGEMENTS, scoring.MODE_CODES
        c.engagement[index] = (
            engagements.index(row.engagement) if row.engagement in engagements else -1
        )
        c.mode[index] = modes.index(row.mode) if row.mode in modes else -1
        c.monthly_hours[index] = row.monthly_hours
        self.rows[index] = row
        self.terms[index] = item.terms
        self.weights[index] = item.weights
        return index

    def kill(self, index: int) -> None:
        super().kill(index)
        self.cols.is_open[index] = False
        self.rows[index] = None
        self.terms[index] = _EMPTY_TERMS
        self.weights[index] = _EMPTY_WEIGHTS


# --- Ranking helpers ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Query:
    """A text as a BM25 query: the terms some live expert holds (ascending) with idf x query
    weight, and the ideal score (every word of the query, a word no expert holds at the
    highest idf), against which a document's score is saturated."""

    terms: np.ndarray
    weights: np.ndarray
    ideal: float


def _top(total: np.ndarray, ok: np.ndarray, ids: np.ndarray, limit: int) -> list[int]:
    """Rows of the `limit` best totals among `ok` rows, best first, ties by lower id."""
    candidates = np.flatnonzero(ok)
    if limit <= 0 or not len(candidates):
        return []
    scores = total[candidates]
    if len(candidates) > limit:
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        above = candidates[scores > threshold]
        tied = candidates[scores == threshold]
        wanted = limit - len(above)
        if len(tied) > wanted:
            tied = tied[np.argpartition(ids[tied], wanted - 1)[:wanted]] if wanted else tied[:0]
        candidates = np.concatenate([above, tied])
        scores = total[candidates]
    order = np.lexsort((ids[candidates], -scores))
    return candidates[order].tolist()


class MatchingIndex:
    """In memory, thread-safe, incremental. See the module docstring."""

    def __init__(self, weights: Weights | None = None) -> None:
        self.weights = weights if weights is not None else Weights.from_settings()
        self._writer = threading.RLock()
        self._lock = _ReadWriteLock()
        self._vocabulary = text.Vocabulary()
        self._experts = _ExpertTable()
        self._expert_postings = text.Postings()
        self._avgdl = 0.0  # average expert text length the stored tf parts were computed with
        self._needs = _NeedTable()
        self._need_postings = text.Postings()
        self._expert_writes = 0  # expert rows changed, ever
        self._ideal_epoch = 0  # value of _expert_writes when need ideals were last computed
        self._ideal_lock = threading.Lock()

    # --- sizes -------------------------------------------------------------------------
    @property
    def expert_count(self) -> int:
        return self._experts.count

    @property
    def need_count(self) -> int:
        return self._needs.count

    def memory_bytes(self) -> int:
        """Bytes held by the numpy arrays (Python objects around them not counted)."""
        experts, needs = self._experts, self._needs
        total = self._expert_postings.memory_bytes() + self._need_postings.memory_bytes()
        total += sum(seq.nbytes for seq in experts.seqs)
        total += sum(terms.nbytes * 2 for terms in needs.terms)
        for table in (experts, needs):
            for name in table._arrays():
                total += getattr(table, name).nbytes
            for value in vars(table._columns()).values():
                if isinstance(value, np.ndarray):
                    total += value.nbytes
        total += sum(levels.nbytes for levels in experts.cols.levels.values())
        return total

    def _needs_compaction(self, table: _Table, extra_dead: int = 0) -> bool:
        dead = table.size - table.count + extra_dead
        return dead > max(COMPACT_MIN, table.count // 4)

    def compact(self) -> None:
        """Drop the tombstones of edited and removed rows now (it also happens by itself)."""
        with self._writer:
            self._rebuild_experts([])
            self._rebuild_needs([])

    # --- experts: writes ------------------------------------------------------------------
    def _prepare_expert(self, doc: ExpertDoc) -> _ExpertPrepared:
        seq = self._vocabulary.encode_text(doc.text, add=True)
        seq.setflags(write=False)
        return _ExpertPrepared(doc.id, scoring.expert_row(doc), seq, text.doc_length(seq))

    def upsert_experts(self, docs: Iterable[ExpertDoc]) -> None:
        with self._writer:
            latest = {doc.id: doc for doc in docs}
            if not latest:
                return
            prepared = [self._prepare_expert(doc) for doc in latest.values()]
            table = self._experts
            replaced = sum(1 for item in prepared if item.doc_id in table.row_of)
            if len(prepared) >= max(BULK_MIN, table.count // 20) or self._needs_compaction(
                table, replaced
            ):
                self._rebuild_experts(prepared)
            else:
                self._append_experts(prepared)

    def _append_experts(self, prepared: list[_ExpertPrepared]) -> None:
        table, postings = self._experts, self._expert_postings
        avgdl = self._avgdl
        if avgdl <= 0:
            avgdl = float(np.mean([item.length for item in prepared])) or 1.0
        plans = []
        for item in prepared:
            terms, counts = text.term_counts(item.seq)
            values = text.tf_component(counts, item.length, avgdl)
            old = table.row_of.get(item.doc_id)
            old_terms = text.term_counts(table.seqs[old])[0] if old is not None else None
            plans.append((item, terms, values, old, old_terms))
        with self._lock.write():
            table.grow_to(table.size + len(prepared))
            for item, terms, values, old, old_terms in plans:
                if old is not None and old_terms is not None:
                    table.kill(old)
                    postings.kill_row(old_terms)
                postings.append_row(table.append(item), terms, values)
            self._avgdl = avgdl
            self._expert_writes += len(prepared)

    def _rebuild_experts(self, prepared: list[_ExpertPrepared]) -> None:
        """Compact the expert rows (dropping tombstones and the rows `prepared` replaces),
        add `prepared`, and rebuild the postings in one pass; readers wait only for the swap."""
        table = self._experts
        keep = table.alive[: table.size].copy()
        for item in prepared:
            old = table.row_of.get(item.doc_id)
            if old is not None:
                keep[old] = False
        fresh = table.compacted(keep, len(prepared))
        for item in prepared:
            fresh.append(item)
        postings, avgdl = _expert_postings_from(fresh, len(self._vocabulary))
        with self._lock.write():
            self._experts = fresh
            self._expert_postings = postings
            self._avgdl = avgdl
            self._expert_writes += len(prepared) + (table.size - table.count)

    def remove_experts(self, ids: Iterable[int]) -> None:
        with self._writer:
            table, postings = self._experts, self._expert_postings
            rows = sorted({table.row_of[i] for i in set(ids) if i in table.row_of})
            if not rows:
                return
            terms = [text.term_counts(table.seqs[index])[0] for index in rows]
            with self._lock.write():
                for index, row_terms in zip(rows, terms, strict=True):
                    table.kill(index)
                    postings.kill_row(row_terms)
                self._expert_writes += len(rows)
            if self._needs_compaction(table):
                self._rebuild_experts([])

    # --- needs: writes ----------------------------------------------------------------------
    def _prepare_need(self, doc: NeedDoc) -> _NeedPrepared:
        seq = self._vocabulary.encode_text(doc.text, add=True)
        terms, counts = text.term_counts(seq)
        weights = text.query_weight(counts)
        terms.setflags(write=False)
        weights.setflags(write=False)
        return _NeedPrepared(doc.id, scoring.need_row(doc), terms, weights)

    def _ideal(self, terms: np.ndarray, weights: np.ndarray) -> float:
        return self._weighted_query(terms, weights).ideal

    def upsert_needs(self, docs: Iterable[NeedDoc]) -> None:
        with self._writer:
            latest = {doc.id: doc for doc in docs}
            if not latest:
                return
            prepared = [self._prepare_need(doc) for doc in latest.values()]
            table = self._needs
            replaced = sum(1 for item in prepared if item.doc_id in table.row_of)
            if len(prepared) >= max(BULK_MIN, table.count // 20) or self._needs_compaction(
                table, replaced
            ):
                self._rebuild_needs(prepared)
                return
            postings = self._need_postings
            ideals = [self._ideal(item.terms, item.weights) for item in prepared]
            with self._lock.write():
                table.grow_to(table.size + len(prepared))
                for item, ideal in zip(prepared, ideals, strict=True):
                    old = table.row_of.get(item.doc_id)
                    if old is not None:
                        postings.kill_row(table.terms[old])
                        table.kill(old)
                    postings.append_row(table.append(item, ideal), item.terms, item.weights)

    def _rebuild_needs(self, prepared: list[_NeedPrepared]) -> None:
        table = self._needs
        keep = table.alive[: table.size].copy()
        for item in prepared:
            old = table.row_of.get(item.doc_id)
            if old is not None:
                keep[old] = False
        fresh = table.compacted(keep, len(prepared))
        for item in prepared:
            fresh.append(item, self._ideal(item.terms, item.weights))
        postings = _need_postings_from(fresh, len(self._vocabulary))
        with self._lock.write():
            self._needs = fresh
            self._need_postings = postings

    def remove_needs(self, ids: Iterable[int]) -> None:
        with self._writer:
            table, postings = self._needs, self._need_postings
            rows = sorted({table.row_of[i] for i in set(ids) if i in table.row_of})
            if not rows:
                return
            with self._lock.write():
                for index in rows:
                    postings.kill_row(table.terms[index])
                    table.kill(index)
            if self._needs_compaction(table):
                self._rebuild_needs([])

    # --- reads -------------------------------------------------------------------------------
    def _query(self, source: str) -> tuple[np.ndarray, np.ndarray, float]:
        """A need's text as distinct known terms (ascending) with their query weights, and
        the summed query weight of the words no document of the index has ever held."""
        counts: dict[str, int] = {}
        for word in text.words(source):
            if word:
                counts[word] = counts.get(word, 0) + 1
        known: dict[int, int] = {}
        unknown: list[int] = []
        for word, count in counts.items():
            term = self._vocabulary.get(word)
            if term is None:
                unknown.append(count)
            else:
                known[term] = count
        terms = np.array(sorted(known), np.int32)
        weights = text.query_weight(np.array([known[t] for t in terms.tolist()], np.int32))
        return terms, weights, float(text.query_weight(np.array(unknown, np.int32)).sum())

    def _idfs(self, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """BM25 idf of each term over the live experts, and its live document frequency.
        (Call under a lock.)"""
        df_all = self._expert_postings.df
        terms = np.asarray(terms, dtype=np.int64)
        df = np.zeros(len(terms))
        inside = (terms >= 0) & (terms < len(df_all))
        df[inside] = df_all[terms[inside]]
        return text.idf(df, self._experts.count), df

    def _weighted_query(
        self, terms: np.ndarray, weights: np.ndarray, unknown: float = 0.0
    ) -> _Query:
        """Weight each term by its idf; keep for scoring the terms some live expert holds
        (call under a lock)."""
        idf, df = self._idfs(terms)
        weighted = idf * np.asarray(weights, np.float64)
        ideal = float(weighted.sum()) + float(text.idf(0, self._experts.count)) * unknown
        kept = df > 0
        return _Query(np.asarray(terms, np.int32)[kept], weighted[kept], ideal)

    def _phrases(self, need: NeedRow) -> list[tuple[str, list[int] | None]]:
        out: list[tuple[str, list[int] | None]] = []
        for keyword in need.keywords:
            found = [self._vocabulary.get(word) for word in text.keyword_words(keyword)]
            ids = [term for term in found if term is not None]
            out.append((keyword, ids if ids and len(ids) == len(found) else None))
        return out

    def _text_match(
        self,
        phrases: list[tuple[str, list[int] | None]],
        keywords: tuple[str, ...],
        seq: np.ndarray,
        query: dict[int, float],
        length: int,
    ) -> TextMatch:
        """Which of the need's keywords appear in the expert's keywords or (as a phrase) in
        their text, and the matching words that weigh most in the BM25 score."""
        found = [
            keyword
            for keyword, phrase in phrases
            if keyword in keywords or (phrase is not None and text.find_phrase(phrase, seq))
        ]
        counts: dict[int, int] = {}
        for term in seq.tolist():
            if term in query:
                counts[term] = counts.get(term, 0) + 1
        words: tuple[str, ...] = ()
        if counts:
            terms = list(counts)
            tf = text.tf_component(
                np.array([counts[t] for t in terms]), length, self._avgdl or 1.0
            ).tolist()
            best = sorted(zip(terms, tf, strict=True), key=lambda pair: -query[pair[0]] * pair[1])
            words = tuple(self._vocabulary.word(term) for term, _tf in best[:5])
        return TextMatch(tuple(found), len(phrases), words)

    def rank_experts(
        self,
        need: NeedDoc,
        *,
        visible_levels: frozenset[str],
        limit: int = 20,
        exclude: frozenset[int] = frozenset(),
        explain: bool = True,
    ) -> list[RankedExpert]:
        """Listed experts who speak every required language, best first (ties: lower id).

        With `explain=False` the reasons are left empty and the score is the unrounded sum."""
        row = scoring.need_row(need)
        raw_terms, raw_weights, unknown = self._query(need.text)
        visible = scoring.visible_table(visible_levels)
        with self._lock.read():
            table = self._experts
            size = table.size
            if not size or limit <= 0:
                return []
            query = self._weighted_query(raw_terms, raw_weights, unknown)
            accumulated = self._expert_postings.accumulate(
                query.terms.tolist(), query.weights.tolist(), size
            )
            text_values = text.saturate(accumulated, query.ideal, scoring.TEXT_ALPHA)
            values, ok = scoring.expert_values(row, table.view(), text_values, visible)
            ok &= table.alive[:size]
            for expert_id in exclude:
                index = table.row_of.get(expert_id)
                if index is not None:
                    ok[index] = False
            total = scoring.weighted_sum(values, self.weights, size)
            chosen = _top(total, ok, table.ids[:size], limit)
            if not explain:
                return [
                    RankedExpert(int(table.ids[index]), round(float(total[index]), 3), ())
                    for index in chosen
                ]
            phrases = self._phrases(row)
            query_map = dict(zip(query.terms.tolist(), query.weights.tolist(), strict=True))
            results = []
            for index in chosen:
                expert = table.row(index)
                match = self._text_match(
                    phrases,
                    expert.keywords,
                    table.seqs[index],
                    query_map,
                    int(table.lengths[index]),
                )
                pair = {name: float(value[index]) for name, value in values.items()}
                reasons, score = scoring.explain(
                    row, expert, pair, self.weights, visible_levels, match
                )
                results.append(RankedExpert(expert.id, score, reasons))
            return results

    def candidate_experts(self, need: NeedDoc, *, k: int) -> list[RankedExpert]:
        """The best `k` experts for a need as a verified institution sees them, scores only:
        assignment needs no reasons, and building them was nearly all of its time."""
        return self.rank_experts(
            need, visible_levels=scoring.INSTITUTION_LEVELS, limit=k, explain=False
        )

    def score_pair(
        self, need: NeedDoc, expert: ExpertDoc, *, visible_levels: frozenset[str]
    ) -> RankedExpert | None:
        """This pair's score and reasons, from these documents (not the indexed versions).

        None when the expert lacks a required language. Unlike ranking, an unlisted expert
        is scored (the caller decides who may see what)."""
        row = scoring.need_row(need)
        expert_row = scoring.expert_row(expert)
        raw_terms, raw_weights, unknown = self._query(need.text)
        seq = self._vocabulary.encode_text(expert.text, add=False)
        length = text.doc_length(seq)
        doc_terms, counts = text.term_counts(seq)
        visible = scoring.visible_table(visible_levels)
        with self._lock.read():
            query = self._weighted_query(raw_terms, raw_weights, unknown)
            tf = dict(
                zip(
                    doc_terms.tolist(),
                    text.tf_component(counts, length, self._avgdl or 1.0).tolist(),
                    strict=True,
                )
            )
            # The same float32 products, in the same order, as Postings.accumulate.
            accumulated = np.float32(0.0)
            for term, weight in zip(query.terms.tolist(), query.weights.tolist(), strict=True):
                if term in tf:
                    accumulated += np.float32(tf[term]) * np.float32(weight)
            text_values = text.saturate(
                np.array([accumulated], np.float32), query.ideal, scoring.TEXT_ALPHA
            )
            cols = ExpertColumns.of(expert_row)
            cols.listed[:] = True
            values, ok = scoring.expert_values(row, cols, text_values, visible)
            if not ok[0]:
                return None
            query_map = dict(zip(query.terms.tolist(), query.weights.tolist(), strict=True))
            match = self._text_match(
                self._phrases(row), expert_row.keywords, seq, query_map, length
            )
            pair = {name: float(value[0]) for name, value in values.items()}
            reasons, score = scoring.explain(
                row, expert_row, pair, self.weights, visible_levels, match
            )
            return RankedExpert(expert.id, score, reasons)

    def _need_ideals(self) -> np.ndarray:
        """Each need's ideal BM25 score under the current idf (the sum of its terms' idf x
        query weight), recomputed when more than 0.5% of the experts changed since the last
        time (always, under 200 experts). Call under the read lock."""
        table = self._needs
        if self._expert_writes - self._ideal_epoch <= self._experts.count // 200:
            return table.ideal
        with self._ideal_lock:
            if self._expert_writes - self._ideal_epoch > self._experts.count // 200:
                size = table.size
                ideal = np.zeros(table.capacity)
                lengths = [len(terms) for terms in table.terms[:size]]
                if sum(lengths):
                    terms = np.concatenate(table.terms[:size])
                    weights = np.concatenate(table.weights[:size]).astype(np.float64)
                    rows = np.repeat(np.arange(size), lengths)
                    df_all = self._expert_postings.df
                    inside = terms < len(df_all)
                    df = np.zeros(len(terms))
                    df[inside] = df_all[terms[inside]]
                    idf = text.idf(df, self._experts.count)
                    ideal[:size] = np.bincount(rows, weights=idf * weights, minlength=size)
                table.ideal = ideal
                self._ideal_epoch = self._expert_writes
            return table.ideal

    def rank_needs(
        self,
        expert: ExpertDoc,
        *,
        visible_levels: frozenset[str],
        limit: int = 20,
        exclude: frozenset[int] = frozenset(),
    ) -> list[RankedNeed]:
        """Open needs whose required languages the expert speaks, best first (ties: lower id),
        for the expert as this document describes them."""
        row = scoring.expert_row(expert)
        seq = self._vocabulary.encode_text(expert.text, add=False)
        length = text.doc_length(seq)
        doc_terms, counts = text.term_counts(seq)
        visible = scoring.visible_table(visible_levels)
        with self._lock.read():
            table = self._needs
            size = table.size
            if not size or limit <= 0:
                return []
            tf = text.tf_component(counts, length, self._avgdl or 1.0)
            expert_query = self._weighted_query(doc_terms, tf)
            terms, weights = expert_query.terms.tolist(), expert_query.weights.tolist()
            accumulated = self._need_postings.accumulate(terms, weights, size)
            ideal = self._need_ideals()[:size]
            text_values = text.saturate(accumulated, ideal, scoring.TEXT_ALPHA)
            values, ok = scoring.need_values(row, table.view(), text_values, visible)
            ok &= table.alive[:size]
            for need_id in exclude:
                index = table.row_of.get(need_id)
                if index is not None:
                    ok[index] = False
            total = scoring.weighted_sum(values, self.weights, size)
            chosen = _top(total, ok, table.ids[:size], limit)
            results = []
            for index in chosen:
                need = table.rows[index]
                if need is None:  # pragma: no cover - a live row always has its need
                    continue
                query = self._weighted_query(table.terms[index], table.weights[index])
                query_map = dict(zip(query.terms.tolist(), query.weights.tolist(), strict=True))
                match = self._text_match(self._phrases(need), row.keywords, seq, query_map, length)
                pair = {name: float(value[index]) for name, value in values.items()}
                reasons, score = scoring.explain(
                    need, row, pair, self.weights, visible_levels, match
                )
                results.append(RankedNeed(need.id, score, reasons))
            return results


def _expert_postings_from(table: _ExpertTable, n_terms: int) -> tuple[text.Postings, float]:
    """BM25 postings of every live row's words in one vectorised pass, and the avgdl."""
    size = table.size
    seqs = [
        seq if alive else _EMPTY_TERMS
        for seq, alive in zip(table.seqs[:size], table.alive[:size].tolist(), strict=True)
    ]
    lengths = np.array([len(seq) for seq in seqs], dtype=np.int64)
    if not size or not lengths.sum():
        return text.Postings(), 1.0
    flat = np.concatenate(seqs)
    rows = np.repeat(np.arange(size, dtype=np.int32), lengths)
    words = flat != text.BOUNDARY
    words_per_row = np.bincount(rows[words], minlength=size)
    live = table.alive[:size]
    avgdl = float(words_per_row[live].mean()) if live.any() else 1.0
    avgdl = avgdl or 1.0
    known = flat >= 0
    width = max(n_terms, int(flat.max()) + 1, 1)
    # Counting (row, term) pairs: a CSR from COO sums duplicates, in linear time.
    matrix = sparse.csr_matrix(
        (np.ones(int(known.sum()), np.float32), (rows[known], flat[known])), shape=(size, width)
    )
    matrix.sum_duplicates()
    entry_rows = np.repeat(np.arange(size), np.diff(matrix.indptr))
    norm = (text.K1 * (1.0 - text.B + text.B * (words_per_row / avgdl))).astype(np.float32)
    tf = matrix.data.astype(np.float32)
    matrix.data = tf * np.float32(text.K1 + 1.0) / (tf + norm[entry_rows])
    by_term = matrix.tocsc()
    by_term.sort_indices()
    return text.Postings.from_csc(by_term.indptr, by_term.indices, by_term.data), avgdl


def _need_postings_from(table: _NeedTable, n_terms: int) -> text.Postings:
    size = table.size
    lengths = [
        len(terms) if alive else 0
        for terms, alive in zip(table.terms[:size], table.alive[:size].tolist(), strict=True)
    ]
    if not sum(lengths):
        return text.Postings()
    rows = np.repeat(np.arange(size, dtype=np.int64), lengths)
    live = [terms for terms, count in zip(table.terms[:size], lengths, strict=True) if count]
    live_weights = [w for w, count in zip(table.weights[:size], lengths, strict=True) if count]
    return text.Postings.build(
        rows, np.concatenate(live), np.concatenate(live_weights), n_terms, size
    )
