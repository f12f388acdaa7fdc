"""Maximum allocations (RULES.md sections 2, 3 and 6): funding → payments → cells → areas.

Why this shape: DHCS's formula is not public, so the calculator uses a weighted-factor model
whose factors and weights are parameters of the program year, or DHCS's own table when an
analyst has it. Either way the amounts pass through the same hierarchy of largest-remainder
splits, so every payment total is exact and every cell's areas add up to the cell, to the cent.

Pure: plans, elections and the program come in as data; problems come out as findings whose
``path`` the adapter turns into a file and line.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

from ipp_calc.core.models import Election, PlanRow, Program, TableRow
from ipp_calc.core.money import ZERO, money_text, split, total
from ipp_calc.core.numbers import ratio6
from ipp_calc.errors import Finding, InputError

Key = tuple[str, str]  # (mcp, county)


@dataclass(frozen=True, slots=True)
class Problem:
    """A rule broken by one MCP's data; ``path`` locates it inside that MCP's YAML entry."""

    mcp: str
    code: str
    message: str
    path: tuple[str | int, ...] = ()


# --------------------------------------------------------------------------- area shares


def election_problems(program: Program, mcp: str, election: Election) -> list[Problem]:
    """Every way an MCP's election or exception breaks RULES.md section 3."""
    problems: list[Problem] = []
    areas = set(program.area_ids)
    for area in sorted(election.flexible):
        if area not in areas:
            problems.append(
                Problem(mcp, "election", f"flexible share names area {area}, which does not exist", ("flexible", area))
            )
    flexible = sum(election.flexible.values(), Decimal(0))
    if flexible != program.flexible_share:
        problems.append(
            Problem(
                mcp,
                "election",
                f"flexible shares add up to {flexible}; they must add up to exactly {program.flexible_share}",
                ("flexible",),
            )
        )
    cs_area = program.community_supports_area
    if cs_area is not None and election.offers_none and election.flexible.get(cs_area, 0) > 0:
        problems.append(
            Problem(
                mcp,
                "election",
                f"offers no Community Supports, so it may not elect flexible share into area {cs_area}",
                ("flexible", cs_area),
            )
        )
    exc = election.exception
    if exc is not None and cs_area is not None and election.offers_none and exc.from_ == cs_area:
        problems.append(
            Problem(
                mcp,
                "election",
                f"offers no Community Supports, so its area-{cs_area} share is forfeited; an exception may not "
                "move share out of it",
                ("exception", "from"),
            )
        )
    if exc is not None:
        if not exc.approved:
            problems.append(
                Problem(
                    mcp,
                    "election",
                    "the exception is not approved by DHCS (approved: false); remove it or mark it approved",
                    ("exception", "approved"),
                )
            )
        if exc.from_ not in areas or exc.to not in areas:
            problems.append(
                Problem(
                    mcp,
                    "election",
                    f"the exception moves share from area {exc.from_} to area {exc.to}; both must be priority areas",
                    ("exception",),
                )
            )
        elif exc.from_ == exc.to:
            problems.append(
                Problem(mcp, "election", "the exception moves share from an area to itself", ("exception",))
            )
        else:
            if election.flexible.get(exc.to, 0) <= 0:
                problems.append(
                    Problem(
                        mcp,
                        "election",
                        f"the exception moves share to area {exc.to}, which the MCP did not elect",
                        ("exception", "to"),
                    )
                )
            before = _base_share(program, election, exc.from_)
            if before - exc.share < 0:
                problems.append(
                    Problem(
                        mcp,
                        "election",
                        f"the exception takes {exc.share} from area {exc.from_}, which has only {before}",
                        ("exception", "share"),
                    )
                )
    return problems


def catalog_problems(program: Program, mcp: str, election: Election) -> list[Problem]:
    """Community Supports not in the program's catalog, each with the nearest catalog name."""
    catalog = program.community_supports_catalog
    if catalog is None:
        return []
    known = {name.strip().casefold(): name for name in catalog}
    problems: list[Problem] = []
    for index, name in enumerate(election.community_supports or ()):
        if name.strip().casefold() in known:
            continue
        close = difflib.get_close_matches(name.strip().casefold(), list(known), n=1, cutoff=0.5)
        hint = f"; did you mean {known[close[0]]!r}?" if close else ""
        problems.append(
            Problem(
                mcp,
                "unknown-community-support",
                f"{name!r} is not in the program's Community Supports catalog{hint}",
                ("community_supports", index),
            )
        )
    return problems


