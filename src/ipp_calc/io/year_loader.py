"""Reading a whole year: the data folder plus every workbook in ``DATA/submissions/``.

Why match by the Cover and not the file name: MCPs and analysts name files however they like
(``Alpha_Sub2_FINAL_v3.xlsx``). The Cover says which MCP and submission a workbook answers, so
the folder's file names and their order change nothing, and two workbooks claiming the same
(MCP, submission) are caught instead of one silently replacing the other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ipp_calc.core.models import MeasureSet
from ipp_calc.core.responses import FilledSubmission
from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io.forked import SharedWork
from ipp_calc.io.measures import display_path, measure_ids
from ipp_calc.io.submissions import workbook_paths as workbook_paths  # re-exported: callers import it here

if TYPE_CHECKING:  # imported where used: a year's reading imports them while its children read
    from ipp_calc.core.year import YearInputs
    from ipp_calc.io.data import DataFolder

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class LoadedYear:
    inputs: YearInputs
    data: DataFolder
    notes: tuple[Finding, ...]
    workbooks: tuple[str, ...]


#: Fewer workbooks than this per worker are read in this process: starting a worker costs more.
MIN_PER_WORKER = 8

#: Where the measure sets of other program years come from: a measures root on disk (``py<N>/``
#: folders), or a lookup by year for sets already in memory (``ipp diff``'s OLD side, which may be
#: a git revision with no folder at all).
MeasureRoot = Path | Callable[[int], MeasureSet]


def measure_set_of(root: MeasureRoot, year: int) -> MeasureSet:
    """The program year's measure set from ``root``."""
    from ipp_calc.io.measures import load_year

    return root(year) if callable(root) else load_year(root, year)


def _read_one(path: Path, display: str, ms: MeasureSet, measures_root: MeasureRoot, allow: bool) -> FilledSubmission:
    """Read one workbook against the year's measure set (loaded once, never per workbook)."""
    from ipp_calc.io.workbook import read_submission

    def lookup(year: int) -> MeasureSet:
        return ms if year == ms.year else measure_set_of(measures_root, year)

    return read_submission(path, lookup, display=display, allow_measure_set_change=allow)


def _read_safe(
    path: Path, display: str, ms: MeasureSet, root: MeasureRoot, allow: bool
) -> FilledSubmission | InputError:
    try:
        return _read_one(path, display, ms, root, allow)
    except InputError as exc:
        return exc


Read = FilledSubmission | InputError


