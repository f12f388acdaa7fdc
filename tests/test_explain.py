"""``ipp explain``: the pool award can be redone by hand, money reads as money, each source is
written once, and a many-county plan can be narrowed to one county.

The pool arithmetic is checked on the pool tests' base scenario (tests/test_pool.py, checked by
hand there): pool 210.00 = unearned 150.00 + forfeited 60.00; eligible A and C, performance 1/2
each; weights A 400.00 × 1/2 = 200, C 200.00 × 1/2 = 100, Σ 300.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import RunCli
from ipp_calc.core.trace import FOR_PEOPLE, FOR_PROGRAMS, for_county, trace_plan
from ipp_calc.views.render import explain_text
from test_pool import base

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"


def values(steps: list, start: str) -> list[str]:
    return [s.value for s in steps if s.what.startswith(start)]


def test_the_pool_steps_carry_every_number_needed_to_redo_the_award_by_hand() -> None:
    steps = trace_plan(base(), "A", FOR_PEOPLE)
    assert values(steps, "the pool") == ["unearned 150.00 + forfeited 60.00 = 210.00"]
    # A's weight: max allocation 400.00 × performance 1/2 = 200.00; Σ with C's 100.00 = 300.00.
    assert values(steps, "pool weight") == ["400.00 × 0.5 = 200.00"]
    assert values(steps, "Σ pool weights of the 2 eligible plans") == ["300.00"]
    assert values(steps, "room under the 5% cap") == ["no capitation in plans.csv: no cap"]
    # One round: 210.00 × 200/300 = 140.00, nobody over a room.
    (round_1,) = values(steps, "pool round 1")
    assert round_1.startswith("210.00 × weight 200.00 / Σ weights in the round 300.00 (= 0.666666666667) = 140.00")
    assert "this is the award" in round_1
    assert values(steps, "pool award") == ["140.00"]


def test_a_capped_plan_shows_its_room_and_each_round_it_was_in() -> None:
    # tests/test_pool.py: A's capitation 6,700.33 → 5% = 335.0165; earned 330.00 → room 5.01.
    # Round 1: 210.00 × 200/300 = 140.00 > 5.01: A is given its room and leaves; C alone in round 2.
    steps = trace_plan(base(capitation={"A": "6700.33"}), "A", FOR_PEOPLE)
    assert values(steps, "room under the 5% cap") == [
        "5% × capitation 6,700.33 − earned 330.00 = 5.01 (rounded down to the cent, never below 0)"
    ]
    (round_1,) = values(steps, "pool round 1")
    assert "= 140.00" in round_1 and "awarded its room 5.01" in round_1
    assert values(steps, "pool round 2") == []  # A left after round 1
    c_steps = trace_plan(base(capitation={"A": "6700.33"}), "C", FOR_PEOPLE)
    (c_round_1,) = values(c_steps, "pool round 1")
    assert "= 70.00" in c_round_1 and "1 plan went over theirs" in c_round_1
    # Round 2: 210.00 − 5.01 = 204.99, all of it to C (weight 100 of 100).
    (c_round_2,) = values(c_steps, "pool round 2")
    assert c_round_2.startswith("204.99 × weight 100.00 / Σ weights in the round 100.00 (= 1) = 204.99")


def test_an_ineligible_plan_is_told_it_has_no_share_of_the_pool() -> None:
    steps = trace_plan(base(), "B", FOR_PEOPLE)  # B offers no Community Supports
    assert values(steps, "pool weight") == ["none (not eligible): no share of the pool"]


def test_programs_get_exact_fractions_and_plain_money_people_get_separators_and_twelve_places() -> None:
    result = base(capitation={"A": "6700.33"})
    machine = values(trace_plan(result, "A", FOR_PROGRAMS), "room under the 5% cap")
    assert machine == ["5% × capitation 6700.33 − earned 330.00 = 5.01 (rounded down to the cent, never below 0)"]
    assert values(trace_plan(result, "A", FOR_PROGRAMS), "pool weight") == [
        "400.00 × 0.500000 (exact 1/2) = 200.000000 (exact 200)"
    ]


def test_explain_prints_money_with_separators_no_long_fractions_and_each_source_once(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # one line per source (at 80 columns a long one wraps)
    code, out, err = run_cli(["explain", "--year", "1", "--mcp", "ember-springs-health", "--data", EXAMPLE])
    assert code == 0, err
    assert "funding of the program year: 600,000,000.00" in out
    assert "300,000,000.00" in out
    assert not re.search(r"\d{16,}", out), "a number of 16 or more digits is not for people"
    sources = [line.strip() for line in out.splitlines() if line.strip().startswith("source: ")]
    written_out = [s for s in sources if not s.startswith("source: as in step")]
    assert len(written_out) == len(set(written_out)), "a source is written out more than once"
    assert any(s.startswith("source: as in step") for s in sources)
    for words in ("the pool (every plan's)", "pool weight", "Σ pool weights", "room under the 5% cap", "pool round 1"):
        assert words in out


def test_explain_county_narrows_a_many_county_plan_to_one_county(run_cli: RunCli) -> None:
    plans = (EXAMPLE / "plans.csv").read_text(encoding="utf-8").splitlines()[1:]
    counties: dict[str, list[str]] = {}
    for line in plans:
        mcp, county = line.split(",")[:2]
        counties.setdefault(mcp, []).append(county)
    mcp = max(counties, key=lambda m: len(counties[m]))
    assert len(counties[mcp]) >= 10
    chosen, other = counties[mcp][0], counties[mcp][1]
    argv = ["explain", "--year", "1", "--mcp", mcp, "--data", EXAMPLE]
    _, whole, _ = run_cli(argv)
    code, narrow, err = run_cli([*argv, "--county", chosen])
    assert code == 0, err
    assert f"steps about {chosen}" in narrow
    assert chosen in narrow and f" {other}," not in narrow and f"in {other}:" not in narrow
    assert len(narrow.splitlines()) * 3 < len(whole.splitlines())
    assert "pool award" in narrow and "funding of the program year" in narrow  # plan-wide steps stay
    code, out, _ = run_cli([*argv, "--county", chosen, "--format", "json"])
    assert code == 0
    assert {s["what"] for s in json.loads(out)["steps"]} >= {"pool award"}
    code, _, err = run_cli([*argv, "--county", "Atlantis"])
    assert code == 2 and "Atlantis" in err and chosen in err


def test_for_county_keeps_plan_wide_steps() -> None:
    steps = trace_plan(base(), "A", FOR_PEOPLE)
    assert for_county(steps, "Alameda") == steps  # A operates in Alameda only
    assert all(s.county is None for s in for_county(steps, "Nowhere"))
    text = explain_text("A", for_county(steps, "Alameda"), "Alameda")
    assert text.startswith("How A's dollars were made (steps about Alameda, and those about the whole plan):")
