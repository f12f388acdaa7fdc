"""A corpus of malformed inputs, each run through the real CLI with ``-o``: exit 2, one line, no file.

FORMATS.md's promise for bad input: "one clear line on standard error that names the place, and no
traceback", exit code 2, and ``-o`` written atomically, so a failed run leaves no output file (and
no temporary file beside it). Every case below is a good small year plus exactly one defect, in a
YAML file (a measure set given with ``--measures``, or ``elections.yaml``), a CSV file (``plans.csv``,
``targets.csv``, ``allocation.csv``) or an MCP's workbook, and is run through a command that reads
that file (``allocate``, ``score``, ``pool``, ``run``, ``explain``, ``template --from``).

The measure-set defects are the fixtures of ``tests/fixtures/yaml_bad/`` (their expected file, line,
key and code come from ``test_yaml_fixtures.CASES``), laid over a minimal valid measure set. Every
other defect is made here, by a script, from the good files, so the corpus follows the formats.

Each case asserts: exit 2; nothing on stdout; one line on stderr per problem (issue 13: every problem
at once; a case's single defect may show as more than one, as a misspelt column is also a missing
one), each ``error: … [code]``, the first ``error: <place>: … [code]``,
where the place is ``file:line`` (YAML, CSV), ``file: Sheet!Cell`` (a workbook cell), ``file: Sheet``
or ``file`` alone for a whole-sheet or whole-file problem; no traceback; the ``out/`` folder that
``-o`` points into is still empty; and no input file changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from conftest import RunCli
from ipp_calc.io.measures import load_year
from ipp_calc.io.template import write_template
from test_yaml_fixtures import CASES as YAML_FIXTURE_CASES
from workbooks import (
    billion_laughs,
    delete_cover_row,
    edit,
    fill,
    filled_workbook,
    plain_zip,
    random_file,
    rewrite_parts,
    rows_by_key,
    set_cell,
    set_cover,
    sheet_part,
    truncated_copy,
    xls_file,
)

FIXTURES = Path(__file__).parent / "fixtures"
YAML_BAD = FIXTURES / "yaml_bad"
DATA_BASE = FIXTURES / "data_bad" / "base"  # alpha in Alameda and Fresno, beta in Alameda

#: A minimal valid measure set: the program of one fixture whose defect is in its submission, and
#: the submission of one whose defect is in its program. Each one-file fixture replaces one of them.
BASE_PROGRAM = YAML_BAD / "tier_points_mismatch" / "program.yaml"
BASE_SUBMISSION = YAML_BAD / "shares_minimums_sum" / "submission-1.yaml"

WORKBOOK = "data/submissions/alpha.xlsx"  # alpha's PY1 submission 2, every row answered
MINIMAL_WORKBOOK = "minimal/alpha.xlsx"  # alpha's blank template of the minimal measure set
PLANS, ELECTIONS, TARGETS, TABLE = "data/plans.csv", "data/elections.yaml", "data/targets.csv", "data/allocation.csv"
GOOD_TARGETS = "mcp,county,measure,target\nalpha,Alameda,2.1,10\nalpha,Fresno,2.1,12\n"
GOOD_TABLE = "mcp,county,amount\nalpha,Alameda,300.00\nalpha,Fresno,200.00\nbeta,Alameda,400.00\n"

# --------------------------------------------------------------------------- the commands

#: Each writes into out/, which must still be empty after a failed run.
COMMANDS: dict[str, list[str]] = {
    "allocate": ["allocate", "--year", "1", "--data", "data", "--format", "csv", "-o", "out/allocation.csv"],
    "pool": ["pool", "--year", "1", "--data", "data", "--jobs", "1", "-o", "out/pool.txt"],
    "run": ["run", "--year", "1", "--data", "data", "--jobs", "1", "-o", "out/report.xlsx"],
    "explain": ["explain", "--year", "1", "--mcp", "alpha", "--data", "data", "--jobs", "1", "-o", "out/alpha.txt"],
    "score": ["score", WORKBOOK, "--data", "data", "--format", "csv", "-o", "out/score.csv"],
    "score-alone": ["score", WORKBOOK, "-o", "out/score.txt"],
    "template": [
        *("template", "--year", "1", "--submission", "2", "--mcp", "alpha", "--data", "data"),
        *("--from", WORKBOOK, "-o", "out/alpha-new.xlsx"),
    ],
}


# --------------------------------------------------------------------------- a case

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    """One defect: how to make it (``setup(root)``), the command that meets it, and where it must point."""

    id: str
    kind: str  # "yaml", "csv" or "xlsx": what the corpus counts
    command: str  # a key of COMMANDS
    setup: Setup
    file: str  # the file the error line names, as displayed from the run folder
    code: str
    line: int | None = None  # YAML and CSV: the line
    cell: str | None = None  # a workbook: "Responses!G17", "Cover!B2", "Cover" (a sheet), or a CellRef
    key: str | None = None  # the YAML key path or CSV column named after the line
    words: tuple[str, ...] = ()
    measures: bool = False  # run with --measures measures (a measure-set defect)

    def argv(self) -> list[str]:
        return COMMANDS[self.command] + (["--measures", "measures"] if self.measures else [])


@dataclass(frozen=True)
class CellRef:
    """A Responses cell found by its row's measure and county, as the template lays them out."""

    measure: str
    county: str
    header: str = "Response"


