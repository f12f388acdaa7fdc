"""A sheet's cells written as XlsxWriter writes them, without its per-cell cost (issue 18).

Why: writing the statewide report's 46,000 cells through ``write_string``/``write_number`` and
then XlsxWriter's own row loop took about half of ``ipp run -o report.xlsx`` (bench/): every cell
went through a decorator, a bounds check, a namedtuple in a table of dicts, and at ``close()``
through a generic per-cell XML writer. :class:`RowsWorksheet` is an XlsxWriter worksheet that
takes whole rows instead and writes their ``<row>``/``<c>`` XML at once, in exactly the bytes
XlsxWriter itself writes for the same cells (tests/test_xlsx_rows.py compares the two, part by
part, in memory and in ``constant_memory`` mode): text into XlsxWriter's own shared-string table
(or inline, in ``constant_memory`` mode), numbers with ``{:.16G}``, formatted blanks, booleans.
Anything else (a formula, and whatever XlsxWriter may add) is handed to XlsxWriter's own methods
and its XML taken from XlsxWriter's own cell writer, so the semantics stay XlsxWriter's.

Only sheets without row heights or comments take this path (:func:`fast_rows_possible`); the
others are written cell by cell as before.

One deliberate difference: in ``constant_memory`` mode XlsxWriter writes a text that starts with
``<r>`` and ends with ``</r>`` into the file unescaped, as if it were rich-text XML; here every
text is escaped, so a name typed that way cannot break the workbook.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import Worksheet

from ipp_calc.io.forked import SharedWork
from ipp_calc.io.sheetmodel import MadeRows

#: Writes one value of a type the fast path does not take: ``(worksheet, row, column, value, format)``.
WriteOther = Callable[[Any, int, int, Any, Any], None]

#: What XlsxWriter escapes in text and turns into ``_xHHHH_``: ``&<>`` and control characters.
_NEEDS_ESCAPE = re.compile(r'[&<>"\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_')
#: XlsxWriter's own limit: text longer than this many UTF-16 units is cut (Excel's 32,767).
_STRING_MAX = 32767


def fast_rows_possible(ws: Any, sheet: Any) -> bool:
    """Whether a sheet model's rows can be written by :meth:`RowsWorksheet.write_rows`: no row
    heights, comments or merged cells (their rows carry more than cells), no chart (whose cached
    values XlsxWriter takes from its own cell table), and XlsxWriter's Excel 2007 row attributes."""
    return (
        isinstance(ws, RowsWorksheet)
        and not getattr(sheet, "heights", None)
        and not getattr(sheet, "comments", None)
        and not getattr(sheet, "charts", None)
        and not getattr(sheet, "merged", None)
        and getattr(ws, "excel_version", None) == 2007
    )