def community_supports_offered(election: Election) -> list[str]:
    """The distinct Community Supports an MCP offers (a name listed twice counts once)."""
    seen: dict[str, str] = {}
    for name in election.community_supports or ():
        seen.setdefault(name.strip().casefold(), name.strip())
    return sorted(seen.values(), key=str.casefold)


def _base_share(program: Program, election: Election, area_id: int) -> Decimal:
    area = program.area(area_id)
    minimum = area.minimum_share if area is not None else Decimal(0)
    return minimum + election.flexible.get(area_id, Decimal(0))


def area_shares(program: Program, election: Election) -> dict[int, Decimal]:
    """An MCP's share of each priority area: minimum + flexible election ± approved exception.

    Assumes :func:`election_problems` found nothing; the shares then add up to exactly 1.
    """
    shares = {a: _base_share(program, election, a) for a in program.area_ids}
    exc = election.exception
    if exc is not None and exc.approved:
        shares[exc.from_] -= exc.share
        shares[exc.to] += exc.share
    return shares


def forfeits_community_supports(program: Program, election: Election) -> bool:
    """RULES.md section 3: an MCP that offers no Community Supports forfeits that area's share
    (it must say so: ``community_supports: []``)."""
    return program.community_supports_area is not None and election.offers_none


# --------------------------------------------------------------------------- the allocation


@dataclass(frozen=True, slots=True)
class Cell:
    """One (MCP, county, payment, priority area) amount: the unit that is scored and paid."""

    mcp: str
    county: str
    payment: int
    priority_area: int
    amount: Decimal
    forfeited: bool = False


@dataclass(frozen=True, slots=True)
class PlanAllocation:
    mcp: str
    max_allocation: Decimal
    forfeited: Decimal


@dataclass(frozen=True, slots=True)
class FactorUse:
    """How a factor entered the model: its weight as written, as used, and its total."""

    name: str
    weight: Decimal
    effective_weight: Fraction
    total: Decimal
    dropped: bool


@dataclass(frozen=True, slots=True)
class LimitFinding:
    """A limit breached (42 CFR 438.6(b)(2)): reported, exit 1, output still written."""

    mcp: str
    code: str
    message: str

    def finding(self) -> Finding:
        """The catalog's one finding type."""
        return Finding(self.code, self.message, severity="finding", mcp=self.mcp)


