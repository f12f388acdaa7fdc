"""The reporting template writer (src/ipp_calc/io/template.py), against FORMATS.md.

What matters to the MCP filling it in: the Cover says who and what, Responses has one row per
measure and county in the measure set's order, only Response and Notes can be edited, answers
that are choices are drop-downs, numbers refuse text and negatives, and Points previews the
score. What matters to us: nothing written can run as a formula, and an earlier workbook's
answers are carried over where they still fit, with the rest listed.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from ipp_calc.core.responses import Answer, FilledSubmission
from ipp_calc.errors import InputError
from ipp_calc.io import template
from ipp_calc.io.template import COLUMNS, build_template, points_formula, write_template
from ipp_calc.io.workbook import read_submission
from workbooks import (
    COUNTIES,
    blank_template,
    blank_template_result,
    fill,
    measure_set,
    rows_by_key,
)

TARGETS = {
    ("1.2", "Fresno"): Decimal("12"),
    ("1.3", "Alameda"): Decimal("40"),
    ("1.4", "Alameda"): Decimal("30.5"),
    ("3.1", "Fresno"): Decimal("4"),
}


def responses(path: Path) -> Worksheet:
    return openpyxl.load_workbook(path)["Responses"]


def cover_rows(path: Path) -> list[tuple[Any, Any]]:
    ws = openpyxl.load_workbook(path)["Cover"]
    return [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)]


# --------------------------------------------------------------------------- Cover and layout


def test_the_cover_names_the_mcp_year_submission_counties_and_measure_set_hash(
    tmp_path: Path,
) -> None:
    path = blank_template(tmp_path, counties=["Fresno", "Alameda"])
    rows = cover_rows(path)
    ms = measure_set(1)
    assert rows[:5] == [
        ("MCP", "alpha"),
        ("Program year", 1),
        ("Submission", 2),
        ("Counties", "Alameda, Fresno"),
        ("Measure set", ms.submission_sources[2].sha256),
    ]
    extra = dict(rows[5:])
    assert extra["Made by"].startswith("ipp ")
    assert "illustrative measure set, not DHCS's" in extra["Status"]


def test_responses_has_one_row_per_measure_and_county_in_measure_set_order(
    tmp_path: Path,
) -> None:
    path = blank_template(tmp_path, counties=["Fresno", "Alameda"], targets=TARGETS)
    ws = responses(path)
    assert [c.value for c in ws[1]] == list(COLUMNS)
    assert ws["C1"].value == "Response"  # where the eye starts, after Measure ID and County
    assert ws["D1"].value == "Answer with"  # beside it
    sub = measure_set(1).submissions[2]
    expected = [
        (m.id, county) for m in sub.measures for county in (("All",) if m.level == "plan" else ("Alameda", "Fresno"))
    ]
    assert list(rows_by_key(ws)) == expected
    assert ws.max_row == len(expected) + 1
    row = {key: number for key, number in rows_by_key(ws).items()}
    assert ws[f"I{row[('1.1', 'All')]}"].value == "Yes"  # Mandatory
    assert ws[f"I{row[('1.3', 'Alameda')]}"].value == "No"
    assert ws[f"J{row[('1.2', 'Fresno')]}"].value == 12  # Target
    assert ws[f"J{row[('1.4', 'Alameda')]}"].value == 30.5
    assert ws[f"J{row[('1.2', 'Alameda')]}"].value is None  # no target known
    assert ws[f"D{row[('1.1', 'All')]}"].value == "Yes or No"  # Answer with
    assert ws[f"D{row[('3.2', 'Alameda')]}"].value.startswith(
        "the highest tier completed, 0–2: 1 = Network gaps mapped"
    )
    assert ws[f"D{row[('4.1', 'Fresno')]}"].value == "a number ≥ 0 (members)"
    assert all(ws.cell(r, 3).value is None for r in range(2, ws.max_row + 1))  # Response: blank


def test_only_response_and_notes_are_unlocked_on_protected_sheets(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(blank_template(tmp_path))
    ws = wb["Responses"]
    assert ws.protection.sheet is True
    assert wb["Cover"].protection.sheet is True
    assert wb["Instructions"].protection.sheet is True
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            editable = cell.column_letter in ("C", "E")  # Response, Notes
            assert cell.protection.locked is not editable, cell.coordinate
            if editable:
                assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    assert all(c.protection.locked for c in ws[1])


def test_data_validations_offer_yes_no_and_tier_lists_and_numbers_of_at_least_zero(
    tmp_path: Path,
) -> None:
    ws = responses(blank_template(tmp_path))
    row = rows_by_key(ws)
    by_cell: dict[str, Any] = {}
    for validation in ws.data_validations.dataValidation:
        for cells in validation.sqref.ranges:
            for cell in _cells(cells.coord):
                assert cell not in by_cell, f"{cell} has two validations"
                by_cell[cell] = validation
    yes_no = by_cell[f"C{row[('1.1', 'All')]}"]
    assert (yes_no.type, yes_no.formula1) == ("list", '"Yes,No"')
    tiers = by_cell[f"C{row[('3.2', 'Fresno')]}"]
    assert (tiers.type, tiers.formula1) == ("list", '"0,1,2"')
    for key in [("1.2", "Alameda"), ("1.3", "Fresno"), ("3.4", "Alameda"), ("4.4", "Fresno")]:
        number = by_cell[f"C{row[key]}"]
        assert (number.type, number.operator, number.formula1) == (
            "decimal",
            "greaterThanOrEqual",
            "0",
        )
    assert all(v.showErrorMessage and v.allowBlank for v in ws.data_validations.dataValidation)
    assert len(by_cell) == ws.max_row - 1  # every Response cell, nothing else
    assert all(cell.startswith("C") for cell in by_cell)


def _cells(coord: str) -> list[str]:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(coord)
    return [
        f"{openpyxl.utils.get_column_letter(c)}{r}"
        for r in range(min_row, max_row + 1)
        for c in range(min_col, max_col + 1)
    ]


def test_the_header_and_the_id_and_county_are_frozen_bold_and_long_text_wraps(tmp_path: Path) -> None:
    ws = responses(blank_template(tmp_path))
    assert ws.freeze_panes == "C2"  # row 1 and columns A:B (Measure ID, County) stay in view
    assert all(cell.font.bold for cell in ws[1])
    assert ws["G2"].alignment.wrap_text and ws["D2"].alignment.wrap_text  # Measure, Answer with
    assert ws.column_dimensions["G"].width > 40
    assert ws.column_dimensions["D"].width > 30


def test_points_formulas_preview_each_kind_of_measure(tmp_path: Path) -> None:
    ws = responses(blank_template(tmp_path, targets=TARGETS))
    row = rows_by_key(ws)

    def points(measure: str, county: str) -> Any:
        return ws[f"K{row[(measure, county)]}"].value

    r = row[("1.1", "All")]
    assert points("1.1", "All") == f'=IF(UPPER(TRIM(C{r}))="YES",20,0)'
    r = row[("4.1", "Alameda")]
    assert points("4.1", "Alameda") == f"=IF(AND(ISNUMBER(C{r}),C{r}>=0),40,0)"
    r = row[("1.2", "Fresno")]
    assert points("1.2", "Fresno") == (f"=IF(AND(ISNUMBER(C{r}),C{r}>=0,ISNUMBER(J{r}),C{r}>=J{r}),30,0)")
    r = row[("1.4", "Alameda")]
    assert f"C{r}<=J{r}" in points("1.4", "Alameda")  # direction: lower
    assert points("1.2", "Alameda") is None  # target unknown: no preview
    r = row[("3.2", "Fresno")]
    assert points("3.2", "Fresno") == (f"=IF(ISNUMBER(C{r}),CHOOSE(MAX(0,MIN(2,INT(C{r})))+1,0,5,10),0)")
    r = row[("1.3", "Alameda")]
    assert points("1.3", "Alameda") == (
        f"=IF(AND(ISNUMBER(C{r}),C{r}>=0,ISNUMBER(J{r}),J{r}>0),IF(C{r}/J{r}>=0.5,10+IF(C{r}/J{r}>=1,20,0),0),0)"
    )
    assert points("1.3", "Fresno") is None


def test_a_tiered_value_measure_gets_cumulative_thresholds() -> None:
    ms = measure_set(1)
    base = ms.submissions[2].measure("3.5")
    assert base is not None
    measure = base.model_copy(update={"basis": "value"})
    assert points_formula(measure, 9, target_known=False) == (
        "=IF(AND(ISNUMBER(C9),C9>=0),IF(C9>=0.5,4+IF(C9>=1,6,0),0),0)"
    )


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_points_formulas_compute_the_right_points_in_a_spreadsheet_program(tmp_path: Path) -> None:
    """LibreOffice recalculates the Points column; it must agree with RULES.md section 4."""
    path = blank_template(tmp_path, targets=TARGETS)
    answers: dict[tuple[str, str], Any] = {
        ("1.1", "All"): "yes",
        ("1.5", "All"): "No",
        ("1.2", "Fresno"): 12,  # target 12, higher: met → 30
        ("1.4", "Alameda"): 31,  # target 30.5, lower: not met → 0
        ("1.3", "Alameda"): 20,  # 20/40 = 0.5: tier 1 → 10
        ("3.2", "Fresno"): 2,  # both tiers → 10
        ("3.2", "Alameda"): 1,  # tier 1 → 5
        ("4.1", "Alameda"): 0,  # reported → 40
        ("4.2", "Alameda"): "n/a",  # not a number → 0
    }
    fill(path, answers)
    out = tmp_path / "calc"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    ws = openpyxl.load_workbook(out / path.name, data_only=True)["Responses"]
    row = rows_by_key(ws)
    got = {key: ws[f"K{row[key]}"].value for key in answers}
    assert got == {
        ("1.1", "All"): 20,
        ("1.5", "All"): 0,
        ("1.2", "Fresno"): 30,
        ("1.4", "Alameda"): 0,
        ("1.3", "Alameda"): 10,
        ("3.2", "Fresno"): 10,
        ("3.2", "Alameda"): 5,
        ("4.1", "Alameda"): 40,
        ("4.2", "Alameda"): 0,
    }


def test_the_instructions_explain_what_to_fill_and_that_points_are_a_preview(
    tmp_path: Path,
) -> None:
    ws = openpyxl.load_workbook(blank_template(tmp_path))["Instructions"]
    text = "\n".join(str(c.value) for (c,) in ws.iter_rows(max_col=1) if c.value)
    for words in (
        "This template was made from an illustrative measure set, not DHCS's",
        "Yes or No",
        "highest tier you completed",
        "plain number",
        "Notes",
        "preview only",
        "locked",
    ):
        assert words in text


# --------------------------------------------------------------------------- safety


def test_text_from_the_measure_set_and_carried_notes_never_becomes_a_formula(
    tmp_path: Path,
) -> None:
    ms = measure_set(1)
    sub = ms.submissions[2]
    evil = sub.measures[0].model_copy(update={"name": '=HYPERLINK("http://x","click")'})
    ms = dataclasses.replace(
        ms,
        submissions={**ms.submissions, 2: sub.model_copy(update={"measures": [evil, *sub.measures[1:]]})},
    )
    previous = FilledSubmission(
        "alpha",
        1,
        2,
        COUNTIES,
        {("1.1", "All"): Answer("1.1", "All", True, notes="=1+cmd|' /C calc'!A0")},
    )
    path = tmp_path / "t.xlsx"
    write_template(ms, 2, "alpha", COUNTIES, path, answers=previous)
    ws = responses(path)
    assert ws["G2"].value == '\'=HYPERLINK("http://x","click")'
    assert ws["G2"].data_type == "s"
    assert ws["E2"].value == "'=1+cmd|' /C calc'!A0"
    assert ws["E2"].data_type == "s"
    formulas = [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert all(cell.startswith("K") for cell in formulas)  # Points, nothing else


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"submission": 9}, "program year 1 has no submission 9"),
        ({"mcp": "  "}, "needs an MCP id"),
        ({"counties": []}, "at least one county"),
        ({"counties": ["Alameda, Fresno"]}, "contains a comma"),
        ({"counties": ["All"]}, "plan-level rows"),
        ({"counties": ["=cmd"]}, "must not start with"),
    ],
)
def test_impossible_template_requests_are_usage_errors(tmp_path: Path, kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(InputError) as caught:
        blank_template_result(tmp_path, **kwargs)
    assert caught.value.first.code == "usage"
    assert words in caught.value.first.message
    assert not (tmp_path / "alpha.xlsx").exists()


def test_a_failed_write_leaves_the_old_file_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = blank_template(tmp_path)
    before = path.read_bytes()

    def broken(model: Any, stream: Any) -> None:
        stream.write(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(template, "write_workbook", broken)
    with pytest.raises(InputError) as raised:  # a full disk is bad circumstances (exit 2), not a bug
        blank_template(tmp_path, counties=["Kern"])
    assert raised.value.first.code == "output-unwritable" and "disk full" in raised.value.first.message
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["alpha.xlsx"]


def test_the_same_counties_in_another_case_or_order_give_the_same_rows() -> None:
    ms = measure_set(1)
    _, one = build_template(ms, 2, "alpha", ["Fresno", "alameda", "Alameda "])
    _, two = build_template(ms, 2, "alpha", ["alameda", "Fresno"])
    assert one.rows == two.rows == 36


# --------------------------------------------------------------------------- previous answers


def test_previous_answers_fill_rows_that_still_exist_and_the_rest_are_listed(
    tmp_path: Path,
) -> None:
    first = blank_template(tmp_path, name="before.xlsx")
    fill(
        first,
        {
            ("1.1", "All"): "Yes",
            ("1.2", "Alameda"): 7,
            ("1.2", "Fresno"): 8.5,
            ("3.2", "Fresno"): 1,
            ("3.4", "Alameda"): 3,
        },
        notes={("1.2", "Fresno"): "counted in June", ("2.4", "Alameda"): "audit delayed"},
    )
    ms = measure_set(1)
    before = read_submission(first, ms)
    result = blank_template_result(tmp_path, name="after.xlsx", counties=["Fresno", "Kern"], answers=before)
    assert result.rows == 36
    assert result.carried == 3  # 1.1 All, 1.2 Fresno, 3.2 Fresno
    assert [(n.measure, n.county) for n in result.not_carried] == [
        ("1.2", "Alameda"),
        ("2.4", "Alameda"),
        ("3.4", "Alameda"),
    ]
    assert all(n.reason == "no such row in this template" for n in result.not_carried)
    assert str(result.not_carried[0]) == "measure 1.2 (Alameda): no such row in this template"
    after = read_submission(tmp_path / "after.xlsx", ms)
    assert after.counties == ("Fresno", "Kern")
    assert after.answers[("1.1", "All")].value is True
    assert after.answers[("1.2", "Fresno")].value == Decimal("8.5")
    assert after.answers[("1.2", "Fresno")].notes == "counted in June"
    assert after.answers[("3.2", "Fresno")].value == 1
    assert after.answers[("1.2", "Kern")].value is None


def test_a_previous_answer_that_no_longer_fits_its_measure_is_listed_and_its_notes_kept(
    tmp_path: Path,
) -> None:
    previous = FilledSubmission(
        "alpha",
        1,
        2,
        COUNTIES,
        {
            ("1.1", "All"): Answer("1.1", "All", Decimal("3"), notes="was a count"),
            ("3.2", "Fresno"): Answer("3.2", "Fresno", 5),
            ("4.1", "Fresno"): Answer("4.1", "Fresno", True),
            ("4.2", "Fresno"): Answer("4.2", "Fresno", None),  # blank: nothing to carry
        },
    )
    result = blank_template_result(tmp_path, answers=previous)
    assert [(n.measure, n.county) for n in result.not_carried] == [
        ("1.1", "All"),
        ("3.2", "Fresno"),
        ("4.1", "Fresno"),
    ]
    assert "now expects Yes or No" in result.not_carried[0].reason
    assert result.carried == 1  # the notes of 1.1
    ws = responses(tmp_path / "alpha.xlsx")
    row = rows_by_key(ws)
    assert ws[f"C{row[('1.1', 'All')]}"].value is None
    assert ws[f"E{row[('1.1', 'All')]}"].value == "was a count"


# --------------------------------------------------------------------------- the writer

GOLDEN = Path(__file__).parent / "fixtures" / "xlsx"
EXAMPLE = Path(__file__).parent.parent / "examples" / "py1"


@pytest.mark.parametrize(
    ("golden", "argv"),
    [
        (
            "template-py1-s1-condor-grove-health.json",
            ["-y", "1", "-s", "1", "--mcp", "condor-grove-health", "--data", str(EXAMPLE)],
        ),
        ("template-py2-s4-kern-fresno.json", ["-y", "2", "-s", "4", "--mcp", "x", "--counties", "Kern,Fresno"]),
    ],
)
def test_the_template_looks_as_it_did_when_openpyxl_wrote_it(
    golden: str, argv: list[str], run_cli: Any, tmp_path: Path
) -> None:
    """The golden files describe (tests/xlsx_fingerprint.py) the templates openpyxl wrote before the
    move to XlsxWriter (commit 4097686): every value, formula, look, lock, drop-down, width, height,
    frozen pane, filter, print set-up and protection flag must be the same. A change meant to alter
    the template regenerates them: IPP_UPDATE_GOLDEN=1 python -m pytest tests/test_template.py."""
    import json
    import os

    from xlsx_fingerprint import describe, differences

    path = tmp_path / "t.xlsx"
    assert run_cli(["template", *argv, "-o", path]).exit_code == 0
    now = describe(path)
    if os.environ.get("IPP_UPDATE_GOLDEN"):
        (GOLDEN / golden).write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
    assert differences(json.loads((GOLDEN / golden).read_text()), now) == []


def test_the_template_looks_the_same_written_by_xlsxwriter_and_by_the_openpyxl_reference(tmp_path: Path) -> None:
    """With targets and carried answers, the template's model rendered by both libraries looks the
    same, formulas included (tests/openpyxl_reference.py renders it as the replaced code did)."""
    from openpyxl_reference import render
    from xlsx_fingerprint import describe, differences

    ms = measure_set(1)
    earlier = blank_template(tmp_path, name="before.xlsx")
    fill(earlier, {("1.1", "All"): "Yes", ("1.2", "Fresno"): 8.5}, notes={("1.2", "Fresno"): "=counted in June"})
    previous = read_submission(earlier, ms)
    model, _ = build_template(ms, 2, "alpha", list(COUNTIES), targets=TARGETS, answers=previous)
    ours, reference = tmp_path / "xlsxwriter.xlsx", tmp_path / "openpyxl.xlsx"
    write_template(ms, 2, "alpha", list(COUNTIES), ours, targets=TARGETS, answers=previous)
    with reference.open("wb") as stream:
        render(model, stream)
    assert differences(describe(reference), describe(ours)) == []


# --------------------------------------------------------------------------- what a person sees (issue 16)


def test_a_blank_mandatory_response_is_shaded_red_until_it_is_answered(tmp_path: Path) -> None:
    """One conditional format over the Response cells of the mandatory rows only: red while the
    cell is blank (or only spaces, which the reader also reads as blank), gone once answered."""
    ws = responses(blank_template(tmp_path))
    row = rows_by_key(ws)
    mandatory = {number for number in range(2, ws.max_row + 1) if ws[f"I{number}"].value == "Yes"}
    [block] = list(ws.conditional_formatting)
    [rule] = block.rules
    shaded = {cell for r in block.sqref.ranges for cell in _cells(str(r))}
    assert shaded == {f"C{n}" for n in mandatory}
    assert (rule.type, rule.formula) == ("expression", ["LEN(TRIM(C2))=0"])  # C2: 1.1 (All), the first row
    assert row[("1.1", "All")] == 2 and 2 in mandatory
    assert row[("1.3", "Alameda")] not in mandatory  # optional: never red
    assert rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")


def test_every_sheet_prints_one_page_wide_and_the_tables_repeat_their_header_row(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(blank_template(tmp_path))
    assert wb.sheetnames == ["Cover", "Instructions", "Responses", "Summary"]
    for ws in wb.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # 1 page wide (1 is the default, which XlsxWriter leaves out), as many tall as it takes
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0), ws.title
    assert wb["Responses"].page_setup.orientation == wb["Summary"].page_setup.orientation == "landscape"
    assert wb["Responses"].print_title_rows == "$1:$1"
    assert wb["Summary"].print_title_rows == "$5:$5"  # title, two lines of explanation, a blank row, the header
    assert wb["Summary"].freeze_panes == "C6"


def test_rows_are_tall_enough_for_their_wrapped_text(tmp_path: Path) -> None:
    ws = responses(blank_template(tmp_path))
    row = rows_by_key(ws)
    hint = ws[f"D{row[('1.3', 'Alameda')]}"].value
    assert len(hint) == 174  # Answer with, 34 wide: about 39 characters a line (34 × 1.15): 4.5, so 5 lines
    assert ws.row_dimensions[row[("1.3", "Alameda")]].height == 75  # 5 lines × 15 points
    # 1.1: "Yes or No", and its Measure (42 wide) fits on 2 lines: 57 characters ÷ 48 a line
    assert ws.row_dimensions[row[("1.1", "All")]].height == 30


def test_the_summary_adds_up_the_points_of_each_county_and_area_with_live_formulas(tmp_path: Path) -> None:
    """RULES.md section 4: per county and area, the county's rows and the plan-level (All) rows,
    over the area's points_available (100 for every area of PY1 submission 2), at most 1."""
    ws = openpyxl.load_workbook(blank_template(tmp_path))["Summary"]
    assert [c.value for c in ws[5]] == [
        "County",
        "Priority area",
        "Points earned",
        "Points available",
        "Fraction",
        "Note",
    ]
    table = [[c.value for c in r] for r in ws.iter_rows(min_row=6, max_row=13)]
    assert [(r[0], r[1][:2]) for r in table] == [
        (county, f"{area}:") for county in ("Alameda", "Fresno") for area in (1, 2, 3, 4)
    ]
    assert all(r[3] == 100 for r in table)
    last = 37  # 36 rows (test_the_same_counties_in_another_case_or_order_give_the_same_rows) under the header
    assert table[4][2] == (
        f'=SUMPRODUCT((Responses!$F$2:$F${last}="1: Delivery System Infrastructure")'
        f'*((Responses!$B$2:$B${last}="Fresno")+(Responses!$B$2:$B${last}="All")),Responses!$K$2:$K${last})'
    )
    assert table[4][4] == "=IF(D10>0,MIN(1,C10/D10),0)"
    # No target known: the target rows of area 1 have no Points preview, and the row says which.
    assert table[0][5] == "no preview for 1.2, 1.3, 1.4 (the target or baseline is not in this workbook)"
    assert ws["A15"].value == "Mandatory answers still blank"
    assert ws["C15"].value == (f'=SUMPRODUCT((Responses!$I$2:$I${last}="Yes")*(LEN(TRIM(Responses!$C$2:$C${last}))=0))')
    assert "points only" in ws["A3"].value.lower()
    assert ws.protection.sheet is True


