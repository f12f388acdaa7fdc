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
    from ipp_calc.app.outcome import Outcome
    from ipp_calc.app.year import Year
    from ipp_calc.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 70
#: Past this many problems, the terminal gets a count and the JSON the whole list.
MAX_PROBLEM_LINES = 50

app = typer.Typer(
    name="ipp",
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


def _positive(value: int | None) -> int | None:
    """``--year 0``: said in words, not as click's ``x>=1`` range."""
    if value is not None and value < 1:
        raise typer.BadParameter(f"{value} is not a number of 1 or more")
    return value


#: Each command's examples, shown at the end of its --help (click keeps a \\b paragraph as written).
EXAMPLES = {
    "check": (
        "ipp check",
        "ipp check my-measures/py1/submission-2.yaml",
        "ipp check --data examples/py1",
    ),
    "allocate": (
        "ipp allocate --year 1 --data examples/py1",
        "ipp allocate --year 1 --data examples/py1 -o alloc.xlsx",
        "ipp allocate -y 1 --data examples/py1 --mcp heron-creek-care -o heron.csv",
    ),
    "template": (
        "ipp template --year 1 -s 2 --data examples/py1 --mcp heron-creek-care -o t.xlsx",
        "ipp template -y 2 -s 3 --data examples/py2 --mcp heron-creek-care --from t.xlsx -o t3.xlsx",
    ),
    "score": (
        "ipp score t.xlsx",
        "ipp score t.xlsx --data examples/py1 --sort worth --unearned-only",
        "ipp score t.xlsx --allocation ours.csv --elections ours.yaml -o score.xlsx",
    ),
    "pool": (
        "ipp pool --year 1 --data examples/py1",
        "ipp pool -y 1 --data examples/py1 -o pool.csv",
    ),
    "run": (
        "ipp run --year 1 --data examples/py1 -o report.xlsx",
        "ipp run -y 1 --data examples/py1 -o run.json",
    ),
    "explain": (
        "ipp explain --year 1 --mcp heron-creek-care --data examples/py1",
        "ipp explain -y 1 --mcp bristlecone-ridge-care --county 'Los Angeles' --data examples/py1",
    ),
    "review": (
        "ipp review --year 1 -s 2 --data examples/review-round",
        "ipp review -y 1 -s 2 --data examples/review-round -o review.xlsx",
        "ipp review -y 1 -s 2 --data examples/review-round -o letters",
    ),
    "elections": (
        "ipp elections --year 1 --data examples/py1",
        "ipp elections -y 1 --data examples/py1 -o examples/py1/elections.yaml",
    ),
    "program": (
        "ipp program --data examples",
        "ipp program --data examples -o program.xlsx",
    ),
    "diff": (
        "ipp diff old-measures measures --data examples/py1 --year 1",
        "ipp diff --base origin/main -f markdown -o comment.md",
    ),
    "schema": (
        "ipp schema -o measures/schema",
        "ipp schema --check --measures measures",
    ),
}


def _examples(name: str) -> str:
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])


# ----------------------------------------------------------------------------- shared options
# Defined once and reused by every command (the frictionless pattern).

MeasuresOpt = Annotated[
    Path | None,
    typer.Option(
        "--measures",
        metavar="DIR",
        help="Folder of measure sets (py1/, py2/, …). Default: the sets shipped with ipp.",
        show_default=False,
    ),
]
DataOpt = Annotated[
    Path,
    typer.Option("--data", metavar="DIR", help="The program-year data folder (plans.csv, elections.yaml, …)."),
]
FORMAT_HELP = "Output format (default: by the -o file's suffix, else table)."
FormatOpt = Annotated[Format | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to this file (atomically) instead of the terminal.",
        show_default=False,
    ),
]
YearOpt = Annotated[
    int, typer.Option("--year", "-y", metavar="YEAR", help="Program year (1, 2 or 3).", callback=_positive)
]


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


#: The arguments of this run of ``main`` (not ``sys.argv``: tests call ``main`` in-process).
_INVOKED: list[str] = []


