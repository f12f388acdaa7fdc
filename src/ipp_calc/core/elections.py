"""Gathering the plans' elections from their workbooks into ``elections.yaml`` (``ipp elections``).

Why from the workbooks: APL 21-016 says the 30 % flexible share is allocated "as indicated in the
MCP's submitted Gap-Filling Plan" and that an exception request is submitted "with the Reporting
Template". The plan makes its elections in the template's ``Elections`` sheet; typing them into
``elections.yaml`` again by hand is where mistakes come from. DHCS's own decisions (an exception's
approval, a corrective action plan, a recoupment) are not the plan's to make: they are kept from
the existing file, a new exception request is written ``approved: false`` for DHCS to decide, and
wherever the workbook and an existing entry disagree about what the plan chose, that is a finding.

Pure: the workbooks' Elections sheets arrive already read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ipp_calc.core.allocation import catalog_problems, election_problems
from ipp_calc.core.models import Election, Exception_, Program
from ipp_calc.errors import Finding


@dataclass(frozen=True, slots=True)
class ExceptionRequest:
    """An exception the plan asks for in its Elections sheet."""

    from_: int
    to: int
    share: Decimal
    justification: str | None = None


@dataclass(frozen=True, slots=True)
class WorkbookElection:
    """What one plan's Elections sheet says. ``community_supports`` None: the sheet leaves every
    Community Support unanswered (nothing is said); ``()``: the plan offers none."""

    mcp: str
    file: str
    flexible: dict[int, Decimal]
    exception: ExceptionRequest | None = None
    community_supports: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Gathered:
    """The elections to write (MCP → entry) and the findings about them."""

    elections: dict[str, Election]
    findings: tuple[Finding, ...]


def gather(
    program: Program,
    mcps: Sequence[str],
    workbooks: Sequence[WorkbookElection],
    existing: Mapping[str, Election] | None,
    *,
    existing_file: str = "elections.yaml",
) -> Gathered:
    """Every plan's entry: its workbook's choices, with DHCS's fields kept from ``existing``."""
    found: list[Finding] = []
    by_mcp: dict[str, WorkbookElection] = {}
    for book in sorted(workbooks, key=lambda b: b.file):
        if book.mcp in by_mcp:
            found.append(
                Finding(
                    "duplicate-workbook",
                    f"MCP {book.mcp}'s elections are in {by_mcp[book.mcp].file} too",
                    file=book.file,
                )
            )
            continue
        by_mcp[book.mcp] = book
    out: dict[str, Election] = {}
    old = existing or {}
    for mcp in sorted(mcps):
        chosen = by_mcp.get(mcp)
        before = old.get(mcp)
        if chosen is None:
            if before is not None:
                out[mcp] = before
                found.append(
                    Finding(
                        "no-workbook",
                        f"MCP {mcp} sent no workbook with elections; its {existing_file} entry is kept",
                        file=existing_file,
                        severity="note",
                    )
                )
            else:
                found.append(Finding("no-workbook", f"MCP {mcp} sent no workbook with elections", severity="note"))
            continue
        book = chosen
        entry = _entry(book, before)
        problems, pending = _problems(program, book, entry)
        if pending and not problems and entry.exception is not None:
            x = entry.exception
            found.append(
                Finding(
                    "election",
                    f"MCP {mcp} requests an exception (from area {x.from_} to area {x.to}, share {_share(x.share)}): "
                    "written approved: false; DHCS marks it approved or removes it before the year is run",
                    file=book.file,
                    sheet="Elections",
                    severity="note",
                )
            )
        if problems:
            found.extend(problems)
            if before is not None:
                out[mcp] = before
            continue
        if before is not None:
            found.extend(_disagreements(mcp, book, before, existing_file))
        out[mcp] = entry
    return Gathered(out, tuple(found))


def workbook_problems(program: Program, book: WorkbookElection) -> list[Finding]:
    """What the plan must fix in the elections of its workbook (RULES.md section 3: the flexible
    shares add up to the flexible share, areas exist, Community Supports come from the catalog),
    each naming the workbook's Elections sheet; for the intake review (``ipp review``). An
    exception request is not a problem: DHCS approves it or not."""
    return _problems(program, book, _entry(book, None))[0]


def _problems(program: Program, book: WorkbookElection, entry: Election) -> tuple[list[Finding], bool]:
    """The findings about a workbook's elections as ``entry``, and whether an exception request
    waits for DHCS's approval (not a finding of the plan's)."""
    problems = election_problems(program, book.mcp, entry) + catalog_problems(program, book.mcp, entry)
    pending = [p for p in problems if p.path == ("exception", "approved")]
    findings = [
        Finding(p.code, f"MCP {book.mcp}: {p.message}", file=book.file, sheet="Elections")
        for p in problems
        if p not in pending
    ]
    return findings, bool(pending)