def test_with_the_data_folders_allocation_the_summary_shows_the_dollars_at_stake(
    run_cli: Any, worked_example: Any, tmp_path: Path
) -> None:
    """RULES.md's worked example: A-Alameda's Payment 1 is $138.33, split 20/20/60/0 into
    **$27.67, $27.66, $83.00** and $0; A-Fresno's $40.00 into $8.00, $8.00, $24.00, $0.
    Submission 1 pays Payment 1."""
    out = tmp_path / "t.xlsx"
    argv = ["template", "-y", "1", "-s", "1", "--mcp", "A", "--data", worked_example.data]
    code, _, err = run_cli([*argv, "--measures", worked_example.measures, "-o", out])
    assert code == 0, err
    ws = openpyxl.load_workbook(out)["Summary"]
    assert [c.value for c in ws[5]][5:] == ["At stake", "Earned (preview)", "Note"]
    stakes = [(r[0].value, r[1].value[:2], r[5].value) for r in ws.iter_rows(min_row=6, max_row=13)]
    assert stakes == [
        ("Alameda", "1:", 27.67),
        ("Alameda", "2:", 27.66),
        ("Alameda", "3:", 83),
        ("Alameda", "4:", 0),
        ("Fresno", "1:", 8),
        ("Fresno", "2:", 8),
        ("Fresno", "3:", 24),
        ("Fresno", "4:", 0),
    ]
    assert (ws["A14"].value, ws["F14"].value, ws["G14"].value) == ("Total", "=SUM(F6:F13)", "=SUM(G6:G13)")
    # 2767 cents × min(points, available) ÷ available, half to even: an exact half cent goes to the even cent.
    q = "ROUND(2767*MIN(C6,D6)/D6,6)"
    assert ws["G6"].value == f"=IF(D6>0,(IF(MOD({q},1)=0.5,INT({q})+MOD(INT({q}),2),ROUND({q},0)))/100,0)"
    assert ws["G9"].value == "=0"  # nothing at stake
    assert "Payment 1 (from the data folder's plans.csv and elections.yaml)" in ws["A3"].value
    assert "authoritative" in ws["A3"].value


