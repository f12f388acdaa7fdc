"""Scoring one MCP's submission (RULES.md section 4): points per measure, area and county,
and, given an allocation, dollars and what each unearned measure is worth.

Why points and dollars are separate steps: an MCP's quality team checks a workbook before any
allocation exists ("which mandatory answer is missing?"), so :func:`score_points` needs only the
measure set and the answers; :func:`add_dollars` then prices the fractions against the cells.

Pure: answers arrive typed (see :mod:`ipp_calc.core.responses`); nothing here reads a file.
"""

from __future__ import annotations

import operator
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cache, cached_property
from typing import Any

from ipp_calc.core.allocation import Allocation
from ipp_calc.core.models import Measure, MeasureSet, Submission
from ipp_calc.core.money import ZERO, money_text, round_cents, total
from ipp_calc.core.numbers import decimal_text, exact_number, number, ratio6
from ipp_calc.core.responses import PLAN_LEVEL, AnswerValue, FilledSubmission
from ipp_calc.errors import Finding

#: (measure id, county) → approved target, for one MCP.
Targets = Mapping[tuple[str, str], Decimal]

#: (improvement measure id, county) → the plan's own earlier value (RULES.md section 8), from the
#: data folder. ``None``: the earlier submission is known and the value was not reported (no
#: baseline). A key left out: no earlier workbook is known, so the workbook's Baseline is used.
Baselines = Mapping[tuple[str, str], Decimal | None]


@dataclass(frozen=True, slots=True)
class MeasureScore:
    """One measure in one county (``All`` for a plan-level measure)."""

    measure: str
    county: str
    priority_area: int
    kind: str
    mandatory: bool
    reported: bool
    points_earned: Decimal
    points_possible: Decimal
    reason: str
    value: AnswerValue = None
    target: Decimal | None = None
    target_source: str | None = None  # "targets.csv" or "workbook"
    met: bool | None = None  # target and improvement measures only
    worth: Decimal | None = None
    baseline: Decimal | None = None  # improvement measures only
    baseline_source: str | None = None  # "data folder" or "workbook"
    improvement: Fraction | None = None  # relative (a share) or absolute; None when undefined
    by_improvement: bool = False  # an improvement measure or tiered by improvement (RULES.md section 8)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "measure": self.measure,
            "county": self.county,
            "priority_area": self.priority_area,
            "kind": self.kind,
            "mandatory": self.mandatory,
            "reported": self.reported,
            "points_earned": number(self.points_earned),
            "points_possible": number(self.points_possible),
            "reason": self.reason,
        }
        if self.by_improvement:
            out["baseline"] = number(self.baseline) if self.baseline is not None else None
            out["baseline_source"] = self.baseline_source
            out["improvement"] = ratio6(self.improvement) if self.improvement is not None else None
        if self.met is not None and self.kind == "improvement":
            out["met"] = self.met
        if self.worth is not None:
            out["worth"] = money_text(self.worth)
        # Added fields (FORMATS.md allows adding): what was reported and the target it was held
        # to, so a reader can filter "targets missed by more than 10 %" without parsing reasons.
        out["value"] = answer_json(self.value)
        out["target"] = exact_number(self.target) if self.target is not None else None
        out["target_source"] = self.target_source
        return out


def answer_json(value: AnswerValue) -> bool | int | float | str | None:
    """An answer as JSON: Yes/No as true/false, a tier count as an integer, a number as a number
    (see :func:`exact_number`), nothing reported as null."""
    if isinstance(value, Decimal):
        return exact_number(value)
    return value


_SCORE_FIELDS = tuple(f.name for f in fields(MeasureScore))
_SCORE_FIELD_INDEX = {name: index for index, name in enumerate(_SCORE_FIELDS)}
_SCORE_VALUES = operator.attrgetter(*_SCORE_FIELDS)


