"""Terminal tables and CSV rows for each command's result.

Why separate from the results: the JSON is the result itself (``to_json()``); tables and CSV are
views of it for people and spreadsheets.

How tables are drawn: as wide as the terminal (``COLUMNS``, else the real width; 80 when the
output is not a terminal), text columns wrapping to fit, numbers and money never wrapped, split or
cut short (a table whose numbers alone are wider than the terminal is drawn wider rather than
truncate one), no trailing spaces. Every piece of text in a table (names, ids, messages, titles)
is plain text, never markup: a measure named ``[/under 21]`` prints as it is.

Who draws them (issue 18): a table is plain data here (:class:`Table`, :class:`Text`), and
:func:`render_tables` draws it itself, the way rich draws the same table (rich's word wrapping,
folding and justification, ported), whenever every character in it is one terminal cell wide
(:data:`SINGLE_CELL`: Latin, Greek, Cyrillic, the punctuation, arrows and symbols ipp prints).
Anything else (a CJK name, an emoji, a tab, a control character) is drawn by rich itself, which
measures every character. tests/test_render_plain.py holds the two to the same bytes. Why not rich
always: drawing ``ipp score``'s 620-line table took rich about a third of the command's time, and
importing it another 30 ms.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from ipp_calc.core.money import ZERO
from ipp_calc.core.numbers import decimal_text, rounded6
from ipp_calc.core.responses import PLAN_LEVEL, AnswerValue

if TYPE_CHECKING:  # types only: ipp score must not import the year's engine to draw its tables
    from ipp_calc.core.allocation import Allocation
    from ipp_calc.core.pool import PoolResult
    from ipp_calc.core.scoring import AreaDollars, MeasureScore, ScoreResult
    from ipp_calc.core.trace import Step
    from ipp_calc.core.year import YearResult

#: The width when the output is not a terminal and ``COLUMNS`` is not set.
DEFAULT_WIDTH = 80
#: A wrapping text column is never squeezed below this (or its longest cell, if shorter).
_MIN_TEXT = 10

#: Characters every terminal (and rich) draws one cell wide: rich's own single-cell ranges
#: (Latin, Greek, Cyrillic, box drawing), general punctuation (dashes, quotes, bullet, ellipsis),
#: arrows and mathematical operators. No control character, no line separator, no tab.
_SINGLE_CELL_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xAC),
    (0xAE, 0x2FF),
    (0x370, 0x482),
    (0x2010, 0x2027),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x2500, 0x25FC),
)
SINGLE_CELL = frozenset(chr(c) for low, high in _SINGLE_CELL_RANGES for c in range(low, high + 1))


def money(amount: Decimal) -> str:
    """``1234567.5`` → ``1,234,567.50`` (tables only; JSON and CSV keep plain ``1234567.50``)."""
    return f"{amount:,.2f}"


def terminal_width() -> int:
    """``COLUMNS`` when set to a number, else the terminal's width, else 80 (a file or a pipe)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if sys.stdout.isatty():
            return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    except (AttributeError, ValueError, OSError):
        pass
    return DEFAULT_WIDTH


# --------------------------------------------------------------------------- tables as data


class Text:
    """A line (or paragraph) of plain text: never markup, wrapped to the width it is drawn in."""

    __slots__ = ("plain",)

    def __init__(self, text: str = "") -> None:
        self.plain = text

    def __str__(self) -> str:
        return self.plain

    def __repr__(self) -> str:
        return f"Text({self.plain!r})"


class Column:
    """A table column: its header, its cells, how they are justified and whether they wrap."""

    __slots__ = ("cells", "header", "justify", "min_width", "no_wrap", "overflow", "width")

    def __init__(self, header: Text, justify: str = "left", no_wrap: bool = False, overflow: str = "fold") -> None:
        self.header = header
        self.justify = justify
        self.no_wrap = no_wrap
        self.overflow = overflow
        self.width: int | None = None
        self.min_width: int | None = None
        self.cells: list[Any] = []


