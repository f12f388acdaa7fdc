"""Cross-file rules of a measure set: what ``ipp check`` verifies once every file has loaded.

Why a separate pass: the pydantic models check each file's shape; these rules span files and
fields (shares that must add up to 1, a payment whose submission must exist, points that must be
reachable). Each rule returns findings rather than raising, so one run reports every problem,
each with the file and line an editor needs. Pure: the lines come with the loaded measure set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from itertools import pairwise

from ipp_calc.core.allocation import FACTORS
from ipp_calc.core.models import Measure, MeasureSet, Program, Submission
from ipp_calc.errors import Finding, key_path

#: Factor names the allocation engine knows how to compute from ``plans.csv`` (its registry).
KNOWN_FACTORS = tuple(FACTORS)


def _key(path: tuple[str | int, ...]) -> str | None:
    """A key path as the structural pass names it (``measures[2].id``), so both passes agree."""
    return key_path(path) or None


def check_measure_set(ms: MeasureSet) -> list[Finding]:
    """Every cross-file finding for one program year, in file and line order."""
    findings: list[Finding] = []
    findings += _program_rules(ms)
    for number, sub in sorted(ms.submissions.items()):
        findings += _submission_rules(ms, number, sub)
    return sorted(findings, key=Finding.sort_key)


#: Records one finding at a key path of the file being checked.
_Add = Callable[..., None]


def _program_rules(ms: MeasureSet) -> list[Finding]:
    """program.yaml's own rules: shares that add up, ids used once, references that resolve."""
    file = ms.program_source.path
    out: list[Finding] = []

    def add(code: str, message: str, *path: str | int) -> None:
        out.append(Finding(code, message, file=file, line=ms.line(file, *path), key=_key(path)))

    _program_shares(ms.program, add)
    _program_ids(ms.program, add)
    _program_references(ms, add)
    _catalog_ids(ms.program, add)
    return out


def _program_shares(program: Program, add: _Add) -> None:
    """Area minimums + flexible share, payment shares and factor weights each add up to 1."""
    minimums = sum((a.minimum_share for a in program.priority_areas), Decimal(0))
    if minimums + program.flexible_share != 1:
        add(
            "shares-sum",
            f"area minimums ({minimums}) + flexible_share ({program.flexible_share}) = "
            f"{minimums + program.flexible_share}, not 1",
            "flexible_share",
        )
    payment_total = sum((p.share for p in program.payments), Decimal(0))
    if payment_total != 1:
        add("shares-sum", f"payment shares add up to {payment_total}, not 1", "payments")
    weights = sum((f.weight for f in program.allocation.factors), Decimal(0))
    if weights != 1:
        add("shares-sum", f"allocation factor weights add up to {weights}, not 1", "allocation", "factors")


def _program_ids(program: Program, add: _Add) -> None:
    """Factors the engine knows, each listed once; payment, area and domain ids once."""
    for index, factor in enumerate(program.allocation.factors):
        if factor.name not in KNOWN_FACTORS:
            add(
                "yaml-type",
                f"unknown factor {factor.name!r}; known: {', '.join(KNOWN_FACTORS)}",
                "allocation",
                "factors",
                index,
                "name",
            )
    for name, count in Counter(f.name for f in program.allocation.factors).items():
        if count > 1:
            add("duplicate-id", f"factor {name!r} is listed {count} times", "allocation", "factors")
    for pid, count in Counter(p.id for p in program.payments).items():
        if count > 1:
            add("duplicate-id", f"payment id {pid} is used {count} times", "payments")
    for aid, count in Counter(a.id for a in program.priority_areas).items():
        if count > 1:
            add("duplicate-id", f"priority area id {aid} is used {count} times", "priority_areas")
    domains = Counter(d for a in program.priority_areas for d in a.domains)
    for domain, count in domains.items():
        if count > 1:
            add("duplicate-id", f"domain {domain} belongs to {count} priority areas", "priority_areas")


def _catalog_ids(program: Program, add: _Add) -> None:
    """Each Community Support of the catalog once (case and spaces forgiven, as elections are read)."""
    if program.community_supports_catalog is not None:
        names = Counter(n.strip().casefold() for n in program.community_supports_catalog)
        for name, count in names.items():
            if count > 1:
                add("duplicate-id", f"Community Support {name!r} is listed {count} times", "community_supports_catalog")


