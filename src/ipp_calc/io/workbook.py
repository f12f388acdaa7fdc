"""Reading an MCP's filled reporting template into a :class:`FilledSubmission` (``ipp score``).

Why so defensive: the workbooks come from outside (many MCPs, many versions of Excel and
LibreOffice, some written by scripts), and the numbers read from them move money. The reading is
split by job:

1. **The container** (:mod:`ipp_calc.io.xlsx_container`) is checked before any parser sees it:
   size, entry count, bytes actually decompressed, no DTD or entity.
2. **The sheets** (:mod:`ipp_calc.io.xlsx_sheets`) are read as their non-blank cells only, so a
   stray cell at ``XFD1048576`` costs one cell, not the rectangle up to it.
3. **Every cell is typed once** (:mod:`ipp_calc.io.xlsx_cells`), the same way whichever reader
   read it: numbers as a spreadsheet shows them (15 significant digits), error values and
   formulas without a trustworthy saved value marked as such.
4. **Here, the meaning**: cells are found by meaning, not position (columns by header text, rows
   by ``Measure ID`` and ``County``), so extra columns, reordered rows, blank lines and anything
   typed outside the table do no harm; and every used value gets its measure's type or a finding
   naming file, sheet and cell in the words of FORMATS.md: ``alpha.xlsx: Responses!G14: measure
   2.4 (Fresno) expects a number, found "n/a"``. Findings of one workbook are reported together,
   so an MCP fixes them in one go.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ipp_calc.core.models import Measure, MeasureSet, Submission
from ipp_calc.core.responses import PLAN_LEVEL, Answer, AnswerValue, FilledSubmission
from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io.layout import (
    COVER_COUNTIES,
    COVER_MCP,
    COVER_MEASURE_SET,
    COVER_PROGRAM_YEAR,
    COVER_REQUIRED,
    COVER_SHEET,
    COVER_SUBMISSION,
    H_BASELINE,
    H_COUNTY,
    H_MEASURE,
    H_NOTES,
    H_RESPONSE,
    H_TARGET,
    REQUIRED_HEADERS,
    RESPONSES_SHEET,
    USED_HEADERS,
)
from ipp_calc.io.measures import display_path
from ipp_calc.io.xlsx_cells import (
    CellError,
    CellValue,
    NoValue,
    as_text,
    is_blank,
    is_exponent_text,
    number_text,
    shown,
)
from ipp_calc.io.xlsx_container import DEFAULT_LIMITS, Limits, Parts, check_archive, read_workbook_bytes
from ipp_calc.io.xlsx_sheets import Sheet, column_letters, read_sheets

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "MeasureSets",
    "check_archive",
    "cover_of",
    "parse_number",
    "parse_response",
    "read_submission",
    "read_workbook_bytes",
]

# The sheet names, Cover labels and Responses headers, as the template writes them (io/layout.py).
COVER = COVER_SHEET
RESPONSES = RESPONSES_SHEET

_YEAR_TEXT = re.compile(r"(?:py\s*)?(\d+)", re.IGNORECASE)

NO_SAVED_VALUE = (
    "holds a formula with no saved value (the file was written by a program and never opened "
    "in a spreadsheet); open and save it in Excel or LibreOffice, or type the value"
)
RECALC_VALUE = (
    "holds a formula in a workbook that asks to be recalculated when opened (as XlsxWriter and "
    "openpyxl write them), so its saved value is a placeholder, not the formula's result; open "
    "and save it in Excel or LibreOffice, or type the value"
)

#: How the reader gets the measure set of the year a workbook's Cover names: a callable that
#: raises :class:`InputError` for an unknown year (``lambda y: load_year(root, y)``), or one
#: already-loaded :class:`MeasureSet` when the caller knows the year.
MeasureSets = MeasureSet | Callable[[int], MeasureSet]
# --------------------------------------------------------------------------- public entry


def read_submission(
    path: Path,
    measure_sets: MeasureSets,
    *,
    display: str | None = None,
    allow_measure_set_change: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> FilledSubmission:
    """Read one filled reporting template; raise :class:`InputError` for anything wrong with it.

    The Cover decides the program year and submission; ``measure_sets`` supplies the measure set
    for that year. A workbook whose Cover ``Measure set`` hash differs from the measure-set
    file's is refused (``measure-set-mismatch``) unless ``allow_measure_set_change``.
    ``display`` is the file name used in messages (default: the path as the user would type it).
    """
    name = display if display is not None else display_path(path)
    data = read_workbook_bytes(path, name, limits)
    parts = check_archive(data, name, limits)
    sheets = read_sheets(data, name, (COVER, RESPONSES), parts)
    cover = _parse_cover(sheets[COVER], name)
    ms = _measure_set(measure_sets, cover, name)
    sub = ms.submission(cover.submission)
    if sub is None:
        have = ", ".join(str(n) for n in sorted(ms.submissions)) or "none"
        raise InputError(
            Finding(
                "unknown-submission",
                f"program year {cover.year} has no submission {cover.submission} (it has: {have})",
                file=name,
                sheet=COVER,
                cell=f"B{cover.rows['Submission']}",
            )
        )
    _check_measure_set(ms, sub, cover, name, allow_measure_set_change)
    answers = _parse_responses(sheets[RESPONSES], sub, cover, name, parts)
    return FilledSubmission(
        mcp=cover.mcp,
        program_year=cover.year,
        submission=cover.submission,
        counties=cover.counties,
        answers=answers,
        measure_set_sha256=cover.measure_set,
        source=name,
    )


def cover_of(path: Path, display: str) -> tuple[str | None, int | None, int | None, tuple[str, ...] | None]:
    """Whose workbook this is (MCP, program year, submission, counties), from the Cover alone.

    For the intake review of a workbook that cannot be read whole: the Cover is parsed as
    :func:`read_submission` parses it; when even that fails, its ``MCP`` row alone still says
    which plan to send the revision request to. Nothing is known: all None.
    """
    try:
        data = read_workbook_bytes(path, display)
        parts = check_archive(data, display)
        sheet = read_sheets(data, display, (COVER,), parts)[COVER]
    except InputError:
        return None, None, None, None
    try:
        cover = _parse_cover(sheet, display)
    except InputError:
        for cells in sheet.rows.values():
            label = cells.get(1)
            if isinstance(label, str) and _norm(label) == _norm(COVER_MCP):
                value = cells.get(2)
                usable = value is not None and not is_blank(value) and _unusable(value, "") is None
                return (as_text(value) if usable and value is not None else None), None, None, None
        return None, None, None, None
    return cover.mcp, cover.year, cover.submission, cover.counties


# --------------------------------------------------------------------------- Cover


@dataclass(frozen=True, slots=True)
class _Cover:
    mcp: str
    year: int
    submission: int
    counties: tuple[str, ...]
    measure_set: str | None
    rows: dict[str, int]  # label → row number, for pointing at Cover cells


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _parse_cover(sheet: Sheet, display: str) -> _Cover:
    """The Cover's labelled values (labels in column A, values in column B); other cells are ignored."""
    by_label: dict[str, tuple[int, CellValue | None]] = {}
    for number, cells in sheet.rows.items():
        label = cells.get(1)
        if isinstance(label, str):
            by_label.setdefault(_norm(label), (number, cells.get(2)))
    found = Collector()
    where: dict[str, Any] = {"file": display, "sheet": COVER}
    values, rows_of = _cover_values(by_label, found, where)

    def whole(label: str) -> int | None:
        if label not in values:
            return None
        number = _whole_number(values[label])
        if number is None or number < 1:
            found.add(
                "cover-value",
                f'"{label}" must be a whole number such as 1, found {shown(values[label])}',
                cell=f"B{rows_of[label]}",
                **where,
            )
        return number

    year, submission = whole(COVER_PROGRAM_YEAR), whole(COVER_SUBMISSION)
    counties: tuple[str, ...] = ()
    if COVER_COUNTIES in values:
        counties = _split_counties(values[COVER_COUNTIES])
        if not counties:
            found.add("cover-value", '"Counties" lists no county', cell=f"B{rows_of[COVER_COUNTIES]}", **where)
    found.raise_if_any()
    assert year is not None and submission is not None
    measure_set = values.get(COVER_MEASURE_SET)
    return _Cover(
        mcp=as_text(values[COVER_MCP]),
        year=year,
        submission=submission,
        counties=counties,
        measure_set=None if measure_set is None else as_text(measure_set).lower(),
        rows=rows_of,
    )


