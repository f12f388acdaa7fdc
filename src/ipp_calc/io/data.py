"""The program-year data folder: ``plans.csv``, ``allocation.csv``, ``elections.yaml``, ``targets.csv``.

Why strict: these files come from analysts' spreadsheets. A misspelt column, a duplicated row or
an amount like ``$1,200`` would otherwise shift money between plans silently, so each is one
finding naming ``file:line`` and the column, and nothing is computed until the folder is clean.
CSV is read with the ``csv`` module as UTF-8, with or without the BOM that Excel writes.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ipp_calc.core.allocation import catalog_problems, election_problems
from ipp_calc.core.models import Election, PlanRow, Program, SourceFile, TableRow, TargetRow
from ipp_calc.core.money import parse_decimal, parse_money
from ipp_calc.errors import Collector, Finding, InputError, key_path
from ipp_calc.io.measures import display_path, sha256_of
from ipp_calc.io.names import PLAN_LEVEL, BadName, Spellings, clean, county_problem, suggestion
from ipp_calc.io.yamlload import YamlDoc, parse_yaml, read_text, validate

PLANS_COLUMNS = ("mcp", "county", "member_months", "revenue", "wpc", "hhp")
PLANS_OPTIONAL = ("capitation",)
TABLE_COLUMNS = ("mcp", "county", "amount")
TARGET_COLUMNS = ("mcp", "county", "measure", "target")


@dataclass(frozen=True)
class DataFolder:
    """Everything read from a data folder, plus the files it came from (for the Sources sheet)."""

    folder: Path
    plans: tuple[PlanRow, ...]
    elections: dict[str, Election]
    table: tuple[TableRow, ...] | None
    targets: tuple[TargetRow, ...] | None
    sources: tuple[SourceFile, ...]
    #: Things to tell the user that do not stop anything (a folder that does not state its year).
    notes: tuple[Finding, ...] = ()

    @property
    def mcps(self) -> list[str]:
        return sorted({r.mcp for r in self.plans})

    @cached_property
    def _counties(self) -> dict[str, tuple[str, ...]]:
        by_mcp: dict[str, list[str]] = {}
        for r in self.plans:
            by_mcp.setdefault(r.mcp, []).append(r.county)
        return {mcp: tuple(sorted(counties)) for mcp, counties in by_mcp.items()}

    def counties(self, mcp: str) -> list[str]:
        return list(self._counties.get(mcp, ()))  # indexed once (no slots, so it can be cached)

    def cover(self, mcp: str, counties: Sequence[str], display: str) -> list[Finding]:
        """A workbook's Cover against plans.csv, which must list exactly the plan's counties.

        An MCP not in plans.csv, or a county where it has no row, is an error: DHCS allocates
        that county nothing, so it cannot earn, and its answers would be read against nothing.
        A county of the plan that the Cover leaves out is a finding (severity ``finding``): it
        scores as not reported, so the plan loses that county's money, and someone must say so.
        """
        if mcp not in self.mcps:
            message = f"MCP {mcp!r} (from the Cover) is not in plans.csv{suggestion(mcp, self.mcps)}"
            return [Finding("unknown-mcp", message, file=display, sheet="Cover")]
        known = self.counties(mcp)
        out: list[Finding] = []
        extra = sorted(set(counties) - set(known))
        if extra:
            hint = suggestion(extra[0], known) if len(extra) == 1 else ""
            message = f"Cover lists {', '.join(extra)}, where MCP {mcp} has no plans.csv row{hint}"
            out.append(Finding("unknown-county", message, file=display, sheet="Cover"))
        missing = sorted(set(known) - set(counties))
        if missing:
            out.append(
                Finding(
                    "missing-county",
                    f"Cover leaves out {', '.join(missing)}, where MCP {mcp} operates (plans.csv): scored as "
                    "not reported there, so it earns nothing; add the county and answer its rows",
                    file=display,
                    sheet="Cover",
                    severity="finding",
                )
            )
        return out


# --------------------------------------------------------------------------- CSV


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    values: dict[str, str]


def read_csv(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> tuple[str, str, list[CsvRow]]:
    """Read a CSV strictly: exact header names (case and spaces forgiven), one finding per problem.

    Returns the display name, the raw text (for its sha256) and the rows with their line numbers.
    """
    display = display_path(path)
    text = read_text(path, display)
    found = Collector()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(_numbered(reader))
    except csv.Error as exc:
        raise InputError(Finding("csv-value", f"CSV syntax: {exc}", file=display, line=reader.line_num)) from None
    rows = [(n, r) for n, r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError(
            Finding("csv-header", f"is empty; expected a header row: {', '.join(required)}", file=display, line=1)
        )
    header_line, header = rows[0]
    names = [h.strip().lower() for h in header]
    allowed = (*required, *optional)
    suggested: set[str] = set()  # a misspelt column is one problem: its "did you mean" names the missing one
    for index, name in enumerate(names):
        if name not in allowed:
            close = difflib.get_close_matches(name, [a for a in allowed if a not in names], n=1)
            suggested.update(close)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            found.add(
                "csv-header",
                f"unknown column {header[index].strip()!r}{hint}; expected: {', '.join(allowed)}",
                file=display,
                line=header_line,
                key=header[index].strip() or f"column {index + 1}",
            )
    for name in required:
        if name not in names and name not in suggested:
            found.add(
                "csv-header",
                f"missing column {name!r}; expected: {', '.join(required)}",
                file=display,
                line=header_line,
                key=name,
            )
    for name in set(names):
        if names.count(name) > 1 and name in allowed:
            found.add(
                "csv-header",
                f"column {name!r} appears {names.count(name)} times",
                file=display,
                line=header_line,
                key=name,
            )
    found.raise_if_any()
    out: list[CsvRow] = []
    for number, raw in rows[1:]:
        if len(raw) != len(names):
            found.add("csv-value", f"has {len(raw)} fields; the header has {len(names)}", file=display, line=number)
            continue
        out.append(CsvRow(number, {name: value.strip() for name, value in zip(names, raw, strict=True)}))
    found.raise_if_any()
    return display, text, out


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted field may span lines)."""
    line = 1
    for row in reader:
        yield line, row
        line = reader.line_num + 1  # type: ignore[attr-defined]


