"""The trace: for each MCP, the chain of parameters, shares, points and references that made
its dollars (``ipp run --format json`` → ``trace``; ``ipp explain`` prints it).

Why: analysts and plans ask "why this number?" as often as "what number?". Each step names the
parameter it used (the YAML key or data file) and the APL passage behind it, so the answer can be
checked by hand against the rules rather than taken on trust.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ipp_calc.core.allocation import FACTORS, factor_value
from ipp_calc.core.models import Reference
from ipp_calc.core.money import ZERO, money_text, total
from ipp_calc.core.numbers import rounded6
from ipp_calc.core.year import YearResult


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    value: str
    parameter: str | None
    reference: str | None
    county: str | None = None  # the county the step is about; None: the whole plan or year

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "value": self.value, "parameter": self.parameter, "reference": self.reference}


def cite(references: Sequence[Reference]) -> str | None:
    """The first reference of a rule-bearing node, as one line (title — note)."""
    if not references:
        return None
    ref = references[0]
    return f"{ref.title} — {ref.note}" if ref.note else ref.title


@dataclass(frozen=True, slots=True)
class Style:
    """How numbers are written in the steps: for programs (JSON: plain two-decimal money, exact
    fractions) or for people (``ipp explain``: thousands separators, fractions to 12 places)."""

    money: Callable[[Decimal], str]
    exact: Callable[[Fraction], str]
    weight: Callable[[Fraction], str]  # a pool weight: dollars × performance


def _exact_fraction(value: Fraction) -> str:
    return f"{rounded6(value)} (exact {value})"


def _twelve_places(value: Fraction) -> str:
    """A ratio as a person can type it into a calculator: 12 decimal places (rounded), not a
    fraction of two 25-digit numbers."""
    if value.denominator == 1:
        return str(value.numerator)
    shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("1e-12"))
    return f"{shown:f}".rstrip("0").rstrip(".")


def _dollar_weight(value: Fraction) -> str:
    """A pool weight for people: whole cents as money, anything finer to 6 places, marked ≈."""
    cents = value * 100
    if cents.denominator == 1:
        return f"{Decimal(cents.numerator) / 100:,.2f}"
    shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("1e-6"))
    return f"≈ {shown:,f}"


FOR_PROGRAMS = Style(money=money_text, exact=_exact_fraction, weight=_exact_fraction)
FOR_PEOPLE = Style(money=lambda amount: f"{amount:,.2f}", exact=_twelve_places, weight=_dollar_weight)


def trace_plan(year: YearResult, mcp: str, style: Style = FOR_PROGRAMS) -> list[Step]:
    """Every step behind one MCP's dollars, in the order the rules apply them."""
    money = style.money
    ms, alloc, program = year.ms, year.allocation, year.ms.program
    steps: list[Step] = []
    add = steps.append
    program_file = ms.program_source.path
    add(
        Step(
            "funding of the program year",
            money(program.funding),
            f"{program_file}: funding",
            cite(program.reference),
        )
    )
    for pay in sorted(program.payments, key=lambda p: p.id):
        add(
            Step(
                f"payment {pay.id} (paid by submission {pay.submission}): share of funding",
                f"{pay.share} → {money(alloc.payment_totals[pay.id])}",
                f"{program_file}: payments[id={pay.id}].share",
                cite(pay.reference) or cite(program.reference),
            )
        )
    rows = sorted((r for r in year.inputs.plans if r.mcp == mcp), key=lambda r: r.county)
    if alloc.method == "factors":
        alloc_ref = cite(program.allocation.reference)
        for row in rows:
            for use in alloc.factors:
                if use.dropped:
                    add(
                        Step(
                            f"factor {use.name} in {row.county}",
                            "left out: its total over all rows is 0",
                            f"{program_file}: allocation.factors[{use.name}]",
                            alloc_ref,
                            row.county,
                        )
                    )
                    continue
                x = factor_value(use.name, row)
                add(
                    Step(
                        f"factor {use.name} in {row.county}",
                        f"{_factor(use.name, x)} of {_factor(use.name, use.total)} × weight "
                        f"{rounded6(use.effective_weight)}",
                        f"{program_file}: allocation.factors[{use.name}].weight; plans.csv ({mcp}, {row.county})",
                        alloc_ref,
                        row.county,
                    )
                )
            weight = alloc.weights[(mcp, row.county)]
            add(
                Step(
                    f"weight of {mcp} in {row.county}",
                    style.exact(weight),
                    "Σ weight × factor share",
                    alloc_ref,
                    row.county,
                )
            )
    else:
        for t in sorted((t for t in year.inputs.table or () if t.mcp == mcp), key=lambda t: t.county):
            where = f"allocation.csv ({mcp}, {t.county})"
            add(Step(f"DHCS table amount for {t.county}", money(t.amount), where, None, t.county))
    for county in alloc.counties(mcp):
        for payment in sorted(alloc.payment_totals):
            amount = total(
                c.amount for c in alloc.cells if c.mcp == mcp and c.county == county and c.payment == payment
            )
            add(
                Step(
                    f"cell {county}, payment {payment}",
                    money(amount),
                    "largest-remainder split of the payment by weight",
                    None,
                    county,
                )
            )
    election = year.inputs.elections[mcp]
    for area in program.priority_areas:
        flexible = election.flexible.get(area.id)
        share = alloc.shares[mcp][area.id]
        text = f"minimum {area.minimum_share}" + (f" + elected {flexible}" if flexible else "")
        exc = election.exception
        if exc is not None and exc.approved and area.id in (exc.from_, exc.to):
            text += f" {'−' if area.id == exc.from_ else '+'} exception {exc.share}"
        add(
            Step(
                f"area {area.id} ({area.name}) share",
                f"{text} = {share}",
                f"{program_file}: priority_areas[{area.id}].minimum_share; elections.yaml {mcp}.flexible",
                cite(area.reference),
            )
        )
    plan = alloc.plan(mcp)
    if plan is not None and plan.forfeited:
        add(
            Step(
                "forfeited: offers no Community Supports",
                money(plan.forfeited),
                f"{program_file}: community_supports_area",
                cite(program.reference),
            )
        )
    for score in year.scores_of(mcp):
        sub = ms.submissions[score.submission]
        sub_file = ms.submission_sources[score.submission].path
        filed = "" if score.filed else " (no workbook filed: nothing reported)"
        for scored in score.areas:
            dollars = [
                d for d in score.dollars or () if d.county == scored.county and d.priority_area == scored.priority_area
            ]
            earned = total(d.earned for d in dollars)
            allocated = total(d.allocated for d in dollars)
            add(
                Step(
                    f"submission {score.submission}, {scored.county}, area {scored.priority_area}: points{filed}",
                    f"{scored.points_earned} of {scored.points_available} → fraction {rounded6(scored.fraction)}; "
                    f"earned {money(earned)} of {money(allocated)}",
                    f"{sub_file}: areas.{scored.priority_area}.points_available",
                    cite(sub.reference),
                    scored.county,
                )
            )
    pool_plan = year.pool.plan(mcp)
    if pool_plan is not None:
        pool_ref = cite(program.pool.reference)
        add(
            Step(
                "pool eligibility",
                "eligible" if pool_plan.eligible else "; ".join(pool_plan.reasons),
                f"{program_file}: pool.min_community_supports; elections.yaml {mcp}",
                pool_ref,
            )
        )
        add(
            Step(
                "pool performance",
                f"{rounded6(pool_plan.performance.value)} ({pool_plan.performance.note})",
                f"{program_file}: pool.method = {program.pool.method}, pool.performance_submission = "
                f"{program.performance_submission}",
                pool_ref,
            )
        )
        steps.extend(_pool_arithmetic(year, mcp, style, program_file, pool_ref))
        add(
            Step(
                "pool award",
                money(pool_plan.award)
                + (f" (capped at {program.incentive_limit.percent} of capitation)" if pool_plan.capped else ""),
                "share ∝ max allocation × performance, in capped rounds",
                pool_ref,
            )
        )
        if pool_plan.recouped:
            add(
                Step(
                    "recouped from the interim payment",
                    money(pool_plan.recouped),
                    f"elections.yaml {mcp}.recoupment = {election.recoupment}; pool.recoupments_pooled = "
                    f"{program.pool.recoupments_pooled}",
                    cite(program.payments[0].reference),
                )
            )
    summary = next((s for s in year.summary if s.mcp == mcp), None)
    if summary is not None:
        add(Step("total: earned − recouped + pool award", money(summary.total), None, None))
    return steps


