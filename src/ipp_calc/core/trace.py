"""The trace: for each MCP, the chain of parameters, shares, points and references that made
its dollars (``ipp run --format json`` → ``trace``; ``ipp explain`` prints it).

Why: analysts and plans ask "why this number?" as often as "what number?". Each step names the
parameter it used (the YAML key or data file) and the APL passage behind it, so the answer can be
checked by hand against the rules rather than taken on trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ipp_calc.core.allocation import factor_value
from ipp_calc.core.models import Reference
from ipp_calc.core.money import money_text, total
from ipp_calc.core.numbers import rounded6
from ipp_calc.core.year import YearResult

MONEY_FACTORS = frozenset({"revenue", "capitation"})


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    value: str
    parameter: str | None
    reference: str | None

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "value": self.value, "parameter": self.parameter, "reference": self.reference}


def cite(references: Sequence[Reference]) -> str | None:
    """The first reference of a rule-bearing node, as one line (title — note)."""
    if not references:
        return None
    ref = references[0]
    return f"{ref.title} — {ref.note}" if ref.note else ref.title


def trace_plan(year: YearResult, mcp: str) -> list[Step]:
    """Every step behind one MCP's dollars, in the order the rules apply them."""
    ms, alloc, program = year.ms, year.allocation, year.ms.program
    steps: list[Step] = []
    add = steps.append
    program_file = ms.program_source.path
    add(
        Step(
            "funding of the program year",
            money_text(program.funding),
            f"{program_file}: funding",
            cite(program.reference),
        )
    )
    for pay in sorted(program.payments, key=lambda p: p.id):
        add(
            Step(
                f"payment {pay.id} (paid by submission {pay.submission}): share of funding",
                f"{pay.share} → {money_text(alloc.payment_totals[pay.id])}",
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
                    )
                )
            weight = alloc.weights[(mcp, row.county)]
            add(
                Step(
                    f"weight of {mcp} in {row.county}",
                    f"{rounded6(weight)} (exact {weight})",
                    "Σ weight × factor share",
                    alloc_ref,
                )
            )
    else:
        for t in sorted((t for t in year.inputs.table or () if t.mcp == mcp), key=lambda t: t.county):
            where = f"allocation.csv ({mcp}, {t.county})"
            add(Step(f"DHCS table amount for {t.county}", money_text(t.amount), where, None))
    for county in alloc.counties(mcp):
        for payment in sorted(alloc.payment_totals):
            amount = total(
                c.amount for c in alloc.cells if c.mcp == mcp and c.county == county and c.payment == payment
            )
            add(
                Step(
                    f"cell {county}, payment {payment}",
                    money_text(amount),
                    "largest-remainder split of the payment by weight",
                    None,
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
                money_text(plan.forfeited),
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
                    f"earned {money_text(earned)} of {money_text(allocated)}",
                    f"{sub_file}: areas.{scored.priority_area}.points_available",
                    cite(sub.reference),
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
        add(
            Step(
                "pool award",
                money_text(pool_plan.award) + (" (capped at 5% of capitation)" if pool_plan.capped else ""),
                "share ∝ max allocation × performance, in capped rounds",
                pool_ref,
            )
        )
        if pool_plan.recouped:
            add(
                Step(
                    "recouped from the interim payment",
                    money_text(pool_plan.recouped),
                    f"elections.yaml {mcp}.recoupment = {election.recoupment}; pool.recoupments_pooled = "
                    f"{program.pool.recoupments_pooled}",
                    cite(program.payments[0].reference),
                )
            )
    summary = next((s for s in year.summary if s.mcp == mcp), None)
    if summary is not None:
        add(Step("total: earned − recouped + pool award", money_text(summary.total), None, None))
    return steps


def _factor(name: str, value: Decimal) -> str:
    """Money factors with cents; counts (member months) as plain numbers."""
    if name in MONEY_FACTORS:
        return f"{value:,.2f}"
    return f"{value.normalize():,f}" if value == value.to_integral_value() else f"{value:,}"


def trace_json(year: YearResult) -> list[dict[str, Any]]:
    return [{"mcp": m, "steps": [s.to_json() for s in trace_plan(year, m)]} for m in year.allocation.mcps]
