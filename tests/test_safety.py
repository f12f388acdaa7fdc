"""Safety through the real CLI: hostile workbooks, outputs never half-written, inputs never touched,
no formula injection, and a bug reported in one line without plan data.

The promises (FORMATS.md, "Command-line contract"; README, "Safety"):

* XML and zip bombs are refused before any parser runs (exit 2): a billion-laughs sheet, an
  external-entity sheet (in UTF-8 and UTF-16), a zip bomb (honest and lying headers), too many parts;
  and no workbook is read at all if openpyxl is not parsing through defusedxml.
* ``-o`` is atomic: a failure mid-write, or a SIGKILL, leaves the old file (or none) and no
  temporary file beside it; ``-o`` naming an input (however spelt) is refused; no input changes
  (sha256) and no input is ever opened for writing, whatever the command.
* Text that a spreadsheet would run as a formula is neutralised with a leading ``'`` in CSV and in
  every workbook ipp writes; numbers stay numbers; no cell ipp writes from text is ever a formula.
* Any exception that is not bad input is a bug: exit 70, one line asking for ``--debug``, no
  traceback and no plan data from locals; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib.util
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

from conftest import RunCli
from ipp_calc.io.output import _FORMULA_START, csv_text, neutralise
from workbooks import (
    billion_laughs,
    column_letter,
    edit,
    filled_workbook,
    rewrite_parts,
    rows_by_key,
    sheet_part,
    understate_size,
    zip_bomb,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "measures"
DATA_BASE = Path(__file__).parent / "fixtures" / "data_bad" / "base"  # alpha: Alameda, Fresno; beta: Alameda
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def sha256_tree(root: Path, skip: tuple[str, ...] = ("out",)) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not set(p.relative_to(root).parts) & set(skip)
    }


def litter(folder: Path) -> list[str]:
    """Anything in ``folder`` that looks like a temporary file of an interrupted write."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".ipp-tmp")


