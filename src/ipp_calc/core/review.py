"""The intake review of one submission round (``ipp review``): per plan, accepted, revision
requested or missing, with every problem that a revision request must name.

Why a review apart from scoring: APL 21-016 describes a round, not one computation. "DHCS will
send confirmation of approved submissions, as well as revision requests for incomplete
submissions." An analyst who receives fifty workbooks needs, in one step, every plan's status
and every problem of every workbook, not the first bad cell of the first bad file (which is all
``ipp run`` can say: it refuses a year it cannot compute). So the review never stops: a workbook
that cannot be read is a problem of its plan, a plan without a workbook is ``missing``, and a
workbook that names no known plan is a problem of the round.

A problem is *blocking* (the plan must revise and resubmit) or, for a target disagreement, for
information only: DHCS's ``targets.csv`` decides the target whatever the workbook shows, so the
plan has nothing to correct, but it should know its preview was computed on another number.

Pure: the workbooks arrive already read (see :class:`WorkbookRead`); nothing here opens a file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ipp_calc.core.models import MeasureSet, Submission
from ipp_calc.core.responses import FilledSubmission
from ipp_calc.core.scoring import Targets, measure_sort_key, score_points
from ipp_calc.errors import Finding, cell_order

Status = Literal["accepted", "revision requested", "missing"]
ACCEPTED: Status = "accepted"
REVISION: Status = "revision requested"
MISSING: Status = "missing"


@dataclass(frozen=True, slots=True)
class WorkbookRead:
    """One file of ``submissions/`` as the reader left it: answers, or the problems that stopped it.

    ``mcp``, ``program_year`` and ``submission`` come from the Cover whenever the Cover could be
    read, even when the Responses could not: that is what ties a broken workbook to its plan.
    ``findings``: what stopped the reading; or, for a workbook that was read, the problems of
    its other sheets (the Elections sheet of the submission that carries the Gap-Filling Plan).
    """

    file: str
    sha256: str | None = None
    mcp: str | None = None
    program_year: int | None = None
    submission: int | None = None
    filled: FilledSubmission | None = None
    findings: tuple[Finding, ...] = ()
    #: The Cover's counties, when the Cover could be read (for a workbook that could not be).
    counties: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing a plan (or, with ``mcp`` None, the round) must know about, at one place."""

    code: str
    message: str
    mcp: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    county: str | None = None
    measure: str | None = None
    blocking: bool = True

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.mcp or "",
            self.file or "",
            not self.blocking,
            self.county or "",
            measure_sort_key(self.measure) if self.measure else (),
            self.sheet or "",
            cell_order(self.cell),
            self.code,
            self.message,
        )

    @property
    def place(self) -> str:
        parts = [p for p in (self.file, f"{self.sheet}!{self.cell}" if self.cell else self.sheet) if p]
        return ": ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "mcp": self.mcp,
            "code": self.code,
            "blocking": self.blocking,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "county": self.county,
            "measure": self.measure,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class FiledWorkbook:
    """A workbook of the round that names a plan of ``plans.csv``, with its sha256."""

    file: str
    sha256: str | None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class PlanReview:
    """One plan's status in the round and every problem of its workbooks."""

    mcp: str
    counties: tuple[str, ...]
    status: Status
    workbooks: tuple[FiledWorkbook, ...]
    problems: tuple[Problem, ...]

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.blocking)

    def to_json(self) -> dict[str, Any]:
        return {
            "mcp": self.mcp,
            "status": self.status,
            "counties": list(self.counties),
            "workbooks": [w.to_json() for w in self.workbooks],
            "problems": [p.to_json() for p in self.problems],
        }


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """``ipp review``: ``to_json()`` is exactly its ``--format json``."""

    program_year: int
    submission: int
    label: str
    plans: tuple[PlanReview, ...]
    #: Problems of the round that belong to no plan of plans.csv (an unknown MCP, an unreadable Cover).
    round_problems: tuple[Problem, ...]
    #: Workbooks of another submission of the year: in the folder, not part of this round.
    other_submissions: tuple[str, ...] = ()

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem, the plans' in MCP order, then the round's."""
        return tuple(p for plan in self.plans for p in plan.problems) + self.round_problems

    @property
    def accepted(self) -> bool:
        """True when every plan is accepted and the round itself has no blocking problem."""
        return all(p.status == ACCEPTED for p in self.plans) and not any(p.blocking for p in self.round_problems)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for p in self.plans if p.status == s) for s in (ACCEPTED, REVISION, MISSING)}

    def plan(self, mcp: str) -> PlanReview | None:
        return next((p for p in self.plans if p.mcp == mcp), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "program_year": self.program_year,
            "submission": self.submission,
            "label": self.label,
            "accepted": self.accepted,
            "counts": self.counts(),
            "plans": [p.to_json() for p in self.plans],
            "round_problems": [p.to_json() for p in self.round_problems],
            "other_submissions": list(self.other_submissions),
        }


# --------------------------------------------------------------------------- the review


def review_round(
    ms: MeasureSet,
    submission: int,
    plans: Mapping[str, Sequence[str]],
    workbooks: Sequence[WorkbookRead],
    *,
    targets: Mapping[str, Targets] | None = None,
) -> ReviewResult:
    """Review every workbook of one round against the plans of ``plans.csv`` (MCP → counties).

    ``targets`` are DHCS's approved targets per MCP (``targets.csv``), None without the file.
    Workbooks are matched to plans by their Cover, never by file name.
    """
    sub = ms.submissions[submission]
    round_problems: list[Problem] = []
    by_plan: dict[str, list[WorkbookRead]] = {mcp: [] for mcp in plans}
    claimed: dict[str, list[Problem]] = {mcp: [] for mcp in plans}
    other: list[str] = []
    for read in sorted(workbooks, key=lambda w: w.file):
        if read.mcp is None:  # not even the Cover could be read: nobody to send it back to
            round_problems.extend(_from_finding(f, None, read.file) for f in read.findings)
            continue
        if read.program_year is not None and read.program_year != ms.year:
            round_problems.append(
                Problem(
                    "unknown-submission",
                    f"is MCP {read.mcp}'s workbook for program year {read.program_year}, not PY{ms.year}: "
                    "move it to that year's data folder",
                    file=read.file,
                    sheet="Cover",
                )
            )
            continue
        if read.submission is not None and read.submission != submission:
            other.append(read.file)
            continue
        if read.mcp not in plans:
            close = difflib.get_close_matches(read.mcp, list(plans), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            round_problems.append(
                Problem(
                    "unknown-mcp",
                    f"the Cover names MCP {read.mcp!r}, which is not in plans.csv{hint}",
                    file=read.file,
                    sheet="Cover",
                )
            )
            if close:  # the plan it probably belongs to hears of it too, in its own letter
                claimed[close[0]].append(
                    Problem(
                        "unknown-mcp",
                        f"a workbook whose Cover names MCP {read.mcp!r} was received; if it is yours, "
                        f"correct the Cover's MCP to {close[0]!r} and send it again",
                        mcp=close[0],
                        file=read.file,
                        sheet="Cover",
                    )
                )
            continue
        by_plan[read.mcp].append(read)
    reviews = [
        _review_plan(
            sub, mcp, tuple(sorted(plans[mcp])), by_plan[mcp], claimed[mcp], targets, with_targets=targets is not None
        )
        for mcp in sorted(plans)
    ]
    return ReviewResult(
        program_year=ms.year,
        submission=submission,
        label=sub.label,
        plans=tuple(reviews),
        round_problems=tuple(sorted(round_problems, key=Problem.sort_key)),
        other_submissions=tuple(other),
    )


def _review_plan(
    sub: Submission,
    mcp: str,
    counties: tuple[str, ...],
    reads: list[WorkbookRead],
    claimed: list[Problem],
    targets: Mapping[str, Targets] | None,
    *,
    with_targets: bool,
) -> PlanReview:
    filed = tuple(FiledWorkbook(r.file, r.sha256) for r in reads)
    if not reads:
        return PlanReview(mcp, counties, MISSING, filed, tuple(sorted(claimed, key=Problem.sort_key)))
    problems: list[Problem] = list(claimed)
    first = reads[0].file
    for read in reads[1:]:
        problems.append(
            Problem(
                "duplicate-workbook",
                f"answers MCP {mcp}, submission {sub.submission}, as {first} does: send one workbook only",
                mcp=mcp,
                file=read.file,
                sheet="Cover",
            )
        )
    approved = (targets or {}).get(mcp, {}) if with_targets else None
    for read in reads:
        if read.filled is None:
            if read.counties is not None:
                problems.extend(_cover_counties(mcp, counties, read.counties, read.file)[0])
            problems.extend(_from_finding(f, mcp, read.file) for f in read.findings)
        else:
            problems.extend(_review_workbook(sub, mcp, counties, read.filled, read.file, approved))
            problems.extend(_from_finding(f, mcp, read.file) for f in read.findings)  # its Elections sheet
    problems.sort(key=Problem.sort_key)
    status = REVISION if any(p.blocking for p in problems) else ACCEPTED
    return PlanReview(mcp, counties, status, filed, tuple(problems))


def _review_workbook(
    sub: Submission,
    mcp: str,
    counties: tuple[str, ...],
    filled: FilledSubmission,
    file: str,
    approved: Targets | None,
) -> list[Problem]:
    """The problems of one workbook that was read: its Cover's counties, then its answers."""
    problems, left_out = _cover_counties(mcp, counties, filled.counties, file)
    scored = score_points(sub, replace(filled, counties=counties), approved_targets=approved)
    skipped = {c.casefold() for c in left_out}
    for measure_id, county in scored.mandatory_missing:
        if county.casefold() in skipped:
            continue  # one problem already covers the county the Cover left out
        measure = sub.measure(measure_id)
        answer = filled.answer(measure_id, county)
        name = f' "{measure.title}"' if measure is not None and measure.name else ""
        where = "is blank" if answer is not None else "has no row in the Responses sheet"
        problems.append(
            Problem(
                "mandatory-missing",
                f"mandatory measure {measure_id}{name} ({county}) {where}: answer it",
                mcp=mcp,
                file=file,
                sheet="Responses",
                cell=answer.cell if answer is not None else None,
                county=county,
                measure=measure_id,
            )
        )
    for note in scored.notes:
        problems.append(
            Problem(
                note.code,
                note.message,
                mcp=mcp,
                file=file,
                sheet="Responses",
                county=note.county,
                measure=note.measure,
                blocking=False,
            )
        )
    return problems


