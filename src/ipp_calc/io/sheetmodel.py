"""Workbooks as plain data: what each sheet holds and how it looks, before any file is written.

Why a model: the report (``ipp run -o``) and the template (``ipp template``) are views of results
and measure sets; writing them is a separate job with its own library (:mod:`ipp_calc.io.xlsx`,
XlsxWriter). A view builds a :class:`WorkbookModel` from pure data (rows of values, each with a
:class:`CellFormat`; column widths, row heights, frozen panes, filters, print set-up, protection,
drop-downs, conditional formats, charts), and one small writer renders any model. So a new sheet is a function that
returns a :class:`SheetModel`, testable without opening a file, and the writer can be measured or
replaced without touching a view.

Everything here is immutable data or plain lists; nothing imports a workbook library.

Coordinates: ``row`` and ``column`` are 0-based in the model (as XlsxWriter counts); ranges and
cell names (``"A1:F20"``, ``"G2"``) are in the spreadsheet's own A1 notation where a user would
read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class CellFormat:
    """How a cell looks and whether a protected sheet lets the user edit it.

    Colours are ``RRGGBB``. ``number_format`` is Excel's format code (``'"$"#,##0.00'``).
    ``None`` everywhere means the spreadsheet's default (Calibri 11, bottom-aligned, locked).
    """

    bold: bool = False
    size: float | None = None
    colour: str | None = None
    fill: str | None = None
    align: Literal["left", "center", "right"] | None = None
    valign: Literal["top", "center"] | None = None
    wrap: bool = False
    indent: int = 0  # levels of indentation from the cell's left edge (text beside right-aligned numbers)
    number_format: str | None = None
    unlocked: bool = False

    def plus(self, other: CellFormat) -> CellFormat:
        """This format with every setting ``other`` makes (``other`` wins where both do)."""
        default = CellFormat()
        changes = {
            name: getattr(other, name) for name in self.__slots__ if getattr(other, name) != getattr(default, name)
        }
        return CellFormat(**{**{n: getattr(self, n) for n in self.__slots__}, **changes})


PLAIN = CellFormat()


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell formula (``"=IF(...)"``), written without a cached result so that the spreadsheet
    program computes it when the workbook is opened. Text that is not a ``Formula`` is always
    stored as text, whatever it starts with."""

    text: str
    #: The result as computed by ipp, stored with the formula so that a program that does not
    #: recalculate (a viewer, a script reading cached values) shows the right number too.
    cached: Any = None


#: A cell value: text, a number (``Decimal`` is written with its exact digits), a boolean,
#: a formula, or None (no value; with a format, a formatted empty cell).
Value = Any

#: One row: its values and, per value, a format (None: plain). ``formats`` may be None (all plain).
Row = tuple[Sequence[Value], Sequence[CellFormat | None] | None]


@dataclass(frozen=True, slots=True)
class Validation:
    """A data validation (what Excel calls it; a drop-down for a list) on ``cells`` (A1 names or
    ranges). ``choices``: a drop-down of these texts; otherwise a decimal at least ``minimum``.
    Blanks are allowed; a wrong entry is refused with ``error_title`` / ``error``."""

    cells: tuple[str, ...]
    error_title: str
    error: str
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: Decimal | None = None  # with it: a decimal between ``minimum`` and ``maximum``


@dataclass(frozen=True, slots=True)
class ConditionalFormat:
    """A look applied to ``cells`` (A1 names or ranges) while ``formula`` is true, recomputed by the
    spreadsheet as the user types (``"=LEN(TRIM(C2))=0"``: a blank cell). The formula's relative
    references are relative to the first cell of ``cells``, as in Excel's dialog. Only the font
    colour, bold and the fill of ``look`` are used (what a conditional format can change)."""

    cells: tuple[str, ...]
    formula: str
    look: CellFormat