@pytest.fixture(scope="module")
def small_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/ (two MCPs, targets.csv, allocation.csv, alpha's and beta's submission-2 workbooks),
    and measures/ (a copy of the shipped sets, for --measures, check and diff)."""
    root = tmp_path_factory.mktemp("safety-year")
    data = root / "data"
    shutil.copytree(DATA_BASE, data)
    (data / "targets.csv").write_text("mcp,county,measure,target\nalpha,Alameda,2.1,10\n", encoding="utf-8")
    (data / "allocation.csv").write_text(
        "mcp,county,amount\nalpha,Alameda,1000.00\nalpha,Fresno,500.00\nbeta,Alameda,2000.00\n", encoding="utf-8"
    )
    (data / "submissions").mkdir()
    filled_workbook(data / "submissions", name="alpha-2.xlsx")
    filled_workbook(data / "submissions", name="beta-2.xlsx", mcp="beta", counties=["Alameda"])
    shutil.copytree(SHIPPED, root / "measures", ignore=shutil.ignore_patterns("schema"))
    return root


@pytest.fixture
def year(small_year: Path, tmp_path: Path) -> Path:
    root = tmp_path / "year"
    shutil.copytree(small_year, root)
    (root / "out").mkdir()
    return root


# =========================================================================== hostile workbooks

XXE_SHEET = (
    '<?xml version="1.0" encoding="{encoding}"?>\n'
    '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>MCP</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>'
)


def _external_entity(good: Path, out: Path, encoding: str = "utf-8") -> Path:
    data = XXE_SHEET.format(encoding=encoding).encode(encoding)  # utf-16: with a BOM first, as Excel writes
    part = sheet_part(good, "Cover")
    return rewrite_parts(good, out, lambda name, old: data if name == part else old)


HOSTILE = {
    "billion-laughs": (lambda good, out: billion_laughs(good, out), "workbook-unsafe"),
    "external-entity": (lambda good, out: _external_entity(good, out), "workbook-unsafe"),
    "external-entity-utf16": (lambda good, out: _external_entity(good, out, "utf-16"), "workbook-unsafe"),
    "zip-bomb": (lambda good, out: zip_bomb(out, size=160 * 1024 * 1024), "workbook-too-large"),
    "zip-bomb-lying-headers": (
        lambda good, out: understate_size(
            zip_bomb(out, size=48 * 1024 * 1024, zip64=False), "xl/worksheets/sheet1.xml", 999
        ),
        "not-xlsx",
    ),
}


@pytest.fixture(scope="module")
def hostile(small_year: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    good = small_year / "data" / "submissions" / "alpha-2.xlsx"
    return {name: make(good, folder / f"{name}.xlsx") for name, (make, _) in HOSTILE.items()}


@pytest.mark.parametrize("command", ["score", "run"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_workbook_is_refused_with_exit_2_quickly_and_writes_nothing(
    name: str, command: str, hostile: dict[str, Path], year: Path, run_cli: RunCli
) -> None:
    target = year / "data" / "submissions" / "alpha-2.xlsx"
    shutil.copyfile(hostile[name], target)
    old_report = year / "out" / "report.xlsx"
    old_report.write_bytes(b"last week's report")
    if command == "score":
        argv = ["score", "data/submissions/alpha-2.xlsx", "--data", "data", "-o", "out/report.xlsx", "-f", "json"]
    else:
        argv = ["run", "--year", "1", "--data", "data", "--jobs", "1", "-o", "out/report.xlsx"]
    before = sha256_tree(year)

    started = time.perf_counter()
    code, out, err = run_cli(argv, cwd=year)
    elapsed = time.perf_counter() - started

    assert code == 2, (out, err)
    assert elapsed < 5, f"{name} took {elapsed:.1f} s to refuse"
    _, expected = HOSTILE[name]
    if command == "score":  # --format json: the error is JSON on stdout
        assert f'"code": "{expected}"' in out and '"file": "data/submissions/alpha-2.xlsx"' in out
        assert err == ""
    else:
        assert out == "" and err.count("\n") == 1
        assert err.startswith("error: data/submissions/alpha-2.xlsx: ") and err.rstrip().endswith(f"[{expected}]")
    assert "root:" not in out + err  # nothing of /etc/passwd
    assert old_report.read_bytes() == b"last week's report" and litter(year / "out") == []
    assert sha256_tree(year) == before


def test_without_defusedxml_no_workbook_is_read(year: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True  # the real thing: installed, and openpyxl reports using it
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert any(d.replace(" ", "").lower().startswith("defusedxml") for d in dependencies)
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    code, out, err = run_cli(["score", "data/submissions/alpha-2.xlsx", "-o", "out/score.txt"], cwd=year)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "defusedxml" in err and err.rstrip().endswith("[workbook-unsafe]")
    assert list((year / "out").iterdir()) == []


# =========================================================================== atomic -o


@pytest.mark.parametrize("fails_with", ["OSError", "RuntimeError"])
def test_a_failure_in_the_middle_of_writing_leaves_the_old_report_and_no_temporary_file(
    fails_with: str, year: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk (OSError: bad circumstances, exit 2) or a bug (exit 70) half-way through the zip."""
    from ipp_calc.io import report

    real_save = report._save

    def half_then_fail(sheets: object, stream: io.BufferedIOBase, **options: object) -> None:
        buffer = io.BytesIO()
        real_save(sheets, buffer)  # type: ignore[arg-type]
        stream.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        if fails_with == "OSError":
            raise OSError(28, "No space left on device")
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "_save", half_then_fail)
    old = year / "out" / "report.xlsx"
    old.write_bytes(b"last week's report")
    tmpdir = year / "systmp"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # let TMPDIR count for openpyxl's own temporary files

    code, _, err = run_cli(["run", "--year", "1", "--data", "data", "--jobs", "1", "-o", "out/report.xlsx"], cwd=year)

    assert code == (2 if fails_with == "OSError" else 70), err
    assert err.count("\n") == 1, err
    assert "No space left on device" in err if fails_with == "OSError" else "--debug" in err
    assert old.read_bytes() == b"last week's report"
    assert sorted(p.name for p in (year / "out").iterdir()) == ["report.xlsx"]
    assert list(tmpdir.iterdir()) == []  # not even openpyxl's temporary files


