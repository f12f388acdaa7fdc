"""The commands a user runs on a real year, through the real CLI: template, score, run, pool, explain.

Why on the shipped example: it is the year a new user runs first (the README's main command), so
these tests prove that what the README promises works from the command line, and they check
the contract's JSON keys and the reconciliation identity on a statewide-sized year.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import RunCli
from workbooks import fill

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"
PLAN = "heron-creek-care"  # a one-county plan of the example year (Contra Costa)


@pytest.fixture(scope="module")
def year_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`ipp run --format json` on the example year, once for the module (it takes a few seconds)."""
    from ipp_calc.cli import main

    out = tmp_path_factory.mktemp("run") / "run.json"
    with pytest.raises(SystemExit) as exited:
        main(["run", "--year", "1", "--data", str(EXAMPLE), "--format", "json", "-o", str(out), "--jobs", "1"])
    assert exited.value.code == 0
    return json.loads(out.read_text())


def money(text: str) -> Decimal:
    assert isinstance(text, str) and len(text.split(".")[-1]) == 2, text
    return Decimal(text)


def test_the_example_year_reconciles_to_the_cent(year_json: dict) -> None:
    rec = year_json["reconciliation"]
    assert set(rec) >= {"funding", "earned", "recouped", "pool_awarded", "retained", "balanced"}
    # funding = Σ earned − Σ recouped + Σ pool awarded + retained (RULES.md section 6)
    assert money(rec["funding"]) == money(rec["earned"]) - money(rec["recouped"]) + money(rec["pool_awarded"]) + money(
        rec["retained"]
    )
    assert rec["balanced"] is True
    assert money(rec["funding"]) == Decimal("600000000.00")  # the letter's PY1 funding


def test_run_json_carries_every_section_of_the_contract(year_json: dict) -> None:
    assert {"allocation", "scores", "pool", "reconciliation", "trace"} <= set(year_json)
    cells = year_json["allocation"]["cells"]
    assert sum(money(c["amount"]) for c in cells) == Decimal("600000000.00")
    assert len(year_json["scores"]) == 25 * 2  # 25 plans × 2 submissions
    for trace in year_json["trace"]:
        assert trace["steps"] and {"what", "value", "parameter", "reference"} <= set(trace["steps"][0])
    pool = year_json["pool"]
    # pool = Σ unearned + Σ forfeited (+ recouped, not pooled in PY1)
    sources = pool["sources"]
    assert money(pool["pool"]) == money(sources["unearned"]) + money(sources["forfeited"]) + money(sources["recouped"])
    assert money(pool["pool"]) == sum(money(p["award"]) for p in pool["plans"]) + money(pool["retained"])


def test_the_example_special_plans_are_treated_as_the_rules_say(year_json: dict) -> None:
    pool = {p["mcp"]: p for p in year_json["pool"]["plans"]}
    plans = {p["mcp"]: p for p in year_json["allocation"]["plans"]}
    for p in pool.values():
        if not p["eligible"]:
            assert money(p["award"]) == 0  # no award to an ineligible plan
    forfeiting = [m for m, p in plans.items() if money(p["forfeited"]) > 0]
    assert len(forfeiting) == 1  # exactly one plan offers no Community Supports
    assert pool[forfeiting[0]]["eligible"] is False
    assert any("Community Support" in r for r in pool[forfeiting[0]]["reasons"])
    assert any("corrective action plan" in r for p in pool.values() for r in p["reasons"])
    assert any(
        r.startswith("submission 2: mandatory measures not reported") for p in pool.values() for r in p["reasons"]
    )
    capped = [p for p in pool.values() if p["capped"]]
    assert len(capped) == 1
    c = capped[0]
    # a capped plan is awarded exactly its room: earned + award ≤ 5% of capitation
    assert money(c["award"]) == money(c["room"])


def test_score_prints_points_dollars_and_worth_for_an_example_workbook(run_cli: RunCli) -> None:
    workbook = EXAMPLE / "submissions" / f"{PLAN}-submission-2.xlsx"
    code, out, err = run_cli(["score", workbook, "--data", EXAMPLE])
    assert code == 0, err
    assert "points per measure" in out and "Worth" in out and "Allocated" in out
    assert "ILLUSTRATIVE" in out
    code, out, _ = run_cli(["score", workbook, "--data", EXAMPLE, "--format", "json"])
    doc = json.loads(out)
    assert {"mcp", "program_year", "submission", "measures", "areas", "mandatory_missing", "dollars", "totals"} <= set(
        doc
    )
    for row in doc["measures"]:
        assert {
            "measure",
            "county",
            "kind",
            "mandatory",
            "reported",
            "points_earned",
            "points_possible",
            "reason",
            "worth",
        } <= set(row)
        if row["points_earned"] == row["points_possible"]:
            assert row["worth"] == "0.00"
    totals = doc["totals"]
    # allocated = earned + unearned + forfeited, to the cent
    assert money(totals["allocated"]) == money(totals["earned"]) + money(totals["unearned"]) + money(
        totals["forfeited"]
    )


def test_score_without_a_data_folder_reports_points_only(run_cli: RunCli, tmp_path: Path) -> None:
    workbook = EXAMPLE / "submissions" / f"{PLAN}-submission-1.xlsx"
    code, out, err = run_cli(["score", workbook, "--format", "json"], cwd=tmp_path)
    assert code == 0, err
    doc = json.loads(out)
    assert "dollars" not in doc and all("worth" not in m for m in doc["measures"])
    assert doc["areas"] and all(0 <= a["fraction"] <= 1 for a in doc["areas"])


