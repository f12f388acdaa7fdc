"""Reading a submission round for the intake review: every workbook of ``submissions/``, each
either read or kept with the problems that stopped it, and tied to its plan by its Cover.

Why not :func:`ipp_calc.io.year_loader.load_year_inputs`: that loader must refuse a year it
cannot compute, so it stops at bad workbooks. The review must go on: a workbook whose Responses
cannot be read still names its plan on the Cover, and that plan gets a revision request listing
every problem, while the other plans are reviewed as usual.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from ipp_calc import __version__
from ipp_calc.core.models import MeasureSet
from ipp_calc.core.review import ACCEPTED, MISSING, REVISION, ReviewResult, WorkbookRead
from ipp_calc.errors import Finding, InputError
from ipp_calc.io import workbook as reader
from ipp_calc.io.measures import display_path
from ipp_calc.io.output import atomic_write, check_output_path, neutralise, write_text
from ipp_calc.io.submissions import workbook_paths
from ipp_calc.views.review import (
    PROBLEM_COLUMNS,
    STATUS_COLUMNS,
    letter,
    letter_name,
    problem_rows,
    status_rows,
    summary_line,
    title,
)


def read_round(
    data: Path, ms: MeasureSet, *, allow_measure_set_change: bool = False
) -> tuple[list[WorkbookRead], list[Finding]]:
    """Every workbook of ``DATA/submissions/`` read (or not) against ``ms``, and the notes of files
    that are not workbooks. A missing ``submissions/`` folder is bad input: the data folder
    cannot hold a round."""
    folder = data / "submissions"
    if not folder.is_dir():
        raise InputError(
            Finding(
                "file-not-found",
                "the data folder has no submissions/ folder: put the round's workbooks there",
                file=display_path(folder),
            )
        )
    paths, notes = workbook_paths(folder)
    return [read_one(path, ms, allow_measure_set_change=allow_measure_set_change) for path in paths], notes


def read_one(path: Path, ms: MeasureSet, *, allow_measure_set_change: bool = False) -> WorkbookRead:
    """One workbook: its answers, or its problems and whatever its Cover says about whose it is."""
    shown = display_path(path)
    digest = _sha256(path)
    try:
        filled = reader.read_submission(path, ms, display=shown, allow_measure_set_change=allow_measure_set_change)
    except InputError as exc:
        mcp, year, submission, counties = _cover_of(path, shown)
        return WorkbookRead(shown, digest, mcp, year, submission, None, exc.findings, counties)
    elections = (
        _election_problems(path, ms, filled.mcp, shown)
        if filled.submission == ms.program.gap_filling_submission
        else ()
    )
    return WorkbookRead(shown, digest, filled.mcp, filled.program_year, filled.submission, filled, elections)


def _election_problems(path: Path, ms: MeasureSet, mcp: str, shown: str) -> tuple[Finding, ...]:
    """What the plan must fix in the elections it entered in its Elections sheet (the submission
    that carries the Gap-Filling Plan): a cell that cannot be read, or elections that break
    RULES.md section 3. Found here, not only when ``ipp elections`` gathers them, so the plan is
    asked to revise in the same letter. A workbook without the sheet, or with nothing entered in
    it, is not a problem of the review's: DHCS may hold the plan's elections in ``elections.yaml``
    already, and ``ipp elections`` says what is missing when it gathers them."""
    from ipp_calc.core.elections import workbook_problems
    from ipp_calc.io.elections import elections_of

    try:
        book = elections_of(path, ms, mcp, shown)
    except InputError as exc:
        return () if exc.first.code == "missing-sheet" else exc.findings
    if not book.flexible and book.exception is None and book.community_supports is None:
        return ()  # nothing entered
    return tuple(workbook_problems(ms.program, book))


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _cover_of(path: Path, shown: str) -> tuple[str | None, int | None, int | None, tuple[str, ...] | None]:
    """Whose workbook this is, from the Cover alone, when the whole workbook could not be read.

    The Cover is parsed as the reader parses it; when even that fails, its ``MCP`` row alone
    still says which plan to send the revision request to.
    """
    return reader.cover_of(path, shown)


# --------------------------------------------------------------------------- writing the review


def write_review_workbook(result: ReviewResult, path: Path, *, notes: Sequence[str] = ()) -> None:
    """The review workbook: ``Status`` (one row per plan) and ``Problems`` (one row per problem,
    with filters), written atomically. Text goes through :func:`neutralise` and ``write_string``,
    so no cell ipp writes from a workbook's text can become a formula."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": title(result), "author": f"ipp {__version__}", "created": _created()})
    bold = book.add_format({"bold": True, "bg_color": "#D9D9D9", "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    fills = {
        ACCEPTED: book.add_format({"bg_color": "#C6EFCE", "valign": "top"}),
        REVISION: book.add_format({"bg_color": "#FFEB9C", "valign": "top"}),
        MISSING: book.add_format({"bg_color": "#FFC7CE", "valign": "top"}),
    }
    status = book.add_worksheet("Status")
    status.write_string(0, 0, title(result), book.add_format({"bold": True, "font_size": 13}))
    status.write_string(1, 0, summary_line(result))
    for offset, line in enumerate(notes):
        status.write_string(2 + offset, 0, str(neutralise(line)))
    top = 3 + len(notes)
    _table(status, top, STATUS_COLUMNS, status_rows(result), bold, wrap)
    for index, plan in enumerate(result.plans, start=top + 1):
        status.write_string(index, 1, plan.status, fills[plan.status])
    for column, width in enumerate((30, 20, 40, 50, 10, 10, 66)):
        status.set_column(column, column, width)
    status.freeze_panes(top + 1, 1)
    problems = book.add_worksheet("Problems")
    rows = problem_rows(result)
    _table(problems, 0, PROBLEM_COLUMNS, rows, bold, wrap)
    problems.autofilter(0, 0, max(len(rows), 1), len(PROBLEM_COLUMNS) - 1)
    for column, width in enumerate((30, 20, 44, 12, 8, 16, 10, 20, 9, 90)):
        problems.set_column(column, column, width)
    problems.freeze_panes(1, 1)
    for sheet in (status, problems):
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(top if sheet is status else 0)
    book.close()
    data = buffer.getvalue()

    def write(stream: BinaryIO) -> None:
        stream.write(data)

    atomic_write(path, write)


def _table(sheet: Any, top: int, columns: Sequence[str], rows: Sequence[Sequence[Any]], bold: Any, wrap: Any) -> None:
    for column, name in enumerate(columns):
        sheet.write_string(top, column, name, bold)
    for number, row in enumerate(rows, start=top + 1):
        for column, value in enumerate(row):
            if isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(number, column, value, wrap)
            else:
                sheet.write_string(number, column, str(neutralise(value)), wrap)


def _created() -> datetime:
    """The workbook's creation time: ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).replace(tzinfo=None)
    return datetime.now(tz=UTC).replace(tzinfo=None)


def write_letters(result: ReviewResult, folder: Path, *, illustrative: bool, inputs: Sequence[Path] = ()) -> list[Path]:
    """One letter per plan, ``FOLDER/<mcp>.md``; every letter is composed before any is written,
    and each is written atomically, so a failure leaves each letter old or new, never half."""
    if folder.exists() and not folder.is_dir():
        raise InputError(
            Finding("output-unwritable", "is a file; -o DIR needs a folder for the letters", file=str(folder))
        )
    letters = {folder / letter_name(plan): letter(result, plan, illustrative=illustrative) for plan in result.plans}
    if len(letters) != len(result.plans):
        raise InputError(Finding("output-unwritable", "two MCP ids give the same letter file name", file=str(folder)))
    for path in letters:
        check_output_path(path, inputs)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(Finding("output-unwritable", exc.strerror or str(exc), file=str(folder))) from None
    for path, text in letters.items():
        write_text(path, text)
    return list(letters)
