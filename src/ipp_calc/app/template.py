"""``ipp template``: a blank (or prepopulated) reporting template from the measure set."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ipp_calc.app.common import data_inputs, illustrative_notes, load_measure_set, unknown_mcp
from ipp_calc.app.outcome import Document, Outcome
from ipp_calc.core.prepopulate import Prepopulation
from ipp_calc.errors import Finding, InputError

if TYPE_CHECKING:
    from ipp_calc.core.models import MeasureSet
    from ipp_calc.io.data import DataFolder
    from ipp_calc.io.template import Stakes


def _counties(text: str) -> list[str]:
    return sorted({c.strip() for c in text.split(",") if c.strip()})


def prepopulation_lines(prepopulation: Prepopulation, year: int, submission: int) -> list[str]:
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


def _check_output(output: Path, inputs: list[Path], data: Path | None, force: bool) -> None:
    """-o names a workbook (.xlsx, or a device or FIFO), never an input nor inside the data
    folder's submissions/, and an existing file (maybe a filled workbook) is replaced only with --force."""
    from ipp_calc.io.output import check_output_path, is_stdout, refuse_existing

    check_output_path(output, inputs, data=data)  # an input named by -o: the more useful word, first
    if is_stdout(output) or (output.suffix and output.suffix.lower() != ".xlsx"):
        # A workbook under a .csv name is one Excel refuses and a script misreads (issue 13); a
        # device or FIFO (no suffix: /dev/null, a pipe) takes the workbook's bytes as they are.
        raise InputError(
            Finding("usage", "ipp template writes a workbook: name the -o file FILE.xlsx", file=str(output))
        )
    if not force:
        refuse_existing(output)


def _from_data_folder(
    data: Path, ms: MeasureSet, submission: int, mcp: str, counties: str | None
) -> tuple[list[str], dict[tuple[str, str], Decimal], Stakes | None, list[str]]:
    """The plan's counties (plans.csv; ``--counties`` must agree), its targets, its dollars at
    stake, and the folder's notes."""
    from ipp_calc.io.data import read_data_folder
    from ipp_calc.io.measures import measure_ids

    folder = read_data_folder(data, ms.program, need_elections=False, measure_ids=measure_ids(ms))
    notes = [n.line_text() for n in folder.notes]
    if mcp not in folder.mcps:
        raise unknown_mcp(mcp, data)
    county_list = folder.counties(mcp)
    if counties is not None:
        given = sorted(c.strip() for c in counties.split(",") if c.strip())
        if given != county_list:
            raise InputError(
                Finding("usage", f"--counties {', '.join(given)} disagrees with plans.csv ({', '.join(county_list)})")
            )
    targets = {(t.measure, t.county): t.target for t in folder.targets or () if t.mcp == mcp}
    return county_list, targets, _folder_stakes(folder, ms, submission, mcp, county_list, notes), notes


def _folder_stakes(
    folder: DataFolder, ms: MeasureSet, submission: int, mcp: str, counties: list[str], notes: list[str]
) -> Stakes | None:
    """The plan's dollars at stake from the data folder, allocated as ``ipp score --data`` does; None
    without an elections.yaml, or (with a note) when the folder cannot allocate: the template is
    still useful with points only."""
    from ipp_calc.core.allocation import allocate
    from ipp_calc.io.template import stakes_from

    if not folder.elections:
        return None
    try:
        allocation = allocate(ms.program, folder.plans, folder.elections, folder.table)
    except InputError as exc:
        notes.append(f"the Summary sheet shows points only: the data folder cannot allocate ({exc.summary_line()})")
        return None
    made = "allocation.csv" if folder.table is not None else "plans.csv"
    return stakes_from(allocation, ms, submission, mcp, counties, f"from the data folder's {made} and elections.yaml")


