"""Scoring (src/ipp_calc/core/scoring.py) against RULES.md section 4 and FORMATS.md's ``score``.

Every expected number is worked out by hand in the comment beside it. Money comes from DHCS's own
allocation table (``scenario.table``) so each cell is a number that can be checked on paper.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from ipp_calc.core.allocation import allocate
from ipp_calc.core.models import Election, Measure, Submission
from ipp_calc.core.responses import AnswerValue
from ipp_calc.core.scoring import (
    MeasureScore,
    ScoreResult,
    measure_sort_key,
    score_measure,
    score_points,
    score_submission,
)
from scenario import (
    ALL,
    D,
    election,
    filled,
    m,
    measure_set,
    plan,
    program,
    sub1,
    sub2,
    submission,
    table,
)

# --------------------------------------------------------------------------- helpers


def measure(**fields: Any) -> Measure:
    """A measure with defaults: id 1.1, area 1, domain 1A, county level, mandatory, 10 points."""
    doc: dict[str, Any] = {
        "id": "1.1",
        "priority_area": 1,
        "domain": "1A",
        "level": "county",
        "mandatory": True,
        "points": 10,
    }
    doc.update(fields)
    return Measure.model_validate(doc)


def one(
    kind: str, answer: AnswerValue, target: str | None = None, source: str | None = None, **fields: Any
) -> MeasureScore:
    """Score one answer to one measure in Alameda."""
    return score_measure(
        measure(kind=kind, **fields), "Alameda", answer, D(target) if target is not None else None, source
    )


def priced(
    sub: Submission,
    answers: dict[tuple[str, str], Any],
    amounts: dict[tuple[str, str], str],
    elect: Election,
) -> ScoreResult:
    """Score MCP A's answers to ``sub`` (submission 1, paying Payment 1) with dollars from a table."""
    counties = sorted({county for (_, county) in amounts})
    ms = measure_set(program(), [sub, sub2()])
    plans = [plan("A", c) for c in counties]
    allocation = allocate(ms.program, plans, {"A": elect}, table(amounts))
    return score_submission(ms, filled("A", 1, counties, answers), targets=None, allocation=allocation)


def row(result: ScoreResult, measure_id: str, county: str) -> MeasureScore:
    return next(r for r in result.measures if r.measure == measure_id and r.county == county)


def dollars(result: ScoreResult) -> list[tuple[str, int, str, str, str, str]]:
    """(county, area, allocated, earned, unearned, forfeited) per dollars row, as money text."""
    return [
        (d.county, d.priority_area, str(d.allocated), str(d.earned), str(d.unearned), str(d.forfeited))
        for d in result.dollars or ()
    ]


TIERS_3 = [{"points": 10}, {"points": 10}, {"points": 10}]

# --------------------------------------------------------------------------- completion


def test_a_completion_measure_answered_yes_earns_all_its_points() -> None:
    scored = one("completion", True)
    assert scored.points_earned == 10  # Yes → all 10 points
    assert scored.reported


def test_a_completion_measure_answered_no_earns_nothing_but_counts_as_reported() -> None:
    scored = one("completion", False)
    assert scored.points_earned == 0  # No → 0 points
    assert scored.reported  # "No" is an answer: the measure was reported


def test_a_blank_completion_measure_earns_nothing_and_is_not_reported() -> None:
    scored = one("completion", None)
    assert scored.points_earned == 0  # blank → 0 points
    assert not scored.reported
    assert "not reported" in scored.reason


# --------------------------------------------------------------------------- reporting


@pytest.mark.parametrize("answer", ["0", "3", "12.5"])
def test_a_reporting_measure_earns_all_its_points_for_any_number_at_least_zero(answer: str) -> None:
    scored = one("reporting", D(answer))
    assert scored.points_earned == 10  # a valid number (≥ 0, zero included) → all 10 points
    assert scored.reported


def test_a_blank_reporting_measure_earns_nothing() -> None:
    scored = one("reporting", None)
    assert scored.points_earned == 0  # nothing reported → 0
    assert not scored.reported