def read_workbooks(
    paths: Sequence[Path],
    ms: MeasureSet,
    measures_root: MeasureRoot,
    *,
    allow_measure_set_change: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[Read]:
    """Read every workbook, in ``jobs`` processes where the system can fork; results in the
    order of ``paths``, so the output does not depend on which process read which."""
    with WorkbookReading(paths, ms, measures_root, allow=allow_measure_set_change, jobs=jobs) as reading:
        return reading.finish(progress)


class WorkbookReading(SharedWork[Read]):
    """Workbooks being read: forked children start at once, so this process can do other work
    (read the data folder, import what the next steps need) before it joins in :meth:`finish`.

    Every process, this one included, claims the next workbook, largest first, from one queue
    (:mod:`ipp_calc.io.forked`): all finish within about one workbook of each other, whatever
    this process did meanwhile. A child sends each result as it reads it; anything a child did
    not deliver is read here at the end, so the results never depend on a child. Used as a
    context manager: children not collected (an error came first) are stopped on exit."""

    def __init__(
        self,
        paths: Sequence[Path],
        ms: MeasureSet,
        root: MeasureRoot,
        *,
        allow: bool = False,
        jobs: int = 1,
        max_claims: int | None = None,
    ) -> None:
        import ipp_calc.io.workbook  # noqa: F401  (before any fork: a child imports nothing)

        self.paths, self.ms, self.root, self.allow = list(paths), ms, root, allow
        workers = min(jobs, len(self.paths) // MIN_PER_WORKER)
        order = claim_order([_size(path) for path in self.paths]) if workers > 1 else None
        super().__init__(
            len(self.paths),
            self._read,
            lambda result: isinstance(result, FilledSubmission | InputError),
            jobs=workers,
            order=order,
            max_claims=max_claims,
        )

    def __enter__(self) -> WorkbookReading:
        return self

    @property
    def read_here(self) -> list[int]:
        """The workbooks this process read, in its order."""
        return self.done_here

    def _read(self, index: int) -> Read:
        path = self.paths[index]
        return _read_safe(path, display_path(path), self.ms, self.root, self.allow)


def claim_order(sizes: Sequence[int]) -> list[int]:
    """The workbooks' indexes in the order they are claimed: largest first (ties in path order),
    so the last claims are the small ones and the processes finish close together."""
    return sorted(range(len(sizes)), key=lambda index: (-sizes[index], index))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # unreadable: its reader says so, in whichever process


def default_jobs() -> int:
    """Two on a machine with two or more cores (Linux: the cores this process may use), else
    one. Measured (bench/, 2 cores): a statewide year's 50 workbooks and its data folder are
    read in ~105 ms by two processes, one forked, against ~150 ms by one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def _read_meanwhile(data: Path, ms: MeasureSet, meanwhile: Callable[[], object] | None) -> DataFolder:
    """What this process does while the children start on the workbooks: the data folder, and
    ``meanwhile``. Claim by claim, the children take over part of its share of the workbooks
    for the time it takes."""
    from ipp_calc.io.data import read_data_folder

    folder = read_data_folder(data, ms.program, measure_ids=measure_ids(ms))
    if meanwhile is not None:
        meanwhile()
    return folder


def load_year_inputs(
    ms: MeasureSet,
    measures_root: MeasureRoot,
    data: Path,
    *,
    allow_measure_set_change: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
    baseline_data: Sequence[Path] = (),
    earlier: EarlierYears | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> LoadedYear:
    """The data folder, every workbook matched to its (MCP, submission), and notes to show.

    Baselines of earlier program years come from ``earlier`` when the caller has read those years
    (the program view), else from ``baseline_data`` or the sibling ``py<Y>/`` folders.
    ``meanwhile``: work for this process while other processes read the workbooks (importing
    what the caller's next steps need), so the reading absorbs it instead of adding to it."""
    try:
        paths, notes = workbook_paths(data / "submissions")
    except InputError:  # said after the data folder's own problems, as ever
        from ipp_calc.io.data import read_data_folder

        read_data_folder(data, ms.program, measure_ids=measure_ids(ms))
        raise
    with WorkbookReading(paths, ms, measures_root, allow=allow_measure_set_change, jobs=jobs) as reading:
        folder = _read_meanwhile(data, ms, meanwhile)
        results = reading.finish(progress)
    notes = [*folder.notes, *notes]
    found = Collector()
    filed: dict[tuple[str, int], FilledSubmission] = {}
    where: dict[tuple[str, int], str] = {}
    findings: list[Finding] = []
    for path, result in zip(paths, results, strict=True):
        if isinstance(result, InputError):
            found.extend(result.findings)
            continue
        display = display_path(path)
        key = (result.mcp, result.submission)
        if result.program_year != ms.year:
            found.add(
                "unknown-submission",
                f"answers program year {result.program_year}, but this is PY{ms.year}",
                file=display,
                sheet="Cover",
            )
            continue
        cover = folder.cover(result.mcp, result.counties, display)
        errors = [f for f in cover if f.severity == "error"]
        if errors:
            found.extend(errors)
            continue
        findings.extend(f for f in cover if f.severity != "error")
        if key in filed:
            found.add(
                "duplicate-workbook",
                f"answers MCP {result.mcp}, submission {result.submission}, as {where[key]} does",
                file=display,
                sheet="Cover",
            )
            continue
        filed[key] = result
        where[key] = display
    errors = [f for f in found.findings if f.severity == "error"]
    if errors:
        numbers = sorted({s for s in ms.submissions})
        raise InputError(
            errors,
            hint=f"to see every workbook's problems at once, plan by plan, run: ipp review --year {ms.year} "
            f"--submission {numbers[-1] if len(numbers) == 1 else 'S'} --data {display_path(data)}"
            + (f" (S: {', '.join(map(str, numbers))})" if len(numbers) > 1 else ""),
        )
    for mcp in folder.mcps:
        for number in sorted(ms.submissions):
            if (mcp, number) not in filed:
                notes.append(
                    Finding(
                        "no-workbook",
                        f"MCP {mcp} has no workbook for submission {number}: scored as nothing reported "
                        "(earns 0 and is not eligible for the pool)",
                        file=display_path(data / "submissions"),
                        severity="note",
                    )
                )
    if earlier is None:
        earlier = load_earlier_years(
            ms, measures_root, data, baseline_data, allow_measure_set_change=allow_measure_set_change
        )
    notes.extend(earlier.notes)
    from ipp_calc.core.year import YearInputs

    inputs = YearInputs(
        ms,
        folder.plans,
        folder.elections,
        folder.table,
        folder.targets,
        filed,
        earlier.filed,
        earlier.known,
        tuple(findings),
    )
    return LoadedYear(inputs, folder, tuple(notes), tuple(sorted(where.values())))


# --------------------------------------------------------------------------- baselines of earlier years


@dataclass(frozen=True, slots=True)
class EarlierYears:
    """Earlier program years' workbooks, for the baselines of improvement measures (RULES.md
    section 8): (MCP, program year, submission) → filled, the (year, submission) whose data folder
    was read, the folders read, and notes saying where each year came from."""

    filed: dict[tuple[str, int, int], FilledSubmission]
    known: frozenset[tuple[int, int]]
    folders: tuple[Path, ...]
    notes: tuple[Finding, ...]


def baseline_years(ms: MeasureSet) -> list[int]:
    """The other program years that ``ms``'s improvement measures take baselines from."""
    return sorted(
        {
            m.baseline_year(ms.year)
            for sub in ms.submissions.values()
            for m in sub.measures
            if m.baseline is not None and m.baseline_year(ms.year) != ms.year
        }
    )


def load_earlier_years(
    ms: MeasureSet,
    measures_root: MeasureRoot,
    data: Path | None,
    given: Sequence[Path] = (),
    *,
    allow_measure_set_change: bool = False,
) -> EarlierYears:
    """Read the earlier years' workbooks that ``ms``'s baselines name.

    Each year's data folder is one of ``given`` (``--baseline-data``; a folder counts for the
    years its workbooks' Covers name) or, failing that, the sibling ``py<Y>/`` beside ``data``
    (the layout of ``examples/``). A year found nowhere is left unknown: its baselines come from
    the workbooks' own Baseline column. A bad workbook there is bad input, as in its own year.
    """

    years = baseline_years(ms)
    filed: dict[tuple[str, int, int], FilledSubmission] = {}
    known: set[tuple[int, int]] = set()
    folders: list[Path] = []
    notes: list[Finding] = []
    if not years:
        return EarlierYears(filed, frozenset(), (), ())
    found = Collector()
    candidates = [(folder, True) for folder in given]
    if data is not None:
        for year in years:
            sibling = data.resolve().parent / f"py{year}"
            if sibling.is_dir() and sibling.resolve() != data.resolve():
                candidates.append((sibling, False))
    for year in years:
        earlier_ms = measure_set_of(measures_root, year)
        for folder, explicit in candidates:
            if not explicit and folder.name != f"py{year}":
                continue
            paths, _ = workbook_paths(folder / "submissions")
            allow = allow_measure_set_change
            results = read_workbooks(paths, earlier_ms, measures_root, allow_measure_set_change=allow)
            for result in results:
                if isinstance(result, InputError):
                    found.extend(result.findings)
            mine = [r for r in results if not isinstance(r, InputError) and r.program_year == year]
            if not explicit or mine:
                _file_earlier(mine, year, filed, found)
                known.update((year, number) for number in earlier_ms.submissions)
                folders.append(folder)
                notes.append(
                    Finding(
                        "baseline-source",
                        f"baselines for PY{year} are read from this folder's workbooks",
                        file=display_path(folder),
                        severity="note",
                    )
                )
                break
        else:
            notes.append(
                Finding(
                    "baseline-source",
                    f"no PY{year} data folder given (--baseline-data DIR) or found beside the data folder: "
                    f"PY{year} baselines come from each workbook's Baseline column",
                    severity="note",
                )
            )
    found.raise_if_any()
    return EarlierYears(filed, frozenset(known), tuple(folders), tuple(notes))


def _file_earlier(
    mine: Sequence[FilledSubmission],
    year: int,
    filed: dict[tuple[str, int, int], FilledSubmission],
    found: Collector,
) -> None:
    """Keep each earlier workbook by (MCP, year, submission); a second one for the same key is a
    finding (which of two answers is the baseline cannot be guessed)."""
    for result in mine:
        key = (result.mcp, year, result.submission)
        if key in filed:
            found.add(
                "duplicate-workbook",
                f"answers MCP {result.mcp}, PY{year} submission {result.submission}, as another workbook there does",
                file=result.source,
                sheet="Cover",
            )
        filed[key] = result


# --------------------------------------------------------------------------- the whole program


def program_year_folders(root: Path) -> list[tuple[int, Path]]:
    """The year data folders under ``root`` (``py1/``, ``py2/``, …), in year order."""
    import re

    found: list[tuple[int, Path]] = []
    if not root.is_dir():
        raise InputError(Finding("file-not-found", "no such folder", file=display_path(root)))
    for path in sorted(root.iterdir()):
        match = re.fullmatch(r"py(\d+)", path.name)
        if match and path.is_dir() and (path / "plans.csv").is_file():
            found.append((int(match.group(1)), path))
    if not found:
        raise InputError(
            Finding(
                "file-not-found",
                "no program-year data folders here (py1/, py2/, … each with a plans.csv)",
                file=display_path(root),
            )
        )
    return sorted(found)


def load_program_inputs(
    root: Path,
    measures_root: Path,
    load_measures: Callable[[int], MeasureSet],
    *,
    allow_measure_set_change: bool = False,
    jobs: int = 1,
) -> list[LoadedYear]:
    """Every year under ``root``, each read as ``ipp run`` reads it; an improvement measure's
    earlier-year baselines come from the years already read here (RULES.md sections 8 and 9)."""
    loaded: list[LoadedYear] = []
    for number, folder in program_year_folders(root):
        ms = load_measures(number)
        filed = {(mcp, year.inputs.ms.year, sub): f for year in loaded for (mcp, sub), f in year.inputs.filed.items()}
        known = frozenset((year.inputs.ms.year, n) for year in loaded for n in year.inputs.ms.submissions)
        notes = tuple(
            Finding(
                "baseline-source",
                f"baselines for PY{y} are read from the PY{y} folder of the program",
                file=display_path(root),
                severity="note",
            )
            for y in baseline_years(ms)
            if any(year.inputs.ms.year == y for year in loaded)
        ) + tuple(
            Finding(
                "baseline-source",
                f"PY{y} is not in the program folder: PY{number}'s baselines for it come from each "
                "workbook's Baseline column",
                file=display_path(root),
                severity="note",
            )
            for y in baseline_years(ms)
            if not any(year.inputs.ms.year == y for year in loaded)
        )
        earlier = EarlierYears(filed, known, (), notes)
        loaded.append(
            load_year_inputs(
                ms,
                measures_root,
                folder,
                allow_measure_set_change=allow_measure_set_change,
                jobs=jobs,
                earlier=earlier,
            )
        )
    return loaded
