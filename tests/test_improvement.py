"""Improvement over time (RULES.md section 8): ``improvement`` measures and ``tiered`` with basis
``improvement``, their baselines, and ``ipp check``'s baseline references.

Every expected number is worked out by hand in the comment beside it.
"""

from __future__ import annotations

from typing import Any

import pytest

from ipp_calc.core.checks import check_baselines, check_measure_set
from ipp_calc.core.models import Measure, MeasureSet
from ipp_calc.core.responses import Answer, FilledSubmission
from ipp_calc.core.scoring import MeasureScore, baselines_from, score_measure, score_points
from scenario import ALL, D, election, filled, m, measure_set, plan, program, sub1, submission, table, year

BASELINE_S1 = 'baseline: {submission: 1, measure: "1.2"}'


def improvement(**fields: Any) -> Measure:
    """A county-level mandatory improvement measure of 10 points, higher is better, relative."""
    doc: dict[str, Any] = {
        "id": "2.1",
        "priority_area": 1,
        "domain": "1A",
        "level": "county",
        "mandatory": True,
        "kind": "improvement",
        "points": 10,
        "direction": "higher",
        "baseline": {"submission": 1, "measure": "1.2"},
        "at_least": "0.10",
    }
    doc.update(fields)
    return Measure.model_validate(doc)


def scored(value: str | None, baseline: str | None, **fields: Any) -> MeasureScore:
    measure = improvement(**fields)
    return score_measure(
        measure,
        "Alameda",
        D(value) if value is not None else None,
        None,
        None,
        baseline=D(baseline) if baseline is not None else None,
        baseline_source="data folder" if baseline is not None else None,
    )


TWO_TIERS = [{"points": 4, "at_least": "0.05"}, {"points": 6, "at_least": "0.10"}]

# --------------------------------------------------------------------------- relative (the default)


def test_a_relative_improvement_of_12_percent_meets_a_10_percent_bar() -> None:
    result = scored("280", "250")
    # (280 − 250) / 250 = 30 / 250 = 0.12 ≥ 0.10 → met, all 10 points
    assert result.points_earned == 10
    assert result.met is True
    assert result.improvement == D("0.12")
    assert "improved 12 % on a baseline of 250, needed 10 %" in result.reason


def test_a_relative_improvement_of_8_percent_misses_a_10_percent_bar() -> None:
    result = scored("270", "250")
    # (270 − 250) / 250 = 20 / 250 = 0.08 < 0.10 → not met, 0 points
    assert result.points_earned == 0
    assert result.met is False
    assert "not met: improved 8 % on a baseline of 250, needed 10 %" in result.reason


def test_exactly_the_bar_is_met() -> None:
    # (275 − 250) / 250 = 25 / 250 = 0.10 ≥ 0.10 → met
    assert scored("275", "250").points_earned == 10


def test_a_fall_is_shown_as_worsened_and_is_not_met() -> None:
    result = scored("225", "250")
    # (225 − 250) / 250 = −0.10 → worsened 10 %, not met
    assert result.points_earned == 0
    assert "worsened 10 % on a baseline of 250" in result.reason


def test_a_share_that_does_not_end_is_shown_rounded_down_never_up() -> None:
    result = scored("400", "300")
    # (400 − 300) / 300 = 1/3 = 33.333…% → shown 33.33 % (rounded down), met (≥ 10 %)
    assert "improved 33.33 % on a baseline of 300" in result.reason
    assert result.points_earned == 10


# --------------------------------------------------------------------------- absolute


def test_an_absolute_improvement_is_the_difference() -> None:
    met = scored("55", "40", change="absolute", at_least="10")
    # 55 − 40 = 15 ≥ 10 → met, 10 points
    assert met.points_earned == 10
    assert "improved 15 on a baseline of 40, needed 10" in met.reason
    missed = scored("48", "40", change="absolute", at_least="10")
    # 48 − 40 = 8 < 10 → not met
    assert missed.points_earned == 0


def test_an_absolute_improvement_on_a_baseline_of_0_is_the_value_itself() -> None:
    # absolute: 12 − 0 = 12 ≥ 10 → met (the b = 0 rule is for relative change only)
    assert scored("12", "0", change="absolute", at_least="10").points_earned == 10


# --------------------------------------------------------------------------- lower is better


def test_lower_is_better_improves_by_falling() -> None:
    met = scored("17", "20", direction="lower")
    # (20 − 17) / 20 = 3 / 20 = 0.15 ≥ 0.10 → met
    assert met.points_earned == 10
    assert "improved 15 % on a baseline of 20, needed 10 %" in met.reason
    assert "lower is better" in met.reason
    # (20 − 19) / 20 = 0.05 < 0.10 → not met
    assert scored("19", "20", direction="lower").points_earned == 0
    # (20 − 22) / 20 = −0.10: rising is worsening
    rose = scored("22", "20", direction="lower")
    assert rose.points_earned == 0 and "worsened 10 %" in rose.reason


