"""What a workbook looks like to the person who opens it, as plain data, read back with openpyxl.

Why: the report and the template moved from openpyxl's writer to XlsxWriter (issue 18) with the
promise that nothing a user sees changes. :func:`describe` turns a written workbook into a JSON-able
dictionary of everything that promise covers (sheet order and the active sheet; every cell's value
or formula and its look: number format, bold, size, colour, fill, alignment, wrapping, locking;
frozen panes, filters, print titles and page set-up; sheet protection; data validations; conditional
formats; merged cells; column widths and row heights; charts) so that two writers' outputs can be
compared field by field, and a difference names the sheet, the cell and the field.

Two things are normalised because they differ in spelling only: a sheet name in a chart reference is
unquoted (``'Summary'!$A$5`` and ``Summary!$A$5`` are the same range), and column widths are
compared within one character (XlsxWriter stores a width with the padding Excel adds, openpyxl the
bare number: both show the same column). A row height equal to the default (15 points) counts as
no height, and an unset fit-to-width counts as its default, 1.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

#: Calibri 11's row height: a row given exactly this height looks like a row given none (XlsxWriter
#: leaves it out of the file, openpyxl writes it).
DEFAULT_ROW_HEIGHT = 15.0

PROTECTION_FIELDS = (
    "sheet",
    "objects",
    "scenarios",
    "formatCells",
    "formatColumns",
    "formatRows",
    "insertColumns",
    "insertRows",
    "insertHyperlinks",
    "deleteColumns",
    "deleteRows",
    "selectLockedCells",
    "selectUnlockedCells",
    "sort",
    "autoFilter",
    "pivotTables",
)


def _value(cell: Any) -> Any:
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, (int, float, Decimal)):
        return ["number", float(value)]
    if cell.data_type == "f":
        return ["formula", str(value)]
    return ["text", str(value)]


def _colour(colour: Any) -> str | None:
    if colour is None or colour.type != "rgb" or colour.rgb in (None, "00000000"):
        return None
    return str(colour.rgb)[-6:].upper()


def _look(cell: Any) -> dict[str, Any]:
    font, fill, align = cell.font, cell.fill, cell.alignment
    look: dict[str, Any] = {}
    if cell.number_format != "General":
        look["format"] = cell.number_format
    if font.b:
        look["bold"] = True
    if font.sz is not None and float(font.sz) != 11.0:
        look["size"] = float(font.sz)
    if _colour(font.color):
        look["colour"] = _colour(font.color)
    if fill.fill_type == "solid":
        look["fill"] = _colour(fill.fgColor)
    if align.horizontal not in (None, "general"):
        look["align"] = align.horizontal
    if align.vertical not in (None, "bottom"):
        look["valign"] = "center" if align.vertical == "center" else align.vertical
    if align.wrap_text:
        look["wrap"] = True
    if align.indent:
        look["indent"] = int(align.indent)
    if cell.protection.locked is False:
        look["unlocked"] = True
    return look


def _ref(text: str | None) -> str | None:
    return None if text is None else text.replace("'", "").replace("$", "")


def _chart(chart: Any) -> dict[str, Any]:
    series = []
    for s in chart.series:
        cat = s.cat.numRef or s.cat.strRef if s.cat is not None else None
        series.append(
            {
                "name": _ref(s.tx.strRef.f) if s.tx is not None and s.tx.strRef is not None else None,
                "values": _ref(s.val.numRef.f),
                "categories": _ref(cat.f) if cat is not None else None,
            }
        )
    return {"type": chart.tagname, "grouping": chart.grouping, "series": series}


def _widths(ws: Any) -> dict[str, float]:
    """Each column's width by letter (a ``<col>`` element may cover a range of columns)."""
    out: dict[str, float] = {}
    for d in ws.column_dimensions.values():
        if d.width and d.customWidth and d.min is not None:
            for n in range(d.min, (d.max or d.min) + 1):
                out[get_column_letter(n)] = round(float(d.width), 2)
    return dict(sorted(out.items(), key=lambda kv: (len(kv[0]), kv[0])))