class Table:
    """A table in the house style (see :func:`new_table`): a title above, a caption below, one
    header row under a rule, cells of plain text."""

    def __init__(self, title: Text | None = None) -> None:
        self.title = title
        self.caption: Text | None = None
        self.caption_justify = "left"
        self.columns: list[Column] = []
        self.sections: set[int] = set()  # rows (0-based) followed by a section break (a blank line)

    def add_column(self, header: Text, *, justify: str = "left", no_wrap: bool = False, overflow: str = "fold") -> None:
        self.columns.append(Column(header, justify, no_wrap, overflow))

    def add_row(self, *cells: Any, end_section: bool = False) -> None:
        """One row; a string cell is plain text. Missing cells are empty, as in rich.
        ``end_section``: a blank line follows the row (unless it is the last)."""
        if len(cells) > len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        if end_section:
            self.sections.add(self.row_count)
        for column, cell in zip(self.columns, (*cells, *([""] * (len(self.columns) - len(cells)))), strict=False):
            column.cells.append(Text(cell) if isinstance(cell, str) else cell)

    @property
    def row_count(self) -> int:
        return len(self.columns[0].cells) if self.columns else 0


#: The old name: every table here is plain (no markup) by construction.
PlainTable = Table


def _plain(item: Any) -> str:
    return item.plain if isinstance(item, Text) or hasattr(item, "plain") else str(item)


def _widest(column: Column, measure: Callable[[str], int] = len) -> int:
    """The widest line of a column's header and cells, in terminal cells."""
    texts = [column.header, *column.cells]
    return max((measure(line) for t in texts for line in _plain(t).split("\n")), default=1)


def fit_columns(table: Table, width: int, measure: Callable[[str], int] = len) -> int:
    """Give every column of ``table`` a fixed width so that it fits ``width``; return the width used.

    Number columns (no-wrap) keep their widest cell: money is never split or cut. Text columns
    share what is left: the widest ones are narrowed first, to a common cap, so ids and short
    words stay whole while long messages wrap; no text column goes below ``_MIN_TEXT`` (or its
    widest cell, if narrower), and the first column (what names the row) stays whole when the
    others can still get their minimums. Only when the numbers and those minimums alone are wider than
    ``width`` is the table drawn wider (a narrower one would have to cut the numbers short).
    ``measure``: a string's width in terminal cells (``len`` for :data:`SINGLE_CELL` text).
    """
    columns = table.columns
    natural = [max(_widest(c, measure), 1) for c in columns]
    gaps = max(len(columns) - 1, 0)  # one space between columns (no edges, no padding)
    text = [i for i, c in enumerate(columns) if not c.no_wrap]
    fixed = sum(n for i, n in enumerate(natural) if i not in text)
    room = width - gaps - fixed
    floors = {i: min(natural[i], _MIN_TEXT) for i in text}
    if text and text[0] == 0 and len(text) > 1 and natural[0] + sum(floors[i] for i in text[1:]) <= room:
        floors[0] = natural[0]  # the first column names the row (an MCP, a measure): whole when it can be

    def used(cap: int) -> int:
        return sum(max(floors[i], min(natural[i], cap)) for i in text)

    if not text or used(max(natural[i] for i in text)) <= room:  # numbers only: nothing to narrow
        cap = max((natural[i] for i in text), default=0)
    else:
        low, high = 0, max(natural[i] for i in text)
        while low < high:  # the largest cap that fits
            middle = (low + high + 1) // 2
            low, high = (middle, high) if used(middle) <= room else (low, middle - 1)
        cap = low
    for i, column in enumerate(columns):
        column.width = max(floors[i], min(natural[i], cap)) if i in text else natural[i]
        column.min_width = None
    return gaps + sum(c.width or 0 for c in columns)


def render_tables(tables: Sequence[Any], header_lines: Sequence[str] = (), width: int | None = None) -> str:
    """Render tables and lines of text to plain text (no colour codes, no trailing spaces), as wide
    as :func:`terminal_width` (or ``width``), a table wider only where its numbers need it."""
    width = width or terminal_width()
    items: list[Any] = [Text(line) for line in header_lines]
    items.extend(tables)
    if all(_drawable(item) for item in items):
        return _draw(items, width)
    return _render_rich(items, width)


def new_table(title: str | None, *columns: tuple[str, str]) -> Table:
    """A table with (header, justify) columns in the house style: right-justified columns hold
    numbers and money and never wrap; left-justified ones hold text and wrap (folding a word
    longer than the column) to fit the terminal."""
    table = Table(Text(title) if title is not None else None)
    for header, justify in columns:
        number = justify == "right"
        table.add_column(Text(header), justify=justify, no_wrap=number, overflow="fold")
    return table


