"""Terminal tables (rich) and CSV rows for each command's result.

Why separate from the results: the JSON is the result itself (``to_json()``); tables and CSV are
views of it for people and spreadsheets, designed to fit a 100-column terminal.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from ipp_calc.core.allocation import Allocation
from ipp_calc.core.money import ZERO

WIDTH = 100


def money(amount: Decimal) -> str:
    """``1234567.5`` → ``1,234,567.50`` (tables only; JSON and CSV keep plain ``1234567.50``)."""
    return f"{amount:,.2f}"


def render_tables(tables: Sequence[Any], header_lines: Sequence[str] = ()) -> str:
    """Render rich renderables to plain text (no colour codes), 100 columns wide."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=WIDTH, color_system=None, force_terminal=False, highlight=False)
    for line in header_lines:
        console.print(line, markup=False)
    for table in tables:
        console.print(table)
    return buffer.getvalue()


def new_table(title: str | None, *columns: tuple[str, str]) -> Table:
    """A table with (header, justify) columns in the house style."""
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for header, justify in columns:
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    return table


# --------------------------------------------------------------------------- allocate


def allocation_tables(result: Allocation) -> list[Table]:
    """Per MCP: counties, payment totals and maximum; then per MCP: the priority-area totals."""
    payments = sorted(result.payment_totals)
    areas = sorted({c.priority_area for c in result.cells})
    by_payment: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    by_area: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    counties: dict[str, set[str]] = defaultdict(set)
    for c in result.cells:
        by_payment[(c.mcp, c.payment)] += c.amount
        by_area[(c.mcp, c.priority_area)] += c.amount
        counties[c.mcp].add(c.county)
    single = len(result.plans) == 1
    first = new_table(
        f"Maximum allocation, PY{result.program_year} ({result.method})",
        ("MCP", "left"),
        ("Counties", "right") if not single else ("County", "left"),
        *((f"Payment {p}", "right") for p in payments),
        ("Max allocation", "right"),
        ("Forfeited", "right"),
    )
    for plan in result.plans:
        if single:
            for county in sorted(counties[plan.mcp]):
                cells = [c for c in result.cells if c.mcp == plan.mcp and c.county == county]
                first.add_row(
                    plan.mcp,
                    county,
                    *(money(sum((c.amount for c in cells if c.payment == p), ZERO)) for p in payments),
                    money(sum((c.amount for c in cells), ZERO)),
                    money(sum((c.amount for c in cells if c.forfeited), ZERO)),
                )
        first.add_row(
            plan.mcp if not single else "total",
            str(len(counties[plan.mcp])) if not single else "",
            *(money(by_payment[(plan.mcp, p)]) for p in payments),
            money(plan.max_allocation),
            money(plan.forfeited),
        )
    if not single:
        first.add_row(
            "total",
            "",
            *(money(sum((by_payment[(m.mcp, p)] for m in result.plans), ZERO)) for p in payments),
            money(sum((m.max_allocation for m in result.plans), ZERO)),
            money(sum((m.forfeited for m in result.plans), ZERO)),
        )
    second = new_table(
        "By priority area (share of the plan's allocation)",
        ("MCP", "left"),
        *((f"Area {a}", "right") for a in areas),
    )
    for plan in result.plans:
        shares = result.shares.get(plan.mcp, {})
        second.add_row(
            plan.mcp,
            *(f"{money(by_area[(plan.mcp, a)])} ({_pct(shares.get(a, ZERO))})" for a in areas),
        )
    return [first, second]


def _pct(share: Decimal) -> str:
    return f"{share * 100:.0f}%" if share * 100 == (share * 100).to_integral_value() else f"{share * 100:.1f}%"


def allocation_csv(result: Allocation) -> tuple[list[str], list[list[Any]]]:
    header = ["mcp", "county", "payment", "priority_area", "amount", "forfeited"]
    rows = [
        [c.mcp, c.county, c.payment, c.priority_area, f"{c.amount:.2f}", "yes" if c.forfeited else "no"]
        for c in result.cells
    ]
    return header, rows