# --------------------------------------------------------------------------- setups


def _write(name: str, content: str | bytes) -> Setup:
    def setup(root: Path) -> None:
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")

    return setup


def _remove(name: str) -> Setup:
    return lambda root: (root / name).unlink()


def _replace(name: str, old: str, new: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (old, name)
        path.write_text(text.replace(old, new, 1), encoding="utf-8", newline="")

    return setup


def _append(name: str, more: str) -> Setup:
    def setup(root: Path) -> None:
        path = root / name
        path.write_text(path.read_text(encoding="utf-8") + more, encoding="utf-8", newline="")

    return setup


def _line(name: str, number: int, new: str) -> Setup:
    """Replace line ``number`` (1-based) of a text file."""

    def setup(root: Path) -> None:
        path = root / name
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[number - 1] = new
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")

    return setup


def _workbook(change: Callable[[Path], object]) -> Setup:
    return lambda root: change(root / WORKBOOK)


def _answers(answers: dict[tuple[str, str], object], **more: dict[tuple[str, str], object]) -> Setup:
    return _workbook(lambda path: fill(path, answers, **more))


def _cover(label: str, value: object) -> Setup:
    return _workbook(lambda path: set_cover(path, label, value))


def _wb_edit(change: Callable[[Workbook], object]) -> Setup:
    return _workbook(lambda path: edit(path, change))


def _row_cell(measure: str, county: str, header: str, value: object) -> Setup:
    """Overwrite a locked cell of a row (as an MCP could after unprotecting the sheet)."""

    def change(wb: Workbook) -> None:
        ws = wb["Responses"]
        ws[f"{_letter(ws, header)}{rows_by_key(ws)[(measure, county)]}"] = value

    return _wb_edit(change)


def _letter(ws: openpyxl.worksheet.worksheet.Worksheet, header: str) -> str:
    for cell in ws[1]:
        if cell.value == header:
            return str(cell.column_letter)
    raise KeyError(header)


def _duplicate_row(root: Path) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["Responses"]
        source = rows_by_key(ws)[("2.4", "Fresno")]
        target = ws.max_row + 1
        for column in range(1, ws.max_column + 1):
            ws.cell(target, column).value = ws.cell(source, column).value

    edit(root / WORKBOOK, change)


def _replace_file(make: Callable[[Path], Path]) -> Setup:
    return lambda root: make(root / WORKBOOK)


def _truncated(root: Path) -> None:
    good = root / WORKBOOK
    whole = good.with_name("whole.xlsx")
    good.rename(whole)
    truncated_copy(whole, good, keep=0.6)
    whole.unlink()


def _rewritten(change: Callable[[str, bytes], bytes | None], *, sheet: str | None = None) -> Setup:
    """The workbook rebuilt part by part; ``sheet`` names the sheet whose part ``change`` may see as "SHEET"."""

    def setup(root: Path) -> None:
        good = root / WORKBOOK
        whole = good.with_name("whole.xlsx")
        good.rename(whole)
        part = sheet_part(whole, sheet) if sheet else None
        rewrite_parts(whole, good, lambda name, data: change("SHEET" if name == part else name, data))
        whole.unlink()

    return setup


def _laughs(root: Path) -> None:
    good = root / WORKBOOK
    whole = good.with_name("whole.xlsx")
    good.rename(whole)
    billion_laughs(whole, good)
    whole.unlink()


EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>MCP</t></is></c><c r="B1" t="inlineStr"><is><t>&secret;</t></is></c>'
    b"</row></sheetData></worksheet>"
)


def _second_workbook(root: Path) -> None:
    shutil.copyfile(root / WORKBOOK, root / "data" / "submissions" / "alpha-copy.xlsx")


def _folder_for_workbook(root: Path) -> None:
    (root / WORKBOOK).unlink()
    (root / WORKBOOK).mkdir()


def _measure_set_workbook(root: Path) -> None:
    """alpha's workbook made from the minimal measure set, in place of the shipped set's."""
    shutil.copyfile(root / MINIMAL_WORKBOOK, root / WORKBOOK)


def _measure_fixture(name: str) -> Setup:
    def setup(root: Path) -> None:
        _measure_set_workbook(root)
        for path in (YAML_BAD / name).iterdir():
            shutil.copyfile(path, root / "measures" / "py1" / path.name)

    return setup


# --------------------------------------------------------------------------- YAML: measure sets

