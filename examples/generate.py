"""Seeded generator of illustrative data folders (PY1, PY2, PY3): ``plans.csv``, ``elections.yaml``, ``targets.csv``.

Why a generator rather than hand-written files: the examples must be large enough to look like a
real program year (about 25 plans over California's 58 counties), small variants are needed for
tests and a ten-times year for the benchmark, and every one of them must be reproducible byte for
byte. So the files are made from a seed with ``random.Random`` and integer arithmetic only (no
floats in money, no dependence on hash order), and ``python examples/generate.py`` rewrites
``examples/py1/`` exactly as committed.

Every MCP name and every number here is fictitious and illustrative: the plan ids are invented
words, enrollment is only of a plausible order of magnitude per county, and nothing is DHCS's.

The measure set decides which targets are needed: every ``target`` measure and every ``tiered``
measure with basis ``target_ratio`` in any submission of the year (targets.csv has no submission
column, so one target serves every submission that asks for it).

PY2 and PY3 (``--year 2``, ``--year 3``; with no arguments all three years are written) keep PY1's
plans and counties, so a plan's improvement measures find its own earlier values. PY3 has the
roster change of 2024-01-01: one plan stops serving Medi-Cal and its counties go to another plan
in the same county, and one new plan enters. Their workbooks answer improvement measures against
the plan's own earlier answers (the same year's, or the previous year's, passed along).

Usable two ways:

* ``python examples/generate.py [--mcps N] [--seed S] [--out DIR] [--measures DIR]``;
* imported by path (no package needed): ``generate_data(out_dir, mcps=250, seed=2022)``.
"""

import argparse
import csv
import io
import random
import sys
import tempfile
from dataclasses import astuple, dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from ipp_calc.core.models import Measure, MeasureSet
from ipp_calc.io.measures import load_year, shipped_measures_dir

PROGRAM_YEAR = 1
DEFAULT_MCPS = 25
DEFAULT_SEED = 2022
EXAMPLES = Path(__file__).resolve().parent
DEFAULT_OUT = EXAMPLES / "py1"
#: The example years: PY2 and PY3 reuse PY1's seed for the roster, then their own for the rest.
YEARS = (1, 2, 3)
#: The plan id of the plan that enters in PY3 (invented, like every other).
NEW_PLAN = "saffron-hollow-health"

#: How far 5% of the capped plan's capitation sits above its expected maximum allocation.
CAP_HEADROOM = Fraction(102, 100)
#: The share of capitation an incentive arrangement may pay (42 CFR 438.6(b)(2): 105%).
CAP_SHARE = Fraction(5, 100)

# --------------------------------------------------------------------------- counties

#: California's 58 counties: (name, approximate Medi-Cal enrollees, rural, WPC pilot, HHP).
#: Enrollment is rounded and only of a plausible order of magnitude (illustrative, not DHCS data).
#: "Rural" counties are served by regional plans; WPC ran in about 25 counties, HHP in 12 large ones.
COUNTIES: tuple[tuple[str, int, bool, bool, bool], ...] = (
    ("Alameda", 430_000, False, True, True),
    ("Alpine", 350, True, False, False),
    ("Amador", 9_000, True, False, False),
    ("Butte", 95_000, True, False, False),
    ("Calaveras", 12_000, True, False, False),
    ("Colusa", 10_000, True, False, False),
    ("Contra Costa", 280_000, False, True, False),
    ("Del Norte", 13_000, True, False, False),
    ("El Dorado", 40_000, True, False, False),
    ("Fresno", 540_000, False, False, False),
    ("Glenn", 14_000, True, False, False),
    ("Humboldt", 60_000, True, False, False),
    ("Imperial", 100_000, False, False, True),
    ("Inyo", 5_500, True, False, False),
    ("Kern", 480_000, False, True, True),
    ("Kings", 70_000, False, True, False),
    ("Lake", 37_000, True, False, False),
    ("Lassen", 8_000, True, False, False),
    ("Los Angeles", 4_100_000, False, True, True),
    ("Madera", 85_000, False, False, False),
    ("Marin", 45_000, False, True, False),
    ("Mariposa", 5_500, True, False, False),
    ("Mendocino", 46_000, True, True, False),
    ("Merced", 165_000, False, False, False),
    ("Modoc", 3_500, True, False, False),
    ("Mono", 3_800, True, False, False),
    ("Monterey", 185_000, False, True, False),
    ("Napa", 37_000, False, True, False),
    ("Nevada", 27_000, True, False, False),
    ("Orange", 950_000, False, True, True),
    ("Placer", 70_000, False, True, False),
    ("Plumas", 6_000, True, False, False),
    ("Riverside", 950_000, False, True, True),
    ("Sacramento", 500_000, False, True, True),
    ("San Benito", 20_000, True, True, False),
    ("San Bernardino", 1_000_000, False, True, True),
    ("San Diego", 950_000, False, True, True),
    ("San Francisco", 250_000, False, True, True),
    ("San Joaquin", 300_000, False, True, False),
    ("San Luis Obispo", 65_000, False, False, False),
    ("San Mateo", 150_000, False, True, False),
    ("Santa Barbara", 155_000, False, False, False),
    ("Santa Clara", 480_000, False, True, True),
    ("Santa Cruz", 80_000, False, True, False),
    ("Shasta", 70_000, True, True, False),
    ("Sierra", 900, True, False, False),
    ("Siskiyou", 20_000, True, False, False),
    ("Solano", 135_000, False, True, False),
    ("Sonoma", 140_000, False, True, False),
    ("Stanislaus", 240_000, False, False, False),
    ("Sutter", 40_000, True, False, False),
    ("Tehama", 30_000, True, False, False),
    ("Trinity", 5_000, True, False, False),
    ("Tulare", 260_000, False, False, True),
    ("Tuolumne", 16_000, True, False, False),
    ("Ventura", 250_000, False, True, False),
    ("Yolo", 70_000, False, False, False),
    ("Yuba", 35_000, True, False, False),
)

