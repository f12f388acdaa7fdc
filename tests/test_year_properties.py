"""Properties of a whole program year (src/ipp_calc/core/year.py run_year), RULES.md sections 5–7.

Random small years: 1–6 MCPs in 1–3 counties each; elections with random flexible splits, some
approved exceptions, some plans with no Community Supports (area 3 forfeited) or too few for the
pool; random corrective-action-plan flags and recoupment fractions; capitation on some plans, some
low enough to bind (or already exceeded by what they earn); random targets in targets.csv and in
the workbook; random answers with blanks and unfiled workbooks; the factor model or DHCS's own table;
random pool method, attainment cap and ``recoupments_pooled``. Three measure sets: the tiny year of
tests/scenario.py, a tiny year with every kind and basis, and the shipped PY1 (four areas).

Whatever the draw, to the cent:

* funding = Σ earned − Σ recouped + Σ pool awarded + retained (and ``reconciliation.balanced``);
* no ineligible plan (or plan with performance 0) is awarded anything;
* a plan whose earned is within 5% of its capitation stays within it after its award;
* every cell's earned is between 0 and its allocation, and allocated = earned + unearned + forfeited;
* Σ awards + retained = pool;
* the result does not depend on the order of workbooks, plans.csv rows or elections.yaml entries.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipp_calc.core.allocation import election_problems
from ipp_calc.core.models import BaselineRef, Election, MeasureSet, PlanRow, TableRow, TargetRow
from ipp_calc.core.money import total
from ipp_calc.core.responses import Answer, AnswerValue, FilledSubmission
from ipp_calc.core.trace import trace_json
from ipp_calc.core.year import YearInputs, YearResult, run_year
from ipp_calc.io.measures import load_year, shipped_measures_dir
from scenario import ALL, m, measure_set, program, sub1, sub2, submission

CENT = Decimal("0.01")
COUNTIES = ("Alameda", "Butte", "Fresno", "Kern", "Yolo")
MCPS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
GENERIC_SUPPORTS = ("Housing Deposits", "Respite Services", "Sobering Centers", "Asthma Remediation")


# --------------------------------------------------------------------------- measure sets


def _rich() -> MeasureSet:
    """The tiny year with every kind and basis, plan- and county-level, and optional points beyond
    the points available."""
    tiers_value = 'basis: value, tiers: [{points: 2, at_least: "5"}, {points: 3, at_least: "10"}]'
    tiers_done = "basis: completion, tiers: [{points: 2}, {points: 2}, {points: 1}]"
    tiers_ratio = 'basis: target_ratio, tiers: [{points: 1, at_least: "0.5"}, {points: 4, at_least: "1.0"}]'
    s1 = submission(
        1,
        {1: 8, 3: 6},
        m("1.1", 1, "completion", 3, level="plan")
        + m("1.2", 1, "tiered", 5, extra=tiers_value)
        + m("1.3", 1, "reporting", 2, mandatory=False)
        + m("3.1", 3, "reporting", 1)
        + m("3.2", 3, "tiered", 5, mandatory=False, extra=tiers_done)
        + m("3.3", 3, "completion", 3, mandatory=False),
    )
    s2 = submission(
        2,
        {1: 7, 3: 9},
        m("1.1", 1, "target", 3, extra="direction: higher")
        + m("1.2", 1, "target", 2, level="plan", extra="direction: lower")
        + m("1.3", 1, "tiered", 5, mandatory=False, extra=tiers_ratio)
        + m("3.1", 3, "completion", 4)
        + m("3.2", 3, "target", 5, mandatory=False, extra="direction: lower"),
    )
    return measure_set(program(), [s1, s2])


@cache
def measure_sets() -> tuple[MeasureSet, ...]:
    return (measure_set(program(), [sub1(), sub2()]), _rich(), load_year(shipped_measures_dir(), 1))


# --------------------------------------------------------------------------- strategies


cents = st.integers(min_value=0, max_value=10**7).map(lambda c: (Decimal(c) / 100).quantize(CENT))


@st.composite
def elections_for(draw: st.DrawFn, ms: MeasureSet, mcp: str) -> Election:
    prog = ms.program
    cs_area = prog.community_supports_area
    catalog = tuple(prog.community_supports_catalog or GENERIC_SUPPORTS)
    offers = draw(st.sampled_from([0, 1, 2, 3, 3, 3, 3, 4, 4, 4]))  # 0: forfeits area 3; 1–2: too few for the pool
    supports = [catalog[i % len(catalog)] for i in draw(st.lists(st.integers(0, 20), min_size=offers, max_size=offers))]
    if supports and draw(st.booleans()):
        supports.append(supports[0].upper() + " ")  # a repeated name counts once
    allowed = [a for a in prog.area_ids if supports or a != cs_area]
    elected = draw(st.lists(st.sampled_from(allowed), min_size=1, max_size=len(allowed), unique=True))
    # Split the flexible share (in hundredths) into one positive part per elected area.
    hundredths = int(prog.flexible_share * 100)
    cuts = sorted(draw(st.lists(st.integers(1, hundredths - 1), unique=True, max_size=len(elected) - 1)))
    bounds = [0, *cuts, hundredths]
    parts = [b - a for a, b in itertools.pairwise(bounds)]
    flexible = {area: str(Decimal(p) / 100) for area, p in zip(elected, parts, strict=False)}
    doc: dict[str, Any] = {
        "flexible": flexible,
        "community_supports": supports,
        "corrective_action_plan": draw(st.integers(0, 4)) == 0,
        "recoupment": draw(st.sampled_from(["0", "0", "0.1", "0.25", "0.333", "0.5", "1"])),
    }
    if draw(st.integers(0, 3)) == 0:  # an approved exception, now and then
        to = next(iter(flexible))
        minimum = {a.id: a.minimum_share for a in prog.priority_areas}
        sources = [
            a
            for a in prog.area_ids
            if a != to
            and minimum[a] + Decimal(flexible.get(a, "0")) >= Decimal("0.05")
            and (supports or a != prog.community_supports_area)  # a forfeited area cannot give share
        ]
        if sources:
            doc["exception"] = {"approved": True, "from": draw(st.sampled_from(sources)), "to": to, "share": "0.05"}
    return Election.model_validate(doc)


def _answer(draw: st.DrawFn, kind: str, basis: str | None, tiers: int, may_be_blank: bool) -> AnswerValue:
    if may_be_blank and draw(st.integers(0, 4)) == 0:
        return None  # blank
    if kind == "completion":
        return draw(st.booleans())
    if kind == "tiered" and basis == "completion":
        return draw(st.integers(0, tiers))
    return Decimal(draw(st.integers(0, 300))) / 10  # 0.0 to 30.0


@st.composite
def filled_for(
    draw: st.DrawFn, ms: MeasureSet, mcp: str, number: int, counties: tuple[str, ...], diligent: bool
) -> FilledSubmission:
    """A workbook; a diligent MCP answers every mandatory measure (so it may be pool-eligible)."""
    answers: dict[tuple[str, str], Answer] = {}
    for measure in ms.submissions[number].measures:
        for county in (ALL,) if measure.level == "plan" else counties:
            blank_ok = not (diligent and measure.mandatory)
            value = _answer(draw, measure.kind, measure.basis, len(measure.tiers or []), blank_ok)
            target = None
            if measure.needs_target and draw(st.integers(0, 3)) == 0:
                target = Decimal(draw(st.integers(0, 30)))
            answers[(measure.id, county)] = Answer(measure.id, county, value, target=target)
    # The Cover's counties are what the workbook said; run_year uses plans.csv's.
    return FilledSubmission(mcp, ms.year, number, counties, answers, source=f"submissions/{mcp}-{number}.xlsx")


@st.composite
def years(draw: st.DrawFn) -> YearInputs:
    ms = draw(st.sampled_from(measure_sets()))
    funding = draw(cents)
    pool = ms.program.pool.model_copy(
        update={
            "method": draw(st.sampled_from(["targets_met", "attainment"])),
            "attainment_cap": Decimal(draw(st.sampled_from(["0.5", "1.0", "1.5"]))),
            "recoupments_pooled": draw(st.booleans()),
        }
    )
    ms = replace(ms, program=ms.program.model_copy(update={"funding": funding, "pool": pool}))

    mcps = MCPS[: draw(st.integers(1, 6))]
    plans: list[PlanRow] = []
    for mcp in mcps:
        counties = draw(st.lists(st.sampled_from(COUNTIES), min_size=1, max_size=3, unique=True))
        # Capitation: none, or 5% of it near the plan's share of the funding (k = 20 puts it at about
        # funding / MCPs), so it binds now and then, and is sometimes exceeded by earned alone.
        k = draw(st.one_of(st.none(), st.integers(0, 60)))
        for county in counties:
            capitation = None
            if k is not None:
                capitation = (funding * k / (len(mcps) * len(counties))).quantize(CENT)
            plans.append(
                PlanRow(
                    mcp=mcp,
                    county=county,
                    member_months=Decimal(draw(st.integers(1, 5000))),
                    revenue=draw(cents),
                    wpc=draw(st.booleans()),
                    hhp=draw(st.booleans()),
                    capitation=capitation,
                )
            )
    elections = {mcp: draw(elections_for(ms, mcp)) for mcp in mcps}
    for mcp, e in elections.items():  # the strategy draws only what elections.yaml may hold
        assert election_problems(ms.program, mcp, e) == [], e

    allocation_table: tuple[TableRow, ...] | None = None
    if draw(st.booleans()):  # DHCS's own table: amounts that add up to no more than the funding
        rows = [(p.mcp, p.county) for p in plans if draw(st.integers(0, 5)) > 0]
        weights = [draw(st.integers(0, 100)) for _ in rows]
        used = Decimal(draw(st.integers(0, 100))) / 100  # the share of the funding the table places
        whole = sum(weights) or 1
        allocation_table = tuple(
            TableRow(mcp, county, (funding * used * w / whole).quantize(CENT, rounding="ROUND_FLOOR"))
            for (mcp, county), w in zip(rows, weights, strict=True)
        )

    target_rows: tuple[TargetRow, ...] | None = None
    if draw(st.integers(0, 5)) > 0:
        wanted = sorted({mm.id for s in ms.submissions.values() for mm in s.measures if mm.needs_target})
        found: list[TargetRow] = []
        for p in plans:
            for measure_id in wanted:
                for county in (p.county, ALL):
                    if draw(st.integers(0, 2)) > 0:
                        found.append(TargetRow(p.mcp, county, measure_id, Decimal(draw(st.integers(0, 300))) / 10))
        # targets.csv has one row per (mcp, county, measure): keep the first of any repeat
        unique: dict[tuple[str, str, str], TargetRow] = {}
        for t in found:
            unique.setdefault((t.mcp, t.county, t.measure), t)
        target_rows = tuple(unique.values())

    filed: dict[tuple[str, int], FilledSubmission] = {}
    for mcp in mcps:
        counties = tuple(p.county for p in plans if p.mcp == mcp)
        diligent = draw(st.integers(0, 3)) > 0
        for number in sorted(ms.submissions):
            if diligent or draw(st.integers(0, 7)) > 0:  # now and then a workbook is not filed
                filed[(mcp, number)] = draw(filled_for(ms, mcp, number, counties, diligent))
    return YearInputs(
        ms=ms, plans=tuple(plans), elections=elections, table=allocation_table, targets=target_rows, filed=filed
    )


PROPERTY = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run(inputs: YearInputs) -> YearResult:
    return run_year(inputs)


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(years())
def test_funding_equals_earned_minus_recouped_plus_pool_awarded_plus_retained_to_the_cent(inputs: YearInputs) -> None:
    result = run(inputs)
    r = result.reconciliation
    assert r.funding == r.earned - r.recouped + r.pool_awarded + r.retained
    assert r.balanced
    shown = result.to_json()["reconciliation"]
    assert {"funding", "earned", "recouped", "pool_awarded", "retained", "balanced"} <= set(shown)  # FORMATS.md run
    assert shown["balanced"] is True
    # The same money before the pool: every allocated dollar is earned, unearned or forfeited, and
    # what a DHCS table leaves is unallocated.
    rows = [d for s in result.scores for d in s.dollars or ()]
    assert total(d.earned + d.unearned + d.forfeited for d in rows) + result.allocation.unallocated == r.funding
    assert r.recouped == total(p.recouped for p in result.pool.plans)


@PROPERTY
@given(years())
def test_no_ineligible_plan_and_no_plan_with_performance_zero_is_awarded_anything(inputs: YearInputs) -> None:
    result = run(inputs)
    for p in result.pool.plans:
        assert p.award >= 0
        if not p.eligible or p.performance.value == 0:
            assert p.award == 0, p
        assert p.eligible == (not p.reasons)
        election = inputs.elections[p.mcp]
        if election.corrective_action_plan or not election.community_supports:
            assert not p.eligible


@PROPERTY
@given(years())
def test_no_plan_is_taken_above_five_percent_of_capitation_by_its_pool_award(inputs: YearInputs) -> None:
    result = run(inputs)
    for p in result.pool.plans:
        capitation = result.allocation.capitation.get(p.mcp)
        if capitation is None:
            assert p.room is None
            continue
        limit = capitation * Decimal("0.05")
        assert p.room is not None and p.room >= 0
        assert p.award <= p.room
        if p.earned <= limit:
            assert p.earned + p.award <= limit, p


@PROPERTY
@given(years())
def test_every_cells_earned_is_between_zero_and_its_allocation(inputs: YearInputs) -> None:
    result = run(inputs)
    for s in result.scores:
        for d in s.dollars or ():
            assert 0 <= d.earned <= d.allocated
            assert d.unearned >= 0
            assert d.earned + d.unearned + d.forfeited == d.allocated
            if d.forfeited:
                assert d.earned == 0 and d.unearned == 0 and d.forfeited == d.allocated
            cell = result.allocation.cell(s.mcp, d.county, d.payment, d.priority_area)
            assert cell is not None and cell.amount == d.allocated
        for a in s.areas:
            assert 0 <= a.fraction <= 1


@PROPERTY
@given(years())
def test_pool_awards_plus_retained_equal_the_pool(inputs: YearInputs) -> None:
    result = run(inputs)
    pool = result.pool
    assert total(p.award for p in pool.plans) + pool.retained == pool.pool
    assert pool.retained >= 0
    expected_recouped = pool.recouped_total if inputs.ms.program.pool.recoupments_pooled else Decimal("0.00")
    assert pool.recouped_pooled == expected_recouped
    unearned = total(d.unearned for s in result.scores for d in s.dollars or ())
    assert pool.pool == unearned + pool.forfeited + pool.recouped_pooled


@PROPERTY
@given(years(), st.randoms(use_true_random=False))
def test_the_year_json_does_not_depend_on_the_order_of_workbooks_plans_or_elections(
    inputs: YearInputs, rnd: random.Random
) -> None:
    before = json.dumps(run(inputs).to_json(), sort_keys=False)

    def shuffled(items: list[Any]) -> list[Any]:
        items = list(items)
        rnd.shuffle(items)
        return items

    other = replace(
        inputs,
        plans=tuple(shuffled(list(inputs.plans))),
        elections=dict(shuffled(list(inputs.elections.items()))),
        filed=dict(shuffled(list(inputs.filed.items()))),
        table=tuple(shuffled(list(inputs.table))) if inputs.table is not None else None,
        targets=tuple(shuffled(list(inputs.targets))) if inputs.targets is not None else None,
    )
    # Each workbook's own answers, shuffled too.
    other = replace(
        other,
        filed={k: replace(f, answers=dict(shuffled(list(f.answers.items())))) for k, f in other.filed.items()},
    )
    assert json.dumps(run(other).to_json(), sort_keys=False) == before


# --------------------------------------------------------------------------- the run JSON's trace


@pytest.mark.parametrize("use_table", [False, True])
def test_the_run_trace_does_not_depend_on_the_order_of_plans_or_table_rows(use_table: bool) -> None:
    ms = measure_set(program(), [sub1(), sub2()])
    elections = {"A": Election.model_validate({"flexible": {1: "0.30"}, "community_supports": ["x", "y", "z"]})}
    plans = [
        PlanRow("A", "Fresno", Decimal(300), Decimal(100), False, False),
        PlanRow("A", "Alameda", Decimal(100), Decimal(100), False, False),
    ]
    rows = (TableRow("A", "Fresno", Decimal("10.00")), TableRow("A", "Alameda", Decimal("20.00")))

    def traced(plan_rows: list[PlanRow], table_rows: tuple[TableRow, ...]) -> str:
        inputs = YearInputs(ms, tuple(plan_rows), elections, table_rows if use_table else None, None, {})
        return json.dumps(trace_json(run_year(inputs)))

    assert traced(plans, rows) == traced(plans[::-1], rows[::-1])


# --------------------------------------------------------------------------- the whole program (RULES.md section 9)


def _improving(ms: MeasureSet, number: int) -> MeasureSet:
    """The tiny year with submission 2's measure 1.1 scored as an improvement on the previous
    year's submission 1 measure 1.2 (RULES.md section 8), so the program's years are linked."""
    sub = ms.submissions[2]
    measures = [
        mm.model_copy(
            update={
                "kind": "improvement",
                "direction": "higher",
                "baseline": BaselineRef(program_year=number - 1, submission=1, measure="1.2"),
                "at_least": Decimal("0.1"),
            }
        )
        if mm.id == "1.1"
        else mm
        for mm in sub.measures
    ]
    return replace(ms, submissions={**ms.submissions, 2: sub.model_copy(update={"measures": measures})})


@st.composite
def programs(draw: st.DrawFn) -> list[YearInputs]:
    """1–3 random years, numbered 1, 2, 3; plans come and go between years (each year draws its
    own roster from the same ids), and a later tiny year takes baselines from the one before."""
    out: list[YearInputs] = []
    for number in range(1, draw(st.integers(1, 3)) + 1):
        inputs = draw(years())
        ms = inputs.ms
        ms = replace(ms, program=ms.program.model_copy(update={"program_year": number}))
        second = ms.submissions.get(2)
        first_measure = second.measure("1.1") if second is not None else None
        if number > 1 and first_measure is not None and first_measure.kind == "target" and draw(st.booleans()):
            ms = _improving(ms, number)
        filed = {k: replace(f, program_year=number) for k, f in inputs.filed.items()}
        earlier = {(mcp, y.ms.year, s): f for y in out for (mcp, s), f in y.filed.items()}
        known = frozenset((y.ms.year, s) for y in out for s in y.ms.submissions)
        out.append(replace(inputs, ms=ms, filed=filed, earlier=earlier, earlier_known=known))
    return out


@PROPERTY
@given(programs())
def test_the_program_reconciles_to_the_cent_and_adds_up_per_plan(years_in: list[YearInputs]) -> None:
    from ipp_calc.core.program import program_of

    results = [run_year(inputs) for inputs in years_in]
    program = program_of(results)
    r = program.reconciliation
    # Σ_years funding = Σ earned − Σ recouped + Σ pool awarded + Σ retained (RULES.md section 9)
    assert r.funding == r.earned - r.recouped + r.pool_awarded + r.retained
    assert r.balanced and program.to_json()["reconciliation"]["balanced"] is True
    assert r.funding == total(y.ms.program.funding for y in results)
    # the program adds the years up per plan, by plan id, and nothing else
    assert program.totals.earned == r.earned and program.totals.recouped == r.recouped
    assert program.totals.pool_award == r.pool_awarded
    assert program.totals.total == r.earned - r.recouped + r.pool_awarded
    for plan in program.plans:
        present = {y.ms.year for y in results if any(s.mcp == plan.mcp for s in y.summary)}
        assert set(plan.years) == present  # a plan absent in a year has no row there
        assert set(plan.absent) == {y.ms.year for y in results} - present
        for number, dollars in plan.by_year:
            year = next(y for y in results if y.ms.year == number)
            summary = next(s for s in year.summary if s.mcp == plan.mcp)
            assert dollars.total == summary.total and dollars.max_allocation == summary.max_allocation