class RowsWorksheet(Worksheet):  # type: ignore[misc]
    """An XlsxWriter worksheet that also takes whole rows (:meth:`write_rows`)."""

    def __init__(self) -> None:
        super().__init__()
        self._fast_xml: list[str] | None = None  # in-memory mode: the <row> elements, in order
        self._looks: list[Any] = []  # in-memory mode: the formats used, by token number
        self._look_tokens: dict[int, str] = {}  # id(format) → its token (:func:`_token`)
        self._firsts: list[tuple[bool, int, int]] = []  # (is a cell, token or row, column), in cell order
        self._others: list[tuple[int, int]] = []  # cells left in XlsxWriter's table, by token number
        self._pending: tuple[int, list[Item]] | None = None  # constant_memory: the row not yet written

    def write_rows(self, rows: Iterable[tuple[Sequence[Any], Sequence[Any]]], write_other: WriteOther) -> None:
        """Write ``rows`` from row 0 down: ``(values, formats)``, a format (XlsxWriter's) per value.

        A value is ``str`` ("" writes nothing but its format), ``Decimal``/``int``/``float``,
        ``bool``, ``None`` (its format only), or anything else, which ``write_other(ws, row,
        column, value, format)`` writes through XlsxWriter's own methods.
        """
        _write_rows(self, rows, write_other)

    def style(self, look: Any) -> str:
        """The ``s`` attribute of a cell with this format. XlsxWriter numbers formats in the order
        cells first use them as it writes the sheet's XML (and in ``constant_memory`` mode, as
        cells are written), so in memory a cell gets a token here (:func:`_token`), turned into
        its number when the sheet is written (:meth:`_write_sheet_data`), in the same order."""
        if look is None:
            return ""
        if self.constant_memory:
            return f' s="{look._get_xf_index()}"'
        token = self._look_tokens.get(id(look))
        if token is None:
            token = self._look_tokens[id(look)] = _token(_SHEET_TOKEN, len(self._looks))
            self._firsts.append((False, len(self._looks), 0))
            self._looks.append(look)
        return token

    def other(self, row: int, column: int) -> str:
        """A placeholder for the cell XlsxWriter holds at (row, column), written in its turn."""
        self._firsts.append((True, row, column))
        self._others.append((row, column))
        return f"\x03{len(self._others) - 1}\x04"

    def flush_pending(self) -> None:
        """``constant_memory``: write the row held back. XlsxWriter writes a row (and numbers its
        formats) when the next row starts, and a sheet's last row when the package is assembled."""
        if self._pending is not None:
            row, items = self._pending
            self._pending = None
            self.row_data_fh.write(f'<row r="{row + 1}">' + _render(self, items) + "</row>")

    def take_runs(self, runs: Sequence[Run], look_of: Callable[[Any], Any]) -> None:
        """Write a whole sheet's rows from runs rendered apart (:func:`render_run`), in order,
        as :meth:`write_rows` writes the same rows: each run's texts go into the shared-string
        table and its formats are numbered in the order :meth:`write_rows` would meet them.
        ``look_of`` turns a run's format (the model's) into XlsxWriter's."""
        if self.constant_memory or any(info.column_format is not None for info in self.col_info.values()):
            raise ValueError(f"{self.name}: runs rendered apart are written in memory, without column formats")
        sst = self.str_table._get_shared_string_index
        xml: list[str] = []
        for run in runs:
            text = run.xml
            if run.texts:
                pieces = text.split(_TEXT)
                parts = [pieces[0]]
                for value, piece in zip(run.texts, pieces[1:], strict=True):
                    parts.append(str(sst(value)))
                    parts.append(piece)
                text = "".join(parts)
            if run.looks:
                own = {_token(_RUN_TOKEN, n)[1:]: self.style(look_of(look)) for n, look in enumerate(run.looks)}
                text = _fill(text, _RUN_TOKEN, own)
            if run.cells is not None:
                (first_row, first_column), (last_row, last_column) = run.cells
                self._check_dimensions(first_row, first_column)
                self._check_dimensions(last_row, last_column)
            xml.append(text)
        self._fast_xml = xml

    def _write_single_row(self, current_row_num: int = 0) -> None:
        self.flush_pending()  # the packager asks for the last row here, in XlsxWriter's turn
        super()._write_single_row(current_row_num)

    def _write_sheet_data(self) -> None:
        if self._fast_xml is None or self.dim_rowmin is None:
            super()._write_sheet_data()
            return
        styles: dict[str, str] = {}  # a token's digits → its s="N"
        cells: dict[tuple[int, int], str] = {}
        for is_cell, a, b in self._firsts:  # XlsxWriter's order: as its cell loop would meet them
            if is_cell:
                cells[(a, b)] = _cell_xml(self, a, b)
            else:
                styles[_token(_SHEET_TOKEN, a)[1:]] = f' s="{self._looks[a]._get_xf_index()}"'
        xml = _fill("".join(self._fast_xml), _SHEET_TOKEN, styles)
        if self._others:
            others = self._others
            xml = _OTHER.sub(lambda m: cells[others[int(m.group(1))]], xml)
        self.fh.write("<sheetData>")
        self.fh.write(xml)
        self.fh.write("</sheetData>")


#: A format's token is a control character and two of these: in memory, a sheet's XML holds
#: only references, numbers and shared-string numbers, never a control character (text is in the
#: shared-string table). ASCII, so the XML stays one byte a character while it is built and
#: replaced (tokens from Unicode's private use area made it two: ~8 ms more statewide).
_TOKEN_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/"
_SHEET_TOKEN = "\x01"  # a worksheet's own formats
_RUN_TOKEN = "\x02"  # a run's formats (rows rendered apart)
_OTHER = re.compile("\x03([0-9]+)\x04")


def _fill(xml: str, kind: str, fills: dict[str, str]) -> str:
    """``xml`` with each token of ``kind`` replaced by ``fills[its two digits]``, in one pass
    (a ``str.replace`` per format scanned a statewide Scores sheet's megabyte twice for each:
    ~6 ms, against ~2 ms)."""
    pieces = xml.split(kind)
    if len(pieces) == 1:
        return xml
    out = [pieces[0]]
    for piece in pieces[1:]:
        out.append(fills[piece[:2]])
        out.append(piece[2:])
    return "".join(out)