def _program_references(ms: MeasureSet, add: _Add) -> None:
    """Submissions that pay or measure the pool exist; the Community Supports area is an area."""
    program = ms.program
    for index, payment in enumerate(program.payments):
        if payment.submission not in ms.submissions:
            add(
                "missing-submission",
                f"payment {payment.id} is paid by submission {payment.submission}, "
                f"which has no submission-{payment.submission}.yaml",
                "payments",
                index,
                "submission",
            )
    if program.performance_submission not in ms.submissions:
        add(
            "missing-submission",
            f"pool.performance_submission {program.performance_submission} has no submission file",
            "pool",
            "performance_submission",
        )
    if program.pool.attainment_cap <= 0:
        add("yaml-type", "attainment_cap must be greater than 0", "pool", "attainment_cap")
    cs_area = program.community_supports_area
    if cs_area is not None and program.area(cs_area) is None:
        add("unknown-area", f"community_supports_area {cs_area} is not a priority area", "community_supports_area")


def _submission_rules(ms: MeasureSet, number: int, sub: Submission) -> list[Finding]:
    program = ms.program
    file = ms.submission_sources[number].path
    out: list[Finding] = []

    def add(code: str, message: str, *path: str | int) -> None:
        out.append(Finding(code, message, file=file, line=ms.line(file, *path), key=_key(path)))

    if sub.program_year != program.program_year:
        add(
            "year-mismatch",
            f"program_year {sub.program_year} here, {program.program_year} in {ms.program_source.path}",
            "program_year",
        )
    area_ids = set(program.area_ids)
    for area_id in sorted(sub.areas):
        if area_id not in area_ids:
            add("unknown-area", f"area {area_id} is not a priority area of the program year", "areas", area_id)
    if program.payments_of(number):
        for area_id in sorted(area_ids):
            entry = sub.areas.get(area_id)
            if entry is None or entry.points_available <= 0:
                add(
                    "points-available",
                    f"submission {number} pays a payment, so area {area_id} needs points_available > 0",
                    *(("areas", area_id) if entry is not None else ("areas",)),
                )
    for measure_id, count in Counter(m.id for m in sub.measures).items():
        if count > 1:
            index = next(i for i, m in enumerate(sub.measures) if m.id == measure_id)
            add("duplicate-id", f"measure id {measure_id} is used {count} times", "measures", index, "id")
    for index, measure in enumerate(sub.measures):
        out += _measure_rules(ms, file, index, measure)
        out += _improvement_fields(ms, file, index, measure)
    out += _reachability(ms, file, sub)
    return out


def _measure_rules(ms: MeasureSet, file: str, index: int, m: Measure) -> list[Finding]:
    """One measure's rules: its area and domain, the fields its kind needs, and its tiers."""
    out: list[Finding] = []

    def add(code: str, message: str, *path: str | int) -> None:
        full = ("measures", index, *path)
        out.append(Finding(code, f"measure {m.id}: {message}", file=file, line=ms.line(file, *full), key=_key(full)))

    _measure_area(ms.program, m, add)
    _kind_fields(m, add)
    if m.kind == "tiered" and m.tiers:
        _tier_rules(m, add)
    return out


def _measure_area(program: Program, m: Measure, add: _Add) -> None:
    area = program.area(m.priority_area)
    if area is None:
        add("unknown-area", f"priority area {m.priority_area} is not defined in program.yaml", "priority_area")
    elif m.domain not in area.domains:
        owner = next((a.id for a in program.priority_areas if m.domain in a.domains), None)
        where = f"it belongs to area {owner}" if owner is not None else "no area has it"
        add("domain-area", f"domain {m.domain} is not a domain of priority area {m.priority_area} ({where})", "domain")


def _kind_fields(m: Measure, add: _Add) -> None:
    """``direction`` for target and improvement measures; ``basis`` and ``tiers`` for tiered only."""
    if m.kind == "target":
        if m.direction is None:
            add("kind-fields", "a target measure needs direction: higher or lower", "kind")
    elif m.direction is not None and not m.needs_baseline:
        add("kind-fields", f"direction is only for target and improvement measures, not {m.kind}", "direction")
    if m.kind == "tiered":
        if m.basis is None:
            add("kind-fields", "a tiered measure needs basis: completion, value, target_ratio or improvement", "kind")
        if not m.tiers:
            add("kind-fields", "a tiered measure needs at least one tier", "kind")
    else:
        if m.basis is not None:
            add("kind-fields", f"basis is only for tiered measures, not {m.kind}", "basis")
        if m.tiers is not None:
            add("kind-fields", f"tiers are only for tiered measures, not {m.kind}", "tiers")


def _tier_rules(m: Measure, add: _Add) -> None:
    """Tier points add up to the measure's; thresholds where the basis needs them, never decreasing."""
    tiers = m.tiers or []
    tier_points = sum((t.points for t in tiers), Decimal(0))
    if tier_points != m.points:
        add("tier-points", f"tier points add up to {tier_points}, but the measure has {m.points} points", "points")
    thresholds: list[Decimal] = []
    for t_index, tier in enumerate(tiers):
        if m.basis == "completion" and tier.at_least is not None:
            add("kind-fields", "at_least is not used when basis is completion", "tiers", t_index, "at_least")
        if m.basis in ("value", "target_ratio", "improvement"):
            if tier.at_least is None:
                add("kind-fields", f"tier {t_index + 1} needs at_least (basis {m.basis})", "tiers", t_index)
            else:
                thresholds.append(tier.at_least)
    if any(b < a for a, b in pairwise(thresholds)):
        add("kind-fields", "tier thresholds must not decrease: tiers are reached in order", "tiers")


