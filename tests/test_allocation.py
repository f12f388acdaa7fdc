"""Maximum allocations (RULES.md sections 2, 3, 6; src/ipp_calc/core/allocation.py, ``ipp allocate``).

Scenario tests carry their hand arithmetic beside every expected number; the properties at the
end check, for random plans tables, factor weights, elections and funding, that every level adds
up to the cent and that each cell is within a cent of its exact rational share, with an oracle
written here from RULES.md rather than from the code.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import RunCli, WorkedExample, copy_measures
from ipp_calc.core.allocation import (
    Allocation,
    allocate,
    area_shares,
    catalog_problems,
    cell_weights,
    election_problems,
)
from ipp_calc.core.models import AllocationParams, Election, Factor, PlanRow, Program, TableRow
from ipp_calc.core.money import cents, from_cents
from ipp_calc.errors import InputError
from ipp_calc.io.data import read_data_folder
from ipp_calc.io.measures import load_year, shipped_measures_dir

D = Decimal
MONEY = re.compile(r"^\d+\.\d{2}$")  # FORMATS.md: a string with exactly two decimals
CS_THREE = ["Housing Deposits", "Respite Services", "Sobering Centers"]


@cache
def py1() -> Program:
    return load_year(shipped_measures_dir(), 1).program


def program(funding: str = "1000.00", weights: tuple[str, str, str] | None = None) -> Program:
    """PY1's program.yaml with another funding and, optionally, other factor weights (mm, rev, pilot)."""
    update: dict[str, Any] = {"funding": D(funding)}
    if weights is not None:
        names = ("member_months", "revenue", "pilot_member_months")
        factors = [Factor(name=n, weight=D(w)) for n, w in zip(names, weights, strict=True)]
        update["allocation"] = AllocationParams(factors=factors)
    return py1().model_copy(update=update)


def election(flexible: dict[int, str], community_supports: list[str] | None = None, **extra: Any) -> Election:
    cs = CS_THREE if community_supports is None else community_supports
    return Election.model_validate({"flexible": flexible, "community_supports": cs, **extra})


def row(mcp: str, county: str, mm: int, revenue: str, wpc: bool, hhp: bool = False, cap: str | None = None) -> PlanRow:
    return PlanRow(mcp, county, D(mm), D(revenue), wpc, hhp, D(cap) if cap is not None else None)


# RULES.md's worked example as library objects (conftest.WORKED_PLANS_CSV is the same on disk).
WORKED_ROWS = (
    row("A", "Alameda", 300, "200", wpc=True),
    row("A", "Fresno", 100, "100", wpc=False),
    row("B", "Alameda", 600, "700", wpc=True, hhp=True),
)
WORKED_ELECTIONS = {"A": election({3: "0.30"}), "B": election({1: "0.30"})}


def amounts(result: Allocation, mcp: str, county: str, payment: int) -> list[Decimal]:
    """Areas 1..4 of one cell."""
    return [result.cell(mcp, county, payment, a).amount for a in (1, 2, 3, 4)]  # type: ignore[union-attr]


def cell_total(result: Allocation, mcp: str, county: str, payment: int) -> Decimal:
    return sum(amounts(result, mcp, county, payment), D(0))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# =========================================================================== the worked example


def test_worked_example_a_1000_dollar_year_splits_to_the_cent_exactly_as_rules_md_works_it_by_hand() -> None:
    result = allocate(program("1000.00"), WORKED_ROWS, WORKED_ELECTIONS)

    # Factor shares: member months 300/100/600 of 1,000 → 0.3/0.1/0.6; revenue 200/100/700 of 1,000 →
    # 0.2/0.1/0.7; pilot member months 300/0/600 of 900 → 1/3, 0, 2/3.
    assert result.weights == {
        ("A", "Alameda"): Fraction(83, 300),  # 0.5·0.3 + 0.3·0.2 + 0.2·(1/3) = 0.15 + 0.06 + 0.0666… = 0.276666…
        ("A", "Fresno"): Fraction(8, 100),  # 0.5·0.1 + 0.3·0.1 + 0.2·0 = 0.05 + 0.03 = 0.08
        ("B", "Alameda"): Fraction(193, 300),  # 0.5·0.6 + 0.3·0.7 + 0.2·(2/3) = 0.30 + 0.21 + 0.1333… = 0.643333…
    }
    assert sum(result.weights.values()) == 1  # 83/300 + 24/300 + 193/300 = 300/300

    # Funding $1,000.00 → payments by 0.5 / 0.5: 100,000 cents → 50,000 + 50,000, exact.
    assert result.payment_totals == {1: D("500.00"), 2: D("500.00")}

    for payment in (1, 2):  # "Payment 2 is the same"
        # 50,000 cents × 0.276666… = 13,833.33… → floor 13,833 (remainder .33…)
        assert cell_total(result, "A", "Alameda", payment) == D("138.33")
        # 50,000 cents × 0.08 = 4,000 exactly → 4,000 (remainder 0)
        assert cell_total(result, "A", "Fresno", payment) == D("40.00")
        # 50,000 cents × 0.643333… = 32,166.66… → floor 32,166 (remainder .66…); floors total
        # 13,833 + 4,000 + 32,166 = 49,999, one cent short → it goes to the largest remainder, B-Alameda.
        assert cell_total(result, "B", "Alameda", payment) == D("321.67")

        # A elects {3: 0.30} → shares 0.20 / 0.20 / 0.30 + 0.30 = 0.60 / 0. A-Alameda: 13,833 cents →
        # 2,766.6 / 2,766.6 / 8,299.8 / 0 → floors 2,766 + 2,766 + 8,299 = 13,831, two cents short: the first
        # to 8,299.8 (area 3), the second to the .6 tie between areas 1 and 2, broken by area key 1 < 2.
        assert amounts(result, "A", "Alameda", payment) == [D("27.67"), D("27.66"), D("83.00"), D("0.00")]
        # A-Fresno: 4,000 cents × 0.2 / 0.2 / 0.6 / 0 = 800 / 800 / 2,400 / 0 exactly.
        assert amounts(result, "A", "Fresno", payment) == [D("8.00"), D("8.00"), D("24.00"), D("0.00")]
        # B elects {1: 0.30} (our choice; RULES.md leaves B's open) → 0.50 / 0.20 / 0.30 / 0. B-Alameda:
        # 32,167 cents → 16,083.5 / 6,433.4 / 9,650.1 / 0 → floors 16,083 + 6,433 + 9,650 = 32,166, one short →
        # the largest remainder is .5 (area 1).
        assert amounts(result, "B", "Alameda", payment) == [D("160.84"), D("64.33"), D("96.50"), D("0.00")]

    plan_a, plan_b = result.plan("A"), result.plan("B")
    assert plan_a is not None and plan_b is not None
    assert plan_a.max_allocation == D("356.66")  # 2 × (138.33 + 40.00) = 2 × 178.33
    assert plan_b.max_allocation == D("643.34")  # 2 × 321.67
    assert plan_a.max_allocation + plan_b.max_allocation == D("1000.00")  # 356.66 + 643.34
    assert plan_a.forfeited == plan_b.forfeited == D("0.00")  # both offer Community Supports
    assert result.unallocated == D("0.00")
    assert result.method == "factors"
    assert result.findings == ()  # no capitation column, so no limit to check


