"""``ipp diff`` for people: terminal tables, a long-format CSV, and a markdown pull-request comment.

Why three views of one result: a policy editor reads the table in a terminal, an auditor filters
the CSV in a spreadsheet, and CI posts the markdown on the pull request, so the reviewer sees the
breaking changes and every plan's dollars before merging. The JSON (``DiffReport.to_json``) is the
result itself; these are views of it and add nothing.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import groupby
from typing import Any

from ipp_calc.core.diff import Attribution, DiffReport, Impact, OwnImpact, Value
from ipp_calc.core.money import CENT
from ipp_calc.views.render import Text, money, new_table

#: The first line of the markdown, so a CI job can find and update its own earlier comment.
MARKER = "<!-- ipp-diff -->"


def _value(value: Value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def signed(amount: Decimal) -> str:
    """``+1,234.50``, ``-20.00``, ``0.00``: a difference, with its sign."""
    return ("+" if amount > 0 else "") + money(amount)


def summary_line(report: DiffReport) -> str:
    count = len(report.changes)
    if not count:
        return "no changes"
    return f"{count} change{'s' if count != 1 else ''}, {report.breaking} breaking"


def conservation_line(impact: Impact) -> str:
    """Σ plan differences + Δ retained = Δ funding (0.00 when the funding is unchanged)."""
    both = impact.plan_difference + impact.retained_difference
    verdict = "=" if impact.conserved else "≠"
    tail = "conserved to the cent" if impact.conserved else "NOT conserved (a bug: please report it)"
    return (
        f"Σ differences {signed(impact.plan_difference)} + Δ retained {signed(impact.retained_difference)} "
        f"= {signed(both)} {verdict} Δ funding {signed(impact.funding_difference)}: {tail}"
    )


# --------------------------------------------------------------------------- tables


def diff_tables(report: DiffReport) -> list[Any]:
    tables: list[Any] = []
    for file, group in groupby(report.changes, key=lambda c: c.file):
        table = new_table(
            file,
            ("Measure", "left"),
            ("Field", "left"),
            ("Old", "left"),
            ("New", "left"),
            ("Breaks", "left"),
            ("Why", "left"),
        )
        for c in group:
            table.add_row(c.measure or "", c.field, _value(c.old), _value(c.new), "yes" if c.breaking else "", c.why)
        tables.append(table)
    hurt = affects_table(report)
    if hurt is not None:
        tables.append(hurt)
    if report.impact is not None:
        tables += impact_tables(report.impact)
    if report.attribution is not None:
        tables += attribution_tables(report.attribution)
    return tables


#: Past this many rows, the terminal shows the first ones and says where the rest are.
MAX_AFFECTED_ROWS = 50


def _change_name(change: Any) -> str:
    return f"{change.measure} {change.field}" if change.measure else change.field


def affects_table(report: DiffReport) -> Any:
    """Who each breaking change hurts, and how (with --data); None when nobody is named."""
    pairs = [(c, mcp, how) for c in report.changes if c.breaking for mcp, how in c.affects]
    if not pairs:
        return None
    table = new_table(
        "Plans the breaking changes hurt", ("Change", "left"), ("File", "left"), ("MCP", "left"), ("How", "left")
    )
    for change, mcp, how in pairs[:MAX_AFFECTED_ROWS]:
        table.add_row(_change_name(change), change.file, mcp, how)
    if len(pairs) > MAX_AFFECTED_ROWS:
        table.add_row("", "", f"and {len(pairs) - MAX_AFFECTED_ROWS} more", "--format json lists all")
    return table


def impact_tables(impact: Impact) -> list[Any]:
    plans = new_table(
        f"Dollar impact, PY{impact.program_year}",
        ("MCP", "left"),
        ("New total", "right"),
        ("Difference", "right"),
        ("Δ earned", "right"),
        ("Δ recouped", "right"),
        ("Δ pool", "right"),
    )
    for p in impact.plans:
        plans.add_row(
            p.mcp,
            money(p.new.total),
            signed(p.difference),
            signed(p.new.earned - p.old.earned),
            signed(p.new.recouped - p.old.recouped),
            signed(p.new.pool_award - p.old.pool_award),
        )
    plans.add_row(
        "all plans",
        money(sum((p.new.total for p in impact.plans), Decimal(0))),
        signed(impact.plan_difference),
        signed(impact.new.earned - impact.old.earned),
        signed(impact.new.recouped - impact.old.recouped),
        signed(impact.new.pool_awarded - impact.old.pool_awarded),
    )
    totals = new_table(
        "Where the funding went",
        ("", "left"),
        ("Old", "right"),
        ("New", "right"),
        ("Difference", "right"),
    )
    for label, old, new in _total_rows(impact):
        totals.add_row(label, money(old), money(new), signed(new - old))
    totals.add_row("balanced", _yes(impact.old.balanced), _yes(impact.new.balanced), "")
    intro = Text("Same data and workbooks under OLD and NEW; total = earned − recouped + pool award.")
    return [intro, plans, totals, Text(conservation_line(impact))]


#: Money columns per table of the per-plan attribution, so it fits an 80-column terminal.
PLAN_COLUMNS = 4

#: Where a change that cannot be applied alone shows its dollars.
IN_INTERACTION = "in the interaction"


def _numbered(attribution: Attribution) -> list[tuple[str, OwnImpact]]:
    """``#1``, ``#2``, …: how the per-plan tables name each change of the summary."""
    return [(f"#{n}", c) for n, c in enumerate(attribution.changes, start=1)]