def _reachability(ms: MeasureSet, file: str, sub: Submission) -> list[Finding]:
    """Each area's points_available must be reachable (an error); optional measures that cannot add
    points when every mandatory one is earned are a warning (``ipp check`` shows it, nothing stops)."""
    out: list[Finding] = []
    for area_id, entry in sorted(sub.areas.items()):
        measures = [m for m in sub.measures if m.priority_area == area_id]
        everything = sum((m.points for m in measures), Decimal(0))
        mandatory = sum((m.points for m in measures if m.mandatory), Decimal(0))
        optional = [m.id for m in measures if not m.mandatory]
        line = ms.line(file, "areas", area_id, "points_available")
        key = _key(("areas", area_id, "points_available"))
        if everything < entry.points_available:
            out.append(
                Finding(
                    "points-unreachable",
                    f"area {area_id}: points_available is {entry.points_available} but its measures "
                    f"give at most {everything}",
                    file=file,
                    line=line,
                    key=key,
                )
            )
        elif optional and mandatory >= entry.points_available:
            # An opinion about the set, not a rule of the computation: RULES.md's min(1, …) is
            # defined, and an optional measure still makes up for an unreported mandatory one.
            out.append(
                Finding(
                    "optional-meaningless",
                    f"area {area_id}: mandatory measures alone give {mandatory} of {entry.points_available} "
                    f"points, so optional measures {', '.join(optional)} add points only when a mandatory "
                    "one is not earned",
                    file=file,
                    line=line,
                    key=key,
                    severity="warning",
                )
            )
    return out


# --------------------------------------------------------------------------- improvement over time


def _improvement_fields(ms: MeasureSet, file: str, index: int, m: Measure) -> list[Finding]:
    """The fields of an improvement measure (RULES.md section 8), and only there."""
    out: list[Finding] = []

    def add(code: str, message: str, *path: str | int) -> None:
        full = ("measures", index, *path)
        out.append(Finding(code, f"measure {m.id}: {message}", file=file, line=ms.line(file, *full), key=_key(full)))

    if m.needs_baseline:
        if m.baseline is None:
            add("kind-fields", "an improvement measure needs baseline: {submission: S, measure: ID}", "kind")
        if m.direction is None:
            add("kind-fields", "an improvement measure needs direction: higher or lower", "kind")
    else:
        for name in ("baseline", "change"):
            if getattr(m, name) is not None:
                add("kind-fields", f"{name} is only for improvement measures, not {m.kind}", name)
    if m.kind == "improvement":
        if m.at_least is None:
            add("kind-fields", 'an improvement measure needs at_least, e.g. "0.10" (10 % when relative)', "kind")
    elif m.at_least is not None:
        add("kind-fields", f"at_least belongs to the tiers of a {m.kind} measure, not the measure", "at_least")
    return out


def check_baselines(ms: MeasureSet, years: Mapping[int, MeasureSet]) -> list[Finding]:
    """Every baseline reference of a program year (RULES.md section 8).

    The referenced submission must exist and come before the measure's own, the referenced
    measure must exist, be numeric and be of the same level, and references must not form a
    cycle. ``years`` holds the other program years' measure sets that references may name; a
    year missing there is a finding, since nothing could be scored against it.
    """
    out: list[Finding] = []
    for number, sub in sorted(ms.submissions.items()):
        file = ms.submission_sources[number].path
        for index, m in enumerate(sub.measures):
            if m.baseline is None:
                continue
            problem = _baseline_problem(ms, years, sub, m)
            if problem is not None:
                path = ("measures", index, "baseline")
                out.append(
                    Finding(
                        "baseline-reference",
                        f"measure {m.id}: {problem}",
                        file=file,
                        line=ms.line(file, *path),
                        key=_key(path),
                    )
                )
    out += _baseline_cycles(ms, years)
    out += _prepopulation_findings(ms, years)
    return sorted(out, key=Finding.sort_key)


