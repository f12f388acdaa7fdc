"""The workbook reader (src/ipp_calc/io/workbook.py): exact answers from a good workbook, and
one clear finding, naming file, sheet and cell, for every kind of bad one.

The corpus of bad workbooks is generated here from the real template (tests/workbooks.py), one
mutation each, so nothing binary is committed and every case says what is wrong in one line.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ipp_calc.core.models import MeasureSet
from ipp_calc.errors import ERROR_CODES, Finding, InputError
from ipp_calc.io.workbook import Limits, read_submission
from workbooks import (
    COUNTIES,
    append_copy_of_row,
    billion_laughs,
    blank_template,
    delete_cover_row,
    edit,
    fill,
    filled_workbook,
    measure_set,
    plain_zip,
    random_file,
    response_cell,
    rewrite_parts,
    rows_by_key,
    set_cell,
    set_cover,
    sheet_part,
    truncated_copy,
    understate_size,
    xls_file,
    zip_bomb,
)

DISPLAY = "submissions/alpha.xlsx"


def read(path: Path, **kwargs: Any) -> Any:
    kwargs.setdefault("display", DISPLAY)
    return read_submission(path, measure_set(1), **kwargs)


def failure(path: Path, **kwargs: Any) -> Finding:
    with pytest.raises(InputError) as caught:
        read(path, **kwargs)
    return caught.value.first


# --------------------------------------------------------------------------- good workbooks


def test_a_filled_template_reads_back_as_exactly_the_typed_answers(tmp_path: Path) -> None:
    path = blank_template(tmp_path, targets={("1.2", "Fresno"): Decimal("10")})
    typed: dict[tuple[str, str], Any] = {
        ("1.1", "All"): "Yes",
        ("1.5", "All"): " no ",
        ("2.5", "All"): True,  # an Excel boolean
        ("3.6", "All"): "YES",
        ("1.2", "Alameda"): 12,
        ("1.2", "Fresno"): 12.5,
        ("1.3", "Alameda"): " 7 ",  # a number typed as text, with spaces
        ("1.3", "Fresno"): "0.25",
        ("1.4", "Alameda"): "   ",  # only spaces: blank
        ("3.2", "Alameda"): 2,
        ("3.2", "Fresno"): 1.0,  # a whole float is a tier
        ("3.4", "Alameda"): 0,
        ("3.4", "Fresno"): "1",  # text "1" in a reporting measure is the number 1
        ("4.1", "Fresno"): 0.1,
        ("4.2", "Alameda"): 123456789012,
    }
    fill(path, typed, notes={("1.1", "All"): "  see the attached report  "})
    got = read(path)
    assert (got.mcp, got.program_year, got.submission, got.counties) == ("alpha", 1, 2, COUNTIES)
    assert got.measure_set_sha256 == measure_set(1).submission_sources[2].sha256
    assert got.source == DISPLAY
    values = {key: answer.value for key, answer in got.answers.items() if answer.value is not None}
    assert values == {
        ("1.1", "All"): True,
        ("1.5", "All"): False,
        ("2.5", "All"): True,
        ("3.6", "All"): True,
        ("1.2", "Alameda"): Decimal("12"),
        ("1.2", "Fresno"): Decimal("12.5"),
        ("1.3", "Alameda"): Decimal("7"),
        ("1.3", "Fresno"): Decimal("0.25"),
        ("3.2", "Alameda"): 2,
        ("3.2", "Fresno"): 1,
        ("3.4", "Alameda"): Decimal("0"),
        ("3.4", "Fresno"): Decimal("1"),
        ("4.1", "Fresno"): Decimal("0.1"),
        ("4.2", "Alameda"): Decimal("123456789012"),
    }
    assert type(got.answers[("3.2", "Fresno")].value) is int
    assert len(got.answers) == 36  # every row is there, blank ones with value None
    assert got.answers[("1.4", "Alameda")].value is None
    assert got.answers[("1.2", "Fresno")].target == Decimal("10")
    assert got.answers[("1.2", "Alameda")].target is None
    assert got.answers[("1.1", "All")].notes == "see the attached report"
    assert got.answers[("1.2", "Fresno")].cell == response_cell(path, "1.2", "Fresno")


def test_reordered_rows_extra_columns_blank_lines_and_spaced_headers_do_no_harm(
    tmp_path: Path,
) -> None:
    path = filled_workbook(tmp_path)
    expected = {k: (a.value, a.target) for k, a in read(path).answers.items()}

    def shuffle(wb: openpyxl.Workbook) -> None:
        ws = wb["Responses"]
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        header, body = rows[0], rows[1:]
        wb.remove(ws)
        new = wb.create_sheet("Responses")
        order = [2, 3, 1, 0, 9]  # Response, Answer with, County, Measure ID, Target
        new.append(["an extra column", *(f"  {header[i].upper()} " for i in order)])
        new.append([])
        new.append([])  # the header may sit below blank lines
        for number, row in enumerate(reversed(body)):
            new.append(["ignored", *(row[i] for i in order)])
            if number % 5 == 0:
                new.append([])

    edit(path, shuffle)
    assert {k: (a.value, a.target) for k, a in read(path).answers.items()} == expected


def test_plan_level_rows_and_counties_match_without_regard_to_case_or_spaces(
    tmp_path: Path,
) -> None:
    path = filled_workbook(tmp_path)
    ws_rows = rows_by_key(openpyxl.load_workbook(path)["Responses"])
    set_cell(path, "Responses", f"B{ws_rows[('1.1', 'All')]}", " all ")
    set_cell(path, "Responses", f"B{ws_rows[('1.2', 'Fresno')]}", "FRESNO ")
    got = read(path)
    assert got.answers[("1.1", "All")].value is True
    assert got.answers[("1.2", "Fresno")].value == Decimal(12)


def test_a_formula_with_a_saved_value_is_read_as_that_value(tmp_path: Path) -> None:
    path = blank_template(tmp_path)
    empty = response_cell(path, "4.2", "Alameda")
    fill(path, {("4.1", "Alameda"): "=40+2", ("4.2", "Alameda"): '=""'})
    part = sheet_part(path, "Responses")

    def cache(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":  # Excel recalculates and saves, so it does not ask for it again
            return data.replace(b' fullCalcOnLoad="1"', b"")
        if name != part:
            return data
        text = data.decode()
        text = re.sub(r"<f>40\+2</f><v ?/>", "<f>40+2</f><v>42</v>", text)
        # Excel saves an empty-text result as t="str" with an empty <v>
        text = text.replace(f'<c r="{empty}"', f'<c r="{empty}" t="str"', 1)
        return text.encode()

    saved = rewrite_parts(path, tmp_path / "saved.xlsx", cache)
    got = read(saved)
    assert got.answers[("4.1", "Alameda")].value == Decimal(42)
    assert got.answers[("4.2", "Alameda")].value is None


def test_a_saved_formula_value_in_a_workbook_that_asks_for_recalculation_is_refused(tmp_path: Path) -> None:
    """XlsxWriter and openpyxl save formula results as placeholders and set fullCalcOnLoad: the
    saved value is not the formula's result, so it is not taken as the answer."""
    path = blank_template(tmp_path)
    cell = response_cell(path, "4.1", "Alameda")
    fill(path, {("4.1", "Alameda"): "=40+2"})
    part = sheet_part(path, "Responses")

    def cache(name: str, data: bytes) -> bytes:
        return re.sub(rb"<f>40\+2</f><v ?/>", b"<f>40+2</f><v>0</v>", data) if name == part else data

    found = failure(rewrite_parts(path, tmp_path / "saved.xlsx", cache))
    assert found.code == "formula-no-value"
    assert found.line_text().startswith(
        f"{DISPLAY}: Responses!{cell}: the Response of measure 4.1 (Alameda) holds a formula in a workbook "
        "that asks to be recalculated when opened"
    )


