"""The console script leaves with ``os._exit`` once its output is flushed (issue 18): nothing of
what it printed or wrote may be lost, and the exit code is the contract's."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "py1"


def _ipp(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    # python -m ipp_calc calls main() with no argv, as the ``ipp`` script does: the fast exit.
    return subprocess.run([sys.executable, "-m", "ipp_calc", *args], capture_output=True, timeout=300, cwd=cwd)


def test_a_piped_table_the_report_workbook_and_the_exit_code_all_survive_the_fast_exit(tmp_path: Path) -> None:
    report = tmp_path / "report.xlsx"
    done = _ipp("run", "--year", "1", "--data", str(EXAMPLE), "-o", str(report), cwd=tmp_path)
    in_process = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ipp_calc.cli import main; main(sys.argv[1:])",
            "run",
            "--year",
            "1",
            "--data",
            str(EXAMPLE),
        ],
        capture_output=True,
        timeout=300,
        cwd=tmp_path,
    )
    # The same table, byte for byte, as main(argv) (which exits through sys.exit) prints, to its
    # last line (the reconciliation), and the same exit code.
    assert done.stdout == in_process.stdout
    assert done.stdout.rstrip().splitlines()[-1].endswith(b"yes")
    assert done.returncode == in_process.returncode
    with zipfile.ZipFile(report) as archive:  # the workbook is complete: every part's CRC checks
        assert archive.testzip() is None and "xl/workbook.xml" in archive.namelist()
    assert b"wrote the report workbook" in done.stderr


def test_an_input_error_still_exits_2_with_its_message(tmp_path: Path) -> None:
    done = _ipp("score", str(tmp_path / "missing.xlsx"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.decode().startswith("error:") and b"[file-not-found]" in done.stderr


_THRESHOLD_AFTER_MAIN = """
import gc, sys
sys.settrace(lambda *a: None)  # a tracer: main leaves through sys.exit, so this line runs after
from ipp_calc.cli import main
try:
    main({argv})
except SystemExit:
    pass
print(gc.get_threshold()[0])
"""


def test_the_console_script_collects_cycles_less_often_and_an_in_process_call_keeps_its_gc(tmp_path: Path) -> None:
    """``ipp`` (main() with no argv) raises the young-generation threshold from CPython's 700 to
    cli.GC_YOUNG_THRESHOLD (bench/: ~65 ms of a statewide ``ipp run`` was the collector); a
    test or library calling main(argv) keeps the threshold it had."""
    from ipp_calc.cli import GC_YOUNG_THRESHOLD

    def threshold(argv: str, *args: str) -> int:
        code = _THRESHOLD_AFTER_MAIN.format(argv=argv)
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, timeout=120, cwd=tmp_path)
        return int(done.stdout.split()[-1])

    assert threshold("", "--version") == GC_YOUNG_THRESHOLD == 100_000
    assert threshold("['--version']") == 700  # CPython's default, untouched
