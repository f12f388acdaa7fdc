"""Whole rows written at once give the same workbook, byte for byte, as XlsxWriter's per-cell
methods (issue 18): every part of the package, in memory and in ``constant_memory`` mode."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ipp_calc.io import xlsx, xlsx_rows
from ipp_calc.io.sheetmodel import BarChart, CellFormat, Formula, Series, SheetModel, WorkbookModel

MONEY = CellFormat(number_format='"$"#,##0.00')
BOLD = CellFormat(bold=True)
WRAP = CellFormat(wrap=True, align="left")
LAST = CellFormat(number_format="0.000")


def _rows() -> list[tuple[list[Any], list[CellFormat | None] | None]]:
    """Every kind of value the writer takes, with and without a format, in odd places."""
    rows: list[tuple[list[Any], list[CellFormat | None] | None]] = [
        (["Plan", "County", "Amount", "Met", "Total"], [BOLD] * 5),
        (
            ["alpha & <beta>", "Fresno", Decimal("1234.50"), True, Formula("=SUM(C2:C3)", cached=Decimal("1234.5"))],
            [None, WRAP, MONEY, None, MONEY],
        ),
        ([" leading and trailing ", "tab\there", Decimal("-0.01"), False, Formula("=C2*2")], None),
        (["", None, 0, 7, 2.5], [BOLD, BOLD, None, MONEY, None]),  # formatted empty cells, int and float
        (
            ["ctrl \x01 and _x0041_ escaped", "quote \" and ' apostrophe", Decimal("1E+3"), None, ""],
            [None, None, None, MONEY, None],
        ),
        ([], None),  # an empty row: no <row> at all
        (["x" * 40_000, "ünïcödé → Σ", Decimal("123456789012.34"), None, None], None),  # cut at 32,767
        (["repeated", "repeated", "Plan", None, None], None),  # shared strings seen before
    ]
    # Past the first span block of 16 rows, with a wider row in the second block.
    for n in range(30):
        rows.append(([f"row {n}", None, Decimal(n), None, None, *(["wide"] if n == 20 else [])], None))
    # The last row brings a format of its own: in constant_memory mode XlsxWriter numbers a
    # sheet's last row's formats only when the package is assembled, after every other sheet.
    rows.append((["last", Decimal("0.5")], [CellFormat(colour="FF0000"), LAST]))
    return rows


def _chart() -> BarChart:
    return BarChart(
        title="Earned",
        value_axis_title="$",
        value_format="#,##0",
        categories_column=0,
        series=(Series(name_row=0, column=1, first=1, last=2, colour="1F77B4"),),
        anchor="D2",
        width_cm=10,
        height_cm=6,
    )


def _model(streamed: bool) -> WorkbookModel:
    made = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    # A chart sheet first: written cell by cell, its formats numbered when the package is
    # assembled; the sheets after it must number theirs in the same order as XlsxWriter would.
    chart_rows: list[tuple[list[Any], list[CellFormat | None] | None]] = [
        (["Plan", "Earned"], [WRAP, BOLD]),
        (["a", Decimal(5)], [None, MONEY]),
        (["b", Decimal(7)], [None, CellFormat(number_format="0.0")]),
    ]
    sheets = [
        SheetModel("Chart", rows=chart_rows, charts=[_chart()]),
        SheetModel("Data", rows=_rows(), widths=[20, 12, 14, 6, 14], freeze=(1, 0), auto_filter="A1:E38"),
        SheetModel("Empty", rows=[]),
        SheetModel(
            "Second",
            rows=[
                (["again", "alpha & <beta>"], None),
                (["", ""], [BOLD, None]),
                ([Decimal(1)], [CellFormat(fill="FFFF00")]),
            ],
        ),
    ]
    return WorkbookModel(sheets, title="t", creator="ipp-calc test", streamed=streamed, created=made)


def _parts(model: WorkbookModel) -> dict[str, bytes]:
    stream = io.BytesIO()
    xlsx.write_workbook(model, stream)
    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "constant_memory"])
def test_rows_written_whole_give_the_same_package_as_xlsxwriter_cell_by_cell(
    streamed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole: list[str] = []
    original = xlsx_rows._write_rows
    monkeypatch.setattr(xlsx_rows, "_write_rows", lambda ws, *a: (whole.append(ws.name), original(ws, *a))[1])
    fast = _parts(_model(streamed))
    assert whole == ["Data", "Empty", "Second"]  # every sheet but the chart's, in whole rows
    monkeypatch.setattr(xlsx_rows, "fast_rows_possible", lambda *args: False)
    monkeypatch.setattr(xlsx, "fast_rows_possible", lambda *args: False)
    slow = _parts(_model(streamed))
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name
    # The comparison saw every kind of cell: shared or inline text, a number, a boolean, a formula.
    sheet = fast["xl/worksheets/sheet2.xml"]
    assert (b't="inlineStr"' if streamed else b't="s"') in sheet
    assert b'<c r="C2" s="2"><v>1234.5</v></c>' in sheet or b"<v>1234.5</v>" in sheet
    assert b't="b"><v>1</v>' in sheet and b"<f>SUM(C2:C3)</f>" in sheet


def test_a_sheet_with_row_heights_comments_merges_or_a_chart_is_written_cell_by_cell() -> None:
    ws = xlsx_rows.RowsWorksheet()
    ws.excel_version = 2007
    assert xlsx_rows.fast_rows_possible(ws, SheetModel("plain"))
    assert not xlsx_rows.fast_rows_possible(ws, SheetModel("h", heights={3: 30.0}))
    assert not xlsx_rows.fast_rows_possible(ws, SheetModel("c", comments={"A1": "a note"}))
    assert not xlsx_rows.fast_rows_possible(ws, SheetModel("m", merged=[(0, 0, 0, 3)]))
    assert not xlsx_rows.fast_rows_possible(ws, SheetModel("b", charts=[_chart()]))


def test_an_unknown_cell_type_is_refused_by_name_as_before() -> None:
    model = WorkbookModel([SheetModel("S", rows=[([object()], None)])], title="t", creator="c")
    with pytest.raises(TypeError, match="S: no cell type"):
        xlsx.write_workbook(model, io.BytesIO())
