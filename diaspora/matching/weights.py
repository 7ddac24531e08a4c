"""The weights of the matching criteria: the one place they live.

A pair's score is the sum, over the criteria, of ``weight x value``. Every value is
normalised to 0..1 (1 = a perfect fit), so with the defaults a pair that fits on every
criterion scores 100 and each weight reads as "points out of 100". The criterion names are
the `Reason.code`s:

=============== ======= ==============================================================
name            default value of the criterion (see diaspora/matching/scoring.py)
=============== ======= ==============================================================
text            40      BM25 relevance of the expert's text (headline, bio, affiliation,
                        keywords, qualifications) to the need's text, saturated to 0..1:
                        ``1 - exp(-bm25 / (0.3 x ideal))`` where *ideal* is the score of
                        a document holding every query term once at average length.
discipline      15      1 when the expert works in one of the need's FORD fields (or in
                        a major field the need names), 0.5 for the same major field only.
language        8       mean over the need's required and preferred languages of the
                        expert's level (native 1, fluent 0.9, working 0.7, basic 0.3,
                        not spoken 0). A required language the expert lacks removes the
                        expert; this weight only orders those who remain.
diaspora        10      origin equal to the institution's country 1, a neighbouring
                        country 0.6, the same continent 0.35 (only when the reader may
                        see the expert's origin).
engagement      5       1 when the expert offers the need's engagement type.
mode            6       online need: 1 when the expert works online. On-site or hybrid
                        need: 1 when the expert offers that mode, is willing to travel or
                        lives in the country; otherwise -1, a penalty, not a filter.
capacity        10      hours left a month / the need's monthly hours (capped at 1); 0
                        for a mentoring need when no mentee place is left.
timezone        3       hours of overlap of 9:00-17:00 working days / 8, for online and
                        hybrid needs; 0.5 (neutral) when either offset is unknown or the
                        reader may not see the expert's residence.
responsiveness  3       (answered + 1) / (received + 2) invitations: 0.5 (neutral) for
                        someone never invited, shrunk towards it for few invitations.
=============== ======= ==============================================================

Topical relevance leads because it is what tells two experts of the same field apart;
capacity, mode and language are the practical fit; the rest orders near-ties. On the labelled
set of ``bench/matching_quality.py`` these defaults gave recall@10 0.81 and NDCG@10 0.77
(the first draft, text 30 / discipline 20 / capacity 8, gave 0.64 and 0.68).

Override any of them without a code change with ``settings.MATCHING_WEIGHTS`` (the
``MATCHING_WEIGHTS`` environment variable, JSON): ``MATCHING_WEIGHTS='{"language": 2.0}'``.
Unknown names and non-numeric or negative values raise ImproperlyConfigured.
"""

import math
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Weights:
    text: float = 40.0
    discipline: float = 15.0
    language: float = 8.0
    diaspora: float = 10.0
    engagement: float = 5.0
    mode: float = 6.0
    capacity: float = 10.0
    timezone: float = 3.0
    responsiveness: float = 3.0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.names()}

    @classmethod
    def from_mapping(cls, overrides: Any) -> "Weights":
        """The defaults with `overrides` applied; refuses unknown names and bad values."""
        if overrides is None:
            return cls()
        if not isinstance(overrides, dict):
            raise ImproperlyConfigured("MATCHING_WEIGHTS must be a mapping of name to number.")
        known = set(cls.names())
        unknown = sorted(str(name) for name in overrides if name not in known)
        if unknown:
            raise ImproperlyConfigured(
                f"Unknown matching weight(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}."
            )
        values: dict[str, float] = {}
        for name, value in overrides.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ImproperlyConfigured(f"Matching weight {name} must be a number.")
            if not math.isfinite(value) or value < 0:
                raise ImproperlyConfigured(f"Matching weight {name} must be zero or more.")
            values[name] = float(value)
        return cls(**values)

    @classmethod
    def from_settings(cls) -> "Weights":
        from django.conf import settings

        return cls.from_mapping(getattr(settings, "MATCHING_WEIGHTS", None) or {})