def command_line() -> str:
    """The command as typed (quoted for a shell), for the report's Sources sheet."""
    import shlex

    return " ".join(shlex.quote(a) for a in ["ipp", *_INVOKED])


# ----------------------------------------------------------------------------- delivery


def emit(text: str, output: Path | None) -> None:
    """Print ``text`` or write it atomically to ``output`` (already checked by :func:`deliver`)."""
    from ipp_calc.io.output import is_stdout, write_text

    if output is None or is_stdout(output):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_text(output, text)


def notice(message: str) -> None:
    """A one-line note on stderr (illustrative data, ignored files): never mixed into JSON/CSV."""
    sys.stderr.write(printable(f"note: {message}") + "\n")


def file_form(outcome: Outcome, output: Path | None) -> str | None:
    """Which of the outcome's file forms ``-o`` names: its suffix (``xlsx``), ``dir`` for a folder
    or a name without a suffix where the command writes one, or None (a text format)."""
    if output is None:
        return None
    if "dir" in outcome.files and (output.is_dir() or not output.suffix):
        return "dir"
    suffix = output.suffix.lower().lstrip(".")
    return suffix if suffix in outcome.files else None


#: What an ``-o`` suffix asks for; any other suffix (or none) is the table as plain text.
SUFFIX_FORMATS = {
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".yaml": "yaml",
    ".yml": "yaml",
}


#: Formats that are text a person reads: ``-o notes.md`` of a command with no markdown form is
#: its table as text. JSON, CSV and workbooks are read by programs, so a mismatch is refused.
_TEXT_FORMATS = frozenset({"markdown", "yaml"})


def _output_usage(message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint="'-o' / '--output'")


def output_format(outcome: Outcome, chosen: str | None, output: Path | None, form: str | None) -> str | None:
    """The format ``-o``'s suffix and ``--format`` ask for together (README "What -o does").

    ``form`` is the file form ``-o`` names (:func:`file_form`). ``None``: the file form alone
    (``score -o s.xlsx``). A suffix that names a format wins over the default; an explicit
    ``--format`` that says otherwise is a usage error, as is a suffix the command has no form for.
    ``-o -``, no ``-o``, or another suffix: ``--format`` or the default.
    """
    from ipp_calc.io.output import is_stdout

    offered = {"json", *outcome.views}
    if output is None or is_stdout(output):
        return chosen or outcome.default_format
    if form is not None:
        if outcome.files_replace_output:
            if chosen is not None:
                where = "a folder" if form == "dir" else form
                raise _output_usage(f"{output} is written as {where}; leave out --format {chosen}")
            return None
        return chosen or outcome.default_format  # the file, and the chosen format on the terminal
    suffix = output.suffix.lower()
    implied = SUFFIX_FORMATS.get(suffix)
    if suffix == ".xlsx":
        raise _output_usage(f"{output}: this command writes no workbook; it writes {', '.join(sorted(offered))}")
    if implied is None or (implied not in offered and implied in _TEXT_FORMATS):
        return chosen or outcome.default_format  # text in a text file: harmless, and what was asked
    if implied not in offered:
        raise _output_usage(f"{output}: this command writes no {implied}; it writes {', '.join(sorted(offered))}")
    if chosen is not None and chosen != implied:
        raise _output_usage(f"{output} is written as {implied}, but --format says {chosen}; give one of them")
    return implied


