"""Reading an MCP's filled reporting template into a :class:`FilledSubmission` (``ipp score``).

Why so defensive: the workbooks come from outside (many MCPs, many versions of Excel, some
written by scripts), and the numbers read from them move money. So, in order:

1. **The container is checked before any parser sees it.** It must be a zip (an old ``.xls`` is
   recognised by its OLE2 signature and named); the entry count is capped; every entry is
   actually decompressed with a running byte limit (header sizes are not trusted alone), so a
   zip bomb is refused after a bounded amount of work; and any XML part with ``<!DOCTYPE`` or
   ``<!ENTITY`` is refused (billion laughs, external entities). openpyxl must also be parsing
   through defusedxml, as a second line of defence.
2. **Cells are found by meaning, not position.** Columns by header text, rows by ``Measure ID``
   and ``County``; extra columns, reordered rows and blank lines do no harm.
3. **Every value gets its measure's type or a finding** that names file, sheet and cell in the
   words of FORMATS.md: ``alpha.xlsx: Responses!G14: measure 2.4 (Fresno) expects a number,
   found "n/a"``. Findings of one workbook are reported together, so an MCP fixes them in one go.
4. **Nothing else escapes.** Any exception from zipfile or openpyxl becomes ``not-xlsx`` naming
   the file: a user never sees a traceback for a bad file.

Formulas: openpyxl in ``read_only`` + ``data_only`` mode returns a formula cell's *saved* value and
cannot tell a formula with no saved value from a blank. A workbook written by a program and never
opened in Excel has exactly that, and reading it as blank would silently score 0. So, when any
Response (or needed Target) cell reads as blank, the Responses sheet's XML is scanned once more
(a regex over its bytes for cells that start with ``<f>``, then, only for blank cells among them,
a real parse) to find formulas without a saved ``<v>``: cheap, and only when it can matter.
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import posixpath
import re
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from ipp_calc.core.models import Measure, MeasureSet, Submission
from ipp_calc.core.responses import PLAN_LEVEL, Answer, AnswerValue, FilledSubmission
from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io.measures import display_path

MB = 1024 * 1024

#: An old binary Excel file (and a password-protected .xlsx, which is wrapped the same way).
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

COVER = "Cover"
RESPONSES = "Responses"

#: Cover labels (column A) whose values (column B) the reader needs.
COVER_REQUIRED = ("MCP", "Program year", "Submission", "Counties")
COVER_MEASURE_SET = "Measure set"

#: Responses headers the reader uses; the first three are required.
H_MEASURE, H_COUNTY, H_RESPONSE, H_NOTES, H_TARGET = (
    "Measure ID",
    "County",
    "Response",
    "Notes",
    "Target",
)
#: The optional, locked column prepopulation writes for improvement measures (RULES.md section 8).
H_BASELINE = "Baseline"
REQUIRED_HEADERS = (H_MEASURE, H_COUNTY, H_RESPONSE)
USED_HEADERS = (H_MEASURE, H_COUNTY, H_RESPONSE, H_NOTES, H_TARGET, H_BASELINE)

_FORBIDDEN_WORDS = ("<!DOCTYPE", "<!ENTITY")
_FORBIDDEN = {
    encoding: tuple(word.encode(encoding) for word in _FORBIDDEN_WORDS)
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
}
_SCANNED_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 256 * 1024
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_YEAR_TEXT = re.compile(r"(?:py\s*)?(\d+)", re.IGNORECASE)
#: A cell start tag with its reference, directly followed by an <f> (optionally prefixed) child.
_FORMULA_CELL = re.compile(rb"""\br=["']([A-Z]{1,3}[0-9]{1,7})["'][^<>]*>\s*<(?:[A-Za-z_][\w.-]*:)?f[\s>/]""")
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"

NO_SAVED_VALUE = (
    "holds a formula with no saved value (the file was written by a program and never opened "
    "in Excel); open and save it in Excel, or type the value"
)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a workbook may hold before it is refused unread.

    A real template of a few hundred rows is well under 1 MB, so these are generous for real
    files and small enough that a hostile one is refused in a fraction of a second.
    """

    file_bytes: int = 50 * MB
    entries: int = 10_000
    uncompressed: int = 100 * MB


DEFAULT_LIMITS = Limits()

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
    shown = display if display is not None else display_path(path)
    data = read_workbook_bytes(path, shown, limits)
    check_archive(data, shown, limits)
    sheets = _load_sheets(data, shown)
    cover = _parse_cover(sheets.cover, shown)
    ms = _measure_set(measure_sets, cover, shown)
    sub = ms.submission(cover.submission)
    if sub is None:
        have = ", ".join(str(n) for n in sorted(ms.submissions)) or "none"
        raise InputError(
            Finding(
                "unknown-submission",
                f"program year {cover.year} has no submission {cover.submission} (it has: {have})",
                file=shown,
                sheet=COVER,
                cell=f"B{cover.rows['Submission']}",
            )
        )
    _check_measure_set(ms, sub, cover, shown, allow_measure_set_change)
    answers = _parse_responses(sheets, sub, cover, data, shown)
    return FilledSubmission(
        mcp=cover.mcp,
        program_year=cover.year,
        submission=cover.submission,
        counties=cover.counties,
        answers=answers,
        measure_set_sha256=cover.measure_set,
        source=shown,
    )


def read_workbook_bytes(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The file's bytes, refusing a missing, unreadable or oversized file by name."""
    try:
        size = path.stat().st_size
        if size > limits.file_bytes:
            raise InputError(
                Finding(
                    "workbook-too-large",
                    f"the file is {size // MB} MB; a reporting template is far smaller "
                    f"(limit {limits.file_bytes // MB} MB)",
                    file=display,
                )
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(Finding("file-not-found", "no such file", file=display)) from None
    except IsADirectoryError:
        raise InputError(Finding("file-unreadable", "is a folder, not a workbook", file=display)) from None
    except OSError as exc:
        raise InputError(Finding("file-unreadable", exc.strerror or str(exc), file=display)) from None


def check_archive(data: bytes, display: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse what is not a safe .xlsx before any XML parser runs (see the module docstring).

    Streams every entry through the decompressor with a running total, so the work done on a
    zip bomb is bounded by ``limits.uncompressed`` whatever its headers claim, and scans the
    XML parts for DTDs and entity declarations on the way.
    """
    if not data:
        raise _not_xlsx(display, "the file is empty (0 bytes), not an .xlsx workbook")
    if data.startswith(OLE2_MAGIC):
        raise _not_xlsx(
            display,
            "is an old-style .xls workbook (or a password-protected one), not an .xlsx; "
            "open it in Excel and save it as an Excel Workbook (.xlsx) without a password",
        )
    try:
        _check_zip(data, display, limits)
    except InputError:
        raise
    except Exception as exc:  # zipfile can raise many things on a crafted file (struct.error, …)
        raise _not_xlsx(display, f"is a damaged or unsupported zip ({_why(exc)})") from None


def require_defusedxml() -> None:
    """XML is parsed through defusedxml only: the second line of defence after the scan.

    openpyxl reports whether it uses defusedxml; asking it means importing openpyxl (~50 ms), so
    where openpyxl is not loaded (the calamine path never needs it) the question is whether
    defusedxml itself is installed, which is what openpyxl's answer depends on.
    """
    openpyxl_xml = sys.modules.get("openpyxl.xml")
    if openpyxl_xml is not None or os.environ.get("IPP_READER") == "openpyxl" or _calamine() is None:
        from openpyxl.xml import DEFUSEDXML
    else:
        DEFUSEDXML = importlib.util.find_spec("defusedxml") is not None
    if not DEFUSEDXML:
        raise InputError(
            Finding(
                "workbook-unsafe",
                "refusing to read workbooks: openpyxl is not using defusedxml; install defusedxml",
            )
        )


# --------------------------------------------------------------------------- the container


def _check_zip(data: bytes, display: str, limits: Limits) -> None:
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        raise _not_xlsx(display, "not an .xlsx workbook (an .xls or another format?)")
    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        if len(infos) > limits.entries:
            raise _too_large(display, f"it has {len(infos)} parts (limit {limits.entries})")
        if "[Content_Types].xml" not in {info.filename for info in infos}:
            raise _not_xlsx(display, "is a zip archive but not an Excel workbook (no [Content_Types].xml)")
        declared = sum(info.file_size for info in infos)
        if declared > limits.uncompressed:
            raise _too_large(display, f"it expands to {declared // MB} MB")
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            scan = info.filename.lower().endswith(_SCANNED_SUFFIXES)
            with archive.open(info) as part:
                total = _stream_part(part, info.filename, scan, total, display, limits)


def _stream_part(part: IO[bytes], name: str, scan: bool, total: int, display: str, limits: Limits) -> int:
    """Decompress one part with the running byte limit; scan it for DTDs if it is XML."""
    tail = b""
    forbidden: tuple[bytes, ...] = ()
    first = True
    while True:
        chunk = part.read(_CHUNK)
        if not chunk:
            return total
        total += len(chunk)
        if total > limits.uncompressed:
            raise _too_large(display, f"it expands past {limits.uncompressed // MB} MB")
        if not scan:
            continue
        if first:
            forbidden = _FORBIDDEN[_xml_encoding(chunk)]
            first = False
        window = tail + chunk
        if any(word in window for word in forbidden):
            raise InputError(
                Finding(
                    "workbook-unsafe",
                    f"part {name} declares a DTD or an XML entity (<!DOCTYPE or <!ENTITY), "
                    "which Excel never writes; refused for safety",
                    file=display,
                )
            )
        tail = window[-32:]


def _xml_encoding(start: bytes) -> str:
    """The byte layout of an XML part from its first bytes (XML 1.0, appendix F)."""
    if start.startswith((b"\xff\xfe", b"<\x00")):
        return "utf-16-le"
    if start.startswith((b"\xfe\xff", b"\x00<")):
        return "utf-16-be"
    return "ascii"  # UTF-8 and its ASCII-compatible kin


def _not_xlsx(display: str, message: str) -> InputError:
    return InputError(Finding("not-xlsx", message, file=display))


def _too_large(display: str, why: str) -> InputError:
    return InputError(Finding("workbook-too-large", f"refused unread: {why}; not a reporting template", file=display))


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 160:
        text = text[:157] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------- loading the sheets


Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Sheets:
    cover: list[Row]
    responses: list[Row]
    responses_title: str


def _load_sheets(data: bytes, display: str) -> _Sheets:
    """Both sheets' values, each read once; any reader failure becomes ``not-xlsx``.

    python-calamine (a Rust reader) is used when installed: it reads these workbooks about ten
    times faster than openpyxl (``bench/``), and reading is most of ``ipp run``. openpyxl stays
    the fallback, and the writer. Either way the archive has already passed
    :func:`check_archive` (size, entry count, no DTD or entity) before a reader sees it.
    """
    require_defusedxml()
    if _calamine() is not None and os.environ.get("IPP_READER") != "openpyxl":
        return _load_sheets_calamine(data, display)
    return _load_sheets_openpyxl(data, display)


def _calamine() -> Any:
    try:
        import python_calamine
    except ImportError:
        return None
    return python_calamine


def _find_titles(names: Sequence[str], display: str) -> dict[str, str]:
    """The actual titles of the Cover and Responses sheets (case and spaces forgiven)."""
    titles = {" ".join(t.split()).casefold(): t for t in names}
    found: dict[str, str] = {}
    for wanted in (COVER, RESPONSES):
        title = titles.get(wanted.casefold())
        if title is None:
            have = ", ".join(names) or "none"
            raise InputError(
                Finding("missing-sheet", f'the workbook has no sheet "{wanted}" (it has: {have})', file=display)
            )
        found[wanted] = title
    return found


def _load_sheets_calamine(data: bytes, display: str) -> _Sheets:
    calamine = _calamine()
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        found = _find_titles(list(workbook.sheet_names), display)
        return _Sheets(
            cover=_calamine_values(workbook.get_sheet_by_name(found[COVER])),
            responses=_calamine_values(workbook.get_sheet_by_name(found[RESPONSES])),
            responses_title=found[RESPONSES],
        )
    except InputError:
        raise
    except BaseException as exc:  # a Rust panic arrives as BaseException: still bad input, not a bug
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise _not_xlsx(display, f"cannot be read as an .xlsx workbook ({_why(exc)})") from None


def _calamine_values(sheet: Any) -> list[Row]:
    """Rows as openpyxl gives them: row n at index n-1 from A1, blanks as None, whole numbers
    as int (Excel stores ``291``, which openpyxl reads as an int and calamine as 291.0)."""
    rows: list[Row] = []
    for raw in sheet.to_python(skip_empty_area=False):
        rows.append(tuple(_calamine_cell(v) for v in raw))
    return rows


def _calamine_cell(value: Any) -> Any:
    if value == "" and isinstance(value, str):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _load_sheets_openpyxl(data: bytes, display: str) -> _Sheets:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                found = _find_titles(workbook.sheetnames, display)
                return _Sheets(
                    cover=_values(workbook[found[COVER]]),
                    responses=_values(workbook[found[RESPONSES]]),
                    responses_title=found[RESPONSES],
                )
            finally:
                workbook.close()
    except InputError:
        raise
    except Exception as exc:  # anything openpyxl or zipfile raises on a malformed file
        raise _not_xlsx(display, f"cannot be read as an .xlsx workbook ({_why(exc)})") from None


def _values(worksheet: Any) -> list[Row]:
    """Every row's values, row n at index n-1 (openpyxl fills in missing rows as empty).

    The stored dimension is ignored: some programs write a wrong one, which would cut rows off.
    """
    worksheet.reset_dimensions()
    return [tuple(row) for row in worksheet.iter_rows(values_only=True)]


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


def _parse_cover(rows: Sequence[Row], display: str) -> _Cover:
    by_label: dict[str, tuple[int, Any]] = {}
    for number, row in enumerate(rows, start=1):
        if row and isinstance(row[0], str):
            by_label.setdefault(_norm(row[0]), (number, row[1] if len(row) > 1 else None))
    found = Collector()
    where: dict[str, Any] = {"file": display, "sheet": COVER}
    values: dict[str, Any] = {}
    rows_of: dict[str, int] = {}
    for label in (*COVER_REQUIRED, COVER_MEASURE_SET):
        entry = by_label.get(_norm(label))
        if entry is None:
            if label in COVER_REQUIRED:
                found.add(
                    "cover-value",
                    f'the Cover has no "{label}" row (labels in column A, values in column B)',
                    **where,
                )
            continue
        number, value = entry
        rows_of[label] = number
        if _blank(value) and label in COVER_REQUIRED:
            found.add("cover-value", f'"{label}" is blank', cell=f"B{number}", **where)
            continue
        values[label] = value

    def whole(label: str) -> int | None:
        if label not in values:
            return None
        number = _whole_number(values[label])
        if number is None or number < 1:
            found.add(
                "cover-value",
                f'"{label}" must be a whole number such as 1, found {_shown(values[label])}',
                cell=f"B{rows_of[label]}",
                **where,
            )
        return number

    year, submission = whole("Program year"), whole("Submission")
    counties: tuple[str, ...] = ()
    if "Counties" in values:
        counties = _split_counties(values["Counties"])
        if not counties:
            found.add("cover-value", '"Counties" lists no county', cell=f"B{rows_of['Counties']}", **where)
    found.raise_if_any()
    assert year is not None and submission is not None
    measure_set = values.get(COVER_MEASURE_SET)
    return _Cover(
        mcp=_text(values["MCP"]),
        year=year,
        submission=submission,
        counties=counties,
        measure_set=None if _blank(measure_set) else _text(measure_set).lower(),
        rows=rows_of,
    )


def _split_counties(value: Any) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for part in _text(value).split(","):
        name = " ".join(part.split())
        if name:
            seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        match = _YEAR_TEXT.fullmatch(value.strip())
        return int(match.group(1)) if match else None
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
    sheets: _Sheets, sub: Submission, cover: _Cover, data: bytes, display: str
) -> dict[tuple[str, str], Answer]:
    rows = sheets.responses
    header_at = next((i for i, row in enumerate(rows) if any(not _blank(v) for v in row)), None)
    if header_at is None:
        raise InputError(
            Finding(
                "missing-header",
                f"the sheet is empty: no header row with {', '.join(REQUIRED_HEADERS)}",
                file=display,
                sheet=RESPONSES,
                cell="A1",
            )
        )
    columns = _columns(rows[header_at], header_at + 1, display)
    letters = {name: _letter(index) for name, index in columns.items()}
    counties = {county.casefold(): county for county in cover.counties}
    measures = {measure.id: measure for measure in sub.measures}
    found = Collector()
    answers: dict[tuple[str, str], Answer] = {}
    rows_of: dict[tuple[str, str], int] = {}
    maybe_formula: dict[str, str] = {}  # blank cell → what to say if it hides a formula
    numbers_at: dict[str, tuple[str, str]] = {}  # Response cell holding a number → its row's key

    def at(column: str, number: int) -> dict[str, Any]:
        return {"file": display, "sheet": RESPONSES, "cell": f"{letters[column]}{number}"}

    for index in range(header_at + 1, len(rows)):
        row, number = rows[index], index + 1

        def get(column: str, row: Row = row) -> Any:
            position = columns.get(column)
            return row[position] if position is not None and position < len(row) else None

        raw_id, response = get(H_MEASURE), get(H_RESPONSE)
        if _blank(raw_id):
            if not _blank(response):
                found.add("unknown-measure", "a Response with no Measure ID", **at(H_MEASURE, number))
            continue
        measure_id = _id_text(raw_id)
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
        response_cell = f"{letters[H_RESPONSE]}{number}"
        try:
            value = parse_response(measure, response, label)
        except _CellProblem as problem:
            found.add(problem.code, problem.message, **at(H_RESPONSE, number))
            continue
        if value is None:
            maybe_formula[response_cell] = f"{label}: the Response"
        elif isinstance(value, Decimal):
            numbers_at[response_cell] = key
        target: Decimal | None = None
        if H_TARGET in columns and measure.needs_target:
            try:
                target = parse_number(get(H_TARGET), f"the Target of {label}")
            except _CellProblem as problem:
                found.add(problem.code, problem.message, **at(H_TARGET, number))
            if target is None:
                maybe_formula[f"{letters[H_TARGET]}{number}"] = f"{label}: the Target"
        baseline: Decimal | None = None
        if H_BASELINE in columns and measure.needs_baseline:
            try:
                baseline = parse_number(get(H_BASELINE), f"the Baseline of {label}")
            except _CellProblem as problem:
                found.add(problem.code, problem.message, **at(H_BASELINE, number))
        notes = get(H_NOTES)
        answers[key] = Answer(
            measure=measure.id,
            county=county,
            value=value,
            target=target,
            baseline=baseline,
            notes=None if _blank(notes) else _text(notes, keep_inner=True),
            cell=response_cell,
        )
    if maybe_formula:
        for cell in sorted(_formulas_without_value(data, sheets.responses_title, set(maybe_formula), display)):
            found.add(
                "formula-no-value",
                f"{maybe_formula[cell]} {NO_SAVED_VALUE}",
                file=display,
                sheet=RESPONSES,
                cell=cell,
            )
    found.raise_if_any()
    return _mark_percent_cells(answers, numbers_at, data, sheets.responses_title)


def _mark_percent_cells(
    answers: dict[tuple[str, str], Answer], numbers_at: dict[str, tuple[str, str]], data: bytes, title: str
) -> dict[tuple[str, str], Answer]:
    """Flag numeric answers whose cell is formatted as a percentage (scoring warns about them)."""
    from dataclasses import replace

    from ipp_calc.io.numformat import percent_cells

    for cell in percent_cells(data, title, numbers_at, _sheet_part):
        key = numbers_at[cell]
        answers[key] = replace(answers[key], percent_format=True)
    return answers


def _columns(header: Row, number: int, display: str) -> dict[str, int]:
    """Header text → column index (0-based), for the headers the reader uses."""
    wanted = {_norm(name): name for name in USED_HEADERS}
    columns: dict[str, int] = {}
    for index, value in enumerate(header):
        if not isinstance(value, str):
            continue
        name = wanted.get(_norm(value))
        if name is None:
            continue
        if name in columns:
            raise InputError(
                Finding(
                    "duplicate-header",
                    f'two columns are headed "{name}" ({_letter(columns[name])}{number} and '
                    f"{_letter(index)}{number}); keep one",
                    file=display,
                    sheet=RESPONSES,
                    cell=f"{_letter(index)}{number}",
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
    measure: Measure, raw: Any, counties: dict[str, str], found: Collector, where: dict[str, Any]
) -> str | None:
    """The row's county in the Cover's spelling (``All`` for plan level), or None with a finding."""
    text = "" if _blank(raw) else _text(raw)
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


# --------------------------------------------------------------------------- cell values


class _CellProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_response(measure: Measure, raw: Any, label: str) -> AnswerValue:
    """A Response cell as its measure's type: bool, tier count int, Decimal, or None if blank.

    Raises ``_CellProblem`` (turned into a finding at the cell by the caller) otherwise.
    """
    if _blank(raw):
        return None
    if measure.kind == "completion":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().casefold() in ("yes", "no"):
            return raw.strip().casefold() == "yes"
        raise _CellProblem("cell-type", f"{label} expects Yes or No, found {_shown(raw)}")
    if measure.kind == "tiered" and measure.basis == "completion":
        count = len(measure.tiers or [])
        expects = f"the highest tier completed, a whole number 0–{count}"
        number = _as_decimal(raw)
        if number is None or number != number.to_integral_value():
            raise _CellProblem("cell-type", f"{label} expects {expects}, found {_shown(raw)}")
        if not 0 <= number <= count:
            raise _CellProblem("cell-range", f"{label} expects {expects}, found {_shown(raw)}")
        return int(number)
    return parse_number(raw, label)


def parse_number(raw: Any, label: str) -> Decimal | None:
    """A finite number ≥ 0 as an exact Decimal (a float via its shortest repr), None if blank."""
    if _blank(raw):
        return None
    number = _as_decimal(raw)
    if number is None:
        raise _CellProblem("cell-type", f"{label} expects a number, found {_shown(raw)}")
    if number < 0:
        raise _CellProblem("cell-range", f"{label} expects a number ≥ 0, found {_shown(raw)}")
    return number


def _as_decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, str):
        text = raw.strip()
        return Decimal(text) if _NUMBER_TEXT.fullmatch(text) else None
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any, *, keep_inner: bool = False) -> str:
    """A cell as text: strings trimmed (inner spaces folded unless ``keep_inner``)."""
    if isinstance(value, str):
        return value.strip() if keep_inner else " ".join(value.split())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


def _id_text(value: Any) -> str:
    """A Measure ID cell as text; a number typed into it (1.1) is read as its digits."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return _text(value)


def _shown(value: Any) -> str:
    """A found value as a message shows it: text quoted (and shortened), numbers as typed."""
    if isinstance(value, str):
        text = " ".join(value.split())
        if len(text) > 40:
            text = text[:39] + "…"
        return f'"{text}"'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return f"a date ({value.isoformat()})"
    if isinstance(value, (time, timedelta)):
        return f"a time ({value})"
    return str(value)


def _letter(index: int) -> str:
    """0-based column index → letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --------------------------------------------------------------------------- formulas


def _formulas_without_value(data: bytes, sheet_title: str, cells: set[str], display: str) -> set[str]:
    """Which of ``cells`` (blank when read) hold a formula with no saved value.

    First a regex over the sheet's bytes finds the cells that hold a formula at all (the schema
    puts ``<f>`` first in a cell, and a formula-free sheet region is the common case, so this is
    one fast C-level scan); only if some of ``cells`` are among them is the part parsed (with
    defusedxml; :func:`check_archive` has already refused DTDs and entities) to see whether
    their saved ``<v>`` is missing.
    """
    from defusedxml.ElementTree import iterparse, parse

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = _sheet_part(archive, sheet_title, parse)
            if part is None:
                return set()
            xml = archive.read(part)
            candidates = {m.group(1).decode("ascii") for m in _FORMULA_CELL.finditer(xml)} & cells
            if not candidates:
                return set()
            hits: set[str] = set()
            for element in _cells(iterparse(io.BytesIO(xml), events=("end",), forbid_dtd=True)):
                ref = element.get("r")
                if ref in candidates and _formula_without_value(element):
                    hits.add(ref)
                element.clear()
            return hits
    except Exception as exc:
        raise _not_xlsx(display, f"cannot be read as an .xlsx workbook ({_why(exc)})") from None


def _cells(events: Iterator[tuple[str, Any]]) -> Iterator[Any]:
    for _, element in events:
        tag = element.tag
        if tag == "c" or tag.endswith("}c"):
            yield element
        elif tag.endswith("}row"):
            element.clear()


def _formula_without_value(cell: Any) -> bool:
    formula = saved = None
    for child in cell:
        local = child.tag.rpartition("}")[2]
        if local == "f":
            formula = child
        elif local == "v":
            saved = child
    if formula is None:
        return False
    if saved is None:
        return True
    # openpyxl writes an empty <v/> after a formula; Excel saves "" results as t="str".
    return not saved.text and cell.get("t") != "str"


def _sheet_part(archive: zipfile.ZipFile, title: str, parse: Any) -> str | None:
    """The zip path of the worksheet named ``title``, via the package relationships."""
    root = parse(archive.open("_rels/.rels")).getroot()
    book = next(
        (rel.get("Target", "") for rel in root if rel.get("Type", "").endswith("/officeDocument")),
        "xl/workbook.xml",
    ).lstrip("/")
    folder = posixpath.dirname(book)
    rel_id = None
    for element in parse(archive.open(book)).getroot().iter():
        if element.tag.endswith("}sheet") and element.get("name") == title:
            rel_id = element.get(_REL_NS)
    rels = posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels")
    for rel in parse(archive.open(rels)).getroot():
        if rel.get("Id") == rel_id:
            target = str(rel.get("Target", ""))
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join(folder, target))
    return None