@pytest.mark.parametrize("answer", ["-1", "NaN"])
def test_a_negative_or_non_finite_reporting_answer_counts_as_not_reported(answer: str) -> None:
    scored = one("reporting", D(answer))
    assert scored.points_earned == 0  # not a finite number ≥ 0 → not reported → 0
    assert not scored.reported


# --------------------------------------------------------------------------- target


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ("12", 10),  # 12 ≥ 10: met → all 10 points
        ("10", 10),  # 10 ≥ 10: met (equal counts) → 10
        ("9.99", 0),  # 9.99 < 10: not met → 0
    ],
)
def test_a_higher_is_better_target_is_met_when_the_value_is_at_least_the_target(answer: str, points: int) -> None:
    scored = one("target", D(answer), "10", "targets.csv", direction="higher")
    assert scored.points_earned == points
    assert scored.met is (points == 10)


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ("3", 10),  # 3 ≤ 5: met → 10
        ("5", 10),  # 5 ≤ 5: met (equal counts) → 10
        ("5.01", 0),  # 5.01 > 5: not met → 0
    ],
)
def test_a_lower_is_better_target_is_met_when_the_value_is_at_most_the_target(answer: str, points: int) -> None:
    scored = one("target", D(answer), "5", "targets.csv", direction="lower")
    assert scored.points_earned == points


def test_a_target_measure_with_no_target_anywhere_scores_zero_with_the_reason_no_approved_target() -> None:
    # Submission 2's 1.1 is a target measure; neither targets.csv nor the workbook gives a target.
    result = score_points(sub2(), filled("A", 2, ["Alameda"], {("1.1", "Alameda"): "50"}), approved_targets={})
    scored = row(result, "1.1", "Alameda")
    assert scored.points_earned == 0  # no target → 0, however large the value
    assert scored.reported
    assert "no approved target" in scored.reason


# --------------------------------------------------------------------------- tiered


@pytest.mark.parametrize(
    ("k", "points"),
    [
        (0, 0),  # no tier completed → 0
        (1, 10),  # tier 1 → 10
        (2, 20),  # tiers 1 and 2 → 10 + 10 = 20
        (3, 30),  # all three → 10 + 10 + 10 = 30
    ],
)
def test_a_tiered_completion_measure_earns_the_points_of_tiers_one_to_k(k: int, points: int) -> None:
    scored = one("tiered", k, basis="completion", points=30, tiers=TIERS_3)
    assert scored.points_earned == points


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ("4.99", 0),  # below tier 1 (5) → 0
        ("5", 4),  # tier 1 (≥ 5) only → 4
        ("9", 4),  # tier 1 only (9 < 10) → 4
        ("10", 10),  # tiers 1 and 2 (≥ 10), cumulative → 4 + 6 = 10
        ("1000", 10),  # beyond the last tier → still 4 + 6 = 10
    ],
)
def test_a_tiered_value_measure_earns_every_tier_whose_threshold_is_reached_cumulatively(
    answer: str, points: int
) -> None:
    tiers = [{"points": 4, "at_least": "5"}, {"points": 6, "at_least": "10"}]
    scored = one("tiered", D(answer), basis="value", tiers=tiers)
    assert scored.points_earned == points


def test_a_tiered_value_measure_stops_at_the_first_tier_not_reached_even_if_a_later_one_is() -> None:
    # Thresholds 1, 10, 5 (out of order on purpose: ipp check would flag it, the engine must still
    # be right). Value 7: tier 1 (≥ 1) reached, tier 2 (≥ 10) not, tier 3 (≥ 5) would be, but tiers
    # are reached in order → only tier 1's 2 points.
    tiers = [{"points": 2, "at_least": "1"}, {"points": 3, "at_least": "10"}, {"points": 5, "at_least": "5"}]
    scored = one("tiered", D("7"), basis="value", tiers=tiers)
    assert scored.points_earned == 2  # tier 1 only


