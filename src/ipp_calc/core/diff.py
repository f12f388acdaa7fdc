"""What a measure-set edit does: structural changes, which of them break filed submissions, and
the dollars each plan gains or loses (``ipp diff``).

Why a diff of its own rather than a text diff: policy editors change measure sets in git, and the
reviewer's questions are not "which lines moved" but "which measures changed, does any workbook
already filed stop fitting, and whose dollars move, by how much". So this module compares two
loaded measure sets rule by rule (measures by id, areas by id, factors by name), says of each
change whether it *breaks* submissions already filed and why, and compares two runs of the same
year (same data, same workbooks, OLD and NEW rules) plan by plan, to the cent.

A change is **breaking** when answers already filed stop fitting or an MCP that filed in good
faith is suddenly short: a measure removed or re-identified (its answers no longer match), a new
mandatory measure or an optional one made mandatory (filed workbooks miss it: no pool), a level
change (one plan-level answer versus one per county), a kind change that changes what the
answer is (Yes/No, a tier count, a number), a submission or program year removed, a priority
area removed or a Community Support dropped from the catalog (elections naming them fail).

With ``--attribute`` the dollar impact is split by change: each change, applied alone onto OLD
(in memory), is run on the same inputs, and what the changes' own impacts leave is the
interaction, so the rows add up to the total per plan, to the cent (see the last section).

Pure: measure sets, filed answers and year results come in; changes and comparisons come out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ipp_calc.core.checks import check_measure_set
from ipp_calc.core.models import (
    Election,
    Measure,
    MeasureSet,
    Period,
    PlanRow,
    Program,
    Reference,
    Submission,
    TableRow,
    TargetRow,
    Tier,
)
from ipp_calc.core.money import ZERO, money_text, total
from ipp_calc.core.numbers import number
from ipp_calc.core.responses import PLAN_LEVEL, Answer, FilledSubmission
from ipp_calc.core.scoring import measure_sort_key
from ipp_calc.core.year import Reconciliation, YearInputs, YearResult, run_year
from ipp_calc.errors import InputError

#: A change's old or new value as JSON has it: text, a number (points), a flag, or nothing.
Value = str | int | float | bool | None


# --------------------------------------------------------------------------- changes


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between OLD and NEW: where (file, measure, field), what, and whether it
    breaks submissions already filed (``why`` says how, or what the change means)."""

    file: str
    measure: str | None
    field: str
    old: Value
    new: Value
    breaking: bool
    why: str
    #: With --data: the plans a breaking change hurts, each with how (``loses 20 points on 1.2``,
    #: ``loses pool eligibility``); empty without data or when no plan is hurt.
    affects: tuple[tuple[str, str], ...] = ()

    def sort_key(self) -> tuple[Any, ...]:
        """File (numbers in names compared as numbers), measure id part by part, field."""
        measure = (0, ()) if self.measure is None else (1, measure_sort_key(self.measure))
        return (_natural(self.file), measure, self.field)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "measure": self.measure,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "breaking": self.breaking,
            "why": self.why,
            "affects": [{"mcp": mcp, "how": how} for mcp, how in self.affects],
        }


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """``py2/submission-10.yaml`` after ``py2/submission-9.yaml``, ``py10/`` after ``py9/``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text) if part)


def sort_changes(changes: Iterable[Change]) -> tuple[Change, ...]:
    return tuple(sorted(changes, key=Change.sort_key))


#: (submission, measure id) → how many filed workbooks answered it (any county); the key
#: (submission, "") holds how many workbooks were filed for the submission.
Answered = Mapping[tuple[int, str], int]


def diff_years(
    old: Mapping[int, MeasureSet],
    new: Mapping[int, MeasureSet],
    *,
    answered: Mapping[int, Answered] | None = None,
) -> tuple[Change, ...]:
    """Every change between two collections of program years (year → measure set)."""
    changes: list[Change] = []
    for year in sorted(set(old) | set(new)):
        before, after = old.get(year), new.get(year)
        folder = f"py{year}/"
        if before is None and after is not None:
            changes.append(Change(folder, None, "year", None, _year_summary(after), False, "a new program year folder"))
        elif after is None and before is not None:
            changes.append(
                Change(
                    folder,
                    None,
                    "year",
                    _year_summary(before),
                    None,
                    True,
                    f"program year {year} removed: workbooks and data filed for it have no measure set",
                )
            )
        elif before is not None and after is not None:
            changes.extend(diff_measure_sets(before, after, answered=(answered or {}).get(year)))
    return sort_changes(changes)


def diff_measure_sets(old: MeasureSet, new: MeasureSet, *, answered: Answered | None = None) -> tuple[Change, ...]:
    """Every change between two program years' measure sets; files named ``py<N>/<file>``."""
    folder = f"py{new.year}/"
    changes = _program_changes(old.program, new.program, folder + "program.yaml")
    for number_ in sorted(set(old.submissions) | set(new.submissions)):
        file = f"{folder}submission-{number_}.yaml"
        before, after = old.submissions.get(number_), new.submissions.get(number_)
        if before is None and after is not None:
            mandatory = [m.id for m in _by_id(after.measures) if m.mandatory]
            why = (
                f"a new submission with mandatory measures ({', '.join(mandatory)}): MCPs have filed nothing for it"
                if mandatory
                else "a new submission"
            )
            changes.append(Change(file, None, "submission", None, _submission_summary(after), bool(mandatory), why))
        elif after is None and before is not None:
            changes.append(
                Change(
                    file,
                    None,
                    "submission",
                    _submission_summary(before),
                    None,
                    True,
                    f"submission {number_} removed: workbooks filed for it no longer count",
                )
            )
        elif before is not None and after is not None:
            changes.extend(_submission_changes(before, after, file, answered))
    return sort_changes(changes)


# --------------------------------------------------------------------------- value rendering


