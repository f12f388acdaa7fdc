"""A year's workbooks read by forked children (io/year_loader.WorkbookReading, issue 18): the same
submissions in the same order as one process reads them; a child that dies leaves its share to
the parent; children not collected are stopped; the shares keep the paths' order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ipp_calc.errors import InputError
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
    paths = [tmp_path / f"w{n}.xlsx" for n in range(len(sizes))]
    chunks = year_loader._chunks
    # First 50 of 100: w0..w3 is 40, and w4's middle byte (60) is past 50, so w4 starts the second.
    assert chunks(paths, sizes, 2, 50) == [paths[:4], paths[4:]]
    # First 30, the other two 35 each (boundaries 30 and 65): middles 5, 15, 25 | 35, 60 | 85, 95.
    assert chunks(paths, sizes, 3, 30) == [paths[:3], paths[3:5], paths[5:]]
    # The first share 0: this process reads nothing and the one child everything (no empty run).
    assert chunks(paths, sizes, 2, 0) == [paths]
    assert [p for chunk in chunks(paths, sizes, 4, 25) for p in chunk] == paths


def test_this_process_takes_less_the_more_of_the_data_folder_it_reads_meanwhile() -> None:
    """own + 1.5 x meanwhile = 160,000 + 1.04 x (total - own), for two processes."""
    share = WorkbookReading._own_share
    # A statewide year: 804,712 workbook bytes, a 49,442-byte data folder:
    # own = (160,000 + 1.04 x 804,712 - 1.5 x 49,442) / 2.04 = (160,000 + 836,900.5 - 74,163) / 2.04
    #     = 922,737.5 / 2.04 = 452,322.3: 56 % of the bytes, this process takes more than the child.
    assert share(804_712, 2, 49_442) == pytest.approx(452_322.3, abs=0.1)
    # A 30x year: 23,074,371 and 1,206,751 bytes: own = (160,000 + 23,997,345.8 - 1,810,126.5) / 2.04
    #     = 22,347,219.3 / 2.04 = 10,954,519.3: 47 %, less than the child.
    assert share(23_074_371, 2, 1_206_751) == pytest.approx(10_954_519.3, abs=0.1)
    assert share(100, 2, 10_000_000) == 0.0 and share(100, 2, 0) == 100.0  # kept between none and all


def test_too_few_workbooks_for_a_second_process_are_read_here() -> None:
    ms = load_year(MEASURES, 1)
    few = _paths()[: 2 * year_loader.MIN_PER_WORKER - 1]
    with WorkbookReading(few, ms, MEASURES, jobs=2) as reading:
        assert reading.children == [] and reading.chunks == [few]
        assert len(reading.finish()) == len(few)


def test_a_refused_workbook_in_a_childs_share_comes_back_as_the_same_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An InputError survives the pipe (errors.InputError pickles as its findings): the child's
    share is not read again here, and the refusal is the one a single process gives."""
    import shutil

    folder = tmp_path / "py1"
    shutil.copytree(EXAMPLE, folder)
    paths, _ = workbook_paths(folder / "submissions")
    paths[-1].write_bytes(b"not a workbook")  # the last path: in the child's share
    ms = load_year(MEASURES, 1)
    alone = read_workbooks(paths, ms, MEASURES, jobs=1)
    parent = os.getpid()
    read_here: list[Path] = []
    real = year_loader._read_safe

    def counted(path: Path, *args: object) -> object:
        if os.getpid() == parent:
            read_here.append(path)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(year_loader, "_read_safe", counted)
    with WorkbookReading(paths, ms, MEASURES, jobs=2) as reading:
        own = reading.chunks[0]
        assert paths[-1] not in own
        both = reading.finish()
    assert read_here == own  # nothing read twice
    refusal = both[-1]
    assert isinstance(refusal, InputError) and isinstance(alone[-1], InputError)
    assert refusal.findings == alone[-1].findings and refusal.findings[0].code == "not-xlsx"
    assert both[:-1] == alone[:-1]
