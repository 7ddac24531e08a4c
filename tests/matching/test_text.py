"""Text: tokens, the BM25 pieces, the postings index; and the region and time-zone helpers."""

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from diaspora.matching import regions, text, timezones


def test_words_fold_case_and_accents_and_drop_stop_words_and_numbers() -> None:
    assert text.words("Santé publique; COVID-19 and the 2020 épidémie (x)") == [
        "sante",
        "publique",
        "",
        "covid",
        "epidemie",
        "",
    ]


def test_words_keep_one_boundary_per_separator_run() -> None:
    assert text.words("Malaria. . Vaccines, trials") == ["malaria", "", "vaccines", "", "trials"]
    assert text.words("") == []


def test_the_ascii_fast_path_agrees_with_the_unicode_path() -> None:
    sample = "Public health, epidemiology; data-science (R/Python). Teaching!"
    # The same text with a non-ASCII word takes the regular-expression path.
    assert text.words(sample) == [
        "public",
        "health",
        "",
        "epidemiology",
        "",
        "data",
        "science",
        "",
        "python",
        "",
        "teaching",
        "",
    ]
    assert text.words(sample + " café") == [*text.words(sample), "cafe"]


def test_encoding_marks_unknown_words_and_counts_every_word_in_the_length() -> None:
    vocabulary = text.Vocabulary()
    indexed = vocabulary.encode_text("Malaria vaccines. Malaria.", add=True)
    assert [vocabulary.word(t) if t >= 0 else t for t in indexed.tolist()] == [
        "malaria",
        "vaccines",
        text.BOUNDARY,
        "malaria",
        text.BOUNDARY,
    ]
    query = vocabulary.encode_text("the malaria cholera 42", add=False)
    assert query.tolist() == [vocabulary.get("malaria"), text.UNKNOWN]
    assert text.doc_length(query) == 2
    assert len(vocabulary) == 2  # a query adds nothing


def test_a_phrase_is_found_only_where_its_words_are_adjacent() -> None:
    vocabulary = text.Vocabulary()
    seq = vocabulary.encode_text("Public health; health public. Public, health", add=True)
    public, health = vocabulary.get("public"), vocabulary.get("health")
    assert public is not None and health is not None
    assert text.find_phrase([public, health], seq)
    assert text.find_phrase([health, public], seq)
    other = vocabulary.encode_text("Public, health", add=True)
    assert not text.find_phrase([public, health], other)


def test_bm25_parts() -> None:
    # tf part: 1 at tf = 1 and average length; grows with tf and saturates below k1 + 1.
    one, two, many = text.tf_component(np.array([1, 2, 50]), 10, 10.0).tolist()
    assert one == pytest.approx(1.0)
    assert one < two < many < text.K1 + 1
    # A longer document gets less per occurrence.
    assert text.tf_component(np.array([1]), 40, 10.0)[0] < one
    # Rarer terms weigh more.
    rare, common = text.idf(np.array([1, 50]), 100).tolist()
    assert rare > common > 0
    assert rare == pytest.approx(math.log1p((100 - 1 + 0.5) / 1.5))
    # A word repeated in the query counts more, with diminishing returns.
    once, twice, thrice = text.query_weight(np.array([1, 2, 3])).tolist()
    assert once == pytest.approx(1.0) and once < twice < thrice < text.K3 + 1


def test_saturation_maps_scores_to_0_1_monotonically() -> None:
    values = text.saturate(np.array([0.0, 1.0, 5.0, 500.0], np.float32), 10.0, 0.3)
    assert values[0] == 0.0
    assert 0 < values[1] < values[2] < values[3] <= 1.0
    assert text.saturate(np.array([3.0], np.float32), 0.0, 0.3).tolist() == [0.0]
    per_row = text.saturate(np.array([1.0, 1.0], np.float32), np.array([10.0, 0.0]), 0.3)
    assert per_row[0] > 0 and per_row[1] == 0


def _naive(
    entries: dict[tuple[int, int], float], terms: list[int], weights: list[float], size: int
) -> np.ndarray:
    out = np.zeros(size, np.float32)
    for term, weight in zip(terms, weights, strict=True):
        for (row, t), value in sorted(entries.items()):
            if t == term:
                out[row] += np.float32(value) * np.float32(weight)
    return out