def _plan_columns(attribution: Attribution) -> list[tuple[str, dict[str, Decimal]]]:
    """The per-plan columns: each change applied alone, the interaction, the total."""
    columns = [(label, dict(c.plans)) for label, c in _numbered(attribution) if c.applied]
    return [*columns, ("Interaction", dict(attribution.interaction)), ("Total", dict(attribution.totals))]


def _gains_losses(plans: Any) -> tuple[Decimal, Decimal]:
    """What the plans that gain gain, and what the plans that lose lose (Σ can hide both: a
    change that moves pool dollars from one plan to another sums to 0.00)."""
    amounts = [amount for _, amount in plans]
    return sum((a for a in amounts if a > 0), Decimal(0)), sum((a for a in amounts if a < 0), Decimal(0))


def attribution_lines(attribution: Attribution) -> list[str]:
    """Why each change that cannot be applied alone is in the interaction."""
    lines = [
        f"{label} {c.group.name} cannot be applied on its own ({c.problem}): its dollars are in the interaction."
        for label, c in _numbered(attribution)
        if not c.applied
    ]
    if attribution.unlisted:
        lines.append("NEW also has edits ipp diff lists no change for: their dollars are in the interaction.")
    return lines


def attribution_tables(attribution: Attribution) -> list[Any]:
    """The dollar impact by change: one row per change (its own impact, all plans, and the
    retained's), the interaction and the total; then every plan's, a few changes per table."""
    summary = new_table(
        f"Dollar impact by change, PY{attribution.program_year}",
        ("#", "left"),
        ("Change (file)", "left"),
        ("Gains", "right"),
        ("Losses", "right"),
        ("All plans", "right"),
        ("Δ retained", "right"),
    )
    for label, c in _numbered(attribution):
        named = f"{c.group.name}\n{c.group.file}"
        if c.applied:
            gains, losses = _gains_losses(c.plans)
            summary.add_row(label, named, signed(gains), signed(losses), signed(c.total), signed(c.retained))
        else:
            summary.add_row(label, named, "", "", IN_INTERACTION, "")
    for name, plans, amount, retained in (
        ("interaction", attribution.interaction, attribution.interaction_total, attribution.interaction_retained),
        ("total", attribution.totals, attribution.total, attribution.retained),
    ):
        gains, losses = _gains_losses(plans)
        summary.add_row("", name, signed(gains), signed(losses), signed(amount), signed(retained))
    intro = Text(
        "Each change applied on its own to OLD, same data and workbooks; the interaction is what is left, "
        "so each plan's row adds up to its difference."
    )
    out: list[Any] = [intro, summary, *(Text(line) for line in attribution_lines(attribution))]
    columns = _plan_columns(attribution)
    for start in range(0, len(columns), PLAN_COLUMNS):
        chunk = columns[start : start + PLAN_COLUMNS]
        table = new_table(
            "Dollar impact by change, per plan" if start == 0 else None,
            ("MCP", "left"),
            *((label, "right") for label, _ in chunk),
        )
        for mcp in attribution.mcps:
            table.add_row(mcp, *(signed(amounts.get(mcp, Decimal(0))) for _, amounts in chunk))
        table.add_row("all plans", *(signed(sum(amounts.values(), Decimal(0))) for _, amounts in chunk))
        out.append(table)
    return out


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def _total_rows(impact: Impact) -> list[tuple[str, Decimal, Decimal]]:
    o, n = impact.old, impact.new
    return [
        ("earned", o.earned, n.earned),
        ("recouped", o.recouped, n.recouped),
        ("pool awarded", o.pool_awarded, n.pool_awarded),
        ("retained", o.retained, n.retained),
        ("funding", o.funding, n.funding),
    ]


