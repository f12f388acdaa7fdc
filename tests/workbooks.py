"""Test helpers that build reporting-template workbooks, good and bad, from the real writer.

Why build them rather than commit binaries: a corpus generated from ``write_template`` follows
every change of the template, and each bad workbook is one visible mutation of a good one, so a
reader of the test sees exactly what is wrong with it. The CLI tests reuse these helpers.

Typical use::

    path = blank_template(tmp_path)                        # PY1 submission 2, alpha, Alameda+Fresno
    fill(path, {("2.4", "Fresno"): "n/a"})                 # type into Response cells, as in Excel
    cell = response_cell(path, "2.4", "Fresno")            # "C17"
    edit(path, lambda wb: wb.remove(wb["Cover"]))          # any openpyxl change
"""

from __future__ import annotations

import functools
import io
import random
import shutil
import zipfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ipp_calc.core.models import MeasureSet
from ipp_calc.core.responses import PLAN_LEVEL, FilledSubmission
from ipp_calc.io.measures import load_year
from ipp_calc.io.template import TemplateResult, write_template

MEASURES = Path(__file__).resolve().parents[1] / "measures"
COUNTIES: tuple[str, ...] = ("Alameda", "Fresno")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Key = tuple[str, str]


@functools.cache
def measure_set(year: int = 1) -> MeasureSet:
    """The shipped measure set of ``year`` (loaded once per test run)."""
    return load_year(MEASURES, year)


def blank_template(
    folder: Path,
    *,
    name: str = "alpha.xlsx",
    year: int = 1,
    submission: int = 2,
    mcp: str = "alpha",
    counties: Sequence[str] = COUNTIES,
    targets: Mapping[Key, Decimal] | None = None,
    previous: FilledSubmission | None = None,
) -> Path:
    """A fresh template written by :func:`write_template`; returns its path."""
    path = folder / name
    write_template(measure_set(year), submission, mcp, counties, path, targets=targets, answers=previous)
    return path


def blank_template_result(folder: Path, name: str = "alpha.xlsx", **kwargs: Any) -> TemplateResult:
    """Like :func:`blank_template` but returns the writer's :class:`TemplateResult`."""
    year = kwargs.pop("year", 1)
    submission = kwargs.pop("submission", 2)
    mcp = kwargs.pop("mcp", "alpha")
    counties = kwargs.pop("counties", COUNTIES)
    return write_template(measure_set(year), submission, mcp, counties, folder / name, **kwargs)


# --------------------------------------------------------------------------- finding and editing


def rows_by_key(ws: Worksheet) -> dict[Key, int]:
    """(Measure ID, County) → row number, from a Responses sheet laid out by the writer."""
    header = [c.value for c in ws[1]]
    m, c = header.index("Measure ID") + 1, header.index("County") + 1
    found: dict[Key, int] = {}
    for row in range(2, ws.max_row + 1):
        measure = ws.cell(row, m).value
        if measure is not None:
            found[(str(measure), str(ws.cell(row, c).value))] = row
    return found


def column_letter(ws: Worksheet, header: str) -> str:
    """The letter of the column headed ``header`` in row 1."""
    for cell in ws[1]:
        if cell.value == header:
            return str(cell.column_letter)
    raise KeyError(header)


def response_cell(path: Path, measure: str, county: str, header: str = "Response") -> str:
    """The cell (``C17``) holding ``header`` for a measure and county; ``All`` for plan level."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Responses"]
    return f"{column_letter(ws, header)}{rows_by_key(ws)[(measure, county)]}"


def edit(path: Path, change: Callable[[Workbook], Any], *, out: Path | None = None) -> Path:
    """Open ``path`` with openpyxl (formulas kept), apply ``change``, save to ``out`` or in place."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    target = out or path
    wb.save(target)
    return target


def fill(
    path: Path,
    answers: Mapping[Key, Any],
    *,
    notes: Mapping[Key, str] | None = None,
    targets: Mapping[Key, Any] | None = None,
    out: Path | None = None,
) -> Path:
    """Type values into Response (and Notes, Target) cells, as an MCP would in Excel.

    Values are stored exactly as given: ``"Yes"``, ``12``, ``12.5``, ``" 7 "``, ``True``.
    """

    def change(wb: Workbook) -> None:
        ws = wb["Responses"]
        rows = rows_by_key(ws)
        for columns, values in (
            ("Response", answers),
            ("Notes", notes or {}),
            ("Target", targets or {}),
        ):
            letter = column_letter(ws, columns)
            for key, value in values.items():
                ws[f"{letter}{rows[key]}"] = value

    return edit(path, change, out=out)


def set_cover(path: Path, label: str, value: Any) -> Path:
    """Set the Cover value (column B) of the row labelled ``label``."""

    def change(wb: Workbook) -> None:
        ws = wb["Cover"]
        for row in range(1, ws.max_row + 1):
            if ws.cell(row, 1).value == label:
                ws.cell(row, 2).value = value
                return
        raise KeyError(label)

    return edit(path, change)


