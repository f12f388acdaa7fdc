"""Writing the reporting template an MCP fills in (``ipp template``), per FORMATS.md.

Why the template is built with this much care: it is the only thing MCP staff see of this
tool. Every cell they must not touch is locked, every answer that is a choice is a drop-down,
every number cell refuses text and negatives, and a ``Points`` column shows what the answer is
worth as they type. None of that is trusted later: the reader re-checks every value and the
scorer ignores the ``Points`` column. The workbook only makes the right answer the easy one.

The ``Cover`` stamps the sha256 of the measure-set file, so a workbook filled against an old
version of the measures is caught when it is scored. Text that reaches a cell from outside the
code (names from YAML, notes carried over from an MCP's earlier workbook) goes through
:func:`~ipp_calc.io.output.neutralise` so that it can never become a formula.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from ipp_calc import __version__
from ipp_calc.core.allocation import Allocation
from ipp_calc.core.models import Election, Measure, MeasureSet, Submission
from ipp_calc.core.prepopulate import Prepopulation, fits
from ipp_calc.core.responses import PLAN_LEVEL, AnswerValue, FilledSubmission
from ipp_calc.errors import Finding, InputError
from ipp_calc.io.layout import (
    COVER_LABELS,
    COVER_SHEET,
    H_BASELINE,
    INSTRUCTIONS_SHEET,
    RESPONSE_COLUMNS,
    RESPONSES_SHEET,
    SUMMARY_SHEET,
    column_letter,
)
from ipp_calc.io.output import atomic_write, neutralise
from ipp_calc.io.sheetmodel import (
    CellFormat,
    ConditionalFormat,
    Formula,
    Protection,
    Row,
    SheetModel,
    Validation,
    WorkbookModel,
)
from ipp_calc.io.xlsx import write_workbook

# --------------------------------------------------------------------------- the layout

ELECTIONS_SHEET = "Elections"

#: The Elections sheet's labels (column A), read back by :mod:`ipp_calc.io.elections`.
ELECTION_AREA = "Area {id}: {name}"
ELECTION_TOTAL = "Total flexible share"
EXCEPTION_FROM, EXCEPTION_TO, EXCEPTION_SHARE, EXCEPTION_WHY = ("From area", "To area", "Share moved", "Justification")
SUPPORTS_HEADER = "Community Support"


#: The Responses header, in order (io/layout.py): Measure ID, County and Response where the eye
#: starts, ``Answer with`` beside Response, then Notes and what describes the measure.
COLUMNS = RESPONSE_COLUMNS
#: A submission with improvement measures adds a locked ``Baseline`` column at the end (the
#: plan's own earlier value, prepopulated); the reader finds it by its header.
BASELINE = H_BASELINE
_LETTER = {name: column_letter(name) for name in (*COLUMNS, BASELINE)}
RESPONSE_COLUMN = _LETTER["Response"]
NOTES_COLUMN = _LETTER["Notes"]
TARGET_COLUMN = _LETTER["Target"]
POINTS_COLUMN = _LETTER["Points"]
COUNTY_COLUMN = _LETTER["County"]
AREA_COLUMN = _LETTER["Priority Area"]
MANDATORY_COLUMN = _LETTER["Mandatory"]

#: Column widths in characters, chosen so that the sheet printed one page wide (landscape) stays
#: legible: the long texts wrap (and their rows are made tall enough) instead of widening the page.
_WIDTHS = {
    "Measure ID": 10,
    "County": 14,
    "Response": 13,
    "Answer with": 34,
    "Notes": 26,
    "Priority Area": 20,
    "Measure": 42,
    "Kind": 16,
    "Mandatory": 11,
    "Target": 9,
    "Points": 8,
    BASELINE: 10,
}
_WRAPPED = frozenset({"Priority Area", "Measure", "Kind", "Notes", "Answer with"})

_HEADER = CellFormat(bold=True, fill="D9D9D9", valign="center", wrap=True)
_TOP_WRAP = CellFormat(valign="top", wrap=True)
_TOP = CellFormat(valign="top")
_LEFT_TOP_WRAP = CellFormat(align="left", valign="top", wrap=True)
_LABEL = CellFormat(bold=True, valign="top")
_BOLD_TOP_WRAP = CellFormat(bold=True, valign="top", wrap=True)
#: Response and Notes: shaded yellow and the only cells of the sheet a user can edit. A Response is
#: centred, so that a number (right) never runs into the text of Answer with beside it.
_EDITABLE = CellFormat(fill="FFF2CC", unlocked=True)
_RESPONSE = CellFormat(align="center")
#: A value carried from the plan's earlier workbook: blue, with a comment naming the source.
PREFILLED_FILL = "DDEBF7"
_PREFILLED = CellFormat(fill=PREFILLED_FILL, unlocked=True)
_PREFILLED_LOCKED = CellFormat(fill=PREFILLED_FILL)
#: The Elections sheet: yellow inputs (shares shown as percentages), locked shares beside them.
_INPUT = CellFormat(fill="FFF2CC", unlocked=True, valign="top")
_SHARE_INPUT = CellFormat(fill="FFF2CC", unlocked=True, valign="top", number_format="0.00%")
_SHARE = CellFormat(valign="top", number_format="0.00%")
#: A blank mandatory Response, while it is blank (a conditional format): Excel's "light red fill
#: with dark red text".
MISSING_FILL = "FFC7CE"
MISSING_LOOK = CellFormat(fill=MISSING_FILL, colour="9C0006")
#: The Summary sheet's figures.
_TITLE = CellFormat(bold=True, size=13, valign="top")
_POINTS = CellFormat(valign="top")  # General: 12.5 as 12.5, 100 as 100
_FRACTION = CellFormat(align="center", valign="top", number_format="0.0%")
_MONEY = CellFormat(valign="top", number_format='"$"#,##0.00')
_MONEY_TOTAL = CellFormat(bold=True, valign="top", number_format='"$"#,##0.00')
_NOTE = CellFormat(align="left", valign="top", wrap=True, indent=1)  # clear of the dollars beside it
#: Text-only sheets (Cover, Instructions): locked, with nothing left to allow.
_LOCKED = Protection()
#: Allowed on the locked Responses sheet: filtering, and resizing columns and rows to read long text.
_RESPONSES_PROTECTION = Protection(filter=True, format_columns=True, format_rows=True)

ILLUSTRATIVE_NOTICE = "This template was made from an illustrative measure set, not DHCS's."


@dataclass(frozen=True, slots=True)
class NotCarried:
    """Something from the previous workbook that the new template could not take over, and why."""

    measure: str
    county: str
    reason: str

    def __str__(self) -> str:
        return f"measure {self.measure} ({self.county}): {self.reason}"


@dataclass(frozen=True, slots=True)
class TemplateResult:
    """What :func:`write_template` wrote, so the CLI can tell the analyst what was lost.

    ``not_carried`` lists the previous workbook's answered rows that have no place in the new
    template (a measure removed, a county dropped, a measure moved between plan and county
    level) or whose answer no longer fits the measure's kind.
    """

    path: Path
    rows: int
    carried: int = 0
    not_carried: tuple[NotCarried, ...] = ()


@dataclass(frozen=True, slots=True)
class _Row:
    """One Responses row before it is written."""

    measure: Measure
    county: str


# --------------------------------------------------------------------------- public entry


def write_template(
    ms: MeasureSet,
    submission: int,
    mcp: str,
    counties: Sequence[str],
    path: Path,
    *,
    targets: Mapping[tuple[str, str], Decimal] | None = None,
    answers: FilledSubmission | None = None,
    prepopulation: Prepopulation | None = None,
    elections: Election | None = None,
    stakes: Stakes | None = None,
) -> TemplateResult:
    """Write the reporting template of ``submission`` for one MCP to ``path``, atomically.

    ``targets`` are the MCP's approved individualized targets keyed ``(measure id, county)``
    (county ``All`` for plan-level measures); they fill the ``Target`` column of the measures
    that need one. ``answers`` are typed into the rows that exist, as the plan would type them
    (the examples and tests fill workbooks this way; nothing is marked). ``prepopulation`` is what
    the plan's earlier workbook carries (:func:`ipp_calc.core.prepopulate.prepopulate`: only what
    the measure set declares), written into blue cells with a comment naming the source, and named
    on the Cover. ``stakes`` (:func:`stakes_from`): the plan's allocation for the payments this
    submission pays, so that the Summary sheet shows the dollars at stake and earned per county and
    area; without it the Summary shows points only. Raises :class:`InputError` (``usage``) for an
    unknown submission, a missing MCP id or an unusable county name.
    """
    workbook, result = build_template(
        ms,
        submission,
        mcp,
        counties,
        targets=targets,
        answers=answers,
        prepopulation=prepopulation,
        elections=elections,
        stakes=stakes,
    )

    def save(stream: BinaryIO) -> None:
        write_workbook(workbook, stream)

    atomic_write(path, save)
    return TemplateResult(path, result.rows, result.carried, result.not_carried)


def build_template(
    ms: MeasureSet,
    submission: int,
    mcp: str,
    counties: Sequence[str],
    *,
    targets: Mapping[tuple[str, str], Decimal] | None = None,
    answers: FilledSubmission | None = None,
    prepopulation: Prepopulation | None = None,
    elections: Election | None = None,
    stakes: Stakes | None = None,
) -> tuple[WorkbookModel, TemplateResult]:
    """The template as a workbook model, not yet written (tests and the CLI may inspect it).

    The ``path`` of the returned result is ``Path()``; :func:`write_template` fills it in.
    """
    sub = ms.submission(submission)
    if sub is None:
        have = ", ".join(str(n) for n in sorted(ms.submissions)) or "none"
        raise InputError(
            Finding(
                "usage",
                f"program year {ms.year} has no submission {submission} (it has: {have})",
                file=ms.program_source.path,
            )
        )
    mcp_id = _identity("MCP id", mcp)
    county_list = _counties(counties)
    rows = _rows(sub, county_list)

    areas = {area.id: area.name for area in ms.program.priority_areas}
    columns = (*COLUMNS, BASELINE) if any(m.needs_baseline for m in sub.measures) else COLUMNS
    responses, carried, not_carried = _responses_sheet(rows, columns, areas, targets or {}, answers, prepopulation)
    workbook = WorkbookModel(
        [
            _cover_sheet(ms, sub, mcp_id, county_list, prepopulation),
            _instructions_sheet(ms, sub, prepopulated=prepopulation is not None),
            responses,
            _summary_sheet(sub, rows, county_list, areas, targets or {}, stakes),
            *([elections_sheet(ms, elections)] if ms.program.gap_filling_submission == submission else []),
        ],
        title=f"IPP reporting template: {mcp_id}, PY{ms.year} submission {submission}",
        creator=f"ipp {__version__}",
        active=RESPONSES_SHEET,
    )
    return workbook, TemplateResult(Path(), len(rows), carried, not_carried)


# --------------------------------------------------------------------------- inputs


def _identity(what: str, value: str) -> str:
    """An MCP id or county as it will be read back: non-empty, no comma, never formula-like."""
    text = " ".join(str(value).split())
    if not text:
        raise InputError(Finding("usage", f"the template needs an {what} (--mcp)"))
    if neutralise(text) != text:
        raise InputError(Finding("usage", f"{what} {text!r} must not start with = + - or @"))
    return text


def _counties(counties: Sequence[str]) -> list[str]:
    """Counties cleaned, de-duplicated (ignoring case) and sorted, as the Cover lists them."""
    seen: dict[str, str] = {}
    for raw in counties:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if "," in name:
            raise InputError(Finding("usage", f"county {name!r} contains a comma; list counties one by one"))
        if name.casefold() == PLAN_LEVEL.casefold():
            raise InputError(Finding("usage", f'"{PLAN_LEVEL}" is the county of plan-level rows, not a county'))
        if neutralise(name) != name:
            raise InputError(Finding("usage", f"county {name!r} must not start with = + - or @"))
        seen.setdefault(name.casefold(), name)
    if not seen:
        raise InputError(Finding("usage", "the template needs at least one county (--counties)"))
    return sorted(seen.values(), key=str.casefold)


def _rows(sub: Submission, counties: Sequence[str]) -> list[_Row]:
    """Measures in YAML order; a plan-level measure once (``All``), a county one per county."""
    rows: list[_Row] = []
    for measure in sub.measures:
        if measure.level == "plan":
            rows.append(_Row(measure, PLAN_LEVEL))
        else:
            rows.extend(_Row(measure, county) for county in counties)
    return rows


# --------------------------------------------------------------------------- Cover


def _cover_sheet(
    ms: MeasureSet, sub: Submission, mcp: str, counties: Sequence[str], prepopulation: Prepopulation | None = None
) -> SheetModel:
    source = ms.submission_sources[sub.submission]
    status = "illustrative" if ms.illustrative else "official"
    values: list[tuple[str, Any]] = [
        *zip(COVER_LABELS, (mcp, ms.year, sub.submission, ", ".join(counties), source.sha256), strict=True),
        ("Submission label", sub.label),
        ("Program", ms.program.label),
        (
            "Status",
            f"{status}: {ILLUSTRATIVE_NOTICE}" if ms.illustrative else status,
        ),
        ("Measurement period", f"{sub.measurement_period.start} to {sub.measurement_period.end}"),
        ("Due", str(sub.due) if sub.due else ""),
        ("Made by", f"ipp {__version__}"),
        ("Fill in", f"the {RESPONSES_SHEET} sheet; read {INSTRUCTIONS_SHEET} first"),
    ]
    if prepopulation is not None:
        carried = len(prepopulation.carried)
        what = f"{carried} value{'s' if carried != 1 else ''} carried (blue cells)" if carried else "nothing carried"
        values.append(("Prepopulated from", f"{prepopulation.label}; {what}"))
    looks = (_LABEL, _LEFT_TOP_WRAP)
    return SheetModel(
        COVER_SHEET,
        rows=[((label, neutralise(value)), looks) for label, value in values],
        widths=(20, 70),
        heights={number: _height(str(value), 70) for number, (_, value) in enumerate(values)},
        protection=_LOCKED,
    )


# --------------------------------------------------------------------------- Instructions


def _instructions_sheet(ms: MeasureSet, sub: Submission, *, prepopulated: bool = False) -> SheetModel:
    lines = _instruction_lines(ms, sub)
    if prepopulated:
        lines += [
            ("", False),
            ("Prepopulated answers", True),
            (
                "Blue cells were filled from your earlier workbook (the Cover names it, with its sha256), "
                "only where the measure set says a measure carries an earlier answer. Each has a comment "
                "naming its source. Check every blue Response and correct it if it has changed; a blue "
                "Baseline is locked: DHCS's own copy of your earlier workbook decides it.",
                False,
            ),
        ]
    return SheetModel(
        INSTRUCTIONS_SHEET,
        rows=[((neutralise(text),), (_BOLD_TOP_WRAP if bold else _TOP_WRAP,)) for text, bold in lines],
        widths=(100,),
        heights={number: _height(text, 100) for number, (text, _) in enumerate(lines)},
        protection=_LOCKED,
    )


def _instruction_lines(ms: MeasureSet, sub: Submission) -> list[tuple[str, bool]]:
    """The Instructions sheet, in plain words: what to type where, and what is only a preview."""
    lines: list[tuple[str, bool]] = [
        (f"How to fill in this template: program year {ms.year}, submission {sub.submission}", True),
        (sub.label, False),
        ("", False),
    ]
    if ms.illustrative:
        lines += [(ILLUSTRATIVE_NOTICE, True), ("", False)]
    lines += [
        ("What to fill", True),
        (
            f"Type your answers in the {RESPONSES_SHEET} sheet, column Response, one row per measure "
            f'and county. Rows with County "{PLAN_LEVEL}" are plan-level measures: answer them once '
            "for the whole plan. Leave a Response blank when you do not report that measure; a "
            "mandatory measure left blank earns no points and affects pool eligibility.",
            False,
        ),
        (
            'The column "Answer with" says what each Response expects. Only the Response and '
            "Notes cells (shaded yellow) can be edited; the rest of the workbook is locked.",
            False,
        ),
        ("", False),
        ("Kinds of answer", True),
        ("Yes or No: choose Yes or No from the drop-down.", False),
        (
            "Tiers: type (or choose) the number of the highest tier you completed, 0 if none. "
            "Tiers count in order: tier 2 counts only with tier 1 done.",
            False,
        ),
        (
            "Numbers: type a plain number, 0 or more, with no units, words or symbols "
            '(12 or 12.5, not "12 providers" or "n/a"). Leave the cell blank if you do not '
            "report it.",
            False,
        ),
        (
            "Target: where your approved individualized target was known when this template was "
            "made it is shown in the Target column. DHCS's targets file takes precedence when "
            "scoring.",
            False,
        ),
        ("", False),
        ("Notes", True),
        (
            "Use the Notes column for anything the reviewer should know about an answer. Notes are not scored.",
            False,
        ),
        ("", False),
        ("Points", True),
        (
            f"The Points column, and the {SUMMARY_SHEET} sheet's subtotals per county and priority area (points "
            "earned, points available, the fraction and, where the allocation was known, the dollars), are a "
            "preview only, for your own information: they recompute as you type, and the score is calculated "
            "again from your Responses when the workbook is received.",
            False,
        ),
        (
            "A mandatory Response left blank is shaded red until it is answered.",
            False,
        ),
        ("", False),
        ("Do not", True),
        (
            "Do not rename the sheets, change the Cover, or edit the locked columns; do not add "
            'formulas to Response cells. The Cover\'s "Measure set" identifies the exact measure '
            "set this template was made from: a workbook made from another version is refused.",
            False,
        ),
    ]
    return lines


# --------------------------------------------------------------------------- Elections


def elections_sheet(ms: MeasureSet, filled: Election | None = None) -> SheetModel:
    """The Gap-Filling Plan's elections (APL 21-016: "the remaining 30% is allocated according to
    the MCP's selection … as indicated in the MCP's submitted Gap-Filling Plan", and an exception
    request "with the Reporting Template"): the flexible share per priority area, with a live
    total that must reach the program's flexible share; an optional exception request; and the
    Community Supports offered, one Yes/No drop-down per name of the program's catalog.

    Only the yellow cells are editable. ``ipp elections`` reads them back into ``elections.yaml``.
    ``filled``: an election typed in, as a plan would (the examples are made this way).
    """
    program = ms.program
    flexible = program.flexible_share
    shown = f"{_number(flexible * 100)} %"
    rows: list[Row] = []
    validations: list[Validation] = []
    blank: Row = ((), None)

    def text(*values: Any, looks: Sequence[CellFormat | None] | None = None) -> None:
        rows.append((tuple(neutralise(v) for v in values), looks))

    text(f"Gap-Filling Plan elections: program year {ms.year}", looks=(_BOLD_TOP_WRAP,))
    text(
        f"Split the flexible {shown} of your maximum allocation among the priority areas (shares of the "
        f"whole allocation, e.g. 0.10 for 10 %); the total must be exactly {_number(flexible)}. DHCS "
        "approves every election.",
        looks=(_TOP_WRAP,),
    )
    rows.append(blank)
    text("Priority area", "Flexible share", "Minimum share", looks=(_HEADER,) * 3)
    first = len(rows) + 1
    for area in program.priority_areas:
        label = ELECTION_AREA.format(id=area.id, name=area.name)
        share = filled.flexible.get(area.id) if filled is not None else None
        rows.append(((neutralise(label), share, area.minimum_share), (_TOP_WRAP, _SHARE_INPUT, _SHARE)))
    last = len(rows)
    validations.append(
        Validation(
            (f"B{first}:B{last}",),
            "A share",
            f"Type a share between 0 and {_number(flexible)}, e.g. 0.10.",
            maximum=flexible,
        )
    )
    total = f"SUM(B{first}:B{last})"
    check = f'IF(ROUND({total},6)={_number(flexible)},"adds up","must add up to {_number(flexible)}")'
    rows.append(((ELECTION_TOTAL, Formula(f"={total}"), Formula(f"={check}")), (_LABEL, _SHARE, _TOP)))
    rows.append(blank)
    text("Exception request (optional)", looks=(_LABEL,))
    text(
        "To ask DHCS to move more than the flexible share to an area, by taking it from another area, "
        "name both areas, the share moved and your reasons. DHCS decides; leave blank for none.",
        looks=(_TOP_WRAP,),
    )
    ids = tuple(str(a.id) for a in program.priority_areas)
    start = len(rows) + 1
    asked = filled.exception if filled is not None else None
    for label, look, typed in (
        (EXCEPTION_FROM, _INPUT, asked.from_ if asked else None),
        (EXCEPTION_TO, _INPUT, asked.to if asked else None),
        (EXCEPTION_SHARE, _SHARE_INPUT, asked.share if asked else None),
        (EXCEPTION_WHY, _INPUT.plus(_TOP_WRAP), neutralise(asked.justification) if asked else None),
    ):
        rows.append(((label, typed), (_LABEL, look)))
    validations.append(Validation((f"B{start}:B{start + 1}",), "An area", "Choose a priority area.", choices=ids))
    validations.append(
        Validation((f"B{start + 2}",), "A share", "Type a share between 0 and 1, e.g. 0.05.", maximum=Decimal(1))
    )
    rows.append(blank)
    text(SUPPORTS_HEADER, "Offered", looks=(_HEADER, _HEADER))
    catalog = program.community_supports_catalog
    begin = len(rows) + 1
    if catalog:
        offered = {n.casefold() for n in (filled.community_supports or ())} if filled is not None else set()
        said = filled is not None and filled.community_supports is not None
        for name in catalog:
            answer = ("Yes" if name.casefold() in offered else "No") if said else None
            rows.append(((neutralise(name), answer), (_TOP_WRAP, _INPUT)))
        validations.append(
            Validation((f"B{begin}:B{len(rows)}",), "Yes or No", "Choose Yes or No.", choices=("Yes", "No"))
        )
    else:  # no catalog: the plan names what it offers
        for _ in range(15):
            rows.append(((None, "Yes"), (_INPUT, _TOP)))
    heights = {i: _height(str(r[0][0]) if r[0] and r[0][0] else "", 60) for i, r in enumerate(rows)}
    heights[1] = _height(str(rows[1][0][0]), 60)
    return SheetModel(
        ELECTIONS_SHEET,
        rows=rows,
        widths=(60, 16, 20),
        heights=heights,
        protection=_LOCKED,
        validations=validations,
    )


# --------------------------------------------------------------------------- Responses


def _responses_sheet(
    rows: Sequence[_Row],
    columns: Sequence[str],
    areas: Mapping[int, str],
    targets: Mapping[tuple[str, str], Decimal],
    answers: FilledSubmission | None,
    prepopulation: Prepopulation | None = None,
) -> tuple[SheetModel, int, tuple[NotCarried, ...]]:
    table: list[Row] = [(tuple(columns), (_HEADER,) * len(columns))]
    sheet = SheetModel(
        RESPONSES_SHEET,
        rows=table,
        widths=tuple(_WIDTHS[name] for name in columns),
        heights={0: max(_height(name, _WIDTHS[name] - 1) for name in columns)},
        freeze=(1, 2),  # the header, and each row's Measure ID and County, stay in view
        auto_filter=f"A1:{_LETTER[columns[-1]]}{len(rows) + 1}",
        repeat_rows=(0, 0),
        landscape=True,
        protection=_RESPONSES_PROTECTION,
    )
    looks = tuple(
        (_TOP_WRAP if name in _WRAPPED else _TOP)
        .plus(_EDITABLE if name in ("Response", "Notes") else CellFormat())
        .plus(_RESPONSE if name == "Response" else CellFormat())
        for name in columns
    )
    validations = _Validations()
    prior = _PreviousAnswers(answers)
    mandatory: list[int] = []
    for number, row in enumerate(rows, start=2):
        measure = row.measure
        target = targets.get((measure.id, row.county)) if measure.needs_target else None
        value, notes = prior.take(measure, row.county)
        row_looks = looks
        baseline: AnswerValue = None
        if prepopulation is not None:
            value, baseline, row_looks = _prefill(sheet, prepopulation, row, number, value, columns, looks)
        points = points_formula(measure, number, target_known=target is not None)
        values: dict[str, Any] = {
            "Measure ID": measure.id,
            "County": row.county,
            "Priority Area": area_text(measure.priority_area, areas),
            "Measure": measure.title,
            "Kind": _kind_text(measure),
            "Mandatory": "Yes" if measure.mandatory else "No",
            "Response": _cell_value(value),
            "Notes": notes,
            "Target": _cell_value(target),
            "Points": None if points is None else Formula(points),
            "Answer with": answer_hint(measure),
            BASELINE: _cell_value(baseline),
        }
        if measure.needs_baseline:
            known = baseline if isinstance(baseline, Decimal) else None
            values["Answer with"] = f"{values['Answer with']}; {reach_hint(measure, known)}"
        sheet.heights[number - 1] = max(_height(str(values[name] or ""), _WIDTHS[name]) for name in _WRAPPED)
        table.append((tuple(values[n] if n == "Points" else neutralise(values[n]) for n in columns), row_looks))
        validations.add(measure, f"{RESPONSE_COLUMN}{number}")
        if measure.mandatory:
            mandatory.append(number)
    sheet.validations.extend(validations.models())
    if mandatory:
        first = f"{RESPONSE_COLUMN}{mandatory[0]}"
        sheet.conditional_formats.append(
            ConditionalFormat(_ranges(RESPONSE_COLUMN, mandatory), f"=LEN(TRIM({first}))=0", MISSING_LOOK)
        )
    return sheet, prior.carried, prior.leftovers()


def _ranges(column: str, numbers: Sequence[int]) -> tuple[str, ...]:
    """Rows of one column as A1 ranges, consecutive rows joined: ``C2:C4``, ``C7``."""
    out: list[str] = []
    run: list[int] = []
    for n in [*numbers, -1]:
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(f"{column}{run[0]}" if len(run) == 1 else f"{column}{run[0]}:{column}{run[-1]}")
        run = [n]
    return tuple(out)


# --------------------------------------------------------------------------- Summary


@dataclass(frozen=True, slots=True)
class Stakes:
    """The plan's maximum allocation for the payments this submission pays, per (county, area):
    each payment's cell as ``(amount, forfeited)`` (:meth:`ipp_calc.core.allocation.Allocation.cell`),
    and where the amounts come from, in words for the sheet."""

    cells: Mapping[tuple[str, int], Sequence[tuple[Decimal, bool]]]
    source: str
    payments: str  # "Payment 2"


def stakes_from(
    allocation: Allocation, ms: MeasureSet, submission: int, mcp: str, counties: Sequence[str], source: str
) -> Stakes:
    """The cells :func:`ipp_calc.core.scoring.add_dollars` prices for this submission, as it finds
    them: every county of the workbook, every payment the submission pays, every priority area of
    the submission; a cell the allocation does not have is $0."""
    payments = ms.program.payments_of(submission)
    sub = ms.submissions[submission]
    cells: dict[tuple[str, int], list[tuple[Decimal, bool]]] = {}
    for county in counties:
        for area in sorted(sub.areas):
            for payment in payments:
                cell = allocation.cell(mcp, county, payment.id, area)
                if cell is not None:
                    cells.setdefault((county, area), []).append((cell.amount, cell.forfeited))
    names = " and ".join(f"Payment {p.id}" for p in payments) or "no payment"
    return Stakes(cells, source, names)


def _summary_sheet(
    sub: Submission,
    rows: Sequence[_Row],
    counties: Sequence[str],
    areas: Mapping[int, str],
    targets: Mapping[tuple[str, str], Decimal],
    stakes: Stakes | None,
) -> SheetModel:
    """Live subtotals per county and priority area, computed as RULES.md section 4 (and
    :func:`ipp_calc.core.scoring._area_scores`) computes them: the area's points in the county plus
    the plan-level (``All``) points, over the area's points available, at most 1; with the
    plan's allocation, the dollars at stake and earned, rounded per payment as the scorer rounds."""
    last = len(rows) + 1

    def column(name: str) -> str:
        letter = _LETTER[name]
        return f"{RESPONSES_SHEET}!${letter}$2:${letter}${last}"

    title_rows: list[Row] = [
        ((f"Live subtotals: PY{sub.program_year} submission {sub.submission}",), (_TITLE,)),
        (
            (
                f"These cells recompute as you type in the {RESPONSES_SHEET} sheet. They are a preview, like the "
                "Points column: the score is calculated again from your Responses when the workbook is "
                "received, and that calculation (ipp score) is the one that counts. Per county and priority "
                f'area: the area\'s points in that county plus its plan-level points (County "{PLAN_LEVEL}", '
                "which count in every county), over the points available; the fraction is at most 100 %.",
            ),
            (_TOP_WRAP,),
        ),
    ]
    if stakes is not None:
        title_rows.append(
            (
                (
                    f"Dollars: your maximum allocation for {stakes.payments} ({stakes.source}). Earned = at stake × "
                    "fraction, rounded to the cent per payment as the scorer rounds (half to even). A preview "
                    "only: the scorer's figures are authoritative.",
                ),
                (_TOP_WRAP,),
            )
        )
    else:
        title_rows.append(
            (
                (
                    "Points only: no allocation was known when this template was made (ipp template --data with "
                    "an elections.yaml, or --allocation and --elections, adds the dollars at stake).",
                ),
                (_TOP_WRAP,),
            )
        )
    names = ["County", "Priority area", "Points earned", "Points available", "Fraction"]
    if stakes is not None:
        names += ["At stake", "Earned (preview)"]
    names.append("Note")
    widths = [16, 34, 10, 10, 10, *([16, 16] if stakes is not None else []), 44]
    table: list[Row] = [*title_rows, ((), None), (tuple(names), (_HEADER,) * len(names))]
    header = len(table)  # 1-based row of the header
    # The title texts span the table: their height is measured on the table's whole width.
    heights = {i: _height(str(r[0][0]), sum(widths)) for i, r in enumerate(title_rows)}
    heights[header - 1] = max(_height(n, w - 1) for n, w in zip(names, widths, strict=True))
    area_of, county_of, points_of = column("Priority Area"), column("County"), column("Points")
    first = header + 1
    for county in counties:
        for area_id, entry in sorted(sub.areas.items()):
            r = len(table) + 1
            text = neutralise(area_text(area_id, areas))
            earned = Formula(
                f'=SUMPRODUCT(({area_of}="{_quoted(text)}")*(({county_of}="{_quoted(county)}")'
                f'+({county_of}="{PLAN_LEVEL}")),{points_of})'
            )
            fraction = Formula(f"=IF(D{r}>0,MIN(1,C{r}/D{r}),0)")
            values: list[Any] = [neutralise(county), text, earned, entry.points_available, fraction]
            looks: list[CellFormat | None] = [_TOP, _TOP_WRAP, _POINTS, _POINTS, _FRACTION]
            notes = _unpreviewed(rows, county, area_id, targets)
            if stakes is not None:
                cells = stakes.cells.get((county, area_id), ())
                payable = [amount for amount, forfeited in cells if not forfeited and amount > 0]
                forfeited = sum((amount for amount, lost in cells if lost), Decimal(0))
                values += [sum(payable, Decimal(0)), Formula(_earned_formula(payable, r))]
                looks += [_MONEY, _MONEY]
                if forfeited > 0:
                    notes.append(f"${forfeited:,.2f} forfeited (no Community Supports offered): not payable")
            values.append("; ".join(notes))
            looks.append(_NOTE)
            table.append((tuple(values), tuple(looks)))
            heights[r - 1] = max(_height(str(values[1]), widths[1]), _height(values[-1], widths[-1]))
    end = len(table)
    if stakes is not None:
        table.append(
            (
                ("Total", "", None, None, None, Formula(f"=SUM(F{first}:F{end})"), Formula(f"=SUM(G{first}:G{end})")),
                (_LABEL, None, None, None, None, _MONEY_TOTAL, _MONEY_TOTAL),
            )
        )
    table.append(((), None))
    blank = (
        f'=SUMPRODUCT(({column("Mandatory")}="Yes")*(LEN(TRIM({column("Response")}))=0))'
        if any(r.measure.mandatory for r in rows)
        else "=0"
    )
    table.append(
        (
            ("Mandatory answers still blank", "", Formula(blank)),
            (_LABEL, None, _POINTS),
        )
    )
    table.append(
        (
            (
                f"Blank mandatory Responses are shaded red on the {RESPONSES_SHEET} sheet until they are answered; "
                "a mandatory measure left blank earns no points and makes the plan ineligible for the pool.",
            ),
            (_TOP_WRAP,),
        )
    )
    heights[len(table) - 1] = _height(str(table[-1][0][0]), sum(widths))
    return SheetModel(
        SUMMARY_SHEET,
        rows=table,
        widths=tuple(widths),
        heights=heights,
        freeze=(header, 2),
        repeat_rows=(header - 1, header - 1),
        landscape=True,
        protection=_LOCKED,
        merged=[(i, 0, i, len(names) - 1) for i in (*range(len(title_rows)), len(table) - 1)],
    )


