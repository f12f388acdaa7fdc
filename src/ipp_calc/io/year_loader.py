"""Reading a whole year: the data folder plus every workbook in ``DATA/submissions/``.

Why match by the Cover and not the file name: MCPs and analysts name files however they like
(``Alpha_Sub2_FINAL_v3.xlsx``). The Cover says which MCP and submission a workbook answers, so
the folder's file names and their order change nothing, and two workbooks claiming the same
(MCP, submission) are caught instead of one silently replacing the other.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ipp_calc.core.models import MeasureSet
from ipp_calc.core.responses import FilledSubmission
from ipp_calc.core.year import YearInputs
from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io.data import DataFolder, read_data_folder
from ipp_calc.io.measures import display_path, measure_ids
from ipp_calc.io.submissions import DATA_FILES
from ipp_calc.io.submissions import workbook_paths as workbook_paths  # re-exported: callers import it here

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


def read_workbooks(
    paths: Sequence[Path],
    ms: MeasureSet,
    measures_root: MeasureRoot,
    *,
    allow_measure_set_change: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[FilledSubmission | InputError]:
    """Read every workbook, in ``jobs`` processes where the system can fork; results in the
    order of ``paths``, so the output does not depend on which process finished first."""
    with WorkbookReading(paths, ms, measures_root, allow=allow_measure_set_change, jobs=jobs) as reading:
        return reading.finish(progress)


class WorkbookReading:
    """Workbooks being read: forked children start on their share at once, so this process can
    do other work (read the data folder) before it reads its own share in :meth:`finish`. Used
    as a context manager: children not collected (an error came first) are stopped on exit."""

    #: What the shares are balanced on (measured, bench/: statewide, 10x and 30x years on 2
    #: cores). Reading costs about the same per workbook byte in every process; a byte of the data
    #: folder, which this process reads meanwhile, about 1.5 times that; a child starts ~160 KB
    #: of workbooks behind (copy-on-write faults as it first touches what it inherited) and
    #: spends ~4 % more sending its results back. A fixed split cannot serve both ends: a
    #: statewide year wants this process to take more than a child, a 30x year (its data folder
    #: is ~420 ms of reading) less.
    DATA_FOLDER_BYTE = 1.5
    CHILD_START_BYTES = 160_000
    CHILD_SENDING = 0.04

    def __init__(
        self,
        paths: Sequence[Path],
        ms: MeasureSet,
        root: MeasureRoot,
        *,
        allow: bool = False,
        jobs: int = 1,
        meanwhile_bytes: int = 0,
    ) -> None:
        """``meanwhile_bytes``: the size of what this process reads while the children read
        (the data folder), so its own share is smaller by what that costs."""
        import ipp_calc.io.workbook  # noqa: F401  (before any fork: a child imports nothing)

        self.paths, self.ms, self.root, self.allow = list(paths), ms, root, allow
        workers = min(jobs, len(self.paths) // MIN_PER_WORKER) if hasattr(os, "fork") else 1
        self.chunks = [self.paths]
        if workers > 1:
            sizes = [_size(path) for path in self.paths]
            self.chunks = _chunks(self.paths, sizes, workers, self._own_share(sum(sizes), workers, meanwhile_bytes))
        self.children: list[tuple[int, int]] = []
        for chunk in self.chunks[1:]:
            self.children.append(_fork_reader(chunk, ms, root, allow))

    @classmethod
    def _own_share(cls, total: int, workers: int, meanwhile_bytes: int) -> float:
        """The workbook bytes this process reads so that it and each child finish together:
        ``own + meanwhile × DATA_FOLDER_BYTE = CHILD_START_BYTES + (1 + CHILD_SENDING) ×
        (total − own) / (workers − 1)``, kept between none and all."""
        per_child = (1 + cls.CHILD_SENDING) / (workers - 1)
        own = (cls.CHILD_START_BYTES + per_child * total - cls.DATA_FOLDER_BYTE * meanwhile_bytes) / (1 + per_child)
        return min(max(own, 0.0), float(total))

    def __enter__(self) -> WorkbookReading:
        return self

    def __exit__(self, *exc: object) -> None:
        for pid, read_end in self.children:  # only those not collected: an error came first
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.close(read_end)
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)
        self.children = []

    def _read(self, path: Path) -> FilledSubmission | InputError:
        return _read_safe(path, display_path(path), self.ms, self.root, self.allow)

    def finish(self, progress: Progress | None = None) -> list[FilledSubmission | InputError]:
        """This process's share, then each child's, in the order of the paths."""
        results: list[FilledSubmission | InputError] = []
        for path in self.chunks[0]:
            results.append(self._read(path))
            if progress:
                progress(len(results), len(self.paths))
        for chunk in self.chunks[1:]:
            got = _collect(self.children.pop(0), len(chunk))
            if got is None:  # the child failed (killed, out of memory): its workbooks are read here
                got = [self._read(path) for path in chunk]
            results.extend(got)
            if progress:
                progress(len(results), len(self.paths))
        return results


def _chunks(paths: Sequence[Path], sizes: Sequence[int], count: int, first: float) -> list[list[Path]]:
    """``paths`` in at most ``count`` runs, in order, sized by bytes (a 20-county workbook is ten
    times a one-county one): the first about ``first`` bytes, the others equal shares of the
    rest. A path goes to the run its middle byte falls in; a run left empty is dropped."""
    rest = (sum(sizes) - first) / (count - 1)
    boundaries = [first + rest * k for k in range(count - 1)]
    chunks: list[list[Path]] = [[] for _ in range(count)]
    done = 0
    for path, size in zip(paths, sizes, strict=True):
        chunks[bisect.bisect_left(boundaries, done + size / 2)].append(path)
        done += size
    return [chunk for chunk in chunks if chunk]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # unreadable: its reader says so, in whichever process


def _fork_reader(chunk: list[Path], ms: MeasureSet, root: MeasureRoot, allow: bool) -> tuple[int, int]:
    """A forked child that reads ``chunk`` and sends back what it read, pickled, through a
    pipe; its (pid, the pipe's read end). Why fork, not a process pool (issue 18, bench/): a
    fork starts in a few milliseconds with everything already imported and the measure set
    already loaded, and this process reads its own share meanwhile; a pool started fresh
    interpreters, pickled every task and left this process idle, and cost more than it saved."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        code = 0
        try:
            results = [_read_safe(path, display_path(path), ms, root, allow) for path in chunk]
            with os.fdopen(write_end, "wb") as out:
                pickle.dump(results, out, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # anything at all: the parent reads this chunk itself
            code = 1
        os._exit(code)  # no exit handlers, no flushing of the parent's buffered output
    os.close(write_end)
    return pid, read_end


def _collect(child: tuple[int, int], expected: int) -> list[FilledSubmission | InputError] | None:
    """What a child read, or None if it did not finish its chunk."""
    pid, read_end = child
    with os.fdopen(read_end, "rb") as stream:
        payload = stream.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    try:
        results = pickle.loads(payload)
    except Exception:
        return None
    return results if isinstance(results, list) and len(results) == expected else None


def default_jobs() -> int:
    """Two on a machine with two or more cores (Linux: the cores this process may use), else
    one. Measured (bench/, 2 cores): a statewide year's 50 workbooks and its data folder are
    read in ~105 ms by two processes, one forked, against ~150 ms by one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


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
) -> LoadedYear:
    """The data folder, every workbook matched to its (MCP, submission), and notes to show.

    Baselines of earlier program years come from ``earlier`` when the caller has read those years
    (the program view), else from ``baseline_data`` or the sibling ``py<Y>/`` folders."""
    try:
        paths, notes = workbook_paths(data / "submissions")
    except InputError:  # said after the data folder's own problems, as ever
        read_data_folder(data, ms.program, measure_ids=measure_ids(ms))
        raise
    # The workbooks' children start first, so the data folder is read while they read.
    meanwhile = sum(_size(data / name) for name in DATA_FILES)
    with WorkbookReading(
        paths, ms, measures_root, allow=allow_measure_set_change, jobs=jobs, meanwhile_bytes=meanwhile
    ) as reading:
        folder = read_data_folder(data, ms.program, measure_ids=measure_ids(ms))
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
