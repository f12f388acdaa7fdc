"""The report workbook answers "where did plan X's dollars in county Y come from" on its own:
a Cells sheet with every dollar at cell level, Scores with the value and target of each row,
a Findings sheet, totals that follow a filter, a header and footer on every printed page, and
a Sources sheet that says how and when the report was made, reproducibly.

On the example year (``ipp run --year 1 --data examples/py1 -o report.xlsx``). heron-creek-care
has one county, Contra Costa; its Payment 2 area 2 cell, checked by hand in
tests/test_score_view.py: allocated 1,161,300.76, 70 of 100 points → fraction 0.7 → earned
0.7 × 1,161,300.76 = 812,910.532 → 812,910.53; unearned 1,161,300.76 − 812,910.53 = 348,390.23.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import RunCli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"
EPOCH = "1764633600"  # 2025-12-02 00:00 UTC


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    from ipp_calc.cli import main

    out = tmp_path_factory.mktemp("cells") / "report.xlsx"
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        with pytest.raises(SystemExit):
            main(["run", "--year", "1", "--data", str(EXAMPLE), "-o", str(out), "--format", "json"])
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    return out


def rows(ws: Any, header: int) -> list[dict[str, Any]]:
    names = [c.value for c in ws[header]]
    return [dict(zip(names, r, strict=False)) for r in ws.iter_rows(min_row=header + 1, values_only=True) if r[0]]


def money(value: Any) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def test_the_cells_sheet_shows_where_a_plans_dollars_in_a_county_came_from(report_file: Path) -> None:
    ws = load_workbook(report_file, data_only=True)["Cells"]
    cells = rows(ws, 2)
    heron = [r for r in cells if r["MCP"] == "heron-creek-care"]
    assert len(heron) == 8 and {r["County"] for r in heron} == {"Contra Costa"}  # 2 payments × 4 areas
    (cell,) = [r for r in heron if r["Payment"] == 2 and r["Priority area"] == 2]
    assert money(cell["Allocated"]) == Decimal("1161300.76")
    assert (cell["Points earned"], cell["Points available"], cell["Fraction"]) == (70, 100, 0.7)
    assert money(cell["Earned"]) == Decimal("812910.53") and money(cell["Unearned"]) == Decimal("348390.23")
    assert cell["Submission"] == 2  # payment 2 is paid by submission 2
    for r in cells:  # every dollar is accounted for on its own row
        assert money(r["Allocated"]) == money(r["Earned"]) + money(r["Unearned"]) + money(r["Forfeited"])
    # no allocation.csv: the factors place the whole funding, so the cells add up to it
    assert sum((money(r["Allocated"]) for r in cells), Decimal(0)) == Decimal("600000000.00")
    # the totals above the header are SUBTOTALs (they follow a filter), stored with ipp's sums
    assert money(ws["F1"].value) == Decimal("600000000.00")
    formulas = load_workbook(report_file)["Cells"]
    assert formulas["F1"].value == f"=SUBTOTAL(109,F3:F{len(cells) + 2})"
    assert formulas.freeze_panes == "C3" and formulas.auto_filter.ref == f"A2:L{len(cells) + 2}"


def test_scores_show_the_value_the_target_and_where_the_target_came_from(report_file: Path) -> None:
    scores = rows(load_workbook(report_file, data_only=True)["Scores"], 1)
    (row,) = [r for r in scores if r["MCP"] == "heron-creek-care" and r["Submission"] == 2 and r["Measure"] == "2.1"]
    # targets.csv: heron-creek-care, Contra Costa, 2.1, 184; the workbook reports 160
    assert (row["Value"], row["Target"], row["Target from"]) == (160, 184, "targets.csv")
    # "missed by more than 10 %" is a filter on two columns: (184 − 160) / 184 = 13 %
    assert row["Value"] < 0.9 * row["Target"]


def test_every_printed_page_has_the_title_the_status_and_page_x_of_y(report_file: Path) -> None:
    book = load_workbook(report_file)
    for ws in book.worksheets:
        assert "year report" in ws.oddHeader.left.text, ws.title
        assert ws.oddHeader.right.text == "ILLUSTRATIVE: not DHCS's numbers", ws.title
        assert ws.oddFooter.right.text == "Page &P of &N", ws.title
        assert "2025-12-02 00:00 UTC" in ws.oddFooter.center.text, ws.title
        # one page wide (fitToWidth defaults to 1), as many pages tall as it takes
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0, ws.title


def test_sources_say_which_version_which_command_when_and_each_inputs_sha256(report_file: Path) -> None:
    sources = list(load_workbook(report_file)["Sources"].iter_rows(values_only=True))
    report = {r[1]: r[2] for r in sources if r[0] == "report"}
    assert report["written by"].startswith("ipp-calc ")
    assert report["command line"].startswith("ipp run --year 1 --data ") and report["command line"].endswith(
        "--format json"
    )
    assert report["made at (UTC)"] == "2025-12-02 00:00 UTC"  # SOURCE_DATE_EPOCH
    workbooks = {r[1]: r[3] for r in sources if r[0] == "workbook"}
    assert len(workbooks) == 50
    path, digest = next(iter(workbooks.items()))
    assert digest == hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_with_source_date_epoch_two_runs_write_byte_identical_reports(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = tmp_path / "r.xlsx"
    made = []
    for _ in range(2):
        code, _, err = run_cli(["run", "--year", "1", "--data", EXAMPLE, "-o", out, "-f", "json"])
        assert code == 0, err
        made.append(out.read_bytes())
    assert made[0] == made[1]


def test_the_findings_sheet_lists_the_years_findings_and_notes(report_file: Path) -> None:
    ws = load_workbook(report_file)["Findings"]
    names = [c.value for c in ws[1]]
    found = [dict(zip(names, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [c.value for c in ws[1]] == ["MCP", "Where", "Code", "Kind", "Finding"]
    assert any(r["Kind"] == "note" and "ILLUSTRATIVE" in str(r["Finding"]) for r in found)
    assert ws.auto_filter.ref and ws.freeze_panes == "A2"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_recalculates_the_subtotals_to_ipps_own_sums(report_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "calc"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(report_file)],
        check=True,
        capture_output=True,
        timeout=300,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    ws = load_workbook(out / report_file.name, data_only=True)["Cells"]
    cells = rows(ws, 2)
    for column, name in (("F", "Allocated"), ("J", "Earned"), ("K", "Unearned"), ("L", "Forfeited")):
        assert money(ws[f"{column}1"].value) == sum((money(r[name]) for r in cells), Decimal(0)), name