def _text(value: Any) -> Value:
    """A model value as a change shows it: text for money, shares, dates and lists."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Period):
        return f"{value.start.isoformat()} to {value.end.isoformat()}"
    if isinstance(value, (list, tuple)):
        if not value:
            return None
        if all(isinstance(v, Reference) for v in value):
            return "; ".join(_reference(v) for v in value)
        return ", ".join(str(_text(v)) for v in value)
    return str(value)


def _reference(ref: Reference) -> str:
    parts = [ref.title]
    if ref.note:
        parts.append(f"({ref.note})")
    if ref.href:
        parts.append(f"<{ref.href}>")
    return " ".join(parts)


def _points(value: Decimal) -> int | float:
    return number(value)


def _tiers(tiers: Sequence[Tier] | None) -> Value:
    """``4 at ≥0.5 / 6 at ≥1.0`` (thresholds), or ``5 / 5`` (completion tiers)."""
    if not tiers:
        return None
    parts = []
    for tier in tiers:
        text = f"{number(tier.points)}"
        if tier.at_least is not None:
            text += f" at ≥{tier.at_least}"
        if tier.description:
            text += f" ({tier.description})"
        parts.append(text)
    return " / ".join(parts)


def _measure_summary(m: Measure) -> str:
    kind = f"{m.kind} ({m.basis})" if m.kind == "tiered" and m.basis else m.kind
    return (
        f"{'mandatory' if m.mandatory else 'optional'} {kind}, {number(m.points)} points, "
        f"area {m.priority_area}, {m.level} level: {m.title}"
    )


def _submission_summary(sub: Submission) -> str:
    count = len(sub.measures)
    return f"submission {sub.submission}, {sub.label} ({count} measure{'s' if count != 1 else ''})"


def _year_summary(ms: MeasureSet) -> str:
    count = len(ms.submissions)
    return f"PY{ms.year}: {ms.program.label} ({count} submission{'s' if count != 1 else ''})"


def _by_id(measures: Iterable[Measure]) -> list[Measure]:
    return sorted(measures, key=lambda m: measure_sort_key(m.id))


# --------------------------------------------------------------------------- program.yaml


def _program_changes(old: Program, new: Program, file: str) -> list[Change]:
    out: list[Change] = []

    def add(field: str, before: Any, after: Any, why: str, breaking: bool = False) -> None:
        a, b = _text(before), _text(after)
        if a != b:
            out.append(Change(file, None, field, a, b, breaking, why))

    add("program_year", old.program_year, new.program_year, "the program year the file describes")
    add("label", old.label, new.label, "shown on every report")
    add("status", old.status, new.status, "official or illustrative: shown on every report")
    add("period", old.period, new.period, "dates of service of the program year")
    if old.funding != new.funding:
        out.append(
            Change(
                file,
                None,
                "funding",
                money_text(old.funding),
                money_text(new.funding),
                False,
                "every payment, cell and area is split from the funding",
            )
        )
    add("reference", old.reference, new.reference, "where the rules come from")
    add(
        "flexible_share",
        old.flexible_share,
        new.flexible_share,
        f"every MCP's election must add up to the flexible share: elections made for {old.flexible_share} no "
        "longer fit",
        breaking=True,
    )
    add(
        "community_supports_area",
        old.community_supports_area,
        new.community_supports_area,
        "the area forfeited by an MCP that offers no Community Supports",
    )
    out += _catalog_changes(old.community_supports_catalog, new.community_supports_catalog, file)
    out += _keyed(
        file,
        "payments",
        {p.id: p for p in old.payments},
        {p.id: p for p in new.payments},
        summary=lambda p: f"submission {p.submission}, share {p.share}" + (", interim" if p.interim else ""),
        fields=(
            ("submission", lambda p: p.submission, "the submission whose scores pay this payment", False),
            ("share", lambda p: p.share, "the payment's share of the funding", False),
            ("interim", lambda p: p.interim, "an interim payment may be recouped", False),
            ("label", lambda p: p.label, "shown on reports", False),
            ("reference", lambda p: p.reference, "where the rule comes from", False),
        ),
        removed_breaking=False,
        added_why="a new payment",
        removed_why="a payment removed",
    )
    out += _keyed(
        file,
        "priority_areas",
        {a.id: a for a in old.priority_areas},
        {a.id: a for a in new.priority_areas},
        summary=lambda a: f"{a.name}, minimum {a.minimum_share}, domains {', '.join(a.domains)}",
        fields=(
            ("name", lambda a: a.name, "shown on reports", False),
            (
                "minimum_share",
                lambda a: a.minimum_share,
                "every MCP's minimum share of the area: the shares its election and any exception were made on "
                "move, so every plan's area dollars move",
                True,
            ),
            ("domains", lambda a: a.domains, "the domains whose measures count toward the area", False),
            ("reference", lambda a: a.reference, "where the rule comes from", False),
        ),
        removed_breaking=True,
        added_why="a new priority area: every paying submission needs points_available for it",
        removed_why="priority area removed: elections and exceptions that name it no longer fit",
    )
    out += _keyed(
        file,
        "allocation.factors",
        {f.name: f for f in old.allocation.factors},
        {f.name: f for f in new.allocation.factors},
        summary=lambda f: f"weight {f.weight}",
        fields=(
            ("weight", lambda f: f.weight, "the factor's weight in every plan's maximum allocation", False),
            ("reference", lambda f: f.reference, "where the rule comes from", False),
        ),
        removed_breaking=False,
        added_why="a new allocation factor",
        removed_why="an allocation factor removed",
    )
    add("allocation.reference", old.allocation.reference, new.allocation.reference, "where the rule comes from")
    for name, why in (
        ("min_community_supports", "pool eligibility: Community Supports an MCP must offer"),
        ("performance_submission", "the submission whose targets measure pool performance"),
        ("method", "how pool performance is measured"),
        ("attainment_cap", "the cap on attainment per target"),
        ("recoupments_pooled", "whether recouped dollars go to the pool or are retained"),
        ("reference", "where the rule comes from"),
    ):
        add(f"pool.{name}", getattr(old.pool, name), getattr(new.pool, name), why)
    return out


def _catalog_changes(old: Sequence[str] | None, new: Sequence[str] | None, file: str) -> list[Change]:
    field = "community_supports_catalog"
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        return [
            Change(
                file,
                None,
                field,
                None,
                f"{len(new)} names",
                True,
                "elections are now checked against a catalog: a name not in it is an error",
            )
        ]
    if new is None:
        return [Change(file, None, field, f"{len(old)} names", None, False, "elections are no longer checked")]
    before = {n.strip().casefold(): n for n in old}
    after = {n.strip().casefold(): n for n in new}
    out = [
        Change(file, None, field, before[k], None, True, "Community Support removed: elections that name it fail")
        for k in sorted(set(before) - set(after))
    ]
    out += [
        Change(file, None, field, None, after[k], False, "Community Support added to the catalog")
        for k in sorted(set(after) - set(before))
    ]
    return out


Field = tuple[str, Callable[[Any], Any], str, bool]


def _keyed(
    file: str,
    name: str,
    old: Mapping[Any, Any],
    new: Mapping[Any, Any],
    *,
    summary: Callable[[Any], str],
    fields: Sequence[Field],
    removed_breaking: bool,
    added_why: str,
    removed_why: str,
) -> list[Change]:
    """Items matched by key (payments by id, areas by id, factors by name)."""
    out: list[Change] = []
    for key in sorted(set(old) | set(new), key=str):
        where = f"{name}[{key}]"
        before, after = old.get(key), new.get(key)
        if before is None:
            out.append(Change(file, None, where, None, summary(after), False, added_why))
        elif after is None:
            out.append(Change(file, None, where, summary(before), None, removed_breaking, removed_why))
        else:
            for field, get, why, breaking in fields:
                a, b = _text(get(before)), _text(get(after))
                if a != b:
                    out.append(Change(file, None, f"{where}.{field}", a, b, breaking, why))
    return out


# --------------------------------------------------------------------------- submission-<S>.yaml


def answer_type(m: Measure) -> str:
    """What an MCP types for the measure: ``Yes/No``, ``a tier count`` or ``a number``."""
    return {"yes_no": "Yes/No", "tier_count": "a tier count", "number": "a number"}[m.answered_with]


def _answered_text(answered: Answered | None, submission: int, measure: str) -> str:
    if answered is None:
        return ""
    count, filed = answered.get((submission, measure), 0), answered.get((submission, ""), 0)
    return f" ({count} of {filed} filed workbook{'s' if filed != 1 else ''} answered it)"


def _submission_changes(old: Submission, new: Submission, file: str, answered: Answered | None) -> list[Change]:
    out: list[Change] = []

    def add(field: str, before: Any, after: Any, why: str) -> None:
        a, b = _text(before), _text(after)
        if a != b:
            out.append(Change(file, None, field, a, b, False, why))

    add("label", old.label, new.label, "shown on templates and reports")
    add("status", old.status, new.status, "official or illustrative")
    add("measurement_period", old.measurement_period, new.measurement_period, "the period the answers cover")
    add("due", old.due, new.due, "the submission's due date")
    add("reference", old.reference, new.reference, "where the rules come from")
    for area in sorted(set(old.areas) | set(new.areas)):
        where = f"areas[{area}]"
        before, after = old.areas.get(area), new.areas.get(area)
        if before is None:
            assert after is not None
            out.append(
                Change(
                    file,
                    None,
                    where,
                    None,
                    f"points_available {number(after.points_available)}",
                    False,
                    "an area scored in this submission",
                )
            )
        elif after is None:
            out.append(
                Change(
                    file,
                    None,
                    where,
                    f"points_available {number(before.points_available)}",
                    None,
                    False,
                    "an area no longer scored in this submission",
                )
            )
        else:
            if before.points_available != after.points_available:
                out.append(
                    Change(
                        file,
                        None,
                        f"{where}.points_available",
                        _points(before.points_available),
                        _points(after.points_available),
                        False,
                        "the points that earn the whole area: every fraction in the area changes",
                    )
                )
            add(f"{where}.reference", before.reference, after.reference, "where the rule comes from")
    out += _measure_changes(old, new, file, answered)
    return out


def _comparable(m: Measure) -> dict[str, Any]:
    return m.model_dump(exclude={"id"})


def renamed_measures(old: Submission, new: Submission) -> dict[str, str]:
    """Measures re-identified: removed id → added id. A removed and an added measure alike in all
    but id (or, failing that, by name) are one measure re-identified."""
    before = {m.id: m for m in old.measures}
    after = {m.id: m for m in new.measures}
    removed = _by_id(m for i, m in before.items() if i not in after)
    added = _by_id(m for i, m in after.items() if i not in before)
    renamed_to: dict[str, str] = {}
    renamed_from: dict[str, str] = {}
    for match in (lambda a, b: _comparable(a) == _comparable(b), lambda a, b: bool(a.name) and a.name == b.name):
        for m in removed:
            if m.id in renamed_to:
                continue
            partner = next((a for a in added if a.id not in renamed_from and match(m, a)), None)
            if partner is not None:
                renamed_to[m.id] = partner.id
                renamed_from[partner.id] = m.id
    return renamed_to


def _measure_changes(old: Submission, new: Submission, file: str, answered: Answered | None) -> list[Change]:
    out: list[Change] = []
    before = {m.id: m for m in old.measures}
    after = {m.id: m for m in new.measures}
    removed = _by_id(m for i, m in before.items() if i not in after)
    added = _by_id(m for i, m in after.items() if i not in before)
    renamed_to = renamed_measures(old, new)
    renamed_from = {b: a for a, b in renamed_to.items()}
    number_ = new.submission
    for m in removed:
        filed = _answered_text(answered, number_, m.id)
        if m.id in renamed_to:
            why = f"re-identified as {renamed_to[m.id]}: answers filed under {m.id} no longer match{filed}"
        else:
            why = f"measure removed: answers filed for it no longer count{filed}"
        out.append(Change(file, m.id, "measure", _measure_summary(m), None, True, why))
    for m in added:
        if m.id in renamed_from:
            out.append(
                Change(
                    file,
                    m.id,
                    "measure",
                    None,
                    _measure_summary(m),
                    True,
                    f"re-identified from {renamed_from[m.id]}: no filed workbook answers {m.id}",
                )
            )
        elif m.mandatory:
            out.append(
                Change(
                    file,
                    m.id,
                    "measure",
                    None,
                    _measure_summary(m),
                    True,
                    "new mandatory measure: filed workbooks have no answer, so those MCPs miss a mandatory "
                    "measure (0 points, no pool)",
                )
            )
        else:
            out.append(
                Change(
                    file,
                    m.id,
                    "measure",
                    None,
                    _measure_summary(m),
                    False,
                    "new optional measure: filed workbooks simply have no answer",
                )
            )
    for measure_id in sorted(set(before) & set(after), key=measure_sort_key):
        out += _one_measure(before[measure_id], after[measure_id], file, _answered_text(answered, number_, measure_id))
    return out


def _one_measure(a: Measure, b: Measure, file: str, filed: str) -> list[Change]:
    out: list[Change] = []

    def add(field: str, old: Value, new: Value, why: str, breaking: bool = False) -> None:
        if old != new:
            out.append(Change(file, a.id, field, old, new, breaking, why))

    add("name", _text(a.name), _text(b.name), "renamed: filed answers still match by id")
    add("description", _text(a.description), _text(b.description), "shown on templates")
    add("unit", _text(a.unit), _text(b.unit), "shown on templates")
    add("reference", _text(a.reference), _text(b.reference), "where the rule comes from")
    add("domain", a.domain, b.domain, "the domain the measure belongs to")
    add(
        "priority_area",
        a.priority_area,
        b.priority_area,
        f"its points now count toward area {b.priority_area}, not area {a.priority_area}",
    )
    add(
        "level",
        a.level,
        b.level,
        f"answered once per {'plan' if a.level == 'plan' else 'county'} before, once per "
        f"{'plan' if b.level == 'plan' else 'county'} now: filed answers no longer fit{filed}",
        True,
    )
    if not a.mandatory and b.mandatory:
        add(
            "mandatory",
            False,
            True,
            f"now mandatory: workbooks that left it blank miss a mandatory measure (no pool){filed}",
            True,
        )
    elif a.mandatory and not b.mandatory:
        add("mandatory", True, False, "now optional: leaving it blank no longer costs pool eligibility")
    type_changed = answer_type(a) != answer_type(b)
    retyped = f"filed answers are {answer_type(a)}, the measure now takes {answer_type(b)}{filed}"
    add(
        "kind",
        a.kind,
        b.kind,
        retyped if type_changed else f"filed answers ({answer_type(b)}) still fit; scored as {b.kind} now",
        type_changed,
    )
    add(
        "basis",
        _text(a.basis),
        _text(b.basis),
        retyped if type_changed and a.kind == b.kind else "how tiers are reached",
        type_changed and a.kind == b.kind,
    )
    add(
        "direction",
        _text(a.direction),
        _text(b.direction),
        "no longer a target measure"
        if b.direction is None
        else f"a target is now met when the value is {'at most' if b.direction == 'lower' else 'at least'} the target",
    )
    add("points", _points(a.points), _points(b.points), "what the measure earns: dollars in its area move")
    add("tiers", _tiers(a.tiers), _tiers(b.tiers), "what each tier earns or needs")
    return out


# --------------------------------------------------------------------------- filed answers under NEW


@dataclass(frozen=True, slots=True)
class Dropped:
    """A filed answer that does not fit the NEW measure set, and why."""

    mcp: str
    submission: int
    measure: str
    county: str
    reason: str


def _fits(measure: Measure, answer: Answer) -> str | None:
    """Why ``answer`` cannot be scored under ``measure``, or None when it can."""
    if (answer.county == PLAN_LEVEL) != (measure.level == "plan"):
        return f"level is now {measure.level}"
    value = answer.value
    if value is None:
        return None
    wanted = answer_type(measure)
    if wanted == "Yes/No":
        ok = isinstance(value, bool)
    elif wanted == "a tier count":
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, Decimal)
    return None if ok else f"the measure now takes {wanted}"


def refit_filed(
    filed: Mapping[tuple[str, int], FilledSubmission], new: MeasureSet
) -> tuple[dict[tuple[str, int], FilledSubmission], tuple[Dropped, ...]]:
    """The workbooks read under OLD, as NEW can score them: answers to measures NEW lacks, or
    whose level or kind no longer fits, are left out (scored as not reported) and listed."""
    out: dict[tuple[str, int], FilledSubmission] = {}
    dropped: list[Dropped] = []
    for key, sub in filed.items():
        rules = new.submission(sub.submission)
        if rules is None:
            continue  # NEW has no such submission: the year never looks at it
        kept: dict[tuple[str, str], Answer] = {}
        for answer_key, answer in sub.answers.items():
            measure = rules.measure(answer.measure)
            reason = "no such measure" if measure is None else _fits(measure, answer)
            if reason is None:
                kept[answer_key] = answer
            elif answer.value is not None:
                dropped.append(Dropped(sub.mcp, sub.submission, answer.measure, answer.county, reason))
        out[key] = replace(sub, answers=kept)
    dropped.sort(key=lambda d: (d.mcp, d.submission, measure_sort_key(d.measure), d.county))
    return out, tuple(dropped)


def answered_counts(filed: Iterable[FilledSubmission]) -> dict[tuple[int, str], int]:
    """(submission, measure id) → how many workbooks gave it a non-blank answer; (submission, "")
    → how many workbooks were filed for the submission."""
    counts: Counter[tuple[int, str]] = Counter()
    for sub in filed:
        counts[(sub.submission, "")] += 1
        for measure in {a.measure for a in sub.answers.values() if a.value is not None}:
            counts[(sub.submission, measure)] += 1
    return dict(counts)


# --------------------------------------------------------------------------- who a breaking change hurts

_SUBMISSION_FILE = re.compile(r"submission-(\d+)\.yaml$")


def _points_on(result: YearResult | None, mcp: str, submission: int, measure: str) -> Decimal:
    if result is None:
        return ZERO
    return total(
        r.points_earned
        for s in result.scores
        if s.mcp == mcp and s.submission == submission
        for r in s.measures
        if r.measure == measure
    )


def _eligible(result: YearResult | None, mcp: str) -> bool:
    plan = result.pool.plan(mcp) if result is not None else None
    return plan is not None and plan.eligible


def _missing_under(result: YearResult | None, mcp: str, submission: int, measure: str) -> bool:
    if result is None:
        return False
    return any(
        m == measure
        for s in result.scores
        if s.mcp == mcp and s.submission == submission
        for m, _ in s.mandatory_missing
    )


def _measure_effects(
    change: Change,
    old: YearResult | None,
    new: YearResult | None,
    dropped: Sequence[Dropped],
) -> tuple[tuple[str, str], ...]:
    """Per plan: the points it loses on the measure, an answer that no longer fits, and the pool
    eligibility it loses because the measure is now a missing mandatory answer."""
    found = _SUBMISSION_FILE.search(change.file)
    if found is None or change.measure is None:
        return ()
    submission, measure = int(found.group(1)), change.measure
    mcps = sorted({p.mcp for r in (old, new) if r is not None for p in r.allocation.plans})
    out: list[tuple[str, str]] = []
    for mcp in mcps:
        how: list[str] = []
        lost = _points_on(old, mcp, submission, measure) - _points_on(new, mcp, submission, measure)
        if lost > 0:
            how.append(f"loses {number(lost)} point{'s' if lost != 1 else ''} on {measure}")
        misfits = [d for d in dropped if d.mcp == mcp and d.submission == submission and d.measure == measure]
        if misfits and not lost:
            how.append(f"its answer to {measure} no longer fits ({misfits[0].reason})")
        if _eligible(old, mcp) and not _eligible(new, mcp) and _missing_under(new, mcp, submission, measure):
            how.append(f"loses pool eligibility: {measure} is a mandatory answer it has not given")
        if how:
            out.append((mcp, "; ".join(how)))
    return tuple(out)


def with_effects(
    changes: Sequence[Change],
    old: YearResult | None,
    new: YearResult | None,
    dropped: Sequence[Dropped] = (),
    refused: Mapping[str, str] | None = None,
) -> tuple[Change, ...]:
    """The changes with ``affects`` filled in for the breaking ones (RULES.md's plans, by name).

    ``refused`` holds, per MCP, why its data no longer fits NEW (an election that no longer adds up
    to the flexible share): program-level breaking changes name those plans. Otherwise a
    program-level breaking change names every plan whose total moves (all changes together).
    """
    out: list[Change] = []
    for change in changes:
        if not change.breaking:
            out.append(change)
            continue
        if change.measure is not None:
            affects = _measure_effects(change, old, new, dropped)
        elif refused:
            affects = tuple(sorted(refused.items()))
        elif old is not None and new is not None and _SUBMISSION_FILE.search(change.file) is None:
            before, after = _dollars(old), _dollars(new)
            affects = tuple(
                (mcp, f"its total moves by {_signed(after[mcp].total - before[mcp].total)} (all changes together)")
                for mcp in sorted(set(before) & set(after))
                if after[mcp].total != before[mcp].total
            )
        else:
            affects = ()
        out.append(replace(change, affects=affects))
    return tuple(out)


def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + f"{amount:,.2f}"


# --------------------------------------------------------------------------- dollar impact


@dataclass(frozen=True, slots=True)
class Dollars:
    """One plan's year on one side: what ``ipp run``'s summary says."""

    max_allocation: Decimal
    earned: Decimal
    recouped: Decimal
    pool_award: Decimal

    @property
    def total(self) -> Decimal:
        """What the plan keeps: earned − recouped + pool award (as ``ipp run``)."""
        return self.earned - self.recouped + self.pool_award

    def to_json(self) -> dict[str, Any]:
        return {
            "max_allocation": money_text(self.max_allocation),
            "earned": money_text(self.earned),
            "pool_award": money_text(self.pool_award),
            "total": money_text(self.total),
            "recouped": money_text(self.recouped),
        }


NO_DOLLARS = Dollars(ZERO, ZERO, ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class PlanImpact:
    mcp: str
    old: Dollars
    new: Dollars

    @property
    def difference(self) -> Decimal:
        """NEW total − OLD total."""
        return self.new.total - self.old.total

    def to_json(self) -> dict[str, Any]:
        return {
            "mcp": self.mcp,
            "old": self.old.to_json(),
            "new": self.new.to_json(),
            "difference": money_text(self.difference),
        }


@dataclass(frozen=True, slots=True)
class YearTotals:
    """One side's reconciliation: where the funding went."""

    funding: Decimal
    earned: Decimal
    recouped: Decimal
    pool_awarded: Decimal
    retained: Decimal
    balanced: bool

    @classmethod
    def of(cls, r: Reconciliation) -> YearTotals:
        return cls(r.funding, r.earned, r.recouped, r.pool_awarded, r.retained, r.balanced)

    def to_json(self) -> dict[str, Any]:
        return {
            "earned": money_text(self.earned),
            "pool_awarded": money_text(self.pool_awarded),
            "retained": money_text(self.retained),
            "recouped": money_text(self.recouped),
            "funding": money_text(self.funding),
        }


@dataclass(frozen=True, slots=True)
class Impact:
    """The same year run under OLD and under NEW rules, plan by plan."""

    program_year: int
    plans: tuple[PlanImpact, ...]
    old: YearTotals
    new: YearTotals

    @property
    def plan_difference(self) -> Decimal:
        """Σ over plans of (NEW total − OLD total)."""
        return total(p.difference for p in self.plans)

    @property
    def retained_difference(self) -> Decimal:
        return self.new.retained - self.old.retained

    @property
    def funding_difference(self) -> Decimal:
        return self.new.funding - self.old.funding

    @property
    def conserved(self) -> bool:
        """Σ plan differences + Δ retained = Δ funding (0 when the funding is unchanged), to the cent."""
        return self.plan_difference + self.retained_difference == self.funding_difference

    @property
    def balanced(self) -> bool:
        return self.old.balanced and self.new.balanced and self.conserved

    def totals_json(self) -> dict[str, Any]:
        return {
            "old": self.old.to_json(),
            "new": self.new.to_json(),
            "difference": {
                "plans": money_text(self.plan_difference),
                "earned": money_text(self.new.earned - self.old.earned),
                "recouped": money_text(self.new.recouped - self.old.recouped),
                "pool_awarded": money_text(self.new.pool_awarded - self.old.pool_awarded),
                "retained": money_text(self.retained_difference),
                "funding": money_text(self.funding_difference),
            },
        }


def _dollars(result: YearResult) -> dict[str, Dollars]:
    return {s.mcp: Dollars(s.max_allocation, s.earned, s.recouped, s.pool_award) for s in result.summary}


def compare_years(old: YearResult, new: YearResult) -> Impact:
    """Per MCP: max allocation, earned, pool award and total under OLD and NEW, and the difference."""
    before, after = _dollars(old), _dollars(new)
    plans = tuple(
        PlanImpact(mcp, before.get(mcp, NO_DOLLARS), after.get(mcp, NO_DOLLARS))
        for mcp in sorted(set(before) | set(after))
    )
    return Impact(new.ms.year, plans, YearTotals.of(old.reconciliation), YearTotals.of(new.reconciliation))


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class DiffReport:
    """``ipp diff``: ``to_json()`` is its ``--format json``."""

    old_label: str
    new_label: str
    changes: tuple[Change, ...]
    impact: Impact | None = None
    notes: tuple[str, ...] = ()
    #: With ``--attribute``: the dollar impact of each change on its own, and the interaction.
    attribution: Attribution | None = None

    @property
    def breaking(self) -> int:
        return sum(1 for c in self.changes if c.breaking)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "old": self.old_label,
            "new": self.new_label,
            "changes": [c.to_json() for c in self.changes],
            "breaking": self.breaking,
        }
        if self.impact is not None:
            out["program_year"] = self.impact.program_year
            out["impact"] = [p.to_json() for p in self.impact.plans]
            out["totals"] = self.impact.totals_json()
            out["balanced"] = {"old": self.impact.old.balanced, "new": self.impact.new.balanced}
            out["conserved"] = self.impact.conserved
        if self.attribution is not None:
            out["attribution"] = self.attribution.to_json()
        out["notices"] = list(self.notes)
        return out


