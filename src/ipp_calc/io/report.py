"""The year's report workbook (``ipp run -o REPORT.xlsx``): Summary, Allocation, Scores, Pool,
Reconciliation and Sources, for the DHCS analyst who has to say where the year's money went.

Why these sheets: an analyst reads the Summary (one line per MCP, a chart, the findings), checks
the Reconciliation (the funding identity, to the cent), and filters the long tables (Allocation,
Scores, Pool) to answer a plan's question about one county or one measure. The Sources sheet says
which files, sha256 and parameters made the numbers, each parameter with its APL reference, so a
report found on a share drive months later still says what it was computed from.

How it is written: the functions below build pure sheet models (:class:`Sheet`: rows of values with
style names; no workbook library involved), :func:`workbook_model` turns them into the generic
:class:`~ipp_calc.io.sheetmodel.WorkbookModel`, and :func:`ipp_calc.io.xlsx.write_workbook` renders it
with XlsxWriter. A new sheet is one more function returning a :class:`Sheet`, added to
:func:`build_sheets`. Why XlsxWriter rather than openpyxl's write-only mode (issue 18): measured on the
shipped example year (25 MCPs, ~35,000 cells; CPU time, medians of 7 on a busy 2-core machine),
writing the report takes about 0.36× of openpyxl's write-only time built in memory and 0.47×
streamed; whole-run figures are in bench/README.md. A report of more than
:data:`STREAM_CELLS` cells is streamed (XlsxWriter's ``constant_memory``: each row goes to a
temporary file as soon as it is complete), so a 30× year never holds its Scores sheet in memory;
a smaller one is built in memory, which is faster still.

Layout: each long table starts in row 1 under a bold header, frozen and filtered; where a sheet
has more than one table (Summary: title above, findings and chart below; Pool: its sources above,
its rounds below) the filter and the frozen rows belong to the per-MCP table. Long free text
(reasons, notes, references) is in the last columns so that it can run on to the right.

Every number is stored as a number (money as ``Decimal``, written with its own digits for any
amount under 10^14; points and counts as numbers; performance rounded to 6 places), money with the
currency format ``"$"#,##0.00``. Every text value passes through :func:`_text`: characters a
workbook cannot hold are dropped and text a spreadsheet would run as a formula is neutralised
(:func:`ipp_calc.io.output.neutralise`), because MCP ids, county names and reasons come from files
that other people wrote. The Summary totals are values, not formulas, so they show without a
recalculation (formulas are written without cached results).

Written atomically (:func:`ipp_calc.io.output.atomic_write`): a failure leaves the old file (or
none) and no temporary file, neither beside the target nor the writer's own in the temp folder.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from ipp_calc import __version__
from ipp_calc.core.allocation import Allocation
from ipp_calc.core.models import MeasureSet, SourceFile
from ipp_calc.core.money import total
from ipp_calc.core.numbers import rounded6
from ipp_calc.core.scoring import AreaDollars, ScoreResult
from ipp_calc.core.trace import cite
from ipp_calc.core.year import YearResult
from ipp_calc.io.layout import REPORT_SHEETS
from ipp_calc.io.output import atomic_write, neutralise
from ipp_calc.io.sheetmodel import (
    BarChart,
    CellFormat,
    Formula,
    MadeRows,
    Row,
    Series,
    SheetModel,
    WorkbookModel,
    cell_position,
    column_letter,
)
from ipp_calc.io.xlsx import write_workbook

MONEY_FORMAT = '"$"#,##0.00'
PERFORMANCE_FORMAT = "0.000000"
SHARE_FORMAT = "0.00%"
ILLUSTRATIVE = "Made with an illustrative measure set: not DHCS's numbers"
#: Above this many cells (rows × the widest row, summed over the sheets) the report is streamed.
STREAM_CELLS = 150_000
SHEETS = REPORT_SHEETS  # the report's sheets, in order (io/layout.py)

#: Characters an .xlsx cannot hold (XML 1.0 has no place for them); dropped from text.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
#: Shown as TRUE / FALSE by every spreadsheet program (LibreOffice shows a bare boolean as 1 / 0).
BOOLEAN_FORMAT = '"TRUE";"TRUE";"FALSE"'

_BOLD = CellFormat(bold=True)
_HEADER = CellFormat(bold=True, fill="DDE7F0")
_STYLES: dict[str, CellFormat] = {
    "header": _HEADER,
    "header_right": _HEADER.plus(CellFormat(align="right")),
    "header_center": _HEADER.plus(CellFormat(align="center")),
    "bold": _BOLD,
    "title": CellFormat(bold=True, size=14),
    "warning": CellFormat(bold=True, colour="9C0006"),
    "center": CellFormat(align="center"),
    "number": CellFormat(),  # a plain number; only its header is aligned right
    "left": CellFormat(align="left"),
    "right": CellFormat(align="right"),
    "money": CellFormat(number_format=MONEY_FORMAT),
    "money_bold": CellFormat(number_format=MONEY_FORMAT, bold=True),
    "performance": CellFormat(number_format=PERFORMANCE_FORMAT),
    "share": CellFormat(number_format=SHARE_FORMAT),
    "boolean": CellFormat(number_format=BOOLEAN_FORMAT, bold=True),
    "fraction": CellFormat(number_format=PERFORMANCE_FORMAT),
    "wrap": CellFormat(wrap=True, valign="top"),
}

#: Column widths, in characters: how many rows are looked at, and the bounds.
_WIDTH_SAMPLE = 2000
_MIN_WIDTH = 6.0
_MAX_WIDTH = 60.0

#: A style name from ``_STYLES``, or several joined by "+" ("share+left"), or None (plain).
Style = str | None


@functools.cache
def _format(style: Style) -> CellFormat | None:
    """The look of a style (None: plain); later parts of a "+" style win."""
    if style is None:
        return None
    merged = CellFormat()
    for part in style.split("+"):
        merged = merged.plus(_STYLES[part])
    return None if merged == CellFormat() else merged


@dataclass(frozen=True)
class Provenance:
    """How and when the report was made: shown on its Sources sheet and every printed page.

    Only the workbook carries a time (JSON and CSV stay byte-identical across runs); it honours
    ``SOURCE_DATE_EPOCH`` (reproducible-builds.org) so a rebuilt report is byte-identical too.
    """

    command: str | None = None
    made: datetime | None = None
    workbook_sha256: Mapping[str, str] = field(default_factory=dict)


def made_at() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when it is set (a whole number of seconds since 1970)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def write_report(
    result: YearResult,
    path: Path,
    *,
    notes: Sequence[str],
    sources: Sequence[SourceFile],
    workbooks: Sequence[str],
    provenance: Provenance | None = None,
    jobs: int = 1,
) -> None:
    """Write the year's report workbook to ``path``, atomically (its longest sheet rendered by
    ``jobs`` processes: the same bytes, sooner)."""
    made = provenance if provenance is not None else Provenance()
    if made.made is None:
        made = replace(made, made=made_at())
    sheets = build_sheets(result, notes=notes, sources=sources, workbooks=workbooks, provenance=made)
    atomic_write(path, lambda stream: _save(sheets, stream, jobs=jobs))


# --------------------------------------------------------------------------- sheet model


@dataclass
class Sheet:
    """One worksheet as rows of values with style names, before any workbook library sees it.

    ``rows`` holds ``(values, styles)``; ``styles`` is None (all plain) or one style name (or
    None) per value. Rows whose index is in ``unsized`` (titles, notes) do not widen columns.
    """

    title: str
    rows: list[tuple[Sequence[Any], Sequence[Style] | None]] = field(default_factory=list)
    freeze: str | None = "A2"
    print_titles: str | None = "1:1"
    auto_filter: str | None = None
    unsized: set[int] = field(default_factory=set)
    max_width: dict[int, float] = field(default_factory=dict)  # column (1-based) → width cap
    charts: list[BarChart] = field(default_factory=list)
    page_header: str | None = None  # printed on every page (see :func:`page_header_footer`)
    page_footer: str | None = None
    made: datetime | None = None  # when the report was made (the workbook's creation time)

    @property
    def next_row(self) -> int:
        """The 1-based row number the next added row will have."""
        return len(self.rows) + 1

    def add(self, values: Sequence[Any], styles: Sequence[Style] | None = None, *, sized: bool = True) -> int:
        if styles is not None and len(styles) != len(values):
            raise ValueError(f"{self.title}: {len(values)} values but {len(styles)} styles")
        if not sized:
            self.unsized.add(len(self.rows))
        self.rows.append((values, styles))
        return len(self.rows)

    def header(self, names: Sequence[str], like: Sequence[Style] | None = None) -> int:
        """A bold header row, each name aligned as the column's values below it (``like``)."""
        return self.add(names, tuple(_HEADER_OF.get(s, "header") for s in like or (None,) * len(names)))

    def blank(self) -> None:
        self.add((), sized=False)

    def line(self, text: str, style: Style = None) -> int:
        """A line of text in column A that may run over the empty cells to its right."""
        return self.add((text,), (style,), sized=False)

    def widths(self) -> list[float]:
        columns = max((len(v) for v, _ in self.rows), default=0)
        widest = [0] * columns
        sample = (r for i, r in enumerate(self.rows) if i not in self.unsized)
        for values, styles in islice(sample, _WIDTH_SAMPLE):
            for i, value in enumerate(values):
                shown = _shown_length(value, styles[i] if styles is not None else None)
                if shown > widest[i]:
                    widest[i] = shown
        return [
            max(_MIN_WIDTH, min(self.max_width.get(i + 1, _MAX_WIDTH), n + 2.0)) if n else _MIN_WIDTH
            for i, n in enumerate(widest)
        ]


