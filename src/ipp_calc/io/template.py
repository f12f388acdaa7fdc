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
from ipp_calc.core.models import Election, Measure, MeasureSet, Submission
from ipp_calc.core.prepopulate import Prepopulation, fits
from ipp_calc.core.responses import PLAN_LEVEL, AnswerValue, FilledSubmission
from ipp_calc.errors import Finding, InputError
from ipp_calc.io.output import atomic_write, neutralise
from ipp_calc.io.sheetmodel import CellFormat, Formula, Protection, Row, SheetModel, Validation, WorkbookModel
from ipp_calc.io.xlsx import write_workbook

# --------------------------------------------------------------------------- the layout

COVER_SHEET = "Cover"
RESPONSES_SHEET = "Responses"
INSTRUCTIONS_SHEET = "Instructions"
ELECTIONS_SHEET = "Elections"

#: The Elections sheet's labels (column A), read back by :mod:`ipp_calc.io.elections`.
ELECTION_AREA = "Area {id}: {name}"
ELECTION_TOTAL = "Total flexible share"
EXCEPTION_FROM, EXCEPTION_TO, EXCEPTION_SHARE, EXCEPTION_WHY = ("From area", "To area", "Share moved", "Justification")
SUPPORTS_HEADER = "Community Support"

#: The Cover's fixed rows, in order (FORMATS.md); rows after these are informative only.
COVER_LABELS = ("MCP", "Program year", "Submission", "Counties", "Measure set")

#: The Responses header, in order. ``Response`` is column G, as in FORMATS.md's example.
COLUMNS = (
    "Measure ID",
    "County",
    "Priority Area",
    "Measure",
    "Kind",
    "Mandatory",
    "Response",
    "Notes",
    "Target",
    "Points",
    "Answer with",
)
#: A submission with improvement measures adds a locked ``Baseline`` column at the end (the
#: plan's own earlier value, prepopulated); the reader finds it by its header.
BASELINE = "Baseline"
_LETTER = {name: chr(ord("A") + i) for i, name in enumerate((*COLUMNS, BASELINE))}
RESPONSE_COLUMN = _LETTER["Response"]
NOTES_COLUMN = _LETTER["Notes"]
TARGET_COLUMN = _LETTER["Target"]
POINTS_COLUMN = _LETTER["Points"]

_WIDTHS = {
    "Measure ID": 11,
    "County": 16,
    "Priority Area": 30,
    "Measure": 58,
    "Kind": 25,
    "Mandatory": 11,
    "Response": 14,
    "Notes": 40,
    "Target": 11,
    "Points": 9,
    "Answer with": 48,
    BASELINE: 11,
}
_WRAPPED = frozenset({"Priority Area", "Measure", "Kind", "Notes", "Answer with"})

_HEADER = CellFormat(bold=True, fill="D9D9D9", valign="center", wrap=True)
_TOP_WRAP = CellFormat(valign="top", wrap=True)
_TOP = CellFormat(valign="top")
_LEFT_TOP_WRAP = CellFormat(align="left", valign="top", wrap=True)
_LABEL = CellFormat(bold=True, valign="top")
_BOLD_TOP_WRAP = CellFormat(bold=True, valign="top", wrap=True)
#: Response and Notes: shaded yellow and the only cells of the sheet a user can edit.
_EDITABLE = CellFormat(fill="FFF2CC", unlocked=True)
#: A value carried from the plan's earlier workbook: blue, with a comment naming the source.
PREFILLED_FILL = "DDEBF7"
_PREFILLED = CellFormat(fill=PREFILLED_FILL, unlocked=True)
_PREFILLED_LOCKED = CellFormat(fill=PREFILLED_FILL)
#: The Elections sheet: yellow inputs (shares shown as percentages), locked shares beside them.
_INPUT = CellFormat(fill="FFF2CC", unlocked=True, valign="top")
_SHARE_INPUT = CellFormat(fill="FFF2CC", unlocked=True, valign="top", number_format="0.00%")
_SHARE = CellFormat(valign="top", number_format="0.00%")
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
) -> TemplateResult:
    """Write the reporting template of ``submission`` for one MCP to ``path``, atomically.

    ``targets`` are the MCP's approved individualized targets keyed ``(measure id, county)``
    (county ``All`` for plan-level measures); they fill the ``Target`` column of the measures
    that need one. ``answers`` are typed into the rows that exist, as the plan would type them
    (the examples and tests fill workbooks this way; nothing is marked). ``prepopulation`` is what
    the plan's earlier workbook carries (:func:`ipp_calc.core.prepopulate.prepopulate`: only what
    the measure set declares), written into blue cells with a comment naming the source, and named
    on the Cover. Raises :class:`InputError` (``usage``) for an unknown submission, a missing MCP id
    or an unusable county name.
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
        ("MCP", mcp),
        ("Program year", ms.year),
        ("Submission", sub.submission),
        ("Counties", ", ".join(counties)),
        ("Measure set", source.sha256),
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
            "The Points column is a preview only, for your own information: the score is "
            "calculated again from your Responses when the workbook is received.",
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
        freeze=(1, 0),
        auto_filter=f"A1:{_LETTER[columns[-1]]}{len(rows) + 1}",
        repeat_rows=(0, 0),
        landscape=True,
        protection=_RESPONSES_PROTECTION,
    )
    looks = tuple(
        (_TOP_WRAP if name in _WRAPPED else _TOP).plus(_EDITABLE if name in ("Response", "Notes") else CellFormat())
        for name in columns
    )
    validations = _Validations()
    prior = _PreviousAnswers(answers)
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
            "Priority Area": _area_text(measure, areas),
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
    sheet.validations.extend(validations.models())
    return sheet, prior.carried, prior.leftovers()


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


def _area_text(measure: Measure, areas: Mapping[int, str]) -> str:
    name = areas.get(measure.priority_area)
    return f"{measure.priority_area}: {name}" if name else str(measure.priority_area)


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
        if measure.kind == "completion":
            self.yes_no.append(ref)
        elif measure.kind == "tiered" and measure.basis == "completion":
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
