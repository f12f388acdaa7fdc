"""``ipp elections``: the plans' Gap-Filling Plan elections gathered from their workbooks.

Why a command: the elections are typed by each plan into its template's Elections sheet; DHCS
needs them as one ``elections.yaml`` before ``ipp allocate``. Gathering keeps what only DHCS
decides (exception approvals, corrective action plans, recoupment) from the existing file.
"""

from __future__ import annotations

from pathlib import Path

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.errors import Finding, InputError


def elections(year: int, data: Path, *, measures: Path | None = None) -> Outcome:
    """The year's elections from the workbooks of its gap-filling submission, as YAML (or JSON).

    Errors in a workbook's Elections sheet are findings (exit 1; the plans that are right are
    still gathered); warnings are notes. The data folder's own ``elections.yaml`` is not an input
    in the sense of ``-o``: writing the gathered file over it is the point.
    """
    from ipp_calc.core.elections import elections_yaml, gather
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.elections import read_elections_sheet
    from ipp_calc.io.year_loader import workbook_paths

    ms = load_measure_set(measures, year)
    number = ms.program.gap_filling_submission
    if number is None:
        raise InputError(
            Finding(
                "usage",
                f"PY{year}'s program.yaml names no gap_filling_submission: no template carries elections",
                file=ms.program_source.path,
            )
        )
    folder = read_data_folder(data, ms.program, need_elections=False)
    existing_path = data / "elections.yaml"
    existing = folder.elections if existing_path.exists() else None
    if not (data / "submissions").is_dir():
        raise InputError(Finding("file-not-found", "the data folder has no submissions/ folder", file=str(data)))
    paths, file_notes = workbook_paths(data / "submissions")
    found: list[Finding] = []
    books = []
    for path in paths:
        try:
            book = read_elections_sheet(path, ms)
        except InputError as exc:
            found.extend(exc.findings)
            continue
        if book is not None:
            books.append(book)
    result = gather(ms.program, folder.mcps, books, existing, existing_file=str(existing_path))
    findings = sorted([*found, *result.findings], key=lambda f: f.sort_key())
    header = [
        f"PY{year} elections, gathered by ipp elections from the submission {number} workbooks",
        f"in {data / 'submissions'}.",
        "Exception requests are written approved: false until DHCS decides; corrective_action_plan and",
        "recoupment are DHCS's and kept from the elections.yaml this was made from.",
    ]
    notes = [
        *illustrative_notes(ms),
        *(f.line_text() for f in file_notes),
        *(f"{f.line_text()} [{f.code}]" for f in findings if f.severity != "error"),
        f"elections of {len(result.elections)} of {len(folder.mcps)} plans",
    ]

    def document() -> Document:
        return {
            "program_year": year,
            "submission": number,
            "elections": {m: e.model_dump(mode="json", by_alias=True) for m, e in sorted(result.elections.items())},
            "findings": [f.to_json() for f in findings],
            "notices": illustrative_notes(ms),
        }

    return Outcome(
        document=document,
        views={"yaml": lambda: elections_yaml(result.elections, header=header)},
        notes=tuple(notes),
        findings=tuple(f for f in findings if f.severity == "error"),
        inputs=tuple([p for p in data_inputs(data) if p != existing_path] + paths),
        notes_in_table=False,
        default_format="yaml",
    )