_HEADER_OF: dict[Style, str] = {
    "money": "header_right",
    "money_bold": "header_right",
    "performance": "header_right",
    "fraction": "header_right",
    "share": "header_right",
    "number": "header_right",
    "money+right": "header_right",
    "center": "header_center",
}


def _shown_length(value: Any, style: Style) -> int:
    """About how many characters a value takes on screen, for the column width."""
    if isinstance(value, Formula):
        value = value.cached  # a total is as wide as the number it shows
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if style is not None and style.startswith("money") and isinstance(value, (Decimal, int, float)):
        return len(f"{value:,.2f}") + 1
    if style == "share" and isinstance(value, (Decimal, int, float)):
        return len(f"{value * 100:.2f}") + 1
    if style == "performance":
        return 8
    width = len(str(value))
    # bold is wider: about 15 % in the fonts spreadsheet programs use
    return round(width * 1.15) + 2 if style is not None and style.startswith("header") else width


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# --------------------------------------------------------------------------- the sheets


def build_sheets(
    result: YearResult,
    *,
    notes: Sequence[str],
    sources: Sequence[SourceFile],
    workbooks: Sequence[str],
    provenance: Provenance | None = None,
) -> list[Sheet]:
    """Every sheet of the report, in order (pure data: nothing is written yet)."""
    made = provenance if provenance is not None else Provenance()
    sheets = [
        summary_sheet(result),
        cells_sheet(result),
        allocation_sheet(result.allocation),
        scores_sheet(result.scores),
        pool_sheet(result),
        reconciliation_sheet(result),
        findings_sheet(result, notes),
        sources_sheet(result, notes=notes, sources=sources, workbooks=workbooks, provenance=made),
    ]
    header, footer = page_header_footer(result, made)
    for sheet in sheets:
        sheet.page_header, sheet.page_footer, sheet.made = header, footer, made.made
    return sheets