def test_a_template_from_the_data_folder_has_the_plans_counties_and_targets(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    code, _, err = run_cli(
        ["template", "--year", "1", "--submission", "2", "--data", EXAMPLE, "--mcp", PLAN, "-o", out]
    )
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    cover = {row[0]: row[1] for row in wb["Cover"].iter_rows(values_only=True) if row[0]}
    assert cover["MCP"] == PLAN and cover["Counties"] == "Contra Costa"
    header = [c.value for c in wb["Responses"][1]]
    target_col = header.index("Target")
    targets = {(r[0], r[1]): r[target_col] for r in wb["Responses"].iter_rows(min_row=2, values_only=True) if r[0]}
    expected = {
        (line.split(",")[2], line.split(",")[1]): Decimal(line.split(",")[3])
        for line in (EXAMPLE / "targets.csv").read_text().splitlines()[1:]
        if line.startswith(PLAN + ",")
    }
    for key, target in expected.items():
        assert Decimal(str(targets[key])) == target


def test_a_template_needs_counties_or_a_data_folder(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli(
        ["template", "--year", "1", "--submission", "1", "--mcp", "alpha", "-o", tmp_path / "t.xlsx"]
    )
    assert code == 2 and "--counties" in err and "Traceback" not in err
    assert not (tmp_path / "t.xlsx").exists()


def test_template_from_an_earlier_workbook_carries_nothing_the_measure_set_does_not_declare(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """Ids alone carry nothing, even between two templates of the same submission: only a
    measure's ``prepopulate_from`` does (tests/test_prepopulate.py)."""
    first = tmp_path / "first.xlsx"
    code, _, _ = run_cli(
        ["template", "--year", "1", "--submission", "1", "--mcp", "alpha", "--counties", "Alameda", "-o", first]
    )
    assert code == 0
    fill(first, {("1.1", "All"): "Yes", ("1.3", "Alameda"): 12})
    second = tmp_path / "second.xlsx"
    code, out, err = run_cli(
        [
            "template",
            "--year",
            "1",
            "--submission",
            "1",
            "--mcp",
            "alpha",
            "--counties",
            "Alameda",
            "--from",
            first,
            "-o",
            second,
        ]
    )
    assert code == 0, err
    assert "carried nothing" in out
    code, out, _ = run_cli(["score", second, "--format", "json"])
    rows = {(m["measure"], m["county"]): m for m in json.loads(out)["measures"]}
    assert rows[("1.1", "All")]["points_earned"] == 0  # not carried: blank, 0 of 20
    assert rows[("1.3", "Alameda")]["points_earned"] == 0


def _copy_year(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLE, target)
    return target


def test_a_missing_workbook_is_scored_as_nothing_reported_and_said_so(run_cli: RunCli, tmp_path: Path) -> None:
    data = _copy_year(tmp_path, "year")
    (data / "submissions" / f"{PLAN}-submission-2.xlsx").unlink()
    code, out, err = run_cli(["pool", "--year", "1", "--data", data, "--format", "json", "--jobs", "1"])
    assert code == 0, err
    assert f"MCP {PLAN} has no workbook for submission 2" in err
    plan = next(p for p in json.loads(out)["plans"] if p["mcp"] == PLAN)
    assert plan["eligible"] is False and plan["award"] == "0.00"
    assert any("no workbook filed" in r for r in plan["reasons"])


def test_two_workbooks_for_the_same_plan_and_submission_are_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    data = _copy_year(tmp_path, "year")
    original = data / "submissions" / f"{PLAN}-submission-1.xlsx"
    shutil.copy(original, data / "submissions" / "zz-copy.xlsx")
    code, out, err = run_cli(["run", "--year", "1", "--data", data, "--jobs", "1"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "zz-copy.xlsx" in err and f"{PLAN}-submission-1.xlsx" in err


def test_file_names_and_order_of_workbooks_change_no_byte_of_the_output(run_cli: RunCli, tmp_path: Path) -> None:
    first = _copy_year(tmp_path, "a")
    second = _copy_year(tmp_path, "b")
    for index, path in enumerate(sorted((second / "submissions").glob("*.xlsx"), reverse=True)):
        path.rename(path.with_name(f"{index:03d}-renamed.xlsx"))
    outputs = []
    for data in (first, second):
        runs = []
        for fmt in ("json", "csv"):
            code, out, _ = run_cli(["run", "--year", "1", "--data", data, "--format", fmt, "--jobs", "2"], cwd=data)
            assert code == 0
            runs.append(out)
        outputs.append(runs)
    assert outputs[0] == outputs[1]


def test_explain_shows_a_plans_chain_with_parameters_and_sources(run_cli: RunCli) -> None:
    code, out, err = run_cli(["explain", "--year", "1", "--mcp", PLAN, "--data", EXAMPLE, "--jobs", "1"])
    assert code == 0, err
    assert f"How {PLAN}'s dollars were made" in out
    for words in (
        "funding of the program year",
        "weight of",
        "area 3",
        "pool performance",
        "parameter:",
        "source: APL 21-016",
    ):
        assert words in out
    code, _, err = run_cli(["explain", "--year", "1", "--mcp", "nobody", "--data", EXAMPLE, "--jobs", "1"])
    assert code == 2 and "nobody" in err


def test_a_previous_workbook_of_another_plan_cannot_prepopulate_a_template(run_cli: RunCli, tmp_path: Path) -> None:
    other = EXAMPLE / "submissions" / f"{PLAN}-submission-1.xlsx"
    out = tmp_path / "t.xlsx"
    code, _, err = run_cli(
        [
            "template",
            "--year",
            "1",
            "--submission",
            "1",
            "--mcp",
            "alpha",
            "--counties",
            "Alameda",
            "--from",
            other,
            "-o",
            out,
        ]
    )
    assert code == 2 and f"is MCP {PLAN}'s workbook" in err and "Cover" in err
    assert not out.exists()