def test_lower_is_better_absolute() -> None:
    # 30 − 24 = 6 ≥ 5 → met; 30 − 27 = 3 < 5 → not met
    assert scored("24", "30", direction="lower", change="absolute", at_least="5").points_earned == 10
    assert scored("27", "30", direction="lower", change="absolute", at_least="5").points_earned == 0


# --------------------------------------------------------------------------- baseline 0


def test_on_a_baseline_of_0_higher_is_better_is_met_by_any_value_above_0() -> None:
    assert scored("3", "0").points_earned == 10  # b = 0, higher: met when v > 0 (3 > 0)
    none = scored("0", "0")  # 0 > 0 is false → not met
    assert none.points_earned == 0
    assert none.improvement is None  # (v − 0) / 0 is undefined
    assert "baseline of 0" in none.reason


def test_on_a_baseline_of_0_lower_is_better_is_met_only_by_staying_at_0() -> None:
    assert scored("0", "0", direction="lower").points_earned == 10  # b = 0, lower: met when v = 0
    rose = scored("1", "0", direction="lower")  # 1 ≠ 0 → never met by improvement
    assert rose.points_earned == 0
    assert "it can only stay at 0" in rose.reason


# --------------------------------------------------------------------------- no baseline


def test_no_baseline_is_not_met_with_that_reason() -> None:
    result = scored("280", None)
    assert result.points_earned == 0
    assert result.met is False
    assert result.reported  # the answer is there; what is missing is the earlier value
    assert result.reason == "no baseline (reported 280)"


def test_a_blank_answer_is_not_reported_whatever_the_baseline() -> None:
    result = scored(None, "250")
    assert result.points_earned == 0 and not result.reported
    assert result.reason == "not reported (mandatory)"


# --------------------------------------------------------------------------- tiered by improvement


def test_tiered_by_improvement_counts_the_tiers_reached_in_order() -> None:
    fields = {"kind": "tiered", "basis": "improvement", "tiers": TWO_TIERS, "at_least": None}
    # (215 − 200) / 200 = 0.075: tier 1 (≥ 0.05) reached, tier 2 (≥ 0.10) not → 4 points
    partly = scored("215", "200", **fields)
    assert partly.points_earned == 4
    assert "improved 7.5 % on a baseline of 200: 1 of 2 tiers reached" in partly.reason
    # (230 − 200) / 200 = 0.15: both tiers → 4 + 6 = 10 points
    assert scored("230", "200", **fields).points_earned == 10
    # (195 − 200) / 200 = −0.025: no tier → 0 points
    assert scored("195", "200", **fields).points_earned == 0


def test_tiered_by_improvement_on_a_baseline_of_0_reaches_every_tier_or_none() -> None:
    fields = {"kind": "tiered", "basis": "improvement", "tiers": TWO_TIERS, "at_least": None}
    assert scored("5", "0", **fields).points_earned == 10  # higher, v = 5 > 0 → every tier: 4 + 6
    assert scored("0", "0", **fields).points_earned == 0  # higher, v = 0 → none
    lower = {**fields, "direction": "lower"}
    assert scored("0", "0", **lower).points_earned == 10  # lower, stays at 0 → every tier
    assert scored("2", "0", **lower).points_earned == 0  # lower, rose → none


def test_tiered_by_absolute_improvement_lower_is_better() -> None:
    tiers = [{"points": 5, "at_least": "2"}, {"points": 5, "at_least": "5"}]
    fields = {"kind": "tiered", "basis": "improvement", "tiers": tiers, "at_least": None}
    # 30 − 27 = 3: tier 1 (≥ 2) only → 5 points
    assert scored("27", "30", direction="lower", change="absolute", **fields).points_earned == 5
    # 30 − 24 = 6: both → 10 points
    assert scored("24", "30", direction="lower", change="absolute", **fields).points_earned == 10


def test_tiered_by_improvement_without_a_baseline_reaches_no_tier() -> None:
    fields = {"kind": "tiered", "basis": "improvement", "tiers": TWO_TIERS, "at_least": None}
    result = scored("230", None, **fields)
    assert result.points_earned == 0 and result.reason == "no baseline (reported 230)"


# --------------------------------------------------------------------------- a year: baselines from the data folder

#: Submission 2 with an improvement measure on submission 1's 1.2 (a county reporting measure).
#: Area 1: 10 points available: 1.1 (improvement, mandatory, 5, ≥ 10 %) and 1.2 (optional
#: target, lower, 5). Area 3: 3.1 (completion, 10).
SUB2_IMPROVEMENT = (
    m("1.1", 1, "improvement", 5, extra=f'direction: higher, {BASELINE_S1}, at_least: "0.10"')
    + m("1.2", 1, "target", 5, mandatory=False, extra="direction: lower")
    + m("3.1", 3, "completion", 10)
)