def test_the_target_column_is_read_for_measures_that_need_a_target(tmp_path: Path) -> None:
    path = blank_template(tmp_path)
    fill(
        path,
        {("2.1", "Fresno"): 9},
        targets={("2.1", "Fresno"): "8", ("2.3", "Alameda"): 100.5, ("4.1", "Fresno"): "junk"},
    )
    got = read(path)
    assert got.answers[("2.1", "Fresno")].target == Decimal(8)
    assert got.answers[("2.3", "Alameda")].target == Decimal("100.5")
    assert got.answers[("4.1", "Fresno")].target is None  # a reporting measure has no target


def test_the_default_file_name_is_the_path_as_the_user_would_type_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "submissions").mkdir()
    path = blank_template(tmp_path / "submissions")
    set_cover(path, "MCP", None)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        read_submission(Path("submissions/alpha.xlsx"), measure_set(1))
    assert caught.value.first.line_text() == 'submissions/alpha.xlsx: Cover!B1: "MCP" is blank'


def test_a_lookup_callable_gives_the_measure_set_of_the_covers_year(tmp_path: Path) -> None:
    asked: list[int] = []

    def lookup(year: int) -> MeasureSet:
        asked.append(year)
        return measure_set(year)

    got = read_submission(filled_workbook(tmp_path), lookup)
    assert asked == [1] and got.program_year == 1


