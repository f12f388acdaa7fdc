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
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from ipp_calc import __version__

if TYPE_CHECKING:
    from ipp_calc.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 70

app = typer.Typer(
    name="ipp",
    help="Scoring and payment calculator for the CalAIM Incentive Payment Program (IPP).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class CheckFormat(str, Enum):
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

    Add --debug anywhere to see a traceback when something goes wrong.
    """


def measures_root(measures: Path | None) -> Path:
    from ipp_calc.io.measures import shipped_measures_dir

    return measures if measures is not None else shipped_measures_dir()


# ----------------------------------------------------------------------------- output helpers


def emit(text: str, output: Path | None, inputs: list[Path] | None = None) -> None:
    """Print ``text`` or write it atomically to ``output`` (never over an input file)."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from ipp_calc.io.output import check_output_path, write_text

    check_output_path(output, inputs or [])
    write_text(output, text)


def notice(message: str) -> None:
    """A one-line note on stderr (illustrative data, ignored files): never mixed into JSON/CSV."""
    sys.stderr.write(f"note: {message}\n")


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
) -> None:
    """Validate measure sets and program files: structure, then cross-file rules, all at once."""
    from ipp_calc.core.checks import check_measure_set
    from ipp_calc.io.measures import display_path, load_for_check
    from ipp_calc.io.output import json_text

    targets = paths or [measures_root(measures)]
    sets, findings, only = load_for_check(targets)
    for ms in sets:
        findings.extend(check_measure_set(ms))
    if only is not None:
        findings = [f for f in findings if f.file is None or f.file in only]
    findings.sort(key=lambda f: f.sort_key())
    checked = sorted(
        [ms.program_source.path for ms in sets] + [s.path for ms in sets for s in ms.submission_sources.values()]
    )
    if format is CheckFormat.json:
        document = {
            "checked": checked,
            "findings": [f.to_json() for f in findings],
            "ok": not findings,
        }
        emit(json_text(document), output, targets)
    else:
        lines = [f"{f.line_text()} [{f.code}]" for f in findings]
        summary = (
            f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
            if findings
            else f"ok: {len(checked)} file{'s' if len(checked) != 1 else ''} checked, no findings"
        )
        if output is None and findings:
            for line in lines:
                typer.echo(line)
            typer.echo(summary, err=True)
        else:
            emit("\n".join([*lines, summary]) + "\n", output, targets)
        for ms in sets:
            if ms.illustrative and not findings:
                notice(
                    f"{display_path(Path(ms.program_source.path).parent)}: status illustrative "
                    "(not DHCS's official measure set)"
                )
    if findings:
        raise typer.Exit(EXIT_FINDINGS)


# ----------------------------------------------------------------------------- shared plumbing


def load_measure_set(measures: Path | None, year: int) -> Any:
    """The program year's measure set, checked: a set with findings is bad input (exit 2)."""
    from ipp_calc.core.checks import check_measure_set
    from ipp_calc.errors import InputError
    from ipp_calc.io.measures import load_year

    ms = load_year(measures_root(measures), year)
    problems = [f for f in check_measure_set(ms) if f.severity == "error"]
    if problems:
        raise InputError(problems)
    return ms


def illustrative_notes(ms: Any) -> list[str]:
    """The one line every report made with an illustrative measure set or example data carries."""
    if ms.illustrative:
        return [f"ILLUSTRATIVE: PY{ms.year} measure set is marked illustrative; its numbers are not DHCS's."]
    return []


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


def data_inputs(data: Path) -> list[Path]:
    return [data / name for name in ("plans.csv", "elections.yaml", "allocation.csv", "targets.csv")]


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
    notes = illustrative_notes(ms) + list(result.notes)
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
        sys.stderr.write(f"finding: {finding.mcp}: {finding.message} [{finding.code}]\n")
    if result.findings:
        raise typer.Exit(EXIT_FINDINGS)


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
        sys.stdout.write(json_text({"error": first}))
    else:
        sys.stderr.write(f"error: {exc.summary_line()} [{exc.first.code}]\n")


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI and exit with the contract's code; never show a traceback unless --debug."""
    import click

    from ipp_calc.errors import InputError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("IPP_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    as_json = _wants_json(args)
    command = typer.main.get_command(app)
    try:
        result: Any = command.main(args=args, prog_name="ipp", standalone_mode=False)
        code = result if isinstance(result, int) else EXIT_OK
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("aborted\n")
        code = EXIT_INPUT
    except click.ClickException as exc:
        if isinstance(exc, click.UsageError) and exc.ctx is not None and not as_json:
            sys.stderr.write(exc.ctx.get_usage() + "\n")
        message = " ".join(exc.format_message().split())
        if as_json:
            from ipp_calc.io.output import json_text

            sys.stdout.write(json_text({"error": {"code": "usage", "message": message, "file": None, "line": None}}))
        else:
            sys.stderr.write(f"error: {message} [usage]\n")
        code = EXIT_INPUT
    except InputError as exc:
        if debug:
            raise
        report_input_error(exc, as_json)
        code = EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        code = 130
    except BrokenPipeError:
        code = EXIT_OK
    except Exception as exc:  # a bug: say so in one line, never dump plan data from locals
        if debug:
            raise
        sys.stderr.write(
            f"internal error ({type(exc).__name__}): this is a bug in ipp {__version__}; "
            "please rerun with --debug and report the traceback\n"
        )
        code = EXIT_BUG
    sys.exit(code)
