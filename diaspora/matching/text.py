"""Text relevance: tokenising and an Okapi BM25 model over an incremental sparse index.

Tokens are words folded to lower case without accents (so "Santé" and "sante" meet), with
English and French stop words and bare numbers left out, and no stemming (the corpus mixes
languages, and a reason that says a keyword "appears" must be literally true). Sentence
punctuation leaves a BOUNDARY in the token sequence, so that a phrase ("public health")
is found only where its words are adjacent.

BM25 (Robertson/Sparck Jones; k1 = 1.2, b = 0.75):

    score(q, d) = sum over terms t of q:  idf(t) * qw(t) * tf(t,d) (k1 + 1) / (tf(t,d) + K(d))
    idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5)),   K(d) = k1 (1 - b + b |d| / avgdl)
    qw(t)  = qtf (k3 + 1) / (qtf + k3)  with k3 = 1.2 (a word repeated in the need counts more)

The tf part of each posting is computed once, when the document is indexed, against the
average length `avgdl` of the last build (recomputed at each bulk build and compaction;
edits in between do not move it: a small drift while edits are a small share). `idf` is
computed at query time from the live document frequencies.

`Postings` maps a term id to the documents holding it (row numbers ascending) and a float32
value per document: a CSC base built in one vectorised pass, plus per-term tails that new
rows are appended to. An edited document gets a new row (appended, O(its terms)) and its old
row becomes dead (masked out by the caller, and out of the live document frequencies) until
the next compaction. Scoring a query is one sparse matrix-vector product over the query
terms' runs (scipy's C++ `csc_matvec`), about ten times faster than numpy fancy-index adds.
"""

import re
import threading
import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy import sparse

K1 = 1.2
B = 0.75
K3 = 1.2
BOUNDARY = -1
UNKNOWN = -2  # a word of a query that no indexed document holds

BOUNDARY_CHARS = ".,;:!?()[]{}|/\n\u2022\u00b7"
_TOKEN = re.compile(r"\w+|[.,;:!?()\[\]{}|/\n\u2022\u00b7]")


def _ascii_table() -> bytes:
    table = bytearray(range(256))
    for code in range(128):
        char = chr(code)
        table[code] = ord(char.lower()) if char.isalnum() or char == "_" else ord(" ")
    for char in BOUNDARY_CHARS:
        if char.isascii():
            table[ord(char)] = ord("|")
    return bytes(table)


_ASCII_TABLE = _ascii_table()

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each else etc few
    for from further had has have having he her here hers herself him himself his how however
    i if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own per same she should so some such than that
    the their theirs them themselves then there these they this those through to too under
    until up upon us very via was we were what when where which while who whom why will with
    within without would yet you your yours yourself yourselves
    au aux avec ce ces cet cette dans de des du elle elles en est et eux il ils je la le les
    leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui
    sa se ses son sont sur ta te tes toi ton tu un une vos votre vous
    el los las del por para con una unos unas al lo como mas pero sus
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def fold(text: str) -> str:
    """Lower case without accents (NFKD, combining marks dropped)."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def raw_tokens(text: str) -> list[str]:
    """Folded runs of word characters, and one boundary character per separator."""
    if text.isascii():
        # Fast path (most texts): one C-level pass for case and punctuation, then split.
        prepared = text.encode("ascii").translate(_ASCII_TABLE).replace(b"|", b" | ")
        return prepared.decode("ascii").split()
    return _TOKEN.findall(fold(text))


def is_word(token: str) -> bool:
    """Whether a raw token is indexed: two characters or more, not a stop word, not a number."""
    return len(token) > 1 and token not in STOP_WORDS and not token.isdigit()


def words(text: str) -> list[str]:
    """The indexed words of `text`, in order, with "" where a sentence or list item ends."""
    out: list[str] = []
    for token in raw_tokens(text):
        if token in BOUNDARY_CHARS:
            if out and out[-1]:
                out.append("")
        elif is_word(token):
            out.append(token)
    return out


def keyword_words(keyword: str) -> list[str]:
    """The words of a keyword or phrase, without boundaries."""
    return [word for word in words(keyword) if word]


SKIP = -3  # a stop word, a number, a single character: not in the sequence
_MISSING = -9


class Vocabulary:
    """Words to dense term ids. Append-only; lookups are safe while a writer appends.

    The same dict also maps stop words and numbers to SKIP and separators to BOUNDARY, so
    that encoding a text is one dict lookup per token."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = dict.fromkeys(STOP_WORDS, SKIP)
        self._ids.update(dict.fromkeys(BOUNDARY_CHARS, BOUNDARY))
        self._words: list[str] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._words)

    def get(self, word: str) -> int | None:
        found = self._ids.get(word)
        return found if found is not None and found >= 0 else None

    def word(self, term: int) -> str:
        return self._words[term]

    def _add(self, token: str) -> int:
        with self._lock:
            found = self._ids.get(token)
            if found is None:
                if is_word(token):
                    self._words.append(token)
                    found = len(self._words) - 1
                else:
                    found = SKIP
                self._ids[token] = found
            return found

    def encode_text(self, text: str, *, add: bool) -> np.ndarray:
        """The term ids of a text's words (BOUNDARY between sentences); a word no document
        holds is added when `add`, else UNKNOWN."""
        tokens = raw_tokens(text)
        get = self._ids.get
        values = [get(token, _MISSING) for token in tokens]
        if _MISSING in values:
            for position, value in enumerate(values):
                if value == _MISSING:
                    values[position] = (
                        self._add(tokens[position])
                        if add
                        else (UNKNOWN if is_word(tokens[position]) else SKIP)
                    )
        seq = np.array(values, dtype=np.int32)
        seq = seq[seq != SKIP]
        if len(seq):
            # Collapse runs of separators and drop a leading one.
            boundary = seq == BOUNDARY
            redundant = boundary & np.concatenate(([True], boundary[:-1]))
            if redundant.any():
                seq = seq[~redundant]
        return seq

    def encode(self, tokens: Sequence[str], *, add: bool) -> np.ndarray:
        """Term ids of `words()` output (BOUNDARY for ""); unknown words added, or UNKNOWN."""
        return self.encode_text(" ".join(token or "|" for token in tokens), add=add)


