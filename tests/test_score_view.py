"""``ipp score`` as the MCP's analyst reads it: what is missing comes first, counted per county;
the payment the submission pays is named; worth says "all else equal" and can be sorted; the
reported value, the target and where it came from are fields of their own; a count typed into a
percent-formatted cell is a warning.

The example plan ``heron-creek-care`` (one county, Contra Costa), submission 2, with the example
data folder. Its dollars (Payment 2 only), checked by hand from its JSON ``dollars`` rows:

* area 2: allocated 1,161,300.76, 70 of 100 points → earned 812,910.53. Measure 2.1 (30 points,
  reported 160 against target 184) would fill the area: worth 1,161,300.76 − 812,910.53 = 348,390.23.
* area 3: allocated 1,741,951.15, 30 of 100 → 0.3 × 1,741,951.15 = 522,585.345 → 522,585.34 (half
  even). Measure 3.1 (30 points) → 60 of 100 → 1,045,170.69: worth 1,045,170.69 − 522,585.34 =
  522,585.35; 3.3 (30 points) the same; 3.6 (plan level, 20 points) → 50 of 100 → 870,975.575 →
  870,975.58 (half even, the 5 rounds up to the even 8): worth 348,390.24.
* area 1: allocated 1,161,300.77, 80 of 100; 1.4 and 1.5 (20 points each) → worth 232,260.15.
* 2.4 (10 points, area 2) → 80 of 100 → 929,040.61 (0.8 × 1,161,300.76 = 929,040.608): worth
  929,040.61 − 812,910.53 = 116,130.08.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import RunCli
from workbooks import blank_template, edit, fill, filled_workbook, response_cell

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"
HERON = EXAMPLE / "submissions" / "heron-creek-care-submission-2.xlsx"


def score_json(run_cli: RunCli, *argv: object) -> dict:
    code, out, err = run_cli(["score", *argv, "--format", "json"])
    assert code in (0, 1), err
    return json.loads(out)


def test_each_score_row_carries_the_reported_value_its_target_and_where_the_target_came_from(run_cli: RunCli) -> None:
    doc = score_json(run_cli, HERON, "--data", EXAMPLE)
    rows = {(m["measure"], m["county"]): m for m in doc["measures"]}
    # targets.csv: heron-creek-care, Contra Costa, 2.1, 184; the workbook reports 160.
    assert {k: rows[("2.1", "Contra Costa")][k] for k in ("value", "target", "target_source")} == {
        "value": 160,
        "target": 184,
        "target_source": "targets.csv",
    }
    # "missed by more than 10 %" is now a filter: (184 − 160) / 184 = 13 %.
    missed = [
        k
        for k, m in rows.items()
        if m["target"] is not None and m["value"] is not None and m["value"] < 0.9 * m["target"]
    ]
    assert ("2.1", "Contra Costa") in missed
    assert rows[("1.1", "All")]["value"] is True and rows[("1.1", "All")]["target"] is None
    assert rows[("3.6", "All")]["value"] is False  # answered No
    assert rows[("1.5", "All")]["value"] is None  # not reported
    assert rows[("3.2", "Contra Costa")]["value"] == 2  # a tier count stays a whole number
    _, out, _ = run_cli(["score", HERON, "--data", EXAMPLE, "--format", "csv"])
    table = {(r["measure"], r["county"]): r for r in csv.DictReader(io.StringIO(out))}
    row = table[("2.1", "Contra Costa")]
    assert (row["value"], row["target"], row["target_source"]) == ("160", "184", "targets.csv")
    assert table[("1.1", "All")]["value"] == "yes" and table[("1.5", "All")]["value"] == ""


def test_a_target_typed_in_the_workbook_is_reported_as_from_the_workbook(run_cli: RunCli, tmp_path: Path) -> None:
    from decimal import Decimal

    path = filled_workbook(tmp_path, {("2.1", "Fresno"): 150}, targets={("2.1", "Fresno"): Decimal("184.5")})
    rows = {(m["measure"], m["county"]): m for m in score_json(run_cli, path)["measures"]}
    assert {k: rows[("2.1", "Fresno")][k] for k in ("value", "target", "target_source")} == {
        "value": 150,
        "target": 184.5,
        "target_source": "workbook",
    }


def test_worth_sorts_largest_first_and_unearned_only_drops_what_is_earned_in_full(run_cli: RunCli) -> None:
    code, out, err = run_cli(["score", HERON, "--data", EXAMPLE, "--sort", "worth", "--unearned-only", "-f", "csv"])
    assert code == 0, err
    got = [(r["measure"], r["worth"]) for r in csv.DictReader(io.StringIO(out))]
    # hand arithmetic in the module docstring; ties keep the contract order (county, then id)
    assert got == [
        ("3.1", "522585.35"),
        ("3.3", "522585.35"),
        ("3.6", "348390.24"),
        ("2.1", "348390.23"),
        ("1.5", "232260.15"),
        ("1.4", "232260.15"),
        ("2.4", "116130.08"),
    ]
    code, table, _ = run_cli(["score", HERON, "--data", EXAMPLE, "--sort", "worth"])
    assert "all else equal" in table
    assert "pays Payment 2" in table
    assert table.index("3.1*") < table.index("2.1*") < table.index("2.4 ")
    # JSON stays the contract: every row, in measure order
    doc = score_json(run_cli, HERON, "--data", EXAMPLE, "--sort", "worth", "--unearned-only")
    assert len(doc["measures"]) == 20 and doc["measures"][0]["measure"] == "1.1"


def test_missing_mandatory_answers_come_first_counted_per_county(run_cli: RunCli, tmp_path: Path) -> None:
    # A blank template: PY1 submission 2 has 3 plan-level mandatory measures (1.1, 2.5, 3.6, on the
    # All row) and 7 county-level ones (1.2, 2.1, 2.2, 3.1, 3.3, 4.1, 4.2) in each county.
    # Alameda answers 1.2, so: All 3, Alameda 6, Fresno 7 = 16 missing.
    path = fill(blank_template(tmp_path), {("1.2", "Alameda"): 4})
    code, out, err = run_cli(["score", path])
    assert code == 0, err
    first_table = out.index("Mandatory answers missing")
    assert first_table < out.index("points per measure")
    assert "Mandatory answers missing: 16 (3 plan-wide, 13 in 2 counties)" in out
    lines: dict[str, list[str]] = {}
    for line in out[first_table:].splitlines():
        words = line.split()
        if words and words[0] in ("All", "Alameda", "Fresno"):
            lines.setdefault(words[0], words)
    assert lines["All"][1] == "3" and lines["Alameda"][1] == "6" and lines["Fresno"][1] == "7"
    assert "2.1, 2.2, 3.1, 3.3, 4.1, 4.2" in out  # Alameda's list, without the answered 1.2


def test_a_count_typed_into_a_percent_formatted_cell_is_a_warning(run_cli: RunCli, tmp_path: Path) -> None:
    path = filled_workbook(tmp_path, {("2.1", "Fresno"): 0.95})
    cell = response_cell(path, "2.1", "Fresno")

    def as_percent(wb: object) -> None:
        wb["Responses"][cell].number_format = "0%"  # type: ignore[index]

    edit(path, as_percent)
    code, out, err = run_cli(["score", path, "--format", "json"])
    assert code == 0, err
    (warning,) = json.loads(out)["findings"]
    assert warning["code"] == "percent-format"
    assert f"Responses!{cell}" in warning["message"] and "shows 95% and holds 0.95" in warning["message"]
    assert "percentage" in err  # and on the terminal
    # a number in a plainly formatted cell, or a percent format on a blank cell, says nothing
    (tmp_path / "plain").mkdir()
    other = filled_workbook(tmp_path / "plain", {("2.1", "Fresno"): 0.95})
    assert json.loads(run_cli(["score", other, "--format", "json"]).stdout)["findings"] == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_percent_warning_holds_for_a_workbook_saved_by_libreoffice(run_cli: RunCli, tmp_path: Path) -> None:
    path = filled_workbook(tmp_path, {("2.1", "Fresno"): 0.95})
    cell = response_cell(path, "2.1", "Fresno")

    def as_percent(wb: object) -> None:
        wb["Responses"][cell].number_format = "0.0%"  # type: ignore[index]

    edit(path, as_percent)
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    findings = json.loads(run_cli(["score", out / path.name, "--format", "json"]).stdout)["findings"]
    assert [f["code"] for f in findings] == ["percent-format"]


def test_a_value_no_float_can_hold_exactly_stays_exact_text_in_json() -> None:
    from decimal import Decimal

    from ipp_calc.core.numbers import exact_number

    assert exact_number(Decimal("184")) == 184
    assert exact_number(Decimal("184.50")) == 184.5
    # 19 significant digits: the nearest float is 0.12345678901234568, a different number
    assert exact_number(Decimal("0.1234567890123456789")) == "0.1234567890123456789"
