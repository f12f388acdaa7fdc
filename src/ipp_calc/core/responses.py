"""What an MCP answered in one submission, as the scoring engine receives it.

Why its own module: the workbook reader (an adapter) produces these records and the scoring
engine (pure) consumes them; neither should know the other's internals. By the time a value
reaches the engine it has its proper type: a Yes/No answer is a ``bool``, a tier count an
``int``, a number a ``Decimal`` (never a float), a blank ``None``. Every answer remembers its
cell so that a person can be pointed at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

#: The county label of a plan-level measure's single row (FORMATS.md).
PLAN_LEVEL = "All"

AnswerValue = bool | int | Decimal | None


@dataclass(frozen=True, slots=True)
class Answer:
    """One ``Responses`` row: a measure in a county (``All`` for plan-level measures)."""

    measure: str
    county: str
    value: AnswerValue
    target: Decimal | None = None  # the workbook's Target column, if any
    baseline: Decimal | None = None  # the workbook's Baseline column (prepopulated), if any
    notes: str | None = None
    cell: str | None = None  # the Response cell, e.g. "G14"
    #: The Response cell is formatted as a percentage (it shows 95 % and holds 0.95): for a count
    #: that is almost always a typing slip, so scoring warns (the reader cannot know what was meant).
    percent_format: bool = False


@dataclass(frozen=True, slots=True)
class FilledSubmission:
    """One MCP's filled reporting template for one submission."""

    mcp: str
    program_year: int
    submission: int
    counties: tuple[str, ...]
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    measure_set_sha256: str | None = None
    source: str | None = None  # the workbook's path as the user typed it
    filed: bool = True  # False: no workbook was filed, and this stands for "nothing reported"

    def answer(self, measure: str, county: str) -> Answer | None:
        return self.answers.get((measure, county))


def empty_submission(mcp: str, program_year: int, submission: int, counties: tuple[str, ...]) -> FilledSubmission:
    """A submission with nothing reported: what an MCP that filed no workbook is scored as."""
    return FilledSubmission(mcp=mcp, program_year=program_year, submission=submission, counties=counties, filed=False)
