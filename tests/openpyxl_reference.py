"""A second, independent renderer of a workbook model, with openpyxl: the reference for XlsxWriter.

Why: ``ipp`` writes its workbooks with XlsxWriter (src/ipp_calc/io/xlsx.py), which replaced
openpyxl's writer for speed (issue 18). This module renders the same
:class:`~ipp_calc.io.sheetmodel.WorkbookModel` the way the openpyxl code it replaced did (fonts,
fills, alignment, locking, number formats, widths, heights, frozen panes, filters, print titles,
fit-to-width, protection, drop-downs, conditional formats, merged cells, the stacked bar chart), so
a test can read both files back and require that they look the same (tests/xlsx_fingerprint.py).
A sheet added to a view later is covered without a new golden file.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ipp_calc.io.sheetmodel import CellFormat, Formula, SheetModel, WorkbookModel, cell_name, column_letter


def _style(cell: Any, look: CellFormat) -> None:
    if look.bold or look.size is not None or look.colour is not None:
        cell.font = Font(name="Calibri", size=look.size or 11, bold=look.bold, color=look.colour)
    if look.fill is not None:
        cell.fill = PatternFill("solid", fgColor=look.fill)
    if look.align or look.valign or look.wrap or look.indent:
        cell.alignment = Alignment(
            horizontal=look.align, vertical=look.valign, wrap_text=look.wrap or None, indent=look.indent
        )
    if look.number_format is not None:
        cell.number_format = look.number_format
    if look.unlocked:
        cell.protection = Protection(locked=False)


def _sheet(wb: Any, model: SheetModel) -> None:
    ws = wb.create_sheet(model.title)
    for r, (values, looks) in enumerate(model.rows, start=1):
        for c, value in enumerate(values, start=1):
            look = looks[c - 1] if looks is not None else None
            if value is None or value == "":
                if look is None:
                    continue
                value = None
            cell = ws.cell(r, c, value.text if isinstance(value, Formula) else value)
            if isinstance(value, str):
                cell.data_type = "s"  # text is text, even "#N/A"
            if look is not None:
                _style(cell, look)
    for c, width in enumerate(model.column_widths(), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    for r, height in model.heights.items():
        ws.row_dimensions[r + 1].height = height
    if model.freeze is not None:
        ws.freeze_panes = cell_name(*model.freeze)
    if model.auto_filter:
        ws.auto_filter.ref = model.auto_filter
    if model.repeat_rows is not None:
        ws.print_title_rows = f"{model.repeat_rows[0] + 1}:{model.repeat_rows[1] + 1}"
    if model.landscape:
        ws.page_setup.orientation = "landscape"
    if model.fit_to_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    if model.protection is not None:
        ws.protection.sheet = True
        ws.protection.autoFilter = not model.protection.filter
        ws.protection.formatColumns = not model.protection.format_columns
        ws.protection.formatRows = not model.protection.format_rows
    for v in model.validations:
        if v.choices is not None:
            dv = DataValidation(type="list", formula1='"' + ",".join(v.choices) + '"', allow_blank=True)
        else:
            dv = DataValidation(
                type="decimal", operator="greaterThanOrEqual", formula1=str(v.minimum or 0), allow_blank=True
            )
        dv.showErrorMessage, dv.errorTitle, dv.error = True, v.error_title, v.error
        for ref in v.cells:
            dv.add(ref)
        ws.add_data_validation(dv)
    for rule in model.conditional_formats:
        look = rule.look
        ws.conditional_formatting.add(
            " ".join(rule.cells),
            FormulaRule(
                formula=[rule.formula.removeprefix("=")],
                fill=PatternFill(bgColor=look.fill) if look.fill else None,
                font=Font(color=look.colour, bold=look.bold or None) if look.colour or look.bold else None,
            ),
        )
    for r0, c0, r1, c1 in model.merged:
        ws.merge_cells(f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}")
    for chart in model.charts:
        bar = BarChart()
        bar.type, bar.grouping, bar.overlap, bar.gapWidth = "bar", "stacked", 100, chart.gap
        bar.title = chart.title
        for s in chart.series:
            ref = Reference(ws, min_col=s.column + 1, min_row=s.name_row + 1, max_row=s.last + 1)
            bar.add_data(ref, titles_from_data=True)
        first = chart.series[0]
        col = chart.categories_column + 1
        bar.set_categories(Reference(ws, min_col=col, min_row=first.first + 1, max_row=first.last + 1))
        ws.add_chart(bar, chart.anchor)


def render(model: WorkbookModel, stream: BinaryIO) -> None:
    """Write ``model`` with openpyxl, as the code XlsxWriter replaced did."""
    wb = Workbook()
    default = wb.active
    for sheet in model.sheets:
        _sheet(wb, sheet)
    if default is not None:
        wb.remove(default)
    if model.active is not None:
        wb.active = wb.sheetnames.index(model.active)
    wb.properties.title, wb.properties.creator = model.title, model.creator
    wb.save(stream)