def subtotal(column: int, first: int, last: int, value: Decimal) -> Formula:
    """``=SUBTOTAL(109, F3:F40)``: the sum of the rows a filter shows (109 also skips rows hidden
    by hand), with ipp's own total stored as the cached result for programs that do not
    recalculate."""
    letter = column_letter(column)
    return Formula(f"=SUBTOTAL(109,{letter}{first}:{letter}{max(first, last)})", cached=value)


def summary_sheet(result: YearResult) -> Sheet:
    """One row per MCP, a totals row, the findings, and a stacked bar chart per MCP of earned,
    pool award, unearned and forfeited dollars (so a bar is the maximum allocation + pool award)."""
    sheet = Sheet("Summary")
    program = result.ms.program
    payments = sorted({p for s in result.summary for p, _ in s.earned_by_payment}) or sorted(
        p.id for p in program.payments
    )
    sheet.line(f"CalAIM Incentive Payment Program: {program.label}, year report", "title")
    if result.ms.illustrative:
        sheet.line(ILLUSTRATIVE, "warning")
    else:
        sheet.line(f"Measure set status: {program.status}")
    sheet.blank()
    names = [
        "MCP",
        "Counties",
        "Max allocation",
        *(f"Earned, payment {p}" for p in payments),
        "Earned",
        "Unearned",
        "Forfeited",
        "Recouped",
        "Pool award",
        "Total",
        "Capitation",
        "Breaches",
    ]
    money = ("money",) * (len(payments) + 7)
    styles: tuple[Style, ...] = (None, "center", *money, "money", None)
    header_row = sheet.header(names, styles)
    for s in result.summary:
        by_payment = dict(s.earned_by_payment)
        sheet.add(
            [
                s.mcp,
                s.counties,
                s.max_allocation,
                *(by_payment.get(p, Decimal("0.00")) for p in payments),
                s.earned,
                s.unearned,
                s.forfeited,
                s.recouped,
                s.pool_award,
                s.total,
                s.capitation,
                "; ".join(s.breaches),
            ],
            styles,
        )
    last_data = sheet.next_row - 1
    rows = result.summary
    sums = [
        total(s.max_allocation for s in rows),
        *(total(dict(s.earned_by_payment).get(p, Decimal(0)) for s in rows) for p in payments),
        total(s.earned for s in rows),
        total(s.unearned for s in rows),
        total(s.forfeited for s in rows),
        total(s.recouped for s in rows),
        total(s.pool_award for s in rows),
        total(s.total for s in rows),
    ]
    sheet.add(
        [
            "Total (filtered rows)",
            None,
            *(subtotal(2 + i, header_row + 1, last_data, amount) for i, amount in enumerate(sums)),
            None,
            None,
        ],
        ("bold", None, *(("money_bold",) * (len(payments) + 7)), None, None),
    )
    sheet.freeze = f"B{header_row + 1}"
    sheet.print_titles = f"{header_row}:{header_row}"
    sheet.auto_filter = f"A{header_row}:{column_letter(len(names) - 1)}{max(last_data, header_row)}"
    sheet.max_width[len(names)] = 80.0
    sheet.blank()
    sheet.line(
        "Total = earned − recouped + pool award. Capitation is blank where plans.csv gives none. "
        "Amounts are exact to the cent; the Reconciliation sheet shows where all of the funding went."
    )
    sheet.blank()
    sheet.line("Findings", "bold")
    findings = result.findings
    for finding in findings:
        sheet.line(finding.line_text(), "warning")
    if not findings:
        sheet.line("None: no limit is breached and the reconciliation balances to the cent.")
    if result.ms.illustrative:
        sheet.line(ILLUSTRATIVE, "warning")
    sheet.blank()
    if rows:
        chart_row = sheet.next_row
        column = {name: i + 1 for i, name in enumerate(names)}
        # Stacked, a bar is the MCP's maximum allocation plus its pool award.
        series = [("Earned", "2E7D32"), ("Pool award", "1565C0"), ("Unearned", "B0B0B0"), ("Forfeited", "E69F00")]

        sheet.charts.append(
            BarChart(
                title="Earned, pool award, unearned and forfeited per MCP",
                value_axis_title="Dollars (millions)",
                value_format='"$"#,##0,,"M"',
                categories_column=0,
                series=tuple(
                    Series(header_row - 1, column[name] - 1, header_row, last_data - 1, colour)
                    for name, colour in series
                ),
                anchor=f"A{chart_row}",
                width_cm=26.0,
                height_cm=min(60.0, max(8.0, 3.5 + 0.6 * len(rows))),
            )
        )
    return sheet