def delete_cover_row(path: Path, label: str) -> Path:
    """Remove the Cover row labelled ``label`` entirely."""

    def change(wb: Workbook) -> None:
        ws = wb["Cover"]
        for row in range(1, ws.max_row + 1):
            if ws.cell(row, 1).value == label:
                ws.delete_rows(row)
                return
        raise KeyError(label)

    return edit(path, change)


def set_cell(path: Path, sheet: str, cell: str, value: Any) -> Path:
    def change(wb: Workbook) -> None:
        wb[sheet][cell] = value

    return edit(path, change)


def append_copy_of_row(path: Path, measure: str, county: str) -> int:
    """Append a copy of a (measure, county) row at the bottom; returns the new row number."""
    new_row = 0

    def change(wb: Workbook) -> None:
        nonlocal new_row
        ws = wb["Responses"]
        source = rows_by_key(ws)[(measure, county)]
        new_row = ws.max_row + 1
        for column in range(1, ws.max_column + 1):
            ws.cell(new_row, column).value = ws.cell(source, column).value

    edit(path, change)
    return new_row


# --------------------------------------------------------------------------- typical answers


def typical_answers(year: int = 1, submission: int = 2, counties: Sequence[str] = COUNTIES) -> dict[Key, Any]:
    """A valid answer for every row, as typed in Excel: Yes/No text, tier numbers, numbers."""
    sub = measure_set(year).submissions[submission]
    answers: dict[Key, Any] = {}
    for measure in sub.measures:
        for county in (PLAN_LEVEL,) if measure.level == "plan" else counties:
            if measure.kind == "completion":
                answers[(measure.id, county)] = "Yes"
            elif measure.kind == "tiered" and measure.basis == "completion":
                answers[(measure.id, county)] = len(measure.tiers or [])
            else:
                answers[(measure.id, county)] = 12
    return answers


def filled_workbook(folder: Path, answers: Mapping[Key, Any] | None = None, **kwargs: Any) -> Path:
    """A template with every row answered (``typical_answers``), overridden by ``answers``."""
    path = blank_template(folder, **kwargs)
    year = kwargs.get("year", 1)
    submission = kwargs.get("submission", 2)
    counties = kwargs.get("counties", COUNTIES)
    values = typical_answers(year, submission, counties)
    values.update(answers or {})
    return fill(path, values)


# --------------------------------------------------------------------------- broken containers


def rewrite_parts(source: Path, out: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy a zip part by part; ``change(name, data)`` returns new bytes, or None to drop it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    out.write_bytes(buffer.getvalue())
    return out


def sheet_part(path: Path, title: str) -> str:
    """The zip path of a sheet written by openpyxl (sheets are numbered in workbook order)."""
    wb = openpyxl.load_workbook(path)
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>
</worksheet>
"""


def billion_laughs(source: Path, out: Path) -> Path:
    """``source`` with its Responses sheet replaced by the billion-laughs entity bomb."""
    part = sheet_part(source, "Responses")
    return rewrite_parts(source, out, lambda name, data: BILLION_LAUGHS if name == part else data)


def zip_bomb(path: Path, size: int = 200 * 1024 * 1024, *, zip64: bool = True) -> Path:
    """A small zip (a few hundred KB) with [Content_Types].xml and one part of ``size`` zeros.

    Written through a streaming entry, so building it never holds ``size`` bytes in memory.
    """
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as entry:
            written = 0
            while written < size:
                entry.write(chunk)
                written += len(chunk)
    return path


def understate_size(path: Path, name: str, size: int) -> Path:
    """Patch a (non-zip64) entry's declared uncompressed size, in both of its headers, to lie."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    central = data.rfind(b"PK\x01\x02")
    while central != -1:
        length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + length] == name.encode():
            data[central + 24 : central + 28] = size.to_bytes(4, "little")
            break
        central = data.rfind(b"PK\x01\x02", 0, central)
    path.write_bytes(bytes(data))
    return path


def xls_file(path: Path) -> Path:
    """An old binary .xls: the OLE2 compound-file signature and some filler."""
    path.write_bytes(OLE2_MAGIC + bytes(504) + b"Workbook" + bytes(1000))
    return path


def random_file(path: Path, size: int = 4096, seed: int = 7) -> Path:
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def truncated_copy(source: Path, out: Path, keep: float = 0.6) -> Path:
    """The first ``keep`` fraction of ``source``'s bytes (a download cut off)."""
    data = source.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    return out


def plain_zip(path: Path) -> Path:
    """A zip that is not a workbook (say, a folder of PDFs zipped up)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("report.txt", "hello")
    return path


def copy(source: Path, out: Path) -> Path:
    shutil.copyfile(source, out)
    return out