#: Every measure-set fixture of tests/fixtures/yaml_bad, through allocate, score and run in turn.
_MEASURE_COMMANDS = ("allocate", "score", "run")
YAML_MEASURE_CASES = [
    Case(
        id=f"measures-{bad.name}-{_MEASURE_COMMANDS[index % 3]}",
        kind="yaml",
        command=_MEASURE_COMMANDS[index % 3],
        setup=_measure_fixture(bad.name),
        file=f"measures/py1/{Path(bad.file).name}",
        code=bad.code,
        line=bad.line,
        key=bad.key,
        words=bad.words,
        measures=True,
    )
    for index, bad in enumerate(c for c in YAML_FIXTURE_CASES if Path(c.file).name != "notes.yaml")
]

# --------------------------------------------------------------------------- YAML: elections.yaml
# data_bad/base/elections.yaml: alpha on lines 1-3 (flexible on 2), beta on 4-6 (flexible on 5).

_E = partial(Case, kind="yaml", file=ELECTIONS)
ELECTION_CASES = [
    _E(id="elections-empty", command="allocate", setup=_write(ELECTIONS, ""), code="yaml-structure", line=1),
    _E(
        id="elections-a-list",
        command="pool",
        setup=_write(ELECTIONS, "- alpha\n- beta\n"),
        code="yaml-structure",
        line=1,
        words=("a list",),
    ),
    _E(
        id="elections-syntax",
        command="run",
        setup=_append(ELECTIONS, "gamma: [\n"),
        code="yaml-syntax",
        line=8,
    ),
    _E(
        id="elections-tab",
        command="explain",
        setup=_replace(ELECTIONS, '  flexible: {1: "0.30"}', '\tflexible: {1: "0.30"}'),
        code="yaml-tab",
        line=5,
    ),
    _E(
        id="elections-duplicate-mcp",
        command="score",
        setup=_append(ELECTIONS, 'alpha:\n  flexible: {1: "0.30"}\n  community_supports: [Housing Deposits]\n'),
        code="yaml-duplicate-key",
        line=7,
        key="alpha",
    ),
    _E(
        id="elections-duplicate-key-in-an-mcp",
        command="allocate",
        setup=_append(ELECTIONS, '  flexible: {1: "0.30"}\n'),
        code="yaml-duplicate-key",
        line=7,
        key="beta.flexible",
    ),
    _E(
        id="elections-float-share",
        command="pool",
        setup=_replace(ELECTIONS, '{1: "0.30"}', "{1: 0.30}"),
        code="yaml-float-money",
        line=5,
        key="beta.flexible[1]",
    ),
    _E(
        id="elections-float-recoupment",
        command="run",
        setup=_append(ELECTIONS, "  recoupment: 0.1\n"),
        code="yaml-float-money",
        line=7,
        key="beta.recoupment",
    ),
    _E(
        id="elections-recoupment-above-one",
        command="allocate",
        setup=_append(ELECTIONS, '  recoupment: "1.5"\n'),
        code="yaml-type",
        line=7,
        key="beta.recoupment",
        words=("between 0 and 1",),
    ),
    _E(
        id="elections-yes-for-a-boolean",
        command="explain",
        setup=_append(ELECTIONS, "  corrective_action_plan: yes\n"),
        code="yaml-ambiguous-bool",
        line=7,
        key="beta.corrective_action_plan",
    ),
    _E(
        id="elections-unknown-key",
        command="score",
        setup=_append(ELECTIONS, "  recoupments: '0'\n"),
        code="yaml-unknown-key",
        line=7,
        key="beta.recoupments",
    ),
    _E(
        id="elections-number-as-mcp-id",
        command="allocate",
        # a bare 1 is the MCP id "1" (as plans.csv would write it), which plans.csv does not have
        setup=_append(ELECTIONS, '1: {flexible: {1: "0.30"}}\n'),
        code="unknown-mcp",
        line=7,
        words=("MCP '1'", "no rows in plans.csv"),
    ),
    _E(
        id="elections-mcp-not-in-plans",
        command="pool",
        setup=_append(ELECTIONS, 'gamma:\n  flexible: {1: "0.30"}\n  community_supports: [Housing Deposits]\n'),
        code="unknown-mcp",
        line=7,
        key="gamma",
    ),
    _E(
        id="elections-mcp-missing",
        command="run",
        setup=_write(ELECTIONS, (DATA_BASE / "elections.yaml").read_text(encoding="utf-8").split("beta:")[0]),
        code="missing-mcp",
        line=1,
        key="beta",
    ),
    _E(
        id="elections-unknown-area",
        command="allocate",
        setup=_replace(ELECTIONS, '{1: "0.30"}', '{9: "0.30"}'),
        code="election",
        line=5,
        key="beta.flexible[9]",
    ),
    _E(
        id="elections-shares-do-not-add-up",
        command="explain",
        setup=_replace(ELECTIONS, '{1: "0.30"}', '{1: "0.20", 2: "0.05"}'),
        code="election",
        line=5,
        key="beta.flexible",
    ),
    _E(
        id="elections-exception-too-large",
        command="score",
        setup=_append(ELECTIONS, '  exception: {approved: true, from: 2, to: 1, share: "0.50"}\n'),
        code="election",
        line=7,
        key="beta.exception.share",
    ),
    _E(
        id="elections-exception-without-share",
        command="allocate",
        setup=_append(ELECTIONS, "  exception: {approved: true, from: 2, to: 1}\n"),
        code="yaml-missing-key",
        line=7,
        key="beta.exception.share",
    ),
    _E(
        id="elections-community-support-not-in-catalog",
        command="pool",
        setup=_replace(ELECTIONS, "Sobering Centers]", "Sobering Center]"),
        code="unknown-community-support",
        line=3,
        words=("did you mean 'Sobering Centers'",),
    ),
    _E(
        id="elections-area-3-without-community-supports",
        command="run",
        setup=_line(ELECTIONS, 3, "  community_supports: []"),
        code="election",
        line=2,
        key="alpha.flexible[3]",
    ),
    _E(
        id="elections-python-tag",
        command="allocate",
        setup=_line(ELECTIONS, 6, "  community_supports: !!python/object/apply:os.system [echo]"),
        code="yaml-type",
        line=6,
        words=("unsupported tag",),
    ),
    _E(
        id="elections-not-utf8",
        command="score",
        setup=_write(ELECTIONS, (DATA_BASE / "elections.yaml").read_bytes().replace(b"Deposits", b"Dep\xf3sitos")),
        code="file-unreadable",
        line=6,
        words=("not UTF-8",),
    ),
    _E(id="elections-missing", command="allocate", setup=_remove(ELECTIONS), code="file-not-found"),
]

