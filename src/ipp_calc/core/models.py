"""The program's rules as data: pydantic models of ``program.yaml``, ``submission-<S>.yaml`` and
``elections.yaml``, plus the plain records of the data folder.

Why pydantic, frozen and ``extra="forbid"``: analysts edit these files by hand, so a misspelt
key must be an error rather than a silently ignored rule, and nothing downstream may change a
rule after it is loaded. Money and shares are ``Decimal`` read from *strings* only: a YAML float
such as ``0.1`` is already inexact when the parser hands it over, so it is refused (the strict
loader names the file and line).

Every rule-bearing node may carry ``reference`` entries, so a report can cite the APL passage
behind each number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    model_validator,
)
from pydantic import (
    Field as PydanticField,
)
from pydantic_core import PydanticCustomError

from ipp_calc.core.money import parse_decimal, parse_money

# --------------------------------------------------------------------------- value types


def _money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or isinstance(value, bool):
        raise PydanticCustomError(
            "float_money",
            'money is written as a string, e.g. "600000000.00" (found {found})',
            {"found": repr(value)},
        )
    try:
        amount = parse_money(value)
    except ValueError as exc:
        raise PydanticCustomError("money", "{why}", {"why": str(exc)}) from None
    if amount < 0:
        raise PydanticCustomError("money", "money must not be negative (found {found})", {"found": value})
    return amount


def _share(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or isinstance(value, bool):
        raise PydanticCustomError(
            "float_money",
            'a share is written as a string, e.g. "0.30" (found {found})',
            {"found": repr(value)},
        )
    try:
        share = parse_decimal(value)
    except ValueError as exc:
        raise PydanticCustomError("share", "{why}", {"why": str(exc)}) from None
    if not Decimal(0) <= share <= Decimal(1):
        raise PydanticCustomError("share", "a share must be between 0 and 1 (found {found})", {"found": value})
    return share


def _number_text(value: Any) -> Decimal:
    """A threshold or cap: a number written as a string, like money and shares."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or isinstance(value, bool):
        raise PydanticCustomError(
            "float_money",
            'write this number as a string, e.g. "0.5" (found {found})',
            {"found": repr(value)},
        )
    try:
        number = parse_decimal(value)
    except ValueError as exc:
        raise PydanticCustomError("number", "{why}", {"why": str(exc)}) from None
    if number < 0:
        raise PydanticCustomError("number", "must not be negative (found {found})", {"found": value})
    return number


def _points(value: Any) -> Decimal:
    """Points are counts, not money: a whole number (or a decimal such as 2.5) ≥ 0."""
    if isinstance(value, bool):
        raise PydanticCustomError("points", "points must be a number (found {found})", {"found": repr(value)})
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, (str, float)):
        try:
            number = parse_decimal(str(value))
        except ValueError:
            raise PydanticCustomError(
                "points", "points must be a number (found {found})", {"found": repr(value)}
            ) from None
    else:
        raise PydanticCustomError("points", "points must be a number (found {found})", {"found": repr(value)})
    if number < 0:
        raise PydanticCustomError("points", "points must not be negative (found {found})", {"found": str(value)})
    return number


def _measure_id(value: Any) -> str:
    if isinstance(value, (bool, float)):
        raise PydanticCustomError(
            "measure_id",
            'a measure id is text: quote it, e.g. "1.10" (YAML read {found} as a number)',
            {"found": repr(value)},
        )
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("measure_id", "a measure id must be non-empty text", {})
    return value.strip()


