"""The whole program through the real CLI: PY2 and PY3 run out of the box, improvement measures
take their baselines from the earlier years' workbooks, and the program view adds the years up
(RULES.md sections 8 and 9).
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import RunCli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def money(text: str) -> Decimal:
    assert isinstance(text, str) and len(text.split(".")[-1]) == 2, text
    return Decimal(text)


def balanced(rec: dict) -> bool:
    # funding = Σ earned − Σ recouped + Σ pool awarded + retained (RULES.md section 6)
    return money(rec["funding"]) == money(rec["earned"]) - money(rec["recouped"]) + money(rec["pool_awarded"]) + money(
        rec["retained"]
    )


@pytest.mark.parametrize(("number", "funding"), [(2, "600000000.00"), (3, "300000000.00")])
def test_every_shipped_later_year_runs_and_balances_to_the_cent(run_cli: RunCli, number: int, funding: str) -> None:
    code, out, err = run_cli(["run", "--year", str(number), "--data", EXAMPLES / f"py{number}", "-f", "json"])
    assert code == 0, err
    result = json.loads(out)
    rec = result["reconciliation"]
    assert balanced(rec) and rec["balanced"] is True
    assert rec["funding"] == funding  # the shipped program.yaml's illustrative funding
    assert result["status"] == "illustrative"


def test_py3_takes_py2_baselines_from_the_sibling_folder(run_cli: RunCli) -> None:
    code, out, err = run_cli(["run", "--year", "3", "--data", EXAMPLES / "py3", "-f", "json"])
    assert code == 0, err
    result = json.loads(out)
    assert any("baselines for PY2 are read from this folder" in n for n in result["notices"])
    rows = [m for s in result["scores"] for m in s["measures"] if m["measure"] == "4.3" and m["reported"]]
    sources = {m["baseline_source"] for m in rows}
    assert "data folder" in sources
    new_plan = [m for s in result["scores"] if s["mcp"] == "saffron-hollow-health" for m in s["measures"]]
    # the new plan has no PY2 workbook: every improvement answer it gave is "no baseline"
    assert all(m["reason"].startswith("no baseline") for m in new_plan if m["kind"] == "improvement" and m["reported"])


def test_without_the_earlier_year_the_workbooks_baseline_column_is_used(run_cli: RunCli, tmp_path: Path) -> None:
    alone = tmp_path / "py3"
    shutil.copytree(EXAMPLES / "py3", alone)  # no py2/ beside it
    code, out, err = run_cli(["run", "--year", "3", "--data", alone, "-f", "json"])
    assert code == 0, err
    result = json.loads(out)
    assert any("no PY2 data folder given" in n for n in result["notices"])
    rows = [m for s in result["scores"] for m in s["measures"] if m["kind"] == "improvement" and m["reported"]]
    # the example workbooks carry no Baseline column, so every reported improvement has no baseline
    assert rows and all(m["reason"].startswith("no baseline") for m in rows)
    # --baseline-data names the folder explicitly
    code, out, err = run_cli(["run", "--year", "3", "--data", alone, "--baseline-data", EXAMPLES / "py2", "-f", "json"])
    assert code == 0, err
    again = json.loads(out)
    assert any(m.get("baseline_source") == "data folder" for s in again["scores"] for m in s["measures"])


def test_score_takes_the_same_years_earlier_workbook_as_the_baseline(run_cli: RunCli) -> None:
    workbook = EXAMPLES / "py2" / "submissions" / "heron-creek-care-submission-4.xlsx"
    code, out, err = run_cli(["score", workbook, "--data", EXAMPLES / "py2", "-f", "json"])
    assert code == 0, err
    rows = [m for m in json.loads(out)["measures"] if m["measure"] in ("4.3", "4.4")]
    assert rows and all("baseline" in m for m in rows)
    assert any(m["baseline_source"] == "data folder" for m in rows)
    for m in rows:
        if m["baseline_source"] == "data folder" and m["reported"]:
            assert f"on a baseline of {m['baseline']}" in m["reason"]


# --------------------------------------------------------------------------- ipp program


@pytest.fixture(scope="module")
def program_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`ipp program --data examples --format json`, once for the module (three years)."""
    from ipp_calc.cli import main

    out = tmp_path_factory.mktemp("program") / "program.json"
    with pytest.raises(SystemExit) as exited:
        main(["program", "--data", str(EXAMPLES), "--format", "json", "-o", str(out)])
    assert exited.value.code == 0
    return json.loads(out.read_text())


def test_the_program_reconciles_to_the_cent(program_json: dict) -> None:
    rec = program_json["reconciliation"]
    # Σ funding = $600,000,000 (PY1) + $600,000,000 (PY2) + $300,000,000 (PY3) = $1,500,000,000
    assert rec["funding"] == "1500000000.00"
    assert balanced(rec) and rec["balanced"] is True
    years = program_json["years"]
    assert [y["program_year"] for y in years] == [1, 2, 3]
    for name in ("earned", "recouped", "pool_awarded", "retained"):
        assert money(rec[name]) == sum(money(y["reconciliation"][name]) for y in years)
    assert program_json["status"] == "illustrative"


