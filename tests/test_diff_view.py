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
from pathlib import Path
from typing import Any

import pytest

from ipp_calc.core.diff import Change, DiffReport, Dollars, Impact, PlanImpact, YearTotals
from ipp_calc.core.money import ZERO
from ipp_calc.io.diffview import diff_markdown
from test_diff import BASE, DATA, PROGRAM, SUB, copy_base, edit


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