# --------------------------------------------------------------------------- CSV
# data_bad/base/plans.csv: header on line 1, alpha Alameda 2, alpha Fresno 3, beta Alameda 4.

_P = partial(Case, kind="csv", file=PLANS)
_T = partial(Case, kind="csv", file=TARGETS)
_A = partial(Case, kind="csv", file=TABLE)
CSV_CASES = [
    _P(id="plans-empty", command="allocate", setup=_write(PLANS, ""), code="csv-header", line=1),
    _P(
        id="plans-header-only",
        command="pool",
        setup=_write(PLANS, "mcp,county,member_months,revenue,wpc,hhp\n"),
        code="csv-value",
        line=2,
        words=("no rows",),
    ),
    _P(
        id="plans-missing-column",
        command="run",
        setup=_write(PLANS, "mcp,county,member_months,revenue,wpc\nalpha,Alameda,1,1.00,yes\n"),
        code="csv-header",
        line=1,
        key="hhp",
    ),
    _P(
        id="plans-misspelt-column",
        command="score",
        setup=_line(PLANS, 1, "mcp,county,member_month,revenue,wpc,hhp"),
        code="csv-header",
        line=1,
        key="member_month",
        words=("did you mean 'member_months'",),
    ),
    _P(
        id="plans-column-twice",
        command="explain",
        setup=_line(PLANS, 1, "mcp,county,member_months,revenue,wpc,wpc"),
        code="csv-header",
        line=1,
    ),
    _P(
        id="plans-ragged-row",
        command="allocate",
        setup=_line(PLANS, 3, "alpha,Fresno,800,150000.00,no"),
        code="csv-value",
        line=3,
        words=("5 fields",),
    ),
    _P(
        id="plans-unterminated-quote",
        command="pool",
        setup=_append(PLANS, 'gamma,"Kern,1,1.00,no,no\n'),
        code="csv-value",
        line=5,
    ),
    _P(
        id="plans-duplicate-row",
        command="run",
        setup=_append(PLANS, "alpha,Alameda,1,1.00,yes,no\n"),
        code="csv-duplicate-row",
        line=5,
        words=("already on line 2",),
    ),
    _P(
        id="plans-negative-revenue",
        command="score",
        setup=_line(PLANS, 3, "alpha,Fresno,800,-150000.00,no,no"),
        code="csv-value",
        line=3,
        key="revenue",
        words=("negative",),
    ),
    _P(
        id="plans-dollar-sign-and-comma",
        command="explain",
        setup=_line(PLANS, 3, 'alpha,Fresno,800,"$1,200",no,no'),
        code="csv-value",
        line=3,
        key="revenue",
    ),
    _P(
        id="plans-fraction-of-a-cent",
        command="allocate",
        setup=_line(PLANS, 2, "alpha,Alameda,1200,250000.005,yes,no"),
        code="csv-value",
        line=2,
        key="revenue",
    ),
    _P(
        id="plans-formula-as-amount",
        command="pool",
        setup=_line(PLANS, 4, "beta,Alameda,2000,=1+2,yes,yes"),
        code="csv-value",
        line=4,
        key="revenue",
    ),
    _P(
        id="plans-nan-member-months",
        command="run",
        setup=_line(PLANS, 3, "alpha,Fresno,nan,150000.00,no,no"),
        code="csv-value",
        line=3,
        key="member_months",
    ),
    _P(
        id="plans-huge-exponent",
        command="score",
        setup=_line(PLANS, 3, "alpha,Fresno,1e999999,150000.00,no,no"),
        code="csv-value",
        line=3,
        key="member_months",
    ),
    _P(
        id="plans-wpc-maybe",
        command="explain",
        setup=_line(PLANS, 4, "beta,Alameda,2000,400000.00,maybe,yes"),
        code="csv-value",
        line=4,
        key="wpc",
    ),
    _P(
        id="plans-blank-mcp",
        command="allocate",
        setup=_line(PLANS, 3, ",Fresno,800,150000.00,no,no"),
        code="csv-value",
        line=3,
        key="mcp",
    ),
    _P(
        id="plans-capitation-not-money",
        command="pool",
        setup=_write(
            PLANS,
            "mcp,county,member_months,revenue,wpc,hhp,capitation\n"
            "alpha,Alameda,1200,250000.00,yes,no,lots\n"
            "alpha,Fresno,800,150000.00,no,no,1.00\n"
            "beta,Alameda,2000,400000.00,yes,yes,1.00\n",
        ),
        code="csv-value",
        line=2,
        key="capitation",
    ),
    _P(
        id="plans-not-utf8",
        command="run",
        setup=_write(PLANS, (DATA_BASE / "plans.csv").read_bytes().replace(b"Fresno", b"Fresno Ca\xf1on")),
        code="file-unreadable",
        line=3,
    ),
    _P(id="plans-missing", command="score", setup=_remove(PLANS), code="file-not-found"),
    _T(
        id="targets-not-a-number",
        command="allocate",
        setup=_line(TARGETS, 3, "alpha,Fresno,2.1,half"),
        code="csv-value",
        line=3,
        key="target",
    ),
    _T(
        id="targets-negative",
        command="pool",
        setup=_line(TARGETS, 2, "alpha,Alameda,2.1,-3"),
        code="csv-value",
        line=2,
        key="target",
    ),
    _T(
        id="targets-unknown-mcp",
        command="run",
        setup=_append(TARGETS, "gamma,Alameda,2.1,5\n"),
        code="unknown-mcp",
        line=4,
        key="mcp",
    ),
    _T(
        id="targets-unknown-county",
        command="score",
        setup=_append(TARGETS, "alpha,Kern,2.1,5\n"),
        code="unknown-county",
        line=4,
        key="county",
    ),
    _T(
        id="targets-duplicate-row",
        command="explain",
        setup=_append(TARGETS, "alpha,Alameda,2.1,11\n"),
        code="csv-duplicate-row",
        line=4,
    ),
    _T(
        id="targets-blank-measure",
        command="allocate",
        setup=_line(TARGETS, 2, "alpha,Alameda,,3"),
        code="csv-value",
        line=2,
        key="measure",
    ),
    _T(
        id="targets-missing-column",
        command="pool",
        setup=_write(TARGETS, "mcp,county,measure\nalpha,Alameda,2.1\n"),
        code="csv-header",
        line=1,
        key="target",
    ),
    _A(
        id="allocation-unknown-mcp",
        command="allocate",
        setup=_append(TABLE, "gamma,Kern,5.00\n"),
        code="unknown-mcp",
        line=5,
        key="mcp",
    ),
    _A(
        id="allocation-unknown-county",
        command="run",
        setup=_append(TABLE, "beta,Fresno,5.00\n"),
        code="unknown-county",
        line=5,
        key="county",
    ),
    _A(
        id="allocation-negative",
        command="score",
        setup=_line(TABLE, 2, "alpha,Alameda,-1.00"),
        code="csv-value",
        line=2,
        key="amount",
    ),
    _A(
        id="allocation-not-money",
        command="explain",
        setup=_line(TABLE, 3, "alpha,Fresno,ten"),
        code="csv-value",
        line=3,
        key="amount",
    ),
    _A(
        id="allocation-duplicate-row",
        command="allocate",
        setup=_append(TABLE, "alpha,Alameda,5.00\n"),
        code="csv-duplicate-row",
        line=5,
    ),
    _A(
        id="allocation-misspelt-column",
        command="pool",
        setup=_line(TABLE, 1, "mcp,county,amt"),
        code="csv-header",
        line=1,
        key="amt",
    ),
    _A(
        id="allocation-over-the-funding",
        command="allocate",
        setup=_write(TABLE, "mcp,county,amount\nalpha,Alameda,400000000.00\nbeta,Alameda,200000000.01\n"),
        code="allocation-table",
        words=("more than",),
    ),
]

