"""The one error catalog: every problem a user can cause has a stable code and names its place.

Why a catalog: analysts script around this tool, so an error's *code* (``yaml-duplicate-key``)
must not change when its wording improves, and every message must say where to look (file and
line, or file, sheet and cell) so nobody has to read a traceback to find a bad cell.

A :class:`Finding` is one problem at one place. :class:`InputError` carries one or more findings
out of a loader or engine; the CLI turns it into one line per finding on stderr and exit code 2
(``ipp check`` reports its findings with exit code 1 instead). Anything that is not an
``InputError`` is a bug, and the CLI says so with exit code 70.

This module is pure (no I/O) so that the core may raise these errors too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Every stable error code, with what it means. Codes are part of the public contract
#: (FORMATS.md): add new ones freely, never rename one.
ERROR_CODES: Mapping[str, str] = {
    # files and usage
    "file-not-found": "A file or folder named on the command line or expected in the data folder is missing.",
    "file-unreadable": "A file exists but cannot be read (permissions, not UTF-8, a folder).",
    "usage": "The command line asks for something impossible (an unknown year, an option clash).",
    "output-is-input": "-o names a file that the command reads; it would be overwritten.",
    "output-unwritable": "The output file cannot be written.",
    "output-exists": "ipp template -o names a file that exists (perhaps a filled workbook); --force replaces it.",
    "output-in-submissions": "-o points inside the data folder's submissions/, which every run of the year reads.",
    # YAML
    "yaml-syntax": "The YAML cannot be parsed.",
    "yaml-tab": "A tab character is used for indentation or inside a value; YAML forbids tabs there.",
    "yaml-duplicate-key": "The same key appears twice in one mapping; the second would silently win.",
    "yaml-unknown-key": "A key that the format does not define (often a misspelling).",
    "yaml-missing-key": "A required key is absent.",
    "yaml-float-money": "A money amount or share is written as a bare number; write it as a string.",
    "yaml-ambiguous-bool": "A YAML 1.1 word such as NO, yes or on where text or a number is meant.",
    "yaml-type": "A value has the wrong type or is out of range.",
    "yaml-structure": "The document is not the mapping or list the format expects.",
    # measure sets and program rules (ipp check)
    "shares-sum": "Shares that must add up to a whole do not.",
    "duplicate-id": "An id is used twice where ids must be unique.",
    "domain-area": "A measure's domain does not belong to its priority area.",
    "tier-points": "A tiered measure's tier points do not add up to its points.",
    "points-unreachable": "An area's points_available cannot be reached by its measures.",
    "optional-meaningless": "A warning: mandatory measures alone reach points_available, so optional ones add "
    "points only when a mandatory one is not earned.",
    "points-available": "An area is missing points_available > 0 in a submission that pays a payment.",
    "missing-submission": "A payment names a submission that has no file.",
    "year-mismatch": "program_year disagrees between files.",
    "kind-fields": "A measure has fields its kind does not use, or lacks fields it needs.",
    "unknown-area": "A priority area id that the program year does not define.",
    "baseline-reference": "An improvement measure's baseline names a submission or measure that does not exist, "
    "does not come earlier, is not numeric or of the same level, or forms a cycle.",
    "measure-set-mismatch": "A workbook was made from a different measure set than the one in use.",
    # data folder
    "csv-header": "A CSV file lacks a required column or has an unknown one.",
    "csv-value": "A CSV cell is not a valid value for its column.",
    "csv-duplicate-row": "A CSV row repeats a key that must be unique.",
    "unknown-mcp": "An MCP id appears in one data file but not in plans.csv.",
    "missing-mcp": "An MCP in plans.csv is missing from another data file.",
    "unknown-county": "A county that the MCP does not operate in.",
    "not-a-county": "A county name that is not one of California's 58 counties (a typo would be allocated money).",
    "name-invalid": "A name holds a control or invisible character (NUL, zero-width space), named by code point.",
    "name-case": "One name is spelt two ways that differ only in case; it would count as two plans or counties.",
    "unknown-measure": "A measure id that the measure set does not define.",
    "unknown-community-support": "A Community Support that is not in the program's catalog.",
    "election": "An MCP's flexible election or exception breaks the program's rules.",
    "allocation-table": "DHCS's allocation table breaks a rule (negative, over the funding).",
    "no-allocation": "The factors give every MCP a weight of zero, so nothing can be allocated.",
    # workbooks
    "not-xlsx": "A file that should be an .xlsx workbook is not one (an .xls, a corrupt zip).",
    "workbook-too-large": "A workbook expands past the size limit; refused before parsing.",
    "workbook-unsafe": "A workbook contains something refused for safety (an XML entity, DTD).",
    "missing-sheet": "A workbook lacks a required sheet.",
    "missing-header": "A sheet lacks a required column header.",
    "duplicate-header": "A sheet has the same required column header twice, so which one counts is unclear.",
    "measure-level": "A plan-level measure is answered on a county row, or a county-level one on the All row.",
    "cover-value": "The Cover sheet has a missing or invalid value.",
    "duplicate-row": "Two rows answer the same measure and county.",
    "cell-type": "A cell holds a value of the wrong type for its measure.",
    "cell-range": "A cell holds a number outside the allowed range.",
    "formula-no-value": "A cell holds a formula with no trustworthy saved value (never opened in a spreadsheet, "
    "or a workbook that asks to be recalculated when opened).",
    "cell-error": "A cell holds a spreadsheet error value (#DIV/0!, #N/A, …) instead of a value.",
    "duplicate-workbook": "Two workbooks answer the same MCP and submission.",
    "unknown-submission": "A workbook names a program year or submission that does not exist.",
    "prepopulate-reference": "A measure's prepopulate_from names no earlier answer that fits it.",
    # the intake review of a round (ipp review)
    "mandatory-missing": "A mandatory measure is not answered for a county (or for the plan).",
    "missing-county": "A workbook's Cover leaves out a county where plans.csv says the MCP operates.",
    "election-disagreement": "A workbook's Elections sheet and the existing elections.yaml disagree.",
    # limits and reconciliation (findings: exit 1, output still written)
    "capitation-limit": "An MCP's maximum allocation alone exceeds 5% of its capitation (42 CFR 438.6(b)(2)).",
    "earned-above-limit": "An MCP's earned dollars exceed 5% of its capitation (42 CFR 438.6(b)(2)).",
    "unbalanced": "The reconciliation does not balance to the cent (a bug: please report it).",
    "target-disagreement": "targets.csv and the workbook's Target column give different targets.",
    "target-not-approved": "A workbook's Target is not in targets.csv: not used, the measure has no approved target.",
    "baseline-disagreement": "The data folder's earlier workbook and the workbook's Baseline column give different "
    "baselines.",
    "percent-format": "A count is typed in a cell formatted as a percentage: it shows 95% and holds 0.95.",
    "baseline-source": "Where the baselines of an earlier program year are read from (a note).",
    "no-workbook": "An MCP has no workbook for a submission; it is scored as nothing reported.",
    "no-program-year": "A data folder has no year.yaml saying which program year it is for (a note).",
    "ignored-file": "A known junk entry of submissions/ (a lock file, .DS_Store, a hidden file) was ignored (a note).",
    # git (ipp diff --base)
    "git": "A git command failed (not a repository, unknown revision).",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place.

    ``file`` is the path as the user would type it; ``line`` is 1-based; ``key`` is the YAML
    key path or CSV column; ``sheet`` and ``cell`` locate a workbook cell (``Responses``,
    ``G14``). ``severity`` is ``error`` (blocks the run), ``finding`` (the output is still made,
    and the command exits 1), ``warning`` (an opinion ``ipp check`` shows, never blocking) or
    ``note`` (shown, not blocking).

    The program's own places, for findings about results rather than files: ``program_year``
    (``ipp program``), ``mcp``, and ``measure`` with ``county`` (a score's row). One type for
    every command, so JSON ``findings`` has one shape everywhere and the terminal one form.
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    sheet: str | None = None
    cell: str | None = None
    severity: str = "error"
    program_year: int | None = None
    mcp: str | None = None
    measure: str | None = None
    county: str | None = None

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES:  # a programming error, caught by the tests
            raise ValueError(f"unknown error code {self.code!r}")

    @property
    def place(self) -> str:
        """Where to look, in the form editors and terminals understand (``file:line``)."""
        parts: list[str] = [] if self.program_year is None else [f"PY{self.program_year}"]
        if self.file is not None:
            parts.append(f"{self.file}:{self.line}" if self.line is not None else self.file)
        if self.sheet is not None:
            parts.append(f"{self.sheet}!{self.cell}" if self.cell else self.sheet)
        if self.key is not None:
            parts.append(self.key)
        if self.mcp is not None:
            parts.append(self.mcp)
        return ": ".join(parts)

    def line_text(self) -> str:
        """The one line a person reads: ``place: message``, with newlines folded away."""
        message = " ".join(self.message.split())
        return printable(f"{self.place}: {message}" if self.place else message)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of FORMATS.md: ``{code, message, file, line | sheet + cell}``."""
        out: dict[str, Any] = {"code": self.code, "message": self.message, "file": self.file}
        if self.sheet is not None:
            out["sheet"] = self.sheet
            out["cell"] = self.cell
        else:
            out["line"] = self.line
        if self.key is not None:
            out["key"] = self.key
        for name in ("program_year", "mcp", "measure", "county"):  # only where they say something
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def sort_key(self) -> tuple[str, int, str, str, str]:
        """Findings are reported in file and line order, so output is deterministic."""
        return (self.file or "", self.line or 0, self.sheet or "", cell_order(self.cell), self.code)