@dataclass(frozen=True, slots=True)
class Series:
    """A chart series: its name's cell and its values' column (rows ``first``..``last``, 0-based)."""

    name_row: int
    column: int
    first: int
    last: int
    colour: str


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart of columns of the same sheet, first category at the top."""

    title: str
    value_axis_title: str
    value_format: str
    categories_column: int
    series: tuple[Series, ...]
    anchor: str  # the top-left cell, e.g. "A40"
    width_cm: float
    height_cm: float
    stacked: bool = True
    gap: int = 60


@dataclass(frozen=True, slots=True)
class Protection:
    """Sheet protection without a password (it guides, it does not secure). What stays allowed
    besides selecting cells and editing unlocked ones."""

    filter: bool = False
    format_columns: bool = False
    format_rows: bool = False


@dataclass(frozen=True, slots=True)
class MadeRows:
    """A sheet's rows, made from ``source`` as they are written (``make`` turns a run of source
    rows into rows). How many there are is known and any run of them can be made on its own, so
    a long sheet can be written by two processes at once (io/xlsx_rows.py)."""

    source: Sequence[Any]
    make: Callable[[Sequence[Any]], Iterator[Row]]

    def __len__(self) -> int:
        return len(self.source)

    def __iter__(self) -> Iterator[Row]:
        return self.make(self.source)

    def run(self, start: int, stop: int) -> Iterator[Row]:
        """Rows ``start`` to ``stop - 1`` (0-based)."""
        return self.make(self.source[start:stop])


@dataclass
class SheetModel:
    """One worksheet: its rows from row 1 down, and how the sheet is shown and printed."""

    title: str
    rows: Iterable[Row] = ()  # read once, in order: a generator lets a long sheet stream (or MadeRows)
    #: Per column from A, in characters; or what computes them when the sheet is written (after
    #: the processes sharing a long sheet have started: io/xlsx.py).
    widths: Sequence[float] | Callable[[], Sequence[float]] = ()
    heights: dict[int, float] = field(default_factory=dict)  # 0-based row → points
    freeze: tuple[int, int] | None = None  # (rows, columns) kept in view
    auto_filter: str | None = None  # "A1:F20"
    repeat_rows: tuple[int, int] | None = None  # 0-based first and last row printed on every page
    landscape: bool = False
    fit_to_width: bool = True  # printed one page wide, as many pages tall as it takes
    protection: Protection | None = None
    validations: list[Validation] = field(default_factory=list)
    conditional_formats: list[ConditionalFormat] = field(default_factory=list)
    charts: list[BarChart] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)  # "G14" → a cell comment (a note)
    #: Merged ranges, 0-based (first row, first column, last row, last column): the value and look
    #: of the range's first cell are shown across it (a long text over a table's width).
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: Printed at the top and bottom of every page, in Excel's header codes (``&L`` left, ``&C``
    #: centre, ``&R`` right, ``&P`` page, ``&N`` pages, ``&A`` the sheet's name; ``&&`` is ``&``).
    header: str | None = None
    footer: str | None = None

    def column_widths(self) -> Sequence[float]:
        return self.widths() if callable(self.widths) else self.widths


@dataclass
class WorkbookModel:
    """Sheets in order, the document's title and author, and the sheet shown on opening.

    ``streamed``: the writer may flush each row as it is written (for long reports) instead of
    holding the sheet; rows then must come in order, which the model guarantees anyway.
    """

    sheets: list[SheetModel]
    title: str
    creator: str
    active: str | None = None
    streamed: bool = False
    created: datetime | None = None  # the document's creation time (None: now)


def cell_name(row: int, column: int) -> str:
    """``(0, 0)`` → ``"A1"``."""
    letters = ""
    n = column + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row + 1}"


def cell_position(name: str) -> tuple[int, int]:
    """``"B5"`` → ``(4, 1)``: the 0-based row and column of an A1 cell name."""
    letters = name.rstrip("0123456789")
    column = 0
    for ch in letters.upper():
        column = column * 26 + ord(ch) - ord("A") + 1
    return int(name[len(letters) :]) - 1, column - 1


def column_letter(column: int) -> str:
    """``0`` → ``"A"``, ``26`` → ``"AA"``."""
    return cell_name(0, column)[:-1]
