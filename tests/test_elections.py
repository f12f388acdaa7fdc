"""Elections in the template and ``ipp elections``, through the real CLI.

The PY1 Submission 1 template carries an ``Elections`` sheet (``gap_filling_submission: 1``); the
example year's Submission 1 workbooks have each plan's election typed in, so gathering them must
give back examples/py1/elections.yaml, with DHCS's own fields kept.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import RunCli
from ipp_calc.core.models import Election
from ipp_calc.io.yamlload import load_yaml, validate

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"
APPROVED = "ember-flats-health-circle"  # approved exception {from: 1, to: 3, share: "0.05"}
ON_CAP = "redwood-grove-care"  # corrective action plan, recoupment "0.25"
PLAN = "heron-creek-care"


@pytest.fixture
def year(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "py1"))


def elections_of(path: Path) -> dict[str, Election]:
    return validate(dict[str, Election], load_yaml(path, str(path)))


def set_elections(path: Path, values: dict[str, Any]) -> None:
    """Type into the Elections sheet's column B beside the labels of column A, as in Excel."""
    book = openpyxl.load_workbook(path)
    ws = book["Elections"]
    for row in range(1, ws.max_row + 1):
        label = ws.cell(row, 1).value
        if label in values:
            ws.cell(row, 2).value = values[label]
    book.save(path)


def workbook(year: Path, mcp: str) -> Path:
    return year / "submissions" / f"{mcp}-submission-1.xlsx"


def test_gathering_the_example_workbooks_gives_back_the_example_elections(run_cli: RunCli, year: Path) -> None:
    out = year / "elections.yaml"
    before = elections_of(out)
    code, _, err = run_cli(["elections", "--year", "1", "--data", year, "-o", out])
    assert code == 0, err
    after = elections_of(out)
    assert after == before  # every plan's flexible shares, supports, exception, CAP and recoupment
    assert after[APPROVED].exception is not None and after[APPROVED].exception.approved  # same request: kept
    assert after[ON_CAP].corrective_action_plan and str(after[ON_CAP].recoupment) == "0.25"  # DHCS's: kept


def test_a_disagreement_with_the_existing_file_is_a_finding_and_the_workbook_wins(run_cli: RunCli, year: Path) -> None:
    path = year / "elections.yaml"
    text = path.read_text()
    entry = text.index(f"{PLAN}:")
    line_start = text.index("  flexible:", entry)
    line_end = text.index("\n", line_start)
    was = text[line_start:line_end]
    path.write_text(text[:line_start] + '  flexible: {1: "0.30"}' + text[line_end:])
    code, out, err = run_cli(["elections", "--year", "1", "--data", year])
    assert code == 1
    assert "[election-disagreement]" in err and f"MCP {PLAN}: the workbook elects" in err
    gathered = out[out.index(f"{PLAN}:") :].splitlines()[1]
    assert gathered.strip() == was.strip().replace('"0.1"', '"0.10"')


def test_a_new_exception_request_is_written_unapproved_for_dhcs_to_decide(run_cli: RunCli, year: Path) -> None:
    set_elections(
        workbook(year, PLAN),
        {"From area": 1, "To area": 4, "Share moved": 0.05, "Justification": 'Housing "first", as agreed'},
    )
    code, out, err = run_cli(["elections", "--year", "1", "--data", year, "-f", "json"])
    assert code == 0, err
    assert "written approved: false; DHCS marks it approved or removes it" in err
    exception = json.loads(out)["elections"][PLAN]["exception"]
    assert exception == {
        "approved": False,
        "from": 1,
        "to": 4,
        "share": "0.05",
        "justification": 'Housing "first", as agreed',
        "reference": [],
    }


def test_a_bad_cell_in_the_elections_sheet_names_it_and_keeps_the_plans_old_entry(run_cli: RunCli, year: Path) -> None:
    set_elections(workbook(year, PLAN), {"Area 1: Delivery System Infrastructure": "lots"})
    out = year / "elections-new.yaml"
    code, _, err = run_cli(["elections", "--year", "1", "--data", year, "-o", out])
    assert code == 1
    assert f"{PLAN}-submission-1.xlsx: Elections!B5: the flexible share of area 1 expects a number" in err
    assert elections_of(out)[PLAN] == elections_of(year / "elections.yaml")[PLAN]


def test_shares_that_do_not_add_up_to_the_flexible_share_are_a_finding(run_cli: RunCli, year: Path) -> None:
    areas = {
        "Area 1: Delivery System Infrastructure": 0.10,
        "Area 2: ECM Provider Capacity Building": None,
        "Area 3: Community Supports (ILOS) Provider Capacity Building and Take-Up": None,
        "Area 4: Quality": None,
    }
    set_elections(workbook(year, PLAN), areas)  # 0.10 in all, not 0.30
    code, _, err = run_cli(["elections", "--year", "1", "--data", year])
    assert code == 1 and f"MCP {PLAN}:" in err and "Elections" in err


def test_only_the_gap_filling_submissions_template_has_an_elections_sheet(run_cli: RunCli, tmp_path: Path) -> None:
    for number, sheets in (
        (1, ["Cover", "Instructions", "Responses", "Summary", "Elections"]),
        (2, ["Cover", "Instructions", "Responses", "Summary"]),
    ):
        out = tmp_path / f"s{number}.xlsx"
        argv = ["template", "-y", "1", "-s", str(number), "--mcp", "alpha", "--counties", "Alameda", "-o", out]
        assert run_cli(argv).exit_code == 0
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == sheets
    ws = openpyxl.load_workbook(tmp_path / "s1.xlsx")["Elections"]
    shares = next(v for v in ws.data_validations.dataValidation if "B5" in str(v.sqref))
    assert (shares.type, shares.formula1, shares.formula2) == ("decimal", "0", "0.3")  # 0 to the flexible 0.30
    supports = next(v for v in ws.data_validations.dataValidation if v.formula1 == '"Yes,No"')
    assert str(supports.sqref) == "B19:B32"  # one Yes/No per name of the 14-name catalog
    assert ws["B9"].value == "=SUM(B5:B8)"  # the live total of the four areas