def _quoted(text: str) -> str:
    """Text inside a formula's double quotes."""
    return text.replace('"', '""')


def _unpreviewed(rows: Sequence[_Row], county: str, area: int, targets: Mapping[tuple[str, str], Decimal]) -> list[str]:
    """Why some of an area's rows are not in the live subtotal (their Points cell is empty)."""
    missing = [
        r
        for r in rows
        if r.measure.priority_area == area
        and r.county in (county, PLAN_LEVEL)
        and points_formula(r.measure, 2, target_known=not r.measure.needs_target or (r.measure.id, r.county) in targets)
        is None
    ]
    if not missing:
        return []
    ids = ", ".join(sorted({r.measure.id for r in missing}, key=_id_key))
    return [f"no preview for {ids} (the target or baseline is not in this workbook)"]


def _id_key(measure_id: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in measure_id.split("."))


def _earned_formula(amounts: Sequence[Decimal], row: int) -> str:
    """Σ over the payments of (cents × min(earned, available) ÷ available), each rounded half to
    even to the cent, as :func:`ipp_calc.core.scoring.add_dollars` rounds (``round_cents``).

    The quotient is first rounded to 6 decimals so that an exact half cent, which binary floating
    point may show as 0.4999999…, is seen as one (a true quotient is never that close to a half
    cent otherwise: its denominator is the points available)."""
    if not amounts:
        return "=0"
    terms = []
    for amount in amounts:
        cents = int(amount * 100)
        q = f"ROUND({cents}*MIN(C{row},D{row})/D{row},6)"
        terms.append(f"IF(MOD({q},1)=0.5,INT({q})+MOD(INT({q}),2),ROUND({q},0))")
    return f"=IF(D{row}>0,({'+'.join(terms)})/100,0)"


