"""The year's commands: ``ipp pool``, ``ipp run`` and ``ipp explain``, over one loaded year."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set, measures_root, unknown_mcp
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.core.models import MeasureSet
from ipp_calc.errors import Finding, InputError
from ipp_calc.io.year_loader import LoadedYear

if TYPE_CHECKING:  # the engine is imported while the workbooks are read (see load)
    from ipp_calc.core.year import YearResult

#: Called with (workbooks read, workbooks in all) while a year's workbooks are read.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Year:
    """A year loaded and run: its measure set, what was read, the result and the notes to show."""

    ms: MeasureSet
    loaded: LoadedYear
    result: YearResult
    jobs: int = 1  # processes that read the workbooks, and render the report's longest sheet

    @property
    def notes(self) -> tuple[str, ...]:
        notes = illustrative_notes(self.ms) + list(self.result.allocation.notes)
        notes += [f.line_text() for f in self.loaded.notes]
        return tuple(notes)


def load(
    year: int,
    data: Path,
    *,
    measures: Path | None = None,
    allow_measure_set_change: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    baseline_data: list[Path] | None = None,
    prepare: Callable[[], object] | None = None,
) -> tuple[Year, tuple[Path, ...]]:
    """Read the data folder and every workbook, and run the year; also the files read.

    ``prepare``: what the caller does next, made ready while the workbooks are read (the
    imports of the report writer, say); the engine's own imports are made then too.
    """
    from ipp_calc.io.year_loader import default_jobs, load_year_inputs

    def meanwhile() -> None:
        import ipp_calc.core.year  # noqa: F401  (the engine, imported while the children read)

        if prepare is not None:
            prepare()

    ms = load_measure_set(measures, year)
    jobs = jobs if jobs is not None else default_jobs()
    loaded = load_year_inputs(
        ms,
        measures_root(measures),
        data,
        allow_measure_set_change=allow_measure_set_change,
        jobs=jobs,
        progress=progress,
        baseline_data=baseline_data or (),
        meanwhile=meanwhile,
    )
    from ipp_calc.core.year import run_year

    inputs = (*data_inputs(data), *(Path(w) for w in loaded.workbooks))
    return Year(ms, loaded, run_year(loaded.inputs), jobs), inputs


def pool(year: Year, inputs: tuple[Path, ...]) -> Outcome:
    """Unearned and forfeited dollars, pool eligibility, redistribution and what is retained."""
    from ipp_calc.io.output import csv_text
    from ipp_calc.views.render import pool_csv, pool_tables, render_tables

    result, notes = year.result, year.notes

    def document() -> Document:
        return {**result.pool.to_json(), "status": year.ms.program.status, "notices": list(notes)}

    return Outcome(
        document=document,
        views={
            "table": lambda: render_tables(pool_tables(result.pool, year.ms.program.incentive_limit.percent), notes),
            "csv": lambda: csv_text(*pool_csv(result.pool)),
        },
        notes=notes,
        inputs=inputs,
    )


def run(year: Year, inputs: tuple[Path, ...], command: str | None = None) -> Outcome:
    """The whole year: allocation, every submission, pool, reconciliation (and the report workbook,
    whose Sources sheet records ``command``, the command line that made it)."""
    from ipp_calc.core.trace import trace_json
    from ipp_calc.io.output import csv_text
    from ipp_calc.views.render import render_tables, run_csv, run_tables

    result, notes = year.result, year.notes

    def document() -> Document:
        return {
            **result.to_json(),
            "status": year.ms.program.status,
            "notices": list(notes),
            "trace": trace_json(result),
        }

    def workbook(path: Path) -> str:
        from ipp_calc.io.output import files_sha256
        from ipp_calc.io.report import Provenance, write_report

        provenance = Provenance(command=command, workbook_sha256=files_sha256(year.loaded.workbooks))
        write_report(
            result,
            path,
            notes=list(notes),
            sources=year.loaded.data.sources,
            workbooks=year.loaded.workbooks,
            provenance=provenance,
            jobs=year.jobs,
        )
        return f"wrote the report workbook {path}"

    return Outcome(
        document=document,
        views={
            "table": lambda: render_tables(run_tables(result), notes),
            "csv": lambda: csv_text(*run_csv(result)),
        },
        files={"xlsx": workbook},
        notes=notes,
        findings=result.findings,
        inputs=inputs,
    )


def explain(year: Year, inputs: tuple[Path, ...], mcp: str, data: Path, county: str | None = None) -> Outcome:
    """The chain of parameters, shares, points and references behind one plan's dollars
    (with ``county``: only the steps about that county and the whole plan)."""
    from ipp_calc.core.trace import FOR_PEOPLE, for_county, trace_plan
    from ipp_calc.views.render import explain_text

    result = year.result
    if result.allocation.plan(mcp) is None:
        raise unknown_mcp(mcp, data)
    if county is not None:
        known = result.allocation.counties(mcp)
        if county not in known:
            raise InputError(
                Finding(
                    "unknown-county",
                    f"MCP {mcp} has no plans.csv row for county {county!r} (it has {', '.join(known)})",
                    file=str(data / "plans.csv"),
                )
            )
    notes = tuple(illustrative_notes(year.ms))

    def document() -> Document:
        steps = trace_plan(result, mcp)
        steps = for_county(steps, county) if county is not None else steps
        return {"mcp": mcp, "steps": [s.to_json() for s in steps], "notices": list(notes)}

    def table() -> str:
        steps = trace_plan(result, mcp, FOR_PEOPLE)
        steps = for_county(steps, county) if county is not None else steps
        return explain_text(mcp, steps, county, notes=notes)

    return Outcome(document=document, views={"table": table}, notes=notes, inputs=inputs)