def cells_sheet(result: YearResult) -> Sheet:
    """Every dollar at cell level: one row per MCP, county, payment and priority area, with the
    points that priced it. Filter an MCP and a county to see where its dollars came from;
    ``allocated = earned + unearned + forfeited`` on every row, and the totals above the header
    follow the filter."""
    sheet = Sheet("Cells")
    names = [
        "MCP",
        "County",
        "Payment",
        "Submission",
        "Priority area",
        "Allocated",
        "Points earned",
        "Points available",
        "Fraction",
        "Earned",
        "Unearned",
        "Forfeited",
    ]
    styles: tuple[Style, ...] = (
        None, None, "center", "center", "center", "money", "number", "number", "fraction", "money", "money", "money"
    )  # fmt: skip
    money_columns = {"Allocated": 5, "Earned": 9, "Unearned": 10, "Forfeited": 11}
    rows: list[tuple[Any, ...]] = []
    for score in result.scores:
        for d in score.dollars or ():
            area = score.area(d.county, d.priority_area)
            rows.append(
                (
                    score.mcp,
                    d.county,
                    d.payment,
                    score.submission,
                    d.priority_area,
                    d.allocated,
                    area.points_earned if area is not None else None,
                    area.points_available if area is not None else None,
                    rounded6(area.fraction) if area is not None else None,
                    d.earned,
                    d.unearned,
                    d.forfeited,
                )
            )
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[4]))
    first, last = 3, 2 + len(rows)
    sums = {name: total(r[i] for r in rows) for name, i in money_columns.items()}
    totals: list[Any] = ["Total (filtered rows)", None, None, None, None] + [None] * 7
    for name, i in money_columns.items():
        totals[i] = subtotal(i, first, last, sums[name])
    bold_money: tuple[Style, ...] = ("money_bold", None, None, None, "money_bold", "money_bold", "money_bold")
    sheet.add(totals, ("bold", None, None, None, None, *bold_money))
    sheet.header(names, styles)
    for row in rows:
        sheet.add(row, styles)
    sheet.freeze = "C3"
    sheet.print_titles = "2:2"
    sheet.auto_filter = f"A2:L{max(last, 2)}"
    return sheet