def test_a_failed_text_output_leaves_the_old_file(year: Path, run_cli: RunCli) -> None:
    old = year / "out" / "allocation.csv"
    old.write_text("old\n", encoding="utf-8")
    (year / "data" / "plans.csv").write_text("mcp,county\n", encoding="utf-8")  # bad input, found before writing
    code, _, err = run_cli(["allocate", "--year", "1", "--data", "data", "-f", "csv", "-o", old], cwd=year)
    assert code == 2 and all(line.startswith("error: ") for line in err.splitlines())  # a line per problem
    assert old.read_text(encoding="utf-8") == "old\n" and litter(year / "out") == []


def test_a_new_output_replaces_the_old_one_whole(year: Path, run_cli: RunCli) -> None:
    old = year / "out" / "allocation.json"
    old.write_text("x" * 100_000, encoding="utf-8")  # longer than the new one: no stale tail may remain
    code, _, err = run_cli(["allocate", "--year", "1", "--data", "data", "-f", "json", "-o", old], cwd=year)
    assert code == 0, err
    import json

    assert json.loads(old.read_text(encoding="utf-8"))["program_year"] == 1
    assert oct(old.stat().st_mode & 0o777) == oct(0o644)
    assert litter(year / "out") == []


@pytest.mark.parametrize("linked", [True, False], ids=["by-link", "by-copy"])
def test_atomic_write_publishes_whole_files_by_link_or_by_copy(
    linked: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file system cannot link an unnamed file into a folder, its content is copied to a
    hidden name and renamed; either way the target is whole, mode 0644, with nothing left beside it."""
    from ipp_calc.io import output

    if not linked:
        monkeypatch.setattr(output, "_link", lambda handle, name: False)
    target = tmp_path / "report.bin"
    target.write_bytes(b"old")
    payload = os.urandom(3 * 1024 * 1024 + 17)
    output.atomic_write(target, lambda stream: stream.write(payload))
    assert target.read_bytes() == payload
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.bin"]

    def no_rename(source: str, destination: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(output.os, "replace", no_rename)
    from ipp_calc.errors import InputError

    with pytest.raises(InputError) as caught:
        output.atomic_write(target, lambda stream: stream.write(b"new"))
    assert caught.value.first.code == "output-unwritable" and "Read-only" in caught.value.first.message
    assert target.read_bytes() == payload
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.bin"]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ipp_examples_generate_safety", ROOT / "examples" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def big_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated year of 200 MCPs (no workbooks: every plan is scored as nothing reported), whose
    report takes a second or more to write: long enough to kill ipp in the middle of it."""
    data = tmp_path_factory.mktemp("big-year") / "data"
    _load_generator().generate_data(data, mcps=200, seed=7)
    return data


def _fds_into(pid: int, folder: Path) -> bool:
    """Whether process ``pid`` has a file open in ``folder`` (the report being written)."""
    base = f"/proc/{pid}/fd"
    try:
        names = os.listdir(base)
    except OSError:
        return False
    prefix = str(folder.resolve()) + os.sep
    for name in names:
        try:
            if os.readlink(f"{base}/{name}").startswith(prefix):
                return True
        except OSError:
            continue
    return False


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_a_kill_while_writing_a_large_report_leaves_the_old_file_and_no_partial_one(
    big_year: Path, tmp_path: Path
) -> None:
    """SIGKILL runs no cleanup: the report must be written where a kill leaves nothing behind.

    The kill comes right after the process opens its output in out/ (seen in /proc), then later
    in the write; each time, out/ holds the old report unchanged, or (if the write won the race)
    the new report, complete. Never a truncated file, never a temporary one.
    """
    out = tmp_path / "out"
    out.mkdir()
    report = out / "report.xlsx"
    old = b"last week's report, still needed"
    env = {**os.environ, "PYTHONHASHSEED": "0", "TMPDIR": str(tmp_path)}
    env.pop("IPP_DEBUG", None)
    argv = [sys.executable, "-m", "ipp_calc", "run", "--year", "1", "--data", str(big_year), "--jobs", "1"]
    argv += ["-o", str(report), "--format", "csv"]
    watch = Path("/proc/self/fd").is_dir()
    outcomes = []
    for delay in (0.0, 0.15, 0.5, 1.0):
        report.write_bytes(old)
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = time.monotonic()
            if watch:  # wait until the report is being written, then give it ``delay`` more
                while process.poll() is None and not _fds_into(process.pid, out) and time.monotonic() - started < 60:
                    time.sleep(0.002)
            else:
                time.sleep(2.0)
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
        assert sorted(p.name for p in out.iterdir()) == ["report.xlsx"], list(out.iterdir())
        if report.read_bytes() == old:
            outcomes.append("old file")
        else:  # the write finished before the kill: the new report, whole
            wb = openpyxl.load_workbook(report, read_only=True)
            assert wb.sheetnames[:3] == ["Summary", "Allocation", "Scores"]
            wb.close()
            outcomes.append("new file")
    assert outcomes[0] == "old file", outcomes  # killed the moment the write began: nothing of it shows


# =========================================================================== -o never overwrites an input

OUTPUT_IS_INPUT = {
    "allocate-plans": ["allocate", "--year", "1", "--data", "data", "-o", "data/plans.csv"],
    "allocate-via-dotdot": ["allocate", "--year", "1", "--data", "data", "-o", "data/../data/elections.yaml"],
    "allocate-allocation-csv": ["allocate", "--year", "1", "--data", "data", "-f", "csv", "-o", "data/allocation.csv"],
    "pool-elections": ["pool", "--year", "1", "--data", "data", "--jobs", "1", "-o", "data/elections.yaml"],
    "run-workbook": ["run", "--year", "1", "--data", "data", "--jobs", "1", "-o", "data/submissions/alpha-2.xlsx"],
    "run-targets-as-csv": [
        "run",
        "--year",
        "1",
        "--data",
        "data",
        "--jobs",
        "1",
        "-f",
        "csv",
        "-o",
        "data/targets.csv",
    ],
    "score-itself": ["score", "data/submissions/alpha-2.xlsx", "-o", "data/submissions/alpha-2.xlsx"],
    "score-plans": ["score", "data/submissions/alpha-2.xlsx", "--data", "data", "-o", "data/plans.csv"],
    "explain-targets": [
        "explain",
        "--year",
        "1",
        "--mcp",
        "alpha",
        "--data",
        "data",
        "--jobs",
        "1",
        "-o",
        "data/targets.csv",
    ],
    "template-from": [
        *("template", "--year", "1", "-s", "2", "--mcp", "alpha", "--counties", "Alameda,Fresno"),
        *("--from", "data/submissions/alpha-2.xlsx", "-o", "data/submissions/alpha-2.xlsx"),
    ],
    "template-over-plans": [
        "template",
        "--year",
        "1",
        "-s",
        "2",
        "--mcp",
        "alpha",
        "--data",
        "data",
        "-o",
        "data/plans.csv",
    ],
    "check-program": ["check", "measures/py1", "-o", "measures/py1/program.yaml"],
    "check-default-measures": ["check", "--measures", "measures", "-o", "measures/py2/program.yaml"],
    "check-a-sibling-of-the-file": ["check", "measures/py1/program.yaml", "-o", "measures/py1/submission-2.yaml"],
    "pool-workbook": ["pool", "--year", "1", "--data", "data", "--jobs", "1", "-o", "data/submissions/beta-2.xlsx"],
    "explain-workbook": [
        *("explain", "--year", "1", "--mcp", "beta", "--data", "data", "--jobs", "1"),
        *("-o", "data/submissions/beta-2.xlsx"),
    ],
    "check-through-a-link": ["check", "measures/py1", "-o", "link-to-program.yaml"],
    "diff-old": ["diff", "measures/py1", "new/py1", "-o", "measures/py1/submission-1.yaml"],
    "diff-data": ["diff", "measures/py1", "new/py1", "--data", "data", "--jobs", "1", "-o", "data/plans.csv"],
}


@pytest.mark.parametrize("name", sorted(OUTPUT_IS_INPUT))
def test_output_naming_an_input_is_refused_and_the_input_is_untouched(name: str, year: Path, run_cli: RunCli) -> None:
    shutil.copytree(year / "measures", year / "new")
    (year / "link-to-program.yaml").symlink_to(year / "measures" / "py1" / "program.yaml")
    before = sha256_tree(year)
    code, out, err = run_cli(OUTPUT_IS_INPUT[name], cwd=year)
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.rstrip().endswith("[output-is-input]"), err
    assert sha256_tree(year) == before
    assert [p for p in year.rglob("*") if p.name.endswith(".ipp-tmp")] == []


# =========================================================================== inputs: unchanged, read-only


def _matrix(year: Path) -> list[list[str]]:
    """Every command of the CLI, in its formats and with -o, on the small year."""
    wb = "data/submissions/alpha-2.xlsx"
    common = ["--data", "data"]
    runs: list[list[str]] = [
        ["check"],
        ["check", "measures", "-f", "json", "-o", "out/check.json"],
        ["check", "measures/py1/program.yaml"],
        ["template", "--year", "1", "-s", "1", "--mcp", "alpha", *common, "-o", "out/alpha-1.xlsx"],
        ["template", "--year", "1", "-s", "2", "--mcp", "alpha", *common, "--from", wb, "-o", "out/alpha-2.xlsx"],
        ["schema", "-o", "out"],
        ["diff", "measures/py1", "new/py1"],
        ["diff", "measures/py1", "new/py1", *common, "--jobs", "1", "-f", "json", "-o", "out/diff.json"],
        ["diff", "measures/py1", "new/py1", "-f", "markdown", "-o", "out/diff.md"],
        ["run", "--year", "1", *common, "--jobs", "1", "-o", "out/report.xlsx"],
        ["run", "--year", "1", *common, "--jobs", "2", "-f", "json"],
        ["explain", "--year", "1", "--mcp", "beta", *common, "--jobs", "1", "-f", "json", "-o", "out/beta.json"],
    ]
    for fmt in ("table", "json", "csv"):
        runs += [
            ["allocate", "--year", "1", *common, "-f", fmt, "-o", f"out/allocate.{fmt}"],
            ["allocate", "--year", "1", *common, "--measures", "measures", "--mcp", "alpha", "-f", fmt],
            ["score", wb, *common, "-f", fmt, "-o", f"out/score.{fmt}"],
            ["score", wb, "-f", fmt],
            ["pool", "--year", "1", *common, "--jobs", "1", "-f", fmt, "-o", f"out/pool.{fmt}"],
            ["run", "--year", "1", *common, "--jobs", "1", "-f", fmt, "-o", f"out/run.{fmt}"],
        ]
    return runs


@pytest.fixture
def opened_for_writing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every file the process opens in a mode that could change it: (path, mode)."""
    seen: list[tuple[str, str]] = []
    real_open, real_os_open = io.open, os.open
    writes = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

    def spy_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if isinstance(file, str | bytes | os.PathLike) and any(c in mode for c in "wax+"):
            seen.append((os.fsdecode(file), mode))  # type: ignore[arg-type]
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    def spy_os_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & writes:
            seen.append((os.fsdecode(path), f"flags {flags:#o}"))  # type: ignore[arg-type]
        return real_os_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    yield seen


def test_no_command_changes_or_opens_for_writing_any_input(
    year: Path, run_cli: RunCli, opened_for_writing: list[tuple[str, str]]
) -> None:
    """The CLI test matrix: sha256 of every input file is the same after every command, and no
    input is ever opened in a writing mode (outputs go to out/ only)."""
    new = shutil.copytree(year / "measures", year / "new")
    program = new / "py1" / "submission-1.yaml"
    program.write_text(program.read_text(encoding="utf-8").replace("points: 20", "points: 25", 1), encoding="utf-8")
    inputs = sha256_tree(year)
    if os.geteuid() != 0:  # read-only files prove read-only opening too (root may write anyway)
        for path in year.rglob("*"):
            if path.is_file() and "out" not in path.relative_to(year).parts:
                path.chmod(0o444)
    ran = 0
    for argv in _matrix(year):
        opened_for_writing.clear()
        code, out, err = run_cli(argv, cwd=year)
        assert code in (0, 1), (argv, err)
        assert "Traceback" not in out + err
        assert sha256_tree(year) == inputs, argv
        outside = [
            (path, mode)
            for path, mode in opened_for_writing
            if not Path(path).resolve().is_relative_to((year / "out").resolve())
            and Path(path).resolve().is_relative_to(year.resolve())
        ]
        assert outside == [], (argv, outside)
        ran += 1
    assert ran >= 25
    assert litter(year / "out") == []


# =========================================================================== formula injection


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_that_would_run_as_a_formula_gets_a_leading_quote(start: str) -> None:
    import csv

    assert _FORMULA_START == FORMULA_STARTS
    assert neutralise(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"
    text = csv_text(["name", "amount", "count"], [[f"{start}1+1", Decimal("-1.50"), -3]])
    assert list(csv.reader(io.StringIO(text))) == [["name", "amount", "count"], [f"'{start}1+1", "-1.50", "-3"]]


@pytest.mark.parametrize("value", [Decimal("-1.50"), -3, 2.5, 0, None, True, "plain", "a=b", "1-2", "", "'=x"])
def test_numbers_and_harmless_text_stay_as_they_are(value: object) -> None:
    assert neutralise(value) is value


HOSTILE_IDS = {
    '=HYPERLINK("http://x")': "Alameda",
    "+cmd": "Fresno",
    "-2+3": "Kern",
    "@SUM(A1)": "Alameda",
}


@pytest.fixture
def hostile_ids(tmp_path: Path) -> Path:
    """A data folder whose MCP ids start like formulas (a county cannot: only California's 58 are read)."""
    data = tmp_path / "data"
    data.mkdir()
    rows = ["mcp,county,member_months,revenue,wpc,hhp"]
    elections = []
    supports = "[Housing Deposits, Respite Services, Asthma Remediation]"
    for index, (mcp, county) in enumerate(HOSTILE_IDS.items()):
        rows.append(f'"{mcp.replace(chr(34), chr(34) * 2)}",{county},{1000 + index},{100000 + index}.00,yes,no')
        quoted = mcp.replace("\\", "\\\\").replace('"', '\\"')
        elections.append(f'"{quoted}":\n  flexible: {{1: "0.30"}}\n  community_supports: {supports}\n')
    rows.append('"=1+2",Yolo,10,10.00,no,no')
    elections.append(f'"=1+2":\n  flexible: {{1: "0.30"}}\n  community_supports: {supports}\n')
    (data / "plans.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (data / "elections.yaml").write_text("".join(elections), encoding="utf-8")
    (data / "submissions").mkdir()  # none filed yet: every plan scores "nothing reported"
    return data


def _looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def test_csv_outputs_neutralise_formula_like_ids_and_keep_numbers(
    hostile_ids: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    import csv

    for command in (["allocate"], ["pool", "--jobs", "1"], ["run", "--jobs", "1"]):
        code, out, err = run_cli([*command, "--year", "1", "--data", hostile_ids, "-f", "csv"], cwd=tmp_path)
        assert code in (0, 1), err
        rows = list(csv.reader(io.StringIO(out)))
        cells = [cell for row in rows[1:] for cell in row]
        assert not [c for c in cells if _looks_like_formula(c)], command
        for mcp in HOSTILE_IDS:
            assert f"'{mcp}" in cells, (mcp, command)
        money = [c for c in cells if c.replace(".", "", 1).isdigit() and "." in c]
        assert money and all(Decimal(c) >= 0 for c in money)  # amounts are plain numbers, not quoted


def test_the_report_workbook_holds_no_formula_but_its_own_totals_and_numbers_as_numbers(
    hostile_ids: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    report = tmp_path / "report.xlsx"
    code, _, err = run_cli(["run", "--year", "1", "--data", hostile_ids, "--jobs", "1", "-o", report, "-f", "csv"])
    assert code in (0, 1), err
    wb = openpyxl.load_workbook(report)  # not data_only: a formula would show as one
    texts: list[str] = []
    numbers = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    # the only formulas are ipp's own totals that follow a filter: no text in them
                    assert re.fullmatch(r"=SUBTOTAL\(109,[A-Z]+\d+:[A-Z]+\d+\)", str(cell.value)), (
                        ws.title,
                        cell.coordinate,
                        cell.value,
                    )
                    continue
                if isinstance(cell.value, str):
                    assert not _looks_like_formula(cell.value), (ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
                elif isinstance(cell.value, int | float | Decimal) and not isinstance(cell.value, bool):
                    numbers += 1
    for mcp in HOSTILE_IDS:
        assert f"'{mcp}" in texts, mcp
    assert "'=1+2" in texts  # the MCP in Yolo
    assert numbers > 50  # money, points, shares: stored as numbers


def test_text_carried_into_a_new_template_never_becomes_a_formula(year: Path, run_cli: RunCli, tmp_path: Path) -> None:
    """Notes an MCP typed (``=cmd|…``, ``@SUM``, ``-1+2``) come back as text in a template made from its answers."""
    previous = year / "data" / "submissions" / "alpha-2.xlsx"
    notes = {
        ("1.1", "All"): "=cmd|' /C calc'!A0",
        ("2.4", "Fresno"): "@SUM(1+1)*cmd|' /C calc'!A0",
        ("2.4", "Alameda"): "-1+2",
        ("3.4", "Alameda"): "+A1",
    }

    def type_as_text(wb: openpyxl.Workbook) -> None:  # as Excel stores text typed after a leading '
        ws = wb["Responses"]
        rows, letter = rows_by_key(ws), column_letter(ws, "Notes")
        for key, text in notes.items():
            cell = ws[f"{letter}{rows[key]}"]
            cell.value = text
            cell.data_type = "s"

    edit(previous, type_as_text)
    # ``--from`` carries only declared Responses, never notes; a template made from a plan's answers
    # (the library's ``answers=``, as the examples are made) still takes its notes, as text.
    from ipp_calc.io.measures import load_year, shipped_measures_dir
    from ipp_calc.io.template import write_template
    from ipp_calc.io.workbook import read_submission

    ms = load_year(shipped_measures_dir(), 1)
    answers = read_submission(previous, ms)
    write_template(ms, 2, "alpha", ["Alameda", "Fresno"], tmp_path / "next.xlsx", answers=answers)
    wb = openpyxl.load_workbook(tmp_path / "next.xlsx")
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.lstrip("'") in notes.values():
                    assert cell.data_type == "s" and cell.value.startswith("'"), (cell.coordinate, cell.value)
                    found.append(cell.value)
    assert sorted(v.lstrip("'") for v in found) == sorted(notes.values())


# =========================================================================== a bug: exit 70

SECRET = "PLAN-DATA-alpha-capitation-9876543210"


def _boom(*args: object, **kwargs: object) -> None:
    secret_local = SECRET  # what show-locals would print
    raise ZeroDivisionError(f"division by zero near {len(secret_local)} cells")


def test_an_unexpected_exception_is_one_line_exit_70_without_plan_data(
    year: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ipp_calc.cli import app
    from ipp_calc.core import allocation

    assert app.pretty_exceptions_show_locals is False
    monkeypatch.setattr(allocation, "allocate", _boom)
    for fmt in ("table", "json"):
        code, out, err = run_cli(["allocate", "--year", "1", "--data", "data", "-f", fmt, "-o", "out/a.txt"], cwd=year)
        assert code == 70
        assert out == ""
        lines = err.splitlines()
        assert len(lines) == 1, err
        assert "internal error" in lines[0] and "--debug" in lines[0] and "ZeroDivisionError" in lines[0]
        assert "Traceback" not in err and SECRET not in err and "secret_local" not in err
        assert list((year / "out").iterdir()) == []


def test_debug_shows_the_traceback_of_a_bug_but_not_the_locals(year: Path) -> None:
    script = (
        "import sys\n"
        "from ipp_calc.core import allocation\n"
        "def boom(*a, **k):\n"
        f"    secret_local = {SECRET!r}\n"
        "    raise ZeroDivisionError('division by zero')\n"
        "allocation.allocate = boom\n"
        "from ipp_calc.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    argv = [sys.executable, "-c", script, "allocate", "--year", "1", "--data", "data"]
    env = {k: v for k, v in os.environ.items() if k != "IPP_DEBUG"}
    quiet = subprocess.run(argv, cwd=year, capture_output=True, text=True, env=env, timeout=60)
    assert quiet.returncode == 70 and quiet.stderr.count("\n") == 1 and "Traceback" not in quiet.stderr
    loud = subprocess.run([*argv, "--debug"], cwd=year, capture_output=True, text=True, env=env, timeout=60)
    assert loud.returncode != 0
    assert "Traceback (most recent call last)" in loud.stderr and "ZeroDivisionError" in loud.stderr
    assert SECRET not in loud.stderr  # the frames, not their locals (a -c script shows no source lines)