def _with(row: MeasureScore, **changes: Any) -> MeasureScore:
    """``dataclasses.replace`` for a measure row, without its per-call introspection: a row is
    replaced two or three times while it is scored and priced, ~7,500 times in a statewide year,
    where ``replace`` was a third of the engine's time (bench/). The row's values are read in
    one call (``operator.attrgetter``). A name that is not a field is still an error."""
    values = list(_SCORE_VALUES(row))
    for name, value in changes.items():
        index = _SCORE_FIELD_INDEX.get(name)
        if index is None:
            raise TypeError(f"MeasureScore has no field {name!r}")
        values[index] = value
    return MeasureScore(*values)


@dataclass(frozen=True, slots=True)
class AreaScore:
    county: str
    priority_area: int
    points_earned: Decimal
    points_available: Decimal
    fraction: Fraction

    def to_json(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "priority_area": self.priority_area,
            "points_earned": number(self.points_earned),
            "points_available": number(self.points_available),
            "fraction": ratio6(self.fraction),
        }


@dataclass(frozen=True, slots=True)
class AreaDollars:
    """A cell's dollars after scoring: ``allocated = earned + unearned + forfeited``."""

    county: str
    priority_area: int
    payment: int
    allocated: Decimal
    earned: Decimal
    unearned: Decimal
    forfeited: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "county": self.county,
            "priority_area": self.priority_area,
            "payment": self.payment,
            "allocated": money_text(self.allocated),
            "earned": money_text(self.earned),
            "unearned": money_text(self.unearned),
            "forfeited": money_text(self.forfeited),
        }


@dataclass(frozen=True, slots=True)
class ScoreNote:
    """Something a person should know that does not stop scoring (a target disagreement)."""

    code: str
    message: str
    measure: str | None = None
    county: str | None = None

    @property
    def warning(self) -> bool:
        """Only a warning, never exit 1: a count in a percent-formatted cell (scored as the cell holds it)."""
        return self.code == "percent-format"

    def finding(self, mcp: str) -> Finding:
        """The catalog's one finding type."""
        severity = "warning" if self.warning else "finding"
        return Finding(self.code, self.message, severity=severity, mcp=mcp, measure=self.measure, county=self.county)


@dataclass(frozen=True)
class ScoreResult:
    """``ipp score``: ``to_json()`` is exactly its ``--format json``."""

    mcp: str
    program_year: int
    submission: int
    counties: tuple[str, ...]
    measures: tuple[MeasureScore, ...]
    areas: tuple[AreaScore, ...]
    mandatory_missing: tuple[tuple[str, str], ...]
    notes: tuple[ScoreNote, ...] = ()
    dollars: tuple[AreaDollars, ...] | None = None
    source: str | None = None
    filed: bool = True  # False when no workbook was filed (scored as nothing reported)

    @cached_property
    def _area_index(self) -> dict[tuple[str, int], AreaScore]:
        return {(a.county, a.priority_area): a for a in self.areas}

    def area(self, county: str, priority_area: int) -> AreaScore | None:
        return self._area_index.get((county, priority_area))

    @property
    def earned(self) -> Decimal:
        return total(d.earned for d in self.dollars or ())

    def totals(self) -> dict[str, Decimal]:
        rows = self.dollars or ()
        return {
            "allocated": total(d.allocated for d in rows),
            "earned": total(d.earned for d in rows),
            "unearned": total(d.unearned for d in rows),
            "forfeited": total(d.forfeited for d in rows),
        }

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mcp": self.mcp,
            "program_year": self.program_year,
            "submission": self.submission,
            "counties": list(self.counties),
            "measures": [m.to_json() for m in self.measures],
            "areas": [a.to_json() for a in self.areas],
            "mandatory_missing": [{"measure": m, "county": c} for m, c in self.mandatory_missing],
            "findings": [n.finding(self.mcp).to_json() for n in self.notes],
        }
        if self.dollars is not None:
            out["dollars"] = [d.to_json() for d in self.dollars]
            out["totals"] = {k: money_text(v) for k, v in self.totals().items()}
        return out


