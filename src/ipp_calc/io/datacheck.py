"""``ipp check --data DIR``: a data folder validated against its measure set before a run.

Why: the commands that read a data folder stop at the first file that is wrong, and a run is
the first time the workbooks meet ``plans.csv``. An analyst preparing a year wants every problem
of every file at once: each file is read on its own (so one bad file does not hide another's
problems), then, when they all loaded, the cross-file rules are applied by reading the year as
``ipp run`` would (every workbook's Cover against ``plans.csv``, targets against the workbooks).
Errors and findings are both reported as findings of the check (exit 1); only a folder that
cannot be checked at all (no such folder, no measure set for its year) is exit 2.

This is the application function of the command; the CLI only delivers what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ipp_calc.core.models import MeasureSet
from ipp_calc.errors import Finding, InputError
from ipp_calc.io.submissions import DATA_FILES

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DataCheck:
    """What ``ipp check --data`` found: problems (each one exit 1), notes, and the files read."""

    findings: tuple[Finding, ...]
    notes: tuple[Finding, ...]
    checked: tuple[str, ...]


def stated_year(folder: Path) -> int | None:
    """The program year ``year.yaml`` states, or None without one (its problems come later)."""
    from ipp_calc.io.data import YEAR_FILE
    from ipp_calc.io.yamlload import load_yaml

    path = folder / YEAR_FILE
    if not path.is_file():
        return None
    try:
        data = load_yaml(path, str(path)).data
    except InputError:
        return None
    year = data.get("program_year") if isinstance(data, dict) else None
    return year if isinstance(year, int) and not isinstance(year, bool) else None


def check_data_folder(folder: Path, ms: MeasureSet, measures_root: Path) -> DataCheck:
    """Every problem of ``folder`` against ``ms``: each file alone, then the year as a whole."""
    from ipp_calc.core.year import run_year
    from ipp_calc.io import data as files
    from ipp_calc.io.measures import display_path, measure_ids
    from ipp_calc.io.year_loader import load_year_inputs

    found: list[Finding] = []

    def attempt(read: Callable[[], T]) -> T | None:
        try:
            return read()
        except InputError as exc:
            found.extend(exc.findings)
            return None

    if not folder.is_dir():
        raise InputError(Finding("file-not-found", "no such data folder", file=display_path(folder)))
    program = ms.program
    ids = measure_ids(ms)
    notes = list(files.read_year(folder, ms.year)[1])  # another year's folder: unusable, exit 2
    plans_read = attempt(lambda: files.read_plans(folder))
    plans = plans_read[0] if plans_read is not None else None
    if plans is not None:
        mcps = sorted({p.mcp for p in plans})
        attempt(lambda: files.read_elections(folder, program, mcps))
        attempt(lambda: files.read_table(folder, program, plans))
    attempt(lambda: files.read_targets(folder, plans, ids))
    checked = [display_path(folder / name) for name in DATA_FILES if (folder / name).is_file()]
    if not found:
        loaded = attempt(lambda: load_year_inputs(ms, measures_root, folder))
        if loaded is not None:
            checked += list(loaded.workbooks)
            notes = list(loaded.notes)
            result = run_year(loaded.inputs)
            found += loaded.inputs.findings
            for score in result.scores:
                for note in score.notes:
                    message = f"MCP {score.mcp}: {note.message}"
                    found.append(Finding(note.code, message, file=score.source, severity="finding"))
    return DataCheck(tuple(sorted(found, key=Finding.sort_key)), tuple(notes), tuple(checked))