# --------------------------------------------------------------------------- attribution (--attribute)
#
# Why each change on its own: a pull request with several edits gets one lump dollar impact, and
# the reviewer asks which edit moves whose dollars. Each change is applied alone onto OLD (in
# memory), the year is run, and its own impact per plan is run(OLD + change) − run(OLD). The pool
# and the min(1, points / points_available) cap make changes interact, so what the own impacts do
# not explain is the interaction, (run(NEW) − run(OLD)) − Σ own impacts: the rows add up to the
# total per plan, to the cent, by construction. A change that cannot stand alone (the set it makes
# fails ``ipp check``, or the data folder does not fit it) is named and counted in the interaction.

#: What one change takes from NEW onto OLD: ``("measure", S, ids)``, ``("submission", S)``,
#: ``("area", S, area)``, ``("submission-field", S, field)``, ``("program", field)``,
#: ``("allocation", field)``, ``("pool", field)`` or ``("keyed", list, key)``.
Target = tuple[Any, ...]

_KEYED = re.compile(r"^(payments|priority_areas|allocation\.factors)\[([^\]]*)\]")
_AREA_FIELD = re.compile(r"^areas\[(\d+)\]")
#: A change's old and new values go into its name when both are at most this long.
_SHORT = 24


@dataclass(frozen=True, slots=True)
class ChangeGroup:
    """One change as a reviewer names it, and the rows of the change list it stands for: every row
    of one measure (a measure re-identified is one change, its removal and its addition), of one
    submission setting or area entry, of one program parameter, payment, priority area, allocation
    factor or pool setting, or of the Community Supports catalog."""

    name: str
    file: str
    measure: str | None
    rows: tuple[Change, ...]
    target: Target