# --------------------------------------------------------------------------- CSV

CSV_HEADER = ["section", "file", "measure", "mcp", "field", "old", "new", "difference", "breaking", "why"]


def diff_csv(report: DiffReport) -> tuple[list[str], list[list[Any]]]:
    """One long table: ``change`` rows, then with ``--data`` ``impact`` rows (one per plan and
    amount) and ``totals`` rows; filter on ``section`` in a spreadsheet."""
    rows: list[list[Any]] = [
        ["change", c.file, c.measure or "", "", c.field, _csv(c.old), _csv(c.new), "", _csv(c.breaking), c.why]
        for c in report.changes
    ]
    for c in report.changes:
        for mcp, how in c.affects:
            rows.append(["affects", c.file, c.measure or "", mcp, c.field, "", "", "", _csv(c.breaking), how])
    impact = report.impact
    if impact is not None:
        for p in impact.plans:
            for name in ("max_allocation", "earned", "recouped", "pool_award", "total"):
                old, new = getattr(p.old, name), getattr(p.new, name)
                rows.append(["impact", "", "", p.mcp, name, _amount(old), _amount(new), _amount(new - old)])
        for label, old, new in _total_rows(impact):
            rows.append(["totals", "", "", "", label.replace(" ", "_"), _amount(old), _amount(new), _amount(new - old)])
    if report.attribution is not None:
        rows += _attribution_csv(report.attribution)
    return CSV_HEADER, [row + [""] * (len(CSV_HEADER) - len(row)) for row in rows]


def _attribution_csv(attribution: Attribution) -> list[list[Any]]:
    """``attribution`` rows: per change applied alone, one per plan (``field`` the change's name,
    ``difference`` its own impact); a change that cannot be applied alone, one row saying why; then
    the ``interaction`` per plan (``why`` what it includes). Per plan they add up to the ``impact``
    total's difference."""
    rows: list[list[Any]] = []
    for c in attribution.changes:
        g = c.group
        if not c.applied:
            rows.append(
                ["attribution", g.file, g.measure or "", "", g.name, "", "", "", "", f"{c.problem}; in the interaction"]
            )
            continue
        rows += [["attribution", g.file, g.measure or "", mcp, g.name, "", "", _amount(a)] for mcp, a in c.plans]
    includes = "includes " + "; ".join(attribution.folded) if attribution.folded else ""
    rows += [
        ["attribution", "", "", mcp, "interaction", "", "", _amount(a), "", includes]
        for mcp, a in attribution.interaction
    ]
    return rows