# --------------------------------------------------------------------------- points


@cache  # a few dozen ids, each sorted on thousands of rows of a year
def measure_sort_key(measure_id: str) -> tuple[tuple[int, int | str], ...]:
    """Measure ids compare as numbers part by part, so ``1.10`` follows ``1.9`` (FORMATS.md)."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in measure_id.split("."))


def score_points(
    submission: Submission,
    filled: FilledSubmission,
    *,
    approved_targets: Targets | None = None,
    baselines: Baselines | None = None,
) -> ScoreResult:
    """Points per measure row and per (county, area); mandatory answers that are missing.

    ``approved_targets`` are DHCS's (``targets.csv``); when None (no targets.csv), the workbook's
    ``Target`` column is used, and each row's reason says which.
    ``baselines`` are the plan's earlier values found in the data folder (see :data:`Baselines`);
    they win over the workbook's ``Baseline`` column, and a disagreement is a finding.
    """
    rows: list[MeasureScore] = []
    notes: list[ScoreNote] = []
    counties = tuple(sorted(filled.counties))
    for measure in submission.measures:
        places = (PLAN_LEVEL,) if measure.level == "plan" else counties
        for county in places:
            answer = filled.answer(measure.id, county)
            value = answer.value if answer is not None else None
            target, source = None, None
            if measure.needs_target:
                target, source, note = _target_for(measure, county, approved_targets, answer.target if answer else None)
                if note is not None:
                    notes.append(note)
            if answer is not None and answer.percent_format and isinstance(value, Decimal) and not _is_share(measure):
                notes.append(_percent_note(measure, county, value, answer.cell, filled.source))
            baseline, b_source = None, None
            if measure.needs_baseline:
                baseline, b_source, note = _baseline_for(
                    measure, county, baselines, answer.baseline if answer else None
                )
                if note is not None:
                    notes.append(note)
            rows.append(
                score_measure(measure, county, value, target, source, baseline=baseline, baseline_source=b_source)
            )
    rows.sort(key=lambda r: (_county_key(r.county), r.priority_area, measure_sort_key(r.measure)))
    areas = _area_scores(submission, rows, counties)
    # rows are already in contract order: county, priority area, measure id
    missing = tuple((r.measure, r.county) for r in rows if r.mandatory and not r.reported)
    return ScoreResult(
        mcp=filled.mcp,
        program_year=filled.program_year,
        submission=filled.submission,
        counties=counties,
        measures=tuple(rows),
        areas=areas,
        mandatory_missing=missing,
        notes=tuple(notes),
        source=filled.source,
        filed=filled.filed,
    )


def _county_key(county: str) -> str:
    """Rows sort by county name as the JSON contract says (``All``, the plan-level rows, sorts
    among the names like any other)."""
    return county


def _is_share(measure: Measure) -> bool:
    """A measure whose unit is itself a percentage, where a percent-formatted cell is right."""
    unit = (measure.unit or "").casefold()
    return "%" in unit or "percent" in unit


def _percent_note(measure: Measure, county: str, value: Decimal, cell: str | None, source: str | None) -> ScoreNote:
    """A count in a percent-formatted cell: the sheet shows ``95%`` and holds ``0.95``. Scored as
    held (the reader cannot know what was meant), with a warning that says how to fix it."""
    unit = f"a count of {measure.unit}" if measure.unit else "a count"
    where = f"{source}: Responses!{cell}: " if source and cell else ""
    shown = decimal_text(value * 100)
    return ScoreNote(
        "percent-format",
        f"{where}measure {measure.id} ({county}) is {unit} but its cell is formatted as a percentage: "
        f"it shows {shown}% and holds {decimal_text(value)}, which is what is scored; if {shown} was meant, "
        "format the cell as a number and type it again",
        measure.id,
        county,
    )


def _target_for(
    measure: Measure, county: str, approved: Targets | None, in_workbook: Decimal | None
) -> tuple[Decimal | None, str | None, ScoreNote | None]:
    """The target a row is scored against. With targets.csv (``approved`` not None) only its
    targets count: a workbook's own ``Target`` cell, which the plan can edit, is never a target
    DHCS approved, so one found only there is a finding, not a target (FORMATS.md)."""
    from_csv = approved.get((measure.id, county)) if approved is not None else None
    note = None
    if from_csv is not None and in_workbook is not None and from_csv != in_workbook:
        note = ScoreNote(
            "target-disagreement",
            f"measure {measure.id} ({county}): targets.csv says {_num(from_csv)}, the workbook says "
            f"{_num(in_workbook)}; targets.csv is used",
            measure.id,
            county,
        )
    if from_csv is not None:
        return from_csv, "targets.csv", note
    if approved is not None and in_workbook is not None:
        note = ScoreNote(
            "target-not-approved",
            f"measure {measure.id} ({county}): the workbook's Target {_num(in_workbook)} is not in targets.csv, "
            "so it is not used (scored as having no approved target)",
            measure.id,
            county,
        )
        return None, None, note
    if in_workbook is not None:
        return in_workbook, "workbook", None
    return None, None, None


def _baseline_for(
    measure: Measure, county: str, found: Baselines | None, in_workbook: Decimal | None
) -> tuple[Decimal | None, str | None, ScoreNote | None]:
    """The baseline of one improvement row: the data folder's when it knows the earlier
    submission (RULES.md section 8: it wins), else the workbook's prepopulated ``Baseline``."""
    assert measure.baseline is not None
    ref = measure.baseline
    where = f"submission {ref.submission} measure {ref.measure}"
    if found is not None and (measure.id, county) in found:
        from_data = found[(measure.id, county)]
        note = None
        if in_workbook is not None and from_data != in_workbook:
            said = _num(from_data) if from_data is not None else f"nothing ({where} was not reported)"
            note = ScoreNote(
                "baseline-disagreement",
                f"measure {measure.id} ({county}): the data folder's {where} says {said}, the workbook's "
                f"Baseline says {_num(in_workbook)}; the data folder is used",
                measure.id,
                county,
            )
        return from_data, ("data folder" if from_data is not None else None), note
    if in_workbook is not None:
        return in_workbook, "workbook", None
    return None, None, None