def _short(value: Value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fields_name(rows: Sequence[Change]) -> str:
    """``points 50 → 60`` for one row with short values, else the fields: ``kind, direction``."""
    if len(rows) == 1:
        row = rows[0]
        old, new = _short(row.old), _short(row.new)
        if len(old) <= _SHORT and len(new) <= _SHORT:
            return f"{row.field} {old} → {new}"
        return row.field
    return ", ".join(dict.fromkeys(r.field for r in rows))


def _group_name(target: Target, rows: Sequence[Change]) -> str:
    kind = target[0]
    whole = next((r for r in rows if r.field in ("measure", "submission") or _KEYED.fullmatch(r.field)), None)
    verb = "added" if whole is not None and whole.old is None else "removed"
    if kind == "measure":
        ids = target[2]
        if len(ids) == 2:
            return f"{ids[0]} re-identified as {ids[1]}"
        return f"{ids[0]} {verb}" if whole is not None else f"{ids[0]} {_fields_name(rows)}"
    if kind == "submission":
        return f"submission {target[1]} {verb}"
    if kind == "keyed" and whole is not None:
        return f"{whole.field} {verb}"
    if target == ("program", "community_supports_catalog"):
        return f"{target[1]}: " + ", ".join(f"+{r.new}" if r.old is None else f"-{r.old}" for r in rows)
    return _fields_name(rows)


def _target(change: Change, pairs: Mapping[tuple[int, str], tuple[str, ...]]) -> Target | None:
    """What ``change`` takes from NEW; None for a year folder added or removed (no run has it)."""
    found = _SUBMISSION_FILE.search(change.file)
    if found is not None:
        number_ = int(found.group(1))
        if change.measure is not None:
            return ("measure", number_, pairs.get((number_, change.measure), (change.measure,)))
        if change.field == "submission":
            return ("submission", number_)
        area = _AREA_FIELD.match(change.field)
        if area is not None:
            return ("area", number_, int(area.group(1)))
        return ("submission-field", number_, change.field)
    if change.file.endswith("/program.yaml"):
        keyed = _KEYED.match(change.field)
        if keyed is not None:
            return ("keyed", keyed.group(1), keyed.group(2))
        head, _, tail = change.field.partition(".")
        if head in ("allocation", "pool") and tail:
            return (head, tail)
        return ("program", change.field)
    return None


def change_groups(changes: Sequence[Change], old: MeasureSet, new: MeasureSet) -> tuple[ChangeGroup, ...]:
    """The changes of NEW's program year, grouped as a reviewer names them, in the change list's order."""
    folder = f"py{new.year}/"
    pairs: dict[tuple[int, str], tuple[str, ...]] = {}
    for number_ in sorted(set(old.submissions) & set(new.submissions)):
        for before, after in renamed_measures(old.submissions[number_], new.submissions[number_]).items():
            pairs[(number_, before)] = pairs[(number_, after)] = (before, after)
    grouped: dict[Target, list[Change]] = {}
    for change in changes:
        if not change.file.startswith(folder):
            continue
        target = _target(change, pairs)
        if target is not None:
            grouped.setdefault(target, []).append(change)
    out = []
    for target, rows in grouped.items():
        measure = target[2][0] if target[0] == "measure" else None
        out.append(ChangeGroup(_group_name(target, rows), rows[0].file, measure, tuple(rows), target))
    return tuple(out)


_KEY_OF: dict[str, Callable[[Any], str]] = {
    "payments": lambda p: str(p.id),
    "priority_areas": lambda a: str(a.id),
    "allocation.factors": lambda f: f.name,
}


def _items(program: Program, name: str) -> list[Any]:
    return list(program.allocation.factors if name == "allocation.factors" else getattr(program, name))


def _with_items(program: Program, name: str, items: list[Any]) -> Program:
    if name == "allocation.factors":
        return program.model_copy(update={"allocation": program.allocation.model_copy(update={"factors": items})})
    return program.model_copy(update={name: items})


def _put(items: list[Any], key: Callable[[Any], str], wanted: str, item: Any) -> list[Any]:
    """``items`` with the one keyed ``wanted`` replaced by ``item`` (removed when None, added at
    the end when absent)."""
    out = list(items)
    index = next((n for n, i in enumerate(out) if key(i) == wanted), None)
    if item is None:
        if index is not None:
            del out[index]
    elif index is None:
        out.append(item)
    else:
        out[index] = item
    return out


def _measures_with(old: Submission, new: Submission, ids: tuple[str, ...]) -> list[Measure]:
    def key(m: Measure) -> str:
        return m.id

    if len(ids) == 2:  # re-identified: NEW's measure in OLD's place
        index = next((n for n, m in enumerate(old.measures) if m.id == ids[0]), None)
        added = new.measure(ids[1])
        out = _put(list(old.measures), key, ids[0], None)
        if added is not None:
            out = _put(out, key, ids[1], None)
            out.insert(len(out) if index is None else min(index, len(out)), added)
        return out
    return _put(list(old.measures), key, ids[0], new.measure(ids[0]))


def apply_change(old: MeasureSet, new: MeasureSet, target: Target) -> MeasureSet:
    """OLD with just this change taken from NEW, built in memory (no file is written)."""
    kind = target[0]
    program = old.program
    submissions = dict(old.submissions)
    sources = dict(old.submission_sources)
    if kind == "submission":
        number_ = target[1]
        if number_ in new.submissions:
            submissions[number_] = new.submissions[number_]
            sources[number_] = new.submission_sources[number_]
        else:
            submissions.pop(number_, None)
            sources.pop(number_, None)
    elif kind in ("measure", "area", "submission-field"):
        number_ = target[1]
        before, after = old.submissions.get(number_), new.submissions.get(number_)
        if before is not None and after is not None:
            if kind == "measure":
                update: dict[str, Any] = {"measures": _measures_with(before, after, target[2])}
            elif kind == "area":
                areas = dict(before.areas)
                entry = after.areas.get(target[2])
                if entry is None:
                    areas.pop(target[2], None)
                else:
                    areas[target[2]] = entry
                update = {"areas": areas}
            else:
                update = {target[2]: getattr(after, target[2])}
            submissions[number_] = before.model_copy(update=update)
    elif kind == "program":
        program = program.model_copy(update={target[1]: getattr(new.program, target[1])})
    elif kind in ("allocation", "pool"):
        section = getattr(program, kind).model_copy(update={target[1]: getattr(getattr(new.program, kind), target[1])})
        program = program.model_copy(update={kind: section})
    elif kind == "keyed":
        name, wanted = target[1], target[2]
        key = _KEY_OF[name]
        item = next((i for i in _items(new.program, name) if key(i) == wanted), None)
        program = _with_items(program, name, _put(_items(program, name), key, wanted, item))
    return replace(old, program=program, submissions=submissions, submission_sources=sources)


def measure_set_problem(ms: MeasureSet) -> str | None:
    """Why a measure set built in memory would not load or pass ``ipp check`` (its first error,
    and how many more), or None when it stands."""
    try:
        Program.model_validate(ms.program.model_dump(by_alias=True))
        for sub in ms.submissions.values():
            Submission.model_validate(sub.model_dump(by_alias=True))
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    errors = [f for f in check_measure_set(ms) if f.severity == "error"]
    if not errors:
        return None
    more = len(errors) - 1
    return errors[0].message + (f" (and {more} more)" if more else "")


def _same_rules(a: MeasureSet, b: MeasureSet) -> bool:
    """The same program and submissions, whatever the order of keyed items and measures."""

    def normal(ms: MeasureSet) -> tuple[Program, dict[int, Submission]]:
        program = ms.program
        for name, key in _KEY_OF.items():
            program = _with_items(program, name, sorted(_items(program, name), key=key))
        if program.community_supports_catalog is not None:
            catalog = sorted(program.community_supports_catalog, key=lambda n: n.strip().casefold())
            program = program.model_copy(update={"community_supports_catalog": catalog})
        subs = {
            n: s.model_copy(update={"measures": sorted(s.measures, key=lambda m: m.id)})
            for n, s in ms.submissions.items()
        }
        return program, subs

    return normal(a) == normal(b)


@dataclass(frozen=True, slots=True)
class OwnImpact:
    """One change applied on its own to OLD: each plan's dollars moved (OLD + change − OLD) and the
    retained's, or ``problem``: why it cannot be applied alone (its dollars are in the interaction)."""

    group: ChangeGroup
    plans: tuple[tuple[str, Decimal], ...] = ()
    retained: Decimal = ZERO
    problem: str | None = None

    @property
    def applied(self) -> bool:
        return self.problem is None

    @property
    def total(self) -> Decimal:
        return total(amount for _, amount in self.plans)

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.group.name,
            "file": self.group.file,
            "measure": self.group.measure,
            "fields": list(dict.fromkeys(r.field for r in self.group.rows)),
            "applied": self.applied,
            "problem": self.problem,
            "total": money_text(self.total) if self.applied else None,
            "retained": money_text(self.retained) if self.applied else None,
            "plans": _plans_json(self.plans),
        }


