"""``ipp diff``: the two sides (folders or a git revision), the years to compare, and the
year run under both measure sets on the same data and workbooks.

Why not in the CLI: this is orchestration with rules of its own (which year --data compares, how
workbooks made under OLD are refitted to NEW); the CLI only parses options and renders. The pure
comparison itself is :mod:`ipp_calc.core.diff`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ipp_calc.app.common import data_inputs
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.errors import Finding
from ipp_calc.io.measures import illustrative_notes

if TYPE_CHECKING:  # the types at this layer's boundaries, imported only for the type checker
    from collections.abc import Sequence

    from ipp_calc.core.diff import Attribution, Change, Dropped, Impact
    from ipp_calc.core.models import MeasureSet, Program
    from ipp_calc.core.year import YearInputs, YearResult
    from ipp_calc.io.gitrev import LoadedTree, Tree

#: When ``ipp diff`` exits 1: on a breaking change, on any change, or never.
FailOn = Literal["breaking", "any", "never"]


def diff(
    paths: list[Path],
    *,
    base: str | None = None,
    data: Path | None = None,
    year: int | None = None,
    fail_on: FailOn = "breaking",
    jobs: int | None = None,
    measures: Path | None = None,
    attribute: bool = False,
) -> Outcome:
    """Compare two measure sets: structural and breaking changes, and with ``data`` every plan's
    dollars; with ``attribute`` too, each change's own dollars and the interaction left over."""
    from ipp_calc.core.diff import DiffReport, diff_years, with_effects
    from ipp_calc.errors import InputError
    from ipp_calc.io.gitrev import load_tree
    from ipp_calc.io.output import csv_text
    from ipp_calc.views.diff import diff_csv, diff_markdown, diff_tables, summary_line
    from ipp_calc.views.render import render_tables

    if attribute and data is None:
        raise InputError(
            Finding("usage", "--attribute splits the dollar impact by change: it needs --data DIR to run the year")
        )
    old_tree, new_tree, disk = diff_sides(paths, base, measures)
    found: list[Finding] = []
    loaded = []
    for tree in (old_tree, new_tree):
        try:
            loaded.append(load_tree(tree))
        except InputError as exc:
            found.extend(exc.findings)
    if found:
        raise InputError(found)
    old, new = loaded
    old_sets, new_sets = diff_pairs(old, new, year)
    notes: list[str] = []
    if not old_tree.folders:
        notes.append(f"{old.label} holds no measure sets: everything in {new.label} is new")
    changes = diff_years(old_sets, new_sets)
    impact = None
    attribution = None
    inputs = [p for folder in disk for p in folder.rglob("*.yaml")]
    if data is not None:
        chosen = impact_year(old_sets, new_sets, changes, year)
        dollars = dollar_impact(old, new, old_sets[chosen], new_sets[chosen], data, jobs)
        impact = dollars.impact
        notes += dollars.notes
        changes = diff_years(old_sets, new_sets, answered={chosen: dollars.answered})
        changes = with_effects(changes, dollars.old_result, dollars.new_result, dollars.dropped, dollars.refused)
        inputs += data_inputs(data)
        if attribute:
            attribution = attribute_changes(changes, dollars, data, notes)
    else:
        notes += check_notes(old_sets, new_sets)
    report = DiffReport(old.label, new.label, changes, impact, tuple(notes), attribution)
    findings: tuple[Finding, ...] = ()
    if impact is not None and not impact.balanced:
        findings = (Finding("unbalanced", "the totals do not reconcile to the cent (a bug: please report it)"),)
    if attribution is not None and not attribution.adds_up:
        findings += (Finding("unbalanced", "the attribution does not add up to the cent (a bug: please report it)"),)

    def table() -> str:
        header = [f"ipp diff: {report.old_label} → {report.new_label}: {summary_line(report)}", *report.notes]
        return render_tables(diff_tables(report), header)

    def document() -> Document:
        return report.to_json()

    return Outcome(
        document=document,
        views={
            "table": table,
            "csv": lambda: csv_text(*diff_csv(report)),
            "markdown": lambda: diff_markdown(report),
        },
        notes=report.notes,
        findings=findings,
        inputs=tuple(inputs),
        # NEW that cannot pay the data folder is a finding, whatever --fail-on says.
        failed=(data is not None and impact is None)
        or (fail_on == "breaking" and bool(report.breaking))
        or (fail_on == "any" and bool(report.changes)),
    )


