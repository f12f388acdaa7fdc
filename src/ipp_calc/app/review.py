"""``ipp review``: the intake review of one submission round, every workbook read, each plan
accepted, asked to revise, or missing."""

from __future__ import annotations

from pathlib import Path

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.errors import Finding, InputError


def review(
    year: int, submission: int, data: Path, *, allow_measure_set_change: bool = False, measures: Path | None = None
) -> Outcome:
    """Review round ``submission`` of ``year`` from the data folder; exit 1 unless every plan is accepted."""
    from ipp_calc.core.review import review_round
    from ipp_calc.core.year import targets_by_mcp
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.measures import measure_ids
    from ipp_calc.io.output import csv_text
    from ipp_calc.io.review import read_round, write_letters, write_review_workbook
    from ipp_calc.views.render import render_tables
    from ipp_calc.views.review import review_csv, review_tables, summary_line

    ms = load_measure_set(measures, year)
    if ms.submission(submission) is None:
        have = ", ".join(map(str, sorted(ms.submissions)))
        raise InputError(Finding("usage", f"PY{year} has no submission {submission} (it has {have})"))
    folder = read_data_folder(data, ms.program, need_elections=False, measure_ids=measure_ids(ms))
    reads, file_notes = read_round(data, ms, allow_measure_set_change=allow_measure_set_change)
    result = review_round(
        ms,
        submission,
        {mcp: folder.counties(mcp) for mcp in folder.mcps},
        reads,
        targets=targets_by_mcp(folder.targets),
    )
    notes = illustrative_notes(ms) + [f.line_text() for f in file_notes]
    if result.other_submissions:
        notes.append(f"{len(result.other_submissions)} workbook(s) answer another submission: not part of this round")
    inputs = (*data_inputs(data), *(data / "submissions" / Path(r.file).name for r in reads))

    def document() -> Document:
        return {**result.to_json(), "status": ms.program.status, "notices": notes}

    def workbook(path: Path) -> str:
        write_review_workbook(result, path, notes=notes)
        return f"wrote the review workbook {path}: {summary_line(result)}"

    def letters(path: Path) -> str:
        written = write_letters(result, path, illustrative=ms.illustrative, inputs=inputs)
        return f"wrote {len(written)} letters in {path}: {summary_line(result)}"

    return Outcome(
        document=document,
        views={
            "table": lambda: render_tables(review_tables(result), notes) + summary_line(result) + "\n",
            "csv": lambda: csv_text(*review_csv(result)),
        },
        files={"xlsx": workbook, "dir": letters},
        files_replace_output=True,
        notes=tuple(notes),
        inputs=inputs,
        failed=not result.accepted,
    )
