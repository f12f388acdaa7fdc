"""Small, hand-checkable program years for the scoring, pool and year tests.

Why a tiny year of its own: RULES.md's numbers are easiest to check by hand with a few areas,
measures and MCPs, and with money given as DHCS's own allocation table (``allocation.csv``), so
every cell is a round number. The default year has two priority areas:

* area 1 (domain 1A), minimum share 0.40;
* area 3 (domain 3A), the Community Supports area, minimum share 0.30;
* flexible share 0.30, so an election ``{1: "0.30"}`` gives shares 0.70 / 0.30 and ``{3: "0.30"}``
  gives 0.40 / 0.60;
* payments 1 (submission 1, share 0.5, interim) and 2 (submission 2, share 0.5);
* the pool measures performance in submission 2, needs 3 Community Supports, and by default uses
  ``targets_met`` and keeps recouped dollars (``recoupments_pooled: false``).

Submission 1 (``SUB1``) and submission 2 (``SUB2``) are described where they are defined. Every
builder takes plain strings for money and shares, as the files do, and returns the engine's types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ipp_calc.core.models import (
    Election,
    MeasureSet,
    PlanRow,
    Program,
    SourceFile,
    Submission,
    TableRow,
    TargetRow,
)
from ipp_calc.core.responses import PLAN_LEVEL, Answer, AnswerValue, FilledSubmission
from ipp_calc.core.year import YearInputs, YearResult, run_year
from ipp_calc.io.yamlload import parse_yaml, validate

D = Decimal
ALL = PLAN_LEVEL  # the county of a plan-level measure's answer

#: Three distinct Community Supports: enough for the pool (min_community_supports 3).
CS3 = ("Housing Deposits", "Respite Services", "Sobering Centers")

# --------------------------------------------------------------------------- program.yaml


def program_yaml(
    *,
    funding: str = "1000.00",
    method: str = "targets_met",
    attainment_cap: str = "1.0",
    recoupments_pooled: bool = False,
    min_community_supports: int = 3,
    performance_submission: int = 2,
) -> str:
    return f"""\
program_year: 1
label: Tiny test year
status: illustrative
period: {{start: 2022-01-01, end: 2022-12-31}}
funding: "{funding}"
payments:
  - {{id: 1, submission: 1, share: "0.5", interim: true}}
  - {{id: 2, submission: 2, share: "0.5"}}
priority_areas:
  - {{id: 1, name: Delivery System Infrastructure, minimum_share: "0.40", domains: [1A]}}
  - {{id: 3, name: Community Supports, minimum_share: "0.30", domains: [3A]}}
flexible_share: "0.30"
community_supports_area: 3
allocation:
  factors:
    - {{name: member_months, weight: "0.5"}}
    - {{name: revenue, weight: "0.3"}}
    - {{name: pilot_member_months, weight: "0.2"}}
pool:
  min_community_supports: {min_community_supports}
  performance_submission: {performance_submission}
  method: {method}
  attainment_cap: "{attainment_cap}"
  recoupments_pooled: {"true" if recoupments_pooled else "false"}
"""


def program(**kwargs: Any) -> Program:
    """The tiny program year; keyword arguments as :func:`program_yaml`."""
    return validate(Program, parse_yaml(program_yaml(**kwargs), "program.yaml"))


# --------------------------------------------------------------------------- submission-<S>.yaml


def submission_yaml(number: int, areas: Mapping[int, int], measures: str) -> str:
    """A submission file: ``areas`` maps area → points_available; ``measures`` is the YAML list
    (each item starting ``  - ``)."""
    area_lines = "\n".join(f"  {a}: {{points_available: {p}}}" for a, p in sorted(areas.items()))
    return f"""\