def test_a_changed_measure_set_is_accepted_when_the_caller_allows_it(tmp_path: Path) -> None:
    path = filled_workbook(tmp_path)
    set_cover(path, "Measure set", "0" * 64)
    assert failure(path).code == "measure-set-mismatch"
    got = read(path, allow_measure_set_change=True)
    assert got.measure_set_sha256 == "0" * 64
    assert got.answers[("1.1", "All")].value is True


def test_every_problem_in_a_workbook_is_reported_at_once_in_cell_order(tmp_path: Path) -> None:
    path = filled_workbook(
        tmp_path,
        answers={("4.4", "Fresno"): "x", ("1.1", "All"): "maybe", ("2.4", "Alameda"): -1},
    )
    with pytest.raises(InputError) as caught:
        read(path)
    cells = [f.cell for f in caught.value.findings]
    assert [f.code for f in caught.value.findings] == ["cell-type", "cell-range", "cell-type"]
    assert cells == sorted(cells, key=lambda c: int(c[1:]))
    assert "(and 2 more problems)" in caught.value.summary_line()


def test_without_defusedxml_the_reader_refuses_to_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl.xml

    path = filled_workbook(tmp_path)
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    found = failure(path)
    assert found.code == "workbook-unsafe"
    assert "install defusedxml" in found.message


# --------------------------------------------------------------------------- the bad corpus


@dataclass(frozen=True)
class Bad:
    """One bad workbook: how to make it (returns the path and the words the line must hold)."""

    name: str
    make: Callable[[Path], tuple[Path, list[str]]]
    code: str
    kwargs: dict[str, Any] | None = None


def _answered(
    answers: dict[tuple[str, str], Any], header: str = "Response"
) -> Callable[[Path], tuple[Path, list[str]]]:
    """A filled workbook with ``answers``; the words include the first answer's cell."""

    def make(folder: Path) -> tuple[Path, list[str]]:
        path = filled_workbook(folder, answers)
        key = next(iter(answers))
        return path, [f"{DISPLAY}: Responses!{response_cell(path, *key, header=header)}: "]

    return make


def _cover(label: str, value: Any, cell: str) -> Callable[[Path], tuple[Path, list[str]]]:
    def make(folder: Path) -> tuple[Path, list[str]]:
        return set_cover(filled_workbook(folder), label, value), [f"{DISPLAY}: Cover!{cell}: "]

    return make


