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
