"""The year's report workbook (src/ipp_calc/io/report.py), written and read back with openpyxl.

The year is small and made by hand on the shipped PY1 measure set, with one MCP for each case the
report must show:

* ``alpha``: two counties, every answer given, three Community Supports: eligible for the pool;
* ``beta``: offers no Community Supports, so its area-3 share is forfeited to the pool;
* ``gamma``: eligible, with capitation set so that its pool room is exactly $1,000.00, less than
  its share of the pool: capped in the first round;
* ``delta``: leaves a mandatory measure unanswered (not eligible), is on a corrective action plan
  with a quarter of Payment 1 recouped, and has a county named ``#N/A`` (text, not an error value).
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from ipp_calc.core.models import Election, MeasureSet, PlanRow, SourceFile, TargetRow
from ipp_calc.core.responses import PLAN_LEVEL, Answer, AnswerValue, FilledSubmission
from ipp_calc.core.year import YearInputs, YearResult, run_year
from ipp_calc.io import report
from ipp_calc.io.measures import load_year, shipped_measures_dir
from ipp_calc.io.report import ILLUSTRATIVE, MONEY_FORMAT, SHEETS, write_report
from openpyxl_reference import render
from xlsx_fingerprint import describe, differences

D = Decimal
CENT = D("0.01")
CS3 = ["Housing Deposits", "Respite Services", "Sobering Centers"]
COUNTIES = {"alpha": ("Alameda", "Fresno"), "beta": ("Alameda",), "gamma": ("Kern",), "delta": ("#N/A", "Fresno")}
NOTES = ['=HYPERLINK("http://example.invalid","click")', "a plain note"]
SOURCES = (SourceFile("data/plans.csv", "ab" * 32), SourceFile("data/elections.yaml", "cd" * 32))
WORKBOOKS = ("data/submissions/alpha-1.xlsx",)


# --------------------------------------------------------------------------- the year


def _answer(ms: MeasureSet, submission: int, measure_id: str) -> AnswerValue:
    """An answer that earns the measure's points (with the targets below)."""
    measure = ms.submissions[submission].measure(measure_id)
    assert measure is not None
    if measure.kind == "completion":
        return True
    if measure.kind == "tiered" and measure.basis == "completion":
        return len(measure.tiers or [])
    return D(10)  # reporting, target (target 5, higher is better; lower-is-better ones are missed)


def _filed(ms: MeasureSet, mcp: str, submission: int, *, skip: tuple[str, str] | None = None) -> FilledSubmission:
    answers: dict[tuple[str, str], Answer] = {}
    for measure in ms.submissions[submission].measures:
        if not measure.mandatory and measure.kind != "target":
            continue  # optional measures left blank: some dollars go unearned
        places = (PLAN_LEVEL,) if measure.level == "plan" else COUNTIES[mcp]
        for county in places:
            if (measure.id, county) == skip:
                continue
            answers[(measure.id, county)] = Answer(measure.id, county, _answer(ms, submission, measure.id))
    return FilledSubmission(
        mcp, 1, submission, COUNTIES[mcp], answers, source=f"data/submissions/{mcp}-{submission}.xlsx"
    )


def _inputs(ms: MeasureSet, gamma_capitation: Decimal | None) -> YearInputs:
    factors = {
        "alpha": [(300, 200), (100, 100)],
        "beta": [(200, 150)],
        "gamma": [(250, 180)],
        "delta": [(150, 120), (90, 60)],
    }
    plans = tuple(
        PlanRow(
            mcp,
            county,
            D(mm) * 1000,
            D(rev) * 100000,
            wpc=county == "Alameda",
            hhp=False,
            capitation=gamma_capitation if mcp == "gamma" else None,
        )
        for mcp, rows in factors.items()
        for county, (mm, rev) in zip(COUNTIES[mcp], rows, strict=True)
    )
    elections = {
        "alpha": Election.model_validate({"flexible": {2: "0.10", 3: "0.20"}, "community_supports": CS3}),
        "beta": Election.model_validate({"flexible": {1: "0.30"}, "community_supports": []}),
        "gamma": Election.model_validate({"flexible": {3: "0.30"}, "community_supports": CS3}),
        "delta": Election.model_validate(
            {
                "flexible": {4: "0.30"},
                "community_supports": CS3,
                "corrective_action_plan": True,
                "recoupment": "0.25",
            }
        ),
    }
    sub2 = ms.submissions[2]
    targets = tuple(
        TargetRow(mcp, county, m.id, D(5))
        for mcp, counties in COUNTIES.items()
        for county in counties
        for m in sub2.measures
        if m.needs_target and m.level == "county"
    )
    filed = {(mcp, s): _filed(ms, mcp, s) for mcp in COUNTIES for s in (1, 2)}
    filed[("delta", 1)] = _filed(ms, "delta", 1, skip=("1.3", "Fresno"))  # a mandatory answer missing
    return YearInputs(ms, plans, elections, None, targets, filed)