def _plan_files(allocation: Path | None, elections: Path | None, data: Path | None) -> tuple[Path, Path] | None:
    """``--allocation`` and ``--elections``, given together and without ``--data`` (as for ``ipp score``)."""
    if allocation is None and elections is None:
        return None
    if allocation is None or elections is None or data is not None:
        raise InputError(
            Finding("usage", "give --allocation and --elections together (the plan's own files), or --data, not both")
        )
    return allocation, elections


def _plan_stakes(
    allocation_file: Path, elections_file: Path, ms: MeasureSet, submission: int, mcp: str, counties: list[str]
) -> Stakes:
    """The plan's dollars at stake from its own allocation and elections, as ``ipp score`` reads them."""
    from ipp_calc.io.planside import plan_allocation, read_plan_allocation, read_plan_elections
    from ipp_calc.io.template import stakes_from

    table, _ = read_plan_allocation(allocation_file, mcp, counties)
    election, _ = read_plan_elections(elections_file, ms.program, mcp)
    own = plan_allocation(ms.program, mcp, table, election)
    return stakes_from(own, ms, submission, mcp, counties, f"from {allocation_file.name} and {elections_file.name}")


def template(
    year: int,
    submission: int,
    output: Path,
    *,
    mcp: str | None,
    counties: str | None = None,
    data: Path | None = None,
    previous: Path | None = None,
    measures: Path | None = None,
    force: bool = False,
    allocation_file: Path | None = None,
    elections_file: Path | None = None,
) -> Outcome:
    """Write the template to ``output``; the outcome's table says what was written.

    Its Summary sheet shows the dollars at stake per county and area when the allocation is known:
    from the data folder (with an ``elections.yaml``), as ``ipp score --data`` prices a workbook,
    or from the plan's own ``--allocation`` and ``--elections``, as ``ipp score`` does with them."""
    from ipp_calc.io.template import write_template

    ms = load_measure_set(measures, year)
    if ms.submission(submission) is None:
        have = ", ".join(map(str, sorted(ms.submissions)))
        raise InputError(Finding("usage", f"PY{year} has no submission {submission} (it has {have})"))
    if mcp is None:
        raise InputError(Finding("usage", "--mcp is required: the template is for one MCP"))
    own_files = _plan_files(allocation_file, elections_file, data)
    targets = None
    inputs: list[Path] = []
    folder_notes: list[str] = []
    stakes: Stakes | None = None
    if data is not None:
        county_list, targets, stakes, folder_notes = _from_data_folder(data, ms, submission, mcp, counties)
        inputs = data_inputs(data)
    elif counties is None:
        raise InputError(Finding("usage", 'give --counties "A,B" or --data DIR to say where the MCP operates'))
    else:
        county_list = _counties(counties)
        if not county_list:
            raise InputError(Finding("usage", "--counties names no county"))
    if own_files is not None:
        stakes = _plan_stakes(*own_files, ms, submission, mcp, county_list)
        inputs += [*own_files]
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
    _check_output(output, inputs, data, force)
    write_template(
        ms, submission, mcp, county_list, output, targets=targets, prepopulation=prepopulation, stakes=stakes
    )
    lines = [
        f"wrote {output}: {mcp}, PY{year} submission {submission}, {len(county_list)} count"
        f"{'y' if len(county_list) == 1 else 'ies'}",
        "Summary sheet: live points per county and priority area"
        + (
            f", and the dollars at stake {stakes.source}"
            if stakes is not None
            else " (no allocation known: no dollars)"
        ),
    ]
    notes = illustrative_notes(ms) + folder_notes
    if prepopulation is not None:
        lines += prepopulation_lines(prepopulation, year, submission)
        notes += [f"not carried from {previous}: {item}" for item in prepopulation.not_carried]
    wrote = "".join(f"{line}\n" for line in lines)

    def document() -> Document:
        return {
            "output": str(output),
            "mcp": mcp,
            "program_year": year,
            "submission": submission,
            "counties": county_list,
            "notices": notes,
        }

    return Outcome(
        document=document,
        views={"table": lambda: wrote},
        notes=tuple(notes),
        inputs=tuple(inputs),
        notes_in_table=False,
    )