# --------------------------------------------------------------------------- plan names

#: Invented words for plan ids. Chosen to avoid every real Medi-Cal plan's name or a fragment of
#: one (no "alliance", "partnership", "family", "valley", "inland", "gold", "coast", county names…).
_FIRST_WORDS = (
    "alder", "arroyo", "bluejay", "bristlecone", "buckeye", "cedar", "chaparral", "condor",
    "cypress", "foothill", "granite", "harbor", "heron", "juniper", "lantern", "larkspur",
    "lupine", "madrone", "manzanita", "meadowlark", "mesa", "oriole", "pinnacle", "poppy",
    "quail", "redwood", "sage", "sierra", "sparrow", "summit", "sycamore", "tamarack",
    "toyon", "tule", "willow", "yarrow", "bayberry", "cobalt", "ember", "saffron",
)  # fmt: skip
_SECOND_WORDS = (
    "bend", "bluff", "creek", "crest", "flats", "glen", "grove", "hills",
    "hollow", "point", "ridge", "springs", "terrace", "trail", "vista", "meadow",
)  # fmt: skip
_SUFFIXES = {
    "local": ("health", "health-plan", "care", "health-circle"),
    "commercial": ("care-network", "health-services", "health-company"),
    "regional": ("rural-health", "regional-care", "health-cooperative"),
}
_ROLES = ("regional", "commercial", "local")

# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class SpecialPlans:
    """The plans that exercise the rules' edge cases (see examples/py1/README.md)."""

    no_community_supports: str  # offers none: area-3 minimum forfeited, never elects area 3
    two_community_supports: str  # offers 2 (< 3): not eligible for the pool
    corrective_action_plan: str  # on a CAP, 25% of earned Payment 1 recouped
    exception: str  # approved exception: 0.05 from area 1 to area 3
    capped: str  # 5% of capitation ≈ 1.02 × expected maximum allocation: the pool cap binds


@dataclass(frozen=True, slots=True)
class GeneratedYear:
    """What :func:`generate_data` wrote, for callers that build on it (tests, submissions)."""

    out_dir: Path
    seed: int
    mcps: tuple[str, ...]
    #: MCP id → its counties, sorted.
    counties: dict[str, tuple[str, ...]]
    #: (MCP id, county or "All", measure id) → approved target.
    targets: dict[tuple[str, str, str], Decimal]
    #: MCP id → the Community Supports it offers (catalog order).
    community_supports: dict[str, tuple[str, ...]]
    special: SpecialPlans
    program_year: int
    #: PY3's roster change: (the plan that left, the plan that took its counties, the new plan).
    roster_change: tuple[str, str, str] | None
    #: The capped plan's expected maximum allocation (weighted factor share of the funding).
    capped_expected_allocation: Decimal
    #: The capped plan's total capitation (the sum of its rows).
    capped_capitation: Decimal


@dataclass(slots=True)
class _Row:
    mcp: str
    county: str
    member_months: int
    revenue_cents: int
    wpc: bool
    hhp: bool
    capitation_cents: int = 0


# --------------------------------------------------------------------------- entry points


def generate_data(
    out_dir: Path,
    *,
    mcps: int = DEFAULT_MCPS,
    seed: int = DEFAULT_SEED,
    measures_dir: Path | None = None,
    program_year: int = PROGRAM_YEAR,
) -> GeneratedYear:
    """Write ``year.yaml``, ``plans.csv``, ``elections.yaml`` and ``targets.csv`` for ``mcps`` plans into ``out_dir``.

    The same ``(mcps, seed, measure set, program year)`` always gives the same bytes. At least 5
    plans are needed, one for each special role (6 in PY3, whose roster changes).
    """
    if mcps < 5:
        raise ValueError(f"need at least 5 MCPs (one per special plan), got {mcps}")
    measure_set = load_year(measures_dir or shipped_measures_dir(), program_year)
    rng = random.Random(seed)

    roles = _plan_roles(rng, mcps)
    coverage = _coverage(rng, roles)
    rows = _plan_rows(rng, roles, coverage)
    ids = tuple(sorted(roles))

    special = _special_plans(rng, ids)
    roster_change = None
    if program_year >= 3:
        rows, roster_change = _roster_change(random.Random(seed + program_year), rows, roles, special)
        ids = tuple(sorted({row.mcp for row in rows}))
    if program_year > 1:
        rng = random.Random(seed + 100 * program_year)  # the rest differs from year to year
    allocation = _expected_allocations(measure_set, rows)
    _set_capitation(rng, rows, special.capped, allocation[special.capped])

    catalog = list(measure_set.program.community_supports_catalog or [])
    supports = _community_supports(rng, ids, catalog, special)
    elections = _elections_text(rng, ids, supports, special, measure_set, mcps, seed, roster_change)
    targets = _targets(rng, rows, supports, measure_set)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "year.yaml", _year_yaml(program_year))
    _write(out_dir / "plans.csv", _plans_csv(rows))
    _write(out_dir / "elections.yaml", elections)
    _write(out_dir / "targets.csv", _targets_csv(targets))

    counties: dict[str, list[str]] = {mcp: [] for mcp in ids}
    for row in rows:
        counties[row.mcp].append(row.county)
    capped_rows = [r for r in rows if r.mcp == special.capped]
    return GeneratedYear(
        out_dir=out_dir,
        seed=seed,
        mcps=ids,
        counties={mcp: tuple(sorted(found)) for mcp, found in counties.items()},
        targets=targets,
        community_supports={mcp: tuple(supports[mcp]) for mcp in ids},
        special=special,
        program_year=program_year,
        roster_change=roster_change,
        capped_expected_allocation=_cents_decimal(round(allocation[special.capped] * 100)),
        capped_capitation=_cents_decimal(sum(r.capitation_cents for r in capped_rows)),
    )