def findings_sheet(result: YearResult, notes: Sequence[str]) -> Sheet:
    """Every finding and note of the year in one filterable list: limits breached, what the
    reading found, target disagreements, percent-formatted counts (a warning), the
    reconciliation, and the notes of the run: a row for each of ``result.findings``, what makes
    ``ipp run`` exit 1 (tests/test_report.py holds the two together)."""
    sheet = Sheet("Findings")
    styles: tuple[Style, ...] = (None, None, None, None, "wrap")
    sheet.header(["MCP", "Where", "Code", "Kind", "Finding"], styles)
    for s in result.summary:
        for breach in s.breaches:
            sheet.add([s.mcp, None, "earned-above-limit", "finding", breach], styles)
    for f in result.allocation.findings:
        sheet.add([f.mcp, None, f.code, "finding", f.message], styles)
    for found in result.inputs.findings:  # what the reading found (a Cover that leaves out a county)
        where = ": ".join(
            part for part in (found.file, f"{found.sheet}!{found.cell}" if found.cell else found.sheet) if part
        )
        sheet.add([found.mcp, where or None, found.code, found.severity, found.message], styles)
    for score in result.scores:
        for n in score.notes:
            where = f"submission {score.submission}" + (f", measure {n.measure} ({n.county})" if n.measure else "")
            sheet.add([score.mcp, where, n.code, "warning" if n.warning else "finding", n.message], styles)
    if not result.reconciliation.balanced:
        sheet.add([None, "Reconciliation", "unbalanced", "finding", "the reconciliation does not balance"], styles)
    for note in notes:
        sheet.add([None, None, None, "note", note], styles)
    if sheet.next_row == 2:
        sheet.add([None, None, None, None, "None: no limit is breached and the reconciliation balances."], styles)
    sheet.auto_filter = f"A1:E{sheet.next_row - 1}"
    sheet.max_width[5] = 100.0
    return sheet


def allocation_sheet(allocation: Allocation) -> Sheet:
    """Every cell of the allocation: MCP, county, payment, priority area, amount, forfeited
    (the report's sheet, and ``ipp allocate -o FILE.xlsx``'s)."""
    sheet = Sheet("Allocation")
    names = ["MCP", "County", "Payment", "Priority area", "Amount", "Forfeited"]
    styles: tuple[Style, ...] = (None, None, "center", "center", "money", "center")
    sheet.header(names, styles)
    for c in allocation.cells:
        sheet.add((c.mcp, c.county, c.payment, c.priority_area, c.amount, yes_no(c.forfeited)), styles)
    sheet.auto_filter = f"A1:F{sheet.next_row - 1}"
    return sheet


