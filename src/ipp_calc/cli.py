"""The ``ipp`` command line: a thin typer layer over the library.

Why thin: every number the CLI prints comes from a library result whose ``to_json()`` *is* the
``--format json`` output, so scripts and people see the same thing. The CLI only parses options,
calls the library, renders, and maps outcomes to exit codes (FORMATS.md): 0 done, 1 findings,
2 bad input or usage, 70 a bug.

Start-up is kept light (``ipp --help`` must be quick): heavy modules (pydantic models, openpyxl,
the engines) are imported inside the commands that use them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ipp_calc import __version__
from ipp_calc.errors import printable

if TYPE_CHECKING:
    from ipp_calc.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 70

app = typer.Typer(
    name="ipp",
    help="Scoring and payment calculator for the CalAIM Incentive Payment Program (IPP).",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"


# ----------------------------------------------------------------------------- shared options
# Defined once and reused by every command (the frictionless pattern).

MeasuresOpt = Annotated[
    Path | None,
    typer.Option(
        "--measures",
        help="Folder of measure sets (py1/, py2/, …). Default: the sets shipped with ipp.",
        show_default=False,
    ),
]
DataOpt = Annotated[
    Path,
    typer.Option("--data", help="The program-year data folder (plans.csv, elections.yaml, …)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file (atomically) instead of the terminal.", show_default=False),
]
YearOpt = Annotated[int, typer.Option("--year", "-y", help="Program year (1, 2 or 3).", min=1)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ipp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Show the version and exit.", is_eager=True, callback=_version),
    ] = False,
) -> None:
    """Scoring and payment calculator for the CalAIM Incentive Payment Program (IPP).

    Exit codes: 0 done, 1 findings, 2 bad input or usage, 70 a bug. Add --debug anywhere (or set
    IPP_DEBUG=1) to see a traceback as well; the exit code stays the same. Run
    'ipp COMMAND --help' for a command's options and examples.
    """


def measures_root(measures: Path | None) -> Path:
    from ipp_calc.io.measures import shipped_measures_dir

    return measures if measures is not None else shipped_measures_dir()


# ----------------------------------------------------------------------------- output helpers


def emit(text: str, output: Path | None, inputs: list[Path] | None = None) -> None:
    """Print ``text`` or write it atomically to ``output`` (never over an input file)."""
    from ipp_calc.io.output import check_output_path, is_stdout, write_text

    if output is None or is_stdout(output):
        sys.stdout.write(text)
        sys.stdout.flush()
        return

    check_output_path(output, inputs or [])
    write_text(output, text)


def notice(message: str) -> None:
    """A one-line note on stderr (illustrative data, ignored files): never mixed into JSON/CSV."""
    sys.stderr.write(printable(f"note: {message}") + "\n")


# ----------------------------------------------------------------------------- ipp check


@app.command()
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Measure-set folders or files. Default: the shipped measures/.", show_default=False),
    ] = None,
    measures: MeasuresOpt = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.table,
    output: OutputOpt = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Check this data folder (every file and workbook) against its measure set."),
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="With --data: the program year (default: its year.yaml).", min=1)
    ] = None,
) -> None:
    """Validate measure sets and program files: structure, then cross-file rules, all at once."""
    if data is not None:
        _check_data(data, year, paths, measures, format, output)
        return
    from ipp_calc.core.checks import check_measure_set
    from ipp_calc.io.measures import display_path, load_for_check
    from ipp_calc.io.output import json_text

    targets = paths or [measures_root(measures)]
    # -o must not overwrite any file checked: a named file's measure set is read whole, and a
    # folder's every YAML file, so those are all inputs, not just the paths named.
    read = [p for t in targets for p in [t, *(t if t.is_dir() else t.parent).rglob("*.y*ml")]]
    sets, findings, only = load_for_check(targets)
    for ms in sets:
        findings.extend(check_measure_set(ms))
    findings.extend(_baseline_findings(sets, targets, measures_root(measures)))
    if only is not None:
        findings = [f for f in findings if f.file is None or f.file in only]
    findings.sort(key=lambda f: f.sort_key())
    # Warnings are opinions about a measure set: shown, but they neither fail check nor stop a command.
    warnings = [f for f in findings if f.severity == "warning"]
    findings = [f for f in findings if f.severity != "warning"]
    checked = sorted(
        [ms.program_source.path for ms in sets] + [s.path for ms in sets for s in ms.submission_sources.values()]
    )
    if format is CheckFormat.json:
        document = {
            "checked": checked,
            "findings": [f.to_json() for f in findings],
            "ok": not findings,
            "warnings": [f.to_json() for f in warnings],
        }
        emit(json_text(document), output, read)
    else:
        lines = [f"{f.line_text()} [{f.code}]" for f in findings]
        lines += [f"warning: {f.line_text()} [{f.code}]" for f in warnings]
        summary = (
            f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
            if findings
            else f"ok: {len(checked)} file{'s' if len(checked) != 1 else ''} checked, no findings"
        )
        if warnings:
            summary += f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})"
        if output is None and lines:
            for line in lines:
                typer.echo(line)
            typer.echo(summary, err=True)
        else:
            emit("\n".join([*lines, summary]) + "\n", output, read)
        for ms in sets:
            if ms.illustrative and not findings:
                notice(
                    f"{display_path(Path(ms.program_source.path).parent)}: status illustrative "
                    "(not DHCS's official measure set)"
                )
    if findings:
        raise typer.Exit(EXIT_FINDINGS)


def _check_data(
    data: Path, year: int | None, paths: list[Path] | None, measures: Path | None, format: CheckFormat, out: Path | None
) -> None:
    """``ipp check --data DIR``: every problem of the folder at once (exit 1); exit 2 when unusable."""
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.datacheck import check_data_folder, stated_year
    from ipp_calc.io.output import json_text

    if paths:
        raise InputError(Finding("usage", "give either measure-set PATHs or --data DIR, not both"))
    year = year if year is not None else stated_year(data)
    if year is None:
        raise InputError(Finding("usage", "the data folder has no year.yaml: say which year with --year Y"))
    ms = load_measure_set(measures, year)
    report = check_data_folder(data, ms, measures_root(measures))
    findings = report.findings
    inputs = [*data_inputs(data), *(Path(w) for w in report.checked)]
    if format is CheckFormat.json:
        document = {
            "checked": list(report.checked),
            "findings": [f.to_json() for f in findings],
            "ok": not findings,
            "notices": [n.line_text() for n in report.notes],
        }
        emit(json_text(document), out, inputs)
    else:
        lines = [f"{f.line_text()} [{f.code}]" for f in findings]
        count = len(report.checked)
        summary = (
            f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
            if findings
            else f"ok: {count} file{'s' if count != 1 else ''} checked, no findings"
        )
        emit("\n".join([*lines, summary]) + "\n", out, inputs)
    for note in report.notes:
        notice(note.line_text())
    if findings:
        raise typer.Exit(EXIT_FINDINGS)


def _baseline_findings(sets: list[Any], targets: list[Path], root: Path) -> list[Any]:
    """Every baseline reference of the checked years, resolved among them, then beside them."""
    from ipp_calc.core.checks import check_baselines
    from ipp_calc.io.measures import baseline_sets

    have = {ms.year: ms for ms in sets}
    roots = [t if t.is_dir() and not (t / "program.yaml").exists() else t.parent for t in targets]
    roots = [r.parent if r.name.startswith("py") and (r / "program.yaml").exists() else r for r in roots]
    found: list[Any] = []
    for ms in sets:
        found += check_baselines(ms, baseline_sets(ms, [*roots, root], have))
    return found


# ----------------------------------------------------------------------------- shared plumbing


def load_measure_set(measures: Path | None, year: int) -> Any:
    """The program year's measure set, checked: a set with findings is bad input (exit 2)."""
    from ipp_calc.core.checks import check_baselines, check_measure_set
    from ipp_calc.errors import InputError
    from ipp_calc.io.measures import baseline_sets, load_year

    root = measures_root(measures)
    ms = load_year(root, year)
    problems = [f for f in check_measure_set(ms) if f.severity == "error"]
    problems += check_baselines(ms, baseline_sets(ms, [root], {}))
    if problems:
        raise InputError(problems)
    return ms