def improvement_year(workbook_baselines: dict[str, str] | None = None) -> Any:
    """MCP A in Alameda ($200.00) and Fresno ($100.00), election {1: 0.30} → shares 0.70 / 0.30.

    Payment 2 (submission 2): Alameda 100.00 → area 1 70.00, area 3 30.00; Fresno 50.00 → area 1
    35.00, area 3 15.00. Submission 1 reports 1.2 = 250 in Alameda and nothing in Fresno.
    Submission 2 answers 1.1 = 280 in Alameda, 100 in Fresno, and 3.1 Yes in both.
    """
    ms = measure_set(program(), [sub1(), submission(2, {1: 10, 3: 10}, SUB2_IMPROVEMENT)])
    first = filled("A", 1, ["Alameda", "Fresno"], {("1.1", ALL): "Yes", ("1.2", "Alameda"): "250"})
    answers: dict[tuple[str, str], Any] = {
        ("1.1", "Alameda"): "280",
        ("1.1", "Fresno"): "100",
        ("3.1", "Alameda"): "Yes",
        ("3.1", "Fresno"): "Yes",
    }
    second = filled("A", 2, ["Alameda", "Fresno"], answers)
    if workbook_baselines:
        built = dict(second.answers)
        for county, base in workbook_baselines.items():
            old = built[("1.1", county)]
            built[("1.1", county)] = Answer(old.measure, old.county, old.value, baseline=D(base))
        second = FilledSubmission(second.mcp, 1, 2, second.counties, built, source=second.source)
    plans = [plan("A", "Alameda"), plan("A", "Fresno")]
    amounts = {("A", "Alameda"): "200.00", ("A", "Fresno"): "100.00"}
    return year(ms, plans, {"A": election({1: "0.30"})}, table_rows=table(amounts), submissions=[first, second])


def row(result: Any, measure_id: str, county: str, number: int = 2) -> MeasureScore:
    score = next(s for s in result.scores if s.submission == number)
    return next(r for r in score.measures if r.measure == measure_id and r.county == county)


def test_a_year_takes_the_baseline_from_the_plans_earlier_workbook_in_the_data_folder() -> None:
    result = improvement_year()
    alameda = row(result, "1.1", "Alameda")
    # baseline 250 from submission 1; (280 − 250) / 250 = 12 % ≥ 10 % → 5 points
    assert (alameda.baseline, alameda.baseline_source, alameda.points_earned) == (D("250"), "data folder", 5)
    fresno = row(result, "1.1", "Fresno")
    # Fresno's 1.2 was not reported in submission 1 → no baseline → 0 points
    assert (fresno.baseline, fresno.points_earned, fresno.reason) == (None, 0, "no baseline (reported 100)")
    second = next(s for s in result.scores if s.submission == 2)
    earned = {(d.county, d.priority_area): str(d.earned) for d in second.dollars or ()}
    # Alameda area 1: 5/10 × 70.00 = 35.00; Fresno area 1: 0/10 × 35.00 = 0.00; area 3 full
    assert earned == {("Alameda", 1): "35.00", ("Alameda", 3): "30.00", ("Fresno", 1): "0.00", ("Fresno", 3): "15.00"}
    assert result.reconciliation.balanced


def test_worth_covers_an_improvement_measure_not_met() -> None:
    result = improvement_year()
    # Fresno 1.1 (5 points): area 1 0/10 → 5/10 of 35.00 = 17.50
    assert row(result, "1.1", "Fresno").worth == D("17.50")
    # Alameda 1.1 is met: nothing to gain
    assert row(result, "1.1", "Alameda").worth == D("0.00")


def test_the_data_folder_baseline_wins_over_the_workbooks_and_a_disagreement_is_a_finding() -> None:
    result = improvement_year({"Alameda": "240", "Fresno": "90"})
    # Alameda: the workbook says 240, submission 1 says 250 → 250 is used (12 %, met), one finding
    assert row(result, "1.1", "Alameda").baseline == D("250")
    # Fresno: the workbook says 90, but submission 1 did not report it → no baseline (not 90)
    assert row(result, "1.1", "Fresno").baseline is None
    notes = next(s for s in result.scores if s.submission == 2).notes
    assert [(n.code, n.county) for n in notes] == [
        ("baseline-disagreement", "Alameda"),
        ("baseline-disagreement", "Fresno"),
    ]
    assert "says 250, the workbook's Baseline says 240; the data folder is used" in notes[0].message


