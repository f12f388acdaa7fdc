"""``ipp allocate``: maximum allocations per MCP, county, payment and priority area, to the cent."""

from __future__ import annotations

from pathlib import Path

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set, unknown_mcp
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.errors import Finding


def allocate(year: int, data: Path, *, mcp: str | None = None, measures: Path | None = None) -> Outcome:
    """The year's allocation from the data folder (one plan's rows with ``mcp``)."""
    from ipp_calc.core.allocation import allocate as compute
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.output import csv_text
    from ipp_calc.views.render import allocation_csv, allocation_tables, render_tables

    ms = load_measure_set(measures, year)
    folder = read_data_folder(data, ms.program)
    result = compute(ms.program, folder.plans, folder.elections, folder.table)
    if mcp is not None:
        if result.plan(mcp) is None:
            raise unknown_mcp(mcp, data)
        result = result.for_mcp(mcp)
    notes = tuple(illustrative_notes(ms) + list(result.notes) + [n.line_text() for n in folder.notes])

    def document() -> Document:
        return {**result.to_json(), "status": ms.program.status, "notices": list(notes)}

    def workbook(path: Path) -> str:
        from ipp_calc.io.report import allocation_sheet, write_result_workbook

        title = f"CalAIM IPP {ms.program.label}: maximum allocation"
        return write_result_workbook(path, [allocation_sheet(result)], title=title, ms=ms, notes=notes)

    return Outcome(
        document=document,
        views={
            "table": lambda: render_tables(allocation_tables(result), notes),
            "csv": lambda: csv_text(*allocation_csv(result)),
        },
        files={"xlsx": workbook},
        files_replace_output=True,
        notes=notes,
        findings=tuple(Finding(f.code, f"{f.mcp}: {f.message}") for f in result.findings),
        inputs=tuple(data_inputs(data)),
    )