def _edited(change: Callable[[openpyxl.Workbook], None], *words: str) -> Callable[[Path], tuple[Path, list[str]]]:
    def make(folder: Path) -> tuple[Path, list[str]]:
        return edit(filled_workbook(folder), change), [f"{DISPLAY}: ", *words]

    return make


def _row_cell(measure: str, county: str, column: str, value: Any) -> Callable[[Path], tuple[Path, list[str]]]:
    """Overwrite a locked cell of a row (as a determined MCP could, by unprotecting)."""

    def make(folder: Path) -> tuple[Path, list[str]]:
        path = filled_workbook(folder)
        cell = response_cell(path, measure, county, header=column)
        return set_cell(path, "Responses", cell, value), [f"{DISPLAY}: Responses!{cell}: "]

    return make


def _duplicate(folder: Path) -> tuple[Path, list[str]]:
    path = filled_workbook(folder)
    first = response_cell(path, "2.4", "Fresno")
    second = append_copy_of_row(path, "2.4", "Fresno")
    return path, [
        f"{DISPLAY}: Responses!C{second}: ",
        f"measure 2.4 (Fresno) is answered twice, in Responses!{first} and Responses!C{second}",
    ]


def _file(make_file: Callable[[Path], Path], *words: str) -> Callable[[Path], tuple[Path, list[str]]]:
    def make(folder: Path) -> tuple[Path, list[str]]:
        return make_file(folder / "alpha.xlsx"), [f"{DISPLAY}: ", *words]

    return make


def _truncated(folder: Path) -> tuple[Path, list[str]]:
    good = filled_workbook(folder, name="good.xlsx")
    return truncated_copy(good, folder / "alpha.xlsx"), [f"{DISPLAY}: "]


