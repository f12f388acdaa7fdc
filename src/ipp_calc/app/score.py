"""``ipp score``: one filled workbook's points per measure, area and county; dollars and worth when
the data folder can allocate."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Literal

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.core.allocation import Allocation
from ipp_calc.core.models import MeasureSet
from ipp_calc.core.responses import FilledSubmission
from ipp_calc.errors import Finding, InputError

Targets = dict[tuple[str, str], Decimal]


def _with_data(
    filled: FilledSubmission, ms: MeasureSet, workbook: Path, data: Path
) -> tuple[FilledSubmission, Targets | None, Allocation | None]:
    """The workbook checked against plans.csv, its targets from targets.csv, and the allocation
    when elections.yaml is there."""
    from ipp_calc.core.allocation import allocate
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.year_loader import measure_ids

    folder = read_data_folder(data, ms.program, need_elections=False, measure_ids=measure_ids(ms))
    if filled.mcp not in folder.mcps:
        raise InputError(
            Finding(
                "unknown-mcp",
                f"MCP {filled.mcp!r} (from the Cover) is not in plans.csv",
                file=str(workbook),
                sheet="Cover",
            )
        )
    known = folder.counties(filled.mcp)
    extra = sorted(set(filled.counties) - set(known))
    if extra:
        raise InputError(
            Finding(
                "unknown-county",
                f"Cover lists {', '.join(extra)}, where MCP {filled.mcp} has no plans.csv row",
                file=str(workbook),
                sheet="Cover",
            )
        )
    filled = replace(filled, counties=tuple(known))
    targets = None
    if folder.targets is not None:
        targets = {(t.measure, t.county): t.target for t in folder.targets if t.mcp == filled.mcp}
    allocation = None
    if folder.elections:
        allocation = allocate(ms.program, folder.plans, folder.elections, folder.table)
    return filled, targets, allocation


def score(
    workbook: Path,
    *,
    data: Path | None = None,
    allow_measure_set_change: bool = False,
    measures: Path | None = None,
    sort: Literal["measure", "worth"] = "measure",
    unearned_only: bool = False,
) -> Outcome:
    """Score ``workbook`` against the measure set its Cover names (``data``: ./ when it holds plans.csv).

    Worth is what earning a measure in full would add, all else equal. JSON always carries every
    row in the contract's order; ``sort`` and ``unearned_only`` shape the table and the CSV.
    """
    from ipp_calc.core.year import score_submission
    from ipp_calc.io.output import csv_text
    from ipp_calc.io.render import render_tables, score_csv, score_tables
    from ipp_calc.io.workbook import read_submission

    sets: dict[int, MeasureSet] = {}

    def lookup(year: int) -> MeasureSet:  # the Cover names the year; its set is loaded and checked once
        if year not in sets:
            sets[year] = load_measure_set(measures, year)
        return sets[year]

    filled = read_submission(workbook, lookup, display=str(workbook), allow_measure_set_change=allow_measure_set_change)
    ms = lookup(filled.program_year)
    if data is None and Path("plans.csv").is_file():
        data = Path(".")
    allocation = None
    targets = None
    inputs = [workbook]
    if data is not None:
        filled, targets, allocation = _with_data(filled, ms, workbook, data)
        inputs += data_inputs(data)
    result = score_submission(ms, filled, targets=targets, allocation=allocation)
    notes = illustrative_notes(ms) + [n.message for n in result.notes]
    if data is not None and allocation is None:
        notes.append("no elections.yaml in the data folder: points only, no dollars")

    def document() -> Document:
        return {**result.to_json(), "status": ms.program.status, "notices": notes}

    return Outcome(
        document=document,
        views={
            "table": lambda: render_tables(
                score_tables(
                    result,
                    payments=[p.id for p in ms.program.payments_of(filled.submission)],
                    sort=sort,
                    unearned_only=unearned_only,
                ),
                notes,
            ),
            "csv": lambda: csv_text(*score_csv(result, sort=sort, unearned_only=unearned_only)),
        },
        notes=tuple(notes),
        inputs=tuple(inputs),
    )