def score_measure(
    measure: Measure,
    county: str,
    value: AnswerValue,
    target: Decimal | None,
    target_source: str | None,
    *,
    baseline: Decimal | None = None,
    baseline_source: str | None = None,
) -> MeasureScore:
    """Points earned by one answer, with a reason a person can read."""
    base = MeasureScore(
        measure=measure.id,
        county=county,
        priority_area=measure.priority_area,
        kind=measure.kind,
        mandatory=measure.mandatory,
        reported=value is not None,
        points_earned=ZERO_POINTS,
        points_possible=measure.points,
        reason="",
        value=value,
        target=target,
        target_source=target_source,
        baseline=baseline,
        baseline_source=baseline_source,
        by_improvement=measure.needs_baseline,
    )
    if measure.kind == "improvement":
        base = _with(base, met=False)
    if isinstance(value, Decimal) and (not value.is_finite() or value < 0):
        value = None  # RULES.md section 4: a numeric answer must be a finite number ≥ 0
        base = _with(base, value=None, reported=False)
    if value is None:
        return _with(base, reason="not reported" + (" (mandatory)" if measure.mandatory else ""))
    from_where = f" (target from {target_source})" if target_source else ""
    if measure.kind == "completion":
        done = value is True
        return _with(
            base, points_earned=measure.points if done else ZERO_POINTS, reason="completed" if done else "answered No"
        )
    if measure.kind == "reporting":
        return _with(base, points_earned=measure.points, reason=f"reported {_num(value)}")
    if measure.kind == "target":
        assert isinstance(value, Decimal)
        if target is None:
            return _with(base, reason=f"no approved target (reported {_num(value)})")
        higher = measure.direction != "lower"
        met = value >= target if higher else value <= target
        better = "higher is better" if higher else "lower is better"
        verdict = "met" if met else "not met"
        return _with(
            base,
            points_earned=measure.points if met else ZERO_POINTS,
            met=met,
            reason=f"target {_num(target)} {verdict}: reported {_num(value)}, {better}{from_where}",
        )
    if measure.needs_baseline:
        assert isinstance(value, Decimal)
        return _improvement(base, measure, value, baseline)
    return _tiered(base, measure, value, target, from_where)