def _plans_json(plans: Sequence[tuple[str, Decimal]]) -> list[dict[str, str]]:
    return [{"mcp": mcp, "difference": money_text(amount)} for mcp, amount in plans]


#: What the interaction also holds when NEW differs from OLD in ways no listed change covers.
UNLISTED = "edits ipp diff lists no change for"


@dataclass(frozen=True, slots=True)
class Attribution:
    """The dollar impact NEW − OLD split into each change's own impact and the interaction left
    over: per plan, Σ own impacts + interaction = NEW total − OLD total, to the cent."""

    program_year: int
    changes: tuple[OwnImpact, ...]
    #: Per plan: NEW total − OLD total, as :class:`Impact` has it.
    totals: tuple[tuple[str, Decimal], ...]
    retained: Decimal
    interaction: tuple[tuple[str, Decimal], ...]
    interaction_retained: Decimal
    #: NEW differs from OLD in ways no listed change covers (their dollars are in the interaction).
    unlisted: bool = False

    @property
    def mcps(self) -> tuple[str, ...]:
        return tuple(mcp for mcp, _ in self.totals)

    @property
    def total(self) -> Decimal:
        return total(amount for _, amount in self.totals)

    @property
    def interaction_total(self) -> Decimal:
        return total(amount for _, amount in self.interaction)

    @property
    def folded(self) -> tuple[str, ...]:
        """What the interaction holds besides the changes' interplay: the changes that cannot be
        applied alone, and any edits the change list does not show."""
        names = [c.group.name for c in self.changes if not c.applied]
        return (*names, UNLISTED) if self.unlisted else tuple(names)

    @property
    def adds_up(self) -> bool:
        """Per plan and for the retained: Σ own impacts + interaction = the total, to the cent."""
        applied = [c for c in self.changes if c.applied]
        own = [dict(c.plans) for c in applied]
        interaction = dict(self.interaction)
        plans_ok = all(
            total(o.get(mcp, ZERO) for o in own) + interaction.get(mcp, ZERO) == amount for mcp, amount in self.totals
        )
        return plans_ok and total(c.retained for c in applied) + self.interaction_retained == self.retained

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": [c.to_json() for c in self.changes],
            "interaction": {
                "total": money_text(self.interaction_total),
                "retained": money_text(self.interaction_retained),
                "includes": list(self.folded),
                "plans": _plans_json(self.interaction),
            },
            "total": {
                "total": money_text(self.total),
                "retained": money_text(self.retained),
                "plans": _plans_json(self.totals),
            },
            "adds_up": self.adds_up,
        }