def assert_allocate_json_contract(document: dict[str, Any]) -> None:
    """FORMATS.md's ``allocate`` keys (extra keys allowed), money as two-decimal strings, sorted lists."""
    assert {"program_year", "funding", "cells", "plans"} <= set(document)
    assert isinstance(document["program_year"], int)
    assert MONEY.fullmatch(document["funding"])
    for cell in document["cells"]:
        assert {"mcp", "county", "payment", "priority_area", "amount"} <= set(cell)
        assert isinstance(cell["mcp"], str) and isinstance(cell["county"], str)
        assert isinstance(cell["payment"], int) and isinstance(cell["priority_area"], int)
        assert isinstance(cell["amount"], str) and MONEY.fullmatch(cell["amount"]), cell
    order = [(c["mcp"], c["county"], c["payment"], c["priority_area"]) for c in document["cells"]]
    assert order == sorted(order)  # sorted by MCP id, county, payment, priority area
    for plan in document["plans"]:
        assert {"mcp", "max_allocation", "forfeited"} <= set(plan)
        assert MONEY.fullmatch(plan["max_allocation"]) and MONEY.fullmatch(plan["forfeited"]), plan
    assert [p["mcp"] for p in document["plans"]] == sorted(p["mcp"] for p in document["plans"])


def test_worked_example_through_ipp_allocate_json_gives_the_hand_checked_cents(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    code, out, err = run_cli(worked_example.argv("--format", "json"))
    assert code == 0, err
    document = json.loads(out)
    assert_allocate_json_contract(document)
    assert document["program_year"] == 1
    assert document["funding"] == "1000.00"
    cells = {(c["mcp"], c["county"], c["payment"], c["priority_area"]): c["amount"] for c in document["cells"]}
    assert len(cells) == 3 * 2 * 4  # 3 (MCP, county) rows × 2 payments × 4 priority areas
    for p in (1, 2):
        # A-Alameda 138.33 → areas 27.67 / 27.66 / 83.00 / 0.00 (see the library test for the arithmetic)
        assert [cells[("A", "Alameda", p, a)] for a in (1, 2, 3, 4)] == ["27.67", "27.66", "83.00", "0.00"]
        # A-Fresno 40.00 → 8.00 / 8.00 / 24.00 / 0.00
        assert [cells[("A", "Fresno", p, a)] for a in (1, 2, 3, 4)] == ["8.00", "8.00", "24.00", "0.00"]
        # B-Alameda 321.67 → 160.84 / 64.33 / 96.50 / 0.00
        assert [cells[("B", "Alameda", p, a)] for a in (1, 2, 3, 4)] == ["160.84", "64.33", "96.50", "0.00"]
    assert [(p["mcp"], p["max_allocation"], p["forfeited"]) for p in document["plans"]] == [
        ("A", "356.66", "0.00"),  # 2 × (138.33 + 40.00)
        ("B", "643.34", "0.00"),  # 2 × 321.67
    ]


def test_worked_example_through_ipp_allocate_csv_and_table_agrees_with_the_json(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    code, out, err = run_cli(worked_example.argv("--format", "csv"))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"mcp", "county", "payment", "priority_area", "amount"} <= set(rows[0])
    by_cell = {(r["mcp"], r["county"], r["payment"]): D(0) for r in rows}
    for r in rows:
        assert MONEY.fullmatch(r["amount"])
        by_cell[(r["mcp"], r["county"], r["payment"])] += D(r["amount"])
    assert by_cell == {
        ("A", "Alameda", "1"): D("138.33"),
        ("A", "Alameda", "2"): D("138.33"),
        ("A", "Fresno", "1"): D("40.00"),
        ("A", "Fresno", "2"): D("40.00"),
        ("B", "Alameda", "1"): D("321.67"),
        ("B", "Alameda", "2"): D("321.67"),
    }
    code, out, err = run_cli(worked_example.argv("--format", "table"))
    assert code == 0, err
    assert "356.66" in out and "643.34" in out and "1,000.00" in out  # the plans' maxima and the total


def test_the_worked_example_read_from_disk_equals_the_library_objects(worked_example: WorkedExample) -> None:
    folder = read_data_folder(worked_example.data, program("1000.00"))
    assert [(r.mcp, r.county, r.member_months, r.revenue, r.pilot) for r in folder.plans] == [
        (r.mcp, r.county, r.member_months, r.revenue, r.pilot) for r in WORKED_ROWS
    ]
    from_disk = allocate(program("1000.00"), folder.plans, folder.elections)
    assert from_disk.cells == allocate(program("1000.00"), WORKED_ROWS, WORKED_ELECTIONS).cells


# =========================================================================== priority-area scenarios


def test_an_mcp_offering_no_community_supports_forfeits_its_area_3_share_and_it_is_still_allocated() -> None:
    elections = {"A": WORKED_ELECTIONS["A"], "B": election({1: "0.30"}, community_supports=[])}
    result = allocate(program("1000.00"), WORKED_ROWS, elections)
    for p in (1, 2):
        # B-Alameda 321.67 → 0.50 / 0.20 / 0.30 / 0 → 160.84 / 64.33 / 96.50 / 0.00 (as in the worked example);
        # area 3's part, 96.50, is shown but forfeited (to the high-performance pool).
        area3 = result.cell("B", "Alameda", p, 3)
        assert area3 is not None and area3.amount == D("96.50") and area3.forfeited
        assert not any(result.cell("B", "Alameda", p, a).forfeited for a in (1, 2, 4))  # type: ignore[union-attr]
        assert not any(c.forfeited for c in result.cells if c.mcp == "A")  # A offers Community Supports
    plan_b = result.plan("B")
    assert plan_b is not None
    assert plan_b.forfeited == D("193.00")  # 96.50 × 2 payments
    assert plan_b.max_allocation == D("643.34")  # forfeited share included: 2 × 321.67


def test_forfeited_area_3_is_flagged_in_the_json_and_summed_on_the_plan(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    write(
        worked_example.elections,
        'A:\n  flexible: {3: "0.30"}\n  community_supports: [Housing Deposits]\n'
        'B:\n  flexible: {1: "0.30"}\n  community_supports: []\n',
    )
    code, out, err = run_cli(worked_example.argv("--format", "json"))
    assert code == 0, err
    document = json.loads(out)
    flagged = [(c["mcp"], c["payment"], c["priority_area"], c["amount"]) for c in document["cells"] if c["forfeited"]]
    assert flagged == [("B", 1, 3, "96.50"), ("B", 2, 3, "96.50")]  # 321.67 × 0.30 → 96.50, each payment
    plans = {p["mcp"]: p for p in document["plans"]}
    assert plans["B"]["forfeited"] == "193.00"  # 2 × 96.50
    assert plans["A"]["forfeited"] == "0.00"


def test_electing_flexible_share_into_area_3_without_community_supports_is_an_election_error(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    bad = election({3: "0.30"}, community_supports=[])
    problems = election_problems(py1(), "B", bad)
    assert [(p.code, p.path) for p in problems] == [("election", ("flexible", 3))]
    assert "Community Supports" in problems[0].message

    write(
        worked_example.elections,
        'A:\n  flexible: {3: "0.30"}\n  community_supports: [Housing Deposits]\n'
        'B:\n  flexible: {3: "0.30"}\n  community_supports: []\n',
    )
    code, out, err = run_cli(worked_example.argv("--format", "table"))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "elections.yaml:5" in err and "MCP B" in err and "Community Supports" in err and "[election]" in err


def test_an_approved_exception_moves_five_points_from_area_1_to_area_3() -> None:
    e = election({3: "0.30"}, exception={"approved": True, "from": 1, "to": 3, "share": "0.05"})
    assert election_problems(py1(), "A", e) == []
    # minimums 0.20 / 0.20 / 0.30 / 0, flexible {3: 0.30}, exception 1 → 3 of 0.05:
    # area 1 0.20 − 0.05 = 0.15; area 2 0.20; area 3 0.30 + 0.30 + 0.05 = 0.65; area 4 0.
    assert area_shares(py1(), e) == {1: D("0.15"), 2: D("0.20"), 3: D("0.65"), 4: D("0")}
    assert sum(area_shares(py1(), e).values()) == 1

    result = allocate(program("1000.00"), WORKED_ROWS, {"A": e, "B": WORKED_ELECTIONS["B"]})
    # A-Alameda payment 1 is 138.33 (13,833 cents) → × 0.15 / 0.20 / 0.65 / 0 = 2,074.95 / 2,766.6 / 8,991.45 / 0
    # → floors 2,074 + 2,766 + 8,991 = 13,831, two cents short → remainders .95 (area 1), .6 (area 2), .45 (area 3):
    # areas 1 and 2 get them.
    assert amounts(result, "A", "Alameda", 1) == [D("20.75"), D("27.67"), D("89.91"), D("0.00")]
    # A-Fresno 40.00 (4,000 cents) → 600 / 800 / 2,600 / 0, exact.
    assert amounts(result, "A", "Fresno", 1) == [D("6.00"), D("8.00"), D("26.00"), D("0.00")]


def test_an_exception_not_marked_approved_is_an_error_that_names_the_mcp(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    e = election({3: "0.30"}, exception={"approved": False, "from": 1, "to": 3, "share": "0.05"})
    problems = election_problems(py1(), "A", e)
    assert [(p.mcp, p.code, p.path) for p in problems] == [("A", "election", ("exception", "approved"))]
    assert "not approved" in problems[0].message

    write(
        worked_example.elections,
        'A:\n  flexible: {3: "0.30"}\n  exception: {approved: false, from: 1, to: 3, share: "0.05"}\n'
        "  community_supports: [Housing Deposits]\n"
        'B:\n  flexible: {1: "0.30"}\n  community_supports: [Housing Deposits]\n',
    )
    code, out, err = run_cli(worked_example.argv())
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "elections.yaml:3" in err and "MCP A" in err and "not approved" in err


def test_an_exception_into_an_area_the_mcp_did_not_elect_is_an_error() -> None:
    # A elects only area 3, then asks to move 0.05 into area 2: area 2 is not one of its elected areas.
    e = election({3: "0.30"}, exception={"approved": True, "from": 1, "to": 2, "share": "0.05"})
    problems = election_problems(py1(), "A", e)
    assert [(p.code, p.path) for p in problems] == [("election", ("exception", "to"))]
    assert "did not elect" in problems[0].message


@pytest.mark.parametrize(
    ("source", "share", "has"),
    [
        (1, "0.25", "0.20"),  # area 1 has 0.20 (minimum, no flexible): 0.20 − 0.25 = −0.05 < 0
        (4, "0.01", "0"),  # area 4 has 0 (minimum 0, no flexible): 0 − 0.01 < 0
    ],
)
def test_an_exception_that_would_take_an_area_below_zero_is_an_error(source: int, share: str, has: str) -> None:
    e = election({3: "0.30"}, exception={"approved": True, "from": source, "to": 3, "share": share})
    problems = election_problems(py1(), "A", e)
    assert [(p.code, p.path) for p in problems] == [("election", ("exception", "share"))]
    assert f"has only {has}" in problems[0].message


def test_an_exception_taking_an_area_exactly_to_zero_is_allowed() -> None:
    # area 1: 0.20 − 0.20 = 0 (allowed: "no area may go below 0"); area 3: 0.30 + 0.30 + 0.20 = 0.80
    e = election({3: "0.30"}, exception={"approved": True, "from": 1, "to": 3, "share": "0.20"})
    assert election_problems(py1(), "A", e) == []
    assert area_shares(py1(), e) == {1: D("0"), 2: D("0.20"), 3: D("0.80"), 4: D("0")}


@pytest.mark.parametrize(
    ("flexible", "adds_up_to"),
    [
        ({3: "0.25"}, "0.25"),  # 0.05 short
        ({1: "0.10", 3: "0.25"}, "0.35"),  # 0.05 over
        ({}, "0"),  # nothing elected
    ],
)
def test_flexible_shares_that_do_not_add_up_to_exactly_0_30_are_an_error(
    flexible: dict[int, str], adds_up_to: str
) -> None:
    problems = election_problems(py1(), "A", election(flexible))
    assert [(p.code, p.path) for p in problems] == [("election", ("flexible",))]
    assert f"add up to {adds_up_to}" in problems[0].message and "0.30" in problems[0].message


def test_flexible_share_into_an_area_that_does_not_exist_is_an_error() -> None:
    problems = election_problems(py1(), "A", election({5: "0.30"}))
    assert ("election", ("flexible", 5)) in [(p.code, p.path) for p in problems]


def test_a_community_support_outside_the_catalog_is_named_with_the_nearest_catalog_name() -> None:
    e = election({3: "0.30"}, community_supports=["Housing Deposits", "sobering center", " respite services "])
    problems = catalog_problems(py1(), "A", e)
    # "Housing Deposits" is exact; " respite services " matches "Respite Services" without case or spaces;
    # "sobering center" is not in the catalog, and the nearest name is suggested.
    assert [(p.code, p.path) for p in problems] == [("unknown-community-support", ("community_supports", 1))]
    assert "'Sobering Centers'" in problems[0].message


# =========================================================================== DHCS's own table


def test_dhcs_allocation_table_is_used_as_given_split_50_50_into_payments_then_into_areas() -> None:
    table = (
        TableRow("A", "Alameda", D("300.01")),
        TableRow("A", "Fresno", D("100.00")),
        TableRow("B", "Alameda", D("0.05")),
    )
    result = allocate(program("1000.00"), WORKED_ROWS, WORKED_ELECTIONS, table)
    assert result.method == "table"
    # A-Alameda 30,001 cents × 0.5 / 0.5 = 15,000.5 each → floors 15,000 + 15,000, one cent left, a .5 tie
    # broken by payment key 1 < 2 → 150.01 / 150.00.
    assert (cell_total(result, "A", "Alameda", 1), cell_total(result, "A", "Alameda", 2)) == (D("150.01"), D("150.00"))
    # A-Fresno 10,000 cents → 5,000 / 5,000.
    assert (cell_total(result, "A", "Fresno", 1), cell_total(result, "A", "Fresno", 2)) == (D("50.00"), D("50.00"))
    # B-Alameda 5 cents → 2.5 / 2.5 → 3 / 2 (tie to payment 1).
    assert (cell_total(result, "B", "Alameda", 1), cell_total(result, "B", "Alameda", 2)) == (D("0.03"), D("0.02"))
    # Payment totals are the sums of the table's halves: 150.01 + 50.00 + 0.03 = 200.04; 150.00 + 50.00 + 0.02.
    assert result.payment_totals == {1: D("200.04"), 2: D("200.02")}
    # Unallocated = funding − Σ table = 1,000.00 − (300.01 + 100.00 + 0.05) = 1,000.00 − 400.06.
    assert result.unallocated == D("599.94")
    assert any("599.94" in note and "unallocated" in note for note in result.notes)
    # Areas: A-Alameda payment 1, 15,001 cents × 0.2 / 0.2 / 0.6 / 0 = 3,000.2 / 3,000.2 / 9,000.6 / 0 →
    # floors 3,000 + 3,000 + 9,000 = 15,000, one left → the largest remainder .6 (area 3).
    assert amounts(result, "A", "Alameda", 1) == [D("30.00"), D("30.00"), D("90.01"), D("0.00")]
    # B-Alameda payment 1, 3 cents × 0.5 / 0.2 / 0.3 / 0 = 1.5 / 0.6 / 0.9 / 0 → floors 1 + 0 + 0 = 1, two left
    # → remainders .9 (area 3), .6 (area 2), .5 (area 1): areas 3 and 2.
    assert amounts(result, "B", "Alameda", 1) == [D("0.01"), D("0.01"), D("0.01"), D("0.00")]
    plan_a, plan_b = result.plan("A"), result.plan("B")
    assert plan_a is not None and plan_b is not None
    assert plan_a.max_allocation == D("400.01")  # 300.01 + 100.00, the table's amounts as given
    assert plan_b.max_allocation == D("0.05")
    # Conservation: Σ cells + unallocated = funding.
    assert sum((c.amount for c in result.cells), D(0)) + result.unallocated == D("1000.00")


def test_dhcs_table_through_the_cli_reports_unallocated_and_method(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    write(worked_example.data / "allocation.csv", "mcp,county,amount\nA,Alameda,300.01\nA,Fresno,100.00\nB,Alameda,0\n")
    code, out, err = run_cli(worked_example.argv("--format", "json"))
    assert code == 0, err
    document = json.loads(out)
    assert_allocate_json_contract(document)
    assert document["method"] == "table"
    assert document["unallocated"] == "599.99"  # 1,000.00 − (300.01 + 100.00) = 1,000.00 − 400.01
    # B-Alameda is 0 in the table: its cells are 0.00; A's plan is the table's 300.01 + 100.00.
    assert {p["mcp"]: p["max_allocation"] for p in document["plans"]} == {"A": "400.01", "B": "0.00"}
    assert any("599.99" in note for note in document["notes"])


def test_a_plans_row_left_out_of_dhcs_table_gets_nothing() -> None:
    table = (TableRow("A", "Alameda", D("10.00")),)
    result = allocate(program("1000.00"), WORKED_ROWS, WORKED_ELECTIONS, table)
    # A-Fresno and B-Alameda are not in the table: every one of their cells is 0.00.
    assert all(c.amount == 0 for c in result.cells if (c.mcp, c.county) != ("A", "Alameda"))
    assert result.unallocated == D("990.00")  # 1,000.00 − 10.00


def test_a_dhcs_table_that_leaves_out_a_plans_row_is_refused_naming_every_missing_row(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    # plans.csv: A-Alameda (line 2), A-Fresno (line 3), B-Alameda (line 4); the table names only A-Alameda.
    write(worked_example.data / "allocation.csv", "mcp,county,amount\nA,Alameda,300.00\n")
    code, out, _ = run_cli(worked_example.argv("--format", "json"))
    assert code == 2
    error = json.loads(out)["error"]
    missing = [error, *error.get("more", [])]
    assert [(e["code"], Path(e["file"]).name) for e in missing] == [("allocation-table", "allocation.csv")] * 2
    assert "MCP A in Fresno (plans.csv line 3)" in missing[0]["message"]
    assert "MCP B in Alameda (plans.csv line 4)" in missing[1]["message"]
    assert "0.00" in missing[0]["message"]  # the way to say "nothing" explicitly


def test_a_dhcs_table_over_the_funding_is_refused(worked_example: WorkedExample) -> None:
    # 600.00 + 400.01 = 1,000.01 > 1,000.00 funding by one cent.
    write(worked_example.data / "allocation.csv", "mcp,county,amount\nA,Alameda,600.00\nA,Fresno,0\nB,Alameda,400.01\n")
    with pytest.raises(InputError) as raised:
        read_data_folder(worked_example.data, program("1000.00"))
    assert raised.value.first.code == "allocation-table"
    assert "1,000.01" in raised.value.first.message and "1,000.00" in raised.value.first.message


def test_a_dhcs_table_exactly_at_the_funding_leaves_nothing_unallocated(worked_example: WorkedExample) -> None:
    # 600.00 + 400.00 = 1,000.00 = funding: allowed ("no more than the funding").
    table = "mcp,county,amount\nA,Alameda,600.00\nA,Fresno,0.00\nB,Alameda,400.00\n"
    write(worked_example.data / "allocation.csv", table)
    folder = read_data_folder(worked_example.data, program("1000.00"))
    result = allocate(program("1000.00"), folder.plans, folder.elections, folder.table)
    assert result.unallocated == D("0.00")
    assert sum((c.amount for c in result.cells), D(0)) == D("1000.00")


# =========================================================================== factors that total zero


def test_a_factor_that_totals_zero_is_dropped_and_the_other_weights_are_rescaled_with_a_note() -> None:
    # No county had WPC or HHP, so pilot member months total 0 and the factor is left out:
    # effective weights 0.5 / 0.8 = 5/8 (member months) and 0.3 / 0.8 = 3/8 (revenue).
    rows = (row("X", "Kern", 100, "300", wpc=False), row("Y", "Kern", 300, "100", wpc=False))
    elections = {"X": election({1: "0.30"}), "Y": election({1: "0.30"})}
    result = allocate(program("1000.01"), rows, elections)
    uses = {u.name: u for u in result.factors}
    assert uses["pilot_member_months"].dropped and uses["pilot_member_months"].effective_weight == 0
    assert uses["member_months"].effective_weight == Fraction(5, 8)  # 0.5 / (0.5 + 0.3)
    assert uses["revenue"].effective_weight == Fraction(3, 8)  # 0.3 / (0.5 + 0.3)
    assert result.weights == {
        ("X", "Kern"): Fraction(7, 16),  # 5/8 · 100/400 + 3/8 · 300/400 = 5/32 + 9/32 = 14/32
        ("Y", "Kern"): Fraction(9, 16),  # 5/8 · 300/400 + 3/8 · 100/400 = 15/32 + 3/32 = 18/32
    }
    assert any("pilot_member_months" in note and "left out" in note for note in result.notes)
    # Funding 1,000.01 = 100,001 cents → 50,000.5 / 50,000.5 → payment 1 gets the tie cent: 500.01 / 500.00.
    assert result.payment_totals == {1: D("500.01"), 2: D("500.00")}
    # Payment 1: 50,001 × 7/16 = 21,875.4375, × 9/16 = 28,125.5625 → floors 21,875 + 28,125 = 50,000, one cent
    # left → Y (.5625 > .4375): 218.75 / 281.26.
    assert (cell_total(result, "X", "Kern", 1), cell_total(result, "Y", "Kern", 1)) == (D("218.75"), D("281.26"))
    # Payment 2: 50,000 × 7/16 = 21,875, × 9/16 = 28,125, exact.
    assert (cell_total(result, "X", "Kern", 2), cell_total(result, "Y", "Kern", 2)) == (D("218.75"), D("281.25"))


def test_the_dropped_factor_note_reaches_the_cli_output(run_cli: RunCli, worked_example: WorkedExample) -> None:
    write(
        worked_example.plans, "mcp,county,member_months,revenue,wpc,hhp\nA,Kern,100,300,no,no\nB,Kern,300,100,no,no\n"
    )
    code, out, err = run_cli(worked_example.argv("--format", "json"))
    assert code == 0, err
    document = json.loads(out)
    assert any("pilot_member_months" in n for n in document["notes"])
    assert "pilot_member_months" in err  # notes also go to stderr with --format json
    dropped = {f["name"]: f["dropped"] for f in document["factors"]}
    assert dropped == {"member_months": False, "revenue": False, "pilot_member_months": True}
    plans = {p["mcp"]: p["max_allocation"] for p in document["plans"]}
    assert plans == {"A": "437.50", "B": "562.50"}  # 1,000.00 × 7/16 and × 9/16 (500.00 each payment, exact)


def test_a_plans_table_whose_factors_are_all_zero_is_bad_input_not_an_internal_error(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    write(worked_example.plans, "mcp,county,member_months,revenue,wpc,hhp\nA,Kern,0,0,no,no\nB,Kern,0,0.00,yes,no\n")
    code, out, err = run_cli(worked_example.argv())
    assert code == 2, err
    assert out == ""
    assert len(err.splitlines()) == 1 and "[no-allocation]" in err and "plans.csv" in err


def test_with_dhcs_table_no_note_talks_about_rescaled_factor_weights() -> None:
    table = (TableRow("X", "Kern", D("10.00")), TableRow("Y", "Kern", D("10.00")))
    rows = (row("X", "Kern", 100, "300", wpc=False), row("Y", "Kern", 300, "100", wpc=False))  # no pilots
    result = allocate(program("1000.00"), rows, {"X": election({1: "0.30"}), "Y": election({1: "0.30"})}, table)
    assert not any("scaled up" in note for note in result.notes), result.notes


# =========================================================================== capitation (42 CFR 438.6(b)(2))


def worked_with_capitation(example: WorkedExample, a_alameda: str, a_fresno: str, b_alameda: str) -> None:
    write(
        example.plans,
        "mcp,county,member_months,revenue,wpc,hhp,capitation\n"
        f"A,Alameda,300,200,yes,no,{a_alameda}\n"
        f"A,Fresno,100,100,no,no,{a_fresno}\n"
        f"B,Alameda,600,700,yes,yes,{b_alameda}\n",
    )


def test_a_maximum_allocation_above_five_percent_of_capitation_is_a_finding_and_the_output_is_still_written(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    # A: capitation 3,000.00 + 4,000.00 = 7,000.00 → 5% = 350.00 < max allocation 356.66 → finding.
    # B: capitation 20,000.00 → 5% = 1,000.00 ≥ 643.34 → fine.
    worked_with_capitation(worked_example, "3000.00", "4000.00", "20000.00")
    output = worked_example.root / "allocation.json"
    code, out, err = run_cli(worked_example.argv("--format", "json", "-o", output))
    assert code == 1  # findings: a limit breached
    assert out == ""
    document = json.loads(output.read_text(encoding="utf-8"))  # still written, complete
    assert_allocate_json_contract(document)
    assert [(f["mcp"], f["code"]) for f in document["findings"]] == [("A", "capitation-limit")]
    finding_lines = [line for line in err.splitlines() if line.startswith("finding:")]
    assert len(finding_lines) == 1
    assert "A" in finding_lines[0] and "356.66" in finding_lines[0] and "350.00" in finding_lines[0]
    assert "capitation-limit" in finding_lines[0]

    code, out, err = run_cli(worked_example.argv("--format", "table"))  # and printed, without -o
    assert code == 1
    assert "356.66" in out


def test_a_maximum_allocation_exactly_at_five_percent_of_capitation_is_within_the_limit(
    run_cli: RunCli, worked_example: WorkedExample
) -> None:
    # A: 5% × (7,000.00 + 133.20) = 5% × 7,133.20 = 356.66 = max allocation: "in excess of" is not met.
    worked_with_capitation(worked_example, "7000.00", "133.20", "20000.00")
    code, out, err = run_cli(worked_example.argv("--format", "json"))
    assert code == 0, err
    assert json.loads(out)["findings"] == []


# =========================================================================== properties

MCP_IDS = ["alpha", "beta", "Gamma", "delta", "m1", "m10", "m2", "Z-care", "kp_north"]
# Counties are California's, spelt as the State spells them: any other name is refused at load.
COUNTIES = ["Alameda", "Fresno", "Kern", "Los Angeles", "San Luis Obispo", "Tulare", "Alpine", "Yolo"]
CATALOG = py1().community_supports_catalog or []
MINIMUMS = {1: D("0.20"), 2: D("0.20"), 3: D("0.30"), 4: D("0")}  # RULES.md section 3, the PY1 table


def share_text(hundredths: int) -> str:
    """37 → "0.37"; 100 → "1.00" (a share written as a string with two decimals, never a float)."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@st.composite
def parts_of(draw: st.DrawFn, whole: int, count: int) -> list[int]:
    """``count`` non-negative integers adding up to ``whole``."""
    cuts = sorted(draw(st.lists(st.integers(0, whole), min_size=count - 1, max_size=count - 1)))
    return [b - a for a, b in zip([0, *cuts], [*cuts, whole], strict=True)]


@st.composite
def plans_tables(draw: st.DrawFn) -> list[PlanRow]:
    mcps = draw(st.lists(st.sampled_from(MCP_IDS), min_size=1, max_size=8, unique=True))
    rows: list[PlanRow] = []
    for mcp in mcps:
        for county in draw(st.lists(st.sampled_from(COUNTIES), min_size=1, max_size=5, unique=True)):
            member_months = draw(st.one_of(st.just(0), st.integers(0, 100), st.integers(0, 10**7)))
            revenue = draw(st.one_of(st.just(0), st.integers(0, 10**4), st.integers(0, 10**11)))  # cents
            rows.append(
                PlanRow(mcp, county, D(member_months), from_cents(revenue), draw(st.booleans()), draw(st.booleans()))
            )
    return rows


factor_weights = parts_of(100, 3).map(lambda p: tuple(share_text(x) for x in p))


@st.composite
def elections_for(draw: st.DrawFn, mcps: list[str]) -> dict[str, dict[str, Any]]:
    """Valid elections.yaml entries (plain data, as YAML would give them)."""
    out: dict[str, dict[str, Any]] = {}
    for mcp in mcps:
        offers = draw(st.booleans())
        areas = [1, 2, 3, 4] if offers else [1, 2, 4]  # without Community Supports, never area 3
        parts = draw(parts_of(30, len(areas)))  # the flexible 0.30 in hundredths
        flexible = {a: share_text(p) for a, p in zip(areas, parts, strict=True) if p > 0 or draw(st.booleans())}
        entry: dict[str, Any] = {
            "flexible": flexible,
            "community_supports": draw(st.lists(st.sampled_from(CATALOG), min_size=1, max_size=4)) if offers else [],
        }
        base = {a: int(MINIMUMS[a] * 100) + int(D(flexible.get(a, "0")) * 100) for a in MINIMUMS}
        targets = [a for a in areas if D(flexible.get(a, "0")) > 0]
        if draw(st.booleans()) and targets:
            to = draw(st.sampled_from(targets))
            # without Community Supports, area 3 is forfeited: no exception may take share out of it
            sources = [a for a in MINIMUMS if a != to and base[a] > 0 and (offers or a != 3)]
            if sources:
                source = draw(st.sampled_from(sources))
                moved = draw(st.integers(1, base[source]))
                entry["exception"] = {"approved": True, "from": source, "to": to, "share": share_text(moved)}
        out[mcp] = entry
    return out


def oracle_weights(weights: tuple[str, str, str], rows: list[PlanRow]) -> dict[tuple[str, str], Fraction]:
    """RULES.md section 2, written out independently: drop zero-total factors, rescale, sum."""
    values = {
        "member_months": {(r.mcp, r.county): Fraction(r.member_months) for r in rows},
        "revenue": {(r.mcp, r.county): Fraction(r.revenue) for r in rows},
        "pilot": {(r.mcp, r.county): Fraction(r.member_months) if (r.wpc or r.hhp) else Fraction(0) for r in rows},
    }
    w = dict(zip(values, (Fraction(D(x)) for x in weights), strict=True))
    kept = [f for f in values if sum(values[f].values()) > 0]
    kept_weight = sum((w[f] for f in kept), Fraction(0))
    if kept_weight == 0:
        return {k: Fraction(0) for k in values["revenue"]}
    return {
        key: sum((w[f] / kept_weight * values[f][key] / sum(values[f].values()) for f in kept), Fraction(0))
        for key in values["revenue"]
    }


def oracle_shares(entry: dict[str, Any]) -> dict[int, Fraction]:
    shares = {a: Fraction(MINIMUMS[a]) + Fraction(D(entry["flexible"].get(a, "0"))) for a in MINIMUMS}
    exc = entry.get("exception")
    if exc is not None:
        shares[exc["from"]] -= Fraction(D(exc["share"]))
        shares[exc["to"]] += Fraction(D(exc["share"]))
    return shares


@given(
    rows=plans_tables(),
    weights=factor_weights,
    funding=st.one_of(st.integers(0, 100), st.integers(0, 10**6), st.integers(0, 10**11)),
    data=st.data(),
)
def test_every_level_adds_up_to_the_cent_and_every_cell_is_within_a_cent_of_its_exact_share(
    rows: list[PlanRow], weights: tuple[str, str, str], funding: int, data: st.DataObject
) -> None:
    exact_weights = oracle_weights(weights, rows)
    assume(sum(exact_weights.values()) == 1)  # some factor with weight > 0 is non-zero somewhere
    entries = data.draw(elections_for(sorted({r.mcp for r in rows})))
    elections = {m: Election.model_validate(e) for m, e in entries.items()}
    for mcp, e in elections.items():
        assert election_problems(py1(), mcp, e) == []
        assert catalog_problems(py1(), mcp, e) == []
    prog = program(str(from_cents(funding)), weights)

    result = allocate(prog, rows, elections)

    assert result.weights == exact_weights
    assert cell_weights(prog, rows)[0] == exact_weights
    # Funding → payments: 50 / 50, adding up to the funding, each within a cent of half.
    assert sum(cents(v) for v in result.payment_totals.values()) == funding
    assert all(abs(cents(v) - Fraction(funding, 2)) < 1 for v in result.payment_totals.values())

    by_cell: dict[tuple[str, str, int], dict[int, Decimal]] = defaultdict(dict)
    for c in result.cells:
        assert c.amount >= 0 and c.amount == c.amount.quantize(D("0.01"))
        by_cell[(c.mcp, c.county, c.payment)][c.priority_area] = c.amount
        no_cs = not entries[c.mcp]["community_supports"]
        assert c.forfeited == (no_cs and c.priority_area == 3)
    assert set(by_cell) == {(r.mcp, r.county, p) for r in rows for p in (1, 2)}

    for payment, payment_total in result.payment_totals.items():
        t = cents(payment_total)
        cell_sums = {k: sum(cents(v) for v in areas.values()) for k, areas in by_cell.items() if k[2] == payment}
        assert sum(cell_sums.values()) == t  # cells add up to the payment total
        for (mcp, county, _), cell_cents in cell_sums.items():
            assert abs(cell_cents - t * exact_weights[(mcp, county)]) < 1  # within a cent of T·weight

    for (mcp, _, _), areas in by_cell.items():
        assert set(areas) == {1, 2, 3, 4}
        cell_cents = sum(cents(v) for v in areas.values())
        shares = oracle_shares(entries[mcp])
        assert sum(shares.values()) == 1
        for area, amount in areas.items():
            assert abs(cents(amount) - cell_cents * shares[area]) < 1  # within a cent of cell × share

    for plan in result.plans:
        mine = [c for c in result.cells if c.mcp == plan.mcp]
        assert plan.max_allocation == sum((c.amount for c in mine), D(0))
        assert plan.forfeited == sum((c.amount for c in mine if c.forfeited), D(0))
    assert sum(cents(p.max_allocation) for p in result.plans) == funding


def plans_csv(rows: list[PlanRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["mcp", "county", "member_months", "revenue", "wpc", "hhp"])
    for r in rows:
        writer.writerow(
            [r.mcp, r.county, r.member_months, r.revenue, "yes" if r.wpc else "no", "yes" if r.hhp else "no"]
        )
    return buffer.getvalue()


def elections_yaml(entries: dict[str, dict[str, Any]], order: list[str]) -> str:
    lines: list[str] = []
    for mcp in order:
        e = entries[mcp]
        lines.append(f'"{mcp}":')
        lines.append("  flexible: {" + ", ".join(f'{a}: "{s}"' for a, s in e["flexible"].items()) + "}")
        if "exception" in e:
            x = e["exception"]
            lines.append(f'  exception: {{approved: true, from: {x["from"]}, to: {x["to"]}, share: "{x["share"]}"}}')
        lines.append("  community_supports: [" + ", ".join(f'"{n}"' for n in e["community_supports"]) + "]")
    return "\n".join(lines) + "\n"


def program_yaml(original: str, funding: int, weights: tuple[str, str, str]) -> str:
    text = re.sub(r'(?m)^funding: "[^"]*"$', f'funding: "{from_cents(funding)}"', original)
    for name, weight in zip(("member_months", "revenue", "pilot_member_months"), weights, strict=True):
        text, count = re.subn(rf'\{{name: {name}, weight: "[^"]*"\}}', f'{{name: {name}, weight: "{weight}"}}', text)
        assert count == 1, f"program.yaml's {name} factor line has changed shape"
    return text


@pytest.fixture(scope="module")
def measures_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = copy_measures(tmp_path_factory.mktemp("measures"))
    return root, (root / "py1" / "program.yaml").read_text(encoding="utf-8")


# Each example runs `ipp` four times, so this property gets a fifth of the profile's examples.
CLI_EXAMPLES = max(10, settings().max_examples // 5)


@settings(max_examples=CLI_EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=plans_tables(),
    weights=factor_weights,
    funding=st.integers(0, 10**11),
    data=st.data(),
)
def test_shuffling_the_rows_of_plans_csv_and_elections_changes_no_output_byte(
    run_cli: RunCli,
    measures_copy: tuple[Path, str],
    rows: list[PlanRow],
    weights: tuple[str, str, str],
    funding: int,
    data: st.DataObject,
) -> None:
    assume(sum(oracle_weights(weights, rows).values()) == 1)
    mcps = sorted({r.mcp for r in rows})
    entries = data.draw(elections_for(mcps))
    shuffled_rows = data.draw(st.permutations(rows))
    shuffled_mcps = data.draw(st.permutations(mcps))
    root, original = measures_copy
    (root / "py1" / "program.yaml").write_text(program_yaml(original, funding, weights), encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        argv = ["allocate", "--year", "1", "--measures", root, "--data", data_dir]
        outputs: list[tuple[str, str, str]] = []
        for order_rows, order_mcps in ((rows, mcps), (shuffled_rows, shuffled_mcps)):
            (data_dir / "plans.csv").write_text(plans_csv(list(order_rows)), encoding="utf-8")
            (data_dir / "elections.yaml").write_text(elections_yaml(entries, list(order_mcps)), encoding="utf-8")
            json_run = run_cli([*argv, "--format", "json"])
            csv_run = run_cli([*argv, "--format", "csv"])
            assert json_run.exit_code == 0, json_run.stderr
            assert csv_run.exit_code == 0, csv_run.stderr
            outputs.append((json_run.stdout, csv_run.stdout, json_run.stderr))
        assert outputs[0] == outputs[1]
    # And the CLI agrees with the library, cell by cell.
    elections = {m: Election.model_validate(e) for m, e in entries.items()}
    library = allocate(program(str(from_cents(funding)), weights), rows, elections).to_json()
    assert json.loads(outputs[0][0])["cells"] == library["cells"]


def test_the_property_generators_can_make_every_kind_of_election() -> None:
    """Guard against a generator that silently stops producing forfeits or exceptions."""
    seen: set[str] = set()

    @settings(max_examples=200, derandomize=True, database=None)
    @given(elections_for(["a", "b", "c"]))
    def collect(entries: dict[str, dict[str, Any]]) -> None:
        for e in entries.values():
            seen.add("forfeit" if not e["community_supports"] else "offers")
            if "exception" in e:
                seen.add("exception")
            if len([s for s in e["flexible"].values() if D(s) > 0]) > 1:
                seen.add("split")

    collect()
    assert seen == {"forfeit", "offers", "exception", "split"}


def test_an_election_that_leaves_out_community_supports_forfeits_nothing() -> None:
    """Only `community_supports: []` says an MCP offers none; leaving the key out says nothing,
    so area 3 keeps its share (and the pool, which needs three named, will not count it)."""
    silent = Election.model_validate({"flexible": {3: "0.30"}})
    assert election_problems(program(), "A", silent) == []  # electing area 3 is allowed
    result = allocate(program(), WORKED_ROWS, {"A": silent, "B": election({1: "0.30"})})
    assert all(not c.forfeited for c in result.cells)
    a_plan = result.plan("A")
    assert a_plan is not None and a_plan.forfeited == 0


def test_a_bare_number_as_an_mcp_id_in_elections_is_that_id_as_text(run_cli: RunCli, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "plans.csv").write_text("mcp,county,member_months,revenue,wpc,hhp\n101,Alameda,300,200.00,yes,no\n")
    (data / "elections.yaml").write_text('101:\n  flexible: {3: "0.30"}\n  community_supports: [Sobering Centers]\n')
    code, out, err = run_cli(["allocate", "--year", "1", "--data", data, "--format", "json"])
    assert code == 0, err
    doc = json.loads(out)
    # the whole $600,000,000.00 to the only MCP: 300,000,000.00 per payment
    assert [p["mcp"] for p in doc["plans"]] == ["101"] and doc["plans"][0]["max_allocation"] == "600000000.00"