def _prefill(
    sheet: SheetModel,
    prepopulation: Prepopulation,
    row: _Row,
    number: int,
    typed: AnswerValue,
    columns: Sequence[str],
    looks: tuple[CellFormat, ...],
) -> tuple[AnswerValue, AnswerValue, tuple[CellFormat, ...]]:
    """The carried Response and Baseline of one row, each marked: blue, with a comment that names
    the earlier workbook and its sha256. A value typed by ``answers`` is never overwritten."""
    marked = list(looks)
    value, baseline = typed, None
    for column, look in (("Response", _PREFILLED), (BASELINE, _PREFILLED_LOCKED)):
        carried = prepopulation.value(row.measure.id, row.county, column)  # type: ignore[arg-type]
        if carried is None or column not in columns or (column == "Response" and typed is not None):
            continue
        if column == "Response":
            value = carried.value
        else:
            baseline = carried.value
        index = columns.index(column)
        marked[index] = looks[index].plus(look)
        sheet.comments[f"{_LETTER[column]}{number}"] = (
            f"Prepopulated from {prepopulation.label}, measure {carried.source_measure} ({row.county}). "
            + ("Check it and correct it if it has changed." if column == "Response" else "Locked: DHCS's copy decides.")
        )
    return value, baseline, tuple(marked)