def _cover_counties(
    mcp: str, counties: tuple[str, ...], on_cover_names: tuple[str, ...], file: str
) -> tuple[list[Problem], list[str]]:
    """The Cover's counties against plans.csv: each left out, each extra; and the left-out ones."""
    problems: list[Problem] = []
    on_cover = {c.casefold() for c in on_cover_names}
    known = {c.casefold() for c in counties}
    left_out = [c for c in counties if c.casefold() not in on_cover]
    for county in left_out:
        problems.append(
            Problem(
                "missing-county",
                f"the Cover leaves out {county}, where plans.csv says MCP {mcp} operates: add it to "
                "Counties and answer its rows (or ask DHCS for a new template)",
                mcp=mcp,
                file=file,
                sheet="Cover",
                county=county,
            )
        )
    for county in sorted(c for c in on_cover_names if c.casefold() not in known):
        problems.append(
            Problem(
                "unknown-county",
                f"the Cover lists {county}, where MCP {mcp} has no plans.csv row: remove it",
                mcp=mcp,
                file=file,
                sheet="Cover",
                county=county,
            )
        )
    return problems, left_out


def _from_finding(finding: Finding, mcp: str | None, file: str) -> Problem:
    return Problem(
        finding.code,
        " ".join(finding.message.split()),
        mcp=mcp,
        file=finding.file or file,
        sheet=finding.sheet,
        cell=finding.cell,
        blocking=finding.severity == "error",
    )