def _pool_arithmetic(year: YearResult, mcp: str, style: Style, program_file: str, ref: str | None) -> list[Step]:
    """Every number needed to redo the pool award by hand (RULES.md section 5): the pool, the
    plan's weight and the sum of weights, its room under the cap, and each round's split."""
    pool, money = year.pool, style.money
    plan = pool.plan(mcp)
    assert plan is not None
    steps: list[Step] = []
    parts = f"unearned {money(pool.unearned)} + forfeited {money(pool.forfeited)}"
    if year.ms.program.pool.recoupments_pooled:
        parts += f" + recouped {money(pool.recouped_pooled)}"
    steps.append(Step("the pool (every plan's)", f"{parts} = {money(pool.pool)}", f"{program_file}: pool", ref))
    weights = {
        p.mcp: Fraction(p.max_allocation) * p.performance.value
        for p in pool.plans
        if p.eligible and p.performance.value > 0
    }
    if mcp not in weights:
        why = "not eligible" if not plan.eligible else "performance 0"
        steps.append(Step("pool weight", f"none ({why}): no share of the pool", None, ref))
        return steps
    steps.append(
        Step(
            "pool weight: max allocation × performance",
            f"{money(plan.max_allocation)} × {style.exact(plan.performance.value)} = {style.weight(weights[mcp])}",
            "RULES.md section 5",
            ref,
        )
    )
    steps.append(
        Step(
            f"Σ pool weights of the {len(weights)} eligible plans with performance > 0",
            style.weight(sum(weights.values(), Fraction(0))),
            None,
            ref,
        )
    )
    capitation = year.allocation.capitation.get(mcp)
    limit = year.ms.program.incentive_limit
    room = f"room under the {limit.percent} cap"
    if capitation is None or plan.room is None:
        steps.append(Step(room, "no capitation in plans.csv: no cap", "plans.csv capitation", ref))
    else:
        steps.append(
            Step(
                room,
                f"{limit.percent} × capitation {money(capitation)} − earned {money(plan.earned)} = {money(plan.room)} "
                "(rounded down to the cent, never below 0)",
                f"{program_file}: incentive_limit.share_of_capitation ({limit.cite}); plans.csv capitation",
                ref,
            )
        )
    for r in pool.rounds:
        shares = dict(r.shares)
        if mcp not in shares:
            continue
        in_round = sum((weights[m] for m in shares), Fraction(0))
        if mcp in r.capped:
            outcome = f"more than its room: awarded its room {money(plan.room or ZERO)}, and leaves the split"
        elif r.capped:
            outcome = (
                f"within its room, but {len(r.capped)} plan{'s' if len(r.capped) != 1 else ''} went over "
                "theirs: what is left after their rooms is split again"
            )
        else:
            outcome = "nobody over their room: this is the award"
        steps.append(
            Step(
                f"pool round {r.number}: {money(r.amount)} split among {len(shares)} plans",
                f"{money(r.amount)} × weight {style.weight(weights[mcp])} / Σ weights in the round "
                f"{style.weight(in_round)} (= {style.exact(weights[mcp] / in_round)}) = {money(shares[mcp])} "
                f"(largest remainder); {outcome}",
                None,
                ref,
            )
        )
    return steps


def _factor(name: str, value: Decimal) -> str:
    """Money factors with cents; counts (member months) as plain numbers."""
    kind = FACTORS.get(name)
    if kind is not None and kind.money:
        return f"{value:,.2f}"
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value:,}"


def for_county(steps: Sequence[Step], county: str) -> list[Step]:
    """The steps about one county, and those about the whole plan or year."""
    return [s for s in steps if s.county is None or s.county == county]


def trace_json(year: YearResult) -> list[dict[str, Any]]:
    return [{"mcp": m, "steps": [s.to_json() for s in trace_plan(year, m)]} for m in year.allocation.mcps]