def _cover_values(
    by_label: dict[str, tuple[int, CellValue | None]], found: Collector, where: dict[str, Any]
) -> tuple[dict[str, CellValue], dict[str, int]]:
    """The Cover's values the reader needs, by label, and the row of each label found; a required
    row that is missing or blank, or a value no cell can hold, is a finding at its cell."""
    values: dict[str, CellValue] = {}
    rows_of: dict[str, int] = {}
    for label in (*COVER_REQUIRED, COVER_MEASURE_SET):
        entry = by_label.get(_norm(label))
        required = label in COVER_REQUIRED
        if entry is None:
            if required:
                found.add(
                    "cover-value", f'the Cover has no "{label}" row (labels in column A, values in column B)', **where
                )
            continue
        number, value = entry
        rows_of[label] = number
        problem = _unusable(value, f'"{label}"')
        if problem is not None:
            found.add(problem.code, problem.message, cell=f"B{number}", **where)
        elif value is None or is_blank(value):
            if required:
                found.add("cover-value", f'"{label}" is blank', cell=f"B{number}", **where)
        else:
            values[label] = value
    return values, rows_of


def _split_counties(value: CellValue) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for part in as_text(value).split(","):
        name = " ".join(part.split())
        if name:
            seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def _whole_number(value: CellValue) -> int | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.adjusted() < 9 else None
    if isinstance(value, str):
        match = _YEAR_TEXT.fullmatch(value.strip())
        return int(match.group(1)) if match and len(match.group(1)) < 9 else None
    return None