# --------------------------------------------------------------------------- xlsx: MCPs' workbooks

_X = partial(Case, kind="xlsx", file=WORKBOOK)


def _xlsx(id: str, setup: Setup, code: str, cell: str | CellRef | None, *words: str, on: tuple[str, ...]) -> list[Case]:
    """The same bad workbook through each command of ``on``."""
    return [_X(id=f"{id}-{command}", command=command, setup=setup, code=code, cell=cell, words=words) for command in on]


S, SR, SRT = ("score",), ("score", "run"), ("score", "run", "template")
XLSX_CASES = [
    # ---- cells of the wrong type or out of range
    *_xlsx(
        "text-for-a-number",
        _answers({("2.4", "Fresno"): "n/a"}),
        "cell-type",
        CellRef("2.4", "Fresno"),
        'expects a number, found "n/a"',
        on=("score", "score-alone", "run", "template"),
    ),
    *_xlsx("nan-as-text", _answers({("4.1", "Alameda"): "NaN"}), "cell-type", CellRef("4.1", "Alameda"), on=SR),
    *_xlsx(
        "number-with-unit", _answers({("4.1", "Alameda"): "12 members"}), "cell-type", CellRef("4.1", "Alameda"), on=S
    ),
    *_xlsx(
        "date-for-a-number",
        _answers({("4.3", "Fresno"): datetime(2022, 1, 1)}),
        "cell-type",
        CellRef("4.3", "Fresno"),
        on=S,
    ),
    *_xlsx("formula-as-text", _answers({("4.3", "Fresno"): "'=1+1"}), "cell-type", CellRef("4.3", "Fresno"), on=S),
    *_xlsx("negative-count", _answers({("3.4", "Alameda"): -3}), "cell-range", CellRef("3.4", "Alameda"), on=SR),
    *_xlsx("tier-out-of-range", _answers({("3.2", "Fresno"): 5}), "cell-range", CellRef("3.2", "Fresno"), on=S),
    *_xlsx("tier-not-whole", _answers({("3.2", "Alameda"): 1.5}), "cell-type", CellRef("3.2", "Alameda"), on=S),
    *_xlsx("tier-in-words", _answers({("3.2", "Alameda"): "two"}), "cell-type", CellRef("3.2", "Alameda"), on=S),
    *_xlsx(
        "maybe-for-yes-no",
        _answers({("1.1", "All"): "Maybe"}),
        "cell-type",
        CellRef("1.1", "All"),
        'expects Yes or No, found "Maybe"',
        on=SRT,
    ),
    *_xlsx("number-for-yes-no", _answers({("2.5", "All"): 1}), "cell-type", CellRef("2.5", "All"), on=S),
    *_xlsx(
        "text-in-the-target-column",
        _answers({}, targets={("2.1", "Fresno"): "tbd"}),
        "cell-type",
        CellRef("2.1", "Fresno", "Target"),
        on=SR,
    ),
    *_xlsx(
        "formula-without-saved-value",
        _answers({("3.4", "Fresno"): "=SUM(1,2)"}),
        "formula-no-value",
        CellRef("3.4", "Fresno"),
        "open and save it in Excel",
        on=SR,
    ),
    # ---- rows and columns
    *_xlsx("duplicate-row", _duplicate_row, "duplicate-row", None, "answered twice", on=SR),
    *_xlsx("unknown-measure", _row_cell("2.4", "Fresno", "Measure ID", "9.9"), "unknown-measure", "Responses!A", on=S),
    *_xlsx("unknown-county-row", _row_cell("2.4", "Fresno", "County", "Kern"), "unknown-county", "Responses!B", on=S),
    *_xlsx("plan-measure-on-county-row", _row_cell("1.1", "All", "County", "Fresno"), "measure-level", None, on=S),
    *_xlsx("county-measure-on-all-row", _row_cell("2.4", "Fresno", "County", "All"), "measure-level", None, on=S),
    *_xlsx(
        "response-header-missing",
        _workbook(lambda path: set_cell(path, "Responses", "C1", "Answer")),  # the Response header
        "missing-header",
        "Responses!1:1",
        on=SRT,
    ),
    *_xlsx(
        "two-response-columns",
        _wb_edit(lambda wb: wb["Responses"].cell(1, 15, "response")),
        "duplicate-header",
        "Responses!O1",
        on=S,
    ),
    *_xlsx(
        "empty-responses-sheet",
        _wb_edit(lambda wb: wb["Responses"].delete_rows(1, 1000)),
        "missing-header",
        "Responses!A1",
        on=S,
    ),
    # ---- the Cover
    *_xlsx("cover-mcp-blank", _cover("MCP", None), "cover-value", "Cover!B1", on=SRT),
    *_xlsx("cover-year-in-words", _cover("Program year", "first"), "cover-value", "Cover!B2", on=S),
    *_xlsx("cover-unknown-year", _cover("Program year", 9), "unknown-submission", "Cover!B2", on=SR),
    *_xlsx("cover-unknown-submission", _cover("Submission", 7), "unknown-submission", "Cover!B3", on=S),
    *_xlsx("cover-no-counties", _cover("Counties", " , "), "cover-value", "Cover!B4", on=S),
    *_xlsx("cover-other-measure-set", _cover("Measure set", "ab" * 32), "measure-set-mismatch", "Cover!B5", on=SR),
    *_xlsx(
        "cover-row-missing",
        _workbook(lambda path: delete_cover_row(path, "MCP")),
        "cover-value",
        "Cover",
        'no "MCP" row',
        on=S,
    ),
    *_xlsx("cover-mcp-not-in-plans", _cover("MCP", "gamma"), "unknown-mcp", "Cover", "gamma", on=SR),
    *_xlsx(
        "cover-county-not-in-plans",
        _cover("Counties", "Alameda, Fresno, Kern"),
        "unknown-county",
        "Cover",
        "Kern",
        on=SR,
    ),
    *_xlsx("a-second-workbook-for-alpha", _second_workbook, "duplicate-workbook", "Cover", on=("run",)),
    # ---- the file itself
    *_xlsx(
        "responses-sheet-missing",
        _wb_edit(lambda wb: wb.remove(wb["Responses"])),
        "missing-sheet",
        None,
        'no sheet "Responses"',
        on=SRT,
    ),
    *_xlsx("old-xls", _replace_file(xls_file), "not-xlsx", None, ".xls", on=SR),
    *_xlsx("random-bytes", _replace_file(random_file), "not-xlsx", None, on=("score-alone", "run", "template")),
    *_xlsx("truncated", _truncated, "not-xlsx", None, on=SR),
    *_xlsx("empty-file", _write(WORKBOOK, b""), "not-xlsx", None, "empty", on=S),
    *_xlsx("zip-of-something-else", _replace_file(plain_zip), "not-xlsx", None, on=S),
    *_xlsx(
        "broken-workbook-part",
        _rewritten(lambda name, data: b"<workbook>not really" if name == "xl/workbook.xml" else data),
        "not-xlsx",
        None,
        on=SR,
    ),
    *_xlsx("billion-laughs", _laughs, "workbook-unsafe", None, "<!DOCTYPE", on=SRT),
    *_xlsx(
        "external-entity",
        _rewritten(lambda name, data: EXTERNAL_ENTITY if name == "SHEET" else data, sheet="Cover"),
        "workbook-unsafe",
        None,
        on=SR,
    ),
    *_xlsx("a-folder-not-a-file", _folder_for_workbook, "file-unreadable", None, on=S),
    *_xlsx("missing", _remove(WORKBOOK), "file-not-found", None, on=("score-alone",)),
]