def _empty(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "alpha.xlsx"
    path.write_bytes(b"")
    return path, [f"{DISPLAY}: the file is empty"]


def _laughs(folder: Path) -> tuple[Path, list[str]]:
    good = filled_workbook(folder, name="good.xlsx")
    return billion_laughs(good, folder / "alpha.xlsx"), [f"{DISPLAY}: ", "<!DOCTYPE"]


def _formula(folder: Path) -> tuple[Path, list[str]]:
    path = filled_workbook(folder, {("3.4", "Fresno"): "=SUM(1,2)"})
    cell = response_cell(path, "3.4", "Fresno")
    return path, [
        f"{DISPLAY}: Responses!{cell}: the Response of measure 3.4 (Fresno) holds a formula with no saved value",
        "open and save it in Excel or LibreOffice, or type the value",
    ]


def _not_a_workbook_inside(folder: Path) -> tuple[Path, list[str]]:
    good = filled_workbook(folder, name="good.xlsx")
    broken = rewrite_parts(
        good,
        folder / "alpha.xlsx",
        lambda name, data: b"<workbook>not really" if name == "xl/workbook.xml" else data,
    )
    return broken, [f"{DISPLAY}: cannot be read as an .xlsx workbook"]


def _missing_header(folder: Path) -> tuple[Path, list[str]]:
    path = filled_workbook(folder)
    return set_cell(path, "Responses", "C1", "Answer"), [f"{DISPLAY}: Responses!1:1: no column headed 'Response'"]


def _wrong_hash(folder: Path) -> tuple[Path, list[str]]:
    path = set_cover(filled_workbook(folder), "Measure set", "ab" * 32)
    now = measure_set(1).submission_sources[2].sha256[:12]
    return path, [f"{DISPLAY}: Cover!B5: ", "abababababab", now]


def _unknown_year(folder: Path) -> tuple[Path, list[str]]:
    path = set_cover(filled_workbook(folder), "Program year", 9)
    return path, [f"{DISPLAY}: Cover!B2: no measure set for program year 9"]


CORPUS = [
    Bad(
        "text instead of a number",
        lambda folder: (
            filled_workbook(folder, {("2.4", "Fresno"): "n/a"}),
            [f'{DISPLAY}: Responses!C17: measure 2.4 (Fresno) expects a number, found "n/a"'],
        ),
        "cell-type",
    ),
    Bad("NaN typed as text", _answered({("4.1", "Alameda"): "NaN"}), "cell-type"),
    Bad("a number with its unit", _answered({("4.1", "Alameda"): "12 members"}), "cell-type"),
    Bad("a date where a number goes", _answered({("4.3", "Fresno"): datetime(2022, 1, 1)}), "cell-type"),
    Bad(
        "a negative count",
        lambda folder: (
            filled_workbook(folder, {("3.4", "Alameda"): -3}),
            ["measure 3.4 (Alameda) expects a number ≥ 0, found -3", "Responses!C"],
        ),
        "cell-range",
    ),
    Bad(
        "a tier out of range",
        lambda folder: (
            filled_workbook(folder, {("3.2", "Fresno"): 5}),
            ["expects the highest tier completed, a whole number 0–2, found 5"],
        ),
        "cell-range",
    ),
    Bad("a tier that is not whole", _answered({("3.2", "Alameda"): 1.5}), "cell-type"),
    Bad("a tier in words", _answered({("3.2", "Alameda"): "two"}), "cell-type"),
    Bad(
        "a bad Yes/No",
        lambda folder: (
            filled_workbook(folder, {("1.1", "All"): "Maybe"}),
            [f'{DISPLAY}: Responses!C2: measure 1.1 (All) expects Yes or No, found "Maybe"'],
        ),
        "cell-type",
    ),
    Bad("a number for Yes/No", _answered({("2.5", "All"): 1}), "cell-type"),
    Bad(
        "text in the Target column",
        _row_cell("2.1", "Fresno", "Target", "tbd"),
        "cell-type",
    ),
    Bad(
        "the Responses sheet missing",
        _edited(lambda wb: wb.remove(wb["Responses"]), 'no sheet "Responses"', "Cover"),
        "missing-sheet",
    ),
    Bad(
        "the Cover sheet missing",
        _edited(lambda wb: wb.remove(wb["Cover"]), 'no sheet "Cover"'),
        "missing-sheet",
    ),
    Bad("the Response header missing", _missing_header, "missing-header"),
    Bad(
        "an empty Responses sheet",
        _edited(lambda wb: wb["Responses"].delete_rows(1, 100), "Responses!A1", "empty"),
        "missing-header",
    ),
    Bad(
        "two Response columns",
        _edited(lambda wb: wb["Responses"].cell(1, 15, "response"), 'two columns are headed "Response" (C1 and O1)'),
        "duplicate-header",
    ),
    Bad("a duplicate row", _duplicate, "duplicate-row"),
    Bad(
        "an unknown measure",
        _row_cell("2.4", "Fresno", "Measure ID", "9.9"),
        "unknown-measure",
    ),
    Bad(
        "a response with no measure id",
        _row_cell("2.4", "Fresno", "Measure ID", None),
        "unknown-measure",
    ),
    Bad("an unknown county", _row_cell("2.4", "Fresno", "County", "Kern"), "unknown-county"),
    Bad(
        "a plan-level measure on a county row",
        _row_cell("1.1", "All", "County", "Fresno"),
        "measure-level",
    ),
    Bad(
        "a county-level measure on the All row",
        _row_cell("2.4", "Fresno", "County", "All"),
        "measure-level",
    ),
    Bad("the Cover's MCP blank", _cover("MCP", None, "B1"), "cover-value"),
    Bad(
        "the Cover's MCP row missing",
        lambda folder: (
            delete_cover_row(filled_workbook(folder), "MCP"),
            [f'{DISPLAY}: Cover: the Cover has no "MCP" row'],
        ),
        "cover-value",
    ),
    Bad("a program year in words", _cover("Program year", "first", "B2"), "cover-value"),
    Bad("no counties on the Cover", _cover("Counties", " , ", "B4"), "cover-value"),
    Bad("an unknown submission", _cover("Submission", 7, "B3"), "unknown-submission"),
    Bad("an unknown program year", _unknown_year, "unknown-submission"),
    Bad("a different measure set", _wrong_hash, "measure-set-mismatch"),
    Bad("an old .xls", _file(xls_file, "old-style .xls"), "not-xlsx"),
    Bad("random bytes", _file(random_file, "not an .xlsx workbook"), "not-xlsx"),
    Bad("a truncated zip", _truncated, "not-xlsx"),
    Bad("an empty file", _empty, "not-xlsx"),
    Bad("a zip that is not a workbook", _file(plain_zip, "not an Excel workbook"), "not-xlsx"),
    Bad("a broken workbook part", _not_a_workbook_inside, "not-xlsx"),
    Bad("a billion-laughs sheet", _laughs, "workbook-unsafe"),
    Bad("a formula with no saved value", _formula, "formula-no-value"),
    Bad(
        "a missing file",
        lambda folder: (folder / "alpha.xlsx", [f"{DISPLAY}: no such file"]),
        "file-not-found",
    ),
    Bad(
        "too many parts",
        lambda folder: (filled_workbook(folder), [f"{DISPLAY}: ", "parts (limit 5)"]),
        "workbook-too-large",
        {"limits": Limits(entries=5)},
    ),
]


def test_the_corpus_of_bad_workbooks_is_big_enough() -> None:
    assert len(CORPUS) >= 22
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_a_bad_workbook_gets_one_clear_line_naming_its_place(tmp_path: Path, case: Bad) -> None:
    path, words = case.make(tmp_path)
    found = failure(path, **(case.kwargs or {}))
    assert found.code == case.code, found.line_text()
    assert found.code in ERROR_CODES
    line = found.line_text()
    assert line.startswith(DISPLAY)
    for word in words:
        assert word in line, f"{word!r} not in {line!r}"
    assert "Traceback" not in line and "\n" not in line


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


def test_a_zip_bomb_is_refused_unread_in_well_under_a_second(bomb: Path) -> None:
    assert bomb.stat().st_size < 2 * 1024 * 1024  # small on disk …
    with zipfile.ZipFile(bomb) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 200 * 1024 * 1024  # … huge inside
    started = time.perf_counter()
    found = failure(bomb)
    assert time.perf_counter() - started < 1.0
    assert found.code == "workbook-too-large"
    assert found.line_text().startswith(f"{DISPLAY}: refused unread")


def test_a_zip_bomb_whose_headers_understate_its_size_is_refused_quickly(tmp_path: Path) -> None:
    path = zip_bomb(tmp_path / "liar.xlsx", size=64 * 1024 * 1024, zip64=False)
    understate_size(path, "xl/worksheets/sheet1.xml", 1000)
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) < 2000  # the headers say "tiny"
    started = time.perf_counter()
    found = failure(path)
    assert time.perf_counter() - started < 1.0
    assert found.code == "not-xlsx"
    assert found.line_text().startswith(f"{DISPLAY}: is a damaged or unsupported zip")