def _entry(book: WorkbookElection, before: Election | None) -> Election:
    exception = None
    if book.exception is not None:
        request = book.exception
        approved = (
            before is not None
            and before.exception is not None
            and before.exception.approved
            and (before.exception.from_, before.exception.to, before.exception.share)
            == (request.from_, request.to, request.share)
        )
        exception = Exception_.model_validate(
            {
                "approved": approved,
                "from": request.from_,
                "to": request.to,
                "share": request.share,
                "justification": request.justification,
            }
        )
    supports = list(book.community_supports) if book.community_supports is not None else None
    if supports is None and before is not None:
        supports = before.community_supports
    return Election.model_validate(
        {
            "flexible": {k: v for k, v in sorted(book.flexible.items()) if v != 0},
            "exception": exception,
            "community_supports": supports,
            "corrective_action_plan": before.corrective_action_plan if before is not None else False,
            "recoupment": before.recoupment if before is not None else Decimal(0),
        }
    )


def _disagreements(mcp: str, book: WorkbookElection, before: Election, file: str) -> list[Finding]:
    out: list[Finding] = []
    flexible = {k: v for k, v in book.flexible.items() if v != 0}
    was = {k: v for k, v in before.flexible.items() if v != 0}
    if flexible != was:
        out.append(
            Finding(
                "election-disagreement",
                f"MCP {mcp}: the workbook elects {_shares(flexible)}, {file} says {_shares(was)}; "
                "the workbook's is written",
                file=book.file,
                sheet="Elections",
            )
        )
    if book.community_supports is not None and before.community_supports is not None:
        now = sorted(s.casefold() for s in book.community_supports)
        then = sorted(s.casefold() for s in before.community_supports)
        if now != then:
            out.append(
                Finding(
                    "election-disagreement",
                    f"MCP {mcp}: the workbook offers {len(now)} Community Supports, {file} lists {len(then)} "
                    "others; the workbook's are written",
                    file=book.file,
                    sheet="Elections",
                )
            )
    if before.exception is not None and book.exception is not None and before.exception.approved:
        request = book.exception
        if (before.exception.from_, before.exception.to, before.exception.share) != (
            request.from_,
            request.to,
            request.share,
        ):
            out.append(
                Finding(
                    "election-disagreement",
                    f"MCP {mcp}: the exception requested differs from the one {file} approved; "
                    "written as approved: false for DHCS to decide again",
                    file=book.file,
                    sheet="Elections",
                )
            )
    return out


def _shares(flexible: Mapping[int, Decimal]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(flexible.items())) + "}" if flexible else "nothing"


# --------------------------------------------------------------------------- elections.yaml text


def elections_yaml(elections: Mapping[str, Election], *, header: Sequence[str] = ()) -> str:
    """``elections.yaml`` as text, in FORMATS.md's shape: MCPs in order, shares as strings."""
    lines = [f"# {line}" for line in header]
    for mcp in sorted(elections):
        e = elections[mcp]
        lines.append(f"{_key(mcp)}:")
        flexible = ", ".join(f'{k}: "{_share(v)}"' for k, v in sorted(e.flexible.items()))
        lines.append(f"  flexible: {{{flexible}}}")
        if e.exception is not None:
            x = e.exception
            parts = [f"approved: {'true' if x.approved else 'false'}", f"from: {x.from_}", f"to: {x.to}"]
            parts.append(f'share: "{_share(x.share)}"')
            if x.justification:
                parts.append(f"justification: {_quoted(x.justification)}")
            lines.append(f"  exception: {{{', '.join(parts)}}}")
        if e.community_supports is not None:
            lines.append("  community_supports:" + (" []" if not e.community_supports else ""))
            lines += [f"    - {_quoted(name)}" for name in e.community_supports]
        lines.append(f"  corrective_action_plan: {'true' if e.corrective_action_plan else 'false'}")
        lines.append(f'  recoupment: "{_share(e.recoupment)}"')
    return "\n".join(lines) + "\n"


def _share(value: Decimal) -> str:
    """A share as elections.yaml writes it: two decimals at least (``0.10``), more when needed."""
    return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else format(value.normalize(), "f")


def _key(mcp: str) -> str:
    return mcp if mcp.replace("-", "").replace("_", "").isalnum() and not mcp.isdigit() else _quoted(mcp)


def _quoted(text: str) -> str:
    """A YAML double-quoted string: backslashes and quotes escaped, control characters spelt out."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in out)
    return f'"{out}"'