def test_postings_built_appended_and_killed_score_like_a_naive_sum() -> None:
    rng = np.random.default_rng(3)
    entries: dict[tuple[int, int], float] = {}
    for row in range(40):
        for term in rng.choice(12, size=4, replace=False).tolist():
            entries[(row, term)] = float(rng.random())
    rows = np.array([r for r, _t in entries], np.int32)
    terms = np.array([t for _r, t in entries], np.int32)
    values = np.array(list(entries.values()), np.float32)
    postings = text.Postings.build(rows, terms, values, 12, 40)
    # Append rows 40..49 (each above every existing row), then kill two of them.
    for row in range(40, 50):
        row_terms = np.sort(rng.choice(12, size=3, replace=False)).astype(np.int32)
        row_values = rng.random(3).astype(np.float32)
        postings.append_row(row, row_terms, row_values)
        for term, value in zip(row_terms.tolist(), row_values.tolist(), strict=True):
            entries[(row, term)] = value
    query_terms, query_weights = [0, 3, 7, 11], [1.5, 0.25, 2.0, 1.0]
    got = postings.accumulate(query_terms, query_weights, 50)
    assert np.array_equal(got, _naive(entries, query_terms, query_weights, 50))
    for term in range(12):
        assert postings.frequency(term) == sum(1 for _r, t in entries if t == term)
    killed_terms = np.array(sorted(t for r, t in entries if r == 45), np.int32)
    postings.kill_row(killed_terms)
    for term in killed_terms.tolist():
        assert postings.frequency(term) == sum(1 for r, t in entries if t == term and r != 45)
    assert postings.frequency(999) == 0
    assert postings.accumulate([], [], 5).tolist() == [0.0] * 5


def test_regions() -> None:
    assert regions.relation("SN", "SN") == regions.SAME
    assert regions.relation("SN", "GM") == regions.NEIGHBOUR
    assert regions.relation("SN", "GH") == regions.CONTINENT
    assert regions.relation("SN", "FR") == regions.NONE
    assert regions.relation("", "SN") == regions.relation("SN", "") == regions.NONE
    assert regions.same_region("GH", "SN") and regions.same_region("SN", "GM")
    assert not regions.same_region("SN", "SN") and not regions.same_region("SN", "FR")
    assert regions.are_neighbours("FR", "DE")
    matrix = regions.relation_matrix()
    sn, gm = regions.country_index("SN"), regions.country_index("gm")
    assert matrix[sn, gm] == matrix[gm, sn] == regions.NEIGHBOUR
    assert regions.country_code(sn) == "SN"
    assert regions.country_index("??") == regions.UNKNOWN_INDEX
    assert not matrix[regions.UNKNOWN_INDEX].any()


def test_country_offsets_take_the_most_populated_zone_and_summer_time() -> None:
    january, july = datetime(2025, 1, 15, tzinfo=UTC), datetime(2025, 7, 15, tzinfo=UTC)
    assert timezones.country_zone("US") == "America/New_York"
    assert timezones.country_utc_offset("US", at=january) == -5.0
    assert timezones.country_utc_offset("US", at=july) == -4.0
    assert timezones.country_utc_offset("SN", at=july) == 0.0
    assert timezones.country_utc_offset("IN", at=july) == 5.5
    assert timezones.country_utc_offset("") is None
    assert timezones.zone_utc_offset("Europe/Paris", at=january) == 1.0
    assert timezones.zone_utc_offset("Nowhere/City") is None


def test_working_day_overlap() -> None:
    assert timezones.working_overlap_hours(0.0, 0.0) == 8.0
    assert timezones.working_overlap_hours(0.0, 5.5) == 2.5
    assert timezones.working_overlap_hours(-5.0, 9.0) == 0.0
    # The short way round the clock: +12 and -10 are 2 hours apart.
    assert timezones.working_overlap_hours(12.0, -10.0) == 6.0
    assert timezones.working_overlap_hours(None, 1.0) is None
    quarter = timezones.quantise(5.75)
    assert timezones.quarter_offset(quarter) == 5.75
    assert timezones.quantise(None) == timezones.UNKNOWN_QUARTER
    table = timezones.overlap_share_table(timezones.quantise(0.0))
    assert table[timezones.quantise(5.5)] == 2.5 / 8
    assert math.isnan(table[timezones.UNKNOWN_QUARTER])
