"""The whole program (RULES.md section 9): every program year, added up per plan.

Why a view over year results rather than a computation of its own: each year is computed on its
own (allocation, scoring, pool and reconciliation never cross a year), so the program can only
add up what the years say. What it adds is the question DHCS's analysts ask of the $1.5 billion:
per plan, what was it allotted, what did it earn, what was recouped, what did the pool give it,
and does the whole program reconcile:

    Σ_years funding = Σ earned − Σ recouped + Σ pool awarded + Σ retained

A plan is matched across years by its id; a plan present in some years only (one that stopped
serving Medi-Cal on 2024-01-01, or a new one) simply has no row for the others, and says so.

Pure: the caller runs the years and hands over their results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ipp_calc.core.money import ZERO, money_text, total
from ipp_calc.core.year import YearResult
from ipp_calc.errors import Finding

#: The money columns of a plan's year, in the order the views show them.
COLUMNS = ("max_allocation", "earned", "recouped", "pool_award", "total")


@dataclass(frozen=True, slots=True)
class Dollars:
    """A plan's (or the program's) dollars: what it keeps is ``earned − recouped + pool_award``."""

    max_allocation: Decimal = ZERO
    earned: Decimal = ZERO
    recouped: Decimal = ZERO
    pool_award: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.earned - self.recouped + self.pool_award

    def __add__(self, other: Dollars) -> Dollars:
        return Dollars(
            self.max_allocation + other.max_allocation,
            self.earned + other.earned,
            self.recouped + other.recouped,
            self.pool_award + other.pool_award,
        )

    def to_json(self) -> dict[str, str]:
        return {name: money_text(getattr(self, name)) for name in COLUMNS}


@dataclass(frozen=True, slots=True)
class PlanProgram:
    """One plan over the program: its dollars in each year it was in, by year."""

    mcp: str
    by_year: tuple[tuple[int, Dollars], ...]
    #: Program years in which the plan has no plans.csv row.
    absent: tuple[int, ...]

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(year for year, _ in self.by_year)

    @property
    def totals(self) -> Dollars:
        out = Dollars()
        for _, dollars in self.by_year:
            out = out + dollars
        return out

    def year(self, number: int) -> Dollars | None:
        return next((d for y, d in self.by_year if y == number), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "mcp": self.mcp,
            "years": list(self.years),
            "absent": list(self.absent),
            "by_year": [{"program_year": y, **d.to_json()} for y, d in self.by_year],
            "totals": self.totals.to_json(),
        }


@dataclass(frozen=True, slots=True)
class ProgramReconciliation:
    """RULES.md section 9, per year and for the program."""

    funding: Decimal
    earned: Decimal
    recouped: Decimal
    pool_awarded: Decimal
    retained: Decimal
    years_balanced: bool

    @property
    def balanced(self) -> bool:
        """The identity holds for the sums, and every year balances on its own."""
        identity = self.funding == self.earned - self.recouped + self.pool_awarded + self.retained
        return identity and self.years_balanced

    def to_json(self) -> dict[str, Any]:
        return {
            "funding": money_text(self.funding),
            "earned": money_text(self.earned),
            "recouped": money_text(self.recouped),
            "pool_awarded": money_text(self.pool_awarded),
            "retained": money_text(self.retained),
            "balanced": self.balanced,
        }


@dataclass(frozen=True)
class ProgramResult:
    """``ipp program``: ``to_json()`` is exactly its ``--format json`` (with status and notices)."""

    years: tuple[YearResult, ...]
    plans: tuple[PlanProgram, ...]
    reconciliation: ProgramReconciliation

    @property
    def year_numbers(self) -> tuple[int, ...]:
        return tuple(y.ms.year for y in self.years)

    def year_totals(self, number: int) -> Dollars:
        out = Dollars()
        for plan in self.plans:
            found = plan.year(number)
            if found is not None:
                out = out + found
        return out

    @property
    def totals(self) -> Dollars:
        out = Dollars()
        for plan in self.plans:
            out = out + plan.totals
        return out

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Each year's findings, named by year, and the program's own reconciliation."""
        out = [replace(f, program_year=y.ms.year) for y in self.years for f in y.findings]
        if not self.reconciliation.balanced:
            out.append(Finding("unbalanced", "the program does not reconcile to the cent", severity="finding"))
        return tuple(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "years": [
                {
                    "program_year": y.ms.year,
                    "status": y.ms.program.status,
                    "plans": len(y.summary),
                    "totals": self.year_totals(y.ms.year).to_json(),
                    "reconciliation": y.reconciliation.to_json(),
                }
                for y in self.years
            ],
            "plans": [p.to_json() for p in self.plans],
            "totals": self.totals.to_json(),
            "reconciliation": self.reconciliation.to_json(),
            "findings": [f.to_json() for f in self.findings],
        }


def program_of(results: Sequence[YearResult]) -> ProgramResult:
    """Add the years up per plan (by plan id) and reconcile the program (RULES.md section 9)."""
    years = tuple(sorted(results, key=lambda r: r.ms.year))
    numbers = [y.ms.year for y in years]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"a program year is given twice: {numbers}")
    per_plan: dict[str, list[tuple[int, Dollars]]] = {}
    for result in years:
        for s in result.summary:
            per_plan.setdefault(s.mcp, []).append(
                (result.ms.year, Dollars(s.max_allocation, s.earned, s.recouped, s.pool_award))
            )
    plans = tuple(
        PlanProgram(mcp, tuple(rows), tuple(n for n in numbers if n not in {y for y, _ in rows}))
        for mcp, rows in sorted(per_plan.items())
    )
    recs = [y.reconciliation for y in years]
    reconciliation = ProgramReconciliation(
        funding=total(r.funding for r in recs),
        earned=total(r.earned for r in recs),
        recouped=total(r.recouped for r in recs),
        pool_awarded=total(r.pool_awarded for r in recs),
        retained=total(r.retained for r in recs),
        years_balanced=all(r.balanced for r in recs),
    )
    return ProgramResult(years, plans, reconciliation)