class _Cells:
    """Typed access to one CSV row's cells, collecting a finding for each bad value."""

    def __init__(self, file: str, row: CsvRow, found: Collector) -> None:
        self.file, self.row, self.found = file, row, found
        self.ok = True

    def _bad(self, column: str, message: str) -> None:
        self.ok = False
        self.found.add("csv-value", message, file=self.file, line=self.row.line, key=column)

    def text(self, column: str) -> str:
        """A name (MCP id, county, measure id), its whitespace collapsed; an invisible or control
        character is refused by code point, since two names that look alike must not differ."""
        try:
            value = clean(self.row.values[column])
        except BadName as exc:
            self.ok = False
            self.found.add("name-invalid", f"{column} {exc}", file=self.file, line=self.row.line, key=column)
            return self.row.values[column]
        if not value:
            self._bad(column, f"{column} is empty")
        return value

    def county(self, column: str = "county", *, plan_level_ok: bool = False) -> str:
        """A county name: one of California's 58, spelt as the State spells it."""
        value = self.text(column)
        if not self.ok or not value or (plan_level_ok and value == PLAN_LEVEL):
            return value
        problem = county_problem(value)
        if problem is not None:
            self.ok = False
            self.found.add("not-a-county", problem, file=self.file, line=self.row.line, key=column)
        return value

    def spelt_once(self, column: str, value: str, spellings: Spellings) -> None:
        """``value`` is a new name or the same spelling as before (not the same name in another case)."""
        clash = spellings.clash(value, self.row.line) if self.ok and value else None
        if clash is not None:
            self.ok = False
            self.found.add("name-case", clash, file=self.file, line=self.row.line, key=column)

    def money(self, column: str, *, blank_ok: bool = False) -> Decimal | None:
        value = self.row.values.get(column, "")
        if not value and blank_ok:
            return None
        return self._non_negative(column, parse_money, "an amount like 1234.50")

    def number(self, column: str) -> Decimal:
        return self._non_negative(column, parse_decimal, "a number")

    def _non_negative(self, column: str, parse: Callable[[str], Decimal], expected: str) -> Decimal:
        """One cell read by ``parse``: empty, unreadable and negative values are findings."""
        value = self.row.values.get(column, "")
        if not value:
            self._bad(column, f"{column} is empty; expected {expected}")
            return Decimal(0)
        try:
            parsed = parse(value)
        except ValueError as exc:
            self._bad(column, f"{column}: {exc}")
            return Decimal(0)
        if parsed < 0:
            self._bad(column, f"{column} {value} is negative")
        return parsed

    def yes_no(self, column: str) -> bool:
        value = self.row.values[column].lower()
        if value not in ("yes", "no"):
            self._bad(column, f"{column} must be yes or no, found {self.row.values[column]!r}")
            return False
        return value == "yes"