def _amount(amount: Decimal) -> Decimal:
    """Money for CSV as a number with two decimals (a negative one must not read as a formula)."""
    return amount.quantize(CENT)


def _csv(value: Value) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


# --------------------------------------------------------------------------- markdown


def _cell(value: Any) -> str:
    """Text safe inside a markdown table cell: pipes escaped, newlines folded."""
    return " ".join(str(value).split()).replace("|", "\\|") or " "


def diff_markdown(report: DiffReport) -> str:
    """A pull-request comment: a heading, the changes (breaking ones marked ⚠), the dollars."""
    lines = [
        MARKER,
        f"### ipp diff: `{report.old_label}` → `{report.new_label}`",
        "",
    ]
    if report.breaking:
        lines.append(f"**{summary_line(report)}** ⚠ submissions already filed are affected")
    else:
        lines.append(f"**{summary_line(report)}**")
    lines.append("")
    for note in report.notes:
        lines.append(f"> {_cell(note)}")
    if report.notes:
        lines.append("")
    if report.changes:
        lines += [
            "| | File | Measure | Field | Old | New | Why |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in report.changes:
            mark = "⚠ **breaking**" if c.breaking else ""
            lines.append(
                f"| {mark} | {_cell(c.file)} | {_cell(c.measure or '')} | {_cell(c.field)} | "
                f"{_cell(_value(c.old))} | {_cell(_value(c.new))} | {_cell(c.why)} |"
            )
        lines.append("")
    lines += _affects_markdown(report)
    if report.impact is not None:
        lines += _impact_markdown(report.impact)
    if report.attribution is not None:
        lines += attribution_markdown(report.attribution)
    return "\n".join(lines).rstrip("\n") + "\n"


#: A markdown table longer than this goes inside ``<details>`` so the comment stays short.
DETAILS_OVER = 10


def _details(summary: str, body: list[str], rows: int) -> list[str]:
    """``body`` as it is, or folded into a ``<details>`` block when it has many rows (GitHub
    renders markdown inside ``<details>`` when blank lines surround it)."""
    if rows <= DETAILS_OVER:
        return body
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _affects_markdown(report: DiffReport) -> list[str]:
    hit = [c for c in report.changes if c.breaking and c.affects]
    if not hit:
        return []
    lines = ["#### Plans the breaking changes hurt", ""]
    for c in hit:
        count = len(c.affects)
        title = f"⚠ `{_cell(c.file)}` {_cell(_change_name(c))}: {count} plan{'s' if count != 1 else ''}"
        body = ["| MCP | How |", "|---|---|", *(f"| {_cell(mcp)} | {_cell(how)} |" for mcp, how in c.affects)]
        if count <= DETAILS_OVER:
            lines += [f"**{title}**", "", *body, ""]
        else:
            lines += _details(title, body, count)
    return lines


def _impact_markdown(impact: Impact) -> list[str]:
    lines = [
        f"#### Dollar impact, PY{impact.program_year}",
        "",
        "Same data and workbooks, run under the old and the new measure set (total = earned − recouped + pool).",
        "",
    ]
    table = [
        "| MCP | Old total | New total | Difference | Δ earned | Δ recouped | Δ pool |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in impact.plans:
        table.append(
            f"| {_cell(p.mcp)} | {money(p.old.total)} | {money(p.new.total)} | **{signed(p.difference)}** | "
            f"{signed(p.new.earned - p.old.earned)} | {signed(p.new.recouped - p.old.recouped)} | "
            f"{signed(p.new.pool_award - p.old.pool_award)} |"
        )
    old_sum = sum((p.old.total for p in impact.plans), Decimal(0))
    new_sum = sum((p.new.total for p in impact.plans), Decimal(0))
    table.append(
        f"| **all plans** | {money(old_sum)} | {money(new_sum)} | **{signed(impact.plan_difference)}** | "
        f"{signed(impact.new.earned - impact.old.earned)} | {signed(impact.new.recouped - impact.old.recouped)} | "
        f"{signed(impact.new.pool_awarded - impact.old.pool_awarded)} |"
    )
    moved = sum(1 for p in impact.plans if p.difference != 0)
    lines += _details(
        f"Every plan's dollars ({len(impact.plans)} plans, {moved} with a difference; all plans "
        f"{signed(impact.plan_difference)})",
        table,
        len(impact.plans),
    )
    lines += [
        "",
        "| | Old | New | Difference |",
        "|---|---:|---:|---:|",
    ]
    for label, old, new in _total_rows(impact):
        lines.append(f"| {label} | {money(old)} | {money(new)} | {signed(new - old)} |")
    lines.append(f"| balanced | {_yes(impact.old.balanced)} | {_yes(impact.new.balanced)} | |")
    lines += ["", f"**Totals:** {conservation_line(impact)}.", ""]
    return lines


def _folded(body: list[str], summary: str) -> list[str]:
    """``body`` inside a ``<details>`` block, whatever its length."""
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def attribution_markdown(attribution: Attribution) -> list[str]:
    """The dollar impact by change: the summary table open, every per-plan table in ``<details>``."""
    lines = [
        f"#### Dollar impact by change, PY{attribution.program_year}",
        "",
        "Each change applied on its own to the old measure set, same data and workbooks; the interaction is "
        "what is left, so the rows add up to the total, per plan and overall, to the cent.",
        "",
        "| # | Change | File | Gains | Losses | All plans | Δ retained |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for label, c in _numbered(attribution):
        g = c.group
        if c.applied:
            gains, losses = _gains_losses(c.plans)
            lines.append(
                f"| {label} | {_cell(g.name)} | {_cell(g.file)} | {signed(gains)} | {signed(losses)} | "
                f"**{signed(c.total)}** | {signed(c.retained)} |"
            )
        else:
            lines.append(f"| {label} | {_cell(g.name)} | {_cell(g.file)} | | | ⚠ {IN_INTERACTION} | |")
    for name, plans, amount, retained in (
        ("interaction", attribution.interaction, attribution.interaction_total, attribution.interaction_retained),
        ("**total**", attribution.totals, attribution.total, attribution.retained),
    ):
        gains, losses = _gains_losses(plans)
        lines.append(f"| | {name} | | {signed(gains)} | {signed(losses)} | **{signed(amount)}** | {signed(retained)} |")
    lines.append("")
    notes = attribution_lines(attribution)
    lines += [*(f"> {_cell(note)}" for note in notes), *([""] if notes else [])]
    count = len(attribution.mcps)
    for label, c in _numbered(attribution):
        if not c.applied:
            continue
        moved = [(mcp, amount) for mcp, amount in c.plans if amount != 0]
        body = ["| MCP | Own impact |", "|---|---:|", *(f"| {_cell(mcp)} | {signed(a)} |" for mcp, a in moved)]
        if not moved:
            body = ["No plan's dollars move."]
        summary = (
            f"{label} {_cell(c.group.name)}: {signed(c.total)} "
            f"({len(moved)} of {count} plan{'s' if count != 1 else ''} move)"
        )
        lines += _folded(body, summary)
    columns = _plan_columns(attribution)
    table = [
        "| MCP | " + " | ".join(label for label, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for mcp in attribution.mcps:
        table.append(
            f"| {_cell(mcp)} | " + " | ".join(signed(amounts.get(mcp, Decimal(0))) for _, amounts in columns) + " |"
        )
    table.append("| **all plans** | " + " | ".join(f"{signed(sum(a.values(), Decimal(0)))}" for _, a in columns) + " |")
    lines += _folded(table, f"Every plan: each change, the interaction and the total ({count} plans)")
    return lines