#: Reads the data folder's plans, elections, allocation table and targets for a program (the
#: elections are checked against it); raises :class:`InputError` when they do not fit it.
DataUnder = tuple[
    tuple[PlanRow, ...], Mapping[str, Election], tuple[TableRow, ...] | None, tuple[TargetRow, ...] | None
]
ReadData = Callable[[Program], DataUnder]


def _inputs_under(ms: MeasureSet, old: YearInputs, new: YearInputs, read: ReadData | None) -> YearInputs:
    """The year's inputs under ``ms``: OLD's workbooks refitted, and the data folder as ``ms``'s
    program reads it (reused from OLD or NEW when the program is theirs)."""
    filed, _ = refit_filed(old.filed, ms)
    if ms.program == old.ms.program:
        base = old
    elif ms.program == new.ms.program:
        base = new
    elif read is None:
        base = old
    else:
        plans, elections, table, targets = read(ms.program)
        base = replace(old, plans=plans, elections=elections, table=table, targets=targets)
    return replace(base, ms=ms, filed=filed)


def _moved(base: YearResult, other: YearResult, mcps: Sequence[str]) -> tuple[tuple[str, Decimal], ...]:
    before, after = _dollars(base), _dollars(other)
    return tuple((mcp, after.get(mcp, NO_DOLLARS).total - before.get(mcp, NO_DOLLARS).total) for mcp in mcps)