def read_plans(folder: Path) -> tuple[tuple[PlanRow, ...], SourceFile]:
    display, text, rows = read_csv(folder / "plans.csv", PLANS_COLUMNS, PLANS_OPTIONAL)
    found = Collector()
    plans: list[PlanRow] = []
    seen: dict[tuple[str, ...], int] = {}
    spellings = Spellings("MCP")
    for row in rows:
        cells = _Cells(display, row, found)
        mcp, county = cells.text("mcp"), cells.county()
        cells.spelt_once("mcp", mcp, spellings)
        plan = PlanRow(
            mcp=mcp,
            county=county,
            member_months=cells.number("member_months"),
            revenue=cells.money("revenue") or Decimal(0),
            wpc=cells.yes_no("wpc"),
            hhp=cells.yes_no("hhp"),
            capitation=cells.money("capitation", blank_ok=True) if "capitation" in row.values else None,
            line=row.line,
        )
        if _first_time(seen, (mcp, county), f"MCP {mcp} in {county}", display, row.line, found) and cells.ok:
            plans.append(plan)
    if not rows:
        found.add("csv-value", "has no rows: at least one MCP and county is needed", file=display, line=2)
    _mixed_capitation(plans, display, found)
    found.raise_if_any()
    return tuple(sorted(plans, key=lambda p: (p.mcp, p.county))), SourceFile(display, sha256_of(text))


def _first_time(
    seen: dict[tuple[str, ...], int], key: tuple[str, ...], what: str, display: str, line: int, found: Collector
) -> bool:
    """Whether ``key`` is new in this file; a repeat is a finding naming the first line."""
    if key in seen:
        found.add("csv-duplicate-row", f"{what} is already on line {seen[key]}", file=display, line=line)
        return False
    seen[key] = line
    return True


@dataclass(frozen=True, slots=True)
class _Places:
    """The (MCP, county) rows of plans.csv, for checking the other files against them."""

    mcps: frozenset[str]
    rows: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, plans: Sequence[PlanRow]) -> _Places:
        return cls(frozenset(p.mcp for p in plans), frozenset((p.mcp, p.county) for p in plans))

    def check(
        self, mcp: str, county: str, display: str, line: int, found: Collector, *, plan_level_ok: bool = False
    ) -> None:
        """An (MCP, county) named outside plans.csv must be one of its rows (``All``: plan-level)."""
        if mcp not in self.mcps:
            hint = suggestion(mcp, self.mcps)
            message = f"MCP {mcp!r} has no rows in plans.csv{hint}"
            found.add("unknown-mcp", message, file=display, line=line, key="mcp")
        elif not (plan_level_ok and county == PLAN_LEVEL) and (mcp, county) not in self.rows:
            hint = suggestion(county, (c for m, c in self.rows if m == mcp))
            message = f"MCP {mcp} has no plans.csv row for {county}{hint}"
            found.add("unknown-county", message, file=display, line=line, key="county")


def _mixed_capitation(plans: list[PlanRow], display: str, found: Collector) -> None:
    """Capitation must be given for all of an MCP's rows or none (a partial sum would understate it)."""
    by_mcp: dict[str, list[PlanRow]] = {}
    for p in plans:
        by_mcp.setdefault(p.mcp, []).append(p)
    for mcp, rows in sorted(by_mcp.items()):
        given = [r for r in rows if r.capitation is not None]
        if given and len(given) != len(rows):
            blank = next(r for r in rows if r.capitation is None)
            found.add(
                "csv-value",
                f"capitation is blank for MCP {mcp} in {blank.county} but given in its other counties",
                file=display,
                line=blank.line,
                key="capitation",
            )


def read_table(
    folder: Path, program: Program, plans: Sequence[PlanRow]
) -> tuple[tuple[TableRow, ...], SourceFile] | None:
    path = folder / "allocation.csv"
    if not path.exists():
        return None
    display, text, rows = read_csv(path, TABLE_COLUMNS)
    found = Collector()
    places = _Places.of(plans)
    table: list[TableRow] = []
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        cells = _Cells(display, row, found)
        mcp, county = cells.text("mcp"), cells.county()
        amount = cells.money("amount") or Decimal(0)
        if not cells.ok:
            continue
        if not _first_time(seen, (mcp, county), f"MCP {mcp} in {county}", display, row.line, found):
            continue
        places.check(mcp, county, display, row.line, found)
        table.append(TableRow(mcp, county, amount, row.line))
    found.raise_if_any()
    allocated = sum((r.amount for r in table), Decimal(0))
    if allocated > program.funding:
        found.add(
            "allocation-table",
            f"allocates {allocated:,.2f} in all, more than the year's funding {program.funding:,.2f}",
            file=display,
        )
    _covers_every_plan_row(table, plans, display, found)
    found.raise_if_any()
    return tuple(sorted(table, key=lambda r: (r.mcp, r.county))), SourceFile(display, sha256_of(text))