def deliver(outcome: Outcome, format: str | None, output: Path | None) -> None:
    """The one way every command delivers its outcome (FORMATS.md; README "What -o does").

    ``-o`` chooses the format by its suffix (:func:`output_format`). A file form (``.xlsx``, a
    folder) is written atomically; for ``run`` and ``program`` the chosen format still goes to
    the terminal. Notes go on the table, or to stderr for every other format and for ``-o``;
    findings to stderr, one line each; any finding (or the command's own policy) exits 1.
    """
    form = file_form(outcome, output)
    if output is not None and form != "dir":  # a folder of letters is checked by its writer
        from ipp_calc.io.output import check_output_path

        check_output_path(output, list(outcome.inputs))  # an input named by -o: said before any usage
    chosen = output_format(outcome, format, output, form)
    wrote = outcome.files[form](output) if form is not None and output is not None else None
    if wrote is not None and chosen is None:
        sys.stdout.write(printable(wrote) + "\n")
        _notes(outcome.notes)
        _findings(outcome)
    else:
        shown = chosen or outcome.default_format
        text_output = output if wrote is None else None
        _deliver_text(outcome, shown, text_output)
        if not outcome.notes_in_table or shown != "table" or text_output is not None:
            _notes(outcome.notes)
        if wrote is not None:
            notice(wrote)
        _findings(outcome)
    if outcome.exit_findings:
        raise typer.Exit(EXIT_FINDINGS)


def _findings(outcome: Outcome) -> None:
    """Every finding on stderr, one line each (past :data:`MAX_PROBLEM_LINES`, a count)."""
    if outcome.findings_are_output:
        return
    shown = outcome.findings[:MAX_PROBLEM_LINES]
    for finding in shown:
        sys.stderr.write(printable(f"finding: {finding.line_text()} [{finding.code}]") + "\n")
    if len(outcome.findings) > len(shown):
        sys.stderr.write(f"finding: and {len(outcome.findings) - len(shown)} more; `--format json` lists all\n")


def _notes(lines: Sequence[str]) -> None:
    for line in lines:
        notice(line)


def _deliver_text(outcome: Outcome, format: str, output: Path | None) -> None:
    """The chosen format to ``output`` or the terminal; a table's summary line goes to stderr
    when the findings above it went to the terminal (so a pipe gets the findings only)."""
    if format == "json":
        from ipp_calc.io.output import json_text

        text = json_text(outcome.document())
    else:
        text = outcome.views[format]()
    summary_on_stderr = outcome.summary is not None and format == "table" and output is None and bool(outcome.findings)
    if outcome.summary is not None and format == "table" and not summary_on_stderr:
        text += outcome.summary + "\n"
    emit(text, output)
    if summary_on_stderr:
        sys.stderr.write(printable(outcome.summary or "") + "\n")


# ----------------------------------------------------------------------------- ipp check


@app.command(epilog=_examples("check"))
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Measure-set folders or files. Default: the shipped measures/.",
            show_default=False,
            metavar="PATH...",  # several may be given (typer 0.28 does not add the dots itself)
        ),
    ] = None,
    measures: MeasuresOpt = None,
    format: Annotated[CheckFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)] = None,
    output: OutputOpt = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", metavar="DIR", help="Check this data folder (every file and workbook) against its measure set."
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            "-y",
            metavar="YEAR",
            help="With --data: the program year (default: its year.yaml).",
            callback=_positive,
        ),
    ] = None,
) -> None:
    """Validate measure sets and program files: structure, then cross-file rules, all at once."""
    from ipp_calc.app.check import check as run_check
    from ipp_calc.app.check import check_data

    if data is not None:
        deliver(check_data(data, year, paths or [], measures), format, output)
        return
    deliver(run_check(paths or [], measures), format, output)


# ----------------------------------------------------------------------------- ipp allocate


