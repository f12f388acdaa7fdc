"""A year's workbooks read by forked children (io/year_loader.WorkbookReading, issue 18): every
process claims the next workbook from one queue, largest first; the result is what one process
reads, in the same order, whoever read what; a child that dies or sends garbage leaves its
workbooks to the parent; children not collected are stopped."""

from __future__ import annotations

import fcntl
import os
import struct
import termios
import time
from pathlib import Path

import pytest

from ipp_calc.errors import InputError
from ipp_calc.io import forked, year_loader
from ipp_calc.io.measures import load_year
from ipp_calc.io.year_loader import WorkbookReading, claim_order, read_workbooks, workbook_paths

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "py1"
MEASURES = ROOT / "measures"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the parallel reader forks")


def _paths() -> list[Path]:
    paths, _ = workbook_paths(EXAMPLE / "submissions")
    assert len(paths) >= 2 * year_loader.MIN_PER_WORKER  # enough for two processes
    return paths


def _until_every_claim_is_taken(reading: WorkbookReading) -> None:
    """Stand by, as a parent busy with the data folder would, until the children have claimed
    every workbook (the queue's pipe is empty)."""
    assert reading.claims is not None and reading.claims.read_end is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = struct.unpack("i", fcntl.ioctl(reading.claims.read_end, termios.FIONREAD, b"\0\0\0\0"))[0]
        if waiting == 0:
            return
        time.sleep(0.01)
    raise AssertionError("the child never claimed every workbook")


def test_two_and_three_processes_read_what_one_reads_in_the_same_order() -> None:
    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    for jobs in (2, 3):
        reading = WorkbookReading(paths, ms, MEASURES, jobs=jobs)
        assert len(reading.children) == jobs - 1
        with reading:
            assert reading.finish() == alone


def test_workbooks_are_claimed_largest_first_ties_in_path_order() -> None:
    # Sizes 10, 40, 10, 25: the 40-byte one (1), the 25 (3), then the two 10s in path order (0, 2).
    assert claim_order([10, 40, 10, 25]) == [1, 3, 0, 2]
    assert claim_order([]) == []


def test_a_parent_busy_meanwhile_leaves_every_workbook_to_the_child_and_reads_none_twice() -> None:
    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    with WorkbookReading(paths, ms, MEASURES, jobs=2) as reading:
        _until_every_claim_is_taken(reading)
        assert reading.finish() == alone
    assert reading.read_here == []


def test_a_slow_child_leaves_most_workbooks_to_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    parent = os.getpid()
    real = year_loader._read_safe

    def slow_in_a_child(*args: object) -> object:
        if os.getpid() != parent:
            time.sleep(0.5)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(year_loader, "_read_safe", slow_in_a_child)
    with WorkbookReading(paths, ms, MEASURES, jobs=2) as reading:
        assert reading.finish() == alone
    assert len(reading.read_here) > len(paths) / 2
    assert len(set(reading.read_here)) == len(reading.read_here)  # none twice here


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


def test_a_child_that_sends_garbage_is_stopped_and_its_workbooks_are_read_here(monkeypatch: pytest.MonkeyPatch) -> None:
    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    parent = os.getpid()
    real = forked.pickle.dumps

    def garbage_in_a_child(obj: object, protocol: int | None = None) -> bytes:
        return b"not a pickle" if os.getpid() != parent else real(obj, protocol=protocol)

    monkeypatch.setattr(forked.pickle, "dumps", garbage_in_a_child)
    with WorkbookReading(paths, ms, MEASURES, jobs=2) as reading:
        _until_every_claim_is_taken(reading)
        assert reading.finish() == alone
    assert sorted(reading.read_here) == list(range(len(paths)))  # every one, once, here


def test_more_workbooks_than_claims_are_claimed_in_batches() -> None:
    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    with WorkbookReading(paths, ms, MEASURES, jobs=2, max_claims=3) as reading:
        assert reading.claims is not None
        assert reading.claims.batch == -(-len(paths) // 3)  # three claims in all, the last one short
        assert reading.finish() == alone


def test_children_not_collected_are_stopped_and_reaped_when_an_error_comes_first() -> None:
    ms = load_year(MEASURES, 1)
    pids: list[int] = []
    with pytest.raises(RuntimeError), WorkbookReading(_paths(), ms, MEASURES, jobs=2) as reading:
        pids = [child.pid for child in reading.children]
        raise RuntimeError("the data folder was refused")
    assert len(pids) == 1 and reading.claims is not None and reading.claims.read_end is None
    with pytest.raises(ChildProcessError):  # already reaped: no zombie left behind
        os.waitpid(pids[0], os.WNOHANG)


def test_too_few_workbooks_for_a_second_process_are_read_here() -> None:
    ms = load_year(MEASURES, 1)
    few = _paths()[: 2 * year_loader.MIN_PER_WORKER - 1]
    with WorkbookReading(few, ms, MEASURES, jobs=2) as reading:
        assert reading.children == [] and reading.claims is None
        assert len(reading.finish()) == len(few)
    assert reading.read_here == list(range(len(few)))


def test_a_refused_workbook_read_by_a_child_comes_back_as_the_same_refusal(tmp_path: Path) -> None:
    """An InputError survives the pipe (errors.InputError pickles as its findings): it is not
    read again here, and the refusal is the one a single process gives."""
    import shutil

    folder = tmp_path / "py1"
    shutil.copytree(EXAMPLE, folder)
    paths, _ = workbook_paths(folder / "submissions")
    paths[-1].write_bytes(b"not a workbook")
    ms = load_year(MEASURES, 1)
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    with WorkbookReading(paths, ms, MEASURES, jobs=2) as reading:
        _until_every_claim_is_taken(reading)  # the child reads every workbook, the refused one too
        both = reading.finish()
    assert reading.read_here == []  # nothing read twice
    refusal = both[-1]
    assert isinstance(refusal, InputError) and isinstance(alone[-1], InputError)
    assert refusal.findings == alone[-1].findings and refusal.findings[0].code == "not-xlsx"
    assert both[:-1] == alone[:-1]


@pytest.mark.parametrize("fails", ["fork", "pipe"])
def test_no_process_or_pipe_to_be_had_reads_everything_here(fails: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """EAGAIN from fork (a process limit), EMFILE from pipe (a descriptor limit): the workbooks
    are read by this process alone, with the same result, and no descriptor is left open."""
    import errno

    ms = load_year(MEASURES, 1)
    paths = _paths()
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    code = errno.EAGAIN if fails == "fork" else errno.EMFILE

    def refused(*args: object) -> object:
        raise OSError(code, os.strerror(code))

    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    monkeypatch.setattr(forked.os, fails, refused)
    with WorkbookReading(paths, ms, MEASURES, jobs=2) as reading:
        assert reading.children == [] and reading.claims is None
        assert reading.finish() == alone
    assert reading.read_here == list(range(len(paths)))
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
