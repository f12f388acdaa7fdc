"""Golden outputs: every command's JSON and CSV, byte for byte, on the example year and small years.

Why: the contract (FORMATS.md) says the same inputs give byte-identical JSON and CSV. These files
pin today's bytes so a refactor (the application layer, the io/ split) provably changes nothing,
and an intended change shows up as a reviewable diff of ``tests/golden/``.

Each case runs the real ``ipp`` entry point in a scratch folder holding copies of the inputs under
stable relative names (``py1/`` is examples/py1, ``measures/`` the shipped sets, ``worked/`` RULES.md's
worked example), so no absolute path leaks into an output. ``tests/golden/exit-codes.txt`` pins each
case's exit code. The template case pins the cell contents of every sheet (values, as openpyxl reads
them), not the workbook's bytes.

To regenerate after an INTENDED change of output (a new field, a fixed number)::

    IPP_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py

Regenerate only for an intended change, and say in the commit message which outputs changed and
why. A golden difference you cannot explain is a bug, not a file to regenerate.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import WORKED_ELECTIONS_YAML, WORKED_PLANS_CSV, RunCli, copy_measures

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
EXIT_CODES = GOLDEN / "exit-codes.txt"
REGENERATE = os.environ.get("IPP_REGENERATE_GOLDEN") == "1"
WORKBOOK = "py1/submissions/bristlecone-ridge-care-submission-2.xlsx"
PLAN = "bristlecone-ridge-care"
SMALL_PLAN = "condor-grove-health"


def _diff_data(ws: Path) -> None:
    """tests/fixtures/diff/data plus alpha's and beta's filled workbooks (as test_diff builds them)."""
    from ipp_calc.io.measures import load_year
    from ipp_calc.io.template import write_template
    from workbooks import fill

    data = ws / "diffdata"
    shutil.copytree(REPO / "tests" / "fixtures" / "diff" / "data", data)
    (data / "submissions").mkdir()
    ms = load_year(ws / "diffbase", 1)
    for mcp, county, answers in (
        ("alpha", "Alameda", {("1.1", "All"): "Yes", ("1.2", "All"): "No", ("1.3", "Alameda"): 12}),
        ("beta", "Fresno", {("1.1", "All"): "Yes", ("1.2", "All"): "No", ("1.3", "Fresno"): 5}),
    ):
        path = data / "submissions" / f"{mcp}.xlsx"
        write_template(ms, 1, mcp, [county], path)
        fill(path, answers)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scratch folder every case runs in, with its inputs under stable relative names."""
    root = tmp_path_factory.mktemp("golden")
    shutil.copytree(REPO / "examples" / "py1", root / "py1")
    shutil.copytree(REPO / "measures", root / "measures", ignore=shutil.ignore_patterns("schema"))
    shutil.copytree(REPO / "tests" / "fixtures" / "diff" / "base", root / "diffbase")
    shutil.copytree(REPO / "tests" / "fixtures" / "diff" / "moved", root / "diffmoved")
    _diff_data(root)
    worked = root / "worked"
    worked.mkdir()
    (worked / "plans.csv").write_text(WORKED_PLANS_CSV, encoding="utf-8")
    (worked / "elections.yaml").write_text(WORKED_ELECTIONS_YAML, encoding="utf-8")
    copy_measures(root / "worked-measures", funding="1000.00")
    # A capitation small enough that 5% of it is below A's maximum allocation: a finding, exit 1.
    capped = root / "capped"
    capped.mkdir()
    (capped / "plans.csv").write_text(
        "mcp,county,member_months,revenue,wpc,hhp,capitation\n"
        "A,Alameda,300,200,yes,no,1000\nA,Fresno,100,100,no,no,500\nB,Alameda,600,700,yes,yes,100000\n",
        encoding="utf-8",
    )
    (capped / "elections.yaml").write_text(WORKED_ELECTIONS_YAML, encoding="utf-8")
    # Bad input: a capitation left blank in one of a plan's counties (one error line, exit 2).
    blank = root / "blank-capitation"
    shutil.copytree(capped, blank)
    plans = blank / "plans.csv"
    plans.write_text(plans.read_text(encoding="utf-8").replace(",500\n", ",\n"), encoding="utf-8")
    return root


WORKED = ["--year", "1", "--measures", "worked-measures", "--data", "worked"]
CAPPED = ["--year", "1", "--measures", "worked-measures", "--data", "capped"]
YEAR = ["--year", "1", "--data", "py1", "--jobs", "1"]