# --------------------------------------------------------------------------- drawing


def _drawable(item: Any) -> bool:
    """Whether :func:`_draw` draws ``item`` exactly as rich would: plain text whose every
    character is one cell wide, tables of it, left or right justified, folding."""
    issuperset = SINGLE_CELL.issuperset
    if isinstance(item, Text):
        return issuperset(item.plain)
    if not isinstance(item, Table) or not item.columns:
        return False
    for annotation in (item.title, item.caption):
        if annotation is not None and not (isinstance(annotation, Text) and issuperset(annotation.plain)):
            return False
    if item.caption is not None and item.caption_justify != "left":
        return False
    for column in item.columns:
        if column.justify not in ("left", "right") or column.overflow != "fold":
            return False
        for cell in (column.header, *column.cells):
            if not (isinstance(cell, Text) and issuperset(cell.plain)):
                return False
    return True


_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def _divide(text: str, width: int) -> list[int]:
    """Where rich breaks ``text`` to fit ``width`` (its ``divide_line``, folding long words),
    for text of one-cell characters."""
    breaks: list[int] = []
    offset = 0
    position = 0
    match = _WORD.match(text, position)
    while match is not None:
        start, end = match.span()
        word = match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:  # fold the word across lines
            pieces = [word[i : i + width] for i in range(0, len(word), width)]
            for index, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if index == len(pieces) - 1:
                    offset = len(piece)
                else:
                    start += len(piece)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
        match = _WORD.match(text, end)
    return breaks


def _wrap(text: str, width: int, justify: str, no_wrap: bool = False) -> list[str]:
    """``text`` as rich's ``Text.wrap`` lays it out in ``width`` cells (``justify`` left, right,
    or ``"default"``: not padded)."""
    if len(text) <= width and "\n" not in text:  # fits: no break, nothing past the width
        if justify == "left":
            return [text + " " * (width - len(text))]
        if justify == "right":
            text = text.rstrip()
            return [" " * (width - len(text)) + text]
        return [text]
    lines: list[str] = []
    for line in text.split("\n"):
        if no_wrap:
            pieces = [line]
        else:
            cuts = [0, *_divide(line, width), len(line)]
            pieces = [line[a:b] for a, b in pairwise(cuts)]
            for i, piece in enumerate(pieces):
                if len(piece) > width:  # rstrip_end: trailing spaces past the width go
                    space = _TRAILING_SPACE.search(piece)
                    if space is not None:
                        pieces[i] = piece[: len(piece) - min(len(space.group(0)), len(piece) - width)]
        for piece in pieces:
            if justify == "left":
                piece = piece[:width] + " " * (width - len(piece)) if len(piece) < width else piece[:width]
            elif justify == "right":
                piece = piece.rstrip()[:width]
                piece = " " * (width - len(piece)) + piece
            lines.append(piece[:width])
    return lines


def _draw_table(table: Table, width: int, out: list[str]) -> None:
    table_width = max(fit_columns(table, width), 0)
    columns = table.columns
    if table.title is not None and table.title.plain:  # an empty title or caption is not drawn
        out.extend(_wrap(table.title.plain, table_width, "left"))

    def row(cells: Sequence[Any], bottom: bool = False) -> None:
        """One row's lines: cells top-aligned, a header's bottom-aligned (as rich aligns them)."""
        laid = [
            _wrap(_plain(cell), column.width or 0, column.justify, column.no_wrap)
            for cell, column in zip(cells, columns, strict=True)
        ]
        height = max(len(lines) for lines in laid)
        for lines, column in zip(laid, columns, strict=True):
            blank = [" " * (column.width or 0)] * (height - len(lines))
            if bottom:
                lines[:0] = blank
            else:
                lines.extend(blank)
        out.extend(" ".join(parts) for parts in zip(*laid, strict=True))

    row([c.header for c in columns], bottom=True)
    out.append("─" * table_width)
    for index in range(table.row_count):
        row([c.cells[index] for c in columns])
        if index in table.sections and index < table.row_count - 1:
            out.append("")
    if table.caption is not None and table.caption.plain:
        out.extend(_wrap(table.caption.plain, table_width, "left"))