def _iso_date(value: Any) -> Any:
    """A date as programs write it too: ``yaml.safe_dump`` quotes dates (``start: '2022-01-01'``),
    and a quoted ISO date is still that date. Anything else is left to the strict date check."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("date", "{found} is not a valid date", {"found": repr(value)}) from None
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Money = Annotated[Decimal, BeforeValidator(_money)]
Share = Annotated[Decimal, BeforeValidator(_share)]
NumberText = Annotated[Decimal, BeforeValidator(_number_text)]
Points = Annotated[Decimal, BeforeValidator(_points)]
MeasureId = Annotated[str, BeforeValidator(_measure_id)]
Text = Annotated[str, PydanticField(min_length=1)]

STRICT = ConfigDict(frozen=True, extra="forbid", strict=True)


class Rule(BaseModel):
    """Base of every node: frozen, unknown keys refused, types strict (no "1" → 1)."""

    model_config = STRICT


class Reference(Rule):
    """Where a rule comes from: an APL passage, a DHCS page."""

    title: Text
    href: str | None = None
    note: str | None = None


References = list[Reference]


class Period(Rule):
    start: IsoDate
    end: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise PydanticCustomError(
                "period", "end {end} is before start {start}", {"end": str(self.end), "start": str(self.start)}
            )
        return self


# --------------------------------------------------------------------------- program.yaml


class Payment(Rule):
    id: int
    submission: int
    share: Share
    interim: bool = False
    label: str | None = None
    reference: References = []


class PriorityArea(Rule):
    id: int
    name: Text
    minimum_share: Share
    domains: list[Text]
    reference: References = []


class Factor(Rule):
    """One factor of the weighted-factor allocation model (RULES.md section 2)."""

    name: Text
    weight: Share
    reference: References = []


def _default_factors() -> list[Factor]:
    """RULES.md section 2's documented defaults: member months 0.5, revenue 0.3, pilot 0.2."""
    return [
        Factor(name="member_months", weight=Decimal("0.5")),
        Factor(name="revenue", weight=Decimal("0.3")),
        Factor(name="pilot_member_months", weight=Decimal("0.2")),
    ]


class AllocationParams(Rule):
    factors: list[Factor] = PydanticField(default_factory=_default_factors, min_length=1)
    reference: References = []


class PoolParams(Rule):
    """RULES.md section 5's parameters; each has the documented default when left out."""

    min_community_supports: int = PydanticField(default=3, ge=0)
    #: None: the last submission that pays a payment (in PY1, the submission for Payment 2).
    performance_submission: int | None = None
    method: Literal["targets_met", "attainment"] = "targets_met"
    attainment_cap: NumberText = Decimal("1.0")
    recoupments_pooled: bool = False
    reference: References = []


#: Where the limit on incentive payments comes from, when ``program.yaml`` does not say.
CFR_438_6_B_2 = Reference(
    title="42 CFR 438.6(b)(2)",
    note='an incentive arrangement "may not provide for payment in excess of 105 percent of the approved '
    'capitation payments attributable to the enrollees or services covered"',
)


class IncentiveLimit(Rule):
    """The share of an MCP's capitation that its IPP dollars (earned + pool award) may reach
    (RULES.md section 5, "Caps, in rounds"): 5 % under 42 CFR 438.6(b)(2), the 105 % rule.

    One place for the number: the allocation's ``capitation-limit`` finding, the year's
    ``earned-above-limit`` finding, the pool's room and every text that explains them read it here.
    """

    share_of_capitation: Share = Decimal("0.05")
    reference: References = PydanticField(default_factory=lambda: [CFR_438_6_B_2])

    @property
    def percent(self) -> str:
        """``5%``: the share as people write it."""
        return f"{(self.share_of_capitation * 100).normalize():f}%"

    @property
    def cite(self) -> str:
        """``42 CFR 438.6(b)(2)``: the first reference's title, for one-line messages."""
        return self.reference[0].title if self.reference else "program.yaml incentive_limit"