def main(argv: list[str] | None = None) -> int:
    """Regenerate a data folder; with no arguments, ``examples/py1/`` exactly as committed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mcps", type=int, default=DEFAULT_MCPS, help="number of MCPs (≥ 5)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--out", type=Path, default=None, help="folder to write into (one year only)")
    parser.add_argument("--measures", type=Path, default=None, help="measure sets (default: shipped)")
    parser.add_argument("--year", type=int, choices=YEARS, default=None, help="one program year (default: all)")
    parser.add_argument("--no-submissions", action="store_true", help="skip the filled workbooks")
    args = parser.parse_args(argv)
    years = [args.year] if args.year is not None else ([PROGRAM_YEAR] if args.out is not None else list(YEARS))
    # The answers of earlier years are drawn again (not written) so that a later year's
    # improvement answers are the same whether it is generated alone or with the others.
    earlier: dict[tuple[str, int, int, str, str], Decimal] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for number in range(PROGRAM_YEAR, max(years) + 1):
            write = number in years
            out = (args.out or EXAMPLES / f"py{number}") if write else Path(scratch) / f"py{number}"
            year = generate_data(out, mcps=args.mcps, seed=args.seed, measures_dir=args.measures, program_year=number)
            rows = sum(len(found) for found in year.counties.values())
            if write:
                print(f"wrote {year.out_dir}: {len(year.mcps)} MCPs, {rows} plan rows, {len(year.targets)} targets")
            if not args.no_submissions:
                written = generate_submissions(year, measures_dir=args.measures, earlier=earlier, write=write)
                if write:
                    print(f"wrote {len(written)} filled workbooks in {year.out_dir / 'submissions'}")
                if write and number == PROGRAM_YEAR and out == DEFAULT_OUT:
                    round_plans = generate_review_round(measures_dir=args.measures)
                    print(f"wrote {REVIEW_OUT}: a round of {len(round_plans)} plans with problems for ipp review")
    return 0


# --------------------------------------------------------------------------- filled workbooks


def generate_submissions(
    year: GeneratedYear,
    *,
    measures_dir: Path | None = None,
    out_dir: Path | None = None,
    earlier: dict[tuple[str, int, int, str, str], Decimal] | None = None,
    write: bool = True,
) -> list[Path]:
    """A filled reporting workbook for every MCP and submission, through the real template writer.

    The answers are seeded and varied, so the example year exercises every rule: most plans
    answer every mandatory measure, optional measures are picked by how diligent a plan is,
    targets are met or missed (values are 70–130% of the target), tiers are partly reached, and
    one plan (:func:`missing_mandatory_plan`: the first that has no special role)
    leaves one mandatory county answer blank in the last submission, so it is not eligible for
    the pool. An improvement measure's answer is drawn around the plan's own earlier value, from
    ``earlier`` ((MCP, year, submission, measure, county) → value), which this call extends with
    the numbers it writes so that the next year can use them. Workbooks are identical in content
    on every run; their zip timestamps differ.
    """
    from ipp_calc.core.responses import PLAN_LEVEL, Answer, FilledSubmission
    from ipp_calc.io.data import read_elections
    from ipp_calc.io.template import write_template

    measure_set = load_year(measures_dir or shipped_measures_dir(), year.program_year)
    known = earlier if earlier is not None else {}
    # The submission that carries the Gap-Filling Plan has an Elections sheet: each plan types in
    # the election that elections.yaml records, so ``ipp elections`` gathers the same file back.
    elections, _ = read_elections(year.out_dir, measure_set.program, list(year.mcps))
    gap_filling = measure_set.program.gap_filling_submission
    folder = out_dir or (year.out_dir / "submissions")
    if write:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.xlsx"):
            old.unlink()
    rng = random.Random(year.seed + 1 + 100 * (year.program_year - 1))
    missing_mandatory = missing_mandatory_plan(year)
    last = max(measure_set.submissions)
    written: list[Path] = []
    for mcp in year.mcps:
        diligence = rng.randint(55, 100)  # percent: how many optional measures a plan answers
        counties = year.counties[mcp]
        for number, submission in sorted(measure_set.submissions.items()):
            answers: dict[tuple[str, str], Answer] = {}
            for measure in submission.measures:
                for county in (PLAN_LEVEL,) if measure.level == "plan" else counties:
                    if not measure.mandatory and rng.randint(1, 100) > diligence:
                        continue
                    target = year.targets.get((mcp, county, measure.id))
                    if measure.baseline is not None:
                        ref = measure.baseline
                        before = (mcp, measure.baseline_year(year.program_year), ref.submission, ref.measure, county)
                        value: object = _improved(rng, measure, known.get(before), diligence)
                    else:
                        value = _answer(rng, measure, target, diligence)
                    answers[(measure.id, county)] = Answer(measure.id, county, value)
                    if isinstance(value, Decimal):
                        known[(mcp, year.program_year, number, measure.id, county)] = value
            if mcp == missing_mandatory and number == last:
                blank = next(m for m in submission.measures if m.mandatory and m.level == "county")
                answers.pop((blank.id, counties[0]), None)
            filled = FilledSubmission(mcp, year.program_year, number, counties, answers)
            targets = {(m, c): t for (p, c, m), t in year.targets.items() if p == mcp}
            path = folder / f"{mcp}-submission-{number}.xlsx"
            chosen = elections[mcp] if number == gap_filling else None
            if write:
                write_template(
                    measure_set, number, mcp, counties, path, targets=targets, answers=filled, elections=chosen
                )
            written.append(path)
    return written


def _improved(rng: random.Random, measure: Measure, before: Decimal | None, diligence: int) -> Decimal:
    """An answer to an improvement measure: the plan's earlier value moved by −10 % to +20 % in
    the better direction (more often better the more diligent the plan); a plausible number when
    there is no earlier value (the plan is new, or did not report it)."""
    if before is None or before == 0:
        return Decimal(rng.randint(5, 400))
    good = rng.randint(1, 100) <= diligence
    percent = rng.randint(104, 120) if good else rng.randint(90, 106)
    if measure.direction == "lower":
        percent = 200 - percent
    return max(Decimal(0), (before * percent / 100).quantize(Decimal(1)))


def missing_mandatory_plan(year: GeneratedYear) -> str | None:
    """The plan that leaves one mandatory answer blank: the first with no special role (none
    when every plan already has one, as in a 5-plan year)."""
    roles = set(astuple(year.special))
    return next((mcp for mcp in year.mcps if mcp not in roles), None)


def _answer(rng: random.Random, measure: Measure, target: Decimal | None, diligence: int) -> object:
    """One plausible answer for a measure; the more diligent the plan, the better on average."""
    good = rng.randint(1, 100) <= diligence
    if measure.kind == "completion":
        return good or rng.randint(1, 100) <= 80
    tiers = len(measure.tiers or [])
    if measure.kind == "tiered" and measure.basis == "completion":
        return tiers if good else rng.randint(0, tiers)
    base = target if target is not None else Decimal(rng.randint(5, 400))
    if measure.kind == "tiered" and measure.basis == "value":
        thresholds = [t.at_least or Decimal(0) for t in measure.tiers or []]
        base = thresholds[-1] if thresholds else base
    percent = rng.randint(85, 130) if good else rng.randint(40, 110)
    if measure.direction == "lower":
        percent = 200 - percent  # lower is better: a good plan reports below its target
    return (base * percent / 100).quantize(Decimal(1))


# --------------------------------------------------------------------------- plans and counties


def _plan_roles(rng: random.Random, count: int) -> dict[str, str]:
    """Invent ``count`` distinct plan ids and give each a role: regional, commercial or local.

    About 8% regional (many rural counties each), 12% commercial (a few urban counties each),
    the rest local single-county plans.
    """
    regional = max(1, round(count * 0.08))
    commercial = max(1, round(count * 0.12))
    pairs = [(a, b) for a in _FIRST_WORDS for b in _SECOND_WORDS]
    rng.shuffle(pairs)
    roles: dict[str, str] = {}
    for index in range(count):
        first, second = pairs[index % len(pairs)]
        role = "regional" if index < regional else "commercial" if index < regional + commercial else "local"
        suffix = rng.choice(_SUFFIXES[role])
        lap = index // len(pairs)
        slug = f"{first}-{second}-{suffix}" + (f"-{lap + 1}" if lap else "")
        roles[slug] = role
    return roles


def _coverage(rng: random.Random, roles: dict[str, str]) -> dict[str, list[str]]:
    """Which counties each plan serves, so that every county has at least one plan.

    Regional plans split the rural counties between them, then each reaches 10–20 of them
    (overlaps make two-plan rural counties). Commercial plans take 2–5 urban counties, weighted by
    size. Local plans take one urban county each, largest first; urban counties left over go to
    the commercial plan with the fewest counties.
    """
    by_role = {role: [mcp for mcp in roles if roles[mcp] == role] for role in _ROLES}
    rural = [c[0] for c in COUNTIES if c[2]]
    urban = [c[0] for c in COUNTIES if not c[2]]
    size = {c[0]: c[1] for c in COUNTIES}
    coverage: dict[str, list[str]] = {mcp: [] for mcp in roles}

    shuffled = rural[:]
    rng.shuffle(shuffled)
    regional = by_role["regional"]
    for index, county in enumerate(shuffled):
        coverage[regional[index % len(regional)]].append(county)
    for mcp in regional:
        want = min(len(rural), max(len(coverage[mcp]), rng.randint(10, 20)))
        others = [c for c in rural if c not in coverage[mcp]]
        rng.shuffle(others)
        coverage[mcp].extend(others[: want - len(coverage[mcp])])

    for mcp in by_role["commercial"]:
        coverage[mcp].extend(_weighted_sample(rng, urban, [size[c] for c in urban], rng.randint(2, 5)))

    largest_first = sorted(urban, key=lambda c: (-size[c], c))
    locals_ = by_role["local"]
    for index, mcp in enumerate(locals_):
        if index < len(largest_first):
            county = largest_first[index]
        else:
            county = _weighted_sample(rng, urban, [size[c] for c in urban], 1)[0]
        coverage[mcp].append(county)

    covered = {county for found in coverage.values() for county in found}
    hosts = by_role["commercial"] or regional
    for county in largest_first:
        if county not in covered:
            host = min(hosts, key=lambda mcp: (len(coverage[mcp]), hosts.index(mcp)))
            coverage[host].append(county)
    return coverage


def _plan_rows(rng: random.Random, roles: dict[str, str], coverage: dict[str, list[str]]) -> list[_Row]:
    """Member months and revenue per (MCP, county), sorted by MCP then county.

    Each county's member months (enrollees × 12, ±5%) are split among its plans by role-weighted
    random shares (local plans hold most of their county). Revenue is member months × the plan's
    per-member-month rate ($250–$450, varying ±3% by county).
    """
    info = {c[0]: c for c in COUNTIES}
    rate = {mcp: rng.randint(26_000, 44_000) for mcp in sorted(roles)}  # cents per member month
    plans_in: dict[str, list[str]] = {c[0]: [] for c in COUNTIES}
    for mcp in sorted(coverage):
        for county in coverage[mcp]:
            plans_in[county].append(mcp)
    share_range = {"local": (30, 60), "commercial": (10, 30), "regional": (20, 50)}
    rows: list[_Row] = []
    for county, _enrollees, _rural, wpc, hhp in COUNTIES:
        plans = plans_in[county]
        total = info[county][1] * 12 * rng.randint(950, 1050) // 1000
        weights = [rng.randint(*share_range[roles[mcp]]) for mcp in plans]
        for mcp, months in zip(plans, _split(total, weights), strict=True):
            row_rate = min(45_000, max(25_000, rate[mcp] * rng.randint(970, 1030) // 1000))
            rows.append(_Row(mcp, county, months, months * row_rate, wpc, hhp))
    rows.sort(key=lambda r: (r.mcp, r.county))
    return rows


def _special_plans(rng: random.Random, ids: tuple[str, ...]) -> SpecialPlans:
    """Five distinct plans, one per edge case."""
    chosen = rng.sample(ids, 5)
    return SpecialPlans(*chosen)


def _roster_change(
    rng: random.Random, rows: list[_Row], roles: dict[str, str], special: SpecialPlans
) -> tuple[list[_Row], tuple[str, str, str]]:
    """PY3's roster (new contracts took effect on 2024-01-01): one single-county plan with no
    special role stops serving Medi-Cal and another plan in its county takes its members; one new
    plan enters a large county, taking a fifth of the members of that county's largest plan.

    Returns the new rows (sorted by MCP, then county) and (left, absorbed by, new plan).
    """
    roles_taken = set(astuple(special))
    plans_in: dict[str, list[_Row]] = {}
    for row in rows:
        plans_in.setdefault(row.county, []).append(row)
    candidates = [
        mcp
        for mcp in sorted(roles)
        if roles[mcp] == "local"
        and mcp not in roles_taken
        and all(len(plans_in[r.county]) > 1 for r in rows if r.mcp == mcp)
    ]
    leaving = rng.choice(candidates)
    out: list[_Row] = []
    absorber = ""
    for row in rows:
        if row.mcp != leaving:
            out.append(row)
    for row in [r for r in rows if r.mcp == leaving]:
        others = [r for r in out if r.county == row.county]
        host = max(others, key=lambda r: (r.member_months, r.mcp))
        absorber = host.mcp
        host.member_months += row.member_months
        host.revenue_cents += row.revenue_cents
    urban = sorted({r.county for r in out if roles.get(r.mcp) != "regional"})
    county = rng.choice(urban)
    largest = max((r for r in out if r.county == county), key=lambda r: (r.member_months, r.mcp))
    moved = largest.member_months // 5
    revenue = largest.revenue_cents * moved // max(1, largest.member_months)
    largest.member_months -= moved
    largest.revenue_cents -= revenue
    out.append(_Row(NEW_PLAN, county, moved, revenue, largest.wpc, largest.hhp))
    out.sort(key=lambda r: (r.mcp, r.county))
    return out, (leaving, absorber, NEW_PLAN)


def _expected_allocations(measure_set: MeasureSet, rows: list[_Row]) -> dict[str, Fraction]:
    """Each plan's expected maximum allocation: its weighted factor share of the year's funding.

    The same weighted-factor model as RULES.md section 2 (a factor whose total is 0 is left out
    and the rest scaled up); exact, so the capped plan's capitation does not drift with rounding.
    """
    values = {
        "member_months": lambda r: Fraction(r.member_months),
        "revenue": lambda r: Fraction(r.revenue_cents, 100),
        "pilot_member_months": lambda r: Fraction(r.member_months if r.wpc or r.hhp else 0),
    }
    program = measure_set.program
    factors = []
    for factor in program.allocation.factors:
        value = values.get(factor.name)
        total = sum((value(r) for r in rows), Fraction(0)) if value else Fraction(0)
        if value and total > 0:
            factors.append((Fraction(factor.weight), value, total))
    weight_total = sum((w for w, _, _ in factors), Fraction(0))
    funding = Fraction(program.funding)
    allocation: dict[str, Fraction] = {}
    for row in rows:
        weight = sum((w * value(row) / total for w, value, total in factors), Fraction(0))
        allocation[row.mcp] = allocation.get(row.mcp, Fraction(0)) + funding * weight / weight_total
    return allocation


def _set_capitation(rng: random.Random, rows: list[_Row], capped: str, allocation: Fraction) -> None:
    """Capitation ≈ revenue (96–100%), except the capped plan, whose 5% is 1.02 × its allocation.

    That plan's total is split over its rows in proportion to revenue, to the cent.
    """
    for row in rows:
        row.capitation_cents = row.revenue_cents * rng.randint(960, 1000) // 1000
    mine = [row for row in rows if row.mcp == capped]
    total = round(allocation * CAP_HEADROOM / CAP_SHARE * 100)
    for row, amount in zip(mine, _split(total, [r.revenue_cents for r in mine]), strict=True):
        row.capitation_cents = amount


# --------------------------------------------------------------------------- elections


def _community_supports(
    rng: random.Random, ids: tuple[str, ...], catalog: list[str], special: SpecialPlans
) -> dict[str, list[str]]:
    """3–10 Community Supports per plan (catalog order); none and two for the special plans."""
    supports: dict[str, list[str]] = {}
    for mcp in ids:
        if mcp == special.no_community_supports:
            count = 0
        elif mcp == special.two_community_supports:
            count = 2
        else:
            count = rng.randint(3, min(10, len(catalog)))
        picked = set(rng.sample(catalog, min(count, len(catalog))))
        supports[mcp] = [name for name in catalog if name in picked]
    return supports


def _flexible(rng: random.Random, areas: list[int], units: int, must: int | None) -> dict[int, int]:
    """Split ``units`` steps of 0.05 among 1–3 of ``areas`` (always including ``must``)."""
    count = min(rng.choice((1, 1, 1, 2, 2, 3)), len(areas), units)
    chosen = set(rng.sample(areas, count))
    if must is not None and must not in chosen:
        chosen.discard(rng.choice(sorted(chosen)))
        chosen.add(must)
    cuts = sorted(rng.sample(range(1, units), len(chosen) - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, units], strict=True)]
    return dict(zip(sorted(chosen), parts, strict=True))


def _elections_text(
    rng: random.Random,
    ids: tuple[str, ...],
    supports: dict[str, list[str]],
    special: SpecialPlans,
    measure_set: MeasureSet,
    mcps: int,
    seed: int,
    roster_change: tuple[str, str, str] | None = None,
) -> str:
    """``elections.yaml``, written by hand so it reads like an analyst's file (quoted shares)."""
    program = measure_set.program
    step = Decimal("0.05")
    units = program.flexible_share / step
    if units != units.to_integral_value() or units < 1:
        raise ValueError(f"flexible share {program.flexible_share} is not a multiple of {step}")
    area_ids = sorted(a.id for a in program.priority_areas)
    cs_area = program.community_supports_area
    from_area = next((a for a in area_ids if a != cs_area), area_ids[0])
    command = "python examples/generate.py"
    if (mcps, seed) != (DEFAULT_MCPS, DEFAULT_SEED):
        command += f" --mcps {mcps} --seed {seed} --out DIR"
    year = program.program_year
    if year != PROGRAM_YEAR:
        command += f" --year {year}"
    lines = [
        f"# Illustrative elections for PY{year}: every MCP, election and finding below is FICTITIOUS,",
        "# invented for examples and tests; none is DHCS's or any real plan's.",
        f"# Generated by examples/generate.py ({mcps} MCPs, seed {seed}); regenerate with",
        f"# `{command}` rather than editing by hand.",
        f"# flexible: shares of the flexible {_quote(str(program.flexible_share))} by priority area;"
        " shares and recoupments are strings.",
    ]
    if roster_change is not None:
        left, host, new = roster_change
        lines += [
            f"# Roster change on 2024-01-01 (illustrative): {left} no longer serves Medi-Cal (its",
            f"# counties went to {host}); {new} is a new plan.",
        ]
    for mcp in ids:
        if mcp == special.no_community_supports:
            allowed = [a for a in area_ids if a != cs_area]
            must = None
        else:
            allowed = area_ids
            must = cs_area if mcp == special.exception else None
        flexible = _flexible(rng, allowed, int(units), must)
        shares = ", ".join(f"{area}: {_quote(_share(step * n))}" for area, n in flexible.items())
        lines += ["", f"{mcp}:", f"  flexible: {{{shares}}}"]
        if mcp == special.exception:
            lines.append(f'  exception: {{approved: true, from: {from_area}, to: {cs_area}, share: "0.05"}}')
        if supports[mcp]:
            lines.append("  community_supports:")
            lines += [f"    - {_yaml_name(name)}" for name in supports[mcp]]
        else:
            lines.append("  community_supports: []")
        on_cap = mcp == special.corrective_action_plan
        lines.append(f"  corrective_action_plan: {'true' if on_cap else 'false'}")
        lines.append(f"  recoupment: {_quote('0.25' if on_cap else '0')}")
    return "\n".join(lines) + "\n"