def test_a_tiered_value_measure_whose_first_tier_is_missed_earns_nothing_though_a_later_tier_is_reached() -> None:
    # Thresholds 10 then 5; value 7: tier 1 (≥ 10) missed → 0, though 7 ≥ 5.
    tiers = [{"points": 4, "at_least": "10"}, {"points": 6, "at_least": "5"}]
    scored = one("tiered", D("7"), basis="value", tiers=tiers)
    assert scored.points_earned == 0


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ("49", 0),  # 49 / 100 = 0.49 < 0.5 → no tier → 0
        ("50", 4),  # 50 / 100 = 0.5 ≥ 0.5 → tier 1 → 4
        ("75", 4),  # 75 / 100 = 0.75: ≥ 0.5 but < 1.0 → first tier only → 4
        ("100", 10),  # 100 / 100 = 1.0 → both tiers → 4 + 6 = 10
        ("150", 10),  # 1.5 → both tiers → 10
    ],
)
def test_a_tiered_target_ratio_measure_compares_value_over_target_with_each_tier(answer: str, points: int) -> None:
    tiers = [{"points": 4, "at_least": "0.5"}, {"points": 6, "at_least": "1.0"}]
    scored = one("tiered", D(answer), "100", "targets.csv", basis="target_ratio", tiers=tiers)
    assert scored.points_earned == points


def test_a_tiered_target_ratio_measure_with_no_target_scores_zero_with_the_reason_no_approved_target() -> None:
    tiers = [{"points": 4, "at_least": "0.5"}, {"points": 6, "at_least": "1.0"}]
    scored = one("tiered", D("75"), None, None, basis="target_ratio", tiers=tiers)
    assert scored.points_earned == 0
    assert "no approved target" in scored.reason


# --------------------------------------------------------------------------- areas and fractions


def test_a_plan_level_answer_counts_in_every_county() -> None:
    # Submission 1, area 1 (10 points available): 1.1 is plan-level (5), 1.2 per county (5).
    # 1.1 Yes; 1.2 reported in Alameda only.
    answers = {("1.1", ALL): "Yes", ("1.2", "Alameda"): "3"}
    result = score_points(sub1(), filled("A", 1, ["Alameda", "Fresno"], answers))
    alameda, fresno = result.area("Alameda", 1), result.area("Fresno", 1)
    assert alameda is not None and fresno is not None
    assert alameda.points_earned == 10  # 1.1's 5 (plan level) + 1.2's 5
    assert alameda.fraction == 1  # 10 / 10
    assert fresno.points_earned == 5  # 1.1's 5 counts in Fresno too; 1.2 blank there
    assert fresno.fraction == Fraction(1, 2)  # 5 / 10


def test_optional_points_beyond_the_points_available_never_take_the_fraction_above_one() -> None:
    # Area 1: 10 points available; 1.1 mandatory 5, 1.2 and 1.3 optional 5 each, all Yes.
    sub = submission(
        1,
        {1: 10, 3: 10},
        m("1.1", 1, "completion", 5)
        + m("1.2", 1, "completion", 5, mandatory=False)
        + m("1.3", 1, "completion", 5, mandatory=False)
        + m("3.1", 3, "completion", 10),
    )
    answers = {("1.1", "Alameda"): "Yes", ("1.2", "Alameda"): "Yes", ("1.3", "Alameda"): "Yes"}
    area = score_points(sub, filled("A", 1, ["Alameda"], answers)).area("Alameda", 1)
    assert area is not None
    assert area.points_earned == 15  # 5 + 5 + 5
    assert area.fraction == 1  # min(1, 15 / 10) = 1


def test_an_area_fraction_is_shown_rounded_to_six_places() -> None:
    # Area 1: 3 points available; 1.1 (1 point) Yes, 1.2 (2 points) No → 1/3 → 0.333333.
    sub = submission(1, {1: 3, 3: 1}, m("1.1", 1, "completion", 1) + m("1.2", 1, "completion", 2))
    result = score_points(sub, filled("A", 1, ["Alameda"], {("1.1", "Alameda"): "Yes", ("1.2", "Alameda"): "No"}))
    area = next(a for a in result.to_json()["areas"] if a["priority_area"] == 1)
    assert area["fraction"] == 0.333333  # 1 / 3 = 0.3333333… → 6 places