def key_path(path: Iterable[str | int]) -> str:
    """A key path as every message and ``key`` writes it: ``alpha.flexible[3]``, ``measures[2].id``
    (the YAML loader's structural pass and the cross-file checks must name a key alike)."""
    parts: list[str] = []
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool) and parts:
            parts[-1] = f"{parts[-1]}[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def printable(text: str) -> str:
    """Control and separator characters escaped (``\\x1e``, ``\\n``), so that a finding stays one
    line on a terminal whatever a file put in a key or a name: a quoted newline in a CSV header,
    a record separator, an escape sequence that would repaint the screen."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def cell_order(cell: str | None) -> str:
    """Sort ``G9`` before ``G14``: row number zero-padded, then column letters."""
    if not cell:
        return ""
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters) :]
    return f"{int(digits) if digits else 0:09d}{letters:>3}"


class InputError(Exception):
    """Bad input: one or more findings. The CLI prints them and exits with code 2."""

    def __init__(self, findings: Finding | Iterable[Finding], *, hint: str | None = None) -> None:
        items = [findings] if isinstance(findings, Finding) else list(findings)
        if not items:
            raise ValueError("InputError needs at least one finding")
        self.findings: tuple[Finding, ...] = tuple(sorted(items, key=Finding.sort_key))
        #: What to do next, printed after the error line (``ipp run``: run the intake review).
        self.hint = hint
        super().__init__(self.findings[0].line_text())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its findings and hint (a forked reader sends a workbook's refusal back to
        its parent): an exception is otherwise rebuilt from its message, which is not findings."""
        return (_input_error, (self.findings, self.hint))

    @property
    def first(self) -> Finding:
        return self.findings[0]

    def summary_line(self) -> str:
        """One line for the terminal: the first problem, and how many more there are."""
        more = len(self.findings) - 1
        text = self.first.line_text()
        return f"{text} (and {more} more problem{'s' if more > 1 else ''})" if more else text


def _input_error(findings: tuple[Finding, ...], hint: str | None) -> InputError:
    return InputError(findings, hint=hint)


def error(code: str, message: str, **where: Any) -> InputError:
    """Shorthand for raising one finding: ``raise error("csv-value", "...", file=f, line=3)``."""
    return InputError(Finding(code, message, **where))


@dataclass(slots=True)
class Collector:
    """Gathers findings so that a loader can report every problem in a file set at once."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, code: str, message: str, **where: Any) -> None:
        self.findings.append(Finding(code, message, **where))

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def raise_if_any(self) -> None:
        errors = [f for f in self.findings if f.severity == "error"]
        if errors:
            raise InputError(errors)

    def __bool__(self) -> bool:
        return bool(self.findings)