def diff_sides(paths: list[Path], base: str | None, measures: Path | None) -> tuple[Tree, Tree, list[Path]]:
    """OLD and NEW as trees of text, and the folders on disk (never to be overwritten by -o)."""
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.gitrev import folder_tree, git_tree, relative_in_repo, work_tree_root
    from ipp_calc.io.measures import display_path

    if base is None:
        if measures is not None:
            raise InputError(Finding("usage", "--measures goes with --base; without it, name OLD and NEW folders"))
        if len(paths) != 2:
            raise InputError(Finding("usage", "give two measure-set folders, OLD and NEW, or --base GIT_REF [PATH]"))
        return folder_tree(paths[0]), folder_tree(paths[1]), list(paths)
    if len(paths) > 1:
        raise InputError(Finding("usage", "with --base, name at most one PATH (the working-tree side)"))
    if paths:
        path = paths[0]
    elif measures is not None:
        path = measures
    else:
        top = work_tree_root(Path.cwd())
        if top is None:
            raise InputError(Finding("usage", "--base needs a git work tree: run ipp diff inside one, or name PATH"))
        path = top / "measures"
        if not path.is_dir():
            raise InputError(
                Finding("usage", f"no measures/ folder at the top of the work tree {display_path(top)}; name PATH")
            )
    if not path.exists():
        raise InputError(Finding("file-not-found", "no such folder", file=display_path(path)))
    top = work_tree_root(path)
    if top is None:
        raise InputError(Finding("git", "is not inside a git work tree", file=display_path(path)))
    new = folder_tree(path)
    old = git_tree(top, base, relative_in_repo(top, path))
    return old, new, [path]


def diff_pairs(
    old: LoadedTree, new: LoadedTree, year: int | None
) -> tuple[dict[int, MeasureSet], dict[int, MeasureSet]]:
    """The program years to compare: year → measure set, per side."""
    from ipp_calc.errors import Finding, InputError

    before, after = dict(old.sets), dict(new.sets)
    if old.single and new.single:
        # Two year folders are compared whatever years they say (a program_year change shows).
        before = {next(iter(after)): next(iter(before.values()))}
    elif old.single:
        (only,) = before
        after = {only: after[only]} if only in after else {}
    elif new.single:
        (only,) = after
        before = {only: before[only]} if only in before else {}
    if year is not None:
        if year not in before and year not in after:
            have = ", ".join(f"PY{y}" for y in sorted(set(before) | set(after))) or "none"
            raise InputError(Finding("usage", f"--year {year}: neither side has PY{year} (they have: {have})"))
        before = {year: before[year]} if year in before else {}
        after = {year: after[year]} if year in after else {}
    return before, after


def impact_year(
    before: dict[int, MeasureSet], after: dict[int, MeasureSet], changes: Sequence[Change], year: int | None
) -> int:
    """The one program year whose dollars --data can compare."""
    import re

    from ipp_calc.errors import Finding, InputError

    if year is None:
        differing = sorted({int(m.group(1)) for c in changes if (m := re.match(r"py(\d+)/", c.file))})
        common = sorted(set(before) & set(after))
        if len(differing) == 1:
            year = differing[0]
        elif not differing and len(common) == 1:
            year = common[0]
        else:
            which = ", ".join(f"PY{y}" for y in (differing or common))
            raise InputError(
                Finding("usage", f"--data compares one program year: give --year (the measure sets differ in {which})")
            )
    if year not in before or year not in after:
        side = "NEW" if year in after else "OLD"
        raise InputError(Finding("usage", f"PY{year} exists only in {side}: there are no dollars to compare for it"))
    return year


@dataclass(frozen=True)
class DollarRun:
    """The year under OLD and under NEW. ``impact`` is None when NEW cannot pay this data folder
    (``refused`` says, per MCP, why: an election that no longer adds up), so the structural
    changes are still reported and the reader is told why there are no dollars."""

    impact: Impact | None
    notes: list[str]
    answered: dict[tuple[int, str], int]
    old_result: YearResult
    new_result: YearResult | None
    dropped: tuple[Dropped, ...]
    refused: dict[str, str]
    #: The inputs the two runs were made on (the workbooks read once, under OLD), for --attribute.
    old_inputs: YearInputs | None = None
    new_inputs: YearInputs | None = None