def attribute(
    changes: Sequence[Change],
    old: YearInputs,
    new: YearInputs,
    old_result: YearResult,
    new_result: YearResult,
    *,
    read: ReadData | None = None,
) -> Attribution:
    """Each change of NEW's year on its own, and the interaction left over (see the section's
    comment). ``old`` and ``new`` are the inputs ``old_result`` and ``new_result`` were run on (the
    workbooks read once, under OLD); ``read`` gives the data folder under a program that is neither
    OLD's nor NEW's (without it, OLD's data is used)."""
    groups = change_groups(changes, old.ms, new.ms)
    results: list[tuple[ChangeGroup, YearResult | None, str | None]] = []
    combined = old.ms
    for group in groups:
        combined = apply_change(combined, new.ms, group.target)
        candidate = apply_change(old.ms, new.ms, group.target)
        if _same_rules(candidate, old.ms):
            results.append((group, old_result, None))
            continue
        if _same_rules(candidate, new.ms):
            results.append((group, new_result, None))
            continue
        problem = measure_set_problem(candidate)
        if problem is not None:
            results.append((group, None, f"on its own the measure set does not pass ipp check: {problem}"))
            continue
        try:
            ran = run_year(_inputs_under(candidate, old, new, read))
        except InputError as exc:
            results.append((group, None, f"on its own the data folder does not fit it: {exc.first.message}"))
            continue
        results.append((group, ran, None))
    mcps = sorted(
        {s.mcp for r in (old_result, new_result) for s in r.summary}
        | {s.mcp for _, r, _ in results if r is not None for s in r.summary}
    )
    totals = _moved(old_result, new_result, mcps)
    retained = new_result.reconciliation.retained - old_result.reconciliation.retained
    own: list[OwnImpact] = []
    for group, result, problem in results:
        if result is None:
            own.append(OwnImpact(group, problem=problem))
        else:
            kept = result.reconciliation.retained - old_result.reconciliation.retained
            own.append(OwnImpact(group, _moved(old_result, result, mcps), kept))
    applied = [dict(o.plans) for o in own if o.applied]
    interaction = tuple((mcp, amount - total(o[mcp] for o in applied)) for mcp, amount in totals)
    interaction_retained = retained - total(o.retained for o in own if o.applied)
    return Attribution(
        new.ms.year,
        tuple(own),
        totals,
        retained,
        interaction,
        interaction_retained,
        unlisted=not _same_rules(combined, new.ms),
    )