#: case name (the golden file's name) → the argv that prints it.
CASES: dict[str, list[str]] = {
    "allocate-py1.json": ["allocate", *YEAR[:4], "-f", "json"],
    "allocate-py1.csv": ["allocate", *YEAR[:4], "-f", "csv"],
    "allocate-py1-mcp.json": ["allocate", *YEAR[:4], "--mcp", SMALL_PLAN, "-f", "json"],
    "allocate-worked.json": ["allocate", *WORKED, "-f", "json"],
    "allocate-worked.csv": ["allocate", *WORKED, "-f", "csv"],
    "allocate-capped.json": ["allocate", *CAPPED, "-f", "json"],
    "allocate-capped.csv": ["allocate", *CAPPED, "-f", "csv"],
    "allocate-blank-capitation.json": ["allocate", *CAPPED[:-1], "blank-capitation", "-f", "json"],
    "score-py1.json": ["score", WORKBOOK, "--data", "py1", "-f", "json"],
    "score-py1.csv": ["score", WORKBOOK, "--data", "py1", "-f", "csv"],
    "score-py1-nodata.json": ["score", WORKBOOK, "-f", "json"],
    "score-py1-nodata.csv": ["score", WORKBOOK, "-f", "csv"],
    "score-py1-sub1.json": ["score", f"py1/submissions/{SMALL_PLAN}-submission-1.xlsx", "--data", "py1", "-f", "json"],
    "pool-py1.json": ["pool", *YEAR, "-f", "json"],
    "pool-py1.csv": ["pool", *YEAR, "-f", "csv"],
    "run-py1.json": ["run", *YEAR, "-f", "json"],
    "run-py1.csv": ["run", *YEAR, "-f", "csv"],
    "explain-py1.json": ["explain", *YEAR, "--mcp", SMALL_PLAN, "-f", "json"],
    "review-py1.json": ["review", "--year", "1", "--submission", "2", "--data", "py1", "-f", "json"],
    "review-py1.csv": ["review", "--year", "1", "--submission", "2", "--data", "py1", "-f", "csv"],
    "check-measures.json": ["check", "measures", "-f", "json"],
    "check-diffbase.json": ["check", "diffbase", "-f", "json"],
    "diff-fixtures.json": ["diff", "diffbase", "diffmoved", "-f", "json"],
    "diff-fixtures.csv": ["diff", "diffbase", "diffmoved", "-f", "csv"],
    "diff-fixtures.md": ["diff", "diffbase", "diffmoved", "-f", "markdown"],
    "diff-fixtures-data.json": ["diff", "diffbase", "diffmoved", "--data", "diffdata", "-f", "json"],
    "diff-fixtures-data.csv": ["diff", "diffbase", "diffmoved", "--data", "diffdata", "-f", "csv"],
    "diff-py1-same.json": ["diff", "measures/py1", "measures/py1", "--data", "py1", "--jobs", "1", "-f", "json"],
}


def _cells(path: Path) -> str:
    """Every sheet's non-empty cell values, in reading order, as JSON lines (stable across writers)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    lines = []
    for sheet in wb.worksheets:
        lines.append(json.dumps({"sheet": sheet.title}))
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    lines.append(json.dumps([cell.coordinate, str(cell.value)], ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _template_case(run_cli: RunCli, ws: Path) -> tuple[int, str]:
    out = ws / "template-py1.xlsx"
    out.unlink(missing_ok=True)
    code, _, _ = run_cli(
        ["template", "--year", "1", "--submission", "2", "--data", "py1", "--mcp", SMALL_PLAN, "-o", out.name], cwd=ws
    )
    return code, _cells(out) if code == 0 else ""


SPECIAL: dict[str, Callable[[RunCli, Path], tuple[int, str]]] = {"template-py1-cells.jsonl": _template_case}


def _expected_codes() -> dict[str, int]:
    if not EXIT_CODES.exists():
        return {}
    pairs = (line.split() for line in EXIT_CODES.read_text(encoding="utf-8").splitlines() if line.strip())
    return {name: int(code) for name, code in pairs}


def _record_code(name: str, code: int) -> None:
    codes = _expected_codes()
    codes[name] = code
    EXIT_CODES.write_text("".join(f"{n} {c}\n" for n, c in sorted(codes.items())), encoding="utf-8")


@pytest.mark.parametrize("name", [*CASES, *SPECIAL])
def test_the_output_is_byte_identical_to_its_golden_file(name: str, run_cli: RunCli, ws: Path) -> None:
    if name in SPECIAL:
        code, text = SPECIAL[name](run_cli, ws)
    else:
        code, text, _ = run_cli(CASES[name], cwd=ws)
    golden = GOLDEN / name
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_bytes(text.encode("utf-8"))
        _record_code(name, code)
    assert golden.exists(), f"no golden file {name}: run IPP_REGENERATE_GOLDEN=1 python -m pytest {__file__}"
    assert _expected_codes().get(name) == code, f"{name}: exit code {code} differs from exit-codes.txt"
    assert text.encode("utf-8") == golden.read_bytes(), (
        f"{name} differs from tests/golden/{name}; if the change is intended, regenerate "
        "(IPP_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py) and say why in the commit"
    )


def test_every_golden_file_belongs_to_a_case() -> None:
    """A stale golden file (a case renamed or removed) would pin nothing: there are none."""
    names = {p.name for p in GOLDEN.iterdir()} - {"exit-codes.txt", "README.md"}
    assert names == {*CASES, *SPECIAL}
    assert set(_expected_codes()) == {*CASES, *SPECIAL}