def _draw(items: Sequence[Any], width: int) -> str:
    out: list[str] = []
    for item in items:
        if isinstance(item, Table):
            _draw_table(item, width, out)
        else:
            out.extend(_wrap(item.plain, width, "default"))
    return "".join(line.rstrip() + "\n" for line in out)


def _render_rich(items: Sequence[Any], width: int) -> str:
    """The same tables drawn by rich, which measures every character (CJK, emoji, tabs, …)."""
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    def rich_text(item: Any) -> Any:
        return RichText(item.plain) if isinstance(item, Text) else item

    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, force_terminal=False, highlight=False, emoji=False, markup=False
    )
    for item in items:
        if not isinstance(item, Table):
            console.width = width
            console.print(rich_text(item))
            continue
        console.width = max(width, fit_columns(item, width, cell_len))
        drawn = RichTable(
            title=rich_text(item.title) if item.title is not None else None,
            caption=rich_text(item.caption) if item.caption is not None else None,
            caption_justify=item.caption_justify,  # type: ignore[arg-type]
            box=box.SIMPLE_HEAD,
            title_justify="left",
            pad_edge=False,
            show_edge=False,
            padding=(0, 0),
        )
        for column in item.columns:
            drawn.add_column(
                rich_text(column.header),
                justify=column.justify,  # type: ignore[arg-type]
                no_wrap=column.no_wrap,
                overflow=column.overflow,  # type: ignore[arg-type]
                width=column.width,
            )
        for index in range(item.row_count):
            drawn.add_row(*(rich_text(c.cells[index]) for c in item.columns), end_section=index in item.sections)
        console.print(drawn)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


# --------------------------------------------------------------------------- allocate


def allocation_tables(result: Allocation) -> list[Table]:
    """Per MCP: counties, payment totals and maximum; then per MCP: the priority-area totals."""
    payments = sorted(result.payment_totals)
    areas = sorted({c.priority_area for c in result.cells})
    by_payment: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    by_area: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    counties: dict[str, set[str]] = defaultdict(set)
    for c in result.cells:
        by_payment[(c.mcp, c.payment)] += c.amount
        by_area[(c.mcp, c.priority_area)] += c.amount
        counties[c.mcp].add(c.county)
    single = len(result.plans) == 1
    first = new_table(
        f"Maximum allocation, PY{result.program_year} ({result.method})",
        ("MCP", "left"),
        ("Cty", "right") if not single else ("County", "left"),
        *((f"Payment {p}", "right") for p in payments),
        ("Max allocation", "right"),
        ("Forfeited", "right"),
    )
    for plan in result.plans:
        if single:
            for county in sorted(counties[plan.mcp]):
                cells = [c for c in result.cells if c.mcp == plan.mcp and c.county == county]
                first.add_row(
                    plan.mcp,
                    county,
                    *(money(sum((c.amount for c in cells if c.payment == p), ZERO)) for p in payments),
                    money(sum((c.amount for c in cells), ZERO)),
                    money(sum((c.amount for c in cells if c.forfeited), ZERO)),
                )
        first.add_row(
            plan.mcp if not single else "total",
            str(len(counties[plan.mcp])) if not single else "",
            *(money(by_payment[(plan.mcp, p)]) for p in payments),
            money(plan.max_allocation),
            money(plan.forfeited),
        )
    if not single:
        first.add_row(
            "total",
            "",
            *(money(sum((by_payment[(m.mcp, p)] for m in result.plans), ZERO)) for p in payments),
            money(sum((m.max_allocation for m in result.plans), ZERO)),
            money(sum((m.forfeited for m in result.plans), ZERO)),
        )
    second = new_table(
        "By priority area",
        ("MCP", "left"),
        *((f"Area {a}", "right") for a in areas),
        ("Shares %", "right"),
    )
    for plan in result.plans:
        shares = result.shares.get(plan.mcp, {})
        second.add_row(
            plan.mcp,
            *(money(by_area[(plan.mcp, a)]) for a in areas),
            "/".join(_pct(shares.get(a, ZERO)).rstrip("%") for a in areas),
        )
    return [first, second]


def _pct(share: Decimal) -> str:
    return f"{share * 100:.0f}%" if share * 100 == (share * 100).to_integral_value() else f"{share * 100:.1f}%"


def allocation_csv(result: Allocation) -> tuple[list[str], list[list[Any]]]:
    header = ["mcp", "county", "payment", "priority_area", "amount", "forfeited"]
    rows = [
        [c.mcp, c.county, c.payment, c.priority_area, f"{c.amount:.2f}", "yes" if c.forfeited else "no"]
        for c in result.cells
    ]
    return header, rows