def _token(kind: str, number: int) -> str:
    """The ``number``-th format's token (4,096 formats a sheet)."""
    if number >= len(_TOKEN_DIGITS) ** 2:
        raise ValueError("more than 4,096 cell formats in one sheet")
    high, low = divmod(number, len(_TOKEN_DIGITS))
    return kind + _TOKEN_DIGITS[high] + _TOKEN_DIGITS[low]


#: A cell as it waits to be written: (start, format, rest), its XML ``start + s="N" + rest``
#: once its format is numbered; or (row, column, XlsxWriter's cell) for a cell XlsxWriter writes.
Item = tuple[Any, Any, Any]


def _render(ws: RowsWorksheet, items: list[Item]) -> str:
    """The cells' XML, numbering their formats now (in cell order, as XlsxWriter does)."""
    out = []
    for a, b, c in items:
        out.append(a + ws.style(b) + c if a.__class__ is str else _cell_xml(ws, a, b, c))
    return "".join(out)


def _cell_xml(ws: RowsWorksheet, row: int, column: int, cell: Any = None) -> str:
    """The XML XlsxWriter writes for ``cell`` at (row, column), by default the cell it holds
    there (taken out of its table)."""
    if cell is None:
        cell = _take(ws, row, column)
    saved, ws.fh = ws.fh, io.StringIO()
    try:
        ws._write_cell(row, column, cell)
        return str(ws.fh.getvalue())
    finally:
        ws.fh = saved


def _take(ws: RowsWorksheet, row: int, column: int) -> Any:
    cell = ws.table[row].pop(column)
    if not ws.table[row]:
        del ws.table[row]
    return cell


def _write_rows(
    ws: RowsWorksheet,
    rows: Iterable[tuple[Sequence[Any], Sequence[Any]]],
    write_other: WriteOther,
) -> None:
    constant_memory = bool(ws.constant_memory)
    column_formats = {c: info.column_format for c, info in ws.col_info.items() if info.column_format is not None}
    if not constant_memory:
        for c in sorted(column_formats):  # XlsxWriter numbers the columns' formats first (<cols>)
            ws.style(column_formats[c])
    refs: list[str] = []  # "A", "B", …: the column letters, grown as needed
    blocks = None if constant_memory else _SpanBlocks()
    for r, (values, formats) in enumerate(rows):
        if r >= ws.xls_rowmax or len(values) > ws.xls_colmax:
            raise ValueError(f"{ws.name}: row {r + 1} or its {len(values)} columns is past the sheet's last cell")
        while len(refs) < len(values):
            refs.append(xl_rowcol_to_cell_fast(0, len(refs))[:-1])
        if blocks is not None and _PLAIN_TYPES.issuperset(map(type, values)):
            xml, low, high = _row_xml(ws, str(r + 1), values, formats, refs, column_formats)
            if low >= 0:
                ws._check_dimensions(r, low)
                ws._check_dimensions(r, high)
                blocks.add(r, xml, low, high)
            continue
        items, low, high = _row_cells(ws, r, str(r + 1), values, formats, refs, column_formats, write_other)
        if low < 0:
            continue
        ws._check_dimensions(r, low)
        ws._check_dimensions(r, high)
        if blocks is None:
            ws.flush_pending()  # a row with cells: the one before is written now, as XlsxWriter does
            ws.previous_row = r
            ws._pending = (r, items)
        else:
            blocks.add(r, _render(ws, items), low, high)
    if blocks is not None:
        ws._fast_xml = blocks.done()


def _row_cells(
    ws: RowsWorksheet,
    r: int,
    number: str,
    values: Sequence[Any],
    formats: Sequence[Any],
    refs: list[str],
    column_formats: dict[int, Any],
    write_other: WriteOther,
) -> tuple[list[Item], int, int]:
    """One row's cells, waiting for their formats' numbers, and its first and last column
    written (-1, -1: none)."""
    items: list[Item] = []
    low, high = -1, -1
    for c, value in enumerate(values):
        look = formats[c]
        if look is None and c in column_formats:  # XlsxWriter: a column's format for a plain cell
            look = column_formats[c]
        item = _cell(ws, f"{refs[c]}{number}", value, look, formats[c] is not None)
        if item is None and value.__class__ not in _PLAIN_TYPES:
            write_other(ws, r, c, value, formats[c])
            if r in ws.table and c in ws.table[r]:
                item = (r, c, _take(ws, r, c)) if ws.constant_memory else (ws.other(r, c), None, "")
        if item is not None:
            items.append(item)
            low = c if low < 0 else low
            high = c
    return items, low, high


