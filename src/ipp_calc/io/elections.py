"""Reading the ``Elections`` sheet of the plans' workbooks, for ``ipp elections``.

The sheet is the one :func:`ipp_calc.io.template.elections_sheet` writes: rows found by their
labels in column A (``Area 1: …``, ``From area``, the catalog's names), values in column B, so a
row moved or a blank line added does no harm. Every value is checked as the Responses are (a
share is a number from 0 to 1; an area is one of the program's; Yes or No), and each problem
names the file, sheet and cell.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from ipp_calc.core.elections import ExceptionRequest, WorkbookElection
from ipp_calc.core.models import MeasureSet
from ipp_calc.errors import Collector, Finding, InputError
from ipp_calc.io import workbook as reader
from ipp_calc.io.measures import display_path
from ipp_calc.io.template import (
    ELECTIONS_SHEET,
    EXCEPTION_FROM,
    EXCEPTION_SHARE,
    EXCEPTION_TO,
    EXCEPTION_WHY,
    SUPPORTS_HEADER,
)
from ipp_calc.io.xlsx_cells import CellValue, as_text, is_blank
from ipp_calc.io.xlsx_cells import shown as shown_value
from ipp_calc.io.xlsx_sheets import read_sheets

_AREA = re.compile(r"area\s+(\d+)\s*:", re.IGNORECASE)


def read_elections_sheet(path: Path, ms: MeasureSet) -> WorkbookElection | None:
    """The plan's elections from its workbook, or None when the workbook answers another
    submission than the program's ``gap_filling_submission``. Raises :class:`InputError`."""
    shown = display_path(path)
    filled = reader.read_submission(path, ms, display=shown, allow_measure_set_change=True)
    if filled.submission != ms.program.gap_filling_submission:
        return None
    return elections_of(path, ms, filled.mcp, shown)


def elections_of(path: Path, ms: MeasureSet, mcp: str, shown: str) -> WorkbookElection:
    """The Elections sheet of ``mcp``'s workbook at ``path``, already read as a submission (the
    intake review reads it that way). Raises :class:`InputError`."""
    data = reader.read_workbook_bytes(path, shown)
    return _parse(_sheet_rows(data, shown), ms, mcp, shown)


def _sheet_rows(data: bytes, shown: str) -> list[tuple[int, tuple[CellValue | None, CellValue | None]]]:
    """The Elections sheet's (row number, (column A, column B)) for its non-blank rows, typed
    as every workbook cell is (:mod:`ipp_calc.io.xlsx_cells`), read sparse like Responses."""
    parts = reader.check_archive(data, shown)
    try:
        sheet = read_sheets(data, shown, (ELECTIONS_SHEET,), parts)[ELECTIONS_SHEET]
    except InputError as exc:
        if exc.first.code != "missing-sheet":
            raise
        raise InputError(
            Finding(
                "missing-sheet",
                f'the workbook has no sheet "{ELECTIONS_SHEET}": this submission carries the Gap-Filling '
                "Plan's elections; make the template again with this version of ipp",
                file=shown,
            )
        ) from None
    return [(number, (cells.get(1), cells.get(2))) for number, cells in sheet.rows.items()]


def _parse(
    rows: list[tuple[int, tuple[CellValue | None, CellValue | None]]], ms: MeasureSet, mcp: str, shown: str
) -> WorkbookElection:
    program = ms.program
    found = Collector()
    areas = set(program.area_ids)
    flexible: dict[int, Decimal] = {}
    labelled: dict[str, tuple[int, Any]] = {}
    supports: list[str] = []
    answered = False
    in_supports = False
    catalog = {name.casefold(): name for name in program.community_supports_catalog or ()}

    def where(number: int) -> dict[str, Any]:
        return {"file": shown, "sheet": ELECTIONS_SHEET, "cell": f"B{number}"}

    for number, (label, value) in rows:
        text = as_text(label) if label is not None and not is_blank(label) else ""
        if text.casefold() == SUPPORTS_HEADER.casefold():
            in_supports = True
            continue
        if in_supports:
            said, offered = _support(text, value, catalog, found, where(number))
            answered = answered or said
            if offered is not None:
                supports.append(offered)
            continue
        match = _AREA.match(text)
        if match is not None:
            area = int(match.group(1))
            share = _share(value, f"the flexible share of area {area}", found, where(number))
            if area not in areas:
                found.add("unknown-area", f"area {area} is not a priority area of PY{ms.year}", **where(number))
            elif share is not None:
                flexible[area] = share
            continue
        if text:
            labelled.setdefault(text.casefold(), (number, value))
    exception = _exception(labelled, areas, found, where)
    found.raise_if_any()
    return WorkbookElection(
        mcp=mcp,
        file=shown,
        flexible=flexible,
        exception=exception,
        community_supports=tuple(supports) if answered else None,
    )


def _support(
    text: str, value: CellValue | None, catalog: dict[str, str], found: Collector, where: dict[str, Any]
) -> tuple[bool, str | None]:
    """One Community Support row: whether it was answered (Yes or No), and the support offered
    (its catalog spelling) on a Yes; a blank row is neither, anything else a finding at the cell."""
    if value is None or is_blank(value):
        return False, None
    answer = as_text(value).casefold()
    if answer not in ("yes", "no"):
        found.add(
            "cell-type", f"{text or 'a Community Support'}: expects Yes or No, found {shown_value(value)}", **where
        )
        return False, None
    if answer == "no":
        return True, None
    if not text:
        found.add("cell-type", "Yes with no Community Support named in column A", **where)
        return True, None
    return True, catalog.get(text.casefold(), text)


def _share(value: Any, label: str, found: Collector, where: dict[str, Any]) -> Decimal | None:
    try:
        share = reader.parse_number(value, label)
    except reader._CellProblem as problem:
        found.add(problem.code, problem.message, **where)
        return None
    if share is not None and share > 1:
        found.add("cell-range", f"{label} must be a share from 0 to 1, found {share}", **where)
        return None
    return share


def _exception(
    labelled: dict[str, tuple[int, Any]], areas: set[int], found: Collector, where: Any
) -> ExceptionRequest | None:
    cells = {name: labelled.get(name.casefold(), (0, None)) for name in (EXCEPTION_FROM, EXCEPTION_TO, EXCEPTION_SHARE)}
    why_number, why = labelled.get(EXCEPTION_WHY.casefold(), (0, None))
    given = [name for name, (_, value) in cells.items() if value is not None and not is_blank(value)]
    if not given and (why is None or is_blank(why)):
        return None
    missing = [name for name in cells if name not in given]
    if missing:
        number = cells[missing[0]][0] or why_number
        found.add(
            "cell-type",
            f"the exception request needs {', '.join(missing)} too (or leave the whole request blank)",
            **where(number),
        )
        return None
    picked: dict[str, int] = {}
    for name in (EXCEPTION_FROM, EXCEPTION_TO):
        number, value = cells[name]
        area = None if value is None else reader._whole_number(value)
        if area is None or area not in areas:
            given_value = "(blank)" if value is None else shown_value(value)
            found.add("unknown-area", f"{name}: {given_value} is not a priority area", **where(number))
            return None
        picked[name] = area
    number, value = cells[EXCEPTION_SHARE]
    share = _share(value, "the share moved", found, where(number))
    if share is None:
        return None
    justification = None if why is None or is_blank(why) else as_text(why, keep_inner=True)
    return ExceptionRequest(picked[EXCEPTION_FROM], picked[EXCEPTION_TO], share, justification)
