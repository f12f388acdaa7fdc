"""Fuzzing every reading command with mutated inputs: exit 0, 1 or 2, never a traceback, in time.

Hypothesis mutates a good small year and runs the real CLI (in-process) on it:

* workbooks: their bytes (flipped, cut, spliced), the XML inside their zip (bytes and the text of
  cells), and their cell values and layout through openpyxl (any type: huge numbers, NaN, dates,
  formulas, control-free unicode; rows, columns and sheets moved or removed), read by ``score``,
  ``run`` and ``template --from``;
* YAML: the measure set (``check``, ``allocate``, ``score``, ``run``, ``template``, ``diff``) and
  ``elections.yaml`` (``allocate``, ``pool``, ``explain``, ``score``), line by line and with the
  scalars that trip YAML 1.1 readers;
* CSV: ``plans.csv``, ``targets.csv`` and ``allocation.csv`` cell by cell and row by row.

Every run must end with exit code 0, 1 or 2, print no traceback, name its one problem in one line
when it exits 2 (and write no output file then), and finish within ``LIMIT`` seconds.

Example counts follow the hypothesis profile (tests/conftest.py): ``ci`` (CI=true) runs
``CI_EXAMPLES`` per test, the local ``thorough`` profile about eight times as many.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import zipfile
from datetime import datetime
from datetime import time as clock
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from conftest import CliResult, RunCli
from workbooks import filled_workbook

SHIPPED = Path(__file__).resolve().parents[1] / "measures"
DATA_BASE = Path(__file__).parent / "fixtures" / "data_bad" / "base"
LIMIT = 20.0  # seconds for one command on this small year, mutated however
CI_EXAMPLES = 25
EXAMPLES = max(10, CI_EXAMPLES * settings.default.max_examples // 60)
FUZZ = settings(
    max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

WORKBOOK = "data/submissions/alpha.xlsx"
TEMPLATE_FROM = [
    *("template", "--year", "1", "--submission", "2", "--mcp", "alpha", "--counties", "Alameda,Fresno"),
    *("--from", WORKBOOK, "-o", "out/next.xlsx"),
]
WORKBOOK_COMMANDS = {
    "score": ["score", WORKBOOK, "--data", "data", "--format", "csv", "-o", "out/score.csv"],
    "score-alone": ["score", WORKBOOK, "--allow-measure-set-change", "-o", "out/score.txt"],
    "run": ["run", "--year", "1", "--data", "data", "--jobs", "1", "-o", "out/report.xlsx"],
    "template-from": TEMPLATE_FROM,
}
MEASURE_COMMANDS = {
    "check": ["check", "measures/py1", "-o", "out/check.txt"],
    "allocate": ["allocate", "--year", "1", "--data", "data", "--measures", "measures", "-o", "out/a.csv", "-f", "csv"],
    "score": ["score", WORKBOOK, "--measures", "measures", "--allow-measure-set-change", "-o", "out/s.txt"],
    "run": [
        *("run", "--year", "1", "--data", "data", "--measures", "measures", "--jobs", "1"),
        *("--allow-measure-set-change", "-o", "out/report.xlsx"),
    ],
    "template": [
        *("template", "--year", "1", "-s", "2", "--mcp", "alpha", "--counties", "Alameda,Fresno"),
        *("--measures", "measures", "-o", "out/t.xlsx"),
    ],
    "diff": ["diff", "old/py1", "measures/py1", "--fail-on", "never", "-f", "json", "-o", "out/diff.json"],
}
DATA_COMMANDS = {
    "allocate": ["allocate", "--year", "1", "--data", "data", "-o", "out/a.json", "-f", "json"],
    "pool": ["pool", "--year", "1", "--data", "data", "--jobs", "1", "-o", "out/pool.csv", "-f", "csv"],
    "explain": ["explain", "--year", "1", "--mcp", "alpha", "--data", "data", "--jobs", "1", "-o", "out/e.txt"],
    "score": ["score", WORKBOOK, "--data", "data", "-o", "out/score.txt"],
    "run": ["run", "--year", "1", "--data", "data", "--jobs", "1", "-f", "csv", "-o", "out/run.csv"],
    "template": [
        *("template", "--year", "1", "-s", "1", "--mcp", "beta", "--data", "data", "-o", "out/t.xlsx"),
    ],
}


# --------------------------------------------------------------------------- the good year


@pytest.fixture(scope="module")
def good_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz-good")
    data = root / "data"
    shutil.copytree(DATA_BASE, data)
    (data / "targets.csv").write_text(
        "mcp,county,measure,target\nalpha,Alameda,2.1,10\nalpha,Fresno,2.1,12\nbeta,Alameda,2.1,5\n", encoding="utf-8"
    )
    (data / "allocation.csv").write_text(
        "mcp,county,amount\nalpha,Alameda,300.00\nalpha,Fresno,200.00\nbeta,Alameda,400.00\n", encoding="utf-8"
    )
    (data / "submissions").mkdir()
    filled_workbook(data / "submissions")
    shutil.copytree(SHIPPED / "py1", root / "measures" / "py1")
    shutil.copytree(SHIPPED / "py1", root / "old" / "py1")
    (root / "out").mkdir()
    return root


@pytest.fixture
def year(good_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "year"
    shutil.copytree(good_root, root)
    return root


def restore(root: Path, good_root: Path, *names: str) -> None:
    """Put back the good files (an example may have changed them) and empty out/."""
    for name in names:
        shutil.copyfile(good_root / name, root / name)
    for path in (root / "out").iterdir():
        path.unlink() if path.is_file() else shutil.rmtree(path)


def check(result: CliResult, root: Path, elapsed: float, what: str, *, as_json: bool = False) -> None:
    """The contract under any input: 0, 1 or 2; no traceback; one line and no file for exit 2."""
    code, out, err = result
    assert code in (0, 1, 2), (what, code, err[-2000:])
    assert "Traceback" not in out + err, (what, err[-2000:])
    assert "internal error" not in err, (what, err)
    assert elapsed < LIMIT, (what, elapsed)
    if code == 2:
        if as_json:  # the error is JSON on stdout, nothing on stderr
            error = json.loads(out)["error"]
            assert error["code"] and error["message"] and "file" in error, (what, out)
            assert not [line for line in result.stderr_lines if not line.startswith("note: ")], (what, err)
        else:
            lines = result.stderr_lines
            assert lines and all(line.startswith("error: ") for line in lines), (what, err)  # one per problem
            assert out == ""
        assert list((root / "out").iterdir()) == [], what


def run(run_cli: RunCli, argv: list[str], root: Path, what: str, *, fuzzing: bool = True) -> CliResult:
    started = time.perf_counter()
    result = run_cli(argv, cwd=root)
    check(result, root, time.perf_counter() - started, what, as_json="json" in argv)
    code = re.search(r"\[([a-z0-9-]+)\]\s*$", result.stderr) if result.exit_code == 2 else None
    if fuzzing:  # shown by --hypothesis-show-statistics: how deep the mutations get
        event(f"exit {result.exit_code}" + (f" [{code.group(1)}]" if code else ""))
    return result


# --------------------------------------------------------------------------- byte mutations


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes, max_ops: int = 6) -> bytes:
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, max_ops))):
        if not buffer:
            buffer += draw(st.binary(min_size=1, max_size=16))
            continue
        at = draw(st.integers(0, len(buffer) - 1))
        op = draw(st.sampled_from(["flip", "set", "delete", "insert", "truncate", "splice"]))
        if op == "flip":
            buffer[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            buffer[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del buffer[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            buffer[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif op == "truncate":
            del buffer[at:]
        else:  # a chunk of the file copied elsewhere in it
            start = draw(st.integers(0, len(buffer) - 1))
            buffer[at:at] = buffer[start : start + draw(st.integers(1, 256))]
    return bytes(buffer)


def zip_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_XML_TEXT = re.compile(rb"(<(?:v|t|f)(?: [^>]*)?>)([^<]*)(</(?:v|t|f)>)")
_XML_ATTRIBUTE = re.compile(rb'(\b[a-zA-Z:]+=")([^"]*)(")')
XML_SNIPPETS = [b"&amp;", b"&lt;", b"&#0;", b"&#xD800;", b"&nope;", b"]]>", b"<", b"\xff\xfe", b"1e309", b"NaN", b"-"]


@st.composite
def mutated_xml(draw: st.DrawFn, data: bytes) -> bytes:
    """A change in the text of cells (<v>, <t>, <f>) or of attributes, or in the bytes."""
    kind = draw(st.sampled_from(["text", "attribute", "bytes"]))
    pattern = _XML_TEXT if kind == "text" else _XML_ATTRIBUTE
    matches = list(pattern.finditer(data)) if kind != "bytes" else []
    if not matches:
        return draw(mutated_bytes(data, max_ops=3))
    match = matches[draw(st.integers(0, len(matches) - 1))]
    new = draw(
        st.one_of(
            st.sampled_from(XML_SNIPPETS),  # raw: entities, stray markup, bad bytes
            st.text(max_size=24).map(lambda s: xml_escape(s, {'"': "&quot;"}).encode("utf-8", "surrogatepass")),
            st.sampled_from([b"Yes", b"No", b"1", b"2", b"All", b"Kern", b"9.9", b"-5", b"1e308", b"", b"2.4"]),
            st.integers(-(10**30), 10**30).map(lambda n: str(n).encode()),
        )
    )
    return data[: match.start(2)] + new + data[match.end(2) :]


# --------------------------------------------------------------------------- workbooks


@FUZZ
@given(data=st.data())
def test_fuzzed_workbook_bytes_never_crash_a_reading_command(
    data: st.DataObject, year: Path, good_root: Path, run_cli: RunCli
) -> None:
    good = (good_root / WORKBOOK).read_bytes()
    where = data.draw(st.sampled_from(["file", "part", "part", "part"]), label="where")
    if where == "file":
        bad = data.draw(mutated_bytes(good), label="bytes")
    else:
        parts = zip_parts(good)
        sheets = sorted(n for n in parts if n.startswith("xl/worksheets/"))
        name = data.draw(st.sampled_from(sheets * 3 + sorted(parts)), label="part")  # mostly a sheet
        parts[name] = data.draw(mutated_xml(parts[name]), label="xml")
        bad = rezip(parts)
    command = data.draw(st.sampled_from(sorted(WORKBOOK_COMMANDS)), label="command")
    restore(year, good_root, WORKBOOK)
    (year / WORKBOOK).write_bytes(bad)
    run(run_cli, WORKBOOK_COMMANDS[command], year, f"{command} on a workbook with mutated {where}")


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
    st.times().map(lambda t: clock(t.hour, t.minute, t.second)),
    st.text(max_size=30).map(_text),
    st.sampled_from(
        [
            *("Yes", "No", " yes ", "NO", "Y", "TRUE", "0", "1", "2", "3", "-1", "1.5", "1e400", "NaN", "inf"),
            *("=1+1", "=SUM(A1:A3)", "'=1", "#N/A", "#DIV/0!", "", " ", "1,000", "½", "٣", "All", "Alameda"),
            *("Fresno", "1.1", "2.4", "9.9", "alpha", "beta", "Response", "Measure ID", "County", "Target"),
        ]
    ),
)
COLUMNS = ("Measure ID", "County", "Priority Area", "Measure", "Kind", "Mandatory", "Response", "Notes", "Target")


@st.composite
def cell_edits(draw: st.DrawFn) -> list[tuple[str, object, object]]:
    """Up to five changes: (what, where, value) for a Responses or Cover cell, or a layout change."""
    edits = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["responses", "responses", "responses", "cover", "layout"]))
        if kind == "responses":
            where = (draw(st.sampled_from(COLUMNS)), draw(st.integers(1, 80)))
            edits.append(("responses", where, draw(CELL_VALUES)))
        elif kind == "cover":
            where = (draw(st.sampled_from("AB")), draw(st.integers(1, 8)))
            edits.append(("cover", where, draw(CELL_VALUES)))
        else:
            op = draw(st.sampled_from(["delete_rows", "insert_rows", "delete_cols", "insert_cols", "rename", "drop"]))
            edits.append(("layout", op, (draw(st.sampled_from(["Responses", "Cover"])), draw(st.integers(1, 12)))))
    return edits


def apply_edits(path: Path, edits: list[tuple[str, object, object]]) -> None:
    wb = openpyxl.load_workbook(path)
    for kind, where, value in edits:
        if kind == "layout":
            title, index = value  # type: ignore[misc]
            if title not in wb.sheetnames:
                continue
            ws = wb[title]
            if where == "rename":
                ws.title = f"{title} ({index})"
            elif where == "drop":
                wb.remove(ws)
            else:
                getattr(ws, str(where))(index)
            continue
        sheet = "Responses" if kind == "responses" else "Cover"
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        column, row = where  # type: ignore[misc]
        if kind == "responses":
            header = [c.value for c in ws[1]]
            column = header.index(column) + 1 if column in header else 1
        else:
            column = 1 if column == "A" else 2
        ws.cell(row, column).value = value
    wb.save(path)


@FUZZ
@given(edits=cell_edits(), command=st.sampled_from(sorted(WORKBOOK_COMMANDS)))
def test_fuzzed_cell_values_and_layout_never_crash_a_reading_command(
    edits: list[tuple[str, object, object]], command: str, year: Path, good_root: Path, run_cli: RunCli
) -> None:
    restore(year, good_root, WORKBOOK)
    apply_edits(year / WORKBOOK, edits)
    run(run_cli, WORKBOOK_COMMANDS[command], year, f"{command} after {edits!r}")


# --------------------------------------------------------------------------- YAML

YAML_SCALARS = [
    *("NO", "yes", "on", "Off", "y", "~", "null", "0x1F", "010", "0o17", "1_000", "1:30", ".nan", "-.inf", "1e400"),
    *("2022-02-30", "2022-13-01", '"0.30"', "0.30", "3", "-3", "", "[]", "{}", "[1, 2", "{a: 1", "'", '"', "-"),
    *("&a x", "*a", "*undefined", "!!python/name:os.system", "!!binary aGk=", "!!str 1", "!!int x", "? x", "| x"),
    *("<<: {a: 1}", '"\\x00"', "'1.10'", "1.10", "True", "tbd", "\t1", "a: b: c", "#", "%YAML 1.1", "---", "..."),
]


@st.composite
def mutated_yaml(draw: st.DrawFn, text: str) -> bytes:
    lines = text.splitlines(keepends=True) or ["\n"]
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = ["\n"]
        at = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["value", "value", "delete", "duplicate", "swap", "insert", "indent", "truncate"]))
        line = lines[at]
        if op == "value":
            scalar = draw(st.one_of(st.sampled_from(YAML_SCALARS), st.text(max_size=20)))
            if ":" in line:
                key, _, _ = line.partition(":")
                lines[at] = f"{key}: {scalar}\n"
            else:
                lines[at] = line.rstrip("\n") + f" {scalar}\n"
        elif op == "delete":
            del lines[at]
        elif op == "duplicate":
            lines.insert(at, line)
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif op == "insert":
            indent = draw(st.sampled_from(["", "  ", "    ", "\t", " "]))
            lines.insert(at, f"{indent}{draw(st.sampled_from(YAML_SCALARS))}\n")
        elif op == "indent":
            lines[at] = draw(st.sampled_from(["", " ", "  ", "\t"])) + line.lstrip(" ")
        else:
            lines = [*lines[:at], line[: draw(st.integers(0, len(line)))]]
    raw = "".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # now and then, bytes that are not UTF-8 at all
        raw = draw(mutated_bytes(raw, max_ops=2))
    return raw


MEASURE_FILES = ("measures/py1/program.yaml", "measures/py1/submission-1.yaml", "measures/py1/submission-2.yaml")


@FUZZ
@given(data=st.data())
def test_fuzzed_measure_sets_never_crash_a_reading_command(
    data: st.DataObject, year: Path, good_root: Path, run_cli: RunCli
) -> None:
    name = data.draw(st.sampled_from(MEASURE_FILES), label="file")
    bad = data.draw(mutated_yaml((good_root / name).read_text(encoding="utf-8")), label="yaml")
    command = data.draw(st.sampled_from(sorted(MEASURE_COMMANDS)), label="command")
    restore(year, good_root, *MEASURE_FILES)
    (year / name).write_bytes(bad)
    result = run(run_cli, MEASURE_COMMANDS[command], year, f"{command} with a mutated {name}")
    if command == "check":
        assert result.exit_code in (0, 1) or "[file-" in result.stderr  # findings are exit 1, not 2


@FUZZ
@given(data=st.data())
def test_fuzzed_elections_never_crash_a_reading_command(
    data: st.DataObject, year: Path, good_root: Path, run_cli: RunCli
) -> None:
    name = "data/elections.yaml"
    bad = data.draw(mutated_yaml((good_root / name).read_text(encoding="utf-8")), label="yaml")
    command = data.draw(st.sampled_from(sorted(DATA_COMMANDS)), label="command")
    restore(year, good_root, name)
    (year / name).write_bytes(bad)
    run(run_cli, DATA_COMMANDS[command], year, f"{command} with a mutated {name}")


# --------------------------------------------------------------------------- CSV

CSV_VALUES = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            *("", " ", '"', '""', '"a,b"', "a\nb", "a\rb", ",", "=1+2", "@x", "-1", "+1", "1e400", "NaN", "Infinity"),
            *("1,000.00", "$5", "1.005", "0", "yes", "no", "YES", "maybe", "alpha", "beta", "Alameda", "Fresno", "All"),
            *("\ufeffmcp", "\x00", "2.1", "9.9", "  alpha  ", "00012", "1_000", "٣", "10" * 20),
        ]
    ),
)
CSV_FILES = ("data/plans.csv", "data/targets.csv", "data/allocation.csv")


def _csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


@st.composite
def mutated_csv(draw: st.DrawFn, text: str) -> bytes:
    rows = [line.split(",") for line in text.splitlines()]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(["cell"] * 8 + ["raw-cell"] * 2 + ["delete", "duplicate", "swap", "column", "uncolumn"])
        )
        if not rows:
            rows = [[""]]
        header = len(rows) == 1 or draw(st.integers(0, 7)) == 0  # mostly a data row, now and then the header
        at = 0 if header else draw(st.integers(1, len(rows) - 1))
        if op in ("cell", "raw-cell"):
            column = draw(st.integers(0, max(0, len(rows[at]) - 1)))
            value = draw(CSV_VALUES)
            if rows[at]:
                rows[at][column] = _csv_field(value) if op == "cell" else value
        elif op == "delete":
            del rows[at]
        elif op == "duplicate":
            rows.insert(at, list(rows[at]))
        elif op == "swap":
            other = draw(st.integers(0, len(rows) - 1))
            rows[at], rows[other] = rows[other], rows[at]
        elif op == "column":
            for row in rows:
                row.append(_csv_field(draw(CSV_VALUES)))
        elif rows[at]:
            column = draw(st.integers(0, len(rows[at]) - 1))
            for row in rows:
                if column < len(row):
                    del row[column]
    raw = "".join(",".join(row) + "\n" for row in rows).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        raw = draw(mutated_bytes(raw, max_ops=2))
    return raw


@FUZZ
@given(data=st.data())
def test_fuzzed_csv_files_never_crash_a_reading_command(
    data: st.DataObject, year: Path, good_root: Path, run_cli: RunCli
) -> None:
    name = data.draw(st.sampled_from(CSV_FILES), label="file")
    bad = data.draw(mutated_csv((good_root / name).read_text(encoding="utf-8")), label="csv")
    command = data.draw(st.sampled_from(sorted(DATA_COMMANDS)), label="command")
    restore(year, good_root, *CSV_FILES)
    (year / name).write_bytes(bad)
    run(run_cli, DATA_COMMANDS[command], year, f"{command} with a mutated {name}")


# --------------------------------------------------------------------------- the good year itself


@pytest.mark.parametrize(
    ("table", "command"),
    [("workbook", c) for c in WORKBOOK_COMMANDS]
    + [("measures", c) for c in MEASURE_COMMANDS]
    + [("data", c) for c in DATA_COMMANDS],
)
def test_the_unmutated_year_passes_every_fuzzed_command(table: str, command: str, year: Path, run_cli: RunCli) -> None:
    """So that an exit 2 under fuzzing is the mutation's doing, not the year's."""
    argv = {"workbook": WORKBOOK_COMMANDS, "measures": MEASURE_COMMANDS, "data": DATA_COMMANDS}[table][command]
    result = run(run_cli, argv, year, command, fuzzing=False)
    assert result.exit_code == 0, result.stderr


def test_example_counts_follow_the_profile() -> None:
    assert EXAMPLES >= 10
    if settings.default.max_examples == 60:  # the ci profile
        assert EXAMPLES == CI_EXAMPLES
