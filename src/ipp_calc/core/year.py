"""A whole program year end to end: allocation, every submission scored and paid, the pool,
and a reconciliation that shows to the cent where every dollar of the funding went.

Why one function: the DHCS analyst's question is "where did the $600M go?", and the answer must
hold together: ``funding = Σ earned − Σ recouped + Σ pool awarded + retained``. Computing every
piece in one place from the same inputs makes that identity checkable on every run.

Pure: the caller reads the files and hands over typed data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ipp_calc.core.allocation import Allocation, allocate
from ipp_calc.core.models import Election, IncentiveLimit, MeasureSet, PlanRow, TableRow, TargetRow
from ipp_calc.core.money import ZERO, money_text, total
from ipp_calc.core.pool import PoolResult, run_pool
from ipp_calc.core.responses import FilledSubmission, empty_submission
from ipp_calc.core.scoring import ScoreResult, baselines_from, score_submission
from ipp_calc.errors import Finding


@dataclass(frozen=True, slots=True)
class YearInputs:
    """Everything a year needs, already read and validated by the adapters."""

    ms: MeasureSet
    plans: tuple[PlanRow, ...]
    elections: Mapping[str, Election]
    table: tuple[TableRow, ...] | None
    targets: tuple[TargetRow, ...] | None
    filed: Mapping[tuple[str, int], FilledSubmission]
    #: Earlier program years' workbooks, (MCP, program year, submission) → filled, for the
    #: baselines of improvement measures (RULES.md section 8); ``earlier_known`` are the
    #: (program year, submission) whose data folder was read, so a plan with no workbook there
    #: has no baseline rather than falling back to its workbook's Baseline column.
    earlier: Mapping[tuple[str, int, int], FilledSubmission] = field(default_factory=dict)
    earlier_known: frozenset[tuple[int, int]] = frozenset()
    #: What the adapters found that does not stop the year (a Cover that leaves out a county).
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Reconciliation:
    funding: Decimal
    earned: Decimal
    recouped: Decimal
    pool_awarded: Decimal
    retained: Decimal
    retained_from_pool: Decimal
    unallocated: Decimal
    recouped_kept: Decimal

    @property
    def balanced(self) -> bool:
        return self.funding == self.earned - self.recouped + self.pool_awarded + self.retained

    def to_json(self) -> dict[str, Any]:
        return {
            "funding": money_text(self.funding),
            "earned": money_text(self.earned),
            "recouped": money_text(self.recouped),
            "pool_awarded": money_text(self.pool_awarded),
            "retained": money_text(self.retained),
            "balanced": self.balanced,
            "retained_parts": {
                "pool_unplaced": money_text(self.retained_from_pool),
                "unallocated": money_text(self.unallocated),
                "recouped_not_pooled": money_text(self.recouped_kept),
            },
        }


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """One MCP's year on one line (the report's Summary sheet)."""

    mcp: str
    counties: int
    max_allocation: Decimal
    earned_by_payment: tuple[tuple[int, Decimal], ...]
    earned: Decimal
    unearned: Decimal
    forfeited: Decimal
    recouped: Decimal
    pool_award: Decimal
    capitation: Decimal | None
    breaches: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        """What the MCP keeps: earned − recouped + pool award."""
        return self.earned - self.recouped + self.pool_award

    def to_json(self) -> dict[str, Any]:
        return {
            "mcp": self.mcp,
            "counties": self.counties,
            "max_allocation": money_text(self.max_allocation),
            "earned_by_payment": [{"payment": p, "earned": money_text(a)} for p, a in self.earned_by_payment],
            "earned": money_text(self.earned),
            "unearned": money_text(self.unearned),
            "forfeited": money_text(self.forfeited),
            "recouped": money_text(self.recouped),
            "pool_award": money_text(self.pool_award),
            "total": money_text(self.total),
            "capitation": money_text(self.capitation) if self.capitation is not None else None,
            "breaches": list(self.breaches),
        }


@dataclass(frozen=True)
class YearResult:
    """``ipp run``: ``to_json()`` is exactly its ``--format json`` (with the trace added by
    :mod:`ipp_calc.core.trace`)."""

    ms: MeasureSet
    allocation: Allocation
    scores: tuple[ScoreResult, ...]
    pool: PoolResult
    reconciliation: Reconciliation
    summary: tuple[PlanSummary, ...]
    inputs: YearInputs

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Everything that makes ``ipp run`` exit 1 while its output is still written: limits
        breached, what the adapters found (a Cover that leaves out a county), the scores' findings
        (a percent-formatted count is only a warning) and a reconciliation that is off."""
        out = [
            Finding("earned-above-limit", b, severity="finding", mcp=s.mcp) for s in self.summary for b in s.breaches
        ]
        out += [f.finding() for f in self.allocation.findings]
        out += self.inputs.findings
        out += [n.finding(s.mcp) for s in self.scores for n in s.notes if not n.warning]
        if not self.reconciliation.balanced:
            out.append(Finding("unbalanced", "reconciliation does not balance to the cent", severity="finding"))
        return tuple(out)

    def scores_of(self, mcp: str) -> list[ScoreResult]:
        return [s for s in self.scores if s.mcp == mcp]

    def to_json(self) -> dict[str, Any]:
        return {
            "program_year": self.ms.year,
            "allocation": self.allocation.to_json(),
            "scores": [s.to_json() for s in self.scores],
            "pool": self.pool.to_json(),
            "reconciliation": self.reconciliation.to_json(),
            "summary": [s.to_json() for s in self.summary],
            "findings": [f.to_json() for f in self.findings],
        }


