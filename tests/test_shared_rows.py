"""A report's longest sheet rendered by forked children and this process at once, run by run
(io/xlsx_rows.SharedRows, issue 18): the workbook is the same to the byte as one process writes,
wherever the processes meet, whatever a child does (dies, sends garbage), and a sheet whose rows
are not all plain values is written as usual. Runs are made short here (16 rows) so that the
example year's Scores sheet has many."""

from __future__ import annotations

import fcntl
import io
import os
import struct
import termios
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ipp_calc.app.year import Year, load
from ipp_calc.io import forked, xlsx, xlsx_rows
from ipp_calc.io.report import Provenance, write_report
from ipp_calc.io.sheetmodel import CellFormat, Formula, MadeRows, SheetModel, WorkbookModel
from ipp_calc.io.xlsx import shared_sheet, write_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "py1"
MADE = Provenance(command="ipp run --year 1", made=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

pytestmark = pytest.mark.skipif(not forked.can_fork(), reason="the shared sheet forks")


@pytest.fixture(scope="module")
def year() -> Year:
    loaded, _ = load(1, EXAMPLE, jobs=1)
    return loaded


@pytest.fixture(autouse=True)
def short_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_rows, "RUN_ROWS", 16)
    monkeypatch.setattr(xlsx, "MIN_SHARED_ROWS", 32)


def _report(year: Year, tmp_path: Path, jobs: int) -> bytes:
    path = tmp_path / f"report-{jobs}.xlsx"
    write_report(
        year.result,
        path,
        notes=list(year.notes),
        sources=year.loaded.data.sources,
        workbooks=year.loaded.workbooks,
        provenance=MADE,
        jobs=jobs,
    )
    return path.read_bytes()


def _runs_taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many runs each sheet written from runs had (a spy on RowsWorksheet.take_runs)."""
    taken: list[int] = []
    real = xlsx_rows.RowsWorksheet.take_runs

    def spy(self: Any, runs: Any, look_of: Any) -> None:
        taken.append(len(runs))
        real(self, runs, look_of)

    monkeypatch.setattr(xlsx_rows.RowsWorksheet, "take_runs", spy)
    return taken


def _until_every_run_is_claimed(shared: Any) -> None:
    """Stand by, taking what arrives (a child blocks once its pipe is full), until the children
    have claimed every run."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        end = shared.claims.read_end
        if end is None or struct.unpack("i", fcntl.ioctl(end, termios.FIONREAD, b"\0\0\0\0"))[0] == 0:
            return
        for child in shared.children:
            shared._take(child, wait=False)
        time.sleep(0.01)
    raise AssertionError("the child never claimed every run")