# --------------------------------------------------------------------------- score


#: How ``worth`` is computed, said wherever it is shown.
WORTH_MEANS = (
    "Worth: the dollars earning that measure in full would add to this submission, all else equal "
    "(every other answer as it is)."
)


def score_rows(result: ScoreResult, *, sort: str = "measure", unearned_only: bool = False) -> list[MeasureScore]:
    """The measure rows a person asked for: all, or only those not earned in full; in contract
    order (county, area, measure), or by ``worth``, largest first (ties in contract order)."""
    rows = [m for m in result.measures if not unearned_only or m.points_earned < m.points_possible]
    if sort == "worth":
        rows.sort(key=lambda m: -(m.worth if m.worth is not None else ZERO))  # stable: ties keep order
    return rows


def pays_text(payments: Sequence[int]) -> str:
    if not payments:
        return "pays no payment"
    return "pays " + " and ".join(f"Payment {p}" for p in payments)


def missing_table(result: ScoreResult) -> list[Text | Table]:
    """The mandatory answers still missing, one row per county: how many, then which."""
    if not result.mandatory_missing:
        return []
    by_county: dict[str, list[str]] = defaultdict(list)
    for measure, county in result.mandatory_missing:
        by_county[county].append(measure)
    count = len(result.mandatory_missing)
    table = new_table(None, ("County", "left"), ("Missing", "right"), ("Measures", "left"))
    for county in sorted(by_county):
        table.add_row(county, str(len(by_county[county])), ", ".join(by_county[county]))
    plan_wide = len(by_county.get(PLAN_LEVEL, ()))
    counties = len(by_county) - (1 if plan_wide else 0)
    parts = [f"{plan_wide} plan-wide"] if plan_wide else []
    if counties:
        parts.append(f"{count - plan_wide} in {counties} count{'y' if counties == 1 else 'ies'}")
    return [
        Text(
            f"Mandatory answers missing: {count} ({', '.join(parts)}); while any is missing, the plan cannot "
            "get a pool award"
        ),
        table,
    ]


def score_tables(
    result: ScoreResult,
    *,
    payments: Sequence[int] = (),
    sort: str = "measure",
    unearned_only: bool = False,
) -> list[Text | Table]:
    """The missing mandatory answers first (what to fix), then measures (points, worth, reason),
    then areas per county (points, fraction, dollars) and the totals."""
    dollars = result.dollars is not None
    rows = score_rows(result, sort=sort, unearned_only=unearned_only)
    which = " not earned in full" if unearned_only else ""
    order = ", by worth" if sort == "worth" else ""
    title = Text(
        f"{result.mcp}: PY{result.program_year} submission {result.submission} ({pays_text(payments)}): "
        f"points per measure{which}{order} (* mandatory)"
    )
    measures = new_table(
        None,
        ("Measure", "left"),
        ("County", "left"),
        ("Pts", "right"),
        ("of", "right"),
        *((("Worth", "right"),) if dollars else ()),
        ("Reason", "left"),
    )
    for m in rows:
        mark = "*" if m.mandatory else ""
        measures.add_row(
            f"{m.measure}{mark}",
            m.county,
            _pts(m.points_earned),
            _pts(m.points_possible),
            *((money(m.worth) if m.worth is not None else "",) if dollars else ()),
            m.reason,
        )
    areas = new_table(
        "Per county and priority area",
        ("County", "left"),
        ("Area", "right"),
        ("Pts", "right"),
        ("of", "right"),
        ("Fraction", "right"),
        *((("Allocated", "right"), ("Earned", "right"), ("Unearned", "right")) if dollars else ()),
    )
    forfeits = False
    by_area: dict[tuple[str, int], list[AreaDollars]] = defaultdict(list)
    for d in result.dollars or ():
        by_area[(d.county, d.priority_area)].append(d)
    for a in result.areas:
        area_rows = by_area.get((a.county, a.priority_area), [])
        extra: tuple[str, ...] = ()
        if dollars:
            forfeited = sum((d.forfeited for d in area_rows), ZERO)
            extra = (
                money(sum((d.allocated for d in area_rows), ZERO)),
                money(sum((d.earned for d in area_rows), ZERO)),
                money(sum((d.unearned for d in area_rows), ZERO)) + "  " if not forfeited else f"{money(forfeited)} F",
            )
            forfeits = forfeits or bool(forfeited)
        areas.add_row(
            a.county,
            str(a.priority_area),
            _pts(a.points_earned),
            _pts(a.points_available),
            f"{rounded6(a.fraction)}",
            *extra,
        )
    if forfeits:
        areas.caption = Text("F: forfeited (the plan offers no Community Supports); it goes to the pool")
        areas.caption_justify = "left"
    tables: list[Text | Table] = [*missing_table(result), title, measures]
    if dollars:
        tables.append(Text(WORTH_MEANS))
    tables.append(areas)
    if dollars:
        totals = result.totals()
        summary = new_table(
            "Totals", ("Allocated", "right"), ("Earned", "right"), ("Unearned", "right"), ("Forfeited", "right")
        )
        summary.add_row(
            money(totals["allocated"]), money(totals["earned"]), money(totals["unearned"]), money(totals["forfeited"])
        )
        tables.append(summary)
    return tables


