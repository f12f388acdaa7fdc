"""``ipp score``: one filled workbook's points per measure, area and county; dollars and worth when
the data folder can allocate."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Literal

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set, measures_root
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.core.allocation import Allocation
from ipp_calc.core.models import MeasureSet
from ipp_calc.core.responses import FilledSubmission
from ipp_calc.errors import Finding, InputError

Targets = dict[tuple[str, str], Decimal]
#: (measure, county) → the plan's earlier value (None: none reported), for improvement measures.
Baselines = dict[tuple[str, str], Decimal | None]


def _with_data(
    filled: FilledSubmission, ms: MeasureSet, workbook: Path, data: Path
) -> tuple[FilledSubmission, Targets | None, Allocation | None, list[Finding], list[Finding]]:
    """The workbook checked against plans.csv (its Cover's findings), its targets from targets.csv,
    the allocation when elections.yaml is there, and the data folder's notes."""
    from ipp_calc.core.allocation import allocate
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.measures import measure_ids

    folder = read_data_folder(data, ms.program, need_elections=False, measure_ids=measure_ids(ms))
    cover = folder.cover(filled.mcp, filled.counties, str(workbook))
    if any(f.severity == "error" for f in cover):
        raise InputError([f for f in cover if f.severity == "error"])
    known = folder.counties(filled.mcp)
    filled = replace(filled, counties=tuple(known))
    targets = None
    if folder.targets is not None:
        targets = {(t.measure, t.county): t.target for t in folder.targets if t.mcp == filled.mcp}
    allocation = None
    if folder.elections:
        allocation = allocate(ms.program, folder.plans, folder.elections, folder.table)
    return filled, targets, allocation, cover, list(folder.notes)


def _score_baselines(
    ms: MeasureSet, filled: FilledSubmission, data: Path | None, given: list[Path], measures: Path | None, allow: bool
) -> tuple[Baselines | None, list[str]]:
    """The plan's earlier values for its improvement measures (RULES.md section 8): its earlier
    workbooks of the year in ``data``/submissions, and earlier years' from ``--baseline-data`` or
    the sibling folders. None (the workbook's Baseline column) without a data folder."""
    submission = ms.submissions[filled.submission]
    if data is None or not any(m.needs_baseline for m in submission.measures):
        return None, []
    from ipp_calc.core.scoring import baselines_from
    from ipp_calc.io.year_loader import load_earlier_years, read_workbooks, workbook_paths

    root = measures_root(measures)
    earlier_years = load_earlier_years(ms, root, data, given, allow_measure_set_change=allow)
    earlier = {(y, s): f for (mcp, y, s), f in earlier_years.filed.items() if mcp == filled.mcp}
    notes = [f.line_text() for f in earlier_years.notes]
    paths, _ = workbook_paths(data / "submissions")
    unread = 0
    for result in read_workbooks(paths, ms, root, allow_measure_set_change=True):
        if isinstance(result, InputError):
            unread += 1
        elif result.mcp == filled.mcp and result.program_year == ms.year and result.submission < filled.submission:
            earlier[(ms.year, result.submission)] = result
    if unread:
        notes.append(
            f"{unread} workbook(s) in {data / 'submissions'} could not be read; baselines in them are not used"
        )
    known = set(earlier_years.known) | {(ms.year, n) for n in ms.submissions if n < filled.submission}
    return baselines_from(submission, tuple(filled.counties), earlier, known=known), notes


def score(
    workbook: Path,
    *,
    data: Path | None = None,
    allow_measure_set_change: bool = False,
    measures: Path | None = None,
    allocation_file: Path | None = None,
    elections_file: Path | None = None,
    baseline_data: list[Path] | None = None,
    sort: Literal["measure", "worth"] = "measure",
    unearned_only: bool = False,
) -> Outcome:
    """Score ``workbook`` against the measure set its Cover names (``data``: ./ when it holds plans.csv).

    Worth is what earning a measure in full would add, all else equal. JSON always carries every
    row in the contract's order; ``sort`` and ``unearned_only`` shape the table and the CSV.
    """
    from ipp_calc.core.scoring import score_submission
    from ipp_calc.io.output import csv_text
    from ipp_calc.io.workbook import read_submission
    from ipp_calc.views.render import render_tables, score_csv, score_tables

    sets: dict[int, MeasureSet] = {}

    def lookup(year: int) -> MeasureSet:  # the Cover names the year; its set is loaded and checked once
        if year not in sets:
            sets[year] = load_measure_set(measures, year)
        return sets[year]

    filled = read_submission(workbook, lookup, display=str(workbook), allow_measure_set_change=allow_measure_set_change)
    ms = lookup(filled.program_year)
    plan_side = allocation_file is not None or elections_file is not None
    if plan_side and (allocation_file is None or elections_file is None or data is not None):
        raise InputError(
            Finding("usage", "give --allocation and --elections together (the plan's own files), or --data, not both")
        )
    if data is None and not plan_side and Path("plans.csv").is_file():
        data = Path(".")
    allocation = None
    targets = None
    inputs = [workbook]
    cover: list[Finding] = []
    folder_notes: list[Finding] = []
    if allocation_file is not None and elections_file is not None:
        from ipp_calc.io.planside import plan_allocation, read_plan_allocation, read_plan_elections

        table, _ = read_plan_allocation(allocation_file, filled.mcp, filled.counties)
        election, _ = read_plan_elections(elections_file, ms.program, filled.mcp)
        allocation = plan_allocation(ms.program, filled.mcp, table, election)
        inputs += [allocation_file, elections_file]
    if data is not None:
        filled, targets, folder_allocation, cover, folder_notes = _with_data(filled, ms, workbook, data)
        allocation = folder_allocation if folder_allocation is not None else allocation
        inputs += data_inputs(data)
    baselines, more_notes = _score_baselines(ms, filled, data, baseline_data or [], measures, allow_measure_set_change)
    result = score_submission(ms, filled, targets=targets, allocation=allocation, baselines=baselines)
    if cover:
        from ipp_calc.core.scoring import ScoreNote

        result = replace(result, notes=(*result.notes, *(ScoreNote(f.code, f.message) for f in cover)))
    notes = illustrative_notes(ms) + more_notes + [n.message for n in result.notes]
    notes += [n.line_text() for n in folder_notes]
    if data is not None and allocation is None:
        notes.append("no elections.yaml in the data folder: points only, no dollars")

    def document() -> Document:
        return {**result.to_json(), "status": ms.program.status, "notices": notes}

    def workbook_form(path: Path) -> str:
        from ipp_calc.io.report import score_sheets, write_result_workbook

        title = f"CalAIM IPP {ms.program.label}: {filled.mcp}, submission {filled.submission}"
        return write_result_workbook(path, score_sheets(result), title=title, ms=ms, notes=notes)

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
        files={"xlsx": workbook_form},
        files_replace_output=True,
        notes=tuple(notes),
        inputs=tuple(inputs),
        # Findings (FORMATS.md: exit 1) are the score's notes, shown as notes; a percent-format
        # cell is only a warning.
        failed=any(not n.warning for n in result.notes),
    )