def illustrative_notes(ms: Any) -> list[str]:
    from ipp_calc.io.measures import illustrative_notes as notes

    return list(notes(ms))


def deliver(
    *,
    format: Format,
    output: Path | None,
    inputs: list[Path],
    document: dict[str, Any],
    tables: Any,
    csv: tuple[list[str], list[list[Any]]],
    notes: list[str],
) -> None:
    """Render one result in the chosen format; notes go on the table, in JSON, and to stderr."""
    from ipp_calc.io.output import csv_text, json_text
    from ipp_calc.io.render import render_tables

    if format is Format.json:
        text = json_text(document)
    elif format is Format.csv:
        text = csv_text(*csv)
    else:
        text = render_tables(tables(), notes)
    emit(text, output, inputs)
    if format is not Format.table or output is not None:
        for line in notes:
            notice(line)


#: The arguments of this run of ``main`` (not ``sys.argv``: tests call ``main`` in-process).
_INVOKED: list[str] = []


def command_line() -> str:
    """The command as typed (quoted for a shell), for the report's Sources sheet."""
    import shlex

    return " ".join(shlex.quote(a) for a in ["ipp", *_INVOKED])


def sha256_of(paths: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each file's sha256, so a report says exactly which workbooks it was computed from."""
    import hashlib

    out: dict[str, str] = {}
    for path in paths:
        try:
            out[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            continue
    return out


def data_inputs(data: Path) -> list[Path]:
    return [data / name for name in ("year.yaml", "plans.csv", "elections.yaml", "allocation.csv", "targets.csv")]


# ----------------------------------------------------------------------------- ipp allocate


@app.command()
def allocate(
    year: YearOpt,
    data: DataOpt = Path("."),
    mcp: Annotated[str | None, typer.Option("--mcp", help="Show one plan's rows only.")] = None,
    measures: MeasuresOpt = None,
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Maximum allocations per MCP, county, payment and priority area, to the cent."""
    from ipp_calc.core.allocation import allocate as compute
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.render import allocation_csv, allocation_tables

    ms = load_measure_set(measures, year)
    folder = read_data_folder(data, ms.program)
    result = compute(ms.program, folder.plans, folder.elections, folder.table)
    if mcp is not None:
        if result.plan(mcp) is None:
            raise InputError(Finding("unknown-mcp", f"MCP {mcp!r} is not in plans.csv", file=str(data / "plans.csv")))
        result = result.for_mcp(mcp)
    notes = illustrative_notes(ms) + list(result.notes) + [n.line_text() for n in folder.notes]
    document = {**result.to_json(), "status": ms.program.status, "notices": notes}
    deliver(
        format=format,
        output=output,
        inputs=data_inputs(data),
        document=document,
        tables=lambda: allocation_tables(result),
        csv=allocation_csv(result),
        notes=notes,
    )
    for finding in result.findings:
        sys.stderr.write(printable(f"finding: {finding.mcp}: {finding.message} [{finding.code}]") + "\n")
    if result.findings:
        raise typer.Exit(EXIT_FINDINGS)


# ----------------------------------------------------------------------------- ipp template

AllowChangeOpt = Annotated[
    bool,
    typer.Option(
        "--allow-measure-set-change",
        help="Score a workbook made from a different version of the measure set (ids must still match).",
    ),
]


@app.command()
def template(
    year: YearOpt,
    submission: Annotated[int, typer.Option("--submission", "-s", help="Submission number.", min=1)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .xlsx file to write.")],
    mcp: Annotated[str | None, typer.Option("--mcp", help="The MCP the template is for.")] = None,
    counties: Annotated[
        str | None, typer.Option("--counties", help='Comma-separated counties, e.g. "Alameda,Fresno".')
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Data folder: the MCP's counties from plans.csv, its targets from targets.csv."),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option("--from", help="Prepopulate responses and notes from an earlier workbook of the same plan."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the -o file if it exists (it may be a filled workbook).")
    ] = False,
    measures: MeasuresOpt = None,
) -> None:
    """A blank reporting template from the measure set (Cover, Responses, Instructions)."""
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.template import write_template
    from ipp_calc.io.year_loader import measure_ids as year_measure_ids

    ms = load_measure_set(measures, year)
    if ms.submission(submission) is None:
        raise InputError(
            Finding(
                "usage",
                f"PY{year} has no submission {submission} (it has {', '.join(map(str, sorted(ms.submissions)))})",
            )
        )
    if mcp is None:
        raise InputError(Finding("usage", "--mcp is required: the template is for one MCP"))
    targets = None
    inputs: list[Path] = []
    folder_notes: list[str] = []
    if data is not None:
        folder = read_data_folder(data, ms.program, need_elections=False, measure_ids=year_measure_ids(ms))
        folder_notes = [n.line_text() for n in folder.notes]
        inputs = data_inputs(data)
        if mcp not in folder.mcps:
            raise InputError(Finding("unknown-mcp", f"MCP {mcp!r} is not in plans.csv", file=str(data / "plans.csv")))
        county_list = folder.counties(mcp)
        if counties is not None:
            given = sorted(c.strip() for c in counties.split(",") if c.strip())
            if given != county_list:
                raise InputError(
                    Finding(
                        "usage", f"--counties {', '.join(given)} disagrees with plans.csv ({', '.join(county_list)})"
                    )
                )
        targets = {(t.measure, t.county): t.target for t in folder.targets or () if t.mcp == mcp}
    elif counties is None:
        raise InputError(Finding("usage", 'give --counties "A,B" or --data DIR to say where the MCP operates'))
    else:
        county_list = sorted({c.strip() for c in counties.split(",") if c.strip()})
        if not county_list:
            raise InputError(Finding("usage", "--counties names no county"))
    prepopulation = None
    if previous is not None:
        from ipp_calc.io.earlier import read_prepopulation

        inputs.append(previous)
        prepopulation = read_prepopulation(
            previous,
            lambda y: ms if y == year else load_measure_set(measures, y),
            ms.submissions[submission],
            mcp,
            county_list,
            display=str(previous),
        )
    from ipp_calc.io.output import check_output_path, refuse_existing

    check_output_path(output, inputs, data=data)
    if not force:
        refuse_existing(output)
    write_template(ms, submission, mcp, county_list, output, targets=targets, prepopulation=prepopulation)
    typer.echo(
        f"wrote {output}: {mcp}, PY{year} submission {submission}, {len(county_list)} count"
        f"{'y' if len(county_list) == 1 else 'ies'}"
    )
    for line in illustrative_notes(ms) + folder_notes:
        notice(line)
    if prepopulation is not None:
        for line in prepopulation_lines(prepopulation, year, submission):
            typer.echo(line)
        for item in prepopulation.not_carried:
            notice(f"not carried from {previous}: {item}")


def prepopulation_lines(prepopulation: Any, year: int, submission: int) -> list[str]:
    """What ``--from`` carried, one line each (or why nothing was)."""
    source = f"PY{prepopulation.program_year} submission {prepopulation.submission}"
    if not prepopulation.declared:
        return [
            f"carried nothing from {prepopulation.source}: no measure of PY{year} submission {submission} "
            f"is prepopulated from {source} (prepopulate_from in the measure set)"
        ]
    count = len(prepopulation.carried)
    lines = [f"carried {count} value{'s' if count != 1 else ''} from {prepopulation.label}:"]
    lines += [f"  {item}" for item in prepopulation.carried]
    return lines


# ----------------------------------------------------------------------------- ipp score


class ScoreSort(StrEnum):
    measure = "measure"
    worth = "worth"


@app.command()
def score(
    workbook: Annotated[Path, typer.Argument(help="The MCP's filled reporting template (.xlsx).")],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Data folder; with plans.csv and elections.yaml, dollars are shown too."),
    ] = None,
    allow_measure_set_change: AllowChangeOpt = False,
    allocation_file: Annotated[
        Path | None,
        typer.Option(
            "--allocation",
            help="The plan's own maximum allocation (CSV: county, amount; or DHCS's table with mcp): "
            "dollars without anyone else's data. Needs --elections.",
            show_default=False,
        ),
    ] = None,
    elections_file: Annotated[
        Path | None,
        typer.Option(
            "--elections",
            help="The plan's elections (elections.yaml with its entry). Needs --allocation.",
            show_default=False,
        ),
    ] = None,
    sort: Annotated[
        ScoreSort,
        typer.Option("--sort", help="Order of the measure rows (table and CSV): measure id, or worth (largest first)."),
    ] = ScoreSort.measure,
    unearned_only: Annotated[
        bool,
        typer.Option("--unearned-only", help="Show only measures not earned in full (table and CSV)."),
    ] = False,
    baseline_data: Annotated[
        list[Path] | None,
        typer.Option(
            "--baseline-data",
            help="An earlier program year's data folder, for improvement measures' baselines "
            "(default: the py<N>/ folder beside --data, when there is one).",
            show_default=False,
        ),
    ] = None,
    measures: MeasuresOpt = None,
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Points per measure, area and county; dollars and worth when the data folder can allocate.

    Worth is what earning a measure in full would add, all else equal. JSON always carries every
    row in the contract's order; --sort and --unearned-only shape the table and the CSV.
    """
    from ipp_calc.core.allocation import allocate as compute_allocation
    from ipp_calc.core.year import score_submission
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.render import score_csv, score_tables
    from ipp_calc.io.workbook import read_submission
    from ipp_calc.io.year_loader import measure_ids as year_measure_ids

    sets: dict[int, Any] = {}

    def lookup(year: int) -> Any:  # the Cover names the year; its set is loaded and checked once
        if year not in sets:
            sets[year] = load_measure_set(measures, year)
        return sets[year]

    filled = read_submission(workbook, lookup, display=str(workbook), allow_measure_set_change=allow_measure_set_change)
    ms = lookup(filled.program_year)
    plan_side = allocation_file is not None or elections_file is not None
    if plan_side and (allocation_file is None or elections_file is None or data is not None):
        raise InputError(
            Finding("usage", "give --allocation and --elections together (the plan's own files), or --data, not both")
        )
    if data is None and not plan_side and Path("plans.csv").is_file():
        data = Path(".")
    from dataclasses import replace

    allocation = None
    targets = None
    cover: list[Finding] = []
    folder_notes: tuple[Finding, ...] = ()
    inputs = [workbook]
    if allocation_file is not None and elections_file is not None:
        from ipp_calc.io.planside import plan_allocation, read_plan_allocation, read_plan_elections

        table, _ = read_plan_allocation(allocation_file, filled.mcp, filled.counties)
        election, _ = read_plan_elections(elections_file, ms.program, filled.mcp)
        allocation = plan_allocation(ms.program, filled.mcp, table, election)
        inputs += [allocation_file, elections_file]
    if data is not None:
        folder = read_data_folder(data, ms.program, need_elections=False, measure_ids=year_measure_ids(ms))
        folder_notes = folder.notes
        inputs += data_inputs(data)
        cover = folder.cover(filled.mcp, filled.counties, str(workbook))
        if any(f.severity == "error" for f in cover):
            raise InputError([f for f in cover if f.severity == "error"])
        known = folder.counties(filled.mcp)
        filled = replace(filled, counties=tuple(known))
        if folder.targets is not None:
            targets = {(t.measure, t.county): t.target for t in folder.targets if t.mcp == filled.mcp}
        if folder.elections:
            allocation = compute_allocation(ms.program, folder.plans, folder.elections, folder.table)
    baselines, more_notes = _score_baselines(ms, filled, data, baseline_data or [], measures, allow_measure_set_change)
    result = score_submission(ms, filled, targets=targets, allocation=allocation, baselines=baselines)
    if cover:
        from ipp_calc.core.scoring import ScoreNote

        result = replace(result, notes=(*result.notes, *(ScoreNote(f.code, f.message) for f in cover)))
    notes = illustrative_notes(ms) + more_notes + [n.message for n in result.notes]
    notes += [n.line_text() for n in folder_notes]
    if data is not None and allocation is None:
        notes.append("no elections.yaml in the data folder: points only, no dollars")
    document = {**result.to_json(), "status": ms.program.status, "notices": notes}
    deliver(
        format=format,
        output=output,
        inputs=inputs,
        document=document,
        tables=lambda: score_tables(
            result,
            payments=[p.id for p in ms.program.payments_of(filled.submission)],
            sort=sort.value,
            unearned_only=unearned_only,
        ),
        csv=score_csv(result, sort=sort.value, unearned_only=unearned_only),
        notes=notes,
    )
    if any(n.code != "percent-format" for n in result.notes):  # findings (FORMATS.md); percent-format warns
        raise typer.Exit(EXIT_FINDINGS)


def _score_baselines(
    ms: Any, filled: Any, data: Path | None, given: list[Path], measures: Path | None, allow: bool
) -> tuple[Any, list[str]]:
    """The plan's earlier values for its improvement measures (RULES.md section 8): its earlier
    workbooks of the year in ``data``/submissions, and earlier years' from ``--baseline-data`` or
    the sibling folders. None (the workbook's Baseline column) without a data folder."""
    from ipp_calc.core.scoring import baselines_from
    from ipp_calc.errors import InputError
    from ipp_calc.io.year_loader import load_earlier_years, read_workbooks, workbook_paths

    submission = ms.submissions[filled.submission]
    if data is None or not any(m.needs_baseline for m in submission.measures):
        return None, []
    root = measures_root(measures)
    earlier_years = load_earlier_years(ms, root, data, given, allow_measure_set_change=allow)
    earlier = {(y, s): f for (mcp, y, s), f in earlier_years.filed.items() if mcp == filled.mcp}
    notes = [f.line_text() for f in earlier_years.notes]
    paths, _ = workbook_paths(data / "submissions")
    unread = 0
    for result in read_workbooks(paths, ms, root, allow_measure_set_change=True):
        if isinstance(result, InputError):
            unread += 1
        elif result.mcp == filled.mcp and result.program_year == ms.year and result.submission < filled.submission:
            earlier[(ms.year, result.submission)] = result
    if unread:
        notes.append(
            f"{unread} workbook(s) in {data / 'submissions'} could not be read; baselines in them are not used"
        )
    known = set(earlier_years.known) | {(ms.year, n) for n in ms.submissions if n < filled.submission}
    return baselines_from(submission, tuple(filled.counties), earlier, known=known), notes


# ----------------------------------------------------------------------------- the year


BaselineDataOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--baseline-data",
        help="An earlier program year's data folder, for improvement measures' baselines "
        "(default: the py<N>/ folder beside --data, when there is one). Repeat for several years.",
        show_default=False,
    ),
]

JobsOpt = Annotated[
    int | None,
    typer.Option("--jobs", "-j", help="Worker processes reading workbooks (default 1: measured fastest).", min=1),
]


def compute_year(
    measures: Path | None,
    year: int,
    data: Path,
    *,
    allow_change: bool,
    jobs: int | None,
    show_progress: bool,
    baseline_data: list[Path] | None = None,
) -> Any:
    """Load everything for a year and run it; shows a progress bar on a terminal."""
    from ipp_calc.core.year import run_year
    from ipp_calc.io.year_loader import default_jobs, load_year_inputs

    ms = load_measure_set(measures, year)
    progress_cb = None
    bar: Any = None
    if show_progress and sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("reading workbooks", total=None)
        bar.start()

        def progress_cb(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

    try:
        loaded = load_year_inputs(
            ms,
            measures_root(measures),
            data,
            allow_measure_set_change=allow_change,
            jobs=jobs if jobs is not None else default_jobs(),
            progress=progress_cb,
            baseline_data=baseline_data or (),
        )
    finally:
        if bar is not None:
            bar.stop()
    return ms, loaded, run_year(loaded.inputs)


def year_notes(ms: Any, loaded: Any, result: Any) -> list[str]:
    notes = illustrative_notes(ms) + list(result.allocation.notes)
    notes += [f.line_text() for f in loaded.notes]
    return notes


@app.command()
def pool(
    year: YearOpt,
    data: DataOpt = Path("."),
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    baseline_data: BaselineDataOpt = None,
    measures: MeasuresOpt = None,
    format: FormatOpt = Format.table,
    output: OutputOpt = None,
) -> None:
    """Unearned and forfeited dollars, pool eligibility, redistribution and what is retained."""
    from ipp_calc.io.render import pool_csv, pool_tables

    ms, loaded, result = compute_year(
        measures,
        year,
        data,
        allow_change=allow_measure_set_change,
        jobs=jobs,
        show_progress=True,
        baseline_data=baseline_data,
    )
    notes = year_notes(ms, loaded, result)
    document = {**result.pool.to_json(), "status": ms.program.status, "notices": notes}
    deliver(
        format=format,
        output=output,
        inputs=data_inputs(data) + [Path(w) for w in loaded.workbooks],
        document=document,
        tables=lambda: pool_tables(result.pool),
        csv=pool_csv(result.pool),
        notes=notes,
    )


@app.command()
def run(
    year: YearOpt,
    data: DataOpt = Path("."),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report workbook (.xlsx) or, for another suffix, the output."),
    ] = None,
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    baseline_data: BaselineDataOpt = None,
    measures: MeasuresOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """The whole year end to end: allocation, every submission, pool, reconciliation."""
    from ipp_calc.core.trace import trace_json
    from ipp_calc.io.render import run_csv, run_tables

    ms, loaded, result = compute_year(
        measures,
        year,
        data,
        allow_change=allow_measure_set_change,
        jobs=jobs,
        show_progress=True,
        baseline_data=baseline_data,
    )
    notes = year_notes(ms, loaded, result)
    inputs = data_inputs(data) + [Path(w) for w in loaded.workbooks]
    text_output = output
    if output is not None and output.suffix.lower() == ".xlsx":
        from ipp_calc.io.output import check_output_path
        from ipp_calc.io.report import write_report

        check_output_path(output, inputs)
        from ipp_calc.io.report import Provenance

        provenance = Provenance(command=command_line(), workbook_sha256=sha256_of(loaded.workbooks))
        write_report(
            result,
            output,
            notes=notes,
            sources=loaded.data.sources,
            workbooks=loaded.workbooks,
            provenance=provenance,
        )
        text_output = None
    document: dict[str, Any] = {**result.to_json(), "status": ms.program.status, "notices": notes}
    if format is Format.json:
        document["trace"] = trace_json(result)
    deliver(
        format=format,
        output=text_output,
        inputs=inputs,
        document=document,
        tables=lambda: run_tables(result),
        csv=run_csv(result),
        notes=notes,
    )
    if output is not None and text_output is None:
        notice(f"wrote the report workbook {output}")
    for finding in result.findings:
        sys.stderr.write(printable(f"finding: {finding}") + "\n")
    if result.findings:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def explain(
    year: YearOpt,
    mcp: Annotated[str, typer.Option("--mcp", help="The MCP to explain.")],
    data: DataOpt = Path("."),
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    baseline_data: BaselineDataOpt = None,
    measures: MeasuresOpt = None,
    county: Annotated[
        str | None,
        typer.Option("--county", help="Only the steps about this county (and those about the whole plan)."),
    ] = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.table,
    output: OutputOpt = None,
) -> None:
    """The chain of parameters, shares, points and references behind one plan's dollars."""
    from ipp_calc.core.trace import FOR_PEOPLE, for_county, trace_plan
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.output import json_text
    from ipp_calc.io.render import explain_text

    ms, loaded, result = compute_year(
        measures,
        year,
        data,
        allow_change=allow_measure_set_change,
        jobs=jobs,
        show_progress=True,
        baseline_data=baseline_data,
    )
    if result.allocation.plan(mcp) is None:
        raise InputError(Finding("unknown-mcp", f"MCP {mcp!r} is not in plans.csv", file=str(data / "plans.csv")))
    if county is not None:
        known = result.allocation.counties(mcp)
        if county not in known:
            raise InputError(
                Finding(
                    "unknown-county",
                    f"MCP {mcp} has no plans.csv row for county {county!r} (it has {', '.join(known)})",
                    file=str(data / "plans.csv"),
                )
            )
    notes = illustrative_notes(ms)
    if format is CheckFormat.json:
        steps = trace_plan(result, mcp)
        steps = for_county(steps, county) if county is not None else steps
        text = json_text({"mcp": mcp, "steps": [s.to_json() for s in steps], "notices": notes})
    else:
        steps = trace_plan(result, mcp, FOR_PEOPLE)
        steps = for_county(steps, county) if county is not None else steps
        text = explain_text(mcp, steps, county, notes=notes)
    emit(text, output, data_inputs(data) + [Path(w) for w in loaded.workbooks])


# ----------------------------------------------------------------------------- ipp review


@app.command()
def review(
    year: YearOpt,
    submission: Annotated[int, typer.Option("--submission", "-s", help="The submission round to review.", min=1)],
    data: DataOpt = Path("."),
    allow_measure_set_change: AllowChangeOpt = False,
    measures: MeasuresOpt = None,
    format: FormatOpt = Format.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="review.xlsx: the review workbook (Status, Problems); a folder (or a name without a suffix): "
            "one letter per plan (markdown); another name: the output in --format.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The intake review of one round: every workbook read, each plan accepted, revision requested or missing."""
    from ipp_calc.core.review import review_round
    from ipp_calc.core.year import targets_by_mcp
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.review import read_round, write_letters, write_review_workbook
    from ipp_calc.io.reviewview import review_csv, review_tables, summary_line
    from ipp_calc.io.year_loader import measure_ids as year_measure_ids

    ms = load_measure_set(measures, year)
    if ms.submission(submission) is None:
        raise InputError(
            Finding(
                "usage",
                f"PY{year} has no submission {submission} (it has {', '.join(map(str, sorted(ms.submissions)))})",
            )
        )
    folder = read_data_folder(data, ms.program, need_elections=False, measure_ids=year_measure_ids(ms))
    reads, file_notes = read_round(data, ms, allow_measure_set_change=allow_measure_set_change)
    result = review_round(
        ms,
        submission,
        {mcp: folder.counties(mcp) for mcp in folder.mcps},
        reads,
        targets=targets_by_mcp(folder.targets),
    )
    notes = illustrative_notes(ms) + [f.line_text() for f in file_notes]
    if result.other_submissions:
        notes.append(f"{len(result.other_submissions)} workbook(s) answer another submission: not part of this round")
    inputs = data_inputs(data) + [data / "submissions" / Path(r.file).name for r in reads]
    if output is not None and (output.is_dir() or not output.suffix):
        written = write_letters(result, output, illustrative=ms.illustrative, inputs=inputs)
        typer.echo(f"wrote {len(written)} letters in {output}: {summary_line(result)}")
        for line in notes:
            notice(line)
    elif output is not None and output.suffix.lower() == ".xlsx":
        from ipp_calc.io.output import check_output_path

        check_output_path(output, inputs)
        write_review_workbook(result, output, notes=notes)
        typer.echo(f"wrote the review workbook {output}: {summary_line(result)}")
        for line in notes:
            notice(line)
    else:
        document = {**result.to_json(), "status": ms.program.status, "notices": notes}
        deliver(
            format=format,
            output=output,
            inputs=inputs,
            document=document,
            tables=lambda: review_tables(result),
            csv=review_csv(result),
            notes=notes,
        )
        if format is Format.table and output is None:
            typer.echo(summary_line(result))
    if not result.accepted:
        raise typer.Exit(EXIT_FINDINGS)


# ----------------------------------------------------------------------------- ipp elections


class ElectionsFormat(StrEnum):
    yaml = "yaml"
    json = "json"


@app.command()
def elections(
    year: YearOpt,
    data: DataOpt = Path("."),
    measures: MeasuresOpt = None,
    format: Annotated[ElectionsFormat, typer.Option("--format", "-f", help="Output format.")] = ElectionsFormat.yaml,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write elections.yaml here (atomically; it may be the data folder's own elections.yaml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Gather the plans' Gap-Filling Plan elections from their workbooks into elections.yaml."""
    from ipp_calc.core.elections import elections_yaml, gather
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.elections import read_elections_sheet
    from ipp_calc.io.output import json_text
    from ipp_calc.io.year_loader import workbook_paths

    ms = load_measure_set(measures, year)
    number = ms.program.gap_filling_submission
    if number is None:
        raise InputError(
            Finding(
                "usage",
                f"PY{year}'s program.yaml names no gap_filling_submission: no template carries elections",
                file=ms.program_source.path,
            )
        )
    folder = read_data_folder(data, ms.program, need_elections=False)
    existing_path = data / "elections.yaml"
    existing = folder.elections if existing_path.exists() else None
    if not (data / "submissions").is_dir():
        raise InputError(Finding("file-not-found", "the data folder has no submissions/ folder", file=str(data)))
    paths, file_notes = workbook_paths(data / "submissions")
    found: list[Finding] = []
    books = []
    for path in paths:
        try:
            book = read_elections_sheet(path, ms)
        except InputError as exc:
            found.extend(exc.findings)
            continue
        if book is not None:
            books.append(book)
    result = gather(ms.program, folder.mcps, books, existing, existing_file=str(existing_path))
    findings = sorted([*found, *result.findings], key=lambda f: f.sort_key())
    header = [
        f"PY{year} elections, gathered by ipp elections from the submission {number} workbooks",
        f"in {data / 'submissions'}.",
        "Exception requests are written approved: false until DHCS decides; corrective_action_plan and",
        "recoupment are DHCS's and kept from the elections.yaml this was made from.",
    ]
    if format is ElectionsFormat.json:
        document = {
            "program_year": year,
            "submission": number,
            "elections": {m: e.model_dump(mode="json", by_alias=True) for m, e in sorted(result.elections.items())},
            "findings": [f.to_json() for f in findings],
            "notices": illustrative_notes(ms),
        }
        text = json_text(document)
    else:
        text = elections_yaml(result.elections, header=header)
    inputs = [p for p in data_inputs(data) if p != existing_path] + paths
    emit(text, output, inputs)
    for line in illustrative_notes(ms) + [f.line_text() for f in file_notes]:
        notice(line)
    if output is not None:
        notice(f"wrote {output}: elections of {len(result.elections)} of {len(folder.mcps)} plans")
    errors = [f for f in findings if f.severity == "error"]
    for finding in findings:
        label = "finding" if finding.severity == "error" else "note"
        sys.stderr.write(printable(f"{label}: {finding.line_text()} [{finding.code}]") + "\n")
    if errors:
        raise typer.Exit(EXIT_FINDINGS)


# ----------------------------------------------------------------------------- ipp program


@app.command()
def program(
    data: Annotated[
        Path,
        typer.Option("--data", help="A folder of program-year data folders: py1/, py2/, py3/ (e.g. examples)."),
    ] = Path("."),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the program workbook (.xlsx: a Program sheet, then each year's sheets) or the output.",
            show_default=False,
        ),
    ] = None,
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    measures: MeasuresOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Every program year under a folder: per plan and year, and the program's reconciliation."""
    from ipp_calc.core.program import program_of
    from ipp_calc.core.year import run_year
    from ipp_calc.io.program_view import program_csv, program_tables
    from ipp_calc.io.year_loader import default_jobs, load_program_inputs

    loaded = load_program_inputs(
        data,
        measures_root(measures),
        lambda year: load_measure_set(measures, year),
        allow_measure_set_change=allow_measure_set_change,
        jobs=jobs if jobs is not None else default_jobs(),
    )
    results = [run_year(year.inputs) for year in loaded]
    result = program_of(results)
    notes: list[str] = []
    inputs: list[Path] = []
    for year, computed in zip(loaded, results, strict=True):
        number = computed.ms.year
        notes += [f"PY{number}: {n}" for n in year_notes(computed.ms, year, computed)]
        inputs += data_inputs(year.data.folder) + [Path(w) for w in year.workbooks]
    text_output = output
    if output is not None and output.suffix.lower() == ".xlsx":
        from ipp_calc.io.output import check_output_path
        from ipp_calc.io.program_report import write_program_report

        check_output_path(output, inputs)
        write_program_report(result, output, notes=notes, years=loaded)
        text_output = None
    status = "illustrative" if any(r.ms.illustrative for r in results) else "official"
    document: dict[str, Any] = {**result.to_json(), "status": status, "notices": notes}
    deliver(
        format=format,
        output=text_output,
        inputs=inputs,
        document=document,
        tables=lambda: program_tables(result),
        csv=program_csv(result),
        notes=notes,
    )
    if output is not None and text_output is None:
        notice(f"wrote the program workbook {output}")
    for finding in result.findings:
        sys.stderr.write(printable(f"finding: {finding}") + "\n")
    if result.findings:
        raise typer.Exit(EXIT_FINDINGS)


# ----------------------------------------------------------------------------- ipp diff


class DiffFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class FailOn(StrEnum):
    breaking = "breaking"
    any = "any"
    never = "never"


@app.command()
def diff(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="OLD NEW: measure-set folders (a py<N>/ folder, or a folder of them). With --base: the "
            "working-tree PATH (default: measures/ at the top of the git work tree).",
            show_default=False,
            metavar="OLD NEW | PATH",
        ),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="Compare the working tree's measure sets with those at this git revision (read with git, "
            "no checkout), e.g. origin/main.",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Data folder: run the year under OLD and under NEW with the same data and workbooks, and "
            "show every plan's dollars.",
            show_default=False,
        ),
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", "-y", help="Compare this program year only.", min=1, show_default=False)
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 on any breaking change, on any change, or never.")
    ] = FailOn.breaking,
    jobs: JobsOpt = None,
    measures: Annotated[
        Path | None,
        typer.Option("--measures", help="With --base: the PATH to compare, when not given.", show_default=False),
    ] = None,
    format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format (markdown: a pull-request comment).")
    ] = DiffFormat.table,
    output: OutputOpt = None,
) -> None:
    """A measure-set edit: structural and breaking changes, and with --data every plan's dollars."""
    from ipp_calc.core.diff import DiffReport, diff_years, with_effects
    from ipp_calc.errors import Finding, InputError
    from ipp_calc.io import diffrun
    from ipp_calc.io.gitrev import load_tree

    old_tree, new_tree, disk = diffrun.diff_sides(paths or [], base, measures)
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
    old_sets, new_sets = diffrun.diff_pairs(old, new, year)
    notes: list[str] = []
    if not old_tree.folders:
        notes.append(f"{old.label} holds no measure sets: everything in {new.label} is new")
    changes = diff_years(old_sets, new_sets)
    impact = None
    inputs = [p for folder in disk for p in folder.rglob("*.yaml")]
    if data is not None:
        chosen = diffrun.impact_year(old_sets, new_sets, changes, year)
        dollars = diffrun.dollar_impact(old, new, old_sets[chosen], new_sets[chosen], data, jobs)
        impact = dollars.impact
        notes += dollars.notes
        changes = diff_years(old_sets, new_sets, answered={chosen: dollars.answered})
        changes = with_effects(changes, dollars.old_result, dollars.new_result, dollars.dropped, dollars.refused)
        inputs += data_inputs(data)
    else:
        notes += diffrun.check_notes(old_sets, new_sets)
    report = DiffReport(old.label, new.label, changes, impact, tuple(notes))
    _diff_deliver(report, format, output, inputs)
    code = EXIT_OK
    if data is not None and impact is None:
        code = EXIT_FINDINGS  # NEW cannot pay this data folder: a finding, whatever --fail-on says
    if impact is not None and not impact.balanced:
        sys.stderr.write("finding: the totals do not reconcile to the cent (a bug: please report it) [unbalanced]\n")
        code = EXIT_FINDINGS
    if (fail_on is FailOn.breaking and report.breaking) or (fail_on is FailOn.any and report.changes):
        code = EXIT_FINDINGS
    if code:
        raise typer.Exit(code)


def _diff_deliver(report: Any, format: DiffFormat, output: Path | None, inputs: list[Path]) -> None:
    from ipp_calc.io.diffview import diff_csv, diff_markdown, diff_tables, summary_line
    from ipp_calc.io.output import csv_text, json_text
    from ipp_calc.io.render import render_tables

    if format is DiffFormat.json:
        text = json_text(report.to_json())
    elif format is DiffFormat.csv:
        text = csv_text(*diff_csv(report))
    elif format is DiffFormat.markdown:
        text = diff_markdown(report)
    else:
        header = [f"ipp diff: {report.old_label} → {report.new_label}: {summary_line(report)}", *report.notes]
        text = render_tables(diff_tables(report), header)
    emit(text, output, inputs)
    if format is not DiffFormat.table or output is not None:
        for line in report.notes:
            notice(line)


# ----------------------------------------------------------------------------- ipp schema


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for program.schema.json and submission.schema.json. Default: MEASURES/schema "
            "with --measures, else the current folder.",
            show_default=False,
        ),
    ] = None,
    check_only: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 when the files there are missing or out of date."),
    ] = False,
    measures: Annotated[
        Path | None,
        typer.Option("--measures", help="A measures root: write into its schema/ folder.", show_default=False),
    ] = None,
) -> None:
    """JSON Schema of program.yaml and submission-<S>.yaml, for YAML editors (validate as you type)."""
    from ipp_calc.io.measures import display_path
    from ipp_calc.io.schema import stale_schemas, write_schemas

    folder = output if output is not None else (measures / "schema" if measures is not None else Path("."))
    if check_only:
        stale = stale_schemas(folder)
        for name in stale:
            typer.echo(
                f"{display_path(folder / name)}: missing or out of date; run: ipp schema -o {display_path(folder)}"
            )
        if stale:
            raise typer.Exit(EXIT_FINDINGS)
        typer.echo(f"ok: the schema files in {display_path(folder)} match this version of ipp")
        return
    for path in write_schemas(folder):
        typer.echo(f"wrote {display_path(path)}")
    notice(
        "point each YAML file at its schema with a first line such as "
        "# yaml-language-server: $schema=../schema/submission.schema.json"
    )