ZERO_POINTS = Decimal(0)


def _tiered(
    base: MeasureScore, measure: Measure, value: AnswerValue, target: Decimal | None, from_where: str
) -> MeasureScore:
    tiers = measure.tiers or []
    if measure.basis == "completion":
        assert isinstance(value, int) and not isinstance(value, bool)
        reached = max(0, min(value, len(tiers)))
        what = f"highest tier completed: {reached} of {len(tiers)}"
    else:
        assert isinstance(value, Decimal)
        if measure.basis == "target_ratio" and target is None:
            return _with(base, reason=f"no approved target (reported {_num(value)})")
        reached = 0
        for tier in tiers:
            threshold = tier.at_least if tier.at_least is not None else Decimal(0)
            # Compare value ≥ at_least × target rather than dividing: exact, and a target of 0 is fine.
            limit = threshold * target if measure.basis == "target_ratio" and target is not None else threshold
            if value >= limit:
                reached += 1
            else:
                break
        if measure.basis == "target_ratio":
            what = (
                f"reported {_num(value)} against target {_num(target)}{from_where}: "
                f"{reached} of {len(tiers)} tiers reached"
            )
        else:
            what = f"reported {_num(value)}: {reached} of {len(tiers)} tiers reached"
    points = sum((t.points for t in tiers[:reached]), Decimal(0))
    return _with(base, points_earned=points, reason=what)


# --------------------------------------------------------------------------- improvement over time


@dataclass(frozen=True, slots=True)
class Improvement:
    """How an answer compares with its baseline (RULES.md section 8).

    ``amount`` is the improvement ((v − b) / b or (b − v) / b when relative, v − b or b − v when
    absolute), exact; None when relative with a baseline of 0, where only ``met_at_zero`` says
    anything: a higher-is-better measure improves when v > 0, a lower-is-better one only stays at 0.
    """

    amount: Fraction | None
    met_at_zero: bool = False

    def reaches(self, at_least: Decimal) -> bool:
        if self.amount is None:
            return self.met_at_zero
        return self.amount >= Fraction(at_least)


def improvement_of(measure: Measure, value: Decimal, baseline: Decimal) -> Improvement:
    """The improvement of ``value`` over ``baseline``, by the measure's change and direction."""
    higher = measure.direction != "lower"
    gain = Fraction(value) - Fraction(baseline) if higher else Fraction(baseline) - Fraction(value)
    if not measure.relative:
        return Improvement(gain)
    if baseline == 0:
        return Improvement(None, met_at_zero=value > 0 if higher else value == 0)
    return Improvement(gain / Fraction(baseline))


def _improvement(base: MeasureScore, measure: Measure, value: Decimal, baseline: Decimal | None) -> MeasureScore:
    """An ``improvement`` measure, all or nothing, or ``tiered`` with basis ``improvement``."""
    better = "lower is better" if measure.direction == "lower" else "higher is better"
    if baseline is None:
        return _with(base, reason=f"no baseline (reported {_num(value)})")
    change = improvement_of(measure, value, baseline)
    base = _with(base, improvement=change.amount)
    source = f"; baseline from the {base.baseline_source}" if base.baseline_source else ""
    tail = f" (reported {_num(value)}, {better}{source})"
    if measure.kind == "improvement":
        needed = measure.at_least if measure.at_least is not None else Decimal(0)
        met = change.reaches(needed)
        verdict = "met" if met else "not met"
        what = f"{_change_text(measure, change, baseline)}, needed {_needed_text(measure, needed)}"
        return _with(
            base, met=met, points_earned=measure.points if met else ZERO_POINTS, reason=f"{verdict}: {what}{tail}"
        )
    tiers = measure.tiers or []
    reached = 0
    for tier in tiers:
        if change.reaches(tier.at_least if tier.at_least is not None else Decimal(0)):
            reached += 1
        else:
            break
    points = sum((t.points for t in tiers[:reached]), Decimal(0))
    return _with(
        base,
        points_earned=points,
        reason=f"{_change_text(measure, change, baseline)}: {reached} of {len(tiers)} tiers reached{tail}",
    )


