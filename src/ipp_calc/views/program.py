"""Views of the whole program (``ipp program``): terminal tables and CSV rows.

Why its own module: the program view is a new result (:class:`ProgramResult`) with its own
columns, and keeping it apart keeps the per-year views in :mod:`ipp_calc.views.render` untouched.
A plan missing from a year is shown as such ("not in PY3"), never as a row of zeros, which would
read as a plan that earned nothing.
"""

from __future__ import annotations

from typing import Any

from ipp_calc.core.program import COLUMNS, ProgramResult
from ipp_calc.views.render import Table, money, new_table

CSV_HEADER = ["mcp", "program_year", "in_year", *COLUMNS]


def program_tables(result: ProgramResult) -> list[Table]:
    """Each plan's dollars by year (two tables, so each fits 100 columns), the years' totals, and
    the program's reconciliation."""
    allotted = new_table(
        "The program: each plan's maximum allocation and earned dollars by year",
        ("MCP", "left"),
        ("Year", "left"),
        ("Max allocation", "right"),
        ("Earned", "right"),
    )
    kept = new_table(
        "Recouped, pool award and total (earned − recouped + pool award) by year",
        ("MCP", "left"),
        ("Year", "left"),
        ("Recouped", "right"),
        ("Pool award", "right"),
        ("Total", "right"),
    )
    numbers = result.year_numbers
    for plan in result.plans:
        for number in numbers:
            found = plan.year(number)
            name = plan.mcp if number == numbers[0] else ""
            if found is None:
                allotted.add_row(name, f"PY{number}", f"not in PY{number}", "")
                kept.add_row(name, f"PY{number}", f"not in PY{number}", "", "")
            else:
                allotted.add_row(name, f"PY{number}", money(found.max_allocation), money(found.earned))
                kept.add_row(name, f"PY{number}", money(found.recouped), money(found.pool_award), money(found.total))
        last = len(numbers) <= 1
        if not last:
            t = plan.totals
            allotted.add_row("", "all", money(t.max_allocation), money(t.earned), end_section=True)
            kept.add_row("", "all", money(t.recouped), money(t.pool_award), money(t.total), end_section=True)
    years = new_table(
        "The program by year",
        ("Year", "left"),
        ("Plans", "right"),
        ("Funding", "right"),
        ("Max allocation", "right"),
        ("Earned", "right"),
        ("Total", "right"),
    )
    for year in result.years:
        t = result.year_totals(year.ms.year)
        years.add_row(
            f"PY{year.ms.year}",
            str(len(year.summary)),
            money(year.reconciliation.funding),
            money(t.max_allocation),
            money(t.earned),
            money(t.total),
        )
    t = result.totals
    rec = result.reconciliation
    years.add_row(
        "program", str(len(result.plans)), money(rec.funding), money(t.max_allocation), money(t.earned), money(t.total)
    )
    recon = new_table(
        "Reconciliation: Σ funding = Σ earned − Σ recouped + Σ pool awarded + Σ retained",
        ("Year", "left"),
        ("Funding", "right"),
        ("Earned", "right"),
        ("Recouped", "right"),
        ("Pool awarded", "right"),
        ("Retained", "right"),
        ("Balanced", "left"),
    )
    for year in result.years:
        r = year.reconciliation
        recon.add_row(
            f"PY{year.ms.year}",
            *(money(v) for v in (r.funding, r.earned, r.recouped, r.pool_awarded, r.retained)),
            "yes" if r.balanced else "NO",
        )
    recon.add_row(
        "program",
        *(money(v) for v in (rec.funding, rec.earned, rec.recouped, rec.pool_awarded, rec.retained)),
        "yes" if rec.balanced else "NO",
    )
    return [allotted, kept, years, recon]


def program_csv(result: ProgramResult) -> tuple[list[str], list[list[Any]]]:
    """One row per plan and program year; a year the plan was not in has ``in_year`` no and
    empty amounts."""
    rows: list[list[Any]] = []
    for plan in result.plans:
        for number in result.year_numbers:
            found = plan.year(number)
            if found is None:
                rows.append([plan.mcp, number, "no", *([""] * len(COLUMNS))])
            else:
                rows.append([plan.mcp, number, "yes", *(f"{getattr(found, c):.2f}" for c in COLUMNS)])
    return CSV_HEADER, rows