def test_the_report_written_by_two_or_three_processes_is_the_same_to_the_byte(
    year: Year, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _report(year, tmp_path, 1)
    taken = _runs_taken(monkeypatch)
    assert _report(year, tmp_path, 2) == alone
    assert _report(year, tmp_path, 3) == alone
    scores = sum(len(score.measures) for score in year.result.scores)  # the Scores sheet: a row per measure row
    assert len(taken) == 2 and taken[0] == taken[1] >= 4  # the Scores sheet, from runs, both times
    assert taken[0] == -(-(scores + 1) // 16)  # its rows (and header) in runs of 16


def test_a_parent_that_comes_late_takes_every_run_from_the_child(
    year: Year, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _report(year, tmp_path, 1)
    parent = os.getpid()
    here: list[int] = []
    real_render, real_finish = xlsx_rows.render_run, xlsx_rows.SharedRows.finish

    def counted(number: int, *args: Any) -> Any:
        if os.getpid() == parent:
            here.append(number)
        return real_render(number, *args)

    def late(self: Any) -> Any:
        _until_every_run_is_claimed(self)
        return real_finish(self)

    monkeypatch.setattr(xlsx_rows, "render_run", counted)
    monkeypatch.setattr(xlsx_rows.SharedRows, "finish", late)
    assert _report(year, tmp_path, 2) == alone
    assert here == []  # every run came from the child, none rendered twice


def test_a_slow_child_leaves_most_runs_to_the_parent(
    year: Year, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _report(year, tmp_path, 1)
    parent = os.getpid()
    here: list[int] = []
    real = xlsx_rows.render_run

    def slow_in_a_child(number: int, *args: Any) -> Any:
        if os.getpid() != parent:
            time.sleep(1)
        else:
            here.append(number)
        return real(number, *args)

    monkeypatch.setattr(xlsx_rows, "render_run", slow_in_a_child)
    taken = _runs_taken(monkeypatch)
    assert _report(year, tmp_path, 2) == alone
    assert len(here) > taken[0] / 2 and len(set(here)) == len(here)


@pytest.mark.parametrize("fault", ["dies", "garbage"])
def test_a_child_that_dies_or_sends_garbage_leaves_its_runs_to_the_parent(
    fault: str, year: Year, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _report(year, tmp_path, 1)
    parent = os.getpid()
    real_render, real_dumps = xlsx_rows.render_run, forked.pickle.dumps

    def dies_in_a_child(number: int, *args: Any) -> Any:
        if os.getpid() != parent and number > 0:
            os._exit(9)  # as if killed half-way
        return real_render(number, *args)

    def garbage_in_a_child(obj: object, protocol: int | None = None) -> bytes:
        return b"not a pickle" if os.getpid() != parent else real_dumps(obj, protocol=protocol)

    if fault == "dies":
        monkeypatch.setattr(xlsx_rows, "render_run", dies_in_a_child)
    else:
        monkeypatch.setattr(forked.pickle, "dumps", garbage_in_a_child)
    taken = _runs_taken(monkeypatch)
    assert _report(year, tmp_path, 2) == alone
    assert taken and taken[0] >= 4  # still written from runs: the parent rendered what was missing


def _long_model(formula_at: int | None) -> WorkbookModel:
    """A 300-row sheet of text, numbers and formats (a formula at row ``formula_at``), after a short one."""
    bold, money = CellFormat(bold=True), CellFormat(number_format="#,##0.00")

    def make(source: Any) -> Any:
        for n in source:
            value: Any = Formula(f"=B{n + 1}*2", 2 * n) if n == formula_at else f"plan {n % 7}"
            yield (value, n, None, True, ""), (bold if n % 5 == 0 else None, money, None, None, money)

    rows = MadeRows(range(300), make)
    return WorkbookModel(
        [SheetModel("Short", rows=[(("a", 1), None)], widths=[8, 8]), SheetModel("Long", rows=rows, widths=[10] * 5)],
        title="t",
        creator="c",
        created=MADE.made,
    )


def _written(model: WorkbookModel, jobs: int) -> bytes:
    out = io.BytesIO()
    write_workbook(model, out, jobs)
    return out.getvalue()


def test_a_long_sheet_of_plain_values_is_written_from_runs_the_same_to_the_byte(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone = _written(_long_model(None), 1)
    taken = _runs_taken(monkeypatch)
    assert _written(_long_model(None), 2) == alone
    assert taken == [-(-300 // 16)]  # 19 runs: 18 of 16 rows and one of 12


def test_a_formula_in_a_long_sheet_writes_it_as_usual_the_same_to_the_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    for at in (5, 250):  # in the first run, and in one near the end
        alone = _written(_long_model(at), 1)
        taken = _runs_taken(monkeypatch)
        assert _written(_long_model(at), 2) == alone
        assert taken == []  # not from runs


def test_the_shared_sheet_is_the_longest_one_that_carries_nothing_but_cells() -> None:
    model = _long_model(None)
    long = model.sheets[1]
    assert shared_sheet(model, 2) is long
    assert shared_sheet(model, 1) is None  # one process
    streamed = WorkbookModel(model.sheets, title="t", creator="c", streamed=True)
    assert shared_sheet(streamed, 2) is None  # written row by row, in order
    long.charts.append(object())  # type: ignore[arg-type]  # a chart: its cached values come from XlsxWriter's cells
    assert shared_sheet(model, 2) is None
    long.charts.clear()
    plain_list = SheetModel("List", rows=[(("x",), None)] * 500)
    assert shared_sheet(WorkbookModel([plain_list], title="t", creator="c"), 2) is None  # rows not made on demand


def test_no_process_to_be_had_writes_the_same_workbook_alone(
    year: Year, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    alone = _report(year, tmp_path, 1)

    def refused() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(forked.os, "fork", refused)
    taken = _runs_taken(monkeypatch)
    assert _report(year, tmp_path, 2) == alone
    assert taken and taken[0] >= 4  # every run rendered here
