"""Reading a worksheet into its non-blank cells, typed once, with either reader.

Why sparse: a sheet's *extent* is not its content. One stray cell at ``XFD1048576`` (Excel's
last cell) or ``AMJ1048576`` (LibreOffice's), or a note typed in the last row, makes the
rectangle from A1 to it 17 billion (or a billion) cells; a reader that materialises that
rectangle dies with an allocation abort. So a sheet is held as its non-blank cells only, and
reading one costs time and memory in proportion to what the file holds:

* **python-calamine** (a Rust reader, ten times faster than openpyxl, the default) allocates the
  rectangle from the first to the last cell. It is used only when a byte scan of the sheet shows
  the rectangle is small (:data:`DENSE_LIMIT` cells, far above any real template); the scan reads
  every cell reference, so a lying ``<dimension>`` changes nothing.
* **openpyxl**'s worksheet parser, which streams the XML cell by cell, reads every other sheet:
  one with a stray cell far away, one written in a way the scan does not cover (a namespace
  prefix, UTF-16, cells without a reference), and every sheet when ``IPP_READER=openpyxl``.

Either way each raw value goes through :func:`ipp_calc.io.xlsx_cells.typed`, and what neither
reader reports faithfully (error values, formulas without a trustworthy saved value) is laid
over from the sheet's XML, so the two readers give the same typed cells for the same file (the
tests hold them to it on workbooks written by openpyxl, XlsxWriter and LibreOffice).
"""

from __future__ import annotations

import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ipp_calc.errors import Finding, InputError
from ipp_calc.io.xlsx_cells import CellError, CellValue, NoValue, needs_parser, special_cells, typed
from ipp_calc.io.xlsx_container import Parts, not_xlsx, part_reader, require_defusedxml, why, workbook_parts

#: The largest rectangle (first to last cell) handed to calamine, which allocates all of it. A
#: statewide template is ~2,000 rows by 11 columns; this is 20 times that and ~16 MB in calamine.
DENSE_LIMIT = 500_000

#: Every program that writes xlsx puts the reference first: ``<c r="G14" s="3" t="s">``.
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')

Cells = dict[int, dict[int, CellValue]]


@dataclass(frozen=True, slots=True)
class Sheet:
    """A worksheet's non-blank cells, typed: ``rows[row][column]``, both 1-based, rows in order."""

    title: str
    rows: Cells
    #: The worksheet part's XML, as read (for the number-format scan: never decompressed twice).
    xml: bytes = field(default=b"", repr=False, compare=False)

    def value(self, row: int, column: int) -> CellValue | None:
        return self.rows.get(row, {}).get(column)