def _measure_set(source: MeasureSets, cover: _Cover, display: str) -> MeasureSet:
    cell = f"B{cover.rows['Program year']}"
    if isinstance(source, MeasureSet):
        if source.year == cover.year:
            return source
        why = f"this run uses the measure set of program year {source.year}"
    else:
        try:
            return source(cover.year)
        except InputError as exc:
            if exc.first.code not in ("usage", "unknown-submission"):
                raise  # the year exists but its measure set is bad: name the YAML file and line
            why = exc.first.message
    raise InputError(
        Finding(
            "unknown-submission",
            f"no measure set for program year {cover.year} ({why})",
            file=display,
            sheet=COVER,
            cell=cell,
        )
    )


def _check_measure_set(ms: MeasureSet, sub: Submission, cover: _Cover, display: str, allowed: bool) -> None:
    source = ms.submission_sources.get(sub.submission)
    if allowed or source is None or not cover.measure_set:
        return  # a workbook that names no measure set (made by hand) is read by its measure ids
    # The template stamps the submission file's sha256; a workbook stamped with the program
    # file's (the other file of the same measure set) is accepted too.
    if cover.measure_set in (source.sha256.lower(), ms.program_source.sha256.lower()):
        return
    row = cover.rows.get(COVER_MEASURE_SET)
    made_from = f"was made from measure set {cover.measure_set[:12]}"
    raise InputError(
        Finding(
            "measure-set-mismatch",
            f"the workbook {made_from}, but program year {ms.year} submission {sub.submission} "
            f"is now {source.sha256[:12]} ({source.path}); make a new template, or pass "
            "--allow-measure-set-change if its measure ids still match",
            file=display,
            sheet=COVER,
            cell=f"B{row}" if row else None,
        )
    )


# --------------------------------------------------------------------------- Responses