def _baseline_problem(ms: MeasureSet, years: Mapping[int, MeasureSet], sub: Submission, m: Measure) -> str | None:
    assert m.baseline is not None
    year = m.baseline_year(ms.year)
    number, measure_id = m.baseline.submission, m.baseline.measure
    if year > ms.year:
        return f"the baseline's program year {year} comes after this one ({ms.year})"
    source = ms if year == ms.year else years.get(year)
    if source is None:
        return f"the baseline names program year {year}, whose measure set was not found"
    if year == ms.year and number >= sub.submission:
        return f"the baseline's submission {number} does not come before this submission ({sub.submission})"
    earlier = source.submission(number)
    if earlier is None:
        have = ", ".join(map(str, sorted(source.submissions))) or "none"
        return f"PY{year} has no submission {number} (it has {have})"
    target = earlier.measure(measure_id)
    if target is None:
        return f"PY{year} submission {number} has no measure {measure_id}"
    if not target.numeric:
        answered = _answer_words(target)
        return f"PY{year} submission {number} measure {measure_id} is answered with {answered}, not a number"
    if target.level != m.level:
        return (
            f"PY{year} submission {number} measure {measure_id} is a {target.level}-level measure; "
            f"a {m.level}-level measure's baseline must be {m.level}-level too"
        )
    return None


def _answer_words(m: Measure) -> str:
    """A measure that is not numeric, as a baseline message names it (no tier range: shorter)."""
    return "Yes/No" if m.answered_with == "yes_no" else "a tier count"


def _baseline_cycles(ms: MeasureSet, years: Mapping[int, MeasureSet]) -> list[Finding]:
    """A chain of baselines that comes back to where it started (only possible when a
    reference is otherwise wrong, since each must point earlier, but said plainly)."""
    sets = {**years, ms.year: ms}
    out: list[Finding] = []
    for number, sub in sorted(ms.submissions.items()):
        for index, m in enumerate(sub.measures):
            seen = [(ms.year, number, m.id)]
            current: Measure | None = m
            year = ms.year
            while current is not None and current.baseline is not None:
                year = current.baseline_year(year)
                step = (year, current.baseline.submission, current.baseline.measure)
                if step in seen:
                    file = ms.submission_sources[number].path
                    path = ("measures", index, "baseline")
                    chain = " → ".join(f"PY{y} S{s} {i}" for y, s, i in [*seen, step])
                    out.append(
                        Finding(
                            "baseline-reference",
                            f"measure {m.id}: baselines form a cycle: {chain}",
                            file=file,
                            line=ms.line(file, *path),
                            key=_key(path),
                        )
                    )
                    break
                seen.append(step)
                owner = sets.get(year)
                earlier = owner.submission(step[1]) if owner is not None else None
                current = earlier.measure(step[2]) if earlier is not None else None
    return out


def _prepopulation_findings(ms: MeasureSet, years: Mapping[int, MeasureSet]) -> list[Finding]:
    """Every ``prepopulate_from``: an earlier submission's measure, of the same level, whose
    answers fit this measure (a number for a number, Yes/No for Yes/No, tiers for tiers)."""
    out: list[Finding] = []
    for number, sub in sorted(ms.submissions.items()):
        file = ms.submission_sources[number].path
        for index, m in enumerate(sub.measures):
            if m.prepopulate_from is None:
                continue
            problem = _prepopulation_problem(ms, years, sub, m)
            if problem is not None:
                path = ("measures", index, "prepopulate_from")
                out.append(
                    Finding(
                        "prepopulate-reference",
                        f"measure {m.id}: {problem}",
                        file=file,
                        line=ms.line(file, *path),
                        key=_key(path),
                    )
                )
    return out


def _prepopulation_problem(ms: MeasureSet, years: Mapping[int, MeasureSet], sub: Submission, m: Measure) -> str | None:
    ref = m.prepopulate_from
    assert ref is not None
    year = ref.program_year if ref.program_year is not None else ms.year
    if year > ms.year:
        return f"prepopulate_from names program year {year}, which comes after this one ({ms.year})"
    source = ms if year == ms.year else years.get(year)
    if source is None:
        return f"prepopulate_from names program year {year}, whose measure set was not found"
    if year == ms.year and ref.submission >= sub.submission:
        return (
            f"prepopulate_from names submission {ref.submission}, which does not come before this one "
            f"({sub.submission})"
        )
    earlier = source.submission(ref.submission)
    if earlier is None:
        have = ", ".join(map(str, sorted(source.submissions))) or "none"
        return f"PY{year} has no submission {ref.submission} (it has {have})"
    target = earlier.measure(ref.measure)
    if target is None:
        return f"PY{year} submission {ref.submission} has no measure {ref.measure}"
    if target.level != m.level:
        return (
            f"PY{year} submission {ref.submission} measure {ref.measure} is {target.level}-level; "
            f"this one is {m.level}-level"
        )
    if target.answer_words != m.answer_words:
        return (
            f"PY{year} submission {ref.submission} measure {ref.measure} is answered with {target.answer_words}, "
            f"this one with {m.answer_words}"
        )
    return None
