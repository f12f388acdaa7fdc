"""``ipp program``: every program year under a folder, per plan and year, and the program's
reconciliation (RULES.md section 9)."""

from __future__ import annotations

from pathlib import Path

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set, measures_root
from ipp_calc.app.outcome import Document, Outcome


def program(
    data: Path, *, allow_measure_set_change: bool = False, jobs: int | None = None, measures: Path | None = None
) -> Outcome:
    """Run every year found under ``data`` (py1/, py2/, …) and put them side by side."""
    from ipp_calc.core.program import program_of
    from ipp_calc.core.year import run_year
    from ipp_calc.io.output import csv_text
    from ipp_calc.io.year_loader import default_jobs, load_program_inputs
    from ipp_calc.views.program import program_csv, program_tables
    from ipp_calc.views.render import render_tables

    loaded = load_program_inputs(
        data,
        measures_root(measures),
        lambda year: load_measure_set(measures, year),
        allow_measure_set_change=allow_measure_set_change,
        jobs=jobs if jobs is not None else default_jobs(),
    )
    results = [run_year(year.inputs) for year in loaded]
    result = program_of(results)
    notes: list[str] = []
    inputs: list[Path] = []
    for year, computed in zip(loaded, results, strict=True):
        year_notes = illustrative_notes(computed.ms) + list(computed.allocation.notes)
        year_notes += [f.line_text() for f in year.notes]
        notes += [f"PY{computed.ms.year}: {n}" for n in year_notes]
        inputs += data_inputs(year.data.folder) + [Path(w) for w in year.workbooks]
    status = "illustrative" if any(r.ms.illustrative for r in results) else "official"

    def document() -> Document:
        return {**result.to_json(), "status": status, "notices": notes}

    def workbook(path: Path) -> str:
        from ipp_calc.io.program_report import write_program_report

        write_program_report(result, path, notes=notes, years=loaded)
        return f"wrote the program workbook {path}"

    return Outcome(
        document=document,
        views={
            "table": lambda: render_tables(program_tables(result), notes),
            "csv": lambda: csv_text(*program_csv(result)),
        },
        files={"xlsx": workbook},
        notes=tuple(notes),
        findings=result.findings,
        inputs=tuple(inputs),
    )