def _parse_responses(
    sheet: Sheet, sub: Submission, cover: _Cover, display: str, parts: Parts
) -> dict[tuple[str, str], Answer]:
    """The answers of the table under the header row; cells outside its columns are never read."""
    rows = iter(sheet.rows.items())
    header = next(((n, cells) for n, cells in rows if any(not is_blank(v) for v in cells.values())), None)
    if header is None:
        raise InputError(
            Finding(
                "missing-header",
                f"the sheet is empty: no header row with {', '.join(REQUIRED_HEADERS)}",
                file=display,
                sheet=RESPONSES,
                cell="A1",
            )
        )
    columns = _columns(header[1], header[0], display)
    letters = {name: column_letters(index) for name, index in columns.items()}
    counties = {county.casefold(): county for county in cover.counties}
    measures = {measure.id: measure for measure in sub.measures}
    found = Collector()
    answers: dict[tuple[str, str], Answer] = {}
    rows_of: dict[tuple[str, str], int] = {}
    numbers_at: dict[str, tuple[str, str]] = {}  # Response cell holding a number → its row's key

    def at(column: str, number: int) -> dict[str, Any]:
        return {"file": display, "sheet": RESPONSES, "cell": f"{letters[column]}{number}"}

    for number, cells in rows:

        def get(column: str, cells: dict[int, CellValue] = cells) -> CellValue | None:
            position = columns.get(column)
            return None if position is None else cells.get(position)

        raw_id, response = get(H_MEASURE), get(H_RESPONSE)
        if is_blank(raw_id):
            if not is_blank(response):
                found.add("unknown-measure", "a Response with no Measure ID", **at(H_MEASURE, number))
            continue
        assert raw_id is not None
        problem = _unusable(raw_id, "the Measure ID")
        if problem is not None:
            found.add(problem.code, problem.message, **at(H_MEASURE, number))
            continue
        measure_id = as_text(raw_id)
        measure = measures.get(measure_id)
        if measure is None:
            found.add(
                "unknown-measure",
                f'no measure "{measure_id}" in program year {sub.program_year} submission {sub.submission}',
                **at(H_MEASURE, number),
            )
            continue
        county = _row_county(measure, get(H_COUNTY), counties, found, at(H_COUNTY, number))
        if county is None:
            continue
        key = (measure.id, county)
        label = f"measure {measure.id} ({county})"
        if key in rows_of:
            first = rows_of[key]
            found.add(
                "duplicate-row",
                f"{label} is answered twice, in {RESPONSES}!{letters[H_RESPONSE]}{first} and "
                f"{RESPONSES}!{letters[H_RESPONSE]}{number}; keep one row",
                **at(H_RESPONSE, number),
            )
            continue
        rows_of[key] = number
        try:
            value = parse_response(measure, response, label)
        except _CellProblem as bad:
            found.add(bad.code, bad.message, **at(H_RESPONSE, number))
            continue
        if isinstance(value, Decimal):
            numbers_at[f"{letters[H_RESPONSE]}{number}"] = key
        target: Decimal | None = None
        if H_TARGET in columns and measure.needs_target:
            try:
                target = parse_number(get(H_TARGET), f"the Target of {label}")
            except _CellProblem as bad:
                found.add(bad.code, bad.message, **at(H_TARGET, number))
        baseline: Decimal | None = None
        if H_BASELINE in columns and measure.needs_baseline:
            try:
                baseline = parse_number(get(H_BASELINE), f"the Baseline of {label}")
            except _CellProblem as bad:
                found.add(bad.code, bad.message, **at(H_BASELINE, number))
        notes = get(H_NOTES)
        answers[key] = Answer(
            measure=measure.id,
            county=county,
            value=value,
            target=target,
            baseline=baseline,
            notes=None
            if notes is None or is_blank(notes) or isinstance(notes, NoValue)
            else as_text(notes, keep_inner=True),
            cell=f"{letters[H_RESPONSE]}{number}",
        )
    found.raise_if_any()
    return _mark_percent_cells(answers, numbers_at, parts, sheet)


def _mark_percent_cells(
    answers: dict[tuple[str, str], Answer], numbers_at: dict[str, tuple[str, str]], parts: Parts, sheet: Sheet
) -> dict[tuple[str, str], Answer]:
    """Flag numeric answers whose cell is formatted as a percentage (scoring warns about them)."""
    from dataclasses import replace

    from ipp_calc.io.numformat import percent_cells

    for cell in percent_cells(parts, sheet.xml, numbers_at):
        key = numbers_at[cell]
        answers[key] = replace(answers[key], percent_format=True)
    return answers


def _columns(header: dict[int, CellValue], number: int, display: str) -> dict[str, int]:
    """Header text → column number (1-based), for the headers the reader uses."""
    wanted = {_norm(name): name for name in USED_HEADERS}
    columns: dict[str, int] = {}
    for index, value in header.items():
        if not isinstance(value, str):
            continue
        name = wanted.get(_norm(value))
        if name is None:
            continue
        if name in columns:
            raise InputError(
                Finding(
                    "duplicate-header",
                    f'two columns are headed "{name}" ({column_letters(columns[name])}{number} and '
                    f"{column_letters(index)}{number}); keep one",
                    file=display,
                    sheet=RESPONSES,
                    cell=f"{column_letters(index)}{number}",
                )
            )
        columns[name] = index
    missing = [name for name in REQUIRED_HEADERS if name not in columns]
    if missing:
        raise InputError(
            Finding(
                "missing-header",
                f"no column headed {' or '.join(repr(m) for m in missing)} in the header row (row {number})",
                file=display,
                sheet=RESPONSES,
                cell=f"{number}:{number}",
            )
        )
    return columns


