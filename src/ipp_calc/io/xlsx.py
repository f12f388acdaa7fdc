"""Write a :class:`~ipp_calc.io.sheetmodel.WorkbookModel` as an .xlsx file, with XlsxWriter.

Why XlsxWriter (issue 18, measured in ``bench/``): it writes the report and the template with
everything they need (number formats, fills, locking and sheet protection, drop-downs, frozen
panes, filters, conditional formats, print titles and fit-to-width, a stacked bar chart), it is mature, pure Python and
has no dependencies, and it writes the statewide report in 0.36–0.47× of openpyxl's write-only
time (figures in bench/README.md). openpyxl stays for reading (the fallback reader, the tests).

How values are written, so that nothing is guessed: each value goes through the typed method for
its type (``write_string``, ``write_number``, ``write_boolean``, ``write_formula``), never through
XlsxWriter's generic ``write`` that turns text starting with ``=`` into a formula or text that
looks like a URL into a link. A ``Decimal`` is written with its own digits (XlsxWriter formats it
with ``{:.16G}``, which for a ``Decimal`` is exact up to 16 significant digits: every amount
below $10^14 to the cent). A :class:`~ipp_calc.io.sheetmodel.Formula` is written with an empty
cached result and the workbook asks for a full recalculation on open, as openpyxl did, so no
spreadsheet shows a placeholder 0.

``streamed`` models use XlsxWriter's ``constant_memory`` mode: each row is flushed to a temporary
file as soon as the next one starts, so a 30× year's Scores sheet never sits in memory. Those
temporary files go into a private folder that is removed whatever happens, so a failed write
leaves nothing behind. Other models are built in memory (``in_memory``): no temporary file at all.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, BinaryIO

import xlsxwriter

from ipp_calc.io.forked import can_fork
from ipp_calc.io.sheetmodel import (
    BarChart,
    CellFormat,
    ConditionalFormat,
    Formula,
    MadeRows,
    Protection,
    SheetModel,
    Validation,
    WorkbookModel,
)
from ipp_calc.io.xlsx_rows import RowsWorksheet, SharedRows, fast_rows_possible

_CM_TO_PIXELS = 96 / 2.54


def write_workbook(model: WorkbookModel, stream: BinaryIO, jobs: int = 1) -> None:
    """Render ``model`` into ``stream`` (a binary file open for writing). With ``jobs`` above 1,
    the longest sheet's rows are rendered by that many processes (:func:`shared_sheet`); the
    bytes written are the same either way."""
    shared_model = shared_sheet(model, jobs)
    shared = (
        SharedRows(shared_model.rows, jobs)
        if shared_model is not None and isinstance(shared_model.rows, MadeRows)
        else None
    )
    folder = tempfile.mkdtemp(prefix="ipp-xlsx-") if model.streamed else None
    try:
        options: dict[str, Any] = {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        if folder is not None:
            options.update(constant_memory=True, tmpdir=folder)
        else:
            options.update(in_memory=True)
        workbook = xlsxwriter.Workbook(stream, options)
        try:
            properties: dict[str, Any] = {"title": model.title, "author": model.creator}
            if model.created is not None:
                properties["created"] = model.created
            workbook.set_properties(properties)
            formats = _Formats(workbook)
            for sheet in model.sheets:
                worksheet = workbook.add_worksheet(sheet.title, worksheet_class=RowsWorksheet)
                _write_sheet(worksheet, sheet, formats, shared if sheet is shared_model else None)
                if sheet.title == model.active:
                    worksheet.activate()
        finally:
            workbook.close()  # also closes the temporary row files; raises if the zip fails
    finally:
        if shared is not None:
            shared.stop()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


#: A sheet with fewer rows than this is written by this process alone: starting a child costs more.
MIN_SHARED_ROWS = 1024


def shared_sheet(model: WorkbookModel, jobs: int) -> SheetModel | None:
    """The sheet whose rows ``jobs`` processes render at once (issue 18, bench/: the statewide
    report's Scores sheet is ~70 % of its cells), or None: one process, a streamed workbook
    (written row by row, in order), a system without fork, or no sheet long enough whose rows
    are made on demand (:class:`~ipp_calc.io.sheetmodel.MadeRows`) and carry nothing but cells."""
    if jobs < 2 or model.streamed or not can_fork():
        return None
    cells = {
        id(sheet): len(sheet.rows)
        for sheet in model.sheets
        if isinstance(sheet.rows, MadeRows)
        and len(sheet.rows) >= MIN_SHARED_ROWS
        and not (sheet.heights or sheet.comments or sheet.charts or sheet.merged)
    }
    return max(
        (sheet for sheet in model.sheets if id(sheet) in cells), key=lambda sheet: cells[id(sheet)], default=None
    )


class _Formats:
    """One XlsxWriter format per distinct :class:`CellFormat` (and per row of formats)."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.by_format: dict[CellFormat, Any] = {}
        self.by_row: dict[int, tuple[Sequence[CellFormat | None], list[Any]]] = {}

    def get(self, cell_format: CellFormat | None) -> Any:
        if cell_format is None:
            return None
        found = self.by_format.get(cell_format)
        if found is None:
            found = self.by_format[cell_format] = self.workbook.add_format(_properties(cell_format))
        return found

    def row(self, formats: Sequence[CellFormat | None] | None, width: int) -> Sequence[Any]:
        """The XlsxWriter formats of a row's formats; rows usually share one tuple, cached by id."""
        if formats is None:
            return (None,) * width
        cached = self.by_row.get(id(formats))
        if cached is not None and cached[0] is formats:
            return cached[1]
        resolved = [self.get(f) for f in formats]
        self.by_row[id(formats)] = (formats, resolved)  # holding ``formats`` keeps its id unique
        return resolved


def _properties(cell_format: CellFormat) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cell_format.bold:
        out["bold"] = True
    if cell_format.size is not None:
        out["font_size"] = cell_format.size
    if cell_format.colour is not None:
        out["font_color"] = f"#{cell_format.colour}"
    if cell_format.fill is not None:
        out["pattern"] = 1
        out["bg_color"] = f"#{cell_format.fill}"
    if cell_format.align is not None:
        out["align"] = cell_format.align
    if cell_format.valign is not None:
        out["valign"] = "vcenter" if cell_format.valign == "center" else cell_format.valign
    if cell_format.wrap:
        out["text_wrap"] = True
    if cell_format.indent:
        out["indent"] = cell_format.indent
    if cell_format.number_format is not None:
        out["num_format"] = cell_format.number_format
    if cell_format.unlocked:
        out["locked"] = False
    return out


def _write_sheet(ws: Any, sheet: SheetModel, formats: _Formats, shared: SharedRows | None = None) -> None:
    _layout(ws, sheet)
    _write_rows(ws, sheet, formats, shared)
    if sheet.auto_filter:
        ws.autofilter(sheet.auto_filter)
    for validation in sheet.validations:
        _validate(ws, validation)
    for rule in sheet.conditional_formats:
        _conditional(ws, rule, formats)
    for chart in sheet.charts:
        _chart(ws, sheet.title, chart, formats.workbook)
    for ref, text in sorted(sheet.comments.items()):
        ws.write_comment(ref, text, {"author": "ipp", "x_scale": 2, "y_scale": 1.5})
    if sheet.protection is not None:
        _protect(ws, sheet.protection)


def _layout(ws: Any, sheet: SheetModel) -> None:
    """Column widths, frozen panes and the print set-up (orientation, fit, titles, header, footer)."""
    for column, width in enumerate(sheet.column_widths()):
        ws.set_column(column, column, width)
    if sheet.freeze is not None:
        ws.freeze_panes(*sheet.freeze)
    if sheet.landscape:
        ws.set_landscape()
    if sheet.fit_to_width:
        ws.fit_to_pages(1, 0)
    if sheet.repeat_rows is not None:
        ws.repeat_rows(*sheet.repeat_rows)
    if sheet.header is not None:
        ws.set_header(sheet.header)
    if sheet.footer is not None:
        ws.set_footer(sheet.footer)


def _protect(ws: Any, p: Protection) -> None:
    """Protection without a password; True = allowed. Objects and scenarios stay editable, as
    openpyxl's protection left them."""
    ws.protect(
        "",
        {
            "autofilter": p.filter,
            "format_columns": p.format_columns,
            "format_rows": p.format_rows,
            "objects": True,
            "scenarios": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


def _write_rows(ws: Any, sheet: SheetModel, formats: _Formats, shared: SharedRows | None = None) -> None:
    if shared is not None and fast_rows_possible(ws, sheet):  # never streamed (shared_sheet)
        runs = shared.runs()
        if runs is not None:  # rendered apart, by this process and its children
            ws.take_runs(runs, formats.get)
            return
    if fast_rows_possible(ws, sheet):  # whole rows at once: io/xlsx_rows.py
        ws.write_rows(((values, formats.row(looks, len(values))) for values, looks in sheet.rows), _write_other)
        return
    heights = sheet.heights
    merged = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in sheet.merged}
    for r, (values, row_formats) in enumerate(sheet.rows):
        height = heights.get(r)
        if height is not None:
            ws.set_row(r, height)
        looks = formats.row(row_formats, len(values))
        for c, value in enumerate(values):
            look = looks[c]
            if merged and (r, c) in merged:
                # XlsxWriter's way: merge with a blank, then write the first cell with its own type.
                ws.merge_range(r, c, *merged[(r, c)], "", look)
            _write_cell(ws, r, c, value, look)


def _write_cell(ws: Any, r: int, c: int, value: Any, look: Any) -> None:
    """One cell through the typed method for its value's type (never XlsxWriter's guessing
    ``write``): text, a number, a boolean, empty (a formatted blank), or what :func:`_write_other` takes."""
    kind = value.__class__
    if kind is str:
        if value:
            ws.write_string(r, c, value, look)
        elif look is not None:  # "" is an empty cell, as every spreadsheet program keeps it
            ws.write_blank(r, c, None, look)
    elif kind is Decimal or kind is int or kind is float:
        ws.write_number(r, c, value, look)
    elif value is None:
        if look is not None:
            ws.write_blank(r, c, None, look)
    elif kind is bool:
        ws.write_boolean(r, c, value, look)
    else:
        _write_other(ws, r, c, value, look)


def _write_other(ws: Any, r: int, c: int, value: Any, look: Any) -> None:
    """A value that is not text, a number, a boolean or empty: a formula, through XlsxWriter."""
    if value.__class__ is Formula:
        ws.write_formula(r, c, value.text, look, "" if value.cached is None else value.cached)
    else:
        raise TypeError(f"{ws.name}: no cell type for {value!r}")


def _validate(ws: Any, validation: Validation) -> None:
    options: dict[str, Any] = {
        "ignore_blank": True,
        "show_input": False,
        "show_error": True,
        "error_title": validation.error_title,
        "error_message": validation.error,
        "multi_range": " ".join(validation.cells),
    }
    if validation.choices is not None:
        options.update(validate="list", source=list(validation.choices))
    elif validation.maximum is not None:
        options.update(
            validate="decimal", criteria="between", minimum=validation.minimum or 0, maximum=float(validation.maximum)
        )
    else:
        options.update(validate="decimal", criteria=">=", value=validation.minimum or 0)
    ws.data_validation(validation.cells[0], options)


def _conditional(ws: Any, rule: ConditionalFormat, formats: _Formats) -> None:
    look = rule.look
    properties: dict[str, Any] = {}
    if look.bold:
        properties["bold"] = True
    if look.colour is not None:
        properties["font_color"] = f"#{look.colour}"
    if look.fill is not None:
        properties["bg_color"] = f"#{look.fill}"  # a conditional format's fill is its background colour
    options: dict[str, Any] = {
        "type": "formula",
        "criteria": rule.formula,
        "format": formats.workbook.add_format(properties),
        "multi_range": " ".join(rule.cells),
    }
    ws.conditional_format(rule.cells[0], options)


def _chart(ws: Any, title: str, model: BarChart, workbook: Any) -> None:
    chart = workbook.add_chart({"type": "bar", "subtype": "stacked"} if model.stacked else {"type": "bar"})
    cat = model.categories_column
    for s in model.series:
        chart.add_series(
            {
                "name": [title, s.name_row, s.column],
                "values": [title, s.first, s.column, s.last, s.column],
                "categories": [title, s.first, cat, s.last, cat],
                "fill": {"color": f"#{s.colour}"},
                "border": {"color": f"#{s.colour}"},
                "gap": model.gap,
                "overlap": 100,
            }
        )
    chart.set_title({"name": model.title})
    # In a bar chart XlsxWriter's x axis is the horizontal one: the dollars.
    chart.set_x_axis(
        {"name": model.value_axis_title, "num_format": model.value_format, "major_gridlines": {"visible": False}}
    )
    # First category at the top, and the dollar axis along the bottom.
    chart.set_y_axis({"reverse": True, "crossing": "max"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": model.width_cm * _CM_TO_PIXELS, "height": model.height_cm * _CM_TO_PIXELS})
    ws.insert_chart(model.anchor, chart)