ALL_CASES = YAML_MEASURE_CASES + ELECTION_CASES + CSV_CASES + XLSX_CASES


# --------------------------------------------------------------------------- the good year


@pytest.fixture(scope="module")
def good_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small good year: data/ (2 MCPs, targets.csv, allocation.csv, alpha's workbook), a valid
    measures/ for --measures, and an empty out/. Every case copies it and adds one defect."""
    root = tmp_path_factory.mktemp("corpus-good")
    data = root / "data"
    shutil.copytree(DATA_BASE, data)
    (data / "targets.csv").write_text(GOOD_TARGETS, encoding="utf-8")
    (data / "allocation.csv").write_text(GOOD_TABLE, encoding="utf-8")
    (data / "submissions").mkdir()
    filled_workbook(data / "submissions")  # alpha.xlsx: alpha, Alameda and Fresno, PY1 submission 2
    (root / "measures" / "py1").mkdir(parents=True)
    shutil.copyfile(BASE_PROGRAM, root / "measures" / "py1" / "program.yaml")
    shutil.copyfile(BASE_SUBMISSION, root / "measures" / "py1" / "submission-1.yaml")
    (root / "minimal").mkdir()
    write_template(load_year(root / "measures", 1), 1, "alpha", ("Alameda", "Fresno"), root / MINIMAL_WORKBOOK)
    (root / "out").mkdir()
    return root


@pytest.fixture(scope="module")
def layout(good_root: Path) -> tuple[dict[tuple[str, str], int], dict[str, str]]:
    """(measure, county) → row and header → column letter of the good workbook's Responses sheet."""
    ws = openpyxl.load_workbook(good_root / WORKBOOK)["Responses"]
    return rows_by_key(ws), {str(c.value): str(c.column_letter) for c in ws[1] if c.value}


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "out" not in p.relative_to(root).parts
    }


