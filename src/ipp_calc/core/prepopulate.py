"""Prepopulation: which answers of a plan's earlier workbook a new template carries, and where.

Why only what the measure set declares: measure ids mean different things in different
submissions (PY1 Submission 1's 1.1 is a needs assessment, Submission 2's 1.1 a progress report),
so carrying answers by a bare id match made an untouched template "earn" millions. A measure
says what it is prepopulated from (``prepopulate_from: {program_year?, submission, measure}``):
that earlier answer goes into its Response, for the plan to confirm or correct. An improvement
measure's ``baseline`` reference (RULES.md section 8) is a declaration too: the earlier value
goes into its locked Baseline column. Nothing else is carried, and each carried value is checked
against the kind of the measure it lands in.

Pure: the earlier workbook arrives already read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ipp_calc.core.models import BaselineRef, Measure, Submission
from ipp_calc.core.responses import PLAN_LEVEL, AnswerValue, FilledSubmission

Column = Literal["Response", "Baseline"]


@dataclass(frozen=True, slots=True)
class Carried:
    """One value carried into the new template: into ``column`` of (``measure``, ``county``),
    from ``source_measure`` of the earlier workbook."""

    measure: str
    county: str
    column: Column
    value: AnswerValue
    source_measure: str

    def __str__(self) -> str:
        where = f"measure {self.measure} ({self.county}) {self.column}"
        return f"{where} = {shown(self.value)}, from measure {self.source_measure}"


@dataclass(frozen=True, slots=True)
class NotCarried:
    """A declared carry-over that could not be made, and why."""

    measure: str
    county: str
    reason: str

    def __str__(self) -> str:
        return f"measure {self.measure} ({self.county}): {self.reason}"


@dataclass(frozen=True, slots=True)
class Prepopulation:
    """What an earlier workbook gives a new template: the source (file and sha256, for the Cover
    and the cell comments), every value carried and every declared one that could not be."""

    source: str
    sha256: str
    program_year: int
    submission: int
    carried: tuple[Carried, ...] = ()
    not_carried: tuple[NotCarried, ...] = ()
    #: How many measures of the new submission declare this earlier submission as a source.
    declared: int = 0

    def value(self, measure: str, county: str, column: Column) -> Carried | None:
        return next(
            (c for c in self.carried if c.measure == measure and c.county == county and c.column == column), None
        )

    @property
    def label(self) -> str:
        """``PY1 submission 1 (alpha-1.xlsx, sha256 …)``: what the Cover and comments say."""
        return f"PY{self.program_year} submission {self.submission}: {self.source} (sha256 {self.sha256})"


def prepopulate(
    sub: Submission, counties: tuple[str, ...], previous: FilledSubmission, *, source: str, sha256: str
) -> Prepopulation:
    """The carry-overs from ``previous`` (the same plan's earlier workbook) into ``sub``'s rows."""
    carried: list[Carried] = []
    missing: list[NotCarried] = []
    declared = 0
    for measure in sub.measures:
        places = (PLAN_LEVEL,) if measure.level == "plan" else counties
        for column, ref in (("Response", measure.prepopulate_from), ("Baseline", measure.baseline)):
            if ref is None or not _names(ref, sub.program_year, previous):
                continue
            declared += 1
            for county in places:
                item = _carry(measure, county, column, ref, previous)  # type: ignore[arg-type]
                if isinstance(item, Carried):
                    carried.append(item)
                elif item is not None:
                    missing.append(item)
    return Prepopulation(
        source=source,
        sha256=sha256,
        program_year=previous.program_year,
        submission=previous.submission,
        carried=tuple(carried),
        not_carried=tuple(missing),
        declared=declared,
    )


def _names(ref: BaselineRef, own_year: int, previous: FilledSubmission) -> bool:
    year = ref.program_year if ref.program_year is not None else own_year
    return year == previous.program_year and ref.submission == previous.submission


def _carry(
    measure: Measure, county: str, column: Column, ref: BaselineRef, previous: FilledSubmission
) -> Carried | NotCarried | None:
    answer = previous.answer(ref.measure, county)
    if answer is None or answer.value is None:
        return NotCarried(
            measure.id, county, f"the earlier workbook has no answer for measure {ref.measure} ({county})"
        )
    value = answer.value
    fitting = _is_number(value) if column == "Baseline" else fits(measure, value)
    if not fitting:
        return NotCarried(
            measure.id,
            county,
            f"the earlier answer {shown(value)} to measure {ref.measure} does not fit this measure's {column}",
        )
    return Carried(measure.id, county, column, value, ref.measure)


def _is_number(value: AnswerValue) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def fits(measure: Measure, value: AnswerValue) -> bool:
    """Whether a typed answer is of the kind the measure expects."""
    if measure.answered_with == "yes_no":
        return isinstance(value, bool)
    if measure.answered_with == "tier_count":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= len(measure.tiers or [])
    return _is_number(value)


def shown(value: AnswerValue) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