def read_sheets(data: bytes, display: str, wanted: Sequence[str], parts: Parts | None = None) -> dict[str, Sheet]:
    """The sheets named ``wanted`` (case and spaces forgiven), keyed by the wanted name.

    ``data`` has passed :func:`ipp_calc.io.xlsx_container.check_archive`, and ``parts`` are the
    parts it decompressed (without them, the archive is opened again). Any failure of a reader
    on a malformed file becomes ``not-xlsx`` naming the file. No workbook is read unless
    openpyxl is using defusedxml (whichever reader reads it: one policy, checked once).
    """
    require_defusedxml()
    try:
        if parts is None:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                found = workbook_parts(archive)
                titles = find_titles(list(found.sheets), wanted, display)
                xml = {name: archive.read(found.sheets[title]) for name, title in titles.items()}
        else:
            found = workbook_parts(parts)
            titles = find_titles(list(found.sheets), wanted, display)
            read = part_reader(parts)
            xml = {name: read(found.sheets[title]) for name, title in titles.items()}
    except InputError:
        raise
    except Exception as exc:  # a workbook.xml or .rels that zipfile or the XML parser rejects
        raise not_xlsx(display, f"cannot be read as an .xlsx workbook ({why(exc)})") from None
    use_calamine = os.environ.get("IPP_READER") != "openpyxl" and _calamine() is not None
    sheets: dict[str, Sheet] = {}
    book: list[Any] = []  # calamine's workbook, opened once for every sheet read from it
    for name, title in titles.items():
        part = xml[name]
        refs = None if needs_parser(part) else _cell_refs(part)
        scannable = refs is not None
        try:
            special = special_cells(part, recalc=found.recalc) if scannable else _special_parsed(part, found.recalc)
            if use_calamine and refs is not None and _dense_size(refs) <= DENSE_LIMIT:
                if not book:
                    book.append(_calamine().CalamineWorkbook.from_filelike(io.BytesIO(data)))
                raw = _calamine_cells(book[0], title)
            else:
                raw = _openpyxl_cells(data, title)
        except InputError:
            raise
        except BaseException as exc:  # a Rust panic arrives as BaseException: still bad input
            if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
                raise
            raise not_xlsx(display, f"cannot be read as an .xlsx workbook ({why(exc)})") from None
        try:
            cells = _overlay(raw, special)
        except ValueError as exc:  # a reference that is no cell
            raise not_xlsx(display, f"cannot be read as an .xlsx workbook ({why(exc)})") from None
        sheets[name] = Sheet(title, cells, part)
    return sheets


def find_titles(names: Sequence[str], wanted: Sequence[str], display: str) -> dict[str, str]:
    """The actual title of each wanted sheet (``" cover "`` finds ``Cover``)."""
    titles: dict[str, str] = {}
    for title in names:
        titles.setdefault(" ".join(title.split()).casefold(), title)
    found: dict[str, str] = {}
    for name in wanted:
        actual = titles.get(name.casefold())
        if actual is None:
            have = ", ".join(names) or "none"
            raise InputError(
                Finding("missing-sheet", f'the workbook has no sheet "{name}" (it has: {have})', file=display)
            )
        found[name] = actual
    return found


# --------------------------------------------------------------------------- the byte scan


def _cell_refs(xml: bytes) -> list[tuple[bytes, bytes]] | None:
    """Every cell's (column letters, row digits), or None if some cell has no reference first."""
    refs: list[tuple[bytes, bytes]] = _CELL_REF.findall(xml)
    cells = xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>")
    return refs if cells == len(refs) else None


def _dense_size(refs: list[tuple[bytes, bytes]]) -> int:
    """The number of cells from A1 to the sheet's last row and column, from every cell reference."""
    if not refs:
        return 0
    rows = max(int(row) for row in {row for _, row in refs})
    letters = max({letters for letters, _ in refs}, key=lambda text: (len(text), text))
    return rows * column_number(letters.decode("ascii"))