def _covers_every_plan_row(table: Sequence[TableRow], plans: Sequence[PlanRow], display: str, found: Collector) -> None:
    """DHCS's table must say something for every plans.csv row: a row it leaves out would get
    $0 with no word, so each missing row is named (``0.00`` says "nothing" explicitly)."""
    given = {(r.mcp, r.county) for r in table}
    for plan in plans:
        if (plan.mcp, plan.county) not in given:
            found.add(
                "allocation-table",
                f"has no row for MCP {plan.mcp} in {plan.county} (plans.csv line {plan.line}); "
                "write its amount, or 0.00 if DHCS allocates it nothing",
                file=display,
            )


def read_targets(
    folder: Path, plans: Sequence[PlanRow] | None = None, measure_ids: set[str] | None = None
) -> tuple[tuple[TargetRow, ...], SourceFile] | None:
    """``targets.csv``, when present; a target for an unknown MCP, county or measure is an error
    (a typo there would silently leave a plan without its approved target)."""
    path = folder / "targets.csv"
    if not path.exists():
        return None
    display, text, rows = read_csv(path, TARGET_COLUMNS)
    found = Collector()
    targets: list[TargetRow] = []
    seen: dict[tuple[str, ...], int] = {}
    places = _Places.of(plans) if plans is not None else None
    for row in rows:
        cells = _Cells(display, row, found)
        mcp, county, measure = cells.text("mcp"), cells.county(plan_level_ok=True), cells.text("measure")
        target = cells.number("target")
        if not cells.ok:
            continue
        what = f"target for {mcp}, {county}, measure {measure}"
        if not _first_time(seen, (mcp, county, measure), what, display, row.line, found):
            continue
        if measure_ids is not None and measure not in measure_ids:
            close = difflib.get_close_matches(measure, sorted(measure_ids), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            found.add(
                "unknown-measure",
                f"measure {measure!r} is not in the program year's measure set{hint}",
                file=display,
                line=row.line,
                key="measure",
            )
        if places is not None:
            places.check(mcp, county, display, row.line, found, plan_level_ok=True)
        targets.append(TargetRow(mcp, county, measure, target, row.line))
    found.raise_if_any()
    return tuple(sorted(targets, key=lambda t: (t.mcp, t.county, t.measure))), SourceFile(display, sha256_of(text))


# --------------------------------------------------------------------------- elections.yaml


def read_elections(folder: Path, program: Program, mcps: Sequence[str]) -> tuple[dict[str, Election], SourceFile]:
    path = folder / "elections.yaml"
    display = display_path(path)
    text = read_text(path, display)
    doc = parse_yaml(text, display)
    if doc.data is None:
        raise InputError(Finding("yaml-structure", "is empty; expected one entry per MCP", file=display, line=1))
    if isinstance(doc.data, dict):
        _normalise_mcp_keys(doc)
        _normalise_entries(doc)
    elections = validate(dict[str, Election], doc)
    found = Collector()
    known = set(mcps)
    for mcp in sorted(elections):
        if mcp not in known:
            found.add(
                "unknown-mcp",
                f"MCP {mcp!r} has an election but no rows in plans.csv{suggestion(mcp, known)}",
                file=display,
                line=doc.line_of((mcp,)),
                key=mcp,
            )
            continue
        for problem in election_problems(program, mcp, elections[mcp]) + catalog_problems(program, mcp, elections[mcp]):
            found.add(
                problem.code,
                f"MCP {mcp}: {problem.message}",
                file=display,
                line=doc.line_of((mcp, *problem.path)),
                key=key_path((mcp, *problem.path)),
            )
    for mcp in sorted(known - set(elections)):
        found.add("missing-mcp", f"MCP {mcp!r} is in plans.csv but has no entry here", file=display, line=1, key=mcp)
    found.raise_if_any()
    return dict(sorted(elections.items())), SourceFile(display, sha256_of(text))


def _normalise_mcp_keys(doc: YamlDoc) -> None:
    """MCP ids as plans.csv has them: whitespace collapsed, a bare number (``101:``) the text
    "101"; a control character, or one id spelt twice in different case, is refused."""
    found = Collector()
    data: dict[Any, Any] = doc.data
    spellings = Spellings("MCP")
    for key in list(data):
        line = doc.line_of((key,))
        if isinstance(key, int) and not isinstance(key, bool):
            name = str(key)
        elif isinstance(key, str):
            try:
                name = clean(key)
            except BadName as exc:
                found.add("name-invalid", f"MCP id {exc}", file=doc.file, line=line, key=key)
                continue
        else:
            found.add("yaml-type", f"MCP id {key!r} must be text; quote it", file=doc.file, line=line)
            continue
        clash = spellings.clash(name, line)
        if clash is not None:
            found.add("name-case", clash, file=doc.file, line=line, key=name)
            continue
        if name == key:
            continue
        if name in data:
            first = doc.line_of((name,))
            found.add(
                "yaml-duplicate-key",
                f"MCP {name!r} is already on line {first}; the second would silently win",
                file=doc.file,
                line=line,
                key=name,
            )
            continue
        data[name] = data.pop(key)
        for where, at in list(doc.lines.items()):
            if where[:1] == (key,):
                doc.lines[(name, *where[1:])] = at
    found.raise_if_any()
    doc.data = dict(sorted(data.items(), key=lambda item: doc.line_of((item[0],)) or 0))


def _normalise_entries(doc: YamlDoc) -> None:
    """``community_supports`` as a list of names with collapsed whitespace. A key left with no
    value (what remains when someone deletes the list's items) is refused: taken as "not said",
    it would silently cancel the area-3 forfeit of a plan that offers none."""
    found = Collector()
    for mcp, entry in doc.data.items():
        if not isinstance(entry, dict) or "community_supports" not in entry:
            continue
        where = (mcp, "community_supports")
        names = entry["community_supports"]
        if names is None:
            found.add(
                "yaml-type",
                "community_supports has no value; write [] for none, or list the Community Supports offered",
                file=doc.file,
                line=doc.line_of(where),
                key=key_path(where),
            )
            continue
        if not isinstance(names, list):
            continue  # validation names the type
        for index, name in enumerate(names):
            if not isinstance(name, str):
                continue
            try:
                names[index] = clean(name)
            except BadName as exc:
                found.add(
                    "name-invalid",
                    f"Community Support {exc}",
                    file=doc.file,
                    line=doc.line_of((*where, index)),
                    key=key_path((*where, index)),
                )
    found.raise_if_any()


# --------------------------------------------------------------------------- year.yaml

YEAR_FILE = "year.yaml"


class _YearFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    program_year: int = Field(ge=1)


def read_year(folder: Path, year: int) -> tuple[SourceFile | None, tuple[Finding, ...]]:
    """``year.yaml`` (``program_year: 1``): the program year the folder's plans, elections and
    targets are for. Another year is refused: PY1's plans and targets would otherwise be computed
    under PY2's measures, sharing measure ids. A folder without the file still works, with a note
    saying how to add it."""
    path = folder / YEAR_FILE
    display = display_path(path)
    if not path.exists():
        note = Finding(
            "no-program-year",
            f"is missing, so the data folder does not say which program year it is for; add it with the "
            f"line `program_year: {year}` so it cannot be used for another year",
            file=display,
            severity="note",
        )
        return None, (note,)
    text = read_text(path, display)
    doc = parse_yaml(text, display)
    if doc.data is None:
        raise InputError(Finding("yaml-structure", f"is empty; expected program_year: {year}", file=display, line=1))
    stated = validate(_YearFile, doc).program_year
    if stated != year:
        raise InputError(
            Finding(
                "year-mismatch",
                f"this data folder is for program year {stated}, not {year}; use --year {stated}, "
                f"or the data folder of PY{year}",
                file=display,
                line=doc.line_of(("program_year",)),
                key="program_year",
            )
        )
    return SourceFile(display, sha256_of(text)), ()


# --------------------------------------------------------------------------- the folder


def read_data_folder(
    folder: Path, program: Program, *, need_elections: bool = True, measure_ids: set[str] | None = None
) -> DataFolder:
    """Read and cross-check a data folder for one program year."""
    if not folder.is_dir():
        raise InputError(Finding("file-not-found", "no such data folder", file=display_path(folder)))
    year_source, notes = read_year(folder, program.program_year)
    plans, plans_source = read_plans(folder)
    sources = [plans_source] + ([year_source] if year_source is not None else [])
    elections: dict[str, Election] = {}
    if need_elections or (folder / "elections.yaml").exists():
        elections, source = read_elections(folder, program, sorted({p.mcp for p in plans}))
        sources.append(source)
    table_read = read_table(folder, program, plans)
    table = None
    if table_read is not None:
        table, source = table_read
        sources.append(source)
    targets_read = read_targets(folder, plans, measure_ids)
    targets = None
    if targets_read is not None:
        targets, source = targets_read
        sources.append(source)
    return DataFolder(folder, plans, elections, table, targets, tuple(sources), notes)
