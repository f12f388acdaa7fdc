"""``ipp diff`` answers the reviewer's question: which plans a breaking change hurts and how; a
change of the flexible share or a minimum is breaking; the change table still prints (and the
CI comment still posts) when the dollars cannot be computed; long per-plan tables fold away.

On the hand-checked fixtures of tests/test_diff.py (``fixtures/diff``): alpha (Alameda) answers
1.1 Yes (50 points), 1.2 No (0), 1.3 = 12 against target 10 (met: 20 points); beta (Fresno) 1.1
Yes (50), 1.2 No, 1.3 = 5 (not met: 0). The pool asks for no Community Supports, so both plans
are eligible under the base set.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ipp_calc.core.diff import Change, DiffReport, Dollars, Impact, PlanImpact, YearTotals
from ipp_calc.core.money import ZERO
from ipp_calc.views.diff import diff_markdown
from test_diff import BASE, DATA, PROGRAM, SUB, attribution_data, copy_base, edit


@pytest.fixture
def data_with_workbooks(tmp_path: Path) -> Path:
    """``fixtures/diff/data`` plus alpha's and beta's filled workbooks (the answers above)."""
    import shutil

    from ipp_calc.io.measures import load_year
    from ipp_calc.io.template import write_template
    from workbooks import fill

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "submissions").mkdir()
    ms = load_year(BASE, 1)
    for mcp, county, answers in (
        ("alpha", "Alameda", {("1.1", "All"): "Yes", ("1.2", "All"): "No", ("1.3", "Alameda"): 12}),
        ("beta", "Fresno", {("1.1", "All"): "Yes", ("1.2", "All"): "No", ("1.3", "Fresno"): 5}),
    ):
        path = data / "submissions" / f"{mcp}.xlsx"
        write_template(ms, 1, mcp, [county], path)
        fill(path, answers)
    return data


def affects(document: dict[str, Any]) -> dict[tuple[str | None, str], list[tuple[str, str]]]:
    return {(c["measure"], c["field"]): [(a["mcp"], a["how"]) for a in c["affects"]] for c in document["changes"]}


def _remove_13(root: Path) -> None:
    path = root / SUB
    text = path.read_text(encoding="utf-8")
    start = text.index('  - id: "1.3"')
    end = text.index('  - id: "1.4"')
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    edit(root, SUB, "1: {points_available: 100}", "1: {points_available: 80}")  # 1.3's 20 points gone


def test_a_removed_measure_names_the_plan_that_loses_its_points(
    run_cli: Any, data_with_workbooks: Path, tmp_path: Path
) -> None:
    new = copy_base(tmp_path)
    _remove_13(new)
    code, out, err = run_cli(["diff", BASE, new, "--data", data_with_workbooks, "-f", "json"])
    assert code == 1, err
    got = affects(json.loads(out))[("1.3", "measure")]
    # alpha earned 20 points on 1.3 (12 ≥ 10); beta earned none, but its answer 5 no longer fits.
    assert got == [
        ("alpha", "loses 20 points on 1.3"),
        ("beta", "its answer to 1.3 no longer fits (no such measure)"),
    ]
    code, table, _ = run_cli(["diff", BASE, new, "--data", data_with_workbooks])
    assert "Plans the breaking changes hurt" in table and "loses 20 points on 1.3" in table
    code, text, _ = run_cli(["diff", BASE, new, "--data", data_with_workbooks, "-f", "csv"])
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["section"] == "affects"]
    assert [(r["mcp"], r["measure"], r["why"]) for r in rows] == [
        ("alpha", "1.3", "loses 20 points on 1.3"),
        ("beta", "1.3", "its answer to 1.3 no longer fits (no such measure)"),
    ]


def test_a_measure_made_mandatory_names_the_plans_that_lose_pool_eligibility(
    run_cli: Any, data_with_workbooks: Path, tmp_path: Path
) -> None:
    new = copy_base(tmp_path)
    edit(
        new,
        SUB,
        "level: plan\n    mandatory: false\n    kind: tiered",
        "level: plan\n    mandatory: true\n    kind: tiered",
    )
    code, out, err = run_cli(["diff", BASE, new, "--data", data_with_workbooks, "-f", "json"])
    assert code == 1, err
    # neither workbook answered 1.4, so under NEW both miss a mandatory answer
    how = "loses pool eligibility: 1.4 is a mandatory answer it has not given"
    assert affects(json.loads(out))[("1.4", "mandatory")] == [("alpha", how), ("beta", how)]


def test_a_flexible_share_change_is_breaking_and_the_change_table_still_prints_without_dollars(
    run_cli: Any, data_with_workbooks: Path, tmp_path: Path
) -> None:
    new = copy_base(tmp_path)
    edit(new, PROGRAM, 'minimum_share: "1"', 'minimum_share: "0.8"')
    edit(new, PROGRAM, 'flexible_share: "0"', 'flexible_share: "0.2"')
    argv = ["diff", BASE, new, "--data", data_with_workbooks]
    # the filed elections ({} for both) add up to 0, not the new flexible share 0.2
    code, out, err = run_cli([*argv, "-f", "json"])
    assert code == 1, err
    document = json.loads(out)
    assert document["breaking"] == 2 and "impact" not in document
    refused = affects(document)[(None, "flexible_share")]
    assert [mcp for mcp, _ in refused] == ["alpha", "beta"]
    assert all("0.2" in how for _, how in refused)
    assert any(n.startswith("no dollar impact: under the NEW measure set") for n in document["notices"])
    code, table, _ = run_cli(argv)
    assert code == 1
    assert "flexible_share" in table and "no dollar impact" in table
    # --attribute has no dollars to split: it says so, and the rest is as without it
    code, out, _ = run_cli([*argv, "--attribute", "-f", "json"])
    assert code == 1
    attributed = json.loads(out)
    assert "attribution" not in attributed
    assert "--attribute: no dollar impact, so nothing to attribute to the changes" in attributed["notices"]
    assert {k: v for k, v in attributed.items() if k != "notices"} == {
        k: v for k, v in document.items() if k != "notices"
    }
    # the CI workflow's command: the comment is written, with the reason, and the job fails after it
    comment = tmp_path / "ipp-diff.md"
    code, _, _ = run_cli([*argv, "--fail-on", "never", "--format", "markdown", "-o", comment])
    assert code == 1  # NEW cannot pay this data: a finding whatever --fail-on says
    text = comment.read_text(encoding="utf-8")
    assert "flexible_share" in text and "no dollar impact" in text and "Plans the breaking changes hurt" in text


def _impact(plans: int) -> Impact:
    totals = YearTotals(ZERO, ZERO, ZERO, ZERO, ZERO, True)
    one = Dollars(ZERO, ZERO, ZERO, ZERO)
    rows = tuple(PlanImpact(f"plan-{i:02d}", one, one) for i in range(plans))
    return Impact(1, rows, totals, totals)


def test_markdown_folds_a_long_per_plan_table_into_details_and_keeps_a_short_one_open() -> None:
    change = Change("py1/submission-1.yaml", "1.1", "points", 5, 6, False, "what the measure earns")
    long_text = diff_markdown(DiffReport("old", "new", (change,), _impact(25)))
    assert "<details>" in long_text and "<summary>Every plan's dollars (25 plans, 0 with a difference" in long_text
    assert long_text.index("<details>") < long_text.index("| plan-00 |") < long_text.index("</details>")
    short = diff_markdown(DiffReport("old", "new", (change,), _impact(3)))
    assert "<details>" not in short and "| plan-00 |" in short


# --------------------------------------------------------------------------- --attribute


__all__ = ["attribution_data"]  # the fixture: OLD, NEW and filed workbooks (tests/test_diff.py)


def test_markdown_attribution_opens_the_summary_and_folds_every_per_plan_table(
    run_cli: Any, attribution_data: tuple[Path, Path, Path]
) -> None:
    """The hand-checked attribution of tests/test_diff.py (1.4 tiers 5 / 5 → 2 / 8: alpha +12.00,
    beta −12.00; 1.5 removed: alpha +20.00, beta −20.00; interaction 0.00; total alpha +32.00,
    beta −32.00) as the pull-request comment."""
    old, new, data = attribution_data
    code, text, err = run_cli(["diff", old, new, "--data", data, "--attribute", "-f", "markdown"])
    assert code == 1, err
    section = text[text.index("#### Dollar impact by change, PY1") :]
    # the summary, open: gains 12 and 20, losses −12 and −20, Σ 0.00 (the pool moves beta's dollars to alpha)
    assert "| #1 | 1.4 tiers | py1/submission-1.yaml | +12.00 | -12.00 | **0.00** | 0.00 |" in section
    assert "| #2 | 1.5 removed | py1/submission-1.yaml | +20.00 | -20.00 | **0.00** | 0.00 |" in section
    assert "| | interaction | | 0.00 | 0.00 | **0.00** | 0.00 |" in section
    assert "| | **total** | | +32.00 | -32.00 | **0.00** | 0.00 |" in section  # 12 + 20; −12 − 20
    assert section.index("| #2 |") < section.index("<details>")
    # one <details> per change, then every plan's row: #1 + #2 + interaction = total (12 + 20 + 0 = 32)
    blocks = section.split("<details>")[1:]
    assert [b.split("</summary>")[0].removeprefix("\n<summary>") for b in blocks] == [
        "#1 1.4 tiers: 0.00 (2 of 2 plans move)",
        "#2 1.5 removed: 0.00 (2 of 2 plans move)",
        "Every plan: each change, the interaction and the total (2 plans)",
    ]
    assert all("</details>" in b for b in blocks)
    assert "| alpha | +12.00 |" in blocks[0] and "| beta | -20.00 |" in blocks[1]
    assert "| MCP | #1 | #2 | Interaction | Total |" in blocks[2]
    assert "| alpha | +12.00 | +20.00 | 0.00 | +32.00 |" in blocks[2]
    assert "| beta | -12.00 | -20.00 | 0.00 | -32.00 |" in blocks[2]
    # without --attribute, no such section
    code, plain, _ = run_cli(["diff", old, new, "--data", data, "-f", "markdown"])
    assert "Dollar impact by change" not in plain
    assert plain == text[: text.index("#### Dollar impact by change")].rstrip("\n") + "\n"  # the rest as it was


def test_table_and_csv_of_the_attribution(run_cli: Any, attribution_data: tuple[Path, Path, Path]) -> None:
    old, new, data = attribution_data
    argv = ["diff", old, new, "--data", data, "--attribute"]
    code, table, _ = run_cli(argv)
    assert code == 1
    assert max(len(line) for line in table.splitlines()) <= 80
    lines = table.splitlines()
    row = next(line for line in lines if line.startswith("#1 "))
    assert row.split()[-4:] == ["+12.00", "-12.00", "0.00", "0.00"]  # gains, losses, all plans, Δ retained
    alpha = next(
        line for line in lines[lines.index(next(x for x in lines if "per plan" in x)) :] if line.startswith("alpha")
    )
    assert alpha.split() == ["alpha", "+12.00", "+20.00", "0.00", "+32.00"]  # #1, #2, interaction, total
    code, text, _ = run_cli([*argv, "-f", "csv"])
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["section"] == "attribution"]
    assert [(r["measure"], r["mcp"], r["field"], r["difference"]) for r in rows] == [
        ("1.4", "alpha", "1.4 tiers", "12.00"),
        ("1.4", "beta", "1.4 tiers", "-12.00"),
        ("1.5", "alpha", "1.5 removed", "20.00"),
        ("1.5", "beta", "1.5 removed", "-20.00"),
        ("", "alpha", "interaction", "0.00"),
        ("", "beta", "interaction", "0.00"),
    ]
    # per plan, the attribution rows add up to the impact row's total difference (alpha 12 + 20 + 0 = 32)
    impact = {
        r["mcp"]: Decimal(r["difference"])
        for r in csv.DictReader(io.StringIO(text))
        if r["section"] == "impact" and r["field"] == "total"
    }
    for mcp, expected in impact.items():
        assert sum(Decimal(r["difference"]) for r in rows if r["mcp"] == mcp) == expected


def test_a_change_folded_into_the_interaction_is_named_in_every_view() -> None:
    from ipp_calc.core.diff import Attribution, ChangeGroup, OwnImpact
    from ipp_calc.views.diff import attribution_markdown, attribution_tables
    from ipp_calc.views.render import render_tables

    row = Change(PROGRAM, None, "flexible_share", "0", "0.2", True, "elections no longer fit")
    group = ChangeGroup("flexible_share 0 → 0.2", PROGRAM, None, (row,), ("program", "flexible_share"))
    folded = OwnImpact(group, problem="on its own the measure set does not pass ipp check: shares add up to 1.2")
    plans = (("alpha", Decimal("-5.00")), ("beta", Decimal("5.00")))
    attribution = Attribution(1, (folded,), plans, ZERO, plans, ZERO)
    assert attribution.adds_up and attribution.folded == ("flexible_share 0 → 0.2",)
    text = "\n".join(attribution_markdown(attribution))
    assert "| #1 | flexible_share 0 → 0.2 | py1/program.yaml | | | ⚠ in the interaction | |" in text
    assert "> #1 flexible_share 0 → 0.2 cannot be applied on its own (on its own the measure set" in text
    assert "| alpha | -5.00 | -5.00 |" in text  # interaction = total: nothing applied alone
    table = render_tables(attribution_tables(attribution), width=100)
    assert "in the interaction" in table and "cannot be applied on its own" in table
    assert attribution.to_json()["interaction"]["includes"] == ["flexible_share 0 → 0.2"]
    assert attribution.to_json()["changes"][0]["total"] is None