def test_the_running_limit_stops_a_part_that_never_ends() -> None:
    """Whatever the headers say, decompression stops at the limit (the last line of defence)."""
    from ipp_calc.io import xlsx_container as container

    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        container._stream_part(_Endless(), "x.xml", True, 0, DISPLAY, Limits(uncompressed=64 * 1024 * 1024))
    assert caught.value.first.code == "workbook-too-large"
    assert time.perf_counter() - started < 1.0


class _Endless:
    """A part that never ends, as a lying zip entry would look to the reader."""

    def read(self, size: int = -1) -> bytes:
        return bytes(size if size > 0 else 1024)


def test_no_corruption_of_a_workbook_escapes_as_anything_but_an_input_error(
    tmp_path: Path,
) -> None:
    import random

    good = filled_workbook(tmp_path, name="good.xlsx").read_bytes()
    rng = random.Random(2022)
    bad = tmp_path / "alpha.xlsx"
    outcomes: set[str] = set()
    for _ in range(60):
        data = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            cut = rng.randrange(len(data))
            data = data[:cut] + data[cut + rng.randint(1, 64) :]
        bad.write_bytes(bytes(data))
        try:
            read(bad)
            outcomes.add("read")
        except InputError as exc:
            outcomes.add(exc.first.code)
            assert exc.first.line_text().startswith(DISPLAY)
    assert "not-xlsx" in outcomes