def test_the_program_adds_each_plans_years_up(program_json: dict) -> None:
    plans = program_json["plans"]
    assert len(plans) == 26  # PY1's 25, one leaving and one new in PY3
    for plan in plans:
        totals = plan["totals"]
        for name in ("max_allocation", "earned", "recouped", "pool_award", "total"):
            assert money(totals[name]) == sum(money(y[name]) for y in plan["by_year"])
        assert money(totals["total"]) == money(totals["earned"]) - money(totals["recouped"]) + money(
            totals["pool_award"]
        )
    program_total = program_json["totals"]
    rec = program_json["reconciliation"]
    # what the plans keep is the funding less what the state retains
    assert money(program_total["total"]) == money(rec["funding"]) - money(rec["retained"])


def test_a_plan_present_in_some_years_only_is_shown_as_such(program_json: dict, run_cli: RunCli) -> None:
    by_id = {p["mcp"]: p for p in program_json["plans"]}
    assert (by_id["saffron-terrace-care"]["years"], by_id["saffron-terrace-care"]["absent"]) == ([1, 2], [3])
    assert (by_id["saffron-hollow-health"]["years"], by_id["saffron-hollow-health"]["absent"]) == ([3], [1, 2])
    code, out, err = run_cli(["program", "--data", EXAMPLES, "-f", "csv"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "mcp,program_year,in_year,max_allocation,earned,recouped,pool_award,total"
    assert len(lines) == 1 + 26 * 3
    assert "saffron-hollow-health,1,no,,,,," in lines
    code, out, err = run_cli(["program", "--data", EXAMPLES])
    assert code == 0, err
    assert "not in PY3" in out and "not in PY1" in out


def test_the_program_workbook_has_a_program_sheet_then_each_years_sheets(run_cli: RunCli, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "program.xlsx"
    code, _, err = run_cli(["program", "--data", EXAMPLES, "-o", out])
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Program"
    for number in (1, 2, 3):
        assert f"PY{number} Summary" in wb.sheetnames and f"PY{number} Reconciliation" in wb.sheetnames
    ws = wb["Program"]
    assert [c.value for c in ws[1]][:6] == ["MCP", "PY1 total", "PY2 total", "PY3 total", "Program total", "Years"]
    assert len(ws._charts) == 1  # each plan's dollars by year
    leaving = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "saffron-terrace-care")
    assert leaving[3] is None and leaving[5] == "PY1, PY2 (not in PY3)"


def test_a_folder_without_year_folders_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli(["program", "--data", tmp_path])
    assert code == 2
    assert "no program-year data folders here" in err


# --------------------------------------------------------------------------- the template's Baseline column


def test_the_template_shows_the_baseline_and_what_to_reach_and_scoring_reads_it_back(
    run_cli: RunCli, tmp_path: Path
) -> None:
    import openpyxl

    from workbooks import fill

    path = tmp_path / "t.xlsx"
    code, _, err = run_cli(
        [
            "template",
            "--year",
            "2",
            "--submission",
            "4",
            "--data",
            EXAMPLES / "py2",
            "--mcp",
            "heron-creek-care",
            "--from",
            EXAMPLES / "py2" / "submissions" / "heron-creek-care-submission-3.xlsx",
            "-o",
            path,
        ]
    )
    assert code == 0, err
    ws = openpyxl.load_workbook(path)["Responses"]
    header = [c.value for c in ws[1]]
    assert header[-1] == "Baseline" and header[2] == "Response"  # added at the end: no column moves
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "4.3")
    # heron-creek-care reported 14 visits per 1,000 for 4.3 in Submission 3; lower is better, 5 %:
    # 14 × (1 − 0.05) = 13.3, so the plan must reach at most 13.3
    assert row[-1] == 14
    assert "baseline 14: reach at most 13.3" in row[3]  # Answer with, beside Response
    # Scored without a data folder, the workbook's Baseline is used: (14 − 13) / 14 = 7.14 % ≥ 5 %
    fill(path, {("4.3", "Contra Costa"): 13})
    code, out, err = run_cli(["score", path, "-f", "json"], cwd=tmp_path)
    assert code == 0, err
    scored = next(m for m in json.loads(out)["measures"] if m["measure"] == "4.3")
    assert (scored["baseline"], scored["baseline_source"], scored["points_earned"]) == (14, "workbook", 20)
    assert "improved 7.14 % on a baseline of 14, needed 5 %" in scored["reason"]


def test_where_the_baselines_come_from_is_a_baseline_source_note(tmp_path: Path) -> None:
    """PY3's improvement measures name PY2 baselines: with the py2/ folder beside py3/ the note
    names that folder; with no PY2 folder anywhere, the note says the Baseline column is used."""
    from ipp_calc.app.common import load_measure_set, measures_root
    from ipp_calc.io.year_loader import load_earlier_years

    ms = load_measure_set(None, 3)
    found = load_earlier_years(ms, measures_root(None), EXAMPLES / "py3")
    assert [(n.code, n.severity) for n in found.notes] == [("baseline-source", "note")]
    assert "baselines for PY2 are read from this folder's workbooks" in found.notes[0].message
    lonely = tmp_path / "py3"
    shutil.copytree(EXAMPLES / "py3", lonely)
    alone = load_earlier_years(ms, measures_root(None), lonely)
    assert [n.code for n in alone.notes] == ["baseline-source"]
    assert "come from each workbook's Baseline column" in alone.notes[0].message