def test_without_a_data_folder_the_workbooks_baseline_column_is_used() -> None:
    sub = submission(2, {1: 10, 3: 10}, SUB2_IMPROVEMENT)
    answers = {("1.1", "Alameda"): Answer("1.1", "Alameda", D("280"), baseline=D("250"))}
    result = score_points(sub, FilledSubmission("A", 1, 2, ("Alameda",), answers), baselines=None)
    alameda = next(r for r in result.measures if r.measure == "1.1")
    # the workbook's Baseline 250: (280 − 250) / 250 = 12 % → met, 5 points
    assert (alameda.baseline, alameda.baseline_source, alameda.points_earned) == (D("250"), "workbook", 5)
    assert alameda.to_json()["baseline"] == 250 and alameda.to_json()["improvement"] == 0.12


def test_a_reference_to_a_year_whose_data_was_not_read_falls_back_to_the_workbook() -> None:
    sub = submission(2, {1: 10, 3: 10}, SUB2_IMPROVEMENT)
    # submission 1 of PY1 is not among the known (year, submission): nothing is decided from data
    assert baselines_from(sub, ("Alameda",), {}, known=set()) == {}
    # known but no workbook: every county has no baseline
    assert baselines_from(sub, ("Alameda",), {}, known={(1, 1)}) == {("1.1", "Alameda"): None}


# --------------------------------------------------------------------------- ipp check: baseline references


def checked(extra: str, *, kind: str = "improvement", level: str = "county", more: str = "") -> list[str]:
    tail = ', at_least: "0.10"' if kind == "improvement" else ""
    sub2 = submission(
        2,
        {1: 10, 3: 10},
        m("1.1", 1, kind, 5, level=level, extra=f"direction: higher, {extra}{tail}{more}")
        + m("1.2", 1, "reporting", 5, mandatory=False)
        + m("3.1", 3, "completion", 10),
    )
    ms = measure_set(program(), [sub1(), sub2])
    found = check_measure_set(ms) + check_baselines(ms, {})
    return [f"{f.code}: {f.message}" for f in found if f.code != "optional-meaningless"]


def test_a_good_baseline_reference_has_no_finding() -> None:
    assert checked(BASELINE_S1) == []


@pytest.mark.parametrize(
    ("reference", "words"),
    [
        ('baseline: {submission: 2, measure: "1.2"}', "does not come before this submission (2)"),
        ('baseline: {submission: 3, measure: "1.2"}', "does not come before"),
        ('baseline: {submission: 1, measure: "9.9"}', "submission 1 has no measure 9.9"),
        ('baseline: {submission: 1, measure: "3.1"}', "is answered with Yes/No, not a number"),
        ('baseline: {program_year: 2, submission: 1, measure: "1.2"}', "comes after this one (1)"),
    ],
)
def test_a_bad_baseline_reference_is_a_finding(reference: str, words: str) -> None:
    found = checked(reference)
    assert len(found) == 1 and words in found[0], found
    assert found[0].startswith("baseline-reference: "), found


def test_a_baseline_must_be_of_the_same_level() -> None:
    found = checked(BASELINE_S1, level="plan")  # a plan-level measure on submission 1's county 1.2
    assert len(found) == 1 and "1.2 is a county-level measure; a plan-level measure's baseline" in found[0]


def test_a_reference_to_an_earlier_year_needs_that_years_measure_set() -> None:
    found = checked('baseline: {program_year: 0, submission: 1, measure: "1.2"}')
    assert len(found) == 1 and "program year 0, whose measure set was not found" in found[0]


def test_an_earlier_years_measure_set_resolves_the_reference() -> None:
    later = measure_set(
        program(),
        [
            submission(
                2,
                {1: 10, 3: 10},
                m(
                    "1.1",
                    1,
                    "improvement",
                    5,
                    extra='direction: higher, at_least: "0.1", '
                    'baseline: {program_year: 0, submission: 7, measure: "1.2"}',
                )
                + m("3.1", 3, "completion", 10),
            )
        ],
    )
    earlier = measure_set(program(), [submission(7, {1: 10, 3: 10}, m("1.2", 1, "reporting", 5))])
    # PY0 submission 7 holds 1.2 (county, reporting): a good reference, even though 7 > 2
    assert check_baselines(later, {0: earlier}) == []


def test_an_improvement_measure_needs_its_fields_and_others_may_not_have_them() -> None:
    found = checked("change: relative", more="")
    assert any("needs baseline" in f for f in found)
    odd = checked(BASELINE_S1, kind="reporting")
    assert any("direction is only for target and improvement measures" in f for f in odd)
    assert any("baseline is only for improvement measures" in f for f in odd)


def test_the_shipped_measure_sets_baseline_references_are_good() -> None:
    from ipp_calc.io.measures import baseline_sets, load_year, shipped_measures_dir

    root = shipped_measures_dir()
    for number in (1, 2, 3):
        ms: MeasureSet = load_year(root, number)
        assert check_baselines(ms, baseline_sets(ms, [root], {})) == []