def _row_county(
    measure: Measure, raw: CellValue | None, counties: dict[str, str], found: Collector, where: dict[str, Any]
) -> str | None:
    """The row's county in the Cover's spelling (``All`` for plan level), or None with a finding."""
    problem = _unusable(raw, f"the County of measure {measure.id}")
    if problem is not None:
        found.add(problem.code, problem.message, **where)
        return None
    text = "" if raw is None or is_blank(raw) else as_text(raw)
    is_all = text.casefold() in ("", PLAN_LEVEL.casefold())
    if measure.level == "plan":
        if is_all:
            return PLAN_LEVEL
        found.add(
            "measure-level",
            f'measure {measure.id} is plan-level: answer it once, on the row with County "{PLAN_LEVEL}", not "{text}"',
            **where,
        )
        return None
    if is_all:
        found.add(
            "measure-level",
            f'measure {measure.id} is answered per county, so its row needs a county, not "{text or "(blank)"}"',
            **where,
        )
        return None
    county = counties.get(text.casefold())
    if county is None:
        found.add(
            "unknown-county",
            f'county "{text}" of measure {measure.id} is not on the Cover (counties: {", ".join(counties.values())})',
            **where,
        )
    return county


# --------------------------------------------------------------------------- cell values as measure types


class _CellProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _unusable(value: CellValue | None, label: str) -> _CellProblem | None:
    """Why a used cell's value cannot be used at all (an error value, a formula with no trustworthy
    value), or None: the same answer for every cell the reader uses, whatever it is for."""
    if isinstance(value, CellError):
        return _CellProblem(
            "cell-error", f"{label} holds the error value {value.code}; fix what it computes from, or type the value"
        )
    if isinstance(value, NoValue):
        return _CellProblem("formula-no-value", f"{label} {RECALC_VALUE if value.recalc else NO_SAVED_VALUE}")
    return None


def parse_response(measure: Measure, raw: CellValue | None, label: str) -> AnswerValue:
    """A Response cell as its measure's type: bool, tier count int, Decimal, or None if blank.

    Raises ``_CellProblem`` (turned into a finding at the cell by the caller) otherwise.
    """
    problem = _unusable(raw, f"the Response of {label}")
    if problem is not None:
        raise problem
    if raw is None or is_blank(raw):
        return None
    if measure.answered_with == "yes_no":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().casefold() in ("yes", "no"):
            return raw.strip().casefold() == "yes"
        raise _CellProblem("cell-type", f"{label} expects Yes or No, found {shown(raw)}")
    if measure.answered_with == "tier_count":
        count = len(measure.tiers or [])
        expects = f"the highest tier completed, a whole number 0–{count}"
        number = _as_decimal(raw, label)
        if number is None or number != number.to_integral_value():
            raise _CellProblem("cell-type", f"{label} expects {expects}, found {shown(raw)}")
        if not 0 <= number <= count:
            raise _CellProblem("cell-range", f"{label} expects {expects}, found {shown(raw)}")
        return int(number)
    return parse_number(raw, label)


def parse_number(raw: CellValue | None, label: str) -> Decimal | None:
    """A number ≥ 0 as a spreadsheet shows it (15 significant digits), None if blank."""
    problem = _unusable(raw, label)
    if problem is not None:
        raise problem
    if raw is None or is_blank(raw):
        return None
    number = _as_decimal(raw, label)
    if number is None:
        raise _CellProblem("cell-type", f"{label} expects a number, found {shown(raw)}")
    if number < 0:
        raise _CellProblem("cell-range", f"{label} expects a number ≥ 0, found {shown(raw)}")
    return number


def _as_decimal(raw: CellValue, label: str) -> Decimal | None:
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, str):
        if is_exponent_text(raw):
            raise _CellProblem(
                "cell-type",
                f"{label} expects a number written out in full, found {shown(raw)}: a number with an "
                "exponent is refused, as in YAML and CSV (a spreadsheet that wrote it may have dropped digits)",
            )
        return number_text(raw)
    if isinstance(raw, (date, time, timedelta)):
        return None
    return None