def column_number(letters: str) -> int:
    """``A`` → 1, ``AA`` → 27, ``XFD`` → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


#: A cell reference as a workbook holds it: one to three capital letters, then the row from 1.
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
#: A row number as a ``<row r="…">`` holds it.
_ROW = re.compile(r"[1-9][0-9]{0,6}")


def split_ref(ref: str) -> tuple[int, int]:
    """``G14`` → (14, 7). Anything else raises ``ValueError``: a reference such as ``$A$1``,
    ``a1``, ``A0`` or a thousand letters long is no cell of a workbook, and its letters once
    made a negative column number on which :func:`column_letters` never ended (a fuzzed sheet
    hung ``ipp score``)."""
    match = _REF.fullmatch(ref)
    if match is None:
        raise ValueError(f"{ref[:20]!r} is not a cell reference")
    return int(match.group(2)), column_number(match.group(1))


def row_number_of(text: str) -> int:
    """A ``<row r="…">`` number; anything but 1 to 9,999,999 in ASCII digits raises ``ValueError``."""
    if _ROW.fullmatch(text) is None:
        raise ValueError(f"{text[:20]!r} is not a row number")
    return int(text)


def _overlay(raw: Iterator[tuple[int, int, Any]], special: dict[str, CellError | NoValue]) -> Cells:
    rows: Cells = {}
    for row, column, value in raw:
        cell = typed(value)
        if cell is not None:
            rows.setdefault(row, {})[column] = cell
    for ref, cell in special.items():
        row, column = split_ref(ref)
        rows.setdefault(row, {})[column] = cell
    return dict(sorted((number, dict(sorted(cells.items()))) for number, cells in rows.items()))


# --------------------------------------------------------------------------- the two readers


def _calamine() -> Any:
    try:
        import python_calamine
    except ImportError:
        return None
    return python_calamine


def _calamine_cells(workbook: Any, title: str) -> Iterator[tuple[int, int, Any]]:
    sheet = workbook.get_sheet_by_name(title)
    start = sheet.start
    if start is None:
        return iter(())
    first_row, first_column = start[0] + 1, start[1] + 1
    cells: list[tuple[int, int, Any]] = []
    # to_python() with skip_empty_area is the rectangle from ``start`` to ``end``; iter_rows()
    # is not (python-calamine 0.9 pads its rows from row 1 but its columns from ``start``).
    for offset, values in enumerate(sheet.to_python(skip_empty_area=True)):
        for column, value in enumerate(values, start=first_column):
            if value != "" or not isinstance(value, str):
                cells.append((first_row + offset, column, value))
    return iter(cells)


def _openpyxl_cells(data: bytes, title: str) -> Iterator[tuple[int, int, Any]]:
    """openpyxl's streaming worksheet parser: one cell at a time, missing cells never made up."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    cells: list[tuple[int, int, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about extensions it skips
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            worksheet = workbook[title]
            with worksheet._get_source() as source:
                parser = WorkSheetParser(
                    source,
                    worksheet._shared_strings,
                    data_only=True,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,
                    timedelta_formats=workbook._timedelta_formats,
                )
                for _, row in parser.parse():
                    for cell in row:
                        value = cell["value"]
                        if value is None:
                            continue
                        if cell["data_type"] == "e":
                            value = CellError(str(value))
                        cells.append((cell["row"], cell["column"], value))
        finally:
            workbook.close()
    return iter(cells)


def _special_parsed(xml: bytes, recalc: bool) -> dict[str, CellError | NoValue]:
    """:func:`~ipp_calc.io.xlsx_cells.special_cells` for a sheet the byte scan does not cover,
    by a real (defusedxml) parse: slower, and only for sheets no mainstream program writes."""
    from defusedxml.ElementTree import iterparse

    found: dict[str, CellError | NoValue] = {}
    row_number, column = 0, 0
    for event, element in iterparse(io.BytesIO(xml), events=("start", "end"), forbid_dtd=True):
        tag = element.tag.rpartition("}")[2]
        if event == "start":
            if tag == "row":
                given = element.get("r")
                row_number = row_number_of(given) if given else row_number + 1
                column = 0
            continue
        if tag == "row":
            element.clear()
        if tag != "c":
            continue
        ref = element.get("r")
        if ref:
            row_number, column = split_ref(ref)
        else:
            column += 1
        children = {child.tag.rpartition("}")[2]: child for child in element}
        saved = children.get("v")
        saved_text = (saved.text or "").strip() if saved is not None else ""
        key = f"{column_letters(column)}{row_number}"
        if element.get("t") == "e":
            found[key] = CellError(saved_text or "#VALUE!")
        elif "f" in children and not saved_text and element.get("t") != "str":
            found[key] = NoValue(recalc=False)
        elif "f" in children and recalc:
            found[key] = NoValue(recalc=True)
        element.clear()
    return found


def column_letters(column: int) -> str:
    """1-based column number → letters (1 → A, 27 → AA): the inverse of :func:`column_number`."""
    if column < 1:
        raise ValueError(f"column {column} is not a column")
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