class Program(Rule):
    """``program.yaml``: the parameters of one program year, one place each."""

    program_year: int
    label: Text
    status: Literal["official", "illustrative"]
    period: Period
    funding: Money
    notes: list[str] = []
    reference: References = []
    payments: list[Payment] = PydanticField(min_length=1)
    priority_areas: list[PriorityArea] = PydanticField(min_length=1)
    flexible_share: Share
    community_supports_area: int | None = None
    community_supports_catalog: list[Text] | None = None
    #: The submission whose Reporting Template carries the Gap-Filling Plan's elections (its
    #: template has an ``Elections`` sheet; ``ipp elections`` gathers them). None: no such sheet.
    gap_filling_submission: int | None = None
    allocation: AllocationParams = PydanticField(default_factory=AllocationParams)
    pool: PoolParams = PydanticField(default_factory=PoolParams)
    incentive_limit: IncentiveLimit = PydanticField(default_factory=IncentiveLimit)

    @property
    def performance_submission(self) -> int:
        """The submission whose targets measure pool performance (RULES.md section 5)."""
        if self.pool.performance_submission is not None:
            return self.pool.performance_submission
        return max(p.submission for p in self.payments)

    def area(self, area_id: int) -> PriorityArea | None:
        return next((a for a in self.priority_areas if a.id == area_id), None)

    @property
    def area_ids(self) -> tuple[int, ...]:
        return tuple(sorted(a.id for a in self.priority_areas))

    def payments_of(self, submission: int) -> list[Payment]:
        return [p for p in self.payments if p.submission == submission]


# --------------------------------------------------------------------------- submission-<S>.yaml


class Tier(Rule):
    points: Points
    at_least: NumberText | None = None
    description: str | None = None


class BaselineRef(Rule):
    """Where an improvement measure's baseline comes from (RULES.md section 8): the value the
    same plan reported, in the same county (or ``All``), for ``measure`` of ``submission`` in
    ``program_year`` (None: the measure's own program year)."""

    program_year: int | None = None
    submission: int
    measure: MeasureId
    reference: References = []


class PrepopulateFrom(BaselineRef):
    """Where a measure's Response is prepopulated from: the same plan's answer, in the same county
    (or ``All``), to ``measure`` of ``submission`` in ``program_year`` (None: this measure's own
    year). ``ipp template --from`` that earlier workbook carries it, marked, for the plan to confirm
    or correct. Nothing is carried that a measure does not declare: ids mean different things in
    different submissions."""


class Measure(Rule):
    """One measure of a submission (RULES.md sections 4 and 8)."""

    id: MeasureId
    name: str | None = None
    description: str | None = None
    priority_area: int
    domain: Text
    level: Literal["plan", "county"]
    mandatory: bool
    kind: Literal["completion", "reporting", "target", "tiered", "improvement"]
    points: Points
    direction: Literal["higher", "lower"] | None = None
    basis: Literal["completion", "value", "target_ratio", "improvement"] | None = None
    tiers: list[Tier] | None = None
    #: Improvement over time (kind ``improvement``, or ``tiered`` with basis ``improvement``).
    baseline: BaselineRef | None = None
    change: Literal["relative", "absolute"] | None = None
    #: The improvement an all-or-nothing ``improvement`` measure needs (a string, like a share).
    at_least: NumberText | None = None
    #: The earlier answer ``ipp template --from`` carries into this measure's Response.
    prepopulate_from: PrepopulateFrom | None = None
    unit: str | None = None
    reference: References = []

    @property
    def title(self) -> str:
        return self.name or f"Measure {self.id}"

    @property
    def needs_target(self) -> bool:
        return self.kind == "target" or (self.kind == "tiered" and self.basis == "target_ratio")

    @property
    def answered_with(self) -> Literal["yes_no", "tier_count", "number"]:
        """What the MCP types in the Response cell: the one place this is decided (the reader,
        the template's drop-downs, prepopulation, the checks and the diff all ask here).
        ``completion``: Yes/No; ``tiered`` by completion: the highest tier completed (0..N);
        every other kind, and tiers reached by a number: a number."""
        if self.kind == "completion":
            return "yes_no"
        if self.kind == "tiered" and self.basis == "completion":
            return "tier_count"
        return "number"

    @property
    def answer_words(self) -> str:
        """:attr:`answered_with` as a message says it: ``Yes/No``, ``a tier count 0–3``, ``a number``."""
        how = self.answered_with
        if how == "yes_no":
            return "Yes/No"
        return f"a tier count 0–{len(self.tiers or [])}" if how == "tier_count" else "a number"

    @property
    def numeric(self) -> bool:
        """Whether the MCP answers with a number (rather than Yes/No or a tier count)."""
        return self.answered_with == "number"

    @property
    def needs_baseline(self) -> bool:
        """Scored against the plan's own earlier value (RULES.md section 8)."""
        return self.kind == "improvement" or (self.kind == "tiered" and self.basis == "improvement")

    @property
    def relative(self) -> bool:
        """Improvement as a share of the baseline (the default) rather than a difference."""
        return self.change != "absolute"

    def baseline_year(self, own_year: int) -> int:
        """The program year of the baseline (the measure's own when the reference leaves it out)."""
        assert self.baseline is not None
        return self.baseline.program_year if self.baseline.program_year is not None else own_year