@dataclass(frozen=True)
class Allocation:
    """The result of ``ipp allocate``; ``to_json()`` is exactly its ``--format json``."""

    program_year: int
    funding: Decimal
    method: str  # "factors" or "table"
    cells: tuple[Cell, ...]
    plans: tuple[PlanAllocation, ...]
    payment_totals: dict[int, Decimal]
    unallocated: Decimal
    weights: dict[Key, Fraction]
    factors: tuple[FactorUse, ...]
    shares: dict[str, dict[int, Decimal]]
    capitation: dict[str, Decimal]
    findings: tuple[LimitFinding, ...] = ()
    notes: tuple[str, ...] = ()

    @cached_property
    def _index(self) -> dict[tuple[str, str, int, int], Cell]:
        return {(c.mcp, c.county, c.payment, c.priority_area): c for c in self.cells}

    def cell(self, mcp: str, county: str, payment: int, area: int) -> Cell | None:
        return self._index.get((mcp, county, payment, area))

    @cached_property
    def _plan_index(self) -> dict[str, PlanAllocation]:
        return {p.mcp: p for p in self.plans}

    @cached_property
    def _county_index(self) -> dict[str, tuple[str, ...]]:
        counties: dict[str, set[str]] = {}
        for c in self.cells:
            counties.setdefault(c.mcp, set()).add(c.county)
        return {mcp: tuple(sorted(names)) for mcp, names in counties.items()}

    @cached_property
    def payments(self) -> tuple[int, ...]:
        """Every payment that has a cell, in order."""
        return tuple(sorted({c.payment for c in self.cells}))

    def plan(self, mcp: str) -> PlanAllocation | None:
        # Indexed once: called per plan, a scan per call made a statewide year quadratic.
        return self._plan_index.get(mcp)

    def counties(self, mcp: str) -> list[str]:
        return list(self._county_index.get(mcp, ()))

    @property
    def mcps(self) -> list[str]:
        return [p.mcp for p in self.plans]

    def for_mcp(self, mcp: str) -> Allocation:
        """The same allocation narrowed to one plan's rows (``ipp allocate --mcp``)."""
        return Allocation(
            program_year=self.program_year,
            funding=self.funding,
            method=self.method,
            cells=tuple(c for c in self.cells if c.mcp == mcp),
            plans=tuple(p for p in self.plans if p.mcp == mcp),
            payment_totals=self.payment_totals,
            unallocated=self.unallocated,
            weights={k: w for k, w in self.weights.items() if k[0] == mcp},
            factors=self.factors,
            shares={m: s for m, s in self.shares.items() if m == mcp},
            capitation={m: c for m, c in self.capitation.items() if m == mcp},
            findings=tuple(f for f in self.findings if f.mcp == mcp),
            notes=self.notes,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "program_year": self.program_year,
            "funding": money_text(self.funding),
            "method": self.method,
            "cells": [
                {
                    "mcp": c.mcp,
                    "county": c.county,
                    "payment": c.payment,
                    "priority_area": c.priority_area,
                    "amount": money_text(c.amount),
                    "forfeited": c.forfeited,
                }
                for c in self.cells
            ],
            "plans": [
                {
                    "mcp": p.mcp,
                    "max_allocation": money_text(p.max_allocation),
                    "forfeited": money_text(p.forfeited),
                    "area_shares": {str(a): str(s) for a, s in sorted(self.shares.get(p.mcp, {}).items())},
                }
                for p in self.plans
            ],
            "payments": [{"payment": k, "amount": money_text(v)} for k, v in sorted(self.payment_totals.items())],
            "unallocated": money_text(self.unallocated),
            "factors": [
                {
                    "name": f.name,
                    "weight": str(f.weight),
                    "effective_weight": ratio6(f.effective_weight),
                    "dropped": f.dropped,
                }
                for f in self.factors
            ],
            "findings": [f.finding().to_json() for f in self.findings],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class FactorKind:
    """An allocation factor ``program.yaml`` may weigh: how its value is read from a plans.csv
    row, and whether it is money (shown with cents) or a count."""

    value: Callable[[PlanRow], Decimal]
    money: bool = False


#: The one registry of allocation factors: the engine reads values here, ``ipp check`` knows the
#: names from here, and the explanation formats them from here.
FACTORS: Mapping[str, FactorKind] = {
    "member_months": FactorKind(lambda row: row.member_months),
    "revenue": FactorKind(lambda row: row.revenue, money=True),
    "pilot_member_months": FactorKind(lambda row: row.member_months if row.pilot else Decimal(0)),
    "capitation": FactorKind(lambda row: row.capitation if row.capitation is not None else Decimal(0), money=True),
}


def factor_value(name: str, row: PlanRow) -> Decimal:
    """``x_f(m, c)``: a factor's value for one plans.csv row."""
    kind = FACTORS.get(name)
    if kind is None:
        raise ValueError(f"unknown allocation factor {name!r}")
    return kind.value(row)


def cell_weights(program: Program, plans: Sequence[PlanRow]) -> tuple[dict[Key, Fraction], tuple[FactorUse, ...]]:
    """``weight(m, c) = Σ_f w_f · x_f(m, c) / Σ x_f``, dropping factors whose total is zero.

    A dropped factor's weight is shared out over the others in proportion (so they still add up
    to 1), and the returned :class:`FactorUse` records it so the output can say so.
    """
    totals = {f.name: total(factor_value(f.name, r) for r in plans) for f in program.allocation.factors}
    kept = [f for f in program.allocation.factors if totals[f.name] > 0]
    kept_weight = sum((Fraction(f.weight) for f in kept), Fraction(0))
    uses = tuple(
        FactorUse(
            name=f.name,
            weight=f.weight,
            effective_weight=(Fraction(f.weight) / kept_weight) if (f in kept and kept_weight) else Fraction(0),
            total=totals[f.name],
            dropped=f not in kept,
        )
        for f in program.allocation.factors
    )
    weights: dict[Key, Fraction] = {}
    for row in plans:
        weight = Fraction(0)
        for use in uses:
            if not use.dropped:
                weight += use.effective_weight * Fraction(factor_value(use.name, row)) / Fraction(use.total)
        weights[(row.mcp, row.county)] = weight
    return weights, uses


def allocate(
    program: Program,
    plans: Sequence[PlanRow],
    elections: Mapping[str, Election],
    table: Sequence[TableRow] | None = None,
) -> Allocation:
    """Compute every cell of the year. Raises ``ValueError`` only for states the loaders rule out.

    ``table`` (DHCS's own allocation) replaces the factor model when given: each row's amount is
    that (MCP, county)'s maximum for the whole year, split into payments and areas the same way.
    """
    notes: list[str] = []
    payment_ids = sorted(p.id for p in program.payments)
    payment_shares = {p.id: p.share for p in program.payments}
    cell_amounts: dict[tuple[str, str, int], Decimal] = {}  # (mcp, county, payment) → amount
    weights, uses = cell_weights(program, plans)
    if table is None:
        method = "factors"
        for use in uses:
            if use.dropped:
                notes.append(
                    f"factor {use.name} totals 0 over all rows, so it is left out and the other weights "
                    "are scaled up to add to 1"
                )
        payment_totals = split(program.funding, payment_shares)
        if all(w == 0 for w in weights.values()):
            raise InputError(
                Finding(
                    "no-allocation",
                    "every allocation factor totals 0 over all rows, so nothing can be allocated",
                    file="plans.csv",
                )
            )
        for pid in payment_ids:
            for key, amount in split(payment_totals[pid], weights).items():
                cell_amounts[(*key, pid)] = amount
        unallocated = ZERO
    else:
        method = "table"
        notes.append("maximum allocations are DHCS's table (allocation.csv), used as given")
        for row in table:
            for pid, amount in split(row.amount, payment_shares).items():
                cell_amounts[(row.mcp, row.county, pid)] = amount
        for plan_row in plans:  # a plans.csv row the table leaves out gets nothing
            for pid in payment_ids:
                cell_amounts.setdefault((plan_row.mcp, plan_row.county, pid), ZERO)
        payment_totals = {pid: total(a for (_, _, p), a in cell_amounts.items() if p == pid) for pid in payment_ids}
        unallocated = program.funding - total(row.amount for row in table)
        if unallocated:
            notes.append(
                f"the table leaves {money_text(unallocated)} of the funding unallocated (retained by the state)"
            )

    shares = {mcp: area_shares(program, e) for mcp, e in elections.items()}
    forfeiting = {mcp for mcp, e in elections.items() if forfeits_community_supports(program, e)}
    cs_area = program.community_supports_area
    cells: list[Cell] = []
    for (mcp, county, pid), amount in sorted(cell_amounts.items()):
        for area, part in sorted(split(amount, shares[mcp]).items()):
            cells.append(Cell(mcp, county, pid, area, part, forfeited=(mcp in forfeiting and area == cs_area)))

    per_plan: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for c in cells:
        per_plan[c.mcp][0] += c.amount
        if c.forfeited:
            per_plan[c.mcp][1] += c.amount
    plan_rows = tuple(PlanAllocation(m, v[0], v[1]) for m, v in sorted(per_plan.items()))

    capitation = plan_capitation(plans)
    limit = program.incentive_limit
    findings = tuple(
        LimitFinding(
            p.mcp,
            "capitation-limit",
            f"maximum allocation ${p.max_allocation:,.2f} exceeds {limit.percent} of capitation "
            f"(${capitation[p.mcp] * limit.share_of_capitation:,.2f}; {limit.cite})",
        )
        for p in plan_rows
        if p.mcp in capitation and p.max_allocation > capitation[p.mcp] * limit.share_of_capitation
    )
    return Allocation(
        program_year=program.program_year,
        funding=program.funding,
        method=method,
        cells=tuple(cells),
        plans=plan_rows,
        payment_totals=dict(payment_totals),
        unallocated=unallocated,
        weights=weights,
        factors=uses,
        shares=shares,
        capitation=capitation,
        findings=findings,
        notes=tuple(notes),
    )


def plan_capitation(plans: Sequence[PlanRow]) -> dict[str, Decimal]:
    """An MCP's capitation: the sum of its rows', when every one of its rows gives it."""
    rows: dict[str, list[PlanRow]] = defaultdict(list)
    for row in plans:
        rows[row.mcp].append(row)
    return {
        mcp: total(r.capitation for r in rs if r.capitation is not None)
        for mcp, rs in rows.items()
        if all(r.capitation is not None for r in rs)
    }
