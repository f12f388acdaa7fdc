"""A year's workbooks read by forked children (io/year_loader.WorkbookReading, issue 18): the same
submissions in the same order as one process reads them; a child that dies leaves its share to
the parent; children not collected are stopped; the shares keep the paths' order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ipp_calc.io import year_loader
from ipp_calc.io.measures import load_year
from ipp_calc.io.year_loader import WorkbookReading, read_workbooks, workbook_paths

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "py1"
MEASURES = ROOT / "measures"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the parallel reader forks")


def _paths() -> list[Path]:
    paths, _ = workbook_paths(EXAMPLE / "submissions")
    assert len(paths) >= 2 * year_loader.MIN_PER_WORKER  # enough for two processes
    return paths


def test_two_and_three_processes_read_what_one_reads_in_the_same_order() -> None:
    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    for jobs in (2, 3):
        reading = WorkbookReading(paths, ms, MEASURES, jobs=jobs)
        assert len(reading.chunks) == jobs and len(reading.children) == jobs - 1
        with reading:
            assert reading.finish() == alone


def test_a_child_that_dies_leaves_its_workbooks_to_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    parent = os.getpid()
    real = year_loader._read_safe

    def dies_in_a_child(*args: object) -> object:
        if os.getpid() != parent:
            os._exit(9)  # as if killed half-way (out of memory, a signal)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(year_loader, "_read_safe", dies_in_a_child)
    assert read_workbooks(paths, ms, MEASURES, jobs=2) == alone


def test_children_not_collected_are_stopped_and_reaped_when_an_error_comes_first() -> None:
    ms = load_year(MEASURES, 1)
    pids: list[int] = []
    with pytest.raises(RuntimeError), WorkbookReading(_paths(), ms, MEASURES, jobs=2) as reading:
        pids = [pid for pid, _ in reading.children]
        raise RuntimeError("the data folder was refused")
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):  # already reaped: no zombie left behind
        os.waitpid(pids[0], os.WNOHANG)


def test_the_shares_keep_the_paths_order_and_weigh_by_bytes(tmp_path: Path) -> None:
    sizes = [10, 10, 10, 10, 40, 10, 10]  # 100 bytes in all
    paths = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"w{number}.xlsx"
        path.write_bytes(b"x" * size)
        paths.append(path)
    # Two equal shares of 50: w0..w3 is 40, and w4's middle (60) is past 50, so w4 starts the second.
    assert year_loader._chunks(paths, 2) == [paths[:4], paths[4:]]
    # First weight 1.5 of three: shares of 100 / 3.5 = 28.6, the first 42.9 (boundaries 42.9, 71.4).
    # w0..w3 end at 40; w4's middle (60) is past 42.9, so it opens the second; w5's middle (85)
    # is past 71.4, so it opens the third.
    assert year_loader._chunks(paths, 3, 1.5) == [paths[:4], paths[4:5], paths[5:]]
    assert [p for chunk in year_loader._chunks(paths, 4) for p in chunk] == paths


def test_too_few_workbooks_for_a_second_process_are_read_here() -> None:
    ms = load_year(MEASURES, 1)
    few = _paths()[: 2 * year_loader.MIN_PER_WORKER - 1]
    with WorkbookReading(few, ms, MEASURES, jobs=2) as reading:
        assert reading.children == [] and reading.chunks == [few]
        assert len(reading.finish()) == len(few)