# --------------------------------------------------------------------------- the tests


def test_the_corpus_is_large_and_spread_over_yaml_csv_and_xlsx() -> None:
    ids = [case.id for case in ALL_CASES]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    kinds = Counter(case.kind for case in ALL_CASES)
    assert len(ALL_CASES) >= 60
    assert kinds["yaml"] >= 40 and kinds["csv"] >= 25 and kinds["xlsx"] >= 40, kinds
    assert {c.command for c in ALL_CASES} == set(COMMANDS)
    assert sum(c.measures for c in ALL_CASES) >= 60  # every measure-set fixture, with --measures


GOOD_RUNS = [(command, False) for command in sorted(COMMANDS)] + [(c, True) for c in _MEASURE_COMMANDS]


@pytest.mark.parametrize(("command", "measures"), GOOD_RUNS, ids=[f"{c}{'-measures' * m}" for c, m in GOOD_RUNS])
def test_the_good_year_passes_every_command_of_the_corpus(
    command: str, measures: bool, good_root: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    """Each case is this year plus one defect, so the year itself must pass and write its file
    (with --measures: the minimal measure set, and alpha's workbook made from it)."""
    root = tmp_path / "root"
    shutil.copytree(good_root, root)
    if measures:
        _measure_set_workbook(root)
    argv = COMMANDS[command] + (["--measures", "measures"] if measures else [])
    code, _, err = run_cli(argv, cwd=root)
    assert code == 0, err
    assert "error:" not in err
    assert len(list((root / "out").iterdir())) == 1


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_a_malformed_input_gives_exit_2_one_line_naming_its_place_and_no_output(
    case: Case,
    good_root: Path,
    layout: tuple[dict[tuple[str, str], int], dict[str, str]],
    tmp_path: Path,
    run_cli: RunCli,
) -> None:
    root = tmp_path / "root"
    shutil.copytree(good_root, root)
    case.setup(root)
    before = tree_hashes(root)

    code, out, err = run_cli(case.argv(), cwd=root)

    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines and all(x.startswith("error: ") and x.endswith("]") for x in lines), err
    line = lines[0]
    assert line.endswith(f"[{case.code}]"), line
    place = _place(case, layout)
    assert line.startswith(f"error: {place}"), (place, line)
    for word in case.words:
        assert word.lower() in line.lower(), (word, line)
    assert list((root / "out").iterdir()) == []  # no output file, and no temporary file either
    assert tree_hashes(root) == before  # no input touched


def _place(case: Case, layout: tuple[dict[tuple[str, str], int], dict[str, str]]) -> str:
    """The start of the error line: ``file:line: key: ``, ``file: Sheet!Cell: `` or ``file: ``."""
    if case.line is not None:
        return f"{case.file}:{case.line}: " + (f"{case.key}: " if case.key else "")
    if isinstance(case.cell, CellRef):
        rows, letters = layout
        return f"{case.file}: Responses!{letters[case.cell.header]}{rows[(case.cell.measure, case.cell.county)]}: "
    if case.cell is not None:
        return f"{case.file}: {case.cell}"  # a prefix: "Responses!A" (column known), "Cover" (sheet only)
    if case.code in ("duplicate-row", "measure-level"):
        return f"{case.file}: Responses!"  # a cell of the Responses sheet, wherever the row is
    return f"{case.file}: "


JSON_CASES = [case for case in ALL_CASES[::3] if case.command != "template"]  # template has no --format


@pytest.mark.parametrize("case", JSON_CASES, ids=lambda case: case.id)
def test_with_format_json_the_error_is_one_json_object_on_stdout(
    case: Case,
    good_root: Path,
    layout: tuple[dict[tuple[str, str], int], dict[str, str]],
    tmp_path: Path,
    run_cli: RunCli,
) -> None:
    """FORMATS.md: ``{"error": {code, message, file, line | sheet + cell}}``, for scripts."""
    root = tmp_path / "root"
    shutil.copytree(good_root, root)
    case.setup(root)

    code, out, err = run_cli([*case.argv(), "--format", "json"], cwd=root)

    assert code == 2, (out, err)
    assert "Traceback" not in out + err and "error:" not in err
    error = json.loads(out)["error"]
    assert error["code"] == case.code
    assert error["file"] == case.file
    assert error["message"] and "\n" not in error["message"]
    # A missing sheet is a problem of the whole file: it has no cell to name (the sampling of
    # ALL_CASES[::3] reached this case once the corpus grew).
    whole_file = ("file-unreadable", "file-not-found", "not-xlsx", "workbook-unsafe", "missing-sheet")
    if case.kind == "xlsx" and case.code not in whole_file:
        assert set(error) >= {"sheet", "cell"} and "line" not in error, error
        if isinstance(case.cell, CellRef):
            rows, letters = layout
            cell = case.cell
            assert (error["sheet"], error["cell"]) == (
                "Responses",
                f"{letters[cell.header]}{rows[(cell.measure, cell.county)]}",
            )
    else:
        assert "line" in error and "sheet" not in error, error
        assert error["line"] == case.line
        if case.key is not None:
            assert error["key"] == case.key
    assert list((root / "out").iterdir()) == []
