"""Weights: one per criterion, defaults out of 100, overridable from settings."""

import re
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from diaspora.matching.index import MatchingIndex
from diaspora.matching.scoring import CRITERIA
from diaspora.matching.weights import Weights


def test_it_has_one_weight_per_reason_code_and_defaults_out_of_100() -> None:
    assert Weights.names() == CRITERIA
    assert set(CRITERIA) == {
        "text",
        "discipline",
        "language",
        "diaspora",
        "engagement",
        "mode",
        "capacity",
        "timezone",
        "responsiveness",
    }
    assert sum(Weights().as_dict().values()) == pytest.approx(100.0)


def test_settings_override_the_defaults(settings: Any) -> None:
    settings.MATCHING_WEIGHTS = {"language": 2.5, "text": 0}
    weights = Weights.from_settings()
    assert weights.language == 2.5
    assert weights.text == 0.0
    assert weights.discipline == Weights().discipline
    assert MatchingIndex().weights == weights


def test_no_overrides_gives_the_defaults(settings: Any) -> None:
    settings.MATCHING_WEIGHTS = {}
    assert Weights.from_settings() == Weights()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"langauge": 2.0}, "Unknown matching weight(s) langauge"),
        ({"language": "high"}, "must be a number"),
        ({"language": True}, "must be a number"),
        ({"language": -1}, "zero or more"),
        ({"language": float("inf")}, "zero or more"),
        (["language"], "must be a mapping"),
    ],
)
def test_bad_overrides_are_refused(settings: Any, overrides: object, message: str) -> None:
    settings.MATCHING_WEIGHTS = overrides
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        Weights.from_settings()


def test_an_explicit_weights_object_wins_over_settings(settings: Any) -> None:
    settings.MATCHING_WEIGHTS = {"language": 2.5}
    assert MatchingIndex(Weights()).weights == Weights()