@app.command(epilog=_examples("allocate"))
def allocate(
    year: YearOpt,
    data: DataOpt = Path("."),
    mcp: Annotated[str | None, typer.Option("--mcp", metavar="MCP", help="Show one plan's rows only.")] = None,
    measures: MeasuresOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Maximum allocations per MCP, county, payment and priority area, to the cent."""
    from ipp_calc.app.allocate import allocate as run_allocate

    deliver(run_allocate(year, data, mcp=mcp, measures=measures), format, output)


# ----------------------------------------------------------------------------- ipp template

AllowChangeOpt = Annotated[
    bool,
    typer.Option(
        "--allow-measure-set-change",
        help="Score a workbook made from a different version of the measure set (ids must still match).",
    ),
]


@app.command(epilog=_examples("template"))
def template(
    year: YearOpt,
    submission: Annotated[
        int, typer.Option("--submission", "-s", metavar="N", help="Submission number.", callback=_positive)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="The .xlsx file to write.")],
    mcp: Annotated[str, typer.Option("--mcp", metavar="MCP", help="The MCP the template is for.")],
    counties: Annotated[
        str | None,
        typer.Option("--counties", metavar="COUNTIES", help='Comma-separated counties, e.g. "Alameda,Fresno".'),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="DIR",
            help="Data folder: the MCP's counties from plans.csv, its targets from targets.csv.",
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--from", metavar="FILE", help="Prepopulate responses and notes from an earlier workbook of the same plan."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the -o file if it exists (it may be a filled workbook).")
    ] = False,
    allocation_file: Annotated[
        Path | None,
        typer.Option(
            "--allocation",
            metavar="FILE",
            help="The plan's own maximum allocation (as for ipp score): the Summary sheet shows the dollars "
            "at stake. Needs --elections.",
            show_default=False,
        ),
    ] = None,
    elections_file: Annotated[
        Path | None,
        typer.Option(
            "--elections", metavar="FILE", help="The plan's own elections (as for ipp score).", show_default=False
        ),
    ] = None,
    measures: MeasuresOpt = None,
) -> None:
    """A blank reporting template from the measure set (Cover, Responses with live Points, a Summary of
    live subtotals per county and area, Instructions)."""
    from ipp_calc.app.template import template as run_template

    outcome = run_template(
        year,
        submission,
        output,
        mcp=mcp,
        counties=counties,
        data=data,
        previous=previous,
        measures=measures,
        force=force,
        allocation_file=allocation_file,
        elections_file=elections_file,
    )
    deliver(outcome, "table", None)


# ----------------------------------------------------------------------------- ipp score


class ScoreSort(StrEnum):
    measure = "measure"
    worth = "worth"


@app.command(epilog=_examples("score"))
def score(
    workbook: Annotated[Path, typer.Argument(help="The MCP's filled reporting template (.xlsx).", metavar="WORKBOOK")],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", metavar="DIR", help="Data folder; with plans.csv and elections.yaml, dollars are shown too."
        ),
    ] = None,
    allow_measure_set_change: AllowChangeOpt = False,
    allocation_file: Annotated[
        Path | None,
        typer.Option(
            "--allocation",
            metavar="FILE",
            help="The plan's own maximum allocation (CSV: county, amount; or DHCS's table with mcp): "
            "dollars without anyone else's data. Needs --elections.",
            show_default=False,
        ),
    ] = None,
    elections_file: Annotated[
        Path | None,
        typer.Option(
            "--elections",
            metavar="FILE",
            help="The plan's elections (elections.yaml with its entry). Needs --allocation.",
            show_default=False,
        ),
    ] = None,
    measures: MeasuresOpt = None,
    baseline_data: Annotated[
        list[Path] | None,
        typer.Option(
            "--baseline-data",
            metavar="DIR",
            help="An earlier program year's data folder, for improvement measures' baselines "
            "(default: the py<N>/ folder beside --data, when there is one).",
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
    format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Points per measure, area and county; dollars and worth when the data folder can allocate.
    Worth is what earning a measure in full would add, all else equal. JSON always carries every
    row in the contract's order; --sort and --unearned-only shape the table and the CSV.
    """
    from ipp_calc.app.score import score as run_score

    outcome = run_score(
        workbook,
        data=data,
        allow_measure_set_change=allow_measure_set_change,
        measures=measures,
        allocation_file=allocation_file,
        elections_file=elections_file,
        baseline_data=baseline_data or [],
        sort=sort.value,
        unearned_only=unearned_only,
    )
    deliver(outcome, format, output)


# ----------------------------------------------------------------------------- the year


BaselineDataOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--baseline-data",
        metavar="DIR",
        help="An earlier program year's data folder, for improvement measures' baselines "
        "(default: the py<N>/ folder beside --data, when there is one). Repeat for several years.",
        show_default=False,
    ),
]

JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        help=(
            "Processes reading workbooks and rendering the report workbook (default 2 with two cores or more; "
            "1 where the system cannot fork)."
        ),
        callback=_positive,
    ),
]


def load_year(
    measures: Path | None,
    year: int,
    data: Path,
    allow_change: bool,
    jobs: int | None,
    baseline_data: list[Path] | None,
    format: str | None,
    output: Path | None,
) -> tuple[Year, tuple[Path, ...]]:
    """Load and run a year, with a progress bar while its workbooks are read on a terminal;
    the modules that will deliver ``format`` or ``output`` are imported while they are read."""
    from functools import partial

    from ipp_calc.app.year import load as load_plain

    load = partial(load_plain, baseline_data=baseline_data or [], prepare=lambda: _import_delivery(format, output))
    if not sys.stderr.isatty():
        return load(year, data, measures=measures, allow_measure_set_change=allow_change, jobs=jobs)
    from rich.progress import Progress

    # Refreshed by hand, with no thread of its own: the workbooks may be read by forked
    # processes, and a process that forks should have no other thread.
    bar = Progress(transient=True, auto_refresh=False)
    task = bar.add_task("reading workbooks", total=None)

    def progress(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)
        bar.refresh()

    with bar:
        return load(year, data, measures=measures, allow_measure_set_change=allow_change, jobs=jobs, progress=progress)


def _import_delivery(format: str | None, output: Path | None) -> None:
    """Import what :func:`deliver` will use for this format or output file (issue 18: done while
    a year's workbooks are read by other processes, it costs nothing). A wrong guess costs only
    time: each writer imports what it needs anyway."""
    from importlib import import_module

    modules = ["ipp_calc.io.output"]  # checks -o, writes files and JSON
    if output is not None and output.suffix.lower() == ".xlsx":
        modules.append("ipp_calc.io.report")  # the report workbook and XlsxWriter
    chosen = format or (SUFFIX_FORMATS.get(output.suffix.lower()) if output is not None else None)
    # JSON's trace, or the tables (``run -o report.xlsx`` still shows its table) and CSV.
    modules.append("ipp_calc.core.trace" if chosen == "json" else "ipp_calc.views.render")
    for module in modules:
        import_module(module)


