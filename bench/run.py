"""Benchmark of ``ipp``: a statewide year and a ten-times year, against a floor of just reading them.

Why a floor: almost all of ``ipp run``'s input is the filled workbooks, and no calculator can be
faster than reading their cells. So the same workbooks are read, cell by cell and nothing else,
with openpyxl in ``read_only`` mode (what ``ipp`` itself uses) and with python-calamine (a Rust
reader: what a faster reader could buy), and ``ipp run`` is reported as a multiple of each.

Everything is measured as a whole process (``time.perf_counter`` around the child, its peak
resident memory from ``os.wait4``), side by side in one run: the repetitions are interleaved
(floor, floor, run, floor, floor, run, …) so a machine that gets busier or quieter half-way
through shifts every figure alike, and the median of each is reported.

    python bench/run.py                 # default: 5 repetitions (3 for the 10x year)
    python bench/run.py --quick         # 3 repetitions, statewide only
    python bench/run.py --regenerate    # rebuild the cached example years

Needs the ``bench`` extra (``pip install -e '.[bench]'``) for the calamine floor; without it that
floor is skipped and said so. Writes its markdown to ``OUT/results.md`` too.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATOR = REPO / "examples" / "generate.py"
MEASURES_PY1 = REPO / "measures" / "py1"
DEFAULT_OUT = HERE / "out"

SEED = 2022
YEARS = {"statewide": 25, "10x": 250, "30x": 750}  # name → MCPs (over California's 58 counties)

#: The goals of issue 18: (ratio key, limit, label).
TARGETS: tuple[tuple[str, float, str], ...] = (
    ("run_vs_physical", 3.0, "`ipp run` statewide ÷ physical floor"),
    ("run_vs_physical_stretch", 2.0, "`ipp run` statewide ÷ physical floor (stretch)"),
    ("score_vs_baseline", 0.5, "`ipp score` largest workbook ÷ the same on the baseline"),
    ("scale_30x_10x", 3.15, "`ipp run` 30× ÷ 10× (linear within 5 %)"),
    ("rss_30x_mb", 200.0, "`ipp run` 30× peak RSS, MB (largest process)"),
    ("help_s", 0.4, "`ipp --help`, s"),
    ("check_s", 0.4, "`ipp check`, s"),
)

MB = 1024 * 1024

# --------------------------------------------------------------------------- floor workers
# bench/floor.py, run as a fresh process per measurement: it imports nothing of this script.

FLOOR = HERE / "floor.py"


# --------------------------------------------------------------------------- measuring a process


@dataclass
class Sample:
    wall: float  # seconds, perf_counter around the child process, from fork to its exit
    cpu: float  # seconds, user + system of the child and its waited-for descendants
    maxrss: int  # bytes, peak RSS of the largest single process of the tree (wait4's ru_maxrss)
    tree_mem: int | None  # bytes, sampled peak of the tree's summed PSS (Linux /proc), if asked
    returncode: int
    stdout: str
    stderr: str


#: The measuring wrapper. Why not ``os.wait4`` on a child of this script directly: on Linux a
#: process's ru_maxrss survives ``exec`` and starts from the memory of whoever forked it, so every
#: child of this (large, after generating data) script would report at least this script's size.
#: A small wrapper forks the target instead (``-I -S``: no site, a few MB), and reports the
#: target's wall time, CPU time (with its reaped workers) and peak RSS from ``os.wait4``.
WRAPPER = """
import os, sys, time
report, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as f:
    f.write(f"{wall!r} {ru.ru_utime + ru.ru_stime!r} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
    except OSError:
        pass
    return found


def _pss(pid: int) -> int:
    """A process's proportional set size: shared pages split among their sharers, so the sum of a
    tree's PSS does not count the pages a forked worker shares with its parent twice."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_mem(roots: list[int]) -> int:
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        total += _pss(pid)
        todo.extend(_children(pid))
    return total


def can_sample_tree() -> bool:
    return _pss(os.getpid()) > 0 and bool(os.listdir(f"/proc/{os.getpid()}/task"))


def run_process(cmd: Sequence[str], *, env: dict[str, str], cwd: Path, tree: bool = False) -> Sample:
    """Run ``cmd`` (its first item an absolute path) to completion through :data:`WRAPPER`."""
    handle, name = tempfile.mkstemp(prefix="ipp-bench-", suffix=".txt")
    os.close(handle)
    report_path = Path(name)
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            wrapper = [sys.executable, "-I", "-S", "-c", WRAPPER, str(report_path), *cmd]
            proc = subprocess.Popen(wrapper, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
            peak = [0]
            stop = threading.Event()
            sampler = None
            if tree and can_sample_tree():

                def sample() -> None:
                    while not stop.wait(0.05):
                        peak[0] = max(peak[0], _tree_mem(_children(proc.pid)))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
            proc.wait()
            stop.set()
            if sampler is not None:
                sampler.join()
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
        fields = report_path.read_text().split()
        if proc.returncode != 0 or len(fields) != 4:
            raise RuntimeError(f"the measuring wrapper failed (exit {proc.returncode}): {last_line(stderr)}")
    finally:
        report_path.unlink(missing_ok=True)
    wall, cpu, maxrss, returncode = float(fields[0]), float(fields[1]), int(fields[2]), int(fields[3])
    # Linux reports ru_maxrss in KiB, macOS in bytes.
    maxrss = maxrss if sys.platform == "darwin" else maxrss * 1024
    return Sample(
        wall=wall,
        cpu=cpu,
        maxrss=maxrss,
        tree_mem=(peak[0] or None) if sampler is not None else None,
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
    )


@dataclass
class Series:
    """The repetitions of one measurement."""

    samples: list[Sample] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)  # floor workers' JSON lines
    note: str = ""
    failed: str = ""

    def median(self, pick: Callable[[Sample], float]) -> float:
        return statistics.median(pick(s) for s in self.samples)

    @property
    def wall(self) -> float:
        return self.median(lambda s: s.wall)

    @property
    def cpu(self) -> float:
        return self.median(lambda s: s.cpu)

    @property
    def maxrss(self) -> int:
        return max(s.maxrss for s in self.samples)

    @property
    def tree_mem(self) -> int | None:
        found = [s.tree_mem for s in self.samples if s.tree_mem is not None]
        return max(found) if found else None

    @property
    def spread(self) -> tuple[float, float]:
        walls = [s.wall for s in self.samples]
        return min(walls), max(walls)


# --------------------------------------------------------------------------- data


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ipp_bench_generate", GENERATOR)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {GENERATOR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def fingerprint(mcps: int) -> dict[str, Any]:
    """What the generated folder depends on: regenerated when any of it changes."""
    digest = hashlib.sha256(GENERATOR.read_bytes())
    for path in sorted(MEASURES_PY1.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(MEASURES_PY1).as_posix().encode())
            digest.update(path.read_bytes())
    return {"mcps": mcps, "seed": SEED, "sources": digest.hexdigest()}


def ensure_year(out: Path, name: str, mcps: int, regenerate: bool) -> tuple[Path, str]:
    """The cached example year ``out/name``; (re)generated when missing, stale or asked to."""
    folder = out / name
    marker = folder / ".bench.json"
    wanted = fingerprint(mcps)
    reason = ""
    if regenerate:
        reason = "--regenerate"
    elif not marker.exists():
        reason = "missing"
    else:
        try:
            have = json.loads(marker.read_text())
        except ValueError:
            have = {}
        if {k: have.get(k) for k in wanted} != wanted:
            reason = "examples/generate.py or measures/py1 changed"
        elif len(list((folder / "submissions").glob("*.xlsx"))) != have.get("workbooks"):
            reason = "workbooks missing"
    if not reason:
        return folder, f"{name}: cached in {display(folder)}"
    if folder.exists():
        shutil.rmtree(folder)
    start = time.perf_counter()
    generator = load_generator()
    year = generator.generate_data(folder, mcps=mcps, seed=SEED)
    written = generator.generate_submissions(year)
    marker.write_text(json.dumps({**wanted, "workbooks": len(written)}) + "\n")
    return folder, f"{name}: generated ({reason}) in {time.perf_counter() - start:.1f} s"


def display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- the benchmark


def ipp_command() -> list[str]:
    """The ``ipp`` console script next to this interpreter, else ``python -m ipp_calc``."""
    folder = Path(sys.executable).parent
    for name in ("ipp", "ipp.exe"):
        if (folder / name).is_file():
            return [str(folder / name)]
    return [sys.executable, "-m", "ipp_calc"]


def child_env(out: Path, bytecode: bool) -> dict[str, str]:
    """The children's environment: by default with a bytecode cache, as an installed tool has.

    The cache goes to ``OUT/pycache`` (PYTHONPYCACHEPREFIX), never into the source tree.
    """
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(out / "pycache")
    env.pop("FORCE_COLOR", None)
    return env


def has_calamine() -> bool:
    return importlib.util.find_spec("python_calamine") is not None


@dataclass(frozen=True)
class StateCommands:
    """``ipp score`` and ``ipp template`` on a year's largest workbook (timed on the statewide year)."""

    largest: Path
    mcp: str
    score: list[str]
    template: list[str]
    template_out: Path  # removed before each run: ipp template refuses to overwrite a workbook

    @classmethod
    def of(cls, data: Path, tmp: Path) -> StateCommands:
        largest = max((data / "submissions").glob("*.xlsx"), key=lambda p: (p.stat().st_size, p.name))
        mcp = largest.name.rsplit("-submission-", 1)[0]
        template_out = tmp / "template.xlsx"
        return cls(
            largest=largest,
            mcp=mcp,
            score=["score", str(largest), "--data", str(data)],
            template=["template", "-y", "1", "-s", "2", "--mcp", mcp, "--data", str(data), "-o", str(template_out)],
            template_out=template_out,
        )


class Bench:
    def __init__(self, args: argparse.Namespace, out: Path) -> None:
        self.args = args
        self.out = out
        self.tmp = out / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.env = child_env(out, not args.no_bytecode_cache)
        self.ipp = ipp_command()
        self.jobs = args.jobs
        self.notes: list[str] = []
        self.baseline_env: dict[str, str] | None = None
        if args.baseline is not None:
            self.baseline_env = {**self.env, "PYTHONPATH": str(args.baseline.resolve())}
            # its own bytecode cache: the same module paths must not share compiled files
            self.baseline_env["PYTHONPYCACHEPREFIX"] = str(out / "pycache-baseline")

    def log(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def floor(self, reader: str, data: Path, series: Series, cells: Path | None = None) -> None:
        cmd = [sys.executable, str(FLOOR), reader, str(data)]
        if cells is not None:
            cmd += ["--write", str(cells), str(self.tmp / f"floor-{data.name}.xlsx")]
        sample = run_process(cmd, env=self.env, cwd=self.tmp)
        if sample.returncode != 0:
            series.failed = f"exit {sample.returncode}: {last_line(sample.stderr)}"
            return
        series.samples.append(sample)
        series.extra.append(json.loads(sample.stdout.strip().splitlines()[-1]))

    def ipp_run(
        self, data: Path, name: str, fmt: str, series: Series, *, baseline: bool = False, tree: bool = False
    ) -> None:
        """One timed ``ipp run``; ``tree``: an untimed one that samples the tree's memory instead
        (the sampler, reading /proc 20 times a second, took a core's share from the measured
        processes: ~40 ms of a statewide run that reads its workbooks in two processes)."""
        if fmt == "xlsx":
            args = ["-o", str(self.tmp / f"report-{name}.xlsx")]
        else:
            args = ["--format", "json", "-o", str(self.tmp / f"report-{name}.json")]
        jobs = ["--jobs", str(self.jobs)] if self.jobs else []
        ipp, env = self.ipp, self.env
        if baseline and self.baseline_env is not None:
            ipp, env = [sys.executable, "-m", "ipp_calc"], self.baseline_env
        cmd = [*ipp, "run", "--year", "1", "--data", str(data), *jobs, *args]
        sample = run_process(cmd, env=env, cwd=self.tmp, tree=tree)
        if sample.returncode not in (0, 1):  # 1: the year ran and has findings (FORMATS.md)
            series.failed = f"exit {sample.returncode}: {last_line(sample.stderr)}"
            return
        if sample.returncode == 1 and not series.note:
            series.note = "exit 1 (the year has findings; it ran to the end)"
        series.samples.append(sample)

    def command(self, args: list[str], series: Series, *, baseline: bool = False, remove: Path | None = None) -> None:
        """One whole ``ipp`` process (``baseline``: the baseline's source tree instead)."""
        ipp, env = self.ipp, self.env
        if baseline:
            assert self.baseline_env is not None
            ipp, env = [sys.executable, "-m", "ipp_calc"], self.baseline_env
        if remove is not None:
            remove.unlink(missing_ok=True)  # ipp template refuses to overwrite a workbook
        sample = run_process([*ipp, *args], env=env, cwd=REPO)
        if sample.returncode not in (0, 1):
            series.failed = f"exit {sample.returncode}: {last_line(sample.stderr)}"
            return
        series.samples.append(sample)

    def startup(self, args: list[str], series: Series) -> None:
        self.command(args, series)

    def report_cells(self, data: Path, name: str) -> Path | None:
        """An untimed ``ipp run -o report.xlsx`` (also the warm-up), and its cells as JSON for the
        physical floor to write."""
        probe = Series()
        self.ipp_run(data, f"cells-{name}", "xlsx", probe)
        if probe.failed or not has_calamine():
            return None
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(self.tmp / f"report-cells-{name}.xlsx"))
        sheets = [[title, workbook.get_sheet_by_name(title).to_python()] for title in workbook.sheet_names]
        path = self.tmp / f"cells-{name}.json"
        path.write_text(json.dumps(sheets, default=str), encoding="utf-8")
        return path

    def measure_year(self, name: str, data: Path, repeat: int, formats: list[str]) -> dict[str, Series]:
        """Interleaved repetitions of the floors and ``ipp run`` on one year."""
        statewide = name == "statewide"
        results = self.year_series(formats, statewide)
        cells = self.report_cells(data, name)
        if not has_calamine():
            results["calamine"].failed = "python-calamine is not installed"
        if cells is None:
            results["physical"].failed = "no report to take the cells from"
        commands = StateCommands.of(data, self.tmp)
        if statewide:
            self.notes.append(
                f"`ipp score` and `ipp template` rows: {commands.largest.name} (the largest workbook), "
                f"MCP {commands.mcp}"
            )
            self.warm_up_state(data, name, commands)
        for fmt in formats:  # the tree's memory, from one untimed run (see ipp_run)
            self.ipp_run(data, name, fmt, results[f"memory-{fmt}"], tree=True)
        for rep in range(repeat):
            self.log(f"  {name}: repetition {rep + 1}/{repeat}")
            self.repetition(name, data, formats, results, cells, commands)
        return results

    def year_series(self, formats: list[str], statewide: bool) -> dict[str, Series]:
        """The empty series of one year, in the order the report's notes list them."""
        results: dict[str, Series] = {"openpyxl": Series(), "calamine": Series(), "physical": Series()}
        for fmt in formats:
            results[f"run-{fmt}"] = Series()
        if statewide:
            results["score"], results["template"] = Series(), Series()
            if self.baseline_env is not None:
                results["score-baseline"], results["run-baseline"] = Series(), Series()
        for fmt in formats:
            results[f"memory-{fmt}"] = Series()
        return results

    def warm_up_state(self, data: Path, name: str, commands: StateCommands) -> None:
        """Untimed warm-up of the statewide-only commands (and of the baseline: its bytecode cache is its own)."""
        self.command(commands.score, Series())
        self.command(commands.template, Series(), remove=commands.template_out)
        if self.baseline_env is not None:
            self.command(commands.score, Series(), baseline=True)
            self.ipp_run(data, f"{name}-baseline", "xlsx", Series(), baseline=True)

    def repetition(
        self,
        name: str,
        data: Path,
        formats: list[str],
        results: dict[str, Series],
        cells: Path | None,
        commands: StateCommands,
    ) -> None:
        """One round of every measurement of the year, each once, in a fixed order: floors, runs,
        then the statewide-only commands, so that a drift of the machine shifts them all alike."""
        statewide = name == "statewide"
        for reader in ("openpyxl", "calamine") if statewide else ("calamine",):
            if not results[reader].failed:  # openpyxl: statewide only (info; minutes at 30×)
                self.floor(reader, data, results[reader])
        if not results["physical"].failed:
            self.floor("calamine", data, results["physical"], cells)
        for fmt in formats:
            series = results[f"run-{fmt}"]
            if not series.failed:
                self.ipp_run(data, name, fmt, series)
        if statewide:
            self.command(commands.score, results["score"])
            self.command(commands.template, results["template"], remove=commands.template_out)
            if self.baseline_env is not None:
                self.command(commands.score, results["score-baseline"], baseline=True)
                self.ipp_run(data, f"{name}-baseline", "xlsx", results["run-baseline"], baseline=True)

    def check_xlsx(self, data: Path) -> list[str]:
        """``-o report.xlsx`` if it works here (one untimed run, also the warm-up), else JSON."""
        probe = Series()
        self.ipp_run(data, "probe", "xlsx", probe)
        if not probe.failed:
            return ["xlsx"] + (["json"] if self.args.json else [])
        self.notes.append(
            f"`ipp run -o report.xlsx` failed ({probe.failed}); timed `--format json -o out.json` instead"
        )
        return ["json"]


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


# --------------------------------------------------------------------------- the report


def fmt_s(series: Series | None, *, spread: bool = True) -> str:
    if series is None:
        return "—"
    if series.failed:
        return f"skipped: {series.failed}"
    if not series.samples:
        return "—"
    text = f"{series.wall:.3f} s"
    if spread and len(series.samples) > 1:
        low, high = series.spread
        text += f" ({low:.3f}–{high:.3f})"
    return text


def fmt_cpu(series: Series | None) -> str:
    if series is None or series.failed or not series.samples:
        return "—"
    return f"{series.cpu:.3f} s"


def fmt_in_process(series: Series | None) -> str:
    if series is None or series.failed or not series.extra:
        return "—"
    return f"{statistics.median(e['seconds'] for e in series.extra):.3f} s"


def fmt_mb(value: int | None) -> str:
    return "—" if value is None else f"{value / MB:.0f} MB"


def fmt_rss(series: Series | None) -> str:
    if series is None or series.failed or not series.samples:
        return "—"
    return fmt_mb(series.maxrss)


def fmt_tree(series: Series | None) -> str:
    if series is None or series.failed or not series.samples:
        return "—"
    return fmt_mb(series.tree_mem)


def fmt_cells(year: dict[str, Series] | None) -> str:
    if year is None:
        return "—"
    parts = []
    for reader in ("openpyxl", "calamine"):
        series = year[reader]
        if series.extra:
            e = series.extra[0]
            parts.append(f"{reader} {e['cells']:,} cells / {e['values']:,} values")
    workbooks = next((year[r].extra[0]["workbooks"] for r in ("openpyxl", "calamine") if year[r].extra), None)
    head = f"{workbooks} workbooks; " if workbooks is not None else ""
    return head + "; ".join(parts) if parts else "—"


def ratio(a: Series | None, b: Series | None) -> float | None:
    if a is None or b is None or a.failed or b.failed or not a.samples or not b.samples:
        return None
    return a.wall / b.wall


def cpu_ratio(a: Series | None, b: Series | None) -> float | None:
    if ratio(a, b) is None or a is None or b is None or b.cpu <= 0:
        return None
    return a.cpu / b.cpu


def machine_line(started: datetime) -> str:
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    cpu = platform.processor() or platform.machine()
    return (
        f"{started:%Y-%m-%d %H:%M}, {os.cpu_count()} cores ({cpu}), {platform.platform()}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}){load}"
    )


def _default_jobs() -> int:
    """What ``ipp run`` uses without ``--jobs`` (io/year_loader.default_jobs), from the installed package."""
    try:
        from ipp_calc.io.year_loader import default_jobs
    except ImportError:
        return 1
    return default_jobs()


Year = dict[str, Series]  # one year's series by key (Bench.year_series)
HEADS = {"statewide": "statewide", "10x": "10×", "30x": "30×"}


def _series(year: Year | None, key: str) -> Series | None:
    return None if year is None else year.get(key)


def _cell(show: Callable[[Series | None], str], key: str) -> Callable[[Year | None], str]:
    """A column's cell: ``show`` of the year's ``key`` series (a named function: mypy cannot type a
    lambda that binds the key as a default argument)."""

    def cell(year: Year | None) -> str:
        return show(_series(year, key))

    return cell


def _row(years: dict[str, Year], label: str, cell: Callable[[Year | None], str]) -> str:
    return "| " + " | ".join([label, *(cell(year) for year in years.values())]) + " |"


def _once(years: dict[str, Year], label: str, value: str) -> str:
    """A row measured on the statewide year only: the other years' columns are empty."""
    return "| " + " | ".join([label, value, *("—" for _ in list(years)[1:])]) + " |"


def _measurement_rows(years: dict[str, Year], formats: list[str], jobs: int | str) -> list[str]:
    """The table of what each year measured: the floors, then ``ipp run`` in each format."""
    names = list(years)

    def mcps(year: Year | None) -> str:
        return str(YEARS[next(n for n in names if years[n] is year)])

    lines = [
        "| measurement | " + " | ".join(HEADS[n] for n in names) + " |",
        "|---|" + "---|" * len(names),
        _row(years, "MCPs", mcps),
        _row(years, "read by each floor", fmt_cells),
        _row(years, "floor: python-calamine read, whole process", _cell(fmt_s, "calamine")),
        _row(years, "floor: python-calamine read, in-process reading only", _cell(fmt_in_process, "calamine")),
        _row(
            years,
            "**physical floor**: calamine read + minimal .xlsx of the report's cells + fsync",
            _cell(fmt_s, "physical"),
        ),
        _row(years, "floor: openpyxl `read_only` read, whole process", _cell(fmt_s, "openpyxl")),
    ]
    for fmt in formats:
        what = "-o report.xlsx" if fmt == "xlsx" else "--format json -o out.json"
        key = f"run-{fmt}"
        lines += [
            _row(years, f"`ipp run {what}` (jobs {jobs}), wall", _cell(fmt_s, key)),
            _row(years, f"`ipp run {what}`, CPU (user+sys, all processes)", _cell(fmt_cpu, key)),
            _row(years, f"`ipp run {what}`, peak RSS (largest process)", _cell(fmt_rss, key)),
            _row(
                years,
                f"`ipp run {what}`, peak memory (tree: summed PSS, sampled in an untimed run)",
                _cell(fmt_tree, f"memory-{fmt}"),
            ),
        ]
    return lines


def _once_rows(years: dict[str, Year], startup: dict[str, Series]) -> list[str]:
    """The rows of the commands timed once per bench, not per year: statewide-only and start-up."""
    state = years.get("statewide")
    lines = []
    for key, label in (
        ("score", "`ipp score` of the largest workbook (tables)"),
        ("template", "`ipp template` for that plan, submission 2"),
        ("score-baseline", "baseline: `ipp score`, the same"),
        ("run-baseline", "baseline: `ipp run -o report.xlsx`"),
    ):
        series = _series(state, key)
        if series is not None:
            lines.append(_once(years, f"{label}, wall", fmt_s(series)))
            lines.append(_once(years, f"{label}, CPU (user+sys)", fmt_cpu(series)))
    for key, label in (("help", "`ipp --help`"), ("check", "`ipp check`")):
        lines.append(_once(years, f"{label}, wall", fmt_s(startup.get(key))))
    return lines


def _runs(years: dict[str, Year], formats: list[str]) -> dict[str, Series | None]:
    """Each year's ``ipp run`` in the first format: the one the ratios are of."""
    return {name: _series(year, f"run-{formats[0]}") for name, year in years.items()}


def _wall(series: Series | None) -> float | None:
    return None if series is None or not series.samples else series.wall


def _goal_values(years: dict[str, Year], startup: dict[str, Series], formats: list[str]) -> dict[str, float | None]:
    """The value of each of :data:`TARGETS`, None when not measured."""
    state = years.get("statewide")
    run = _runs(years, formats)
    run_30x = run.get("30x")
    physical = ratio(run.get("statewide"), _series(state, "physical"))
    return {
        "run_vs_physical": physical,
        "run_vs_physical_stretch": physical,
        "score_vs_baseline": ratio(_series(state, "score"), _series(state, "score-baseline")),
        "scale_30x_10x": ratio(run_30x, run.get("10x")),
        "rss_30x_mb": None if run_30x is None or not run_30x.samples else run_30x.maxrss / MB,
        "help_s": _wall(startup.get("help")),
        "check_s": _wall(startup.get("check")),
    }


def _goal_rows(values: dict[str, float | None]) -> list[str]:
    lines = ["", "| ratio / goal | value | goal | result |", "|---|---|---|---|"]
    for key, limit, label in TARGETS:
        value = values[key]
        unit = "" if key.endswith(("_s", "_mb")) else "×"
        if value is None:
            shown = "—"
        elif key.endswith("_mb"):
            shown = f"{value:.0f}"
        elif key.endswith("_s"):
            shown = f"{value:.3f}"
        else:
            shown = f"{value:.2f}{unit}"
        verdict = "n/a" if value is None else ("PASS" if value <= limit else "MISS")
        lines.append(f"| {label} | {shown} | ≤ {limit:g}{unit} | {verdict} |")
    return lines


def _info_rows(years: dict[str, Year], formats: list[str]) -> list[str]:
    """Ratios with no goal, shown when both sides were measured: where the time goes."""
    state = years.get("statewide")
    run = _runs(years, formats)
    run_state = run.get("statewide")
    info: list[tuple[str, float | None]] = [
        ("`ipp run` statewide ÷ calamine read floor (info)", ratio(run_state, _series(state, "calamine"))),
        ("`ipp run` statewide ÷ openpyxl read floor (info)", ratio(run_state, _series(state, "openpyxl"))),
        (
            "`ipp run` statewide ÷ physical floor, by CPU time (info)",
            cpu_ratio(run_state, _series(state, "physical")),
        ),
        ("`ipp run` statewide ÷ baseline `ipp run` (info)", ratio(run_state, _series(state, "run-baseline"))),
        (
            "`ipp score` ÷ baseline, by CPU time (info)",
            cpu_ratio(_series(state, "score"), _series(state, "score-baseline")),
        ),
        ("`ipp run` 10× ÷ statewide (info)", ratio(run.get("10x"), run_state)),
        ("`ipp run` 30× ÷ 10×, by CPU time (info)", cpu_ratio(run.get("30x"), run.get("10x"))),
    ]
    for n in list(years)[1:]:
        info.append(
            (f"`ipp run` {HEADS[n]} ÷ physical floor {HEADS[n]} (info)", ratio(run[n], _series(years[n], "physical")))
        )
    return [f"| {label} | {value:.2f}× | | |" for label, value in info if value is not None]


def _footer(bench: Bench, years: dict[str, Year], took: float, generated: list[str]) -> list[str]:
    """How it was measured, and the notes: what a reader needs to trust (or discount) the figures."""
    repeat, repeat_big = bench.args.repeat, bench.args.repeat_10x
    lines = [
        "",
        f"Median of {repeat} repetitions (10× and 30×: {repeat_big}), interleaved; (min–max) of the wall times in "
        "parentheses. Whole-process figures include interpreter start-up and imports; ratios use whole-process "
        "wall times.",
        f"Bytecode cache for the children: {'off (inherited environment)' if bench.args.no_bytecode_cache else 'on'}."
        f" Data: {'; '.join(generated)}. Bench took {took:.0f} s.",
    ]
    if bench.args.baseline is not None:
        lines.append(f"Baseline: the source tree {bench.args.baseline} (run as `python -m ipp_calc` with PYTHONPATH).")
    if hasattr(os, "getloadavg"):
        lines.append(
            "Load average at the end: {:.2f} {:.2f} {:.2f} (other work on the machine inflates wall times;"
            " the CPU rows are steadier).".format(*os.getloadavg())
        )
    for note in bench.notes:
        lines.append(f"Note: {note}.")
    for name, year in years.items():
        for key, series in year.items():
            if series.note:
                lines.append(f"Note: {name} {key}: {series.note}.")
    return lines


def render(
    bench: Bench,
    years: dict[str, Year],
    startup: dict[str, Series],
    formats: list[str],
    machine: str,
    took: float,
    generated: list[str],
) -> str:
    jobs = bench.jobs or f"default, {_default_jobs()}"
    lines = [
        f"Machine: {machine}",
        "",
        *_measurement_rows(years, formats, jobs),
        *_once_rows(years, startup),
        *_goal_rows(_goal_values(years, startup, formats)),
        *_info_rows(years, formats),
        *_footer(bench, years, took, generated),
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- main


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache and results folder (default bench/out)")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the example years even if cached")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions, median reported (default 5)")
    parser.add_argument("--repeat-10x", type=int, default=None, help="repetitions of the 10× and 30× years (default 3)")
    parser.add_argument("--quick", action="store_true", help="3 repetitions, statewide only")
    parser.add_argument("--no-30x", action="store_true", help="skip the 30× year (750 MCPs)")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a src/ folder of another ipp-calc version (e.g. `git archive REV src | tar -x -C DIR`) timed beside",
    )
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs N to ipp run (default: ipp's own)")
    parser.add_argument("--json", action="store_true", help="also time `ipp run --format json -o out.json`")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="run the children in the inherited environment as is"
    )
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 3 if args.quick else 5
    if args.repeat_10x is None:
        args.repeat_10x = min(args.repeat, 3)
    if args.repeat < 1 or args.repeat_10x < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started_at, started = datetime.now(), time.perf_counter()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, out)
    machine = machine_line(started_at)
    bench.log(f"machine: {machine}")
    bench.log(f"ipp: {' '.join(bench.ipp)}")

    names = ["statewide"] if args.quick else ["statewide", "10x"] if args.no_30x else ["statewide", "10x", "30x"]
    folders: dict[str, Path] = {}
    generated: list[str] = []
    for name in names:
        folder, how = ensure_year(out, name, YEARS[name], args.regenerate)
        folders[name] = folder
        generated.append(how)
        bench.log(how)

    # Warm-up, untimed: start-up paths, page cache and bytecode cache (and whether -o .xlsx works).
    bench.log("warm-up")
    for warm in (["--help"], ["check"]):
        run_process([*bench.ipp, *warm], env=bench.env, cwd=REPO)
    formats = bench.check_xlsx(folders["statewide"])

    startup = {"help": Series(), "check": Series()}
    bench.log(f"start-up: {args.repeat} repetitions")
    for _ in range(args.repeat):
        bench.startup(["--help"], startup["help"])
        bench.startup(["check"], startup["check"])

    years: dict[str, dict[str, Series]] = {}
    for name in names:
        repeat = args.repeat if name == "statewide" else args.repeat_10x
        bench.log(f"{name}: {repeat} repetitions of the floors and `ipp run` ({', '.join(formats)})")
        years[name] = bench.measure_year(name, folders[name], repeat, formats)

    text = render(bench, years, startup, formats, machine, time.perf_counter() - started, generated)
    (out / "results.md").write_text(text)
    print(text, end="")
    bench.log(f"wrote {display(out / 'results.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