def test_a_mandatory_measure_not_reported_is_listed_in_mandatory_missing() -> None:
    # Submission 1: 1.1 (plan, mandatory) blank, 1.2 (mandatory) blank in Fresno, 3.1 (mandatory)
    # answered No in Fresno (a No is reported), 3.2 (optional) blank everywhere.
    answers = {
        ("1.2", "Alameda"): "4",
        ("3.1", "Alameda"): "Yes",
        ("3.1", "Fresno"): "No",
    }
    result = score_points(sub1(), filled("A", 1, ["Alameda", "Fresno"], answers))
    assert result.mandatory_missing == (("1.1", ALL), ("1.2", "Fresno"))  # optional 3.2 is not listed
    assert result.to_json()["mandatory_missing"] == [
        {"measure": "1.1", "county": ALL},
        {"measure": "1.2", "county": "Fresno"},
    ]


# --------------------------------------------------------------------------- targets: which source


def test_targets_csv_is_preferred_over_the_workbook_target_and_a_disagreement_is_a_finding() -> None:
    # 1.1 (higher is better): targets.csv says 10, the workbook's Target column says 8; value 9.
    sheet = filled("A", 2, ["Alameda"], {("1.1", "Alameda"): "9"}, workbook_targets={("1.1", "Alameda"): "8"})
    result = score_points(sub2(), sheet, approved_targets={("1.1", "Alameda"): D("10")})
    scored = row(result, "1.1", "Alameda")
    assert scored.target == 10  # targets.csv wins
    assert scored.points_earned == 0  # 9 < 10: not met (against the workbook's 8 it would be met)
    assert "targets.csv" in scored.reason
    findings = result.to_json()["findings"]
    assert len(findings) == 1
    assert findings[0]["code"] == "target-disagreement"
    assert findings[0]["measure"] == "1.1" and findings[0]["county"] == "Alameda"
    assert "10" in findings[0]["message"] and "8" in findings[0]["message"]


def test_without_targets_csv_the_workbook_target_is_used_and_the_reason_says_so() -> None:
    sheet = filled("A", 2, ["Alameda"], {("1.1", "Alameda"): "9"}, workbook_targets={("1.1", "Alameda"): "8"})
    scored = row(score_points(sub2(), sheet, approved_targets=None), "1.1", "Alameda")
    assert scored.target == 8
    assert scored.points_earned == 5  # 9 ≥ 8: met → all 5 points
    assert "workbook" in scored.reason


def test_agreeing_targets_make_no_finding() -> None:
    sheet = filled("A", 2, ["Alameda"], {("1.1", "Alameda"): "9"}, workbook_targets={("1.1", "Alameda"): "9.0"})
    result = score_points(sub2(), sheet, approved_targets={("1.1", "Alameda"): D("9")})
    assert result.notes == ()  # 9.0 and 9 are the same number
    assert row(result, "1.1", "Alameda").points_earned == 5  # 9 ≥ 9 → met


# --------------------------------------------------------------------------- dollars

HALF_SUB = submission(
    1,
    {1: 10, 3: 10},
    m("1.1", 1, "completion", 5)
    + m("1.2", 1, "completion", 5)
    + m("3.1", 3, "completion", 5)
    # 3.2 optional, so area 3 may be half earned without a mandatory gap
    + m("3.2", 3, "completion", 5, mandatory=False),
)


