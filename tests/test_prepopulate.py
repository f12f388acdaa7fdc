"""Prepopulation carries only what the measure set declares (``prepopulate_from``, and an
improvement measure's ``baseline``), never by a bare id match; ``ipp check`` validates each
declaration.

The tiny year of ``scenario.py``: Submission 1 has 1.1 (plan, completion), 1.2 (county,
reporting), 3.1 and 3.2 (county, completion); Submission 2 has 1.1 (county, target), 1.2 (county,
target, lower), 3.1 (county, completion).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import CliResult, RunCli
from ipp_calc.core.checks import check_baselines, check_measure_set
from ipp_calc.core.prepopulate import prepopulate
from ipp_calc.io.template import write_template
from scenario import ALL, D, filled, m, measure_set, program, sub1, submission
from workbooks import fill, rows_by_key

#: Submission 2 of the tiny year, where 3.1 declares it is prepopulated from Submission 1's 3.1
#: (both county-level Yes/No), and 1.2 declares Submission 1's 1.2 (both county-level numbers).
DECLARED = (
    m("1.1", 1, "target", 5, extra="direction: higher")
    + m(
        "1.2",
        1,
        "target",
        5,
        mandatory=False,
        extra='direction: lower, prepopulate_from: {submission: 1, measure: "1.2"}',
    )
    + m("3.1", 3, "completion", 10, extra='prepopulate_from: {submission: 1, measure: "3.1"}')
)

#: The same submission declaring nothing: the ids 1.1, 1.2, 3.1 all exist in Submission 1 too.
UNDECLARED = (
    m("1.1", 1, "target", 5, extra="direction: higher")
    + m("1.2", 1, "target", 5, mandatory=False, extra="direction: lower")
    + m("3.1", 3, "completion", 10)
)

EARLIER = filled(
    "A",
    1,
    ("Alameda", "Fresno"),
    {
        ("1.1", ALL): "Yes",
        ("1.2", "Alameda"): "40",
        ("1.2", "Fresno"): "7",
        ("3.1", "Alameda"): "Yes",
        # 3.1 Fresno left blank in Submission 1
    },
)


def test_nothing_is_carried_when_no_measure_declares_the_earlier_submission() -> None:
    # Today's bug: a bare id match carried S1 1.1 = Yes into S2 1.1 and S1 1.2 = 40 into S2's target 1.2.
    result = prepopulate(
        submission(2, {1: 10, 3: 10}, UNDECLARED), ("Alameda", "Fresno"), EARLIER, source="a.xlsx", sha256="ab"
    )
    assert result.carried == () and result.not_carried == () and result.declared == 0


def test_only_declared_measures_are_carried_county_by_county() -> None:
    result = prepopulate(
        submission(2, {1: 10, 3: 10}, DECLARED), ("Alameda", "Fresno"), EARLIER, source="a.xlsx", sha256="ab"
    )
    assert result.declared == 2  # 1.2 and 3.1 declare Submission 1
    assert [(c.measure, c.county, c.column, c.value) for c in result.carried] == [
        ("1.2", "Alameda", "Response", D("40")),
        ("1.2", "Fresno", "Response", D("7")),
        ("3.1", "Alameda", "Response", True),
    ]
    # 3.1 Fresno was blank in Submission 1: declared, nothing to carry, and said so
    assert [str(n) for n in result.not_carried] == [
        "measure 3.1 (Fresno): the earlier workbook has no answer for measure 3.1 (Fresno)"
    ]
    assert result.label == "PY1 submission 1: a.xlsx (sha256 ab)"


def test_a_workbook_of_another_submission_than_declared_carries_nothing() -> None:
    later = filled("A", 2, ("Alameda",), {("1.2", "Alameda"): "40", ("3.1", "Alameda"): "Yes"})
    result = prepopulate(submission(2, {1: 10, 3: 10}, DECLARED), ("Alameda",), later, source="b.xlsx", sha256="cd")
    assert result.carried == () and result.declared == 0


# --------------------------------------------------------------------------- ipp check


def checked(extra: str, *, kind: str = "reporting", level: str = "county") -> list[str]:
    sub2 = submission(
        2,
        {1: 10, 3: 10},
        m("1.1", 1, kind, 5, level=level, extra=extra) + m("1.2", 1, "reporting", 5) + m("3.1", 3, "completion", 10),
    )
    ms = measure_set(program(), [sub1(), sub2])
    found = check_measure_set(ms) + check_baselines(ms, {})
    return [f"{f.code}: {f.message}" for f in found if f.code != "optional-meaningless"]


def test_a_good_declaration_has_no_finding() -> None:
    assert checked('prepopulate_from: {submission: 1, measure: "1.2"}') == []


@pytest.mark.parametrize(
    ("declaration", "words"),
    [
        ('prepopulate_from: {submission: 2, measure: "1.2"}', "does not come before this one (2)"),
        ('prepopulate_from: {submission: 1, measure: "9.9"}', "submission 1 has no measure 9.9"),
        ('prepopulate_from: {submission: 1, measure: "3.1"}', "is answered with Yes/No, this one with a number"),
        ('prepopulate_from: {submission: 1, measure: "1.1"}', "1.1 is plan-level; this one is county-level"),
        ('prepopulate_from: {program_year: 2, submission: 1, measure: "1.2"}', "comes after this one (1)"),
        ('prepopulate_from: {program_year: 0, submission: 1, measure: "1.2"}', "whose measure set was not found"),
    ],
)
def test_a_bad_declaration_is_a_finding_naming_it(declaration: str, words: str) -> None:
    found = checked(declaration)
    assert len(found) == 1 and words in found[0], found
    assert found[0].startswith("prepopulate-reference: "), found


# --------------------------------------------------------------------------- ipp template --from

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "py1"


def declaring_measures(tmp_path: Path) -> Path:
    """The shipped measure sets, with PY1 Submission 2 declaring two carry-overs: 1.5 (plan,
    Yes/No) from Submission 1's 1.5, and 3.4 (county, a number) from Submission 1's 3.3."""
    root = Path(shutil.copytree(ROOT / "measures", tmp_path / "measures"))
    path = root / "py1" / "submission-2.yaml"
    text = path.read_text()
    for measure, source in (("1.5", "1.5"), ("3.4", "3.3")):
        line = f'  - id: "{measure}"\n'
        assert text.count(line) == 1
        text = text.replace(line, f'{line}    prepopulate_from: {{submission: 1, measure: "{source}"}}\n')
    path.write_text(text)
    return root


def template(run_cli: RunCli, measures: Path, submission: int, out: Path, *more: Any) -> CliResult:
    argv = ["template", "-y", "1", "-s", str(submission), "--mcp", "alpha", "--counties", "Alameda,Fresno"]
    return run_cli([*argv, "--measures", measures, "-o", out, *more])


def test_from_fills_only_declared_answers_marks_them_and_names_the_source(run_cli: RunCli, tmp_path: Path) -> None:
    measures = declaring_measures(tmp_path)
    first = tmp_path / "first.xlsx"
    assert template(run_cli, measures, 1, first).exit_code == 0
    fill(first, {("1.1", "All"): "Yes", ("1.5", "All"): "Yes", ("3.3", "Alameda"): 12})  # 3.3 Fresno blank
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    second = tmp_path / "second.xlsx"
    code, out, err = template(run_cli, measures, 2, second, "--from", first)
    assert code == 0, err
    assert f"carried 2 values from PY1 submission 1: {first} (sha256 {digest}):" in out
    assert "measure 1.5 (All) Response = Yes, from measure 1.5" in out
    assert "measure 3.4 (Alameda) Response = 12, from measure 3.3" in out
    assert "3.4 (Fresno): the earlier workbook has no answer for measure 3.3 (Fresno)" in err
    book = openpyxl.load_workbook(second)
    ws = book["Responses"]
    rows = rows_by_key(ws)
    carried = ws[f"C{rows[('1.5', 'All')]}"]  # Response
    assert carried.value == "Yes" and carried.fill.fgColor.rgb.endswith("DDEBF7")
    assert carried.comment is not None and digest in carried.comment.text and str(first) in carried.comment.text
    assert ws[f"C{rows[('3.4', 'Alameda')]}"].value == 12
    assert ws[f"C{rows[('1.1', 'All')]}"].value is None  # S1 1.1 = Yes is another measure: not carried
    assert ws[f"C{rows[('3.4', 'Fresno')]}"].value is None
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True)}
    assert cover["Prepopulated from"] == f"PY1 submission 1: {first} (sha256 {digest}); 2 values carried (blue cells)"
    code, out, _ = run_cli(["score", second, "--measures", measures, "-f", "json"])
    scored = {(r["measure"], r["county"]): r["points_earned"] for r in json.loads(out)["measures"]}
    assert scored[("1.1", "All")] == 0  # the bug: 20 points for an answer never given


def test_py1_submission_1_into_2_carries_nothing_and_earns_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    """The issue's case: a Submission 2 template filled from the plan's Submission 1 workbook
    "earned" $3,077,447.03 untouched. The shipped PY1 set declares no carry-over, so it earns $0."""
    plan = "heron-creek-care"
    earlier = EXAMPLE / "submissions" / f"{plan}-submission-1.xlsx"
    out = tmp_path / "s2.xlsx"
    argv = ["template", "-y", "1", "-s", "2", "--mcp", plan, "--data", EXAMPLE, "--from", earlier, "-o", out]
    code, stdout, err = run_cli(argv)
    assert code == 0, err
    assert (
        "carried nothing" in stdout and "no measure of PY1 submission 2 is prepopulated from PY1 submission 1" in stdout
    )
    code, scored, _ = run_cli(["score", out, "--data", EXAMPLE, "-f", "json"])
    document = json.loads(scored)
    assert all(not m["reported"] for m in document["measures"])
    assert document["totals"]["earned"] == "0.00"  # nothing answered: every area's fraction is 0


def test_an_improvement_measures_baseline_is_carried_into_the_locked_baseline_column(tmp_path: Path) -> None:
    # Submission 2's 1.1 is an improvement measure on Submission 1's 1.2 (county, a number).
    sub2 = submission(
        2,
        {1: 10, 3: 10},
        m(
            "1.1",
            1,
            "improvement",
            5,
            extra='direction: higher, baseline: {submission: 1, measure: "1.2"}, at_least: "0.10"',
        )
        + m("3.1", 3, "completion", 10),
    )
    ms = measure_set(program(), [sub1(), sub2])
    carry = prepopulate(sub2, ("Alameda", "Fresno"), EARLIER, source="a.xlsx", sha256="ab")
    assert [(c.measure, c.county, c.column, c.value) for c in carry.carried] == [
        ("1.1", "Alameda", "Baseline", D("40")),
        ("1.1", "Fresno", "Baseline", D("7")),
    ]
    path = tmp_path / "t.xlsx"
    write_template(ms, 2, "A", ["Alameda", "Fresno"], path, prepopulation=carry)
    ws = openpyxl.load_workbook(path)["Responses"]
    header = [c.value for c in ws[1]]
    assert header[-1] == "Baseline"
    rows = rows_by_key(ws)
    baseline = ws.cell(rows[("1.1", "Alameda")], len(header))
    assert baseline.value == 40 and baseline.protection.locked and baseline.comment is not None
    assert ws.cell(rows[("1.1", "Alameda")], header.index("Response") + 1).value is None  # the plan answers
    # and the reader reads the Baseline back as the workbook's baseline
    from ipp_calc.io.workbook import read_submission

    read = read_submission(path, ms)
    assert read.answer("1.1", "Fresno").baseline == D("7")


def test_the_shipped_py2_set_carries_submission_3_counts_into_submission_4(run_cli: RunCli, tmp_path: Path) -> None:
    """PY2 Submission 4 declares four carry-overs from Submission 3 (2.1, 2.2, 3.1, 3.2: the same
    counts of contracted providers, staff and Community Supports), county by county."""
    s3, s4 = tmp_path / "s3.xlsx", tmp_path / "s4.xlsx"
    argv = ["template", "-y", "2", "--mcp", "alpha", "--counties", "Alameda,Fresno"]
    assert run_cli([*argv, "-s", "3", "-o", s3]).exit_code == 0
    fill(s3, {("2.1", "Alameda"): 14, ("3.1", "Fresno"): 5, ("1.2", "Alameda"): 99})  # 1.2: not declared
    code, out, err = run_cli([*argv, "-s", "4", "--from", s3, "-o", s4])
    assert code == 0, err
    assert "carried 2 values from PY2 submission 3" in out  # 2.1 Alameda and 3.1 Fresno; the rest blank
    ws = openpyxl.load_workbook(s4)["Responses"]
    rows = rows_by_key(ws)
    assert ws[f"C{rows[('2.1', 'Alameda')]}"].value == 14  # Response
    assert ws[f"C{rows[('3.1', 'Fresno')]}"].value == 5
    assert ws[f"C{rows[('1.2', 'Alameda')]}"].value is None
    # six declared rows had no earlier answer (2.1 Fresno, 2.2 both, 3.1 Alameda, 3.2 both); the
    # improvement measures' baselines (4.3, 4.4 on Submission 3's) had none either: 4 more
    blank = [line for line in err.splitlines() if "not carried from" in line]
    assert sum(f": measure {m} (" in line for line in blank for m in ("2.1", "2.2", "3.1", "3.2")) == 6
    assert len(blank) == 6 + 4