@app.command(epilog=_examples("pool"))
def pool(
    year: YearOpt,
    data: DataOpt = Path("."),
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    measures: MeasuresOpt = None,
    baseline_data: BaselineDataOpt = None,
    format: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Unearned and forfeited dollars, pool eligibility, redistribution and what is retained."""
    from ipp_calc.app.year import pool as run_pool

    loaded, inputs = load_year(measures, year, data, allow_measure_set_change, jobs, baseline_data, format, output)
    deliver(run_pool(loaded, inputs), format, output)


@app.command(epilog=_examples("run"))
def run(
    year: YearOpt,
    data: DataOpt = Path("."),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the report workbook (.xlsx) or, for another suffix, the output.",
        ),
    ] = None,
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    measures: MeasuresOpt = None,
    baseline_data: BaselineDataOpt = None,
    format: FormatOpt = None,
) -> None:
    """The whole year end to end: allocation, every submission, pool, reconciliation."""
    from ipp_calc.app.year import run as run_run

    loaded, inputs = load_year(measures, year, data, allow_measure_set_change, jobs, baseline_data, format, output)
    deliver(run_run(loaded, inputs, command=command_line()), format, output)


@app.command(epilog=_examples("explain"))
def explain(
    year: YearOpt,
    mcp: Annotated[str, typer.Option("--mcp", metavar="MCP", help="The MCP to explain.")],
    data: DataOpt = Path("."),
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    measures: MeasuresOpt = None,
    baseline_data: BaselineDataOpt = None,
    county: Annotated[
        str | None,
        typer.Option(
            "--county", metavar="COUNTY", help="Only the steps about this county (and those about the whole plan)."
        ),
    ] = None,
    format: Annotated[CheckFormat | None, typer.Option("--format", "-f", help=FORMAT_HELP, show_default=False)] = None,
    output: OutputOpt = None,
) -> None:
    """The chain of parameters, shares, points and references behind one plan's dollars."""
    from ipp_calc.app.year import explain as run_explain

    loaded, inputs = load_year(measures, year, data, allow_measure_set_change, jobs, baseline_data, format, output)
    deliver(run_explain(loaded, inputs, mcp, data, county), format, output)


# ----------------------------------------------------------------------------- ipp review


@app.command(epilog=_examples("review"))
def review(
    year: YearOpt,
    submission: Annotated[
        int, typer.Option("--submission", "-s", metavar="N", help="The submission round to review.", callback=_positive)
    ],
    data: DataOpt = Path("."),
    allow_measure_set_change: AllowChangeOpt = False,
    measures: MeasuresOpt = None,
    format: FormatOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE|DIR",
            help="review.xlsx: the review workbook (Status, Problems); a folder (or a name without a suffix): "
            "one letter per plan (markdown); another name: the output in --format.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The intake review of one round: every workbook read, each plan accepted, revision requested or missing."""
    from ipp_calc.app.review import review as run_review

    outcome = run_review(year, submission, data, allow_measure_set_change=allow_measure_set_change, measures=measures)
    deliver(outcome, format, output)


# ----------------------------------------------------------------------------- ipp elections


class ElectionsFormat(StrEnum):
    yaml = "yaml"
    json = "json"


@app.command(epilog=_examples("elections"))
def elections(
    year: YearOpt,
    data: DataOpt = Path("."),
    measures: MeasuresOpt = None,
    format: Annotated[
        ElectionsFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: by the -o file's suffix, else yaml).", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write elections.yaml here (atomically; it may be the data folder's own elections.yaml).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Gather the plans' Gap-Filling Plan elections from their workbooks into elections.yaml."""
    from ipp_calc.app.elections import elections as run_elections

    deliver(run_elections(year, data, measures=measures), format, output)


# ----------------------------------------------------------------------------- ipp program


@app.command(epilog=_examples("program"))
def program(
    data: Annotated[
        Path,
        typer.Option(
            "--data", metavar="DIR", help="A folder of program-year data folders: py1/, py2/, py3/ (e.g. examples)."
        ),
    ] = Path("."),
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the program workbook (.xlsx: a Program sheet, then each year's sheets) or the output.",
            show_default=False,
        ),
    ] = None,
    allow_measure_set_change: AllowChangeOpt = False,
    jobs: JobsOpt = None,
    measures: MeasuresOpt = None,
    format: FormatOpt = None,
) -> None:
    """Every program year under a folder: per plan and year, and the program's reconciliation."""
    from ipp_calc.app.program import program as run_program

    deliver(
        run_program(data, allow_measure_set_change=allow_measure_set_change, jobs=jobs, measures=measures),
        format,
        output,
    )


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


@app.command(epilog=_examples("diff"))
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
            metavar="REV",
            help="Compare the working tree's measure sets with those at this git revision (read with git, "
            "no checkout), e.g. origin/main.",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="DIR",
            help="Data folder: run the year under OLD and under NEW with the same data and workbooks, and "
            "show every plan's dollars.",
            show_default=False,
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            "-y",
            metavar="YEAR",
            help="Compare this program year only.",
            callback=_positive,
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 on any breaking change, on any change, or never.")
    ] = FailOn.breaking,
    jobs: JobsOpt = None,
    measures: Annotated[
        Path | None,
        typer.Option(
            "--measures", metavar="DIR", help="With --base: the PATH to compare, when not given.", show_default=False
        ),
    ] = None,
    format: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (markdown: a pull-request comment; default: by the -o file's suffix, else table).",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    attribute: Annotated[
        bool,
        typer.Option(
            "--attribute",
            help="With --data: the dollar impact of each change on its own (applied alone to OLD), and the "
            "interaction left over, summing to the total per plan.",
        ),
    ] = False,
) -> None:
    """A measure-set edit: structural and breaking changes, and with --data every plan's dollars."""
    from ipp_calc.app.diff import diff as run_diff

    outcome = run_diff(
        paths or [],
        base=base,
        data=data,
        year=year,
        fail_on=fail_on.value,
        jobs=jobs,
        measures=measures,
        attribute=attribute,
    )
    deliver(outcome, format, output)