def test_earned_dollars_are_the_cell_times_the_fraction_rounded_half_even_to_the_cent() -> None:
    # Election {3: 0.30}: shares area 1 0.40, area 3 0.60.
    # Alameda: table 0.24 → Payment 1 0.12 (12 cents) → 4.8 / 7.2 cents → floors 4 / 7, one cent left
    #   → largest remainder .8 (area 1) → area 1 0.05, area 3 0.07.
    # Fresno: table 0.50 → Payment 1 0.25 (25 cents) → 10 / 15 exactly → 0.10 / 0.15.
    # Every area: one measure Yes, one No → 5 / 10 = 1/2.
    answers = {}
    for county in ("Alameda", "Fresno"):
        answers.update({("1.1", county): "Yes", ("1.2", county): "No", ("3.1", county): "Yes", ("3.2", county): "No"})
    result = priced(HALF_SUB, answers, {("A", "Alameda"): "0.24", ("A", "Fresno"): "0.50"}, election({3: "0.30"}))
    assert dollars(result) == [
        # 0.05 × 1/2 = 0.025 → half-even → 0.02 (half-up would give 0.03); unearned 0.05 − 0.02 = 0.03
        ("Alameda", 1, "0.05", "0.02", "0.03", "0.00"),
        # 0.07 × 1/2 = 0.035 → half-even → 0.04; unearned 0.07 − 0.04 = 0.03
        ("Alameda", 3, "0.07", "0.04", "0.03", "0.00"),
        # 0.10 × 1/2 = 0.05 exactly; unearned 0.05
        ("Fresno", 1, "0.10", "0.05", "0.05", "0.00"),
        # 0.15 × 1/2 = 0.075 → half-even → 0.08; unearned 0.15 − 0.08 = 0.07
        ("Fresno", 3, "0.15", "0.08", "0.07", "0.00"),
    ]
    totals = result.to_json()["totals"]
    assert totals["allocated"] == "0.37"  # 0.05 + 0.07 + 0.10 + 0.15
    assert totals["earned"] == "0.19"  # 0.02 + 0.04 + 0.05 + 0.08
    assert totals["unearned"] == "0.18"  # 0.03 + 0.03 + 0.05 + 0.07


def test_a_forfeited_area_shows_no_earned_and_no_unearned_dollars_only_forfeited() -> None:
    # No Community Supports → area 3 forfeited. Election {1: 0.30} → shares 0.70 / 0.30.
    # Table 200.00 → Payment 1 100.00 → area 1 70.00, area 3 30.00. Every answer Yes (even 3.x).
    answers = {("1.1", "Alameda"): "Yes", ("1.2", "Alameda"): "Yes", ("3.1", "Alameda"): "Yes"}
    answers[("3.2", "Alameda")] = "Yes"
    result = priced(HALF_SUB, answers, {("A", "Alameda"): "200.00"}, election({1: "0.30"}, community_supports=()))
    assert dollars(result) == [
        ("Alameda", 1, "70.00", "70.00", "0.00", "0.00"),  # 10/10 → all 70.00 earned
        ("Alameda", 3, "30.00", "0.00", "0.00", "30.00"),  # forfeited: 0 earned, 0 unearned, 30.00 forfeited
    ]
    assert row(result, "3.2", "Alameda").worth == 0  # nothing to gain in a forfeited area


WORTH_SUB = submission(
    1,
    {1: 10, 3: 10},
    m("1.1", 1, "completion", 5, level="plan")
    + m("1.2", 1, "reporting", 5)
    + m("3.1", 3, "completion", 5)
    + m("3.2", 3, "completion", 5, mandatory=False)
    + m("3.3", 3, "completion", 5, mandatory=False),
)


def worth_case() -> ScoreResult:
    # Election {1: 0.30} → 0.70 / 0.30.
    # Alameda: table 200.00 → Payment 1 100.00 → area 1 70.00, area 3 30.00.
    # Fresno:  table 100.00 → Payment 1  50.00 → area 1 35.00, area 3 15.00.
    # 1.1 (plan) blank; 1.2 reported in Alameda only; 3.1 and 3.2 Yes in both; 3.3 blank.
    # Area 1: Alameda 5/10 → earned 35.00; Fresno 0/10 → earned 0.00. Area 3 full in both (10/10).
    answers: dict[tuple[str, str], Any] = {("1.2", "Alameda"): "3"}
    for county in ("Alameda", "Fresno"):
        answers.update({("3.1", county): "Yes", ("3.2", county): "Yes"})
    return priced(WORTH_SUB, answers, {("A", "Alameda"): "200.00", ("A", "Fresno"): "100.00"}, election({1: "0.30"}))