def _change_text(measure: Measure, change: Improvement, baseline: Decimal) -> str:
    """ "improved 12 % on a baseline of 250", "worsened 3 on a baseline of 40", "baseline 0: …"."""
    b = _num(baseline)
    if change.amount is None:
        if measure.direction == "lower":
            stays = "stayed at 0" if change.met_at_zero else "rose from 0"
            return f"{stays} on a baseline of 0 (lower is better: it can only stay at 0)"
        grew = "rose above 0" if change.met_at_zero else "did not rise above 0"
        return f"{grew} on a baseline of 0 (higher is better: any value above 0 improves on it)"
    size = abs(change.amount)
    shown = f"{_percent(size)} %" if measure.relative else _plain(_floor(size))
    verb = "worsened" if change.amount < 0 else "improved"
    return f"{verb} {shown} on a baseline of {b}"


def _needed_text(measure: Measure, needed: Decimal) -> str:
    return f"{_percent(Fraction(needed))} %" if measure.relative else _plain(needed)


def _floor(amount: Fraction) -> Decimal:
    """A non-negative amount to 2 decimals, rounded down, so a shown value never overstates it."""
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def _percent(share: Fraction) -> str:
    """A non-negative share as a percent with at most 2 decimals, rounded down: ``12``, ``33.33``."""
    return _plain(_floor(share * 100))


def _plain(value: Decimal) -> str:
    """Digits only, no exponent and no trailing zeros: ``30``, ``2.5``."""
    return f"{value.normalize():f}"


def _num(value: Any) -> str:
    return decimal_text(value) if isinstance(value, Decimal) else str(value)


def _area_scores(submission: Submission, rows: list[MeasureScore], counties: tuple[str, ...]) -> tuple[AreaScore, ...]:
    """Per (county, area): plan-level points count in every county; fraction capped at 1."""
    plan_points: dict[int, Decimal] = {}
    county_points: dict[tuple[str, int], Decimal] = {}
    for r in rows:
        if r.county == PLAN_LEVEL:
            plan_points[r.priority_area] = plan_points.get(r.priority_area, ZERO_POINTS) + r.points_earned
        else:
            key = (r.county, r.priority_area)
            county_points[key] = county_points.get(key, ZERO_POINTS) + r.points_earned
    out: list[AreaScore] = []
    for county in counties:
        for area_id, entry in sorted(submission.areas.items()):
            earned = plan_points.get(area_id, ZERO_POINTS) + county_points.get((county, area_id), ZERO_POINTS)
            available = entry.points_available
            fraction = min(Fraction(1), Fraction(earned) / Fraction(available)) if available > 0 else Fraction(0)
            out.append(AreaScore(county, area_id, earned, available, fraction))
    return tuple(out)


# --------------------------------------------------------------------------- dollars


