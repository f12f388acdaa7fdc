"""LibreOffice itself writes the workbooks: the committed fixtures are still what it writes.

Why live: ``test_real_clients.py`` reads LibreOffice-written files committed under
``tests/fixtures/workbooks/`` (fast, and runs anywhere); this test makes them again with the
installed ``soffice --headless --convert-to xlsx`` and checks that ``ipp score`` reads the fresh
files exactly as the committed ones, with both readers. It needs LibreOffice and takes seconds, so
it runs when ``IPP_TEST_LIBREOFFICE=1`` (``.ci/run`` installs LibreOffice and sets it).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import RunCli

FIXTURES = Path(__file__).parent / "fixtures" / "workbooks"
sys.path.insert(0, str(FIXTURES))

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("IPP_TEST_LIBREOFFICE") != "1":
        pytest.skip("set IPP_TEST_LIBREOFFICE=1 to run LibreOffice live (.ci/run does)")
    if shutil.which("soffice") is None:
        pytest.fail("IPP_TEST_LIBREOFFICE=1 but soffice is not installed")
    import make  # tests/fixtures/workbooks/make.py

    folder = tmp_path_factory.mktemp("libreoffice")
    (folder / "out").mkdir()
    make.convert([make.source(folder, name) for name in make.FIXTURES], folder / "out", folder / "profile")
    return folder / "out"


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
@pytest.mark.parametrize("name", ["libreoffice-filled.xlsx", "libreoffice-errors.xlsx"])
def test_libreoffice_writes_what_the_committed_fixtures_hold(
    fresh: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, reader: str, name: str
) -> None:
    monkeypatch.setenv("IPP_READER", reader)
    outcomes = []
    for path in (FIXTURES / name, fresh / name):
        code, out, _ = run_cli(["score", path, "--format", "json"], cwd=path.parent)
        document = json.loads(out)
        if "error" in document:
            document["error"].pop("file", None)
            for more in document["error"].get("more", []):
                more.pop("file", None)
        else:
            document.pop("source", None)
            document.pop("file", None)
        outcomes.append((code, document))
    assert outcomes[0] == outcomes[1]


# --------------------------------------------------------------------------- the template's live totals

ALLOCATION_CSV = "county,amount\nAlameda,1000.10\nFresno,2000.00\n"
ELECTIONS_YAML = 'alpha:\n  flexible: {3: "0.30"}\n  community_supports: [Sobering Centers]\n'


def test_the_templates_live_subtotals_computed_by_libreoffice_are_what_ipp_score_says(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """Issue 16: LibreOffice opens a filled template, recomputes the Summary sheet, and its points
    earned, available, fraction, dollars at stake and earned per county and area are ipp score's.

    The allocation is chosen for one hand-checked tie: Alameda $1,000.10 → Payment 2 $500.05 →
    area 1 (20 %) **$100.01**; area 1 in Alameda earns 1.1 (20, plan level) + 1.2 (30, target 12
    met) = 50 of 100 points, so 10,001 cents × 1/2 = 5,000.5 → half to even **$50.00** (a
    spreadsheet's ROUND would say $50.01)."""
    if os.environ.get("IPP_TEST_LIBREOFFICE") != "1":
        pytest.skip("set IPP_TEST_LIBREOFFICE=1 to run LibreOffice live (.ci/run does)")
    import openpyxl

    from ipp_calc.core.responses import Answer, FilledSubmission
    from ipp_calc.io.planside import plan_allocation, read_plan_allocation, read_plan_elections
    from ipp_calc.io.template import stakes_from, write_template
    from workbooks import COUNTIES, measure_set

    allocation, elections = tmp_path / "mine.csv", tmp_path / "mine.yaml"
    allocation.write_text(ALLOCATION_CSV, encoding="utf-8")
    elections.write_text(ELECTIONS_YAML, encoding="utf-8")
    ms = measure_set(1)
    table, _ = read_plan_allocation(allocation, "alpha", COUNTIES)
    election, _ = read_plan_elections(elections, ms.program, "alpha")
    stakes = stakes_from(plan_allocation(ms.program, "alpha", table, election), ms, 2, "alpha", COUNTIES, "mine")
    typed: dict[tuple[str, str], bool | int | Decimal] = {
        ("1.1", "All"): True,
        ("1.2", "Alameda"): Decimal(12),  # target 12, higher is better: met, 30
        ("1.3", "Fresno"): Decimal(30),  # 30 / 40 = 0.75 of the target: tier 1, 10
        ("2.1", "Alameda"): Decimal(5),  # target 10: not met
        ("2.5", "All"): True,
        ("3.2", "Alameda"): 2,  # both tiers: 10
        ("3.2", "Fresno"): 1,  # tier 1: 5
        ("3.4", "Fresno"): Decimal(0),  # reported: 10
        ("4.1", "Alameda"): Decimal(7),
        ("4.2", "Alameda"): Decimal("3.5"),
        ("4.1", "Fresno"): Decimal(1),
    }
    answers = FilledSubmission("alpha", 1, 2, COUNTIES, {k: Answer(*k, v) for k, v in typed.items()})
    targets = {("1.2", "Alameda"): Decimal(12), ("1.3", "Fresno"): Decimal(40), ("2.1", "Alameda"): Decimal(10)}
    path = tmp_path / "alpha.xlsx"
    write_template(ms, 2, "alpha", COUNTIES, path, targets=targets, answers=answers, stakes=stakes)
    own = ["--allocation", allocation, "--elections", elections]
    code, out, err = run_cli(["score", path, *own, "--format", "json"])
    assert code == 0, err
    scored = json.loads(out)
    make = pytest.importorskip("make")  # tests/fixtures/workbooks/make.py
    (tmp_path / "out").mkdir()
    [computed] = make.convert([path], tmp_path / "out", tmp_path / "profile")
    ws = openpyxl.load_workbook(computed, data_only=True)["Summary"]
    header = [c.value for c in ws[5]]
    assert header[:7] == [
        "County",
        "Priority area",
        "Points earned",
        "Points available",
        "Fraction",
        "At stake",
        "Earned (preview)",
    ]
    sheet = {}
    for row in ws.iter_rows(min_row=6, max_row=13, values_only=True):
        sheet[(row[0], int(str(row[1]).split(":")[0]))] = row[2:7]
    dollars: dict[tuple[str, int], list[Decimal]] = {}
    for d in scored["dollars"]:
        at = dollars.setdefault((d["county"], d["priority_area"]), [Decimal(0), Decimal(0)])
        at[0] += Decimal(d["allocated"]) - Decimal(d["forfeited"])
        at[1] += Decimal(d["earned"])
    expected = {
        (a["county"], a["priority_area"]): (
            a["points_earned"],
            a["points_available"],
            a["fraction"],
            *dollars[(a["county"], a["priority_area"])],
        )
        for a in scored["areas"]
    }
    got = {
        key: (earned, available, round(fraction, 6), Decimal(str(stake)), Decimal(str(round(paid, 2))))
        for key, (earned, available, fraction, stake, paid) in sheet.items()
    }
    assert got == expected
    assert expected[("Alameda", 1)] == (50, 100, 0.5, Decimal("100.01"), Decimal("50.00"))  # the tie, to even
    # Fresno area 1: 1.1 (20) + 1.3 tier 1 (10) = 30 of 100; $200.00 × 0.3 = $60.00
    assert expected[("Fresno", 1)] == (30, 100, 0.3, Decimal("200.00"), Decimal("60.00"))
    blank = next(r for r in ws.iter_rows(min_row=14, values_only=True) if r[0] == "Mandatory answers still blank")
    assert blank[2] == len(scored["mandatory_missing"])