def test_the_worth_of_an_unearned_plan_level_measure_adds_its_gain_in_every_county() -> None:
    result = worth_case()
    # Earning 1.1 (5 points): Alameda 5/10 → 10/10: 70.00 − 35.00 = 35.00;
    # Fresno 0/10 → 5/10: 35.00 × 1/2 − 0.00 = 17.50. Total 35.00 + 17.50 = 52.50.
    assert row(result, "1.1", ALL).worth == D("52.50")
    worth_json = next(r for r in result.to_json()["measures"] if r["measure"] == "1.1")["worth"]
    assert worth_json == "52.50"


def test_the_worth_of_an_unearned_county_level_measure_is_its_gain_in_that_county() -> None:
    result = worth_case()
    # Earning 1.2 in Fresno: 0/10 → 5/10: 35.00 × 1/2 = 17.50.
    assert row(result, "1.2", "Fresno").worth == D("17.50")
    assert row(result, "1.2", "Alameda").worth == D("0.00")  # already earned


def test_the_worth_of_an_unearned_measure_in_an_area_already_full_is_zero() -> None:
    result = worth_case()
    # Area 3 already 10/10 in both counties: earning 3.3 adds nothing.
    assert row(result, "3.3", "Alameda").worth == D("0.00")
    assert row(result, "3.3", "Fresno").worth == D("0.00")
    assert next(r for r in result.to_json()["measures"] if r["measure"] == "3.3")["worth"] == "0.00"


def test_without_an_allocation_the_score_has_points_only_no_dollars_and_no_worth() -> None:
    result = score_points(sub1(), filled("A", 1, ["Alameda"], {("1.1", ALL): "Yes"}))
    out = result.to_json()
    assert "dollars" not in out and "totals" not in out
    assert all("worth" not in r for r in out["measures"])


# --------------------------------------------------------------------------- JSON contract


def test_score_json_has_every_key_of_formats_md() -> None:
    out = worth_case().to_json()
    assert {"mcp", "program_year", "submission", "measures", "areas", "mandatory_missing", "dollars", "totals"} <= set(
        out
    )
    assert (out["mcp"], out["program_year"], out["submission"]) == ("A", 1, 1)
    measure_keys = {
        "measure",
        "county",
        "kind",
        "mandatory",
        "reported",
        "points_earned",
        "points_possible",
        "reason",
        "worth",
    }
    assert all(measure_keys <= set(r) for r in out["measures"])
    area_keys = {"county", "priority_area", "points_earned", "points_available", "fraction"}
    assert all(area_keys <= set(a) for a in out["areas"])
    assert out["mandatory_missing"] == [{"measure": "1.1", "county": ALL}, {"measure": "1.2", "county": "Fresno"}]
    assert all({"county", "priority_area", "allocated", "earned", "unearned"} <= set(d) for d in out["dollars"])
    assert {"allocated", "earned", "unearned"} <= set(out["totals"])
    # Money is a string with exactly two decimals.
    money = [d[k] for d in out["dollars"] for k in ("allocated", "earned", "unearned")]
    money += [out["totals"][k] for k in ("allocated", "earned", "unearned")]
    assert all(isinstance(x, str) and Decimal(x).as_tuple().exponent == -2 for x in money)
    assert out["totals"] == {
        "allocated": "150.00",  # 70.00 + 30.00 + 35.00 + 15.00
        "earned": "80.00",  # Alameda 35.00 + 30.00; Fresno 0.00 + 15.00
        "unearned": "70.00",  # 150.00 − 80.00
        "forfeited": "0.00",
    }


