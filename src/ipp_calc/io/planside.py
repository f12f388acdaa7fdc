"""The plan's own side of the money: its allocation and its elections, without anyone else's data.

Why: a plan knows its own maximum allocation (its rows of DHCS's table, or the amounts DHCS told
it) and its own Gap-Filling Plan elections, never the whole ``plans.csv``. With these two files
``ipp score`` prices the plan's workbook (dollars earned and unearned, and the ``worth`` of each
unearned measure) exactly as DHCS's run of the year would, because the split into payments and
priority areas is the same one (:func:`ipp_calc.core.allocation.allocate` on DHCS's table).

Strict as every reader: an amount that is not money, a county twice, a county of the Cover with no
amount, or an election that breaks RULES.md section 3 is one line naming the file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from ipp_calc.core.allocation import Allocation, allocate, catalog_problems, election_problems
from ipp_calc.core.models import Election, PlanRow, Program, SourceFile, TableRow
from ipp_calc.core.money import parse_money
from ipp_calc.errors import Collector, Finding, InputError, key_path
from ipp_calc.io.data import read_csv
from ipp_calc.io.measures import display_path, sha256_of
from ipp_calc.io.yamlload import parse_yaml, read_text, validate


def read_plan_allocation(path: Path, mcp: str, counties: Sequence[str]) -> tuple[tuple[TableRow, ...], SourceFile]:
    """The plan's maximum allocation per county: ``county, amount`` (and optionally ``mcp``:
    DHCS's table as it is, of which only this plan's rows are used). Every county of the Cover
    must have an amount and no other county may."""
    display, text, rows = read_csv(path, ("county", "amount"), ("mcp",))
    found = Collector()
    wanted = {c.casefold(): c for c in counties}
    table: dict[str, TableRow] = {}
    for row in rows:
        row_mcp = row.values.get("mcp")
        if row_mcp is not None and row_mcp != mcp:
            continue
        county = " ".join(row.values["county"].split())
        where = {"file": display, "line": row.line}
        try:
            amount = parse_money(row.values["amount"])
        except ValueError as exc:
            found.add("csv-value", f"amount: {exc}", key="amount", **where)
            continue
        if amount < 0:
            found.add("csv-value", f"amount {row.values['amount']} is negative", key="amount", **where)
            continue
        name = wanted.get(county.casefold())
        if name is None:
            found.add(
                "unknown-county",
                f"{county!r} is not a county of MCP {mcp}'s workbook ({', '.join(counties)})",
                key="county",
                **where,
            )
            continue
        if name in table:
            found.add("csv-duplicate-row", f"{name} has an amount twice (first on line {table[name].line})", **where)
            continue
        table[name] = TableRow(mcp, name, amount, row.line)
    for county in counties:
        if county not in table and not found:
            found.add("missing-county", f"has no amount for {county}, a county of MCP {mcp}'s workbook", file=display)
    found.raise_if_any()
    return tuple(table[c] for c in sorted(table)), SourceFile(display, sha256_of(text))


def read_plan_elections(path: Path, program: Program, mcp: str) -> tuple[Election, SourceFile]:
    """The plan's entry of an ``elections.yaml`` (the file may hold other plans' entries too)."""
    display = display_path(path)
    text = read_text(path, display)
    doc = parse_yaml(text, display)
    if not isinstance(doc.data, dict):
        raise InputError(
            Finding("yaml-structure", "expected a mapping of MCP id to its election", file=display, line=1)
        )
    if mcp not in doc.data:
        have = ", ".join(sorted(str(k) for k in doc.data)) or "none"
        raise InputError(Finding("missing-mcp", f"has no entry for MCP {mcp!r} (it has: {have})", file=display, line=1))
    entries = validate(dict[str, Election], doc)
    election = entries[mcp]
    found = Collector()
    for problem in election_problems(program, mcp, election) + catalog_problems(program, mcp, election):
        found.add(
            problem.code,
            f"MCP {mcp}: {problem.message}",
            file=display,
            line=doc.line_of((mcp, *problem.path)),
            key=key_path((mcp, *problem.path)),
        )
    found.raise_if_any()
    return election, SourceFile(display, sha256_of(text))


def plan_allocation(program: Program, mcp: str, table: Sequence[TableRow], election: Election) -> Allocation:
    """The plan's cells, split into payments and areas exactly as DHCS's run splits its table."""
    rows = [PlanRow(mcp, r.county, Decimal(0), Decimal(0), False, False, line=r.line) for r in table]
    return allocate(program, rows, {mcp: election}, table)