def targets_by_mcp(rows: Sequence[TargetRow] | None) -> dict[str, dict[tuple[str, str], Decimal]] | None:
    """targets.csv rows grouped per MCP as (measure, county) → target; None without the file."""
    if rows is None:
        return None
    grouped: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for row in rows:
        grouped[row.mcp][(row.measure, row.county)] = row.target
    return dict(grouped)


def run_year(inputs: YearInputs) -> YearResult:
    ms = inputs.ms
    allocation = allocate(ms.program, inputs.plans, inputs.elections, inputs.table)
    all_targets = targets_by_mcp(inputs.targets)
    scores: list[ScoreResult] = []
    by_mcp: dict[str, list[ScoreResult]] = defaultdict(list)
    known = inputs.earlier_known | {(ms.year, n) for n in ms.submissions}
    earlier_by_mcp: dict[str, dict[tuple[int, int], FilledSubmission]] = defaultdict(dict)
    for (who, earlier_year, earlier_number), before in inputs.earlier.items():
        earlier_by_mcp[who][(earlier_year, earlier_number)] = before
    plan_counties: dict[str, list[str]] = defaultdict(list)
    for row in inputs.plans:
        plan_counties[row.mcp].append(row.county)
    for mcp in allocation.mcps:
        counties = tuple(sorted(plan_counties[mcp]))
        mine = all_targets.get(mcp, {}) if all_targets is not None else None
        earlier = dict(earlier_by_mcp.get(mcp, {}))
        for number in sorted(ms.submissions):
            filled = inputs.filed.get((mcp, number))
            if filled is None:
                filled = empty_submission(mcp, ms.year, number, counties)
            else:
                filled = replace(filled, counties=counties)
            baselines = baselines_from(ms.submissions[number], counties, earlier, known=known)
            score = score_submission(ms, filled, targets=mine, allocation=allocation, baselines=baselines)
            earlier[(ms.year, number)] = filled
            scores.append(score)
            by_mcp[mcp].append(score)
    pool = run_pool(ms, allocation, inputs.elections, by_mcp)
    reconciliation = reconcile(allocation, scores, pool)
    limit = ms.program.incentive_limit
    summary = tuple(_summary(allocation, by_mcp[p.mcp], pool, p.mcp, limit) for p in allocation.plans)
    return YearResult(ms, allocation, tuple(scores), pool, reconciliation, summary, inputs)


def reconcile(allocation: Allocation, scores: Sequence[ScoreResult], pool: PoolResult) -> Reconciliation:
    """``funding = Σ earned − Σ recouped + Σ pool awarded + retained`` (RULES.md section 6)."""
    earned = total(s.earned for s in scores)
    recouped_kept = pool.recouped_total - pool.recouped_pooled
    retained = pool.retained + allocation.unallocated + recouped_kept
    return Reconciliation(
        funding=allocation.funding,
        earned=earned,
        recouped=pool.recouped_total,
        pool_awarded=pool.awarded,
        retained=retained,
        retained_from_pool=pool.retained,
        unallocated=allocation.unallocated,
        recouped_kept=recouped_kept,
    )


def _summary(
    allocation: Allocation, scores: Sequence[ScoreResult], pool: PoolResult, mcp: str, limit: IncentiveLimit
) -> PlanSummary:
    plan = allocation.plan(mcp)
    assert plan is not None
    pool_plan = pool.plan(mcp)
    assert pool_plan is not None
    by_payment: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for s in scores:
        for d in s.dollars or ():
            by_payment[d.payment] += d.earned
    earned = total(by_payment.values())
    unearned = total(d.unearned for s in scores for d in (s.dollars or ()))
    capitation = allocation.capitation.get(mcp)
    breaches: list[str] = []
    if capitation is not None and earned > capitation * limit.share_of_capitation:
        breaches.append(
            f"earned ${earned:,.2f} exceeds {limit.percent} of capitation "
            f"(${capitation * limit.share_of_capitation:,.2f}); {limit.cite}"
        )
    payments = allocation.payments
    return PlanSummary(
        mcp=mcp,
        counties=len(allocation.counties(mcp)),
        max_allocation=plan.max_allocation,
        earned_by_payment=tuple((p, by_payment[p]) for p in payments),
        earned=earned,
        unearned=unearned,
        forfeited=plan.forfeited,
        recouped=pool_plan.recouped,
        pool_award=pool_plan.award,
        capitation=capitation,
        breaches=tuple(breaches),
    )