@pytest.fixture(scope="module")
def year() -> YearResult:
    ms = load_year(shipped_measures_dir(), 1)
    first = run_year(_inputs(ms, None))
    gamma = next(s for s in first.summary if s.mcp == "gamma")
    # 5% of capitation = earned + $1,000.00: gamma's room in the pool is exactly $1,000.00.
    result = run_year(_inputs(ms, (gamma.earned + D("1000.00")) * 20))
    # A reason that a spreadsheet would run as a formula if it were written as it is.
    score = result.scores[0]
    measures = (replace(score.measures[0], reason="=1+1"), *score.measures[1:])
    return replace(result, scores=(replace(score, measures=measures), *result.scores[1:]))


@pytest.fixture(scope="module")
def report_path(year: YearResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.xlsx"
    write_report(year, path, notes=NOTES, sources=SOURCES, workbooks=WORKBOOKS)
    return path


@pytest.fixture(scope="module")
def book(report_path: Path) -> Any:
    return load_workbook(report_path)


@pytest.fixture(scope="module")
def cached(report_path: Path) -> Any:
    """The same workbook with each formula read as its stored result (what a viewer shows)."""
    return load_workbook(report_path, data_only=True)


def test_the_year_has_the_cases_the_report_must_show(year: YearResult) -> None:
    pool = {p.mcp: p for p in year.pool.plans}
    beta = year.allocation.plan("beta")
    assert beta is not None and beta.forfeited > 0
    assert pool["alpha"].eligible and pool["gamma"].eligible
    assert not pool["beta"].eligible and not pool["delta"].eligible
    assert pool["gamma"].capped and pool["gamma"].award == D("1000.00")
    assert any("mandatory measures not reported" in r for r in pool["delta"].reasons)
    assert pool["delta"].recouped > 0
    assert year.reconciliation.balanced


# --------------------------------------------------------------------------- helpers


def _money(value: Any) -> Decimal:
    assert isinstance(value, (int, float)) and not isinstance(value, bool), f"not a number: {value!r}"
    return D(repr(value)).quantize(CENT)


def _header_row(ws: Any, first: str) -> int:
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        if cell.value == first:
            return int(cell.row)
    raise AssertionError(f"{ws.title}: no header row starting {first!r}")


def _table(ws: Any, header_row: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Header names and the rows under them, up to the first row with column A empty."""
    names = [c.value for c in ws[header_row] if c.value is not None]
    rows: list[tuple[Any, ...]] = []
    for row in ws.iter_rows(min_row=header_row + 1, max_col=len(names), values_only=True):
        if row[0] is None:
            break
        rows.append(row)
    return names, rows


# --------------------------------------------------------------------------- the workbook


def test_sheets_in_order(book: Any) -> None:
    assert book.sheetnames == list(SHEETS)
    assert SHEETS == ("Summary", "Cells", "Allocation", "Scores", "Pool", "Reconciliation", "Findings", "Sources")


def test_every_sheet_has_a_frozen_header_and_a_filter(book: Any) -> None:
    for ws in book.worksheets:
        assert ws.freeze_panes is not None, ws.title
        assert ws.auto_filter.ref, ws.title
        top = int(ws.auto_filter.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        frozen = int(ws.freeze_panes.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        assert frozen == top + 1, f"{ws.title}: the filter's header row {top} is not the frozen one"
        assert all(cell.font.b for cell in ws[top] if cell.value is not None), f"{ws.title}: header not bold"
        assert ws.column_dimensions["A"].width > 6


def test_summary_has_a_bar_chart_of_the_summary_cells(book: Any) -> None:
    ws = book["Summary"]
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert chart.tagname == "barChart"
    titles = []
    for series in chart.series:
        sheet, cell = series.tx.strRef.f.replace("$", "").split("!")
        assert sheet.strip("'") == "Summary"
        titles.append(ws[cell].value)
        assert series.val.numRef.f.split("!")[0].strip("'") == "Summary"
    assert titles == ["Earned", "Pool award", "Unearned", "Forfeited"]
    header = _header_row(ws, "MCP")
    categories = chart.series[0].cat.numRef or chart.series[0].cat.strRef  # openpyxl writes a numRef
    assert categories.f.replace("$", "").replace("'", "") == f"Summary!A{header + 1}:A{header + len(COUNTIES)}"


def test_summary_rows_totals_and_money(book: Any, cached: Any, year: YearResult) -> None:
    formulas = book["Summary"]
    ws = cached["Summary"]
    start = _header_row(ws, "MCP")
    names, rows = _table(ws, start)
    assert names[:3] == ["MCP", "Counties", "Max allocation"]
    assert "Earned, payment 1" in names and "Earned, payment 2" in names
    by_mcp = {r[0]: dict(zip(names, r, strict=True)) for r in rows if not r[0].startswith("Total")}
    assert sorted(by_mcp) == sorted(COUNTIES)
    data = year.to_json()["summary"]
    money = {
        "Max allocation": "max_allocation",
        "Earned": "earned",
        "Unearned": "unearned",
        "Forfeited": "forfeited",
        "Recouped": "recouped",
        "Pool award": "pool_award",
        "Total": "total",
    }
    for plan in data:
        row = by_mcp[plan["mcp"]]
        assert row["Counties"] == plan["counties"]
        for column, key in money.items():
            assert _money(row[column]) == D(plan[key]), (plan["mcp"], column)
        cap = row["Capitation"]
        assert (cap is None) if plan["capitation"] is None else _money(cap) == D(plan["capitation"])
        assert (row["Breaches"] or "") == "; ".join(plan["breaches"])
    totals = dict(zip(names, rows[-1], strict=True))
    assert totals["MCP"] == "Total (filtered rows)"
    for column, key in money.items():
        assert _money(totals[column]) == sum((D(p[key]) for p in data), D(0)), column
    earned_by = ("Earned, payment 1", "Earned, payment 2")
    for payment in (1, 2):
        expected = sum((D(e["earned"]) for p in data for e in p["earned_by_payment"] if e["payment"] == payment), D(0))
        assert _money(totals[f"Earned, payment {payment}"]) == expected
    # Money is a number with the currency format; the totals are SUBTOTALs (they follow a
    # filter) whose stored results are the sums above, so they show without a recalculation.
    total_row = start + len(rows)
    assert formulas.cell(total_row, 3).value == f"=SUBTOTAL(109,C{start + 1}:C{total_row - 1})"
    for r in range(start + 1, start + 1 + len(rows)):
        for c, name in enumerate(names, 1):
            cell = ws.cell(r, c)
            assert (formulas.cell(r, c).data_type == "f") == (r == total_row and name in (*money, *earned_by))
            if name in money and cell.value is not None:
                assert cell.data_type == "n" and cell.number_format == MONEY_FORMAT, (r, name)


def test_summary_shows_the_findings_and_the_illustrative_line(book: Any, year: YearResult) -> None:
    texts = [c.value for (c,) in book["Summary"].iter_rows(min_col=1, max_col=1) if isinstance(c.value, str)]
    assert year.ms.illustrative and ILLUSTRATIVE in texts
    assert year.findings, "gamma's maximum allocation is above 5% of its capitation: a finding"
    for finding in year.findings:
        assert finding.line_text() in texts


def test_allocation_has_every_cell(book: Any, year: YearResult) -> None:
    ws = book["Allocation"]
    names, rows = _table(ws, 1)
    assert names == ["MCP", "County", "Payment", "Priority area", "Amount", "Forfeited"]
    expected = [
        (c.mcp, c.county, c.payment, c.priority_area, c.amount, "yes" if c.forfeited else "no")
        for c in year.allocation.cells
    ]
    assert [(*r[:4], _money(r[4]), r[5]) for r in rows] == expected
    assert {r[1] for r in rows if r[0] == "delta"} == {"#N/A", "Fresno"}
    assert ws["E2"].number_format == MONEY_FORMAT
    assert all(ws.cell(r, 2).data_type == "s" for r in range(2, len(rows) + 2))  # "#N/A" is text


def test_scores_has_every_measure_row(book: Any, year: YearResult) -> None:
    ws = book["Scores"]
    names, rows = _table(ws, 1)
    assert names == [
        "MCP",
        "Submission",
        "Measure",
        "County",
        "Priority area",
        "Kind",
        "Mandatory",
        "Reported",
        "Points earned",
        "Points possible",
        "Value",
        "Target",
        "Target from",
        "Worth",
        "Reason",
    ]
    expected = [(s.mcp, s.submission, m) for s in year.scores for m in s.measures]
    assert len(rows) == len(expected)
    for row, (mcp, submission, m) in zip(rows, expected, strict=True):
        assert row[:6] == (mcp, submission, m.measure, m.county, m.priority_area, m.kind)
        assert row[6:8] == ("yes" if m.mandatory else "no", "yes" if m.reported else "no")
        assert D(repr(row[8])) == m.points_earned and D(repr(row[9])) == m.points_possible
        shown = {True: "Yes", False: "No"}.get(m.value, m.value) if isinstance(m.value, bool) else m.value
        assert row[10] == (float(shown) if isinstance(shown, Decimal) else shown), (m.measure, m.county)
        assert (row[11] is None) if m.target is None else D(repr(row[11])) == m.target
        assert row[12] == m.target_source
        assert (row[13] is None) if m.worth is None else _money(row[13]) == m.worth
    assert ws["N2"].number_format == MONEY_FORMAT
    assert {r[12] for r in rows} == {None, "targets.csv"}  # the year has targets.csv rows


def test_text_that_looks_like_a_formula_is_stored_as_text(book: Any) -> None:
    reason = book["Scores"]["O2"]
    assert reason.data_type == "s" and reason.value == "'=1+1"
    notes = [r[1] for r in book["Sources"].iter_rows(values_only=True) if r[0] == "note"]
    assert notes == ["'" + NOTES[0], NOTES[1]]
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                # the only formulas are ipp's own totals, which follow a filter
                if cell.data_type == "f":
                    assert str(cell.value).startswith("=SUBTOTAL(109,"), f"{ws.title}!{cell.coordinate}"
                    continue
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell.coordinate


def test_pool_sheet(book: Any, year: YearResult) -> None:
    ws = book["Pool"]
    names, (sources,) = _table(ws, 1)
    source = dict(zip(names, sources, strict=True))
    pool = year.pool
    assert _money(source["Pool"]) == pool.pool
    assert _money(source["Unearned"]) == pool.unearned and _money(source["Forfeited"]) == pool.forfeited
    assert _money(source["Awarded"]) == pool.awarded and _money(source["Retained"]) == pool.retained
    names, rows = _table(ws, _header_row(ws, "MCP"))
    plans = {r[0]: dict(zip(names, r, strict=True)) for r in rows}
    assert sorted(plans) == sorted(COUNTIES)
    for p in pool.plans:
        row = plans[p.mcp]
        assert row["Eligible"] == ("yes" if p.eligible else "no")
        assert row["Capped"] == ("yes" if p.capped else "no")
        assert _money(row["Award"]) == p.award
        assert row["Performance"] == pytest.approx(float(p.performance.value), abs=5e-7)
        assert (row["Targets met"], row["Target pairs"]) == (p.performance.met, p.performance.pairs)
        assert (row["Reasons"] or "") == "; ".join(p.reasons)
    assert plans["gamma"]["Capped"] == "yes" and _money(plans["gamma"]["Room"]) == D("1000.00")
    assert plans["alpha"]["Room"] == "no cap"
    names, rounds = _table(ws, _header_row(ws, "Round"))
    assert names == ["Round", "MCP", "Round amount", "Share", "Capped"]
    expected = [(r.number, m, r.amount, s, "yes" if m in r.capped else "no") for r in pool.rounds for m, s in r.shares]
    assert [(r[0], r[1], _money(r[2]), _money(r[3]), r[4]) for r in rounds] == expected
    assert len(pool.rounds) == 2


def test_reconciliation_rows(book: Any, year: YearResult) -> None:
    ws = book["Reconciliation"]
    names, rows = _table(ws, 1)
    assert names == ["Item", "Amount", "How"]
    values = {r[0]: r[1] for r in rows}
    rec = year.reconciliation
    expected = {
        "Funding": rec.funding,
        "Earned": rec.earned,
        "Recouped": rec.recouped,
        "Pool awarded": rec.pool_awarded,
        "Retained": rec.retained,
        "Retained: pool unplaced": rec.retained_from_pool,
        "Retained: unallocated": rec.unallocated,
        "Retained: recouped not pooled": rec.recouped_kept,
        "Difference": D("0.00"),
    }
    for item, amount in expected.items():
        assert _money(values[item]) == amount, item
    assert values["Balanced"] is True
    assert rec.recouped > 0 and rec.recouped_kept == rec.recouped  # PY1 keeps recouped dollars
    assert all(ws.cell(r, 2).number_format == MONEY_FORMAT for r in range(2, len(rows) + 1))


def test_sources_sheet(book: Any, year: YearResult) -> None:
    rows = list(book["Sources"].iter_rows(min_row=2, values_only=True))
    files = {(r[0], r[1]): r[3] for r in rows if r[0] in ("measure set", "data file")}
    ms = year.ms
    assert files[("measure set", ms.program_source.path)] == ms.program_source.sha256
    for source in ms.submission_sources.values():
        assert files[("measure set", source.path)] == source.sha256
    for source in SOURCES:
        assert files[("data file", source.path)] == source.sha256
    assert [(r[1], r[2]) for r in rows if r[0] == "workbook"] == [(WORKBOOKS[0], "alpha, submission 1")]
    params = {r[1]: (r[2], r[4]) for r in rows if r[0] == "parameter"}
    assert _money(params["funding"][0]) == D("600000000.00")
    assert params["funding"][1].startswith("APL 21-016, Appendix A, MCP Payment Allocation — up to the total")
    assert params["flexible share"][0] == pytest.approx(0.30)
    assert params["area 3 minimum share (Community Supports (ILOS) Provider Capacity Building and Take-Up)"][1]
    assert params["allocation factor member_months weight"][0] == pytest.approx(0.5)
    assert "not published" in params["allocation factor member_months weight"][1]
    assert params["pool: minimum Community Supports offered"][0] == 3
    assert "Payment and Other Financial Provisions" in params["pool: performance method"][1]
    assert ("status", ILLUSTRATIVE) in [(r[0], r[1]) for r in rows]


# --------------------------------------------------------------------------- atomic


@pytest.fixture
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """openpyxl's write-only sheets stream into files in the system temp folder: point it at a
    folder of this test's own, so its litter (or the lack of it) can be seen."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "streamed"])
def test_a_failure_mid_write_leaves_no_file_and_no_litter(
    streamed: bool, year: YearResult, tmp_path: Path, private_temp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if streamed:  # a long report: rows go to temporary files in the temp folder as they are written
        monkeypatch.setattr(report, "STREAM_CELLS", 0)
    out = tmp_path / "out"
    out.mkdir()
    real = report._cells

    def failing(rows: Any) -> Any:
        scores = bool(rows) and tuple(rows[0][0][:3]) == ("MCP", "Submission", "Measure")  # the Scores sheet's header
        for number, row in enumerate(real(rows)):
            if scores and number == 10:
                raise RuntimeError("disk on fire")
            yield row

    monkeypatch.setattr(report, "_cells", failing)
    target = out / "report.xlsx"
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_report(year, target, notes=NOTES, sources=SOURCES, workbooks=WORKBOOKS)
    assert list(out.iterdir()) == []
    assert list(private_temp.iterdir()) == []  # Summary and Allocation had been streamed to temporary files

    # An earlier report at the same path survives a failed write untouched.
    target.write_bytes(b"last week's report")
    with pytest.raises(RuntimeError):
        write_report(year, target, notes=NOTES, sources=SOURCES, workbooks=WORKBOOKS)
    assert target.read_bytes() == b"last week's report"
    assert list(out.iterdir()) == [target]
    assert list(private_temp.iterdir()) == []


def test_a_good_write_leaves_no_litter_either(year: YearResult, tmp_path: Path, private_temp: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"old")
    write_report(year, target, notes=(), sources=(), workbooks=())
    assert sorted(tmp_path.iterdir()) == sorted([private_temp, target])
    assert list(private_temp.iterdir()) == []
    assert load_workbook(target).sheetnames == list(SHEETS)


def test_control_characters_are_dropped() -> None:
    assert report._text("a\x00b\x1fc") == "abc"
    assert report._text("\x01=1+1") == "'=1+1"
    assert report._text("-5 days") == "'-5 days"
    assert report._text("Los Angeles") == "Los Angeles"


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "streamed"])
def test_the_report_looks_the_same_written_by_xlsxwriter_and_by_the_openpyxl_reference(
    streamed: bool, year: YearResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cell's value and look, widths, frozen panes, filters, print set-up and the chart are the
    same whichever library renders the report's model (tests/openpyxl_reference.py renders it as the
    openpyxl writer that XlsxWriter replaced did)."""
    if streamed:
        monkeypatch.setattr(report, "STREAM_CELLS", 0)
    made = report.Provenance(command="ipp run", made=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    sheets = report.build_sheets(year, notes=NOTES, sources=SOURCES, workbooks=WORKBOOKS, provenance=made)
    ours, reference = tmp_path / "xlsxwriter.xlsx", tmp_path / "openpyxl.xlsx"
    write_report(year, ours, notes=NOTES, sources=SOURCES, workbooks=WORKBOOKS, provenance=made)
    with reference.open("wb") as stream:
        render(report.workbook_model(sheets), stream)
    assert differences(describe(reference), describe(ours)) == []
