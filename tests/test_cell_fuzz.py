"""Any value in any cell, anywhere on the sheet: exit 0, 1 or 2, in bounded memory and output.

Why a subprocess under an address-space limit: the failures this guards against are not
exceptions. A stray cell far from the table made python-calamine allocate the rectangle up to it
and the process died with a Rust allocation abort (no error line, exit 134), or spent ~700 MB on a
13 KB file; text such as ``1e9999999`` printed gigabytes of JSON. Only a separate process with a
hard memory limit (``RLIMIT_AS``, 300 MB: the example workbooks need well under half) can show
that no cell value or position does that. Each example writes one value (numbers of every size,
text that looks like numbers, error values, formulas, booleans, dates) at a Response cell or at a
random position up to ``XFD1048576``, with openpyxl as a client would, and runs ``ipp score``
with either reader.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from workbooks import filled_workbook, response_cell, set_cell

MEMORY_LIMIT = 300 * 1024 * 1024
OUTPUT_LIMIT = 1024 * 1024  # a score of this workbook is ~60 KB of JSON
_RUNNER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from ipp_calc.cli import main
main(sys.argv[1:])
"""

values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.from_regex(r"\A[+-]?[0-9]{1,30}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,12})?\Z"),
    st.sampled_from(["#DIV/0!", "#N/A", "#VALUE!", "=1/0", "=2.53*100", "=A1", "Yes", "no", "n/a", "", " "]),
    # Any text a cell can hold: XML 1.0 has no control characters but tab, line feed and carriage
    # return, and openpyxl (which writes these workbooks) refuses them.
    st.text(max_size=60).map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
)
far_rows = st.one_of(st.sampled_from([1, 2, 100, 1_048_575, 1_048_576]), st.integers(1, 1_048_576))
far_columns = st.one_of(st.sampled_from([1, 7, 8, 11, 1024, 16_383, 16_384]), st.integers(1, 16_384))


def _letters(column: int) -> str:
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return filled_workbook(tmp_path_factory.mktemp("cells"))


def run_limited(path: Path, reader: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "IPP_READER": reader, "PYTHONHASHSEED": "0"}
    env.pop("IPP_DEBUG", None)
    code = _RUNNER.format(limit=MEMORY_LIMIT)
    return subprocess.run(
        [sys.executable, "-c", code, "score", str(path), "--format", "json"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


@settings(
    max_examples=int(os.environ.get("IPP_CELL_FUZZ_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
@given(
    value=values,
    where=st.one_of(
        st.sampled_from([("2.1", "Fresno"), ("1.1", "All"), ("3.2", "Alameda")]), st.tuples(far_rows, far_columns)
    ),
    sheet=st.sampled_from(["Responses", "Cover"]),
    reader=st.sampled_from(["calamine", "openpyxl"]),
)
def test_any_value_in_any_cell_exits_0_1_or_2_in_bounded_memory_and_output(
    good: Path, tmp_path_factory: pytest.TempPathFactory, value: Any, where: Any, sheet: str, reader: str
) -> None:
    path = tmp_path_factory.mktemp("case") / "alpha.xlsx"
    path.write_bytes(good.read_bytes())
    if isinstance(where[0], str):
        ref = response_cell(path, *where)
        sheet = "Responses"
    else:
        ref = f"{_letters(where[1])}{where[0]}"
    set_cell(path, sheet, ref, value)
    done = run_limited(path, reader)
    assert done.returncode in (0, 1, 2), (ref, value, done.stderr[-2000:])
    assert len(done.stdout) < OUTPUT_LIMIT and len(done.stderr) < OUTPUT_LIMIT
    if done.returncode == 2:
        assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
@pytest.mark.parametrize("ref", ["XFD1048576", "AMJ1048576", "H1048576"])
def test_a_stray_cell_fits_in_300_mb(good: Path, tmp_path: Path, reader: str, ref: str) -> None:
    """The example's cases, always run: before, the first two aborted and the third took ~700 MB."""
    path = tmp_path / "alpha.xlsx"
    path.write_bytes(good.read_bytes())
    set_cell(path, "Responses", ref, "a note")
    done = run_limited(path, reader)
    assert done.returncode == 0, done.stderr[-2000:]