def add_dollars(result: ScoreResult, allocation: Allocation, payments: list[int]) -> ScoreResult:
    """Price the fractions: earned = cell × fraction (half-even to the cent), and each unearned
    measure's ``worth``: the dollars earning it in full would add, all else held equal."""
    dollars: list[AreaDollars] = []
    amounts: dict[tuple[str, int], list[tuple[Decimal, bool]]] = {}
    for county in result.counties:
        for payment in payments:
            for area_id in sorted({a.priority_area for a in result.areas}):
                cell = allocation.cell(result.mcp, county, payment, area_id)
                amount = cell.amount if cell is not None else ZERO
                forfeited = cell is not None and cell.forfeited
                amounts.setdefault((county, area_id), []).append((amount, forfeited))
                score = result.area(county, area_id)
                fraction = score.fraction if score is not None else Fraction(0)
                if forfeited:
                    dollars.append(AreaDollars(county, area_id, payment, amount, ZERO, ZERO, amount))
                else:
                    earned = round_cents(Fraction(amount) * fraction)
                    dollars.append(AreaDollars(county, area_id, payment, amount, earned, amount - earned, ZERO))
    dollars.sort(key=lambda d: (d.county, d.priority_area, d.payment))
    measures = tuple(_with(m, worth=_worth(result, m, amounts)) for m in result.measures)
    return replace(result, measures=measures, dollars=tuple(dollars))


def _worth(
    result: ScoreResult, row: MeasureScore, amounts: dict[tuple[str, int], list[tuple[Decimal, bool]]]
) -> Decimal:
    missing = row.points_possible - row.points_earned
    if missing <= 0:
        return ZERO
    counties = result.counties if row.county == PLAN_LEVEL else (row.county,)
    gain = ZERO
    for county in counties:
        score = result.area(county, row.priority_area)
        if score is None or score.points_available <= 0:
            continue
        before = score.fraction
        after = min(Fraction(1), Fraction(score.points_earned + missing) / Fraction(score.points_available))
        for amount, forfeited in amounts.get((county, row.priority_area), []):
            if not forfeited:
                gain += round_cents(Fraction(amount) * after) - round_cents(Fraction(amount) * before)
    return gain


# --------------------------------------------------------------------------- baselines from earlier workbooks

#: (program year, submission) → the plan's filled workbook of that submission, as known.
Earlier = Mapping[tuple[int, int], FilledSubmission]


def baselines_from(
    submission: Submission, counties: tuple[str, ...], earlier: Earlier, *, known: Collection[tuple[int, int]]
) -> dict[tuple[str, str], Decimal | None]:
    """Each improvement row's baseline from the plan's earlier workbooks (RULES.md section 8).

    ``known`` are the (program year, submission) whose data folder was read: for those, a missing
    workbook or an unreported value is "no baseline" (None); a reference to any other is left
    out, so the workbook's own Baseline column is used. ``counties`` are the plan's now: a county
    it did not serve before has no baseline.
    """
    out: dict[tuple[str, str], Decimal | None] = {}
    for measure in submission.measures:
        if not measure.needs_baseline or measure.baseline is None:
            continue
        key = (measure.baseline_year(submission.program_year), measure.baseline.submission)
        if key not in known:
            continue
        before = earlier.get(key)
        for county in (PLAN_LEVEL,) if measure.level == "plan" else counties:
            out[(measure.id, county)] = _earlier_value(before, measure.baseline.measure, county)
    return out


def _earlier_value(before: FilledSubmission | None, measure_id: str, county: str) -> Decimal | None:
    answer = before.answer(measure_id, county) if before is not None else None
    value = answer.value if answer is not None else None
    if isinstance(value, Decimal) and value.is_finite() and value >= 0:
        return value
    return None


def score_submission(
    ms: MeasureSet,
    filled: FilledSubmission,
    *,
    targets: Targets | None,
    allocation: Allocation | None,
    baselines: Baselines | None = None,
) -> ScoreResult:
    """Points for one workbook, and dollars when an allocation is given (``ipp score``; here, not
    in ``core.year``, so that scoring one workbook does not import the whole year's engine)."""
    submission = ms.submissions[filled.submission]
    result = score_points(submission, filled, approved_targets=targets, baselines=baselines)
    if allocation is None:
        return result
    payments = [p.id for p in ms.program.payments_of(filled.submission)]
    return add_dollars(result, allocation, payments)
