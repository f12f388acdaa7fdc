"""Views of an intake review (``ipp review``): the terminal table, the CSV rows, the rows of the
review workbook, and the letter to each plan. Pure: nothing here touches a file.

Why a letter per plan: APL 21-016 says "DHCS will send confirmation of approved submissions, as
well as revision requests for incomplete submissions, to MCPs electronically". The letter is that
message, written so an analyst can send it as it is: it names the workbook received (with its
sha256, so nobody argues later about which file was reviewed), then every correction, the
workbook's own problems first, then the missing mandatory answers county by county, each with
the cell to fill.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ipp_calc.core.review import ACCEPTED, MISSING, PlanReview, Problem, ReviewResult
from ipp_calc.core.scoring import measure_sort_key
from ipp_calc.views.render import Table, new_table

#: The CSV and the Problems sheet: one row per problem.
PROBLEM_COLUMNS = ("mcp", "status", "file", "sheet", "cell", "county", "measure", "code", "blocking", "message")
#: The Status sheet: one row per plan.
STATUS_COLUMNS = ("mcp", "status", "counties", "workbooks", "problems", "blocking", "sha256")

ROUND = "(round)"  # the mcp column of a problem that belongs to no plan of plans.csv


def title(result: ReviewResult) -> str:
    return f"Intake review, PY{result.program_year} submission {result.submission} ({result.label})"


def summary_line(result: ReviewResult) -> str:
    counts = result.counts()
    parts = [f"{counts[s]} {s}" for s in counts]
    line = f"{len(result.plans)} plans: " + ", ".join(parts)
    if result.round_problems:
        line += f"; {len(result.round_problems)} problem(s) of workbooks that name no plan"
    return line


# --------------------------------------------------------------------------- table and CSV


def review_tables(result: ReviewResult) -> list[Table]:
    """The status of every plan, then every problem, one line each."""
    status = new_table(
        title(result),
        ("MCP", "left"),
        ("Status", "left"),
        ("Workbook", "left"),
        ("Problems", "right"),
    )
    for plan in result.plans:
        files = ", ".join(_name(w.file) for w in plan.workbooks) or "none received"
        status.add_row(plan.mcp, plan.status, files, str(len(plan.blocking)) if plan.problems else "")
    tables = [status]
    problems = result.problems
    if problems:
        listing = new_table(
            f"Problems ({len(problems)})",
            ("MCP", "left"),
            ("Where", "left"),
            ("Code", "left"),
            ("Problem", "left"),
        )
        for problem in problems:
            place = f"{problem.sheet}!{problem.cell}" if problem.cell else (problem.sheet or "")
            where = " ".join(part for part in (_name(problem.file or ""), place) if part)
            message = problem.message if problem.blocking else f"(for information) {problem.message}"
            listing.add_row(problem.mcp or ROUND, where, problem.code, message)
        tables.append(listing)
    return tables


def review_csv(result: ReviewResult) -> tuple[list[str], list[list[Any]]]:
    """One row per problem (FORMATS.md's CSV rule: a header, then plain values)."""
    return list(PROBLEM_COLUMNS), problem_rows(result)


def problem_rows(result: ReviewResult) -> list[list[Any]]:
    statuses = {p.mcp: p.status for p in result.plans}
    return [
        [
            p.mcp or ROUND,
            statuses.get(p.mcp or "", ""),
            p.file or "",
            p.sheet or "",
            p.cell or "",
            p.county or "",
            p.measure or "",
            p.code,
            "yes" if p.blocking else "no",
            p.message,
        ]
        for p in result.problems
    ]


def status_rows(result: ReviewResult) -> list[list[Any]]:
    return [
        [
            p.mcp,
            p.status,
            ", ".join(p.counties),
            ", ".join(w.file for w in p.workbooks),
            len(p.problems),
            len(p.blocking),
            ", ".join(w.sha256 or "" for w in p.workbooks),
        ]
        for p in result.plans
    ]


# --------------------------------------------------------------------------- letters


def letter_name(plan: PlanReview) -> str:
    """The letter's file name: the MCP id made safe for any file system."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in plan.mcp).strip(".") or "mcp"
    return f"{safe}.md"


def letter(result: ReviewResult, plan: PlanReview, *, illustrative: bool) -> str:
    """The message to one plan: a confirmation, a revision request, or a notice of no submission."""
    round_name = f"Program Year {result.program_year}, Submission {result.submission} ({result.label})"
    lines: list[str] = []
    if plan.status == ACCEPTED:
        lines += [f"# Submission accepted: {round_name}", ""]
    elif plan.status == MISSING:
        lines += [f"# No submission received: {round_name}", ""]
    else:
        lines += [f"# Revision requested: {round_name}", ""]
    if illustrative:
        lines += [
            "> Illustrative: this review was made with an illustrative measure set, not DHCS's official one.",
            "",
        ]
    lines += [
        f"To: {_md(plan.mcp)}  ",
        "From: DHCS, CalAIM Incentive Payment Program  ",
        f"Counties: {_md(', '.join(plan.counties))}",
        "",
    ]
    if plan.status == MISSING:
        lines += [
            "DHCS has not received your Reporting Template for this submission. All Plan Letter 21-016 "
            "requires each MCP to submit the Reporting Template, with data for each county in which it "
            "operates; a plan that does not submit earns no points for it and cannot be eligible for the "
            "high-performance pool. Please submit your completed workbook.",
            "",
        ]
        return "\n".join(lines).rstrip() + "\n"
    lines += ["We received:", ""]
    lines += [f"- `{_code(w.file)}` (sha256 `{w.sha256 or 'unreadable'}`)" for w in plan.workbooks]
    lines.append("")
    blocking = plan.blocking
    info = [p for p in plan.problems if not p.blocking]
    if plan.status == ACCEPTED:
        lines += [
            "DHCS has reviewed this submission and accepts it as complete: every mandatory measure is "
            "answered for every county, and the workbook reads without error. This confirms receipt "
            "and completeness only; points and payments are determined when the program year is scored.",
            "",
        ]
    else:
        count = len(blocking)
        lines += [
            "As All Plan Letter 21-016 provides, DHCS reviews each submission and requests revisions "
            f"for incomplete submissions. Your submission cannot be accepted yet: please correct the "
            f"{count} item{'s' if count != 1 else ''} below and send the whole corrected workbook again.",
            "",
        ]
        lines += _corrections(blocking)
    if info:
        lines += ["## For your information (no correction needed)", ""]
        lines += [f"- {_md(p.message)}" for p in info]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _corrections(problems: Sequence[Problem]) -> list[str]:
    lines: list[str] = []
    missing = [p for p in problems if p.code == "mandatory-missing"]
    other = [p for p in problems if p.code != "mandatory-missing"]
    if other:
        lines += [
            "## Corrections to the workbook",
            "",
            "| File | Sheet | Cell | What to correct |",
            "|---|---|---|---|",
        ]
        for p in other:
            lines.append(f"| `{_code(p.file or '')}` | {_cell(p.sheet)} | {_cell(p.cell)} | {_cell(p.message)} |")
        lines.append("")
    if missing:
        lines += ["## Mandatory answers missing, by county", ""]
        counties = sorted({p.county or "" for p in missing})
        for county in counties:
            rows = sorted((p for p in missing if (p.county or "") == county), key=_by_measure)
            heading = "The whole plan (plan-level measures)" if county == "All" else county
            lines += [f"### {_md(heading)} ({len(rows)})", "", "| Measure | Cell | What to correct |", "|---|---|---|"]
            for p in rows:
                cell = f"{p.sheet}!{p.cell}" if p.cell else "no row"
                lines.append(f"| {_cell(p.measure)} | {_cell(cell)} | {_cell(p.message)} |")
            lines.append("")
    return lines


def _by_measure(problem: Problem) -> tuple[Any, ...]:
    return measure_sort_key(problem.measure) if problem.measure else ()


def _md(text: str) -> str:
    """Text from files made safe for markdown: no markup, no HTML, one line."""
    out = " ".join(str(text).split())
    for char in "\\`*_[]<>|#":
        out = out.replace(char, "\\" + char)
    return out


def _cell(text: str | None) -> str:
    return _md(text) if text else ""


def _name(file: str) -> str:
    """A workbook's file name without its folder, for the narrow table columns."""
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def _code(text: str) -> str:
    return " ".join(text.split()).replace("`", "'")