def _height(text: str, width: float) -> float:
    """A row height (points) that shows all of ``text`` wrapped in a column ``width`` wide.

    Spreadsheet programs do not re-measure wrapped rows of a generated file, so without an
    explicit height long measure names would be cut to one line.
    """
    per_line = max(1.0, width * 1.15)  # average characters per line at the default font
    lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
    return 15.0 * max(1, lines)


def _cell_value(value: AnswerValue) -> Any:
    """A Python answer as a cell value: Yes/No text, whole numbers as int, others as Decimal
    (a Decimal's digits are written as they are, so nothing passes through a float)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return value
    if value == value.to_integral_value() and abs(value) < Decimal(10) ** 15:
        return int(value)
    return value


def area_text(area: int, areas: Mapping[int, str]) -> str:
    """A priority area as the Responses sheet names it (``1: Delivery System Infrastructure``)."""
    name = areas.get(area)
    return f"{area}: {name}" if name else str(area)


def _kind_text(measure: Measure) -> str:
    """The kind in words; it starts with the kind's own name so it can be filtered on."""
    if measure.kind == "target":
        return f"target ({measure.direction or 'higher'} is better)"
    if measure.kind == "improvement":
        return f"improvement ({measure.direction or 'higher'} is better)"
    if measure.kind == "tiered":
        by = {
            "completion": "tiers completed",
            "value": "by value",
            "target_ratio": "share of target",
            "improvement": "by improvement",
        }
        return f"tiered ({by.get(measure.basis or 'completion', measure.basis or '')})"
    return measure.kind