def test_measure_ids_sort_as_numbers_part_by_part() -> None:
    ids = ["1.10", "1.9", "1.2", "2.1", "1.1"]
    assert sorted(ids, key=measure_sort_key) == ["1.1", "1.2", "1.9", "1.10", "2.1"]


def test_score_lists_are_sorted_by_county_then_priority_area_then_measure_id_as_numbers() -> None:
    sub = submission(
        1,
        {1: 10, 3: 10},
        m("3.1", 3, "completion", 10)
        + m("1.10", 1, "completion", 2)
        + m("1.9", 1, "completion", 4)
        + m("1.2", 1, "completion", 4),
    )
    result = score_points(sub, filled("A", 1, ["Fresno", "Alameda"], {}))  # counties given out of order
    per_county = [("1", "1.2"), ("1", "1.9"), ("1", "1.10"), ("3", "3.1")]
    expected = [(c, int(a), i) for c in ("Alameda", "Fresno") for a, i in per_county]
    assert [(r["county"], r["priority_area"], r["measure"]) for r in result.to_json()["measures"]] == expected
    assert [(a["county"], a["priority_area"]) for a in result.to_json()["areas"]] == [
        ("Alameda", 1),
        ("Alameda", 3),
        ("Fresno", 1),
        ("Fresno", 3),
    ]
    # Every one is mandatory and blank: listed in county, area, measure order.
    assert [(x["county"], x["measure"]) for x in result.to_json()["mandatory_missing"]] == [
        (c, i) for c, _, i in expected
    ]


def test_mandatory_missing_is_sorted_by_priority_area_before_measure_id() -> None:
    # "10.1" is in area 1, "2.1" in area 3 (ids need not start with the area number; ipp check allows it).
    sub = submission(1, {1: 5, 3: 5}, m("2.1", 3, "completion", 5) + m("10.1", 1, "completion", 5))
    result = score_points(sub, filled("A", 1, ["Alameda"], {}))
    assert [r.measure for r in result.measures] == ["10.1", "2.1"]  # area 1 first, then area 3
    assert result.mandatory_missing == (("10.1", "Alameda"), ("2.1", "Alameda"))  # the same order


def test_what_a_plan_types_is_decided_by_the_measure_kind_in_one_place() -> None:
    """Measure.answered_with: Yes/No for completion, the highest tier completed (0..3 here) for
    tiers reached by completion, a number for every other kind and basis; the reader, the
    template's drop-downs, prepopulation, the checks and the diff all ask it."""
    from scenario import m, submission

    measures = (
        m("1.1", 1, "completion", 5)
        + m("1.2", 1, "reporting", 5)
        + m("1.3", 1, "target", 5)
        + m("1.4", 1, "tiered", 5, extra="basis: completion, tiers: [{points: 2}, {points: 2}, {points: 1}]")
        + m(
            "1.5",
            1,
            "tiered",
            5,
            extra='basis: value, tiers: [{points: 2, at_least: "5"}, {points: 3, at_least: "10"}]',
        )
    )
    got = {x.id: (x.answered_with, x.answer_words, x.numeric) for x in submission(1, {1: 25}, measures).measures}
    assert got == {
        "1.1": ("yes_no", "Yes/No", False),
        "1.2": ("number", "a number", True),
        "1.3": ("number", "a number", True),
        "1.4": ("tier_count", "a tier count 0–3", False),
        "1.5": ("number", "a number", True),
    }


def test_a_measure_row_copied_with_changes_is_the_row_dataclasses_replace_makes_and_a_wrong_name_is_refused() -> None:
    """scoring._with (a fast ``replace``, issue 18) changes exactly the fields named."""
    from dataclasses import replace

    from ipp_calc.core.scoring import _with

    row = one("target", D("12"), target="10", source="targets.csv")  # met: 12 >= 10
    assert row.met is True and row.target == D("10")
    for changes in ({"reason": "x"}, {"worth": D("1.25"), "met": False}, {}):
        assert _with(row, **changes) == replace(row, **changes)
    with pytest.raises(TypeError, match="no field"):
        _with(row, reasn="typo")
