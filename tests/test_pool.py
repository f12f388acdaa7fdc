"""The high-performance pool (src/ipp_calc/core/pool.py) against RULES.md sections 5–7.

The base scenario (``base``), checked by hand once here and reused below. Funding 800.00, given as
DHCS's own table so every cell is round; payments 50/50; areas 1 and 3 (see tests/scenario.py).

| MCP | county  | table  | election      | shares    | Community Supports |
|-----|---------|--------|---------------|-----------|--------------------|
| A   | Alameda | 400.00 | {1: 0.30}     | 0.70/0.30 | 3                  |
| B   | Alameda | 200.00 | {1: 0.30}     | 0.70/0.30 | none → area 3 forfeited |
| C   | Fresno  | 200.00 | {3: 0.30}     | 0.40/0.60 | 3                  |

Cells, per payment: A 200.00 → area 1 140.00, area 3 60.00; B 100.00 → 70.00, 30.00 (forfeited);
C 100.00 → 40.00, 60.00.

Submission 1: everyone answers everything → every area full. Earned: A 200.00, B 70.00, C 100.00.

Submission 2, targets.csv: A and B 1.1 ≥ 10, 1.2 ≤ 5; C 1.1 ≥ 20, 1.2 ≤ 4.

* A: 1.1 = 12 (met), 1.2 = 7 (not met), 3.1 Yes → area 1 5/10 → 70.00 earned, 70.00 unearned;
  area 3 10/10 → 60.00. Targets met 1 of 2.
* B: 1.1 = 10 (met), 1.2 = 5 (met), 3.1 Yes → area 1 70.00; area 3 forfeited. Met 2 of 2.
* C: 1.1 = 10 (not met), 1.2 = 4 (met), 3.1 No → area 1 5/10 → 20.00 earned, 20.00 unearned;
  area 3 0/10 → 60.00 unearned. Met 1 of 2.

Earned: A 200 + 130 = 330.00, B 70 + 70 = 140.00, C 100 + 20 = 120.00; Σ 590.00.
Unearned 70 + 20 + 60 = 150.00; forfeited 30 + 30 = 60.00; pool 210.00 (590 + 150 + 60 = 800 ✓).
Eligible: A and C (B offers no Community Supports). Performance A 1/2, C 1/2.
Weights: A 400.00 × 1/2 = 200, C 200.00 × 1/2 = 100 → A 210.00 × 2/3 = 140.00, C 70.00.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from ipp_calc.core.models import Election, MeasureSet
from ipp_calc.core.numbers import ratio6
from ipp_calc.core.pool import award_in_rounds, eligibility_reasons, performance, recoupment
from ipp_calc.core.responses import FilledSubmission
from ipp_calc.core.scoring import AreaDollars, ScoreResult, score_points
from ipp_calc.core.year import YearResult
from scenario import (
    CS3,
    D,
    election,
    filled,
    full_sub1,
    measure_set,
    plan,
    program,
    sub1,
    sub2,
    table,
    targets,
    with_pool,
    year,
)

# --------------------------------------------------------------------------- the base scenario

TABLE = {("A", "Alameda"): "400.00", ("B", "Alameda"): "200.00", ("C", "Fresno"): "200.00"}
COUNTIES = {"A": "Alameda", "B": "Alameda", "C": "Fresno"}
TARGETS = {
    ("A", "Alameda", "1.1"): "10",
    ("A", "Alameda", "1.2"): "5",
    ("B", "Alameda", "1.1"): "10",
    ("B", "Alameda", "1.2"): "5",
    ("C", "Fresno", "1.1"): "20",
    ("C", "Fresno", "1.2"): "4",
}
SUB2_ANSWERS = {
    "A": {"1.1": "12", "1.2": "7", "3.1": "Yes"},
    "B": {"1.1": "10", "1.2": "5", "3.1": "Yes"},
    "C": {"1.1": "10", "1.2": "4", "3.1": "No"},
}


def base_elections(**changes: Mapping[str, Any]) -> dict[str, Election]:
    docs: dict[str, dict[str, Any]] = {
        "A": {"flexible": {1: "0.30"}},
        "B": {"flexible": {1: "0.30"}, "community_supports": ()},
        "C": {"flexible": {3: "0.30"}},
    }
    for mcp, change in changes.items():
        docs[mcp] = {**docs[mcp], **change}
    return {mcp: election(doc.pop("flexible"), **doc) for mcp, doc in docs.items()}


def base_submissions(
    sub2_answers: Mapping[str, Mapping[str, str]] = SUB2_ANSWERS,
) -> list[FilledSubmission]:
    out = [full_sub1(mcp, [county]) for mcp, county in COUNTIES.items()]
    for mcp, answers in sub2_answers.items():
        county = COUNTIES[mcp]
        out.append(filled(mcp, 2, [county], {(measure, county): v for measure, v in answers.items()}))
    return out


def base(
    *,
    ms: MeasureSet | None = None,
    elections: Mapping[str, Election] | None = None,
    capitation: Mapping[str, str] | None = None,
    target_rows: Mapping[tuple[str, str, str], str] = TARGETS,
    submissions: Sequence[FilledSubmission] | None = None,
) -> YearResult:
    caps = capitation or {}
    return year(
        ms if ms is not None else measure_set(program(funding="800.00")),
        [plan(mcp, county, capitation=caps.get(mcp)) for mcp, county in COUNTIES.items()],
        elections if elections is not None else base_elections(),
        table_rows=table(TABLE),
        target_rows=targets(target_rows),
        submissions=submissions if submissions is not None else base_submissions(),
    )


def awards(result: YearResult) -> dict[str, str]:
    return {p.mcp: str(p.award) for p in result.pool.plans}


def balanced(result: YearResult) -> None:
    """RULES.md section 6: funding = Σ earned − Σ recouped + Σ pool awarded + retained, to the cent."""
    r = result.reconciliation
    assert r.funding == r.earned - r.recouped + r.pool_awarded + r.retained
    assert r.balanced
    assert result.pool.awarded + result.pool.retained == result.pool.pool


# --------------------------------------------------------------------------- the base scenario, checked


def test_the_base_scenario_earns_what_the_hand_arithmetic_says() -> None:
    result = base()
    earned = {p.mcp: str(p.earned) for p in result.pool.plans}
    assert earned == {"A": "330.00", "B": "140.00", "C": "120.00"}  # see the module docstring
    assert result.reconciliation.earned == D("590.00")  # 330 + 140 + 120
    balanced(result)


def test_a_plan_that_offers_no_community_supports_forfeits_area_3_and_is_ineligible() -> None:
    result = base()
    b_plan = result.allocation.plan("B")
    assert b_plan is not None
    assert b_plan.forfeited == D("60.00")  # area 3 of each payment: 30.00 + 30.00
    assert b_plan.max_allocation == D("200.00")  # the forfeited share stays in the max allocation
    b_pool = result.pool.plan("B")
    assert b_pool is not None
    assert not b_pool.eligible
    assert any("0 Community Supports" in r for r in b_pool.reasons)
    assert b_pool.performance.value == 1  # 2 of 2 targets met, yet not eligible
    assert b_pool.award == 0  # ineligible: nothing, however well it did


def test_the_pool_is_all_unearned_dollars_plus_all_forfeited_dollars() -> None:
    pool = base().pool
    assert pool.unearned == D("150.00")  # A 70.00 + C 20.00 + C 60.00
    assert pool.forfeited == D("60.00")  # B's area 3: 30.00 + 30.00
    assert pool.recouped_pooled == 0  # nobody recouped
    assert pool.pool == D("210.00")  # 150.00 + 60.00


def test_eligible_plans_share_the_pool_by_max_allocation_times_performance() -> None:
    result = base()
    # A 400.00 × 1/2 = 200, C 200.00 × 1/2 = 100: 210.00 × 2/3 = 140.00, × 1/3 = 70.00.
    assert awards(result) == {"A": "140.00", "B": "0.00", "C": "70.00"}
    assert result.pool.retained == 0  # nobody capped: all placed
    assert len(result.pool.rounds) == 1
    balanced(result)


def test_pool_shares_are_split_by_largest_remainder_with_ties_to_the_lower_key() -> None:
    # 10.00 = 1000 cents in thirds: 333.33… each → floors 333 × 3 = 999; the last cent goes to the
    # largest remainder, a three-way tie broken by key: A.
    got, _, retained = award_in_rounds(D("10.00"), {"A": Fraction(1), "B": Fraction(1), "C": Fraction(1)}, {})
    assert got == {"A": D("3.34"), "B": D("3.33"), "C": D("3.33")}
    assert retained == 0
    # 0.05 = 5 cents by 1 : 1 : 2 → 1.25 / 1.25 / 2.5 → floors 1 / 1 / 2 (4); the cent left goes to the
    # largest remainder, C's .5 (not to A, the first key).
    got, _, _ = award_in_rounds(D("0.05"), {"A": Fraction(1), "B": Fraction(1), "C": Fraction(2)}, {})
    assert got == {"A": D("0.01"), "B": D("0.01"), "C": D("0.03")}


# --------------------------------------------------------------------------- caps in rounds


def test_a_capped_plans_excess_is_shared_again_in_a_second_round() -> None:
    # A's capitation 6,700.33 → 5% = 335.0165; earned 330.00 → room floor(5.0165) = 5.01 (rounded
    # down: 5.02 would break the cap). Round 1: A 140.00 > 5.01 → A gets 5.01 and leaves.
    # Round 2: 210.00 − 5.01 = 204.99, all to C (no capitation, no cap).
    result = base(capitation={"A": "6700.33"})
    a_pool = result.pool.plan("A")
    assert a_pool is not None
    assert a_pool.room == D("5.01")
    assert a_pool.capped
    assert awards(result) == {"A": "5.01", "B": "0.00", "C": "204.99"}
    assert [r.amount for r in result.pool.rounds] == [D("210.00"), D("204.99")]
    assert D("330.00") + D("5.01") <= D("6700.33") * D("0.05")  # 335.01 ≤ 335.0165
    assert result.pool.retained == 0
    balanced(result)


def test_three_rounds_when_capping_one_plan_pushes_another_over_its_room() -> None:
    # 90.00 by 1 : 1 : 1, rooms A 10.00, B 35.00, C none.
    # Round 1: 30.00 each; A over → A 10.00; left 80.00.
    # Round 2: B 40.00, C 40.00; B over (40 > 35) → B 35.00; left 45.00.
    # Round 3: C 45.00.
    weights = {"A": Fraction(1), "B": Fraction(1), "C": Fraction(1)}
    got, rounds, retained = award_in_rounds(D("90.00"), weights, {"A": D("10.00"), "B": D("35.00"), "C": None})
    assert got == {"A": D("10.00"), "B": D("35.00"), "C": D("45.00")}
    assert [r.amount for r in rounds] == [D("90.00"), D("80.00"), D("45.00")]
    assert retained == 0


def test_what_no_plan_has_room_for_is_retained() -> None:
    # A room 5.01 (as above); C capitation 2,500.00 → 5% = 125.00 − earned 120.00 → room 5.00.
    # Round 1: A 140.00 > 5.01, C 70.00 > 5.00 → both capped and leave; nobody is left.
    # Retained 210.00 − 5.01 − 5.00 = 199.99.
    result = base(capitation={"A": "6700.33", "C": "2500.00"})
    assert awards(result) == {"A": "5.01", "B": "0.00", "C": "5.00"}
    assert result.pool.retained == D("199.99")
    assert result.reconciliation.retained == D("199.99")
    balanced(result)


def test_the_limit_is_program_yamls_incentive_limit_so_a_six_percent_limit_leaves_room() -> None:
    # incentive_limit.share_of_capitation "0.06": A's capitation 6,000.00 → 6% = 360.00; earned
    # 330.00 → room 30.00 (at 5% it had none: the test below). Round 1: A 140.00 > 30.00 → A 30.00
    # and leaves; round 2: 210.00 − 30.00 = 180.00, all to C. No breach: 330.00 ≤ 360.00.
    from ipp_calc.core.models import IncentiveLimit

    six = program(funding="800.00").model_copy(
        update={"incentive_limit": IncentiveLimit(share_of_capitation=D("0.06"))}
    )
    result = base(ms=measure_set(six), capitation={"A": "6000.00"})
    a_pool = result.pool.plan("A")
    assert a_pool is not None and a_pool.room == D("30.00")
    assert awards(result) == {"A": "30.00", "B": "0.00", "C": "180.00"}
    assert next(s for s in result.summary if s.mcp == "A").breaches == ()
    balanced(result)
    # And the default, when program.yaml says nothing, is the law's 5%, with its reference.
    default = program(funding="800.00").incentive_limit
    assert default.share_of_capitation == D("0.05") and default.percent == "5%"
    assert default.cite == "42 CFR 438.6(b)(2)"


def test_a_plan_already_over_five_percent_of_capitation_has_no_room_and_the_breach_is_reported() -> None:
    # A's capitation 6,000.00 → 5% = 300.00; earned 330.00 → room max(0, −30.00) = 0.00.
    # Round 1: A 140.00 > 0 → A 0.00; round 2: all 210.00 to C.
    result = base(capitation={"A": "6000.00"})
    a_pool = result.pool.plan("A")
    assert a_pool is not None
    assert a_pool.room == D("0.00")
    assert awards(result) == {"A": "0.00", "B": "0.00", "C": "210.00"}
    a_summary = next(s for s in result.summary if s.mcp == "A")
    assert any("exceeds 5% of capitation" in b for b in a_summary.breaches)  # 330.00 > 300.00
    assert any("42 CFR 438.6(b)(2)" in b for b in a_summary.breaches)
    balanced(result)


# --------------------------------------------------------------------------- nothing placed


def test_when_nobody_is_eligible_the_whole_pool_is_retained() -> None:
    # A and C on a corrective action plan, B offers no Community Supports: nobody is eligible.
    result = base(elections=base_elections(A={"corrective_action_plan": True}, C={"corrective_action_plan": True}))
    assert not any(p.eligible for p in result.pool.plans)
    assert result.pool.awarded == 0
    assert result.pool.retained == D("210.00")  # the whole pool
    assert result.reconciliation.retained == D("210.00")
    balanced(result)


def test_when_every_performance_is_zero_the_whole_pool_is_retained() -> None:
    # Targets nobody meets: 1.1 ≥ 1000 and 1.2 ≤ 0 everywhere (values 4 to 12).
    # Submission 2 then earns nothing in area 1: unearned A 140.00, B 70.00, C 40.00; C's area 3
    # (No) 60.00 more → unearned 310.00; forfeited 60.00 → pool 370.00, all retained.
    hard = {k: ("1000" if k[2] == "1.1" else "0") for k in TARGETS}
    result = base(target_rows=hard)
    assert all(p.performance.value == 0 for p in result.pool.plans)
    assert result.pool.pool == D("370.00")  # 310.00 + 60.00
    assert result.pool.awarded == 0
    assert result.pool.retained == D("370.00")
    balanced(result)


# --------------------------------------------------------------------------- performance


def perf_scores(
    answers: Mapping[tuple[str, str], str], target_rows: Mapping[tuple[str, str], str], **pool: Any
) -> tuple[MeasureSet, ScoreResult]:
    ms = with_pool(measure_set(), **pool)
    result = score_points(
        sub2(),
        filled("A", 2, ["Alameda", "Fresno"], answers),
        approved_targets={k: D(v) for k, v in target_rows.items()},
    )
    return ms, result


PERF_TARGETS = {
    ("1.1", "Alameda"): "10",  # higher is better
    ("1.2", "Alameda"): "5",  # lower is better
    ("1.1", "Fresno"): "10",
    ("1.2", "Fresno"): "5",
}
PERF_ANSWERS = {
    ("1.1", "Alameda"): "8",  # 8 / 10 = 0.8; not met
    ("1.2", "Alameda"): "10",  # 5 / 10 = 0.5; not met (10 > 5)
    ("1.1", "Fresno"): "15",  # min(1, 15 / 10) = 1; met
    ("1.2", "Fresno"): "0",  # lower is better, value 0 → cap; met
}


def test_attainment_is_the_mean_of_value_over_target_or_target_over_value_capped() -> None:
    ms, score = perf_scores(PERF_ANSWERS, PERF_TARGETS, method="attainment")
    got = performance(ms, score)
    assert got.pairs == 4
    assert got.value == Fraction(33, 40)  # (0.8 + 0.5 + 1 + 1) / 4 = 3.3 / 4 = 0.825


def test_attainment_uses_the_cap_parameter_for_values_beyond_target_and_for_a_zero_lower_value() -> None:
    ms, score = perf_scores(PERF_ANSWERS, PERF_TARGETS, method="attainment", attainment_cap=D("1.2"))
    # (0.8 + 0.5 + min(1.2, 1.5) + cap 1.2) / 4 = 3.7 / 4 = 0.925
    assert performance(ms, score).value == Fraction(37, 40)


def test_an_unreported_value_has_attainment_zero() -> None:
    answers = {k: v for k, v in PERF_ANSWERS.items() if k != ("1.2", "Fresno")}
    ms, score = perf_scores(answers, PERF_TARGETS, method="attainment")
    # (0.8 + 0.5 + 1 + 0) / 4 = 2.3 / 4 = 0.575
    assert performance(ms, score).value == Fraction(23, 40)


@pytest.mark.parametrize(
    ("direction_measure", "target", "answer", "expected"),
    [
        ("1.1", "0", "0", Fraction(1)),  # higher, target 0, met (0 ≥ 0) → cap 1
        ("1.2", "0", "0", Fraction(1)),  # lower, value 0 → cap 1
        ("1.2", "0", "3", Fraction(0)),  # lower, target 0 not met (3 > 0) → 0
        ("1.2", "4", "8", Fraction(1, 2)),  # lower: 4 / 8
        ("1.1", "8", "4", Fraction(1, 2)),  # higher: 4 / 8
    ],
)
def test_attainment_edge_cases_of_zero_targets_and_values(
    direction_measure: str, target: str, answer: str, expected: Fraction
) -> None:
    ms, score = perf_scores(
        {(direction_measure, "Alameda"): answer}, {(direction_measure, "Alameda"): target}, method="attainment"
    )
    assert performance(ms, score).value == expected  # one pair only


def test_targets_met_is_the_share_of_pairs_whose_target_was_met() -> None:
    ms, score = perf_scores(PERF_ANSWERS, PERF_TARGETS, method="targets_met")
    got = performance(ms, score)
    assert (got.met, got.pairs) == (2, 4)  # Fresno's two met; Alameda's two not
    assert got.value == Fraction(1, 2)  # 2 / 4


def test_only_pairs_with_a_target_count() -> None:
    # Fresno 1.2 has no target: 3 pairs; met: Fresno 1.1 only → 1 / 3.
    rows = {k: v for k, v in PERF_TARGETS.items() if k != ("1.2", "Fresno")}
    ms, score = perf_scores(PERF_ANSWERS, rows)
    got = performance(ms, score)
    assert (got.met, got.pairs) == (1, 3)
    assert got.value == Fraction(1, 3)


def test_an_mcp_with_no_target_pairs_has_performance_zero_and_gets_no_award() -> None:
    # C has no targets at all: its 1.1 and 1.2 score 0 ("no approved target"), so submission 2's
    # area 1 is 0/10 → C's unearned area 1 is 40.00, area 3 60.00 (No); A's 70.00.
    # Pool 70.00 + 40.00 + 60.00 + forfeited 60.00 = 230.00; only A has performance > 0 → all to A.
    rows = {k: v for k, v in TARGETS.items() if k[0] != "C"}
    result = base(target_rows=rows)
    c_pool = result.pool.plan("C")
    assert c_pool is not None
    assert c_pool.eligible
    assert c_pool.performance.value == 0
    assert c_pool.performance.pairs == 0
    assert "no target" in c_pool.performance.note
    assert result.pool.pool == D("230.00")
    assert awards(result) == {"A": "230.00", "B": "0.00", "C": "0.00"}
    balanced(result)


# --------------------------------------------------------------------------- recoupment


def dollars_result(payment1_earned: str, payment2_earned: str) -> list[ScoreResult]:
    def one(number: int, earned: str) -> ScoreResult:
        row = AreaDollars("Alameda", 1, number, D(earned), D(earned), D("0.00"), D("0.00"))
        return ScoreResult("A", 1, number, ("Alameda",), (), (), (), dollars=(row,))

    return [one(1, payment1_earned), one(2, payment2_earned)]


@pytest.mark.parametrize(
    ("fraction", "earned1", "expected"),
    [
        ("0.5", "0.25", "0.12"),  # 0.5 × 0.25 = 0.125 → half-even → 0.12 (half-up would be 0.13)
        ("0.5", "0.35", "0.18"),  # 0.5 × 0.35 = 0.175 → half-even → 0.18
        ("1", "123.45", "123.45"),  # all of Payment 1
        ("0", "123.45", "0.00"),  # none
        ("0.333", "200.00", "66.60"),  # 0.333 × 200 = 66.6 exactly
    ],
)
def test_recoupment_is_the_fraction_of_earned_payment_1_rounded_half_even(
    fraction: str, earned1: str, expected: str
) -> None:
    # Payment 2's 1,000.00 earned is not interim and never counts.
    got = recoupment(measure_set(), election(recoupment=fraction), dollars_result(earned1, "1000.00"))
    assert got == D(expected)


def test_recouped_dollars_are_retained_by_the_state_when_not_pooled() -> None:
    # A recoups 0.25 × its earned Payment 1 200.00 = 50.00. Not pooled: pool stays 210.00
    # (A 140.00, C 70.00), and the 50.00 is retained.
    # 800.00 = 590.00 − 50.00 + 210.00 + 50.00.
    result = base(elections=base_elections(A={"recoupment": "0.25"}))
    a_pool = result.pool.plan("A")
    assert a_pool is not None
    assert a_pool.recouped == D("50.00")
    assert result.pool.pool == D("210.00")
    assert result.pool.to_json()["sources"]["recouped"] == "0.00"
    assert awards(result) == {"A": "140.00", "B": "0.00", "C": "70.00"}
    r = result.reconciliation
    assert (r.earned, r.recouped, r.pool_awarded, r.retained) == (D("590.00"), D("50.00"), D("210.00"), D("50.00"))
    balanced(result)


def test_recouped_dollars_join_the_pool_when_pooled() -> None:
    # Pooled: pool 210.00 + 50.00 = 260.00 → A : C = 2 : 1 → 17,333.33… / 8,666.66… cents →
    # floors 17,333 / 8,666 (25,999); the last cent → C (.67 > .33) → A 173.33, C 86.67.
    # 800.00 = 590.00 − 50.00 + 260.00 + 0.00.
    ms = with_pool(measure_set(program(funding="800.00")), recoupments_pooled=True)
    result = base(ms=ms, elections=base_elections(A={"recoupment": "0.25"}))
    assert result.pool.pool == D("260.00")
    assert result.pool.to_json()["sources"]["recouped"] == "50.00"
    assert awards(result) == {"A": "173.33", "B": "0.00", "C": "86.67"}
    r = result.reconciliation
    assert (r.earned, r.recouped, r.pool_awarded, r.retained) == (D("590.00"), D("50.00"), D("260.00"), D("0.00"))
    balanced(result)


# --------------------------------------------------------------------------- eligibility


def test_a_mandatory_measure_missing_in_any_submission_makes_a_plan_ineligible_naming_measure_and_county() -> None:
    # C leaves 1.2 (mandatory) blank in Fresno in submission 1. Its area 1 there is 5/10 →
    # 20.00 earned, 20.00 more unearned: pool 210.00 + 20.00 = 230.00, all to A.
    subs = [s for s in base_submissions() if (s.mcp, s.submission) != ("C", 1)]
    c1 = {("1.1", "All"): "Yes", ("3.1", "Fresno"): "Yes", ("3.2", "Fresno"): "Yes"}
    subs.append(filled("C", 1, ["Fresno"], c1))
    result = base(submissions=subs)
    c_pool = result.pool.plan("C")
    assert c_pool is not None
    assert not c_pool.eligible
    assert any("submission 1" in r and "1.2 (Fresno)" in r for r in c_pool.reasons)
    assert awards(result) == {"A": "230.00", "B": "0.00", "C": "0.00"}
    balanced(result)


def test_a_plan_on_a_corrective_action_plan_is_ineligible() -> None:
    result = base(elections=base_elections(A={"corrective_action_plan": True}))
    a_pool = result.pool.plan("A")
    assert a_pool is not None
    assert not a_pool.eligible
    assert a_pool.reasons == ("on a corrective action plan",)
    assert awards(result) == {"A": "0.00", "B": "0.00", "C": "210.00"}  # C alone takes the pool
    balanced(result)


def test_fewer_than_the_minimum_community_supports_makes_a_plan_ineligible_counting_a_repeated_name_once() -> None:
    two = election({1: "0.30"}, community_supports=["Housing Deposits", "housing deposits ", "Respite Services"])
    reasons = eligibility_reasons(measure_set(), "A", [], two)
    assert reasons == ["offers 2 Community Supports; at least 3 required"]  # 3 names, 2 distinct


def test_a_plan_that_reported_everything_offers_three_community_supports_and_no_cap_is_eligible() -> None:
    ms = measure_set()
    s1 = score_points(sub1(), full_sub1("A", ["Alameda"]))
    answers = {("1.1", "Alameda"): "1", ("1.2", "Alameda"): "1", ("3.1", "Alameda"): "No"}
    s2 = score_points(sub2(), filled("A", 2, ["Alameda"], answers))
    assert eligibility_reasons(ms, "A", [s1, s2], election(community_supports=CS3)) == []


def test_a_plan_that_filed_no_workbook_for_a_submission_is_ineligible() -> None:
    # C files nothing for submission 1: scored as nothing reported → C's Payment 1 area 1 (40.00) and
    # area 3 (60.00) are unearned: pool 210.00 + 100.00 = 310.00, all to A (C ineligible).
    subs = [s for s in base_submissions() if (s.mcp, s.submission) != ("C", 1)]
    result = base(submissions=subs)
    c_pool = result.pool.plan("C")
    assert c_pool is not None
    assert not c_pool.eligible
    assert any("submission 1" in r and "no workbook" in r for r in c_pool.reasons)
    assert result.pool.pool == D("310.00")
    assert awards(result) == {"A": "310.00", "B": "0.00", "C": "0.00"}
    balanced(result)


def test_a_submission_given_without_a_source_path_still_counts_as_filed() -> None:
    subs = [replace(s, source=None) if s.mcp == "A" else s for s in base_submissions()]
    result = base(submissions=subs)
    a_pool = result.pool.plan("A")
    assert a_pool is not None
    assert a_pool.reasons == ()
    assert a_pool.eligible


# --------------------------------------------------------------------------- JSON contract


def test_pool_json_has_every_key_of_formats_md() -> None:
    out = base().pool.to_json()
    assert {"program_year", "pool", "sources", "plans", "retained"} <= set(out)
    assert set(out["sources"]) >= {"unearned", "forfeited", "recouped"}
    assert out["sources"] == {"unearned": "150.00", "forfeited": "60.00", "recouped": "0.00"}
    assert (out["program_year"], out["pool"], out["retained"]) == (1, "210.00", "0.00")
    assert [p["mcp"] for p in out["plans"]] == ["A", "B", "C"]  # sorted by MCP id
    for p in out["plans"]:
        assert {"mcp", "eligible", "reasons", "performance", "award"} <= set(p)
        assert isinstance(p["reasons"], list)
        assert isinstance(p["award"], str) and Decimal(p["award"]).as_tuple().exponent == -2
    perf = {p["mcp"]: p["performance"] for p in out["plans"]}
    assert perf == {"A": 0.5, "B": 1, "C": 0.5}  # 1/2, 2/2, 1/2


def test_performance_is_shown_rounded_to_six_places() -> None:
    rows = {k: v for k, v in PERF_TARGETS.items() if k != ("1.2", "Fresno")}
    ms, score = perf_scores(PERF_ANSWERS, rows)
    assert ratio6(performance(ms, score).value) == 0.333333  # 1/3 → 6 places


def test_an_election_without_community_supports_listed_is_not_counted_for_the_pool() -> None:
    """The pool needs three Community Supports offered; an entry that lists none cannot show them."""
    ms = measure_set()
    s1 = score_points(sub1(), full_sub1("A", ["Alameda"]))
    silent = Election.model_validate({"flexible": {1: "0.30"}})
    reasons = eligibility_reasons(ms, "A", [s1], silent)
    assert reasons == ["elections.yaml does not list the Community Supports it offers; at least 3 required"]


def test_a_breach_of_the_limit_is_an_earned_above_limit_finding_that_makes_run_exit_1() -> None:
    # As above: A earned 330.00 > 5% of 6,000.00 = 300.00. ipp run's findings (exit 1) name it,
    # and so does the report's Findings sheet.
    from ipp_calc.io.report import findings_sheet

    result = base(capitation={"A": "6000.00"})
    found = [f for f in result.findings if f.code == "earned-above-limit"]
    assert len(found) == 1 and found[0].mcp == "A"
    assert found[0].line_text().startswith("A: earned $330.00 exceeds 5% of capitation ($300.00)")
    rows = [values for values, _ in findings_sheet(result, []).rows[1:]]
    assert any(r[0] == "A" and r[2] == "earned-above-limit" for r in rows)


def test_a_reconciliation_off_by_a_cent_is_an_unbalanced_finding() -> None:
    # The engine balances by construction (the property tests prove it); this is the alarm if it
    # ever does not: retained one cent too high → funding ≠ earned − recouped + awarded + retained.

    result = base()
    assert not [f for f in result.findings if f.code == "unbalanced"]
    off = replace(
        result, reconciliation=replace(result.reconciliation, retained=result.reconciliation.retained + D("0.01"))
    )
    assert [f.code for f in off.findings if f.code == "unbalanced"] == ["unbalanced"]