def test_with_the_plans_own_allocation_a_forfeited_area_is_not_at_stake_and_says_why(
    run_cli: Any, tmp_path: Path
) -> None:
    """Alameda $1,000.10 → Payment 2 $500.05 (50 %); no Community Supports and the flexible 30 % in
    area 1 → shares 50/20/30/0: 25,002.5 / 10,001 / 15,001.5 cents → floors 25,002 / 10,001 /
    15,001, one cent short, to the tied remainders' lower area key, 1: $250.03 / $100.01 / $150.01."""
    allocation = tmp_path / "mine.csv"
    allocation.write_text("county,amount\nAlameda,1000.10\n", encoding="utf-8")
    elections = tmp_path / "mine.yaml"
    elections.write_text('alpha:\n  flexible: {1: "0.30"}\n  community_supports: []\n', encoding="utf-8")
    out = tmp_path / "t.xlsx"
    argv = ["template", "-y", "1", "-s", "2", "--mcp", "alpha", "--counties", "Alameda", "-o", out]
    code, _, err = run_cli([*argv, "--allocation", allocation, "--elections", elections])
    assert code == 0, err
    ws = openpyxl.load_workbook(out)["Summary"]
    rows = [(r[1].value[:2], r[5].value, r[7].value) for r in ws.iter_rows(min_row=6, max_row=9)]
    assert rows == [
        ("1:", 250.03, "no preview for 1.2, 1.3, 1.4 (the target or baseline is not in this workbook)"),
        ("2:", 100.01, "no preview for 2.1, 2.2, 2.3, 2.4 (the target or baseline is not in this workbook)"),
        (
            "3:",
            0,
            "no preview for 3.1, 3.3, 3.5 (the target or baseline is not in this workbook); "
            "$150.01 forfeited (no Community Supports offered): not payable",
        ),
        ("4:", 0, None),
    ]
    assert "from mine.csv and mine.yaml" in ws["A3"].value


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--allocation", "a.csv"], "give --allocation and --elections together"),
        (["--elections", "e.yaml"], "give --allocation and --elections together"),
    ],
)
def test_the_plans_own_allocation_needs_both_files(run_cli: Any, tmp_path: Path, extra: list[str], words: str) -> None:
    argv = ["template", "-y", "1", "-s", "2", "--mcp", "alpha", "--counties", "Alameda", "-o", tmp_path / "t.xlsx"]
    code, _, err = run_cli([*argv, *extra])
    assert code == 2 and words in err
    assert not (tmp_path / "t.xlsx").exists()