def _pts(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def _answer_csv(value: AnswerValue) -> str:
    """An answer in a CSV cell: ``yes``/``no``, a tier count, an exact decimal, or empty."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return decimal_text(value)
    return "" if value is None else str(value)


def score_csv(
    result: ScoreResult, *, sort: str = "measure", unearned_only: bool = False
) -> tuple[list[str], list[list[Any]]]:
    header = [
        "mcp",
        "submission",
        "measure",
        "county",
        "priority_area",
        "kind",
        "mandatory",
        "reported",
        "points_earned",
        "points_possible",
        "worth",
        "reason",
        "value",
        "target",
        "target_source",
    ]
    rows = [
        [
            result.mcp,
            result.submission,
            m.measure,
            m.county,
            m.priority_area,
            m.kind,
            "yes" if m.mandatory else "no",
            "yes" if m.reported else "no",
            _pts(m.points_earned),
            _pts(m.points_possible),
            f"{m.worth:.2f}" if m.worth is not None else "",
            m.reason,
            _answer_csv(m.value),
            decimal_text(m.target) if m.target is not None else "",
            m.target_source or "",
        ]
        for m in score_rows(result, sort=sort, unearned_only=unearned_only)
    ]
    return header, rows


# --------------------------------------------------------------------------- pool


def pool_tables(result: PoolResult, limit: str = "5%") -> list[Table]:
    """The pool's sources and each plan's award; ``limit``: the incentive limit as a percentage."""
    sources = new_table(
        f"High-performance pool, PY{result.program_year} ({result.method})",
        ("Unearned", "right"),
        ("Forfeited", "right"),
        ("Recouped", "right"),
        ("Pool", "right"),
        ("Awarded", "right"),
        ("Retained", "right"),
    )
    sources.add_row(
        money(result.unearned),
        money(result.forfeited),
        money(result.recouped_pooled),
        money(result.pool),
        money(result.awarded),
        money(result.retained),
    )
    plans = new_table(
        None, ("MCP", "left"), ("Eligible", "left"), ("Perf.", "right"), ("Award", "right"), ("Why", "left")
    )
    for p in result.plans:
        why = "; ".join(p.reasons) if p.reasons else p.performance.note
        if p.capped:
            why += f"; capped at its room {money(p.room or ZERO)} ({limit} of capitation)"
        plans.add_row(p.mcp, "yes" if p.eligible else "no", f"{rounded6(p.performance.value)}", money(p.award), why)
    return [sources, plans]


def pool_csv(result: PoolResult) -> tuple[list[str], list[list[Any]]]:
    header = ["mcp", "eligible", "performance", "award", "capped", "reasons"]
    rows = [
        [
            p.mcp,
            "yes" if p.eligible else "no",
            f"{rounded6(p.performance.value)}",
            f"{p.award:.2f}",
            "yes" if p.capped else "no",
            "; ".join(p.reasons),
        ]
        for p in result.plans
    ]
    return header, rows


# --------------------------------------------------------------------------- run


def run_tables(result: YearResult) -> list[Table]:
    """Two tables that fit 100 columns: what each plan earned, then pool and totals; then the
    reconciliation. A ``!`` after an MCP marks a breached limit (see the findings)."""
    payments = sorted(result.allocation.payment_totals)
    earned = new_table(
        f"PY{result.ms.year}: maximum allocation and earned dollars",
        ("MCP", "left"),
        ("Max allocation", "right"),
        *((f"Earned P{p}", "right") for p in payments),
        ("Earned", "right"),
    )
    paid = new_table(
        "Forfeited, recouped, pool award and total (earned − recouped + pool)",
        ("MCP", "left"),
        ("Forfeited", "right"),
        ("Recouped", "right"),
        ("Pool award", "right"),
        ("Total", "right"),
    )
    for s in result.summary:
        by_payment = dict(s.earned_by_payment)
        name = s.mcp + (" !" if s.breaches else "")
        earned.add_row(
            name, money(s.max_allocation), *(money(by_payment.get(p, ZERO)) for p in payments), money(s.earned)
        )
        paid.add_row(name, money(s.forfeited), money(s.recouped), money(s.pool_award), money(s.total))

    def column(get: Any) -> str:
        return money(sum((get(s) for s in result.summary), ZERO))

    earned.add_row(
        "total",
        column(lambda s: s.max_allocation),
        *(column(lambda s, p=p: dict(s.earned_by_payment).get(p, ZERO)) for p in payments),
        column(lambda s: s.earned),
    )
    paid.add_row(
        "total",
        column(lambda s: s.forfeited),
        column(lambda s: s.recouped),
        column(lambda s: s.pool_award),
        column(lambda s: s.total),
    )
    rec = result.reconciliation
    recon = new_table(
        "Reconciliation: funding = earned − recouped + pool awarded + retained",
        ("Funding", "right"),
        ("Earned", "right"),
        ("Recouped", "right"),
        ("Pool awarded", "right"),
        ("Retained", "right"),
        ("Balanced", "left"),
    )
    recon.add_row(
        money(rec.funding),
        money(rec.earned),
        money(rec.recouped),
        money(rec.pool_awarded),
        money(rec.retained),
        "yes" if rec.balanced else "NO",
    )
    return [earned, paid, recon]


def run_csv(result: YearResult) -> tuple[list[str], list[list[Any]]]:
    payments = sorted(result.allocation.payment_totals)
    header = [
        "mcp",
        "max_allocation",
        *(f"earned_payment_{p}" for p in payments),
        "earned",
        "unearned",
        "forfeited",
        "recouped",
        "pool_award",
        "total",
        "breaches",
    ]
    rows = []
    for s in result.summary:
        earned = dict(s.earned_by_payment)
        rows.append(
            [
                s.mcp,
                f"{s.max_allocation:.2f}",
                *(f"{earned.get(p, ZERO):.2f}" for p in payments),
                f"{s.earned:.2f}",
                f"{s.unearned:.2f}",
                f"{s.forfeited:.2f}",
                f"{s.recouped:.2f}",
                f"{s.pool_award:.2f}",
                f"{s.total:.2f}",
                "; ".join(s.breaches),
            ]
        )
    return header, rows


def explain_text(
    mcp: str, steps: Sequence[Step], county: str | None = None, width: int | None = None, notes: Sequence[str] = ()
) -> str:
    """The trace as a person reads it: numbered steps, each with its parameter and source; a
    source is written out once, and later steps that rest on it point back to that step. Wrapped
    to the terminal (:func:`terminal_width`) at spaces only, so no number is split."""
    about = f" (steps about {county}, and those about the whole plan)" if county else ""
    lines = [*notes, f"How {mcp}'s dollars were made{about}:"]
    first_cited: dict[str, int] = {}
    for number, step in enumerate(steps, start=1):
        lines.append(f"{number:>3}. {step.what}: {step.value}")
        if step.parameter:
            lines.append(f"       parameter: {step.parameter}")
        if step.reference:
            if step.reference in first_cited:
                lines.append(f"       source: as in step {first_cited[step.reference]}")
            else:
                first_cited[step.reference] = number
                lines.append(f"       source: {step.reference}")
    return "".join(_wrapped(line, width or terminal_width()) for line in lines)


def _wrapped(line: str, width: int) -> str:
    """One line folded at spaces to ``width``; continuation lines indented under its text."""
    import textwrap

    indent = " " * (len(line) - len(line.lstrip()) + 5)
    return (
        textwrap.fill(line, width=width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        + "\n"
    )