# --------------------------------------------------------------------------- the two readers agree


def test_calamine_and_openpyxl_read_every_example_workbook_identically(monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine reads for speed, openpyxl is the fallback: both must give the same answers, to the
    cell, for every filled workbook of the example year (numbers, Yes/No, tiers, blanks, targets)."""
    example = Path(__file__).resolve().parents[1] / "examples" / "py1" / "submissions"
    ms = measure_set(1)
    paths = sorted(example.glob("*.xlsx"))
    assert len(paths) == 50
    for path in paths:
        monkeypatch.delenv("IPP_READER", raising=False)
        fast = read_submission(path, ms)
        monkeypatch.setenv("IPP_READER", "openpyxl")
        slow = read_submission(path, ms)
        assert fast == slow, path.name


def test_a_workbook_that_names_no_measure_set_is_read_by_its_measure_ids(tmp_path: Path) -> None:
    """A workbook made by hand has no Measure set row: it does not *differ* from the set in use,
    so it is read (rows are matched by measure id and county, and every value still checked)."""
    path = delete_cover_row(filled_workbook(tmp_path), "Measure set")
    filled = read_submission(path, measure_set(1))
    assert filled.measure_set_sha256 is None and filled.answers


def test_a_workbook_stamped_with_the_program_files_hash_is_accepted(tmp_path: Path) -> None:
    """Either file of the measure set identifies it; only a hash of neither is a mismatch."""
    ms = measure_set(1)
    path = set_cover(filled_workbook(tmp_path), "Measure set", ms.program_source.sha256)
    assert read_submission(path, ms).answers


@pytest.mark.parametrize(
    ("cell", "row"),
    [
        ('r="$A$1"', None),  # a formula's absolute reference, not a cell's
        ('r="a1"', None),
        ('r="A0"', None),
        ('r="' + "A" * 5000 + '1"', None),  # letters without end: a number thousands of digits long
        ('r="A-1"', None),
        ('r="\u0661"', None),  # an Arabic-Indic digit: int() takes it, a workbook does not
        (None, 'r="-3"'),
        (None, 'r="0"'),
    ],
)
def test_a_cell_or_row_reference_that_is_no_cell_is_refused_at_once(
    cell: str | None, row: str | None, tmp_path: Path
) -> None:
    """A fuzzed sheet whose cell said r="$A$1" made a negative column number on which the
    parsing reader's column_letters never ended: ipp hung. Each such reference is now bad
    input, exit 2, and said at once (a child process, so that a hang fails the test)."""
    import subprocess
    import sys

    from workbooks import sheet_part

    path = filled_workbook(tmp_path)
    part = sheet_part(path, "Responses")

    def broken(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        text = data.decode("utf-8")
        if cell is not None:
            text = re.sub(r'<c r="[A-Z]+[0-9]+"', f"<c {cell}", text, count=1)
        if row is not None:
            text = re.sub(r'<row r="[0-9]+"', f"<row {row}", text, count=1)
        return text.encode("utf-8")

    bad = rewrite_parts(path, tmp_path / "bad.xlsx", broken)
    done = subprocess.run(
        [sys.executable, "-m", "ipp_calc", "score", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "bad.xlsx" in done.stderr and "[not-xlsx]" in done.stderr, done.stderr
