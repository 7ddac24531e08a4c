"""Reading import files and checking cells, without the database."""

from pathlib import Path

import pytest

from diaspora.imports import parsing
from diaspora.imports.parsing import CellError, ImportFileError, read_table


def test_it_numbers_rows_by_the_line_they_start_on(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        'a,b\r\n1,"two\r\nlines"\r\n\r\n,\r\n3,"three\nmore\nlines"\n4,x\n', encoding="utf-8"
    )
    table = read_table(path, ["a", "b"])
    # Line 4 is blank and line 5 a row of empty cells: both skipped, still counted.
    assert [(r.line, r.cells["a"]) for r in table.records] == [(2, "1"), (6, "3"), (9, "4")]
    assert table.records[0].cells["b"] == "two\r\nlines"


def test_it_reads_the_header_in_any_case_and_pads_short_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(" A ,B,Notes,\n1\n2,,,,,\n", encoding="utf-8")
    table = read_table(path, ["a", "b"])
    assert [record.cells for record in table.records] == [{"a": "1", "b": ""}, {"a": "2", "b": ""}]
    assert table.ignored_columns == ("notes",)
    assert table.errors == ()


def test_it_refuses_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="empty"):
        read_table(path, ["a"])


def test_it_refuses_broken_csv(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a\n1\n"never closed\n2\n3\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="starting on line 3 is not valid CSV"):
        read_table(path, ["a"])


def test_it_reads_languages_with_an_optional_level() -> None:
    assert parsing.languages_with_levels("languages", "FR; en:Working ;;ar:native") == {
        "fr": "fluent",
        "en": "working",
        "ar": "native",
    }
    assert parsing.languages_with_levels("languages", "") == {}


def test_it_accepts_country_codes_in_either_case() -> None:
    assert parsing.country("c", "sn") == "SN"
    assert parsing.country("c", "") == ""
    with pytest.raises(CellError, match="required"):
        parsing.country("c", "", is_required=True)


def test_it_reads_whole_numbers_with_a_default() -> None:
    assert parsing.whole_number("n", "", default=1, minimum=1, maximum=9) == 1
    assert parsing.whole_number("n", "07", default=1, minimum=1, maximum=9) == 7
    for bad in ("1_000", "+3", "3 ", "٣"):
        with pytest.raises(CellError):
            parsing.whole_number("n", bad, default=1, minimum=0, maximum=10_000)