def _conditional_formats(ws: Any) -> list[dict[str, Any]]:
    """Each conditional format: its cells, its rule's formula, and the look it applies."""
    out = []
    for block in ws.conditional_formatting:
        for rule in block.rules:
            dxf = rule.dxf
            fill = None
            if dxf is not None and dxf.fill is not None:
                fill = _colour(dxf.fill.bgColor) or _colour(dxf.fill.fgColor)
            out.append(
                {
                    "cells": " ".join(sorted(str(r) for r in block.sqref.ranges)),
                    "type": rule.type,
                    "formula": list(rule.formula or ()),
                    "fill": fill,
                    "colour": _colour(dxf.font.color) if dxf is not None and dxf.font is not None else None,
                    "bold": bool(dxf is not None and dxf.font is not None and dxf.font.b),
                }
            )
    return sorted(out, key=lambda c: (c["cells"], c["formula"]))


def describe(path: Path) -> dict[str, Any]:
    """Everything a user sees of the workbook at ``path`` (see the module docstring)."""
    wb = openpyxl.load_workbook(path)
    sheets: list[dict[str, Any]] = []
    for ws in wb.worksheets:
        cells: dict[str, Any] = {}
        for row in ws.iter_rows():
            for cell in row:
                value, look = _value(cell), _look(cell)
                if value is not None or look:
                    cells[cell.coordinate] = {"value": value, **look}
        protection = ws.protection
        setup = ws.page_setup
        sheets.append(
            {
                "title": ws.title,
                "cells": cells,
                "freeze": ws.freeze_panes,
                "filter": ws.auto_filter.ref or None,
                "print_titles": ws.print_title_rows,
                "landscape": setup.orientation == "landscape",
                "fit_to_page": bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage),
                "fit_width": 1 if setup.fitToWidth is None else setup.fitToWidth,  # 1 is the default
                "fit_height": 1 if setup.fitToHeight is None else setup.fitToHeight,
                "protection": {f: bool(getattr(protection, f)) for f in PROTECTION_FIELDS}
                if protection.sheet
                else None,
                "validations": sorted(
                    (
                        {
                            "type": v.type,
                            "operator": v.operator,
                            "formula1": v.formula1,
                            "cells": " ".join(sorted(str(r) for r in v.sqref.ranges)),
                            "allow_blank": bool(v.allow_blank),
                            "show_error": bool(v.showErrorMessage),
                            "show_input": bool(v.showInputMessage),
                            "error_title": v.errorTitle,
                            "error": v.error,
                        }
                        for v in ws.data_validations.dataValidation
                    ),
                    key=lambda v: (v["type"], v["formula1"] or "", v["cells"]),
                ),
                "widths": _widths(ws),
                "heights": {
                    str(n): float(d.height)
                    for n, d in sorted(ws.row_dimensions.items())
                    if d.height and float(d.height) != DEFAULT_ROW_HEIGHT
                },
                "charts": [_chart(c) for c in ws._charts],
                "conditional_formats": _conditional_formats(ws),
                "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            }
        )
    return {"sheets": sheets, "active": wb.active.title if wb.active is not None else None}


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Every difference between two descriptions, one line each (empty when they look the same)."""
    out: list[str] = []
    if before["active"] != after["active"]:
        out.append(f"active sheet: {before['active']} != {after['active']}")
    titles = [s["title"] for s in before["sheets"]], [s["title"] for s in after["sheets"]]
    if titles[0] != titles[1]:
        return [*out, f"sheets: {titles[0]} != {titles[1]}"]
    for old, new in zip(before["sheets"], after["sheets"], strict=True):
        name = old["title"]
        for key in old:
            if key in ("cells", "widths"):
                continue
            if old[key] != new[key]:
                out.append(f"{name}: {key}: {old[key]!r} != {new[key]!r}")
        for coord in sorted(set(old["cells"]) | set(new["cells"])):
            a, b = old["cells"].get(coord), new["cells"].get(coord)
            if a != b:
                out.append(f"{name}!{coord}: {a!r} != {b!r}")
        for letter in sorted(set(old["widths"]) | set(new["widths"])):
            a, b = old["widths"].get(letter), new["widths"].get(letter)
            if a is None or b is None or abs(a - b) > 1.0:
                out.append(f"{name}: width of column {letter}: {a} != {b}")
    return out


if __name__ == "__main__":  # python tests/xlsx_fingerprint.py A.xlsx B.xlsx: the differences
    first, second = (describe(Path(p)) for p in sys.argv[1:3])
    lines = differences(first, second)
    print("\n".join(lines) or "no difference")
    if len(sys.argv) > 3:
        Path(sys.argv[3]).write_text(json.dumps(second, indent=1))
    sys.exit(1 if lines else 0)