# ----------------------------------------------------------------------------- entry point


def _wants_json(argv: list[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1] == "json":
            return True
        if arg in ("--format=json", "-fjson"):
            return True
    return False


def report_input_error(exc: InputError, as_json: bool) -> None:
    """Bad input: one line on stderr naming the place (or JSON on stdout with --format json)."""
    if as_json:
        from ipp_calc.io.output import json_text

        first = exc.first.to_json()
        if len(exc.findings) > 1:
            first["more"] = [f.to_json() for f in exc.findings[1:]]
        if exc.hint:
            first["hint"] = exc.hint
        sys.stdout.write(json_text({"error": first}))
    else:
        hint = f"; {printable(exc.hint)}" if exc.hint else ""  # still one line, as every error is
        sys.stderr.write(f"error: {exc.summary_line()}{hint} [{exc.first.code}]\n")


def _is_usage_error(exc: BaseException) -> bool:
    """A click usage error (missing option, unknown command). Typer may vendor its own copy of
    click, so the class is recognised by name, not imported from one particular click."""
    return any(c.__name__ == "ClickException" for c in type(exc).__mro__) and hasattr(exc, "format_message")


def _usage_message(exc: Exception, command: str) -> str:
    """Click's message, in our words where its own would puzzle (``--format xlsx``)."""
    message = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
    import re

    wrong = re.search(r"'--format'.*?'([^']*)' is not one of (.*?)\.?$", message)
    if wrong:
        value = wrong.group(1)
        offered = ", ".join(re.findall(r"'([^']*)'", wrong.group(2)))
        message = f"--format {value}: {command} writes {offered}"
        if value.lower() == "xlsx":
            message += "; a workbook is chosen by the -o file's suffix (-o FILE.xlsx), where the command has one"
    return message


def _report_usage(exc: Exception, as_json: bool, args: Sequence[str] = ()) -> None:
    """A usage error: the usage line, one error line, and what to run for help."""
    context = getattr(exc, "ctx", None)
    command = getattr(context, "command_path", None) or "ipp"
    if command == "ipp":  # click raised before the command's own context: name it from argv
        names = typer.main.get_command(app).commands  # type: ignore[attr-defined]
        command = next((f"ipp {a}" for a in args if a in names), command)
    if context is not None and not as_json and hasattr(exc, "param_hint"):
        sys.stderr.write(context.get_usage() + "\n")
    message = _usage_message(exc, command)
    if as_json:
        from ipp_calc.io.output import json_text

        sys.stdout.write(json_text({"error": {"code": "usage", "message": message, "file": None, "line": None}}))
    else:
        sys.stderr.write(f"error: {message} [usage]\n")
        sys.stderr.write(f"Try '{command} --help' for help.\n")


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI and exit with the contract's code; never show a traceback unless --debug."""
    from ipp_calc.errors import InputError
    from ipp_calc.io.terminal import degrade_gracefully

    degrade_gracefully()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("IPP_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    _INVOKED[:] = args
    if not args:  # ``ipp`` alone: the help, as git does, not a usage error
        args = ["--help"]
    as_json = _wants_json(args)
    command = typer.main.get_command(app)
    try:
        # standalone_mode=False: click returns the code of typer.Exit instead of exiting, and
        # raises usage errors for us to report in the contract's form.
        result: Any = command.main(args=args, prog_name="ipp", standalone_mode=False)
        code = result if isinstance(result, int) else EXIT_OK
    except InputError as exc:
        if debug:  # the traceback as well, never another exit code
            import traceback

            traceback.print_exc()
        report_input_error(exc, as_json)
        code = EXIT_INPUT
    except typer.Abort:
        sys.stderr.write("aborted\n")
        code = EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        code = 130
    except BrokenPipeError:
        code = EXIT_OK
    except Exception as exc:
        if _is_usage_error(exc):
            _report_usage(exc, as_json, args)
            code = EXIT_INPUT
        else:  # a bug: say so in one line, never dump plan data from locals
            if debug:
                import traceback

                traceback.print_exc()
            sys.stderr.write(
                f"internal error ({type(exc).__name__}): this is a bug in ipp {__version__}; "
                "please rerun with --debug and report the traceback\n"
            )
            code = EXIT_BUG
    sys.exit(code)
