"""Dollars on the plan's side: ``ipp score --allocation MINE.csv --elections MINE.yaml`` gives a plan
its dollars and ``worth`` from its own allocation and elections, without anyone else's data, and
exactly what DHCS's scoring of the same workbook gives."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import RunCli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"
PLAN = "cypress-flats-health"  # elects {1: 0.05, 2: 0.10, 3: 0.15}


@pytest.fixture
def dhcs(tmp_path: Path, run_cli: RunCli) -> Path:
    """The example year with DHCS's allocation table written out as allocation.csv (every row)."""
    data = Path(shutil.copytree(EXAMPLE, tmp_path / "dhcs"))
    code, out, _ = run_cli(["allocate", "--year", "1", "--data", data, "-f", "csv"])
    assert code == 0
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in csv.DictReader(io.StringIO(out)):
        totals[(row["mcp"], row["county"])] += Decimal(row["amount"])
    lines = ["mcp,county,amount", *(f"{m},{c},{a}" for (m, c), a in sorted(totals.items()))]
    (data / "allocation.csv").write_text("\n".join(lines) + "\n")
    return data


def plan_files(dhcs: Path, tmp_path: Path) -> tuple[Path, Path]:
    """What the plan knows: its own rows of the table (county, amount) and its own election."""
    rows = [r for r in csv.DictReader((dhcs / "allocation.csv").open()) if r["mcp"] == PLAN]
    mine = tmp_path / "my-allocation.csv"
    mine.write_text("county,amount\n" + "".join(f"{r['county']},{r['amount']}\n" for r in rows))
    text = (dhcs / "elections.yaml").read_text()
    start = text.index(f"\n{PLAN}:") + 1
    end = text.find("\n\n", start)
    elections = tmp_path / "my-elections.yaml"
    elections.write_text(text[start : end if end != -1 else None] + "\n")
    return mine, elections


def test_the_plans_own_files_give_the_same_dollars_and_worth_as_dhcss_data(
    run_cli: RunCli, dhcs: Path, tmp_path: Path
) -> None:
    workbook = dhcs / "submissions" / f"{PLAN}-submission-2.xlsx"
    code, theirs, err = run_cli(["score", workbook, "--data", dhcs, "-f", "json"])
    assert code == 0, err
    mine, elections = plan_files(dhcs, tmp_path)
    code, ours, err = run_cli(["score", workbook, "--allocation", mine, "--elections", elections, "-f", "json"])
    assert code == 0, err
    a, b = json.loads(theirs), json.loads(ours)
    assert b["dollars"] == a["dollars"] and b["totals"] == a["totals"]
    assert [m["worth"] for m in b["measures"]] == [m["worth"] for m in a["measures"]]
    # allocated = earned + unearned + forfeited, to the cent, from the plan's files alone
    t = {k: Decimal(v) for k, v in b["totals"].items()}
    assert t["allocated"] == t["earned"] + t["unearned"] + t["forfeited"]


def test_payment_and_area_split_of_a_plans_own_amount_by_hand(run_cli: RunCli, tmp_path: Path) -> None:
    workbook = EXAMPLE / "submissions" / f"{PLAN}-submission-2.xlsx"
    counties = json.loads(run_cli(["score", workbook, "-f", "json"]).stdout)["counties"]
    mine = tmp_path / "mine.csv"
    mine.write_text("county,amount\n" + "".join(f"{c},1000000.00\n" for c in counties))
    elections = tmp_path / "mine.yaml"
    elections.write_text(f'{PLAN}:\n  flexible: {{1: "0.30"}}\n  community_supports: [Sobering Centers]\n')
    code, out, err = run_cli(["score", workbook, "--allocation", mine, "--elections", elections, "-f", "json"])
    assert code == 0, err
    cell = {(d["county"], d["priority_area"]): d["allocated"] for d in json.loads(out)["dollars"]}
    county = counties[0]
    # $1,000,000 a county; Payment 2 is half: $500,000. Area 1: minimum 0.20 + flexible 0.30 = 0.50
    # → $250,000; area 2: 0.20 → $100,000; area 3: 0.30 → $150,000; area 4: 0 → $0.
    assert cell[(county, 1)] == "250000.00"
    assert cell[(county, 2)] == "100000.00"
    assert cell[(county, 3)] == "150000.00"
    assert cell[(county, 4)] == "0.00"


def test_bad_plan_side_input_is_one_line_naming_the_place(run_cli: RunCli, tmp_path: Path) -> None:
    workbook = EXAMPLE / "submissions" / f"{PLAN}-submission-2.xlsx"
    mine = tmp_path / "mine.csv"
    mine.write_text("county,amount\nNowhere,1.00\n")
    elections = tmp_path / "mine.yaml"
    elections.write_text(f'{PLAN}:\n  flexible: {{1: "0.30"}}\n')
    code, _, err = run_cli(["score", workbook, "--allocation", mine, "--elections", elections])
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{mine}:2:" in err and "'Nowhere' is not a county" in err
    mine.write_text("county,amount\n")  # no amount for the plan's county
    code, _, err = run_cli(["score", workbook, "--allocation", mine, "--elections", elections])
    assert code == 2 and "[missing-county]" in err
    code, _, err = run_cli(["score", workbook, "--allocation", mine])
    assert code == 2 and "--allocation and --elections together" in err
    counties = json.loads(run_cli(["score", workbook, "-f", "json"]).stdout)["counties"]
    mine.write_text("county,amount\n" + "".join(f"{c},1.00\n" for c in counties))
    elections.write_text('someone-else:\n  flexible: {1: "0.30"}\n')
    code, _, err = run_cli(["score", workbook, "--allocation", mine, "--elections", elections])
    assert code == 2 and f"has no entry for MCP '{PLAN}'" in err and "[missing-mcp]" in err