def _number(value: Decimal) -> str:
    """A Decimal as formula text: plain digits, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


def _unit(measure: Measure) -> str:
    return f" ({measure.unit})" if measure.unit else ""


def answer_hint(measure: Measure) -> str:
    """What to type in the Response cell, in plain words (the ``Answer with`` column)."""
    if measure.kind == "completion":
        return "Yes or No"
    if measure.kind == "reporting":
        return f"a number ≥ 0{_unit(measure)}"
    if measure.kind == "target":
        bound = "at most" if measure.direction == "lower" else "at least"
        return f"a number ≥ 0{_unit(measure)}; met when {bound} your target"
    if measure.needs_baseline:
        return f"a number ≥ 0{_unit(measure)}; {improvement_hint(measure)}"
    tiers = measure.tiers or []
    if measure.basis == "completion":
        parts = [
            f"{i} = {tier.description or f'tier {i}'} ({_number(tier.points)} points)"
            for i, tier in enumerate(tiers, start=1)
        ]
        return f"the highest tier completed, 0–{len(tiers)}: " + "; ".join(parts)
    scale = " × your target" if measure.basis == "target_ratio" else ""
    parts = []
    for tier in tiers:
        at = str(tier.at_least) if tier.at_least is not None else "?"
        label = f", {tier.description}" if tier.description else ""
        parts.append(f"≥ {at}{scale}: {_number(tier.points)} points{label}")
    return f"a number ≥ 0{_unit(measure)}; tiers, each counting only after the one before: " + ("; ".join(parts))


def improvement_hint(measure: Measure) -> str:
    """What an improvement measure needs, in words (RULES.md section 8)."""
    ref = measure.baseline
    where = f"submission {ref.submission} measure {ref.measure}" if ref is not None else "an earlier submission"
    if ref is not None and ref.program_year is not None:
        where = f"PY{ref.program_year} {where}"
    way = "fall" if measure.direction == "lower" else "rise"

    def bar(at_least: Decimal | None) -> str:
        at = at_least if at_least is not None else Decimal(0)
        return f"{_number(at * 100)} %" if measure.relative else _number(at)

    if measure.kind == "improvement":
        need = f"must {way} by at least {bar(measure.at_least)}"
    else:
        need = "tiers at " + ", ".join(bar(t.at_least) for t in measure.tiers or [])
    return f"compared with your value for {where} (the Baseline): {need}"


def reach_hint(measure: Measure, baseline: Decimal | None) -> str:
    """What the plan must reach, given its baseline (RULES.md section 8), in words."""
    if baseline is None:
        return "no baseline is known yet: without one the measure is not met"
    lower = measure.direction == "lower"

    def reach(at_least: Decimal | None) -> str:
        at = at_least if at_least is not None else Decimal(0)
        if measure.relative and baseline == 0:
            return "0 (it can only stay at 0)" if lower else "more than 0"
        step = baseline * at if measure.relative else at
        goal = max(baseline - step, Decimal(0)) if lower else baseline + step
        return f"{'at most' if lower else 'at least'} {_number(goal)}"

    if measure.kind == "improvement":
        return f"baseline {_number(baseline)}: reach {reach(measure.at_least)}"
    tiers = "; ".join(f"tier {i} {reach(t.at_least)}" for i, t in enumerate(measure.tiers or [], start=1))
    return f"baseline {_number(baseline)}: {tiers}"


def points_formula(measure: Measure, row: int, *, target_known: bool) -> str | None:
    """The live ``Points`` formula of a row (a preview for the MCP; the scorer never reads it).

    None where the points depend on a target that is not known when the template is written.
    """
    if measure.needs_baseline:
        return None  # scored against the plan's own earlier value, which the preview does not see
    g = f"{RESPONSE_COLUMN}{row}"
    i = f"{TARGET_COLUMN}{row}"
    pts = _number(measure.points)
    number_ok = f"ISNUMBER({g}),{g}>=0"
    if measure.kind == "completion":
        return f'=IF(UPPER(TRIM({g}))="YES",{pts},0)'
    if measure.kind == "reporting":
        return f"=IF(AND({number_ok}),{pts},0)"
    if measure.kind == "target":
        if not target_known:
            return None
        op = "<=" if measure.direction == "lower" else ">="
        return f"=IF(AND({number_ok},ISNUMBER({i}),{g}{op}{i}),{pts},0)"
    tiers = measure.tiers or []
    if measure.basis == "completion":
        running = Decimal(0)
        sums = ["0"]
        for tier in tiers:
            running += tier.points
            sums.append(_number(running))
        choose = f"CHOOSE(MAX(0,MIN({len(tiers)},INT({g})))+1,{','.join(sums)})"
        return f"=IF(ISNUMBER({g}),{choose},0)"
    if any(tier.at_least is None for tier in tiers) or not tiers:
        return None
    if measure.basis == "target_ratio":
        if not target_known:
            return None
        x = f"{g}/{i}"
        guard = f"{number_ok},ISNUMBER({i}),{i}>0"
    else:
        x = g
        guard = number_ok
    nested = "0"
    for tier in reversed(tiers):
        assert tier.at_least is not None
        inner = "" if nested == "0" else f"+{nested}"
        nested = f"IF({x}>={_number(tier.at_least)},{_number(tier.points)}{inner},0)"
    return f"=IF(AND({guard}),{nested},0)"


class _Validations:
    """The data validations of the Response column, one per kind of answer (not one per cell)."""

    def __init__(self) -> None:
        self.yes_no: list[str] = []
        self.number: list[str] = []
        self.tiers: dict[int, list[str]] = {}

    def add(self, measure: Measure, ref: str) -> None:
        if measure.answered_with == "yes_no":
            self.yes_no.append(ref)
        elif measure.answered_with == "tier_count":
            self.tiers.setdefault(len(measure.tiers or []), []).append(ref)
        else:
            self.number.append(ref)

    def models(self) -> Iterable[Validation]:
        if self.yes_no:
            yield Validation(tuple(self.yes_no), "Yes or No", "Choose Yes or No.", choices=("Yes", "No"))
        for count in sorted(self.tiers):
            yield Validation(
                tuple(self.tiers[count]),
                "A tier",
                f"Choose the highest tier completed, 0 to {count}.",
                choices=tuple(str(k) for k in range(count + 1)),
            )
        if self.number:
            yield Validation(
                tuple(self.number), "A number", "Type a number, 0 or more, with no units or words.", minimum=0
            )


class _PreviousAnswers:
    """An earlier workbook's answers, handed out row by row; what is left over is reported."""

    def __init__(self, previous: FilledSubmission | None) -> None:
        self.pending: dict[tuple[str, str], tuple[str, str, AnswerValue, str | None]] = {}
        if previous is not None:
            for (measure, county), answer in previous.answers.items():
                if answer.value is None and not answer.notes:
                    continue
                key = (measure, county.casefold())
                self.pending[key] = (measure, county, answer.value, answer.notes)
        self.carried = 0
        self.misfits: list[NotCarried] = []

    def take(self, measure: Measure, county: str) -> tuple[AnswerValue, str | None]:
        found = self.pending.pop((measure.id, county.casefold()), None)
        if found is None:
            return None, None
        _, _, value, notes = found
        if value is not None and not fits(measure, value):
            self.misfits.append(
                NotCarried(
                    measure.id,
                    county,
                    f"the earlier answer {_shown(value)} does not fit: the measure now expects {answer_hint(measure)}",
                )
            )
            value = None
        if value is not None or notes:
            self.carried += 1
        return value, notes

    def leftovers(self) -> tuple[NotCarried, ...]:
        gone = [
            NotCarried(measure, county, "no such row in this template")
            for measure, county, _, _ in self.pending.values()
        ]
        return tuple(sorted([*self.misfits, *gone], key=lambda n: (n.measure, n.county)))


def _shown(value: AnswerValue) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