program_year: 1
submission: {number}
label: Submission {number}
measurement_period: {{start: 2022-01-01, end: 2022-12-31}}
areas:
{area_lines}
measures:
{measures}"""


def submission(number: int, areas: Mapping[int, int], measures: str) -> Submission:
    return validate(Submission, parse_yaml(submission_yaml(number, areas, measures), f"submission-{number}.yaml"))


def m(
    measure_id: str,
    area: int,
    kind: str,
    points: int,
    *,
    level: str = "county",
    mandatory: bool = True,
    extra: str = "",
) -> str:
    """One measure as a YAML list item, e.g. ``m("1.1", 1, "completion", 5, level="plan")``.
    ``extra`` holds more flow-mapping entries such as ``direction: lower``."""
    more = f", {extra}" if extra else ""
    return (
        f'  - {{id: "{measure_id}", priority_area: {area}, domain: {area}A, level: {level}, '
        f"mandatory: {'true' if mandatory else 'false'}, kind: {kind}, points: {points}{more}}}\n"
    )


#: Submission 1 (pays Payment 1, the interim payment). Area 1: 10 points available, from
#: 1.1 (plan-level, mandatory completion, 5) and 1.2 (county, mandatory reporting, 5).
#: Area 3: 10 points available, from 3.1 (county, mandatory completion, 5) and 3.2 (county,
#: optional completion, 5).
SUB1_MEASURES = (
    m("1.1", 1, "completion", 5, level="plan")
    + m("1.2", 1, "reporting", 5)
    + m("3.1", 3, "completion", 5)
    + m("3.2", 3, "completion", 5, mandatory=False)
)

#: Submission 2 (pays Payment 2; the pool's performance submission). Area 1: 10 points
#: available, from 1.1 (county, mandatory target, higher is better, 5) and 1.2 (county, optional
#: target, lower is better, 5). Area 3: 10 points available, from 3.1 (county, mandatory
#: completion, 10).
SUB2_MEASURES = (
    m("1.1", 1, "target", 5, extra="direction: higher")
    + m("1.2", 1, "target", 5, mandatory=False, extra="direction: lower")
    + m("3.1", 3, "completion", 10)
)


def sub1() -> Submission:
    return submission(1, {1: 10, 3: 10}, SUB1_MEASURES)


def sub2() -> Submission:
    return submission(2, {1: 10, 3: 10}, SUB2_MEASURES)


def measure_set(prog: Program | None = None, submissions: Iterable[Submission] | None = None) -> MeasureSet:
    """A MeasureSet from a program and submissions (defaults: the tiny year, SUB1 and SUB2)."""
    prog = prog if prog is not None else program()
    subs = {s.submission: s for s in (submissions if submissions is not None else (sub1(), sub2()))}
    return MeasureSet(
        program=prog,
        submissions=subs,
        program_source=SourceFile("program.yaml", "0" * 64),
        submission_sources={n: SourceFile(f"submission-{n}.yaml", "0" * 64) for n in subs},
    )


def with_pool(ms: MeasureSet, **pool: Any) -> MeasureSet:
    """The same measure set with some ``pool`` parameters changed (``method="attainment"`` …)."""
    new_pool = ms.program.pool.model_copy(update=pool)
    return replace(ms, program=ms.program.model_copy(update={"pool": new_pool}))


def with_funding(ms: MeasureSet, funding: str) -> MeasureSet:
    return replace(ms, program=ms.program.model_copy(update={"funding": D(funding)}))


# --------------------------------------------------------------------------- data folder


def plan(
    mcp: str,
    county: str,
    *,
    member_months: str = "100",
    revenue: str = "100.00",
    wpc: bool = False,
    hhp: bool = False,
    capitation: str | None = None,
) -> PlanRow:
    return PlanRow(
        mcp=mcp,
        county=county,
        member_months=D(member_months),
        revenue=D(revenue),
        wpc=wpc,
        hhp=hhp,
        capitation=D(capitation) if capitation is not None else None,
    )


def election(
    flexible: Mapping[int, str] | None = None,
    *,
    community_supports: Iterable[str] = CS3,
    corrective_action_plan: bool = False,
    recoupment: str = "0",
    exception: Mapping[str, Any] | None = None,
) -> Election:
    doc: dict[str, Any] = {
        "flexible": dict(flexible if flexible is not None else {1: "0.30"}),
        "community_supports": list(community_supports),
        "corrective_action_plan": corrective_action_plan,
        "recoupment": recoupment,
    }
    if exception is not None:
        doc["exception"] = dict(exception)
    return Election.model_validate(doc)


def table(amounts: Mapping[tuple[str, str], str]) -> tuple[TableRow, ...]:
    """DHCS's own allocation: (mcp, county) → the year's maximum for that cell."""
    return tuple(TableRow(mcp, county, D(amount)) for (mcp, county), amount in amounts.items())


def targets(rows: Mapping[tuple[str, str, str], str]) -> tuple[TargetRow, ...]:
    """targets.csv: (mcp, county, measure) → target."""
    return tuple(TargetRow(mcp, county, measure, D(t)) for (mcp, county, measure), t in rows.items())


def value(raw: AnswerValue | str | float) -> AnswerValue:
    """An answer as the workbook reader types it: ``"Yes"``/``"No"`` → bool, ``"12.5"`` → Decimal,
    an int stays an int (a tier count), None is blank."""
    if raw is None or isinstance(raw, bool | int | Decimal):
        return raw
    if raw == "Yes":
        return True
    if raw == "No":
        return False
    return D(str(raw))


def filled(
    mcp: str,
    number: int,
    counties: Iterable[str],
    answers: Mapping[tuple[str, str], AnswerValue | str],
    *,
    workbook_targets: Mapping[tuple[str, str], str] | None = None,
) -> FilledSubmission:
    """A filled workbook: (measure, county) → answer (county ``ALL`` for plan-level measures)."""
    wt = {k: D(v) for k, v in (workbook_targets or {}).items()}
    keys = set(answers) | set(wt)
    built = {k: Answer(k[0], k[1], value(answers.get(k)), target=wt.get(k)) for k in keys}
    return FilledSubmission(
        mcp=mcp,
        program_year=1,
        submission=number,
        counties=tuple(counties),
        answers=built,
        source=f"submissions/{mcp}-{number}.xlsx",
    )


def full_sub1(mcp: str, counties: Iterable[str]) -> FilledSubmission:
    """Submission 1 with every measure earned: 1.1 Yes, 1.2 reported, 3.1 and 3.2 Yes."""
    counties = tuple(counties)
    answers: dict[tuple[str, str], AnswerValue | str] = {("1.1", ALL): "Yes"}
    for c in counties:
        answers.update({("1.2", c): "3", ("3.1", c): "Yes", ("3.2", c): "Yes"})
    return filled(mcp, 1, counties, answers)


def year(
    ms: MeasureSet,
    plans: Iterable[PlanRow],
    elections: Mapping[str, Election],
    *,
    table_rows: tuple[TableRow, ...] | None = None,
    target_rows: tuple[TargetRow, ...] | None = None,
    submissions: Iterable[FilledSubmission] = (),
) -> YearResult:
    """Run the whole year on these inputs."""
    inputs = YearInputs(
        ms=ms,
        plans=tuple(plans),
        elections=dict(elections),
        table=table_rows,
        targets=target_rows,
        filed={(f.mcp, f.submission): f for f in submissions},
    )
    return run_year(inputs)
