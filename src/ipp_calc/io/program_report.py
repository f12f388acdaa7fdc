"""The program workbook (``ipp program -o program.xlsx``): a Program sheet, then every year's
report sheets, each named by its year (``PY1 Summary``, ``PY2 Scores``, …).

Why the year report's own sheets: a reviewer who asks where a plan's PY2 dollars came from must
find the same sheets ``ipp run --year 2`` writes, so they are built by :mod:`ipp_calc.io.report`,
only renamed. The Program sheet adds the years up per plan (RULES.md section 9) and shows a plan
that is not in a year as such, never as zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ipp_calc.core.program import ProgramResult
from ipp_calc.io.output import atomic_write
from ipp_calc.io.report import ILLUSTRATIVE, Sheet, _save, build_sheets, yes_no
from ipp_calc.io.sheetmodel import BarChart, Series

#: One colour per program year in the Program sheet's chart.
YEAR_COLOURS = ("1565C0", "2E7D32", "E69F00", "8E24AA", "6D4C41")

MONEY = "money"


def program_sheet(result: ProgramResult, notes: Sequence[str]) -> Sheet:
    """Per plan: each year's total and the program's; then per plan and year every column; then
    the years' totals and the reconciliation of RULES.md section 9."""
    sheet = Sheet("Program", freeze="B2")
    numbers = result.year_numbers
    names = ["MCP", *(f"PY{n} total" for n in numbers), "Program total", "Years"]
    header_row = sheet.header(names, ("left", *(MONEY,) * (len(numbers) + 1), "left"))
    for plan in result.plans:
        by_year = [plan.year(n) for n in numbers]
        years_text = ", ".join(f"PY{n}" for n in plan.years)
        if plan.absent:
            years_text += " (not in " + ", ".join(f"PY{n}" for n in plan.absent) + ")"
        sheet.add(
            [plan.mcp, *(d.total if d is not None else None for d in by_year), plan.totals.total, years_text],
            (None, *(MONEY,) * (len(numbers) + 1), None),
        )
    totals = result.totals
    sheet.add(
        ["total", *(result.year_totals(n).total for n in numbers), totals.total, ""],
        ("bold", *("money_bold",) * (len(numbers) + 1), None),
    )
    last_plan_row = header_row + len(result.plans)
    if result.plans:
        # Stacked, a plan's bar is its program total, each year a segment; a year it was not in is empty.
        sheet.charts.append(
            BarChart(
                title="Each plan's dollars by program year (earned − recouped + pool award)",
                value_axis_title="Dollars (millions)",
                value_format='"$"#,##0,,"M"',
                categories_column=0,
                series=tuple(
                    Series(header_row - 1, index + 1, header_row, last_plan_row - 1, YEAR_COLOURS[index % 5])
                    for index in range(len(numbers))
                ),
                anchor=f"{chr(ord('A') + len(names) + 1)}{header_row}",
                width_cm=24.0,
                height_cm=min(60.0, max(8.0, 3.5 + 0.6 * len(result.plans))),
            )
        )
    sheet.blank()
    sheet.line("Each plan and year (total = earned − recouped + pool award)", "title")
    columns = ["MCP", "Year", "In year", "Max allocation", "Earned", "Recouped", "Pool award", "Total"]
    sheet.header(columns, ("left", "left", "left", *(MONEY,) * 5))
    for plan in result.plans:
        for number in numbers:
            d = plan.year(number)
            if d is None:
                sheet.add([plan.mcp, f"PY{number}", "no", None, None, None, None, None])
            else:
                values: list[Any] = [d.max_allocation, d.earned, d.recouped, d.pool_award, d.total]
                sheet.add([plan.mcp, f"PY{number}", "yes", *values], (None, None, None, *(MONEY,) * 5))
    sheet.blank()
    sheet.line("Reconciliation: Σ funding = Σ earned − Σ recouped + Σ pool awarded + Σ retained", "title")
    sheet.header(
        ["Year", "Funding", "Earned", "Recouped", "Pool awarded", "Retained", "Balanced"],
        ("left", *(MONEY,) * 5, "left"),
    )
    for year in result.years:
        r = year.reconciliation
        sheet.add(
            [f"PY{year.ms.year}", r.funding, r.earned, r.recouped, r.pool_awarded, r.retained, yes_no(r.balanced)],
            (None, *(MONEY,) * 5, None),
        )
    rec = result.reconciliation
    sheet.add(
        ["program", rec.funding, rec.earned, rec.recouped, rec.pool_awarded, rec.retained, yes_no(rec.balanced)],
        ("bold", *("money_bold",) * 5, None),
    )
    sheet.blank()
    for finding in result.findings:
        sheet.line(finding.line_text(), "warning")
    if any(y.ms.illustrative for y in result.years):
        sheet.line(ILLUSTRATIVE, "warning")
    for note in notes:
        sheet.line(note)
    return sheet


def build_program_sheets(result: ProgramResult, *, notes: Sequence[str], years: Sequence[Any]) -> list[Sheet]:
    """The Program sheet, then each year's report sheets renamed ``PY<N> <sheet>``."""
    sheets = [program_sheet(result, notes)]
    for computed, loaded in zip(result.years, years, strict=True):
        for sheet in build_sheets(computed, notes=(), sources=loaded.data.sources, workbooks=loaded.workbooks):
            sheet.title = f"PY{computed.ms.year} {sheet.title}"[:31]
            sheets.append(sheet)
    return sheets


def write_program_report(result: ProgramResult, path: Path, *, notes: Sequence[str], years: Sequence[Any]) -> None:
    """Write the program workbook to ``path``, atomically."""
    sheets = build_program_sheets(result, notes=notes, years=years)
    atomic_write(path, lambda stream: _save(sheets, stream))