def _share(value: Decimal) -> str:
    return f"{value:.2f}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _yaml_name(name: str) -> str:
    """A Community Support name, quoted when it holds anything but letters, digits, spaces, '-'."""
    plain = all(ch.isalnum() or ch in " -" for ch in name) and name[:1].isalpha()
    return name if plain else _quote(name)


# --------------------------------------------------------------------------- targets


def _target_measures(measure_set: MeasureSet) -> list[Measure]:
    """The measures that need an individualized target in any submission, in measure-id order
    (one per id: a later submission's measure of the same id describes it)."""
    wanted: dict[str, Measure] = {}
    for _, submission in sorted(measure_set.submissions.items()):
        for m in submission.measures:
            if m.needs_target:
                wanted[m.id] = m
    return sorted(wanted.values(), key=lambda m: measure_key(m.id))


def _targets(
    rng: random.Random,
    rows: list[_Row],
    supports: dict[str, list[str]],
    measure_set: MeasureSet,
) -> dict[tuple[str, str, str], Decimal]:
    """One target per (MCP, county, measure), scaled to the plan's members in the county.

    A plan-level measure gets one row with county "All", scaled to the plan's total members.
    """
    measures = _target_measures(measure_set)
    members: dict[tuple[str, str], int] = {}
    for row in rows:
        members[(row.mcp, row.county)] = max(1, row.member_months // 12)
        members[(row.mcp, "All")] = members.get((row.mcp, "All"), 0) + max(1, row.member_months // 12)
    targets: dict[tuple[str, str, str], Decimal] = {}
    for mcp, county in sorted(members):
        for measure in measures:
            if (county == "All") != (measure.level == "plan"):
                continue
            offered = len(supports[mcp])
            value = _target(rng, measure, members[(mcp, county)], offered)
            targets[(mcp, county, measure.id)] = value
    return targets


def _target(rng: random.Random, measure: Measure, members: int, offered: int) -> Decimal:
    """A plausible target for one measure, by its unit (providers, days, staff, members, …)."""
    unit = (measure.unit or "").lower()
    jitter = rng.randint(70, 130)  # percent
    if measure.direction == "lower" or unit == "days":
        return Decimal(rng.randint(5, 30))
    if unit == "providers":
        return Decimal(min(400, max(3, members * jitter // (1_200 * 100))))
    if unit.startswith("staff"):
        halves = min(500, max(2, members * jitter * 2 // (4_000 * 100)))
        if rng.randint(1, 4) > 1:  # mostly whole FTEs
            halves -= halves % 2
        return Decimal(halves) / 2
    if unit == "audits":
        return Decimal(min(24, max(1, members * jitter // (20_000 * 100))))
    if unit == "community supports":
        return Decimal(max(1, offered - rng.randint(0, 2)))
    if unit == "members":
        per_thousand = rng.randint(5, 20)
        return Decimal(max(2, members * per_thousand // 1_000))
    return Decimal(min(500, max(1, members * jitter // (1_000 * 100))))


def measure_key(measure_id: str) -> tuple[tuple[int, int | str], ...]:
    """Measure ids compared as numbers part by part, so ``1.10`` follows ``1.9``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in measure_id.split("."))


# --------------------------------------------------------------------------- writing


def _plans_csv(rows: list[_Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["mcp", "county", "member_months", "revenue", "wpc", "hhp", "capitation"])
    for row in rows:
        writer.writerow(
            [
                row.mcp,
                row.county,
                row.member_months,
                _money(row.revenue_cents),
                "yes" if row.wpc else "no",
                "yes" if row.hhp else "no",
                _money(row.capitation_cents),
            ]
        )
    return out.getvalue()


def _targets_csv(targets: dict[tuple[str, str, str], Decimal]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["mcp", "county", "measure", "target"])
    for mcp, county, measure in sorted(targets, key=lambda k: (k[0], k[1], measure_key(k[2]))):
        writer.writerow([mcp, county, measure, f"{targets[(mcp, county, measure)]:f}"])
    return out.getvalue()


def _year_yaml(program_year: int) -> str:
    """The program year the folder is for: ipp refuses it for any other ``--year``."""
    return (
        "# The program year this data folder is for: ipp refuses it for any other --year.\n"
        "# Generated by examples/generate.py.\n"
        f"program_year: {program_year}\n"
    )


def _write(path: Path, text: str) -> None:
    """UTF-8 without BOM and '\\n' line endings on every platform, so the bytes are reproducible."""
    path.write_bytes(text.encode("utf-8"))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _cents_decimal(cents: int) -> Decimal:
    return Decimal(cents) / 100


# --------------------------------------------------------------------------- small helpers


def _split(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of ``total`` units by integer ``weights`` (ties: earlier first)."""
    weight_sum = sum(weights)
    floors = [total * w // weight_sum for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in order[: total - sum(floors)]:
        floors[i] += 1
    return floors


def _weighted_sample(rng: random.Random, items: list[str], weights: list[int], count: int) -> list[str]:
    """``count`` distinct items, each draw weighted (integer weights, so no float drift)."""
    pool = list(zip(items, weights, strict=True))
    chosen: list[str] = []
    for _ in range(min(count, len(pool))):
        pick = rng.randrange(sum(w for _, w in pool))
        for index, (item, weight) in enumerate(pool):
            if pick < weight:
                chosen.append(item)
                del pool[index]
                break
            pick -= weight
    return chosen


# --------------------------------------------------------------------------- a round with problems

#: The example round of ``ipp review``: a small year whose Submission 2 workbooks have problems.
REVIEW_OUT = Path(__file__).resolve().parent / "review-round"
REVIEW_MCPS = 8
REVIEW_SEED = 2121
REVIEW_SUBMISSION = 2


def generate_review_round(out_dir: Path = REVIEW_OUT, *, measures_dir: Path | None = None) -> dict[str, str]:
    """A data folder for the intake review (``ipp review --year 1 --submission 2``), reproducible.

    The same small year as :func:`generate_data` makes, with filled workbooks, then each plan's
    Submission 2 workbook gets one kind of problem that the review must find, as an analyst meets
    them: a blank mandatory answer (two counties), text in a number cell and a wrong word in a
    Yes/No cell, a county left off the Cover, a second workbook for the same plan, a Target typed
    over DHCS's (for information only), a Cover whose MCP id is misspelt, a plan that sent
    nothing; one plan is clean. ``examples/py1`` stays clean for ``ipp run``. Returns MCP id →
    what was done to its workbook (also written to the folder's README.md).
    """
    import shutil

    year = generate_data(out_dir, mcps=REVIEW_MCPS, seed=REVIEW_SEED, measures_dir=measures_dir)
    generate_submissions(year, measures_dir=measures_dir)
    measure_set = load_year(measures_dir or shipped_measures_dir(), PROGRAM_YEAR)
    submission = measure_set.submissions[REVIEW_SUBMISSION]
    folder = out_dir / "submissions"
    blank_plan = missing_mandatory_plan(year)
    multi = sorted((m for m in year.mcps if len(year.counties[m]) > 1 and m != blank_plan), key=lambda m: m)
    single = [m for m in year.mcps if m not in multi and m != blank_plan]
    order = [m for m in (*multi, *single)]
    done: dict[str, str] = {}

    def path_of(mcp: str) -> Path:
        return folder / f"{mcp}-submission-{REVIEW_SUBMISSION}.xlsx"

    mandatory_county = next(m for m in submission.measures if m.mandatory and m.level == "county")
    if blank_plan is not None:
        counties = year.counties[blank_plan]
        extra = ""
        if len(counties) > 1:
            _edit_responses(path_of(blank_plan), {(mandatory_county.id, counties[1]): None})
            extra = f" and in {counties[1]}"
        done[blank_plan] = f"mandatory measure {mandatory_county.id} left blank in {counties[0]}{extra}"
    cover_plan, duplicate_plan = order[0], order[1]
    number = next(m for m in submission.measures if m.numeric and m.level == "county")
    yes_no = next(m for m in submission.measures if m.kind == "completion")
    cell_plan = order[2]
    cell_county = year.counties[cell_plan][0]
    yes_no_county = "All" if yes_no.level == "plan" else cell_county
    _edit_responses(path_of(cell_plan), {(number.id, cell_county): "n/a", (yes_no.id, yes_no_county): "maybe"})
    done[cell_plan] = (
        f'measure {number.id} ({cell_county}) answered "n/a" (a number is expected); '
        f'measure {yes_no.id} ({yes_no_county}) answered "maybe"'
    )
    dropped = year.counties[cover_plan][-1]
    _remake_for_counties(measure_set, year, cover_plan, path_of(cover_plan), year.counties[cover_plan][:-1])
    done[cover_plan] = f"made from a template for the wrong counties: the Cover and the rows leave out {dropped}"
    shutil.copyfile(path_of(duplicate_plan), folder / f"{duplicate_plan}-submission-{REVIEW_SUBMISSION}-FINAL.xlsx")
    done[duplicate_plan] = "sent twice (a -FINAL copy)"
    target_plan = next(m for m in order[3:] if any(p == m and (mm, c) for (p, c, mm) in year.targets))
    (county, measure_id), target = next(
        ((c, mm), t) for (p, c, mm), t in sorted(year.targets.items()) if p == target_plan
    )
    _edit_responses(path_of(target_plan), {(measure_id, county): None}, column="Target", value=target + 1)
    done[target_plan] = f"the Target of measure {measure_id} ({county}) typed over as {target + 1} (information only)"
    rest = [m for m in order[3:] if m != target_plan]
    typo_plan, missing_plan = rest[0], rest[1]
    _edit_cover(path_of(typo_plan), "MCP", typo_plan.replace("-", "", 1))
    done[typo_plan] = f"the Cover's MCP id misspelt {typo_plan.replace('-', '', 1)!r}"
    path_of(missing_plan).unlink()
    done[missing_plan] = "sent no Submission 2 workbook"
    for mcp in year.mcps:
        done.setdefault(mcp, "clean: accepted")
    _write(out_dir / "README.md", _review_readme(done))
    return dict(sorted(done.items()))


def _edit_responses(
    path: Path, answers: dict[tuple[str, str], object], *, column: str = "Response", value: object = None
) -> None:
    """Type into the Responses sheet as a person would in Excel: ``answers`` are (measure, county)
    → value for ``column`` (``value`` applies to every key when given)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["Responses"]
    header = [cell.value for cell in sheet[1]]
    at = {name: header.index(name) + 1 for name in ("Measure ID", "County", column)}
    for row in range(2, sheet.max_row + 1):
        key = (str(sheet.cell(row, at["Measure ID"]).value), str(sheet.cell(row, at["County"]).value))
        if key in answers:
            sheet.cell(row, at[column]).value = value if value is not None else answers[key]
    book.save(path)


def _remake_for_counties(
    measure_set: MeasureSet, year: GeneratedYear, mcp: str, path: Path, counties: tuple[str, ...]
) -> None:
    """The plan's workbook as if filled in a template made for ``counties`` (one left out)."""
    from dataclasses import replace

    from ipp_calc.io.template import write_template
    from ipp_calc.io.workbook import read_submission

    filled = read_submission(path, measure_set)
    kept = {key: answer for key, answer in filled.answers.items() if key[1] in (*counties, "All")}
    targets = {(m, c): t for (p, c, m), t in year.targets.items() if p == mcp and c in (*counties, "All")}
    write_template(
        measure_set,
        REVIEW_SUBMISSION,
        mcp,
        counties,
        path,
        targets=targets,
        answers=replace(filled, counties=counties, answers=kept),
    )


def _edit_cover(path: Path, label: str, value: str) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["Cover"]
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == label:
            sheet.cell(row, 2).value = value
    book.save(path)


def _review_readme(done: dict[str, str]) -> str:
    lines = [
        "# Example submission round with problems: PY1 Submission 2 (illustrative)",
        "",
        "Made by `python examples/generate.py` (seeded, reproducible). A small fictitious year whose",
        "Submission 2 workbooks carry the problems an intake review meets, for `ipp review` to find:",
        "",
        "```sh",
        "ipp review --year 1 --submission 2 --data examples/review-round",
        "ipp review --year 1 --submission 2 --data examples/review-round -o review.xlsx",
        "ipp review --year 1 --submission 2 --data examples/review-round -o letters",
        "```",
        "",
        "| plan | what is wrong with its Submission 2 workbook |",
        "|---|---|",
    ]
    lines += [f"| `{mcp}` | {what} |" for mcp, what in sorted(done.items())]
    lines += [
        "",
        "Every name and number is invented and illustrative. `examples/py1` is the clean year that",
        "`ipp run` computes.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