def dollar_impact(
    old: LoadedTree, new: LoadedTree, old_ms: MeasureSet, new_ms: MeasureSet, data: Path, jobs: int | None
) -> DollarRun:
    """The year run under OLD and NEW on the same data and workbooks (read once, under OLD)."""
    from dataclasses import replace

    from ipp_calc.app.common import measures_root
    from ipp_calc.core.checks import check_measure_set
    from ipp_calc.core.diff import answered_counts, compare_years, refit_filed
    from ipp_calc.core.year import run_year
    from ipp_calc.errors import InputError
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.measures import load_year as load_measures
    from ipp_calc.io.year_loader import default_jobs, load_year_inputs

    problems = [f for ms in (old_ms, new_ms) for f in check_measure_set(ms) if f.severity == "error"]
    if problems:
        raise InputError(problems)

    def sets(year: int) -> MeasureSet:
        """Other years' sets, for a Cover of another year or an earlier year's baselines: OLD's,
        else NEW's, else the shipped ones (a single-year folder on each side has only its own)."""
        if year == old_ms.year:
            return old_ms
        found = old.sets.get(year) or new.sets.get(year)
        return found if found is not None else load_measures(measures_root(None), year)

    loaded = load_year_inputs(
        old_ms, sets, data, allow_measure_set_change=True, jobs=jobs if jobs is not None else default_jobs()
    )
    old_result = run_year(loaded.inputs)
    notes = illustrative_notes(old_ms) or illustrative_notes(new_ms)
    notes += [f.line_text() for f in loaded.notes]
    answered = answered_counts(loaded.inputs.filed.values())
    try:
        folder_new = read_data_folder(data, new_ms.program)
    except InputError as exc:
        # NEW cannot pay this data (say, elections made for the old flexible share): no dollars,
        # but the structural changes still print, and the reader is told why.
        more = len(exc.findings) - 1
        notes.append(
            f"no dollar impact: under the NEW measure set the data folder no longer fits: {exc.first.line_text()}"
            + (f" (and {more} more: --format json lists them in the changes' affects)" if more else "")
        )
        refused = _refused_by_mcp(exc.findings, [p.mcp for p in old_result.allocation.plans])
        return DollarRun(None, notes, answered, old_result, None, (), refused)
    filed, dropped = refit_filed(loaded.inputs.filed, new_ms)
    new_inputs = replace(
        loaded.inputs,
        ms=new_ms,
        plans=folder_new.plans,
        elections=folder_new.elections,
        table=folder_new.table,
        targets=folder_new.targets,
        filed=filed,
    )
    new_result = run_year(new_inputs)
    impact = compare_years(old_result, new_result)
    made_elsewhere = sorted(
        f.source or f.mcp
        for f in loaded.inputs.filed.values()
        if f.measure_set_sha256
        and (src := old_ms.submission_sources.get(f.submission)) is not None
        and f.measure_set_sha256.lower() != src.sha256.lower()
    )
    if made_elsewhere:
        notes.append(
            f"{len(made_elsewhere)} workbook{'s were' if len(made_elsewhere) != 1 else ' was'} made from another "
            f"version of the OLD measure set (first: {made_elsewhere[0]}); read by measure id"
        )
    if dropped:
        first = dropped[0]
        notes.append(
            f"{len(dropped)} filed answer{'s do' if len(dropped) != 1 else ' does'} not fit the NEW measure set and "
            f"{'are' if len(dropped) != 1 else 'is'} scored as not reported there (first: {first.mcp}, submission "
            f"{first.submission}, measure {first.measure} ({first.county}): {first.reason})"
        )
    return DollarRun(impact, notes, answered, old_result, new_result, dropped, {}, loaded.inputs, new_inputs)


def attribute_changes(
    changes: Sequence[Change], dollars: DollarRun, data: Path, notes: list[str]
) -> Attribution | None:
    """Each change applied alone onto OLD and the year run again on the workbooks already read
    (the data folder is read again only for a program that is neither OLD's nor NEW's); None,
    with a note, when NEW cannot pay the data folder."""
    from ipp_calc.core.diff import DataUnder, attribute
    from ipp_calc.io.data import read_data_folder

    old_inputs, new_inputs, new_result = dollars.old_inputs, dollars.new_inputs, dollars.new_result
    if dollars.impact is None or old_inputs is None or new_inputs is None or new_result is None:
        notes.append("--attribute: no dollar impact, so nothing to attribute to the changes")
        return None

    def read(program: Program) -> DataUnder:
        folder = read_data_folder(data, program)
        return folder.plans, folder.elections, folder.table, folder.targets

    return attribute(changes, old_inputs, new_inputs, dollars.old_result, new_result, read=read)


def _refused_by_mcp(findings: Sequence[Finding], mcps: list[str]) -> dict[str, str]:
    """Per MCP, the first reason NEW refuses its data (findings name the MCP in their key, such as
    ``alpha.flexible``, or in their message); a finding that names no MCP is not attributed."""
    out: dict[str, str] = {}
    for finding in findings:
        for mcp in mcps:
            key = finding.key or ""
            if key == mcp or key.startswith(f"{mcp}.") or f"MCP {mcp}:" in finding.message:
                message = finding.message.removeprefix(f"MCP {mcp}: ")
                out.setdefault(mcp, message)
    return out


def check_notes(before: dict[int, MeasureSet], after: dict[int, MeasureSet]) -> list[str]:
    """Without --data a set that fails ``ipp check`` can still be compared; say that it fails."""
    from ipp_calc.core.checks import check_measure_set

    notes = []
    for side, sets in (("OLD", before), ("NEW", after)):
        for year, ms in sorted(sets.items()):
            count = sum(1 for f in check_measure_set(ms) if f.severity == "error")
            if count:
                notes.append(
                    f"{side} PY{year} has {count} ipp check finding{'s' if count != 1 else ''}: run ipp check on it"
                )
    return notes