class AreaPoints(Rule):
    points_available: Points
    reference: References = []


class Submission(Rule):
    """``submission-<S>.yaml``: the measures of one submission of one program year."""

    program_year: int
    submission: int
    label: Text
    status: Literal["official", "illustrative"] | None = None
    measurement_period: Period
    due: IsoDate | None = None
    notes: list[str] = []
    reference: References = []
    areas: dict[int, AreaPoints]
    measures: list[Measure] = PydanticField(min_length=1)

    def measure(self, measure_id: str) -> Measure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


# --------------------------------------------------------------------------- elections.yaml


class Exception_(Rule):
    """An exception approved by DHCS: moves ``share`` from area ``from`` to area ``to``."""

    approved: bool
    from_: int = PydanticField(alias="from")
    to: int
    share: Share
    #: The plan's reasons, as it wrote them in its template's Elections sheet (for DHCS to decide).
    justification: str | None = None
    reference: References = []


class Election(Rule):
    """One MCP's entry in ``elections.yaml`` (its Gap-Filling Plan choices and DHCS's findings)."""

    @property
    def offers_none(self) -> bool:
        """True only when the entry says so (``community_supports: []``)."""
        return self.community_supports is not None and not self.community_supports

    flexible: dict[int, Share]
    exception: Exception_ | None = None
    #: The Community Supports the MCP offers in the year. ``[]`` says it offers none (its area-3
    #: minimum is forfeited); leaving the key out says nothing, so nothing is forfeited, but the
    #: pool cannot count the three it requires.
    community_supports: list[Text] | None = None
    corrective_action_plan: bool = False
    recoupment: Share = Decimal("0")


# --------------------------------------------------------------------------- a loaded measure set


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file a result was computed from, with its sha256 (shown in reports, stamped in templates)."""

    path: str
    sha256: str


@dataclass(frozen=True, slots=True)
class MeasureSet:
    """One program year's ``program.yaml`` and its submissions, as loaded and checked."""

    program: Program
    submissions: dict[int, Submission]
    program_source: SourceFile
    submission_sources: dict[int, SourceFile]
    #: file → (key path → line), so cross-file checks can name the line of what they find.
    lines: dict[str, dict[tuple[str | int, ...], int]] = field(default_factory=dict)

    def line(self, file: str, *path: str | int) -> int | None:
        """The line of ``path`` in ``file``, or of its nearest ancestor that has one."""
        table = self.lines.get(file, {})
        for end in range(len(path), -1, -1):
            found = table.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    @property
    def year(self) -> int:
        return self.program.program_year

    @property
    def illustrative(self) -> bool:
        """True when the program year or any submission is marked illustrative (not DHCS's)."""
        return self.program.status == "illustrative" or any(
            s.status == "illustrative" for s in self.submissions.values()
        )

    def submission(self, number: int) -> Submission | None:
        return self.submissions.get(number)


# --------------------------------------------------------------------------- data-folder records


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One row of ``plans.csv``: an MCP in a county, with the factors of the allocation model."""

    mcp: str
    county: str
    member_months: Decimal
    revenue: Decimal
    wpc: bool
    hhp: bool
    capitation: Decimal | None = None
    line: int = 0

    @property
    def pilot(self) -> bool:
        """Whether the county had a Whole Person Care pilot or Health Homes Program."""
        return self.wpc or self.hhp


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of DHCS's own ``allocation.csv``: a (MCP, county)'s maximum for the year."""

    mcp: str
    county: str
    amount: Decimal
    line: int = 0


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One DHCS-approved individualized target from ``targets.csv``."""

    mcp: str
    county: str
    measure: str
    target: Decimal
    line: int = 0