# ----------------------------------------------------------------------------- ipp schema


@app.command(epilog=_examples("schema"))
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
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
        typer.Option(
            "--measures", metavar="DIR", help="A measures root: write into its schema/ folder.", show_default=False
        ),
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
    else:  # every problem, one line each (the first with the hint), so one run finds them all
        hint = f"; {printable(exc.hint)}" if exc.hint else ""
        shown = exc.findings[:MAX_PROBLEM_LINES]
        for i, finding in enumerate(shown):
            sys.stderr.write(f"error: {finding.line_text()}{hint if i == 0 else ''} [{finding.code}]\n")
        if len(exc.findings) > len(shown):
            sys.stderr.write(f"error: and {len(exc.findings) - len(shown)} more; `--format json` lists all\n")


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


def _click_command(args: Sequence[str]) -> Any:
    """The click command that runs ``args``: the app with only the subcommand they name, when
    they name one. Why (issue 18, bench/): typer turns every command's options into click's on
    every run, 16 ms for all twelve against 1.5 ms for one. Anything else (``ipp --help``, an
    unknown command, shell completion) gets the whole app, with every command to list or suggest."""
    import copy

    name = next((arg for arg in args if not arg.startswith("-")), None)  # the root's options take no value
    chosen = [
        info
        for info in app.registered_commands
        if name is not None
        and info.callback is not None
        and (info.name or typer.main.get_command_name(info.callback.__name__)) == name
    ]
    if len(chosen) != 1 or os.environ.get("_IPP_COMPLETE"):
        return typer.main.get_command(app)
    one = copy.copy(app)
    one.registered_commands = chosen
    return typer.main.get_command(one)


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI and exit with the contract's code; never show a traceback unless --debug."""
    from ipp_calc.errors import InputError
    from ipp_calc.io.terminal import degrade_gracefully

    if argv is None:  # the console script's own process (a test's in-process call keeps its GC)
        _collect_less_often()
    degrade_gracefully()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("IPP_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    _INVOKED[:] = args
    if not args:  # ``ipp`` alone: the help, as git does, not a usage error
        args = ["--help"]
    as_json = _wants_json(args)
    command = _click_command(args)
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
    if argv is None and sys.getprofile() is None and sys.gettrace() is None:
        _leave(code)  # the console script, not a test, a profiler or coverage: no teardown
    sys.exit(code)


#: Container allocations between young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 100_000


def _collect_less_often() -> None:
    """Run the cycle collector a hundred times less often. Why (issue 18, bench/): a command
    builds many objects that all live to the end (imports, the measure set, every workbook's
    cells), and with CPython's default thresholds ``ipp run`` spent ~65 ms of a statewide year
    (gen 0: 148 collections, gen 1: 14, gen 2: 1) and ``ipp score`` ~24 ms walking objects that
    were never garbage. Cycles are still collected, only later; a 30x year's peak memory is
    measured by the bench. mypy's build sets its thresholds higher still, for the same reason."""
    import gc

    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 100)


def _leave(code: int) -> NoReturn:
    """Exit at once once the output is flushed. Why (issue 18, bench/): freeing a statewide
    year's objects one by one at interpreter shutdown took ~0.1 s of ``ipp run``, after every
    file was written, closed and renamed into place. Nothing ipp does needs an exit handler."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head): the exit code stands
            stream.flush()
    os._exit(code)