def _row_xml(
    ws: Any,
    number: str,
    values: Sequence[Any],
    formats: Sequence[Any],
    refs: list[str],
    column_formats: dict[int, Any],
) -> tuple[str, int, int]:
    """In memory, a row of plain values only: its cells' XML at once, the same bytes as
    :func:`_row_cells` then :func:`_render` (one string per cell instead of a tuple joined later:
    the statewide report has ~50,000 cells), and its first and last column written (-1, -1:
    none). Formats are numbered in column order, as :func:`_render` does."""
    parts: list[str] = []
    low, high = -1, -1
    style = ws.style
    for c, value in enumerate(values):
        own = formats[c]
        if own is None and (value is None or (value.__class__ is str and not value)):
            continue  # nothing to write: an empty cell without a format of its own
        look = column_formats.get(c) if own is None else own  # XlsxWriter: a column's format for a plain cell
        parts.append(f'<c r="{refs[c]}{number}"{style(look)}{_tail(ws, value)}')
        low = c if low < 0 else low
        high = c
    return "".join(parts), low, high


#: The types :func:`_cell` writes itself (None: an empty cell, written only with a format).
_PLAIN_TYPES = frozenset({str, Decimal, int, float, bool, type(None)})


def _cell(ws: RowsWorksheet, ref: str, value: Any, look: Any, formatted: bool) -> Item | None:
    """One cell as XlsxWriter writes it, but for its format's number; or None (nothing to
    write, or not a plain type)."""
    kind = value.__class__
    if kind not in _PLAIN_TYPES or ((value is None or (kind is str and not value)) and not formatted):
        return None
    return f'<c r="{ref}"', look, _tail(ws, value)


def _tail(ws: RowsWorksheet, value: Any) -> str:
    """A plain cell's XML after its reference and format, as XlsxWriter writes it."""
    kind = value.__class__
    if kind is str and value:
        if ws.constant_memory:
            return _inline_string(ws, value)
        text = value if len(value) <= _STRING_MAX // 2 else _truncated(value)
        return f' t="s"><v>{ws.str_table._get_shared_string_index(text)}</v></c>'
    if kind is Decimal or kind is int or kind is float:
        if not (value.is_finite() if kind is Decimal else math.isfinite(value)):
            raise TypeError("NAN/INF not supported in write_number() without 'nan_inf_to_errors'")
        return f"><v>{value:.16G}</v></c>"
    if kind is bool:
        return f' t="b"><v>{int(value)}</v></c>'
    return "/>"  # "" and None with a format: a formatted empty cell


class _SpanBlocks:
    """In-memory rows, grouped as XlsxWriter groups them: each block of 16 rows says which
    columns its rows use (``spans="1:5"``), so a block is written when it is complete."""

    def __init__(self) -> None:
        self.xml: list[str] = []
        self.rows: list[tuple[int, str]] = []
        self.low, self.high = -1, -1

    def add(self, row: int, cells: str, low: int, high: int) -> None:
        if self.rows and self.rows[0][0] // 16 != row // 16:
            self.flush()
        self.rows.append((row, cells))
        self.low = low if self.low < 0 else min(self.low, low)
        self.high = max(self.high, high)

    def flush(self) -> None:
        spans = f"{self.low + 1}:{self.high + 1}"
        for row, cells in self.rows:
            self.xml.append(f'<row r="{row + 1}" spans="{spans}">{cells}</row>')
        self.rows.clear()
        self.low, self.high = -1, -1

    def done(self) -> list[str]:
        if self.rows:
            self.flush()
        return self.xml


#: Rows per run of a sheet rendered apart: a multiple of 16, so that each run holds whole blocks.
RUN_ROWS = 128
#: In a run's XML, where a text's shared-string number goes.
_TEXT = "\x05"