def scores_sheet(scores: Sequence[ScoreResult]) -> Sheet:
    """Every measure row of every score, the reason in words (the report's sheet, and
    ``ipp score -o FILE.xlsx``'s)."""
    sheet = Sheet("Scores")
    names = [
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
    styles: tuple[Style, ...] = (
        None, "center", None, None, "center", None, None, None, "number", "number", "number", "number", None,
        "money", None,
    )  # fmt: skip
    sheet.header(names, styles)
    add = sheet.rows.append  # the hot loop: rows are built exactly as Sheet.add would
    for score in scores:
        mcp, submission = score.mcp, score.submission
        for m in score.measures:
            add(
                (
                    (
                        mcp,
                        submission,
                        m.measure,
                        m.county,
                        m.priority_area,
                        m.kind,
                        "yes" if m.mandatory else "no",
                        "yes" if m.reported else "no",
                        m.points_earned,
                        m.points_possible,
                        _value(m.value),
                        m.target,
                        m.target_source,
                        m.worth,
                        m.reason,
                    ),
                    styles,
                )
            )
    sheet.auto_filter = f"A1:{column_letter(len(names) - 1)}{sheet.next_row - 1}"
    sheet.max_width[len(names)] = 90.0
    return sheet


def _value(value: Any) -> Any:
    """An answer in a cell: Yes / No as words, a number or a tier count as a number."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def pool_sheet(result: YearResult) -> Sheet:
    """The pool's sources, then per MCP eligibility, performance and award, then the rounds."""
    pool = result.pool
    sheet = Sheet("Pool")
    sources: tuple[Style, ...] = ("money", "money", "money", "money_bold", "money", "money", "money", "center")
    sheet.header(
        ["Unearned", "Forfeited", "Recouped pooled", "Pool", "Awarded", "Retained", "Recouped in all", "Method"],
        sources,
    )
    sheet.add(
        [
            pool.unearned,
            pool.forfeited,
            pool.recouped_pooled,
            pool.pool,
            pool.awarded,
            pool.retained,
            pool.recouped_total,
            pool.method,
        ],
        sources,
    )
    sheet.blank()
    names = [
        "MCP",
        "Eligible",
        "Performance",
        "Targets met",
        "Target pairs",
        "Max allocation",
        "Earned",
        "Room",
        "Award",
        "Capped",
        "Reasons",
        "Performance note",
    ]
    room = "money+right"  # a number, or "no cap"
    styles: tuple[Style, ...] = (
        None, "center", "performance", "number", "number", "money", "money", room, "money", "center", None, None
    )  # fmt: skip
    header_row = sheet.header(names, styles)
    for p in pool.plans:
        sheet.add(
            [
                p.mcp,
                yes_no(p.eligible),
                rounded6(p.performance.value),
                p.performance.met,
                p.performance.pairs,
                p.max_allocation,
                p.earned,
                p.room if p.room is not None else "no cap",
                p.award,
                yes_no(p.capped),
                "; ".join(p.reasons),
                p.performance.note,
            ],
            styles,
        )
    sheet.freeze = f"B{header_row + 1}"
    sheet.print_titles = f"{header_row}:{header_row}"
    sheet.auto_filter = f"A{header_row}:{column_letter(len(names) - 1)}{sheet.next_row - 1}"
    sheet.max_width[11] = 80.0
    sheet.blank()
    sheet.line("Rounds: the pool split by max allocation × performance; a plan given more than its room", "bold")
    sheet.line("gets exactly its room and leaves, and what is left is split again among the others.")
    if pool.rounds:
        rounds: tuple[Style, ...] = ("center", None, "money", "money", "center")
        sheet.header(["Round", "MCP", "Round amount", "Share", "Capped"], rounds)
        for r in pool.rounds:
            for mcp, share in r.shares:
                sheet.add([r.number, mcp, r.amount, share, yes_no(mcp in r.capped)], rounds)
    else:
        sheet.line("No rounds: no eligible MCP has a performance above 0, so the whole pool is retained.")
    return sheet


def reconciliation_sheet(result: YearResult) -> Sheet:
    """``funding = earned − recouped + pool awarded + retained``, one row each, to the cent."""
    rec = result.reconciliation
    sheet = Sheet("Reconciliation")
    sheet.header(["Item", "Amount", "How"], (None, "money", None))
    accounted = rec.earned - rec.recouped + rec.pool_awarded + rec.retained
    rows: list[tuple[str, Decimal, str]] = [
        ("Funding", rec.funding, "the program year's funding (program.yaml)"),
        ("Earned", rec.earned, "every MCP, county, payment and area, before recoupment"),
        ("Recouped", rec.recouped, "taken back from the interim payment: subtracted"),
        ("Pool awarded", rec.pool_awarded, "high-performance pool awards"),
        ("Retained", rec.retained, "kept by the state: the three parts below"),
        ("Retained: pool unplaced", rec.retained_from_pool, "pool nobody could take (no eligible MCP, or caps)"),
        ("Retained: unallocated", rec.unallocated, "funding a DHCS allocation table left unallocated"),
        ("Retained: recouped not pooled", rec.recouped_kept, "recouped dollars the program does not pool"),
        ("Earned − recouped + pool awarded + retained", accounted, "must equal the funding"),
        ("Difference", rec.funding - accounted, "funding − the line above"),
    ]
    for item, amount, how in rows:
        bold = item in ("Funding", "Earned − recouped + pool awarded + retained")
        sheet.add([item, amount, how], ("bold" if bold else None, "money_bold" if bold else "money", None))
    sheet.add(["Balanced", rec.balanced, "TRUE when the difference is 0.00"], ("bold", "boolean", None))
    sheet.auto_filter = f"A1:C{sheet.next_row - 1}"
    return sheet


def sources_sheet(
    result: YearResult,
    *,
    notes: Sequence[str],
    sources: Sequence[SourceFile],
    workbooks: Sequence[str],
    provenance: Provenance | None = None,
) -> Sheet:
    """The files, their sha256, the parameters used with their APL reference, and the notes."""
    ms, program = result.ms, result.ms.program
    sheet = Sheet("Sources")
    sheet.header(["Kind", "Name", "Value", "SHA-256", "Reference"])
    plain: tuple[Style, ...] = (None,) * 5
    sheet.add(["measure set", ms.program_source.path, "program.yaml", ms.program_source.sha256, None], plain)
    for number, source in sorted(ms.submission_sources.items()):
        sheet.add(["measure set", source.path, f"submission {number}", source.sha256, None], plain)
    for source in sources:
        sheet.add(["data file", source.path, None, source.sha256, None], plain)
    filed = {s.source: f"{s.mcp}, submission {s.submission}" for s in result.scores if s.source is not None}
    hashes = provenance.workbook_sha256 if provenance is not None else {}
    for workbook in workbooks:
        sheet.add(["workbook", workbook, filed.get(workbook), hashes.get(workbook), None], plain)

    def param(name: str, value: Any, reference: str | None, style: Style = None) -> None:
        value_style = f"{style}+left" if style else "left"
        sheet.add(["parameter", name, value, None, reference], (None, None, value_style, None, None))

    top = cite(program.reference)
    param("program year", program.program_year, top)
    param("label", program.label, top)
    param("status", program.status, top)
    param("period", f"{program.period.start.isoformat()} to {program.period.end.isoformat()}", top)
    param("funding", program.funding, top, "money")
    for payment in sorted(program.payments, key=lambda p: p.id):
        ref = cite(payment.reference) or top
        param(f"payment {payment.id} share (paid by submission {payment.submission})", payment.share, ref, "share")
        if payment.interim:
            param(f"payment {payment.id} is interim (may be recouped)", "yes", ref)
    for area in program.priority_areas:
        param(f"area {area.id} minimum share ({area.name})", area.minimum_share, cite(area.reference) or top, "share")
    param("flexible share", program.flexible_share, top, "share")
    if program.community_supports_area is not None:
        param("Community Supports area (forfeited by an MCP offering none)", program.community_supports_area, top)
    if program.community_supports_catalog is not None:
        param("Community Supports catalog", f"{len(program.community_supports_catalog)} names", top)
    alloc_ref = cite(program.allocation.reference) or top
    param("allocation method", result.allocation.method, alloc_ref)
    dropped = {u.name for u in result.allocation.factors if u.dropped}
    for factor in program.allocation.factors:
        name = f"allocation factor {factor.name} weight"
        if factor.name in dropped:
            name += " (left out: its total over all rows is 0)"
        param(name, factor.weight, cite(factor.reference) or alloc_ref, "share")
    pool = program.pool
    pool_ref = cite(pool.reference) or top
    param("pool: minimum Community Supports offered", pool.min_community_supports, pool_ref)
    param("pool: performance submission", program.performance_submission, pool_ref)
    param("pool: performance method", pool.method, pool_ref)
    param("pool: attainment cap", pool.attainment_cap, pool_ref)
    param("pool: recouped dollars pooled", yes_no(pool.recoupments_pooled), pool_ref)
    for number, submission in sorted(ms.submissions.items()):
        sub_ref = cite(submission.reference) or top
        for area_id, entry in sorted(submission.areas.items()):
            param(
                f"submission {number}: area {area_id} points available",
                entry.points_available,
                cite(entry.reference) or sub_ref,
            )
    sheet.add(["report", "written by", f"ipp-calc {__version__}", None, None], plain)
    if provenance is not None and provenance.command:
        sheet.add(["report", "command line", provenance.command, None, None], plain)
    if provenance is not None and provenance.made is not None:
        sheet.add(["report", "made at (UTC)", _when(provenance.made), None, None], plain)
    last_table = sheet.next_row - 1
    if ms.illustrative:
        sheet.add(["status", ILLUSTRATIVE, None, None, None], (None, "warning", None, None, None), sized=False)
    for note in notes:
        sheet.add(["note", note, None, None, None], plain, sized=False)
    sheet.auto_filter = f"A1:E{max(last_table, sheet.next_row - 1)}"
    sheet.max_width[2] = 64.0
    sheet.max_width[3] = 40.0
    sheet.max_width[4] = 66.0
    sheet.max_width[5] = 90.0  # the last column: a longer reference runs on to the right
    return sheet


# --------------------------------------------------------------------------- writing


def _text(value: str) -> str:
    """Text as it may go into a cell: no characters a workbook cannot hold, no formula."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    text: str = neutralise(value)
    return text


def _cells(rows: Sequence[tuple[Sequence[Any], Sequence[Style] | None]]) -> Iterator[Row]:
    """A sheet's rows as the writer takes them: text made safe (:func:`_text`), each style
    resolved to its look once per distinct row of styles, no look on an empty cell."""
    looks: dict[int, tuple[Sequence[Style], tuple[CellFormat | None, ...]]] = {}
    for values, styles in rows:
        if any(v.__class__ is str for v in values):
            values = tuple(_text(v) if v.__class__ is str else v for v in values)
        if styles is None:
            yield values, None
            continue
        cached = looks.get(id(styles))
        if cached is None or cached[0] is not styles:
            cached = looks[id(styles)] = (styles, tuple(_format(s) for s in styles))
        formats = cached[1]
        if None in values:
            formats = tuple(None if v is None else f for v, f in zip(values, formats, strict=True))
        yield values, formats


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _page_text(text: str) -> str:
    """Text for a page header or footer: ``&`` starts a code there, so a literal one is ``&&``."""
    return _text(text).replace("&", "&&")


def page_header_footer(result: YearResult, provenance: Provenance) -> tuple[str, str]:
    """Every printed page says what it is (title, status) and where it is (sheet, page x of y)."""
    return page_texts(f"CalAIM IPP {result.ms.program.label}: year report", result.ms, provenance.made)


def page_texts(title: str, ms: MeasureSet, made: datetime | None) -> tuple[str, str]:
    """The header and footer of every printed page of a workbook made from ``ms``: the title and
    the measure set's status, then the sheet, when and by what it was made, and page x of y."""
    status = "ILLUSTRATIVE: not DHCS's numbers" if ms.illustrative else f"status: {ms.program.status}"
    header = f'&L&"-,Bold"{_page_text(title)}&R{_page_text(status)}'
    by = f"made {_when(made)} by ipp-calc {__version__}" if made else f"ipp-calc {__version__}"
    return header, f"&L&A&C{_page_text(by)}&RPage &P of &N"


def _model(sheet: Sheet) -> SheetModel:
    freeze = None
    if sheet.freeze:
        freeze = cell_position(sheet.freeze)  # the first cell that scrolls: rows and columns above and left stay
    repeat = None
    if sheet.print_titles:
        first, last = sheet.print_titles.split(":")
        repeat = (int(first) - 1, int(last) - 1)
    return SheetModel(
        sheet.title,
        rows=MadeRows(sheet.rows, _cells),
        widths=sheet.widths,  # computed as the sheet is written
        freeze=freeze,
        auto_filter=sheet.auto_filter,
        repeat_rows=repeat,
        landscape=True,
        charts=sheet.charts,
        header=sheet.page_header,
        footer=sheet.page_footer,
    )


def workbook_model(sheets: Sequence[Sheet], title: str = "CalAIM IPP year report") -> WorkbookModel:
    """The report as a workbook model; its rows are generated as the writer takes them."""
    return WorkbookModel(
        [_model(sheet) for sheet in sheets],
        title=title,
        creator=f"ipp-calc {__version__}",
        streamed=sum(len(s.rows) * max((len(v) for v, _ in s.rows), default=0) for s in sheets) > STREAM_CELLS,
        created=sheets[0].made if sheets else None,
    )


def _save(sheets: Sequence[Sheet], stream: BinaryIO, title: str = "CalAIM IPP year report", jobs: int = 1) -> None:
    """Write every sheet into ``stream`` (a long report row by row: see :data:`STREAM_CELLS`)."""
    write_workbook(workbook_model(sheets, title), stream, jobs)


# --------------------------------------------------------------------------- one command's result


def notes_sheet(notes: Sequence[str]) -> Sheet:
    """The notes that came with a result (the measure set's status first), one per row, so a
    workbook opened without its terminal output still says ILLUSTRATIVE and what was ignored."""
    sheet = Sheet("Notes", freeze=None, print_titles=None)
    sheet.header(["Note"], ("wrap",))
    for note in notes or ("None.",):
        sheet.add([note], ("wrap",))
    sheet.max_width[1] = 100.0
    return sheet


def write_result_workbook(
    path: Path, sheets: Sequence[Sheet], *, title: str, ms: MeasureSet, notes: Sequence[str]
) -> str:
    """``ipp allocate -o FILE.xlsx`` and ``ipp score -o FILE.xlsx``: the result's sheets (frozen
    header, filters, money as numbers) and a ``Notes`` sheet, every printed page headed with the
    title and ``ms``'s status; written atomically. Returns the line that says what was written."""
    made = made_at()
    header, footer = page_texts(title, ms, made)
    every = [*sheets, notes_sheet(notes)]
    for sheet in every:
        sheet.page_header, sheet.page_footer, sheet.made = header, footer, made
    atomic_write(path, lambda stream: _save(every, stream, title))
    rows = sum(len(sheet.rows) - 1 for sheet in sheets)
    return f"wrote {path}: {rows} rows ({', '.join(sheet.title for sheet in sheets)}, Notes)"


def score_sheets(result: ScoreResult) -> list[Sheet]:
    """``ipp score -o FILE.xlsx``: the missing mandatory answers first (what to fix), the areas
    (points, fraction and, with a data folder, dollars) and every measure row (``Scores``)."""
    missing = Sheet("Missing")
    missing.header(["Measure", "County"])
    for measure, county in result.mandatory_missing:
        missing.add([measure, county])
    if not result.mandatory_missing:
        missing.add(["None: every mandatory measure is answered.", None])
    missing.auto_filter = f"A1:B{missing.next_row - 1}"
    areas = Sheet("Areas")
    names = ["County", "Priority area", "Points earned", "Points available", "Fraction"]
    styles: tuple[Style, ...] = (None, "center", "number", "number", "fraction")
    by_cell: dict[tuple[str, int], list[AreaDollars]] = {}
    for d in result.dollars or ():
        by_cell.setdefault((d.county, d.priority_area), []).append(d)
    if result.dollars is not None:
        names += ["Payment", "Allocated", "Earned", "Unearned", "Forfeited"]
        styles += ("center", "money", "money", "money", "money")
    areas.header(names, styles)
    for a in result.areas:
        points = [a.county, a.priority_area, a.points_earned, a.points_available, rounded6(a.fraction)]
        cells = by_cell.get((a.county, a.priority_area), [])
        if not cells:
            areas.add(points, styles[: len(points)])
        for d in cells:
            areas.add([*points, d.payment, d.allocated, d.earned, d.unearned, d.forfeited], styles)
    areas.auto_filter = f"A1:{column_letter(len(names) - 1)}{areas.next_row - 1}"
    return [missing, areas, scores_sheet([result])]