def term_counts(seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct term ids of a sequence (sorted) and how often each occurs."""
    terms = seq[seq >= 0]
    if not len(terms):
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    unique, counts = np.unique(terms, return_counts=True)
    return unique.astype(np.int32), counts.astype(np.int32)


def doc_length(seq: np.ndarray) -> int:
    """Words in a sequence (known or not), boundaries left out."""
    return int(np.count_nonzero(seq != BOUNDARY))


def tf_component(counts: np.ndarray, length: float, avgdl: float) -> np.ndarray:
    """The BM25 tf part of each term of one document, as stored in the postings."""
    norm = K1 * (1.0 - B + B * (length / avgdl if avgdl > 0 else 1.0))
    tf = counts.astype(np.float32)
    return (tf * np.float32(K1 + 1.0) / (tf + np.float32(norm))).astype(np.float32)


def query_weight(counts: np.ndarray) -> np.ndarray:
    qtf = counts.astype(np.float32)
    return (qtf * np.float32(K3 + 1.0) / (qtf + np.float32(K3))).astype(np.float32)


def idf(df: "np.ndarray | int", n: int) -> np.ndarray:
    df_arr = np.asarray(df, dtype=np.float64)
    return np.log1p((n - df_arr + 0.5) / (df_arr + 0.5))


def saturate(score: np.ndarray, ideal: "np.ndarray | float", alpha: float) -> np.ndarray:
    """BM25 mapped to 0..1 (float32): 1 - exp(-score / (alpha * ideal)); 0 where ideal is 0."""
    score = np.asarray(score, dtype=np.float32)
    if np.ndim(ideal) == 0:
        if float(ideal) <= 0:
            return np.zeros(score.shape, np.float32)
        value = score * np.float32(-1.0 / (alpha * float(ideal)))
        np.expm1(value, out=value)
        np.negative(value, out=value)
        return value
    scale = np.asarray(ideal, dtype=np.float64) * alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(scale > 0, -1.0 / scale, 0.0).astype(np.float32)
    value = score * factor
    np.expm1(value, out=value)
    np.negative(value, out=value)
    return value


def find_phrase(phrase: Sequence[int], seq: np.ndarray) -> bool:
    """Whether the term ids `phrase` occur adjacent, in order, in `seq`."""
    if not phrase or len(phrase) > len(seq):
        return False
    starts = np.flatnonzero(seq[: len(seq) - len(phrase) + 1] == phrase[0])
    for offset, term in enumerate(phrase[1:], start=1):
        if not len(starts):
            return False
        starts = starts[seq[starts + offset] == term]
    return bool(len(starts))


try:  # the C++ kernel behind scipy's CSC @ vector, without building a matrix object
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - a future scipy may move it
    _csc_matvec = None


_EMPTY_ROWS = np.zeros(0, np.int32)
_EMPTY_VALUES = np.zeros(0, np.float32)
_EMPTY_ROWS.setflags(write=False)
_EMPTY_VALUES.setflags(write=False)


class _Tail:
    """Postings appended to a term since the last build: rows ascending, all above the base."""

    __slots__ = ("rows", "size", "values")

    def __init__(self) -> None:
        self.rows = np.empty(4, np.int32)
        self.values = np.empty(4, np.float32)
        self.size = 0

    def append(self, row: int, value: float) -> None:
        if self.size == len(self.rows):
            self.rows = np.concatenate([self.rows, np.empty(len(self.rows), np.int32)])
            self.values = np.concatenate([self.values, np.empty(len(self.values), np.float32)])
        self.rows[self.size] = row
        self.values[self.size] = value
        self.size += 1


class Postings:
    """term id -> the rows holding it (ascending) with a float32 value each.

    A CSC base built in one pass, plus per-term tails that new rows are appended to (a new
    row number is always above every existing one, so each term's rows stay sorted). Rows
    are never removed here: a dead row's entries stay until the next build, its owner masks
    it out, and `kill_row` takes it out of the live document frequencies `df`.
    Callers serialise writers and keep readers out while a writer appends.
    """

    def __init__(self) -> None:
        self._indptr = np.zeros(1, np.int64)
        self._rows = _EMPTY_ROWS
        self._values = _EMPTY_VALUES
        self._tails: dict[int, _Tail] = {}
        self.df = np.zeros(0, np.int32)  # live document frequency per term id

    @classmethod
    def build(
        cls, rows: np.ndarray, terms: np.ndarray, values: np.ndarray, n_terms: int, n_rows: int
    ) -> "Postings":
        """From (row, term, value) triples, each (row, term) at most once."""
        postings = cls()
        n_terms = max(n_terms, int(terms.max()) + 1 if len(terms) else 0, 1)
        matrix = sparse.csc_matrix(
            (values.astype(np.float32), (rows.astype(np.int64), terms.astype(np.int64))),
            shape=(max(n_rows, 1), n_terms),
        )
        matrix.sort_indices()
        postings._indptr = matrix.indptr.astype(np.int64)
        postings._rows = matrix.indices.astype(np.int32)
        postings._values = matrix.data.astype(np.float32)
        postings._rows.setflags(write=False)
        postings._values.setflags(write=False)
        postings.df = np.diff(postings._indptr).astype(np.int32)
        return postings

    @classmethod
    def from_csc(cls, indptr: np.ndarray, rows: np.ndarray, values: np.ndarray) -> "Postings":
        """From a CSC layout whose row indices are sorted within each column."""
        postings = cls()
        postings._indptr = np.asarray(indptr, np.int64)
        postings._rows = np.asarray(rows, np.int32)
        postings._values = np.asarray(values, np.float32)
        postings._rows.setflags(write=False)
        postings._values.setflags(write=False)
        postings.df = np.diff(postings._indptr).astype(np.int32)
        return postings

    @property
    def nnz(self) -> int:
        return len(self._rows) + sum(tail.size for tail in self._tails.values())

    def frequency(self, term: int) -> int:
        return int(self.df[term]) if 0 <= term < len(self.df) else 0

    def pieces(self, term: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (rows, values) runs of a term: its base run, then its tail."""
        out = []
        if 0 <= term < len(self._indptr) - 1:
            start, end = self._indptr[term], self._indptr[term + 1]
            if end > start:
                out.append((self._rows[start:end], self._values[start:end]))
        tail = self._tails.get(term)
        if tail is not None and tail.size:
            out.append((tail.rows[: tail.size], tail.values[: tail.size]))
        return out

    def _ensure_terms(self, size: int) -> None:
        if size > len(self.df):
            grown = np.zeros(max(size, len(self.df) * 2, 1024), np.int32)
            grown[: len(self.df)] = self.df
            self.df = grown

    def append_row(self, row: int, terms: np.ndarray, values: np.ndarray) -> None:
        """Add a new row (above every row so far) holding `terms` (distinct) with `values`."""
        if not len(terms):
            return
        self._ensure_terms(int(terms.max()) + 1)
        tails = self._tails
        for term, value in zip(terms.tolist(), values.tolist(), strict=True):
            tail = tails.get(term)
            if tail is None:
                tail = tails[term] = _Tail()
            tail.append(row, value)
        self.df[terms] += 1

    def kill_row(self, terms: np.ndarray) -> None:
        """A row holding `terms` (distinct) is dead: it no longer counts in `df`."""
        if len(terms):
            self.df[terms] -= 1

    def accumulate(self, terms: Sequence[int], weights: Sequence[float], size: int) -> np.ndarray:
        """sum over `terms` of weight x value, per row, as float32 (terms in the given order)."""
        out = np.zeros(size, np.float32)
        if _csc_matvec is None:  # pragma: no cover - see the import
            for term, weight in zip(terms, weights, strict=True):
                for rows, values in self.pieces(term):
                    out[rows] += values * np.float32(weight)
            return out
        for term, weight in zip(terms, weights, strict=True):
            scale = np.array([weight], np.float32)
            for rows, values in self.pieces(term):
                # out += column x weight, in C over the run's own memory (no copy).
                _csc_matvec(size, 1, np.array([0, len(rows)], np.int32), rows, values, scale, out)
        return out

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, terms, values) of every posting, dead rows included."""
        counts = np.diff(self._indptr)
        parts_rows = [self._rows]
        parts_terms = [np.repeat(np.arange(len(counts), dtype=np.int32), counts)]
        parts_values = [self._values]
        for term, tail in self._tails.items():
            if tail.size:
                parts_rows.append(tail.rows[: tail.size])
                parts_terms.append(np.full(tail.size, term, np.int32))
                parts_values.append(tail.values[: tail.size])
        return (
            np.concatenate(parts_rows),
            np.concatenate(parts_terms),
            np.concatenate(parts_values),
        )

    def memory_bytes(self) -> int:
        total = self._indptr.nbytes + self._rows.nbytes + self._values.nbytes + self.df.nbytes
        return total + sum(t.rows.nbytes + t.values.nbytes for t in self._tails.values())