@dataclass(frozen=True, slots=True)
class Run:
    """Rows rendered apart from their worksheet, by any process (io/xlsx.py: a long sheet is
    rendered by two): their ``<row>`` elements with a token for each format (``looks``, the
    model's formats, in first-use order) and a placeholder for each text's shared-string number
    (``texts``, in cell order), and the first and last (row, column) with a cell (None: none).
    :meth:`RowsWorksheet.take_runs` writes them as if they had been written in their turn."""

    number: int
    xml: str
    looks: tuple[Any, ...]
    texts: tuple[str, ...]
    cells: tuple[tuple[int, int], tuple[int, int]] | None


class _Apart:
    """What :func:`_row_xml` needs of a worksheet, for rows rendered apart: formats become run
    tokens, texts placeholders."""

    constant_memory = False

    def __init__(self) -> None:
        self.looks: list[Any] = []
        self.tokens: dict[int, str] = {}
        self.texts: list[str] = []
        self.str_table = self

    def style(self, look: Any) -> str:
        if look is None:
            return ""
        token = self.tokens.get(id(look))
        if token is None:
            token = self.tokens[id(look)] = _token(_RUN_TOKEN, len(self.looks))
            self.looks.append(look)  # holding it keeps its id unique
        return token

    def _get_shared_string_index(self, text: str) -> str:
        self.texts.append(text)
        return _TEXT


def render_run(number: int, rows: Iterable[tuple[Sequence[Any], Sequence[Any] | None]], first: int) -> Run | None:
    """Rows from row ``first`` (0-based, a multiple of 16) down, rendered apart as run ``number``;
    None when a row holds a value that is not text, a number, a boolean or empty (a formula) or
    lies past the sheet's last cell: such a sheet is written by :meth:`RowsWorksheet.write_rows`."""
    apart = _Apart()
    refs: list[str] = []
    blocks = _SpanBlocks()
    low_row = high_row = low_column = high_column = -1
    for r, (values, formats) in enumerate(rows, start=first):
        if r >= _ROW_MAX or len(values) > _COLUMN_MAX or not _PLAIN_TYPES.issuperset(map(type, values)):
            return None
        while len(refs) < len(values):
            refs.append(xl_rowcol_to_cell_fast(0, len(refs))[:-1])
        xml, low, high = _row_xml(apart, str(r + 1), values, formats or (None,) * len(values), refs, {})
        if low >= 0:
            blocks.add(r, xml, low, high)
            low_row = r if low_row < 0 else low_row
            high_row = r
            low_column = low if low_column < 0 else min(low_column, low)
            high_column = max(high_column, high)
    cells = ((low_row, low_column), (high_row, high_column)) if low_row >= 0 else None
    return Run(number, "".join(blocks.done()), tuple(apart.looks), tuple(apart.texts), cells)


#: XlsxWriter's sheet size (Excel 2007 and later).
_ROW_MAX = 1_048_576
_COLUMN_MAX = 16_384


def _truncated(text: str) -> str:
    """XlsxWriter's own cut of a text past Excel's limit (counted in UTF-16 units)."""
    return str(_utf16_truncate(text, _STRING_MAX)) if _utf16_len(text) > _STRING_MAX else text


def _inline_string(ws: RowsWorksheet, value: str) -> str:
    """A text cell's XML after its reference and format, inline (``constant_memory`` mode)."""
    text = value if len(value) <= _STRING_MAX // 2 else _truncated(value)
    if _NEEDS_ESCAPE.search(text):
        text = ws._escape_data(ws._escape_control_characters(text))
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f' t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


class SharedRows(SharedWork["Run | None"]):
    """A long sheet's rows rendered run by run (:data:`RUN_ROWS` rows each) by this process and
    forked children at once, each claiming the next run (io/forked.py): the children start when
    the workbook does, so they render while this process writes the sheets before this one.
    :meth:`runs` gives every run, in order, or None when the rows are not all plain values (the
    sheet is then written as usual)."""

    def __init__(self, rows: MadeRows, jobs: int) -> None:
        self.rows = rows
        super().__init__(
            -(-len(rows) // RUN_ROWS), self._render, lambda run: run is None or isinstance(run, Run), jobs=jobs
        )

    def _render(self, number: int) -> Run | None:
        start = number * RUN_ROWS
        return render_run(number, self.rows.run(start, start + RUN_ROWS), start)

    def runs(self) -> list[Run] | None:
        runs = self.finish()  # the children reaped, the queue closed
        plain = [run for run in runs if run is not None]
        return plain if len(plain) == len(runs) else None
