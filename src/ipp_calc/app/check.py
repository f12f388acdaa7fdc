"""``ipp check``: validate measure sets and program files, structure then cross-file rules, all at once."""

from __future__ import annotations

from pathlib import Path

from ipp_calc.app.common import measures_root
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.core.models import MeasureSet
from ipp_calc.errors import Finding


def _baseline_findings(sets: list[MeasureSet], targets: list[Path], root: Path) -> list[Finding]:
    """Every baseline reference of the checked years, resolved among them, then beside them."""
    from ipp_calc.core.checks import check_baselines
    from ipp_calc.io.measures import baseline_sets

    have = {ms.year: ms for ms in sets}
    roots = [t if t.is_dir() and not (t / "program.yaml").exists() else t.parent for t in targets]
    roots = [r.parent if r.name.startswith("py") and (r / "program.yaml").exists() else r for r in roots]
    found: list[Finding] = []
    for ms in sets:
        found += check_baselines(ms, baseline_sets(ms, [*roots, root], have))
    return found


def check(paths: list[Path], measures: Path | None = None) -> Outcome:
    """Every finding of the named folders or files (default: the measures root)."""
    from ipp_calc.core.checks import check_measure_set
    from ipp_calc.io.measures import display_path, load_for_check

    targets = paths or [measures_root(measures)]
    # -o must not overwrite any file checked: a named file's measure set is read whole, and a
    # folder's every YAML file, so those are all inputs, not just the paths named.
    read = [p for t in targets for p in [t, *(t if t.is_dir() else t.parent).rglob("*.y*ml")]]
    sets, found, only = load_for_check(targets)
    for ms in sets:
        found.extend(check_measure_set(ms))
    found.extend(_baseline_findings(sets, targets, measures_root(measures)))
    if only is not None:
        found = [f for f in found if f.file is None or f.file in only]
    ordered = sorted(found, key=lambda f: f.sort_key())
    # Warnings are opinions about a measure set: shown, but they neither fail check nor stop a command.
    warnings = tuple(f for f in ordered if f.severity == "warning")
    findings = tuple(f for f in ordered if f.severity != "warning")
    checked = sorted(
        [ms.program_source.path for ms in sets] + [s.path for ms in sets for s in ms.submission_sources.values()]
    )

    def document() -> Document:
        return {
            "checked": checked,
            "findings": [f.to_json() for f in findings],
            "ok": not findings,
            "warnings": [f.to_json() for f in warnings],
        }

    def table() -> str:
        lines = [f"{f.line_text()} [{f.code}]\n" for f in findings]
        lines += [f"warning: {f.line_text()} [{f.code}]\n" for f in warnings]
        return "".join(lines)

    summary = (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
        if findings
        else f"ok: {len(checked)} file{'s' if len(checked) != 1 else ''} checked, no findings"
    )
    if warnings:
        summary += f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})"
    notes: tuple[str, ...] = ()
    if not findings:
        notes = tuple(
            f"{display_path(Path(ms.program_source.path).parent)}: status illustrative "
            "(not DHCS's official measure set)"
            for ms in sets
            if ms.illustrative
        )
    return Outcome(
        document=document,
        views={"table": table},
        notes=notes,
        findings=findings,
        inputs=tuple(read),
        summary=summary,
        notes_in_table=False,
        findings_are_output=True,
    )


def check_data(data: Path, year: int | None, paths: list[Path], measures: Path | None = None) -> Outcome:
    """``ipp check --data DIR``: the data folder against its measure set, every problem at once
    (exit 1); exit 2 only when the folder is unusable."""
    from ipp_calc.app.common import data_inputs, load_measure_set
    from ipp_calc.errors import InputError
    from ipp_calc.io.datacheck import check_data_folder, stated_year

    if paths:
        raise InputError(Finding("usage", "give either measure-set PATHs or --data DIR, not both"))
    year = year if year is not None else stated_year(data)
    if year is None:
        raise InputError(Finding("usage", "the data folder has no year.yaml: say which year with --year Y"))
    ms = load_measure_set(measures, year)
    report = check_data_folder(data, ms, measures_root(measures))
    findings = tuple(report.findings)
    count = len(report.checked)

    def document() -> Document:
        return {
            "checked": list(report.checked),
            "findings": [f.to_json() for f in findings],
            "ok": not findings,
            "notices": [n.line_text() for n in report.notes],
        }

    summary = (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
        if findings
        else f"ok: {count} file{'s' if count != 1 else ''} checked, no findings"
    )

    def table() -> str:  # every finding, then the count: all on stdout, as a report to keep
        return "".join(f"{f.line_text()} [{f.code}]\n" for f in findings) + summary + "\n"

    return Outcome(
        document=document,
        views={"table": table},
        notes=tuple(n.line_text() for n in report.notes),
        findings=findings,
        inputs=(*data_inputs(data), *(Path(w) for w in report.checked)),
        notes_in_table=False,
        findings_are_output=True,
    )
