"""``ipp diff``: structural and breaking changes, per-plan dollar impact, ``--base`` against git.

The fixture measure sets (``fixtures/diff/``) are deliberately tiny so every row and every dollar
can be checked by hand:

* ``base/py1``: funding $1,000.00, one payment (submission 1, share 1), one priority area
  (minimum share 1), allocation by member months alone. Submission 1, area 1, points_available
  100: 1.1 mandatory completion 50 (plan level), 1.2 optional completion 30 (plan level),
  1.3 optional target 20 (county level, higher is better), 1.4 optional tiered 10 (5 + 5).
* ``moved/py1``: the same with 10 points moved from optional 1.2 (30 → 20) to mandatory 1.1
  (50 → 60).
* ``data/``: alpha (Alameda, 600 member months, capitation $15,600.00) and beta (Fresno, 400
  member months, no capitation); both offer Community Supports; targets for 1.3 are 10.

Each structural test copies ``base`` and makes one visible text edit, so the reader sees exactly
what changed and which rows ``ipp diff`` must report for it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ipp_calc.core.diff import Change, DiffReport, compare_years, diff_years, refit_filed, sort_changes
from ipp_calc.core.responses import Answer, FilledSubmission
from ipp_calc.core.year import YearInputs, run_year
from ipp_calc.io.data import read_data_folder
from ipp_calc.io.gitrev import folder_tree, load_tree

FIXTURES = Path(__file__).parent / "fixtures" / "diff"
BASE = FIXTURES / "base"
MOVED = FIXTURES / "moved"
DATA = FIXTURES / "data"
REPO = Path(__file__).resolve().parents[1]
PROGRAM = "py1/program.yaml"
SUB = "py1/submission-1.yaml"

Row = tuple[str, str | None, str, Any, Any, bool]


# --------------------------------------------------------------------------- helpers


def copy_base(tmp_path: Path, name: str = "new") -> Path:
    target = tmp_path / name
    shutil.copytree(BASE, target)
    return target


def edit(root: Path, file: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur exactly once) by ``new`` in ``root/file``."""
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(root: Path, file: str, text: str) -> None:
    path = root / file
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def changes_between(old: Path, new: Path) -> tuple[Change, ...]:
    return diff_years(load_tree(folder_tree(old)).sets, load_tree(folder_tree(new)).sets)


def rows(changes: Sequence[Change]) -> list[Row]:
    return [(c.file, c.measure, c.field, c.old, c.new, c.breaking) for c in changes]


EXTRA_MEASURE = """\
  - id: "1.5"
    name: {name}
    priority_area: 1
    domain: 1A
    level: plan
    mandatory: {mandatory}
    kind: completion
    points: 5
"""

TIERED_14 = "optional tiered (completion), 10 points, area 1, plan level: Provider network milestones"


# --------------------------------------------------------------------------- structural changes


def _remove_14(root: Path) -> None:
    path = root / SUB
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index('  - id: "1.4"')], encoding="utf-8")


def _add_submission_2(root: Path) -> None:
    text = (root / SUB).read_text(encoding="utf-8").replace("submission: 1\n", "submission: 2\n")
    (root / "py1/submission-2.yaml").write_text(text, encoding="utf-8")


CASES: list[tuple[str, Any, list[Row], str]] = [
    (
        "measure added, optional: not breaking",
        lambda r: append(r, SUB, EXTRA_MEASURE.format(name="Extra optional", mandatory="false")),
        [(SUB, "1.5", "measure", None, "optional completion, 5 points, area 1, plan level: Extra optional", False)],
        "new optional measure",
    ),
    (
        "measure added, mandatory: breaking",
        lambda r: append(r, SUB, EXTRA_MEASURE.format(name="Extra mandatory", mandatory="true")),
        [(SUB, "1.5", "measure", None, "mandatory completion, 5 points, area 1, plan level: Extra mandatory", True)],
        "new mandatory measure",
    ),
    (
        "measure removed: breaking",
        _remove_14,
        [(SUB, "1.4", "measure", TIERED_14, None, True)],
        "measure removed",
    ),
    (
        "measure renamed (name only): not breaking",
        lambda r: edit(r, SUB, "name: Gap-filling plan narrative", "name: Gap-Filling Plan narrative"),
        [(SUB, "1.2", "name", "Gap-filling plan narrative", "Gap-Filling Plan narrative", False)],
        "renamed",
    ),
    (
        "measure re-identified (id changed): breaking, removed and added",
        lambda r: edit(r, SUB, 'id: "1.4"', 'id: "1.5"'),
        [
            (SUB, "1.4", "measure", TIERED_14, None, True),
            (SUB, "1.5", "measure", None, TIERED_14, True),
        ],
        "re-identified as 1.5",
    ),
    (
        "points changed",
        lambda r: edit(r, SUB, "direction: higher\n    points: 20", "direction: higher\n    points: 25"),
        [(SUB, "1.3", "points", 20, 25, False)],
        "what the measure earns",
    ),
    (
        "kind changed, the answer changes from Yes/No to a number: breaking",
        lambda r: edit(r, SUB, "kind: completion\n    points: 30", "kind: reporting\n    points: 30"),
        [(SUB, "1.2", "kind", "completion", "reporting", True)],
        "filed answers are Yes/No, the measure now takes a number",
    ),
    (
        "kind changed, the answer is still a number: not breaking",
        lambda r: edit(r, SUB, "kind: target\n    direction: higher\n", "kind: reporting\n"),
        [
            (SUB, "1.3", "direction", "higher", None, False),
            (SUB, "1.3", "kind", "target", "reporting", False),
        ],
        "still fit",
    ),
    (
        "mandatory flip, optional to mandatory: breaking",
        lambda r: edit(r, SUB, "mandatory: false\n    kind: completion", "mandatory: true\n    kind: completion"),
        [(SUB, "1.2", "mandatory", False, True, True)],
        "now mandatory",
    ),
    (
        "mandatory flip, mandatory to optional: not breaking",
        lambda r: edit(r, SUB, "mandatory: true", "mandatory: false"),
        [(SUB, "1.1", "mandatory", True, False, False)],
        "now optional",
    ),
    (
        "level changed: breaking",
        lambda r: edit(
            r,
            SUB,
            "level: plan\n    mandatory: false\n    kind: completion",
            "level: county\n    mandatory: false\n    kind: completion",
        ),
        [(SUB, "1.2", "level", "plan", "county", True)],
        "filed answers no longer fit",
    ),
    (
        "tiers changed",
        lambda r: (
            edit(r, SUB, "{points: 5, description: gaps mapped}", "{points: 4, description: gaps mapped}"),
            edit(r, SUB, "{points: 5, description: contracts signed}", "{points: 6, description: contracts signed}"),
        ),
        [
            (
                SUB,
                "1.4",
                "tiers",
                "5 (gaps mapped) / 5 (contracts signed)",
                "4 (gaps mapped) / 6 (contracts signed)",
                False,
            )
        ],
        "tier",
    ),
    (
        "target direction changed",
        lambda r: edit(r, SUB, "direction: higher", "direction: lower"),
        [(SUB, "1.3", "direction", "higher", "lower", False)],
        "at most the target",
    ),
    (
        "points_available changed",
        lambda r: edit(r, SUB, "1: {points_available: 100}", "1: {points_available: 90}"),
        [(SUB, None, "areas[1].points_available", 100, 90, False)],
        "every fraction in the area",
    ),
    (
        "minimum share and flexible share changed",
        lambda r: (
            edit(r, PROGRAM, 'minimum_share: "1"', 'minimum_share: "0.8"'),
            edit(r, PROGRAM, 'flexible_share: "0"', 'flexible_share: "0.2"'),
        ),
        [
            (PROGRAM, None, "flexible_share", "0", "0.2", True),
            (PROGRAM, None, "priority_areas[1].minimum_share", "1", "0.8", True),
        ],
        "elections made for 0 no longer fit",
    ),
    (
        "funding changed",
        lambda r: edit(r, PROGRAM, 'funding: "1000.00"', 'funding: "2500.00"'),
        [(PROGRAM, None, "funding", "1000.00", "2500.00", False)],
        "split from the funding",
    ),
    (
        "factor weights changed",
        lambda r: (
            edit(r, PROGRAM, '{name: member_months, weight: "1"}', '{name: member_months, weight: "0.5"}'),
            edit(r, PROGRAM, '{name: revenue, weight: "0"}', '{name: revenue, weight: "0.5"}'),
        ),
        [
            (PROGRAM, None, "allocation.factors[member_months].weight", "1", "0.5", False),
            (PROGRAM, None, "allocation.factors[revenue].weight", "0", "0.5", False),
        ],
        "weight",
    ),
    (
        "a Community Support dropped from the catalog: breaking",
        lambda r: edit(r, PROGRAM, "  - Sobering Centers\n", ""),
        [(PROGRAM, None, "community_supports_catalog", "Sobering Centers", None, True)],
        "elections that name it fail",
    ),
    (
        "a submission added whose measures include a mandatory one: breaking",
        _add_submission_2,
        [("py1/submission-2.yaml", None, "submission", None, "submission 2, Tiny submission (4 measures)", True)],
        "mandatory measures (1.1)",
    ),
]


@pytest.mark.parametrize(("title", "change", "expected", "why"), CASES, ids=[c[0] for c in CASES])
def test_structural_change(tmp_path: Path, title: str, change: Any, expected: list[Row], why: str) -> None:
    new = copy_base(tmp_path)
    change(new)
    found = changes_between(BASE, new)
    assert rows(found) == expected
    assert any(why in c.why for c in found), [c.why for c in found]


def test_reverse_of_an_addition_is_a_breaking_removal(tmp_path: Path) -> None:
    old = copy_base(tmp_path, "old")
    _add_submission_2(old)
    assert rows(changes_between(old, BASE)) == [
        ("py1/submission-2.yaml", None, "submission", "submission 2, Tiny submission (4 measures)", None, True)
    ]


def test_no_change_no_rows() -> None:
    assert changes_between(BASE, BASE) == ()


def test_year_folder_added_and_removed(tmp_path: Path) -> None:
    """Roots of py<N>/ folders: a year on one side only is a change (removing one breaks)."""
    two = copy_base(tmp_path, "two")
    shutil.copytree(two / "py1", two / "py2")
    for name in ("program.yaml", "submission-1.yaml"):
        edit(two / "py2", name, "program_year: 1\n", "program_year: 2\n")
    added = rows(changes_between(BASE, two))
    assert added == [("py2/", None, "year", None, "PY2: Tiny PY1 (ipp diff tests) (1 submission)", False)]
    removed = rows(changes_between(two, BASE))
    assert removed == [("py2/", None, "year", "PY2: Tiny PY1 (ipp diff tests) (1 submission)", None, True)]


def test_changes_sort_by_file_then_measure_id_as_numbers_then_field() -> None:
    def c(file: str, measure: str | None, field: str) -> Change:
        return Change(file, measure, field, None, None, False, "")

    shuffled = [
        c("py1/submission-10.yaml", "1.1", "points"),
        c("py1/submission-2.yaml", "1.10", "kind"),
        c("py1/submission-2.yaml", "1.9", "points"),
        c("py1/submission-2.yaml", "1.9", "kind"),
        c("py1/submission-2.yaml", None, "label"),
        c("py1/program.yaml", None, "funding"),
        c("py10/program.yaml", None, "funding"),
        c("py2/program.yaml", None, "funding"),
    ]
    ordered = [(x.file, x.measure, x.field) for x in sort_changes(shuffled)]
    assert ordered == [
        ("py1/program.yaml", None, "funding"),
        ("py1/submission-2.yaml", None, "label"),
        ("py1/submission-2.yaml", "1.9", "kind"),
        ("py1/submission-2.yaml", "1.9", "points"),
        ("py1/submission-2.yaml", "1.10", "kind"),
        ("py1/submission-10.yaml", "1.1", "points"),
        ("py2/program.yaml", None, "funding"),
        ("py10/program.yaml", None, "funding"),
    ]


# --------------------------------------------------------------------------- filed answers under NEW


def _filed(mcp: str, county: str, answers: dict[tuple[str, str], Any]) -> FilledSubmission:
    return FilledSubmission(
        mcp=mcp,
        program_year=1,
        submission=1,
        counties=(county,),
        answers={key: Answer(key[0], key[1], value) for key, value in answers.items()},
    )


ALPHA = {("1.1", "All"): True, ("1.2", "All"): False, ("1.3", "Alameda"): Decimal(12)}
BETA = {("1.1", "All"): True, ("1.2", "All"): False, ("1.3", "Fresno"): Decimal(5)}
FILED = {("alpha", 1): _filed("alpha", "Alameda", ALPHA), ("beta", 1): _filed("beta", "Fresno", BETA)}


def test_answers_that_no_longer_fit_are_left_out_and_listed(tmp_path: Path) -> None:
    new = copy_base(tmp_path)
    edit(new, SUB, "kind: completion\n    points: 30", "kind: reporting\n    points: 30")  # 1.2: Yes/No → number
    edit(new, SUB, 'id: "1.3"', 'id: "1.6"')  # re-identified
    ms = load_tree(folder_tree(new)).sets[1]
    filed, dropped = refit_filed(FILED, ms)
    assert set(filed["alpha", 1].answers) == {("1.1", "All")}
    assert [(d.mcp, d.measure, d.county, d.reason) for d in dropped] == [
        ("alpha", "1.2", "All", "the measure now takes a number"),
        ("alpha", "1.3", "Alameda", "no such measure"),
        ("beta", "1.2", "All", "the measure now takes a number"),
        ("beta", "1.3", "Fresno", "no such measure"),
    ]


# --------------------------------------------------------------------------- dollar impact, by hand


def _year(root: Path) -> tuple[Any, YearInputs]:
    ms = load_tree(folder_tree(root)).sets[1]
    folder = read_data_folder(DATA, ms.program)
    return ms, YearInputs(ms, folder.plans, folder.elections, folder.table, folder.targets, FILED)


def test_moving_ten_points_from_optional_to_mandatory_moves_hand_computed_dollars() -> None:
    """The hand computation.

    Allocation: $1,000.00, one payment, one area, weights by member months 600 : 400, so
    alpha's maximum is $600.00 and beta's $400.00.

    OLD (1.1 = 50 mandatory, 1.2 = 30 optional, 1.3 = 20 optional target, 1.4 = 10 optional):
      alpha: 1.1 Yes 50 + 1.2 No 0 + 1.3 12 ≥ 10 met 20 = 70/100 → earned 600 × 0.7 = 420.00
      beta:  1.1 Yes 50 + 1.2 No 0 + 1.3 5 < 10 not met 0 = 50/100 → earned 400 × 0.5 = 200.00
      pool = unearned 180.00 + 200.00 = 380.00; both eligible; performance alpha 1/1, beta 0/1,
      so alpha alone shares the pool. alpha's room = 5% × 15,600.00 − 420.00 = 360.00 < 380.00:
      alpha is awarded 360.00, and the 20.00 left is retained.
      totals: alpha 420 + 360 = 780.00; beta 200.00; retained 20.00 (780 + 200 + 20 = 1,000).
    NEW (1.1 = 60, 1.2 = 20):
      alpha: 60 + 0 + 20 = 80/100 → 480.00;  beta: 60 + 0 + 0 = 60/100 → 240.00
      pool = 120.00 + 160.00 = 280.00; alpha's room = 780.00 − 480.00 = 300.00 ≥ 280.00:
      alpha is awarded all 280.00; retained 0.00.
      totals: alpha 480 + 280 = 760.00; beta 240.00 (760 + 240 = 1,000).
    Differences: alpha −20.00, beta +40.00, retained −20.00: −20 + 40 − 20 = 0.
    """
    _, old_inputs = _year(BASE)
    _, new_inputs = _year(MOVED)
    impact = compare_years(run_year(old_inputs), run_year(new_inputs))
    by_mcp = {p.mcp: p for p in impact.plans}
    alpha, beta = by_mcp["alpha"], by_mcp["beta"]
    assert (alpha.old.earned, alpha.old.pool_award, alpha.old.total) == (
        Decimal("420.00"),
        Decimal("360.00"),
        Decimal("780.00"),
    )
    assert (alpha.new.earned, alpha.new.pool_award, alpha.new.total) == (
        Decimal("480.00"),
        Decimal("280.00"),
        Decimal("760.00"),
    )
    assert (beta.old.earned, beta.old.pool_award, beta.old.total) == (Decimal("200.00"), 0, Decimal("200.00"))
    assert (beta.new.earned, beta.new.pool_award, beta.new.total) == (Decimal("240.00"), 0, Decimal("240.00"))
    assert alpha.difference == Decimal("-20.00")
    assert beta.difference == Decimal("40.00")
    assert (impact.old.retained, impact.new.retained) == (Decimal("20.00"), Decimal("0.00"))
    assert alpha.old.max_allocation == alpha.new.max_allocation == Decimal("600.00")
    # Conservation: Σ (earned − recouped + pool) differences + Δ retained = 0, to the cent.
    assert impact.plan_difference + impact.retained_difference == 0
    assert impact.conserved and impact.old.balanced and impact.new.balanced


def test_json_shape_of_a_report() -> None:
    _, old_inputs = _year(BASE)
    _, new_inputs = _year(MOVED)
    impact = compare_years(run_year(old_inputs), run_year(new_inputs))
    report = DiffReport("base", "moved", changes_between(BASE, MOVED), impact)
    document = report.to_json()
    assert document["breaking"] == 0
    assert [c["field"] for c in document["changes"]] == ["points", "points"]
    # FORMATS.md's keys, plus "affects" (added: the plans a breaking change hurts, with --data)
    assert set(document["changes"][0]) == {"file", "measure", "field", "old", "new", "breaking", "why", "affects"}
    assert document["impact"][0] == {
        "mcp": "alpha",
        "old": {
            "max_allocation": "600.00",
            "earned": "420.00",
            "pool_award": "360.00",
            "total": "780.00",
            "recouped": "0.00",
        },
        "new": {
            "max_allocation": "600.00",
            "earned": "480.00",
            "pool_award": "280.00",
            "total": "760.00",
            "recouped": "0.00",
        },
        "difference": "-20.00",
    }
    assert document["totals"]["old"] == {
        "earned": "620.00",
        "pool_awarded": "360.00",
        "retained": "20.00",
        "recouped": "0.00",
        "funding": "1000.00",
    }
    assert document["totals"]["new"]["retained"] == "0.00"
    assert document["balanced"] == {"old": True, "new": True}


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def data_with_workbooks(tmp_path: Path) -> Path:
    """``fixtures/diff/data`` plus alpha's and beta's filled workbooks, made from ``base``."""
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


def test_cli_dollar_impact_of_the_hand_checked_year(run_cli: Any, data_with_workbooks: Path) -> None:
    code, out, _ = run_cli(["diff", BASE, MOVED, "--data", data_with_workbooks, "-f", "json"])
    assert code == 0
    document = json.loads(out)
    assert [(p["mcp"], p["old"]["total"], p["new"]["total"], p["difference"]) for p in document["impact"]] == [
        ("alpha", "780.00", "760.00", "-20.00"),
        ("beta", "200.00", "240.00", "40.00"),
    ]
    assert document["totals"]["old"]["retained"] == "20.00"
    assert document["totals"]["new"]["retained"] == "0.00"
    assert document["balanced"] == {"old": True, "new": True}
    assert document["conserved"] is True
    assert document["program_year"] == 1


def test_cli_with_data_names_the_workbooks_a_breaking_change_hits(
    run_cli: Any, data_with_workbooks: Path, tmp_path: Path
) -> None:
    new = copy_base(tmp_path)
    edit(new, SUB, 'id: "1.2"', 'id: "1.5"')  # re-identified: both workbooks answered 1.2 (No)
    code, out, _ = run_cli(["diff", BASE, new, "--data", data_with_workbooks, "-f", "json"])
    assert code == 1
    document = json.loads(out)
    assert document["breaking"] == 2
    removed = document["changes"][0]
    assert (removed["measure"], removed["field"], removed["new"]) == ("1.2", "measure", None)
    assert "re-identified as 1.5" in removed["why"]
    assert "2 of 2 filed workbooks answered it" in removed["why"]
    assert any("2 filed answers do not fit the NEW measure set" in n for n in document["notices"])
    # 1.2 earned nothing (answered No) in either workbook, so no dollar moves.
    assert all(p["difference"] == "0.00" for p in document["impact"])


def test_cli_done_when_editing_a_points_value_of_py1(run_cli: Any, tmp_path: Path) -> None:
    """The issue's acceptance: a points value edited in a copy of measures/py1, diffed with
    examples/py1, shows the measure and every plan's difference, summing to zero across
    earned + pool + retained."""
    copy = tmp_path / "copy"
    shutil.copytree(REPO / "measures" / "py1", copy)
    path = copy / "submission-2.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index('id: "1.5"')
    at = text.index("points: 20", start)
    path.write_text(text[:at] + "points: 30" + text[at + len("points: 20") :], encoding="utf-8")
    code, out, _ = run_cli(
        ["diff", REPO / "measures" / "py1", copy, "--data", REPO / "examples" / "py1", "-f", "json", "-j", "1"]
    )
    assert code == 0
    document = json.loads(out)
    assert [(c["file"], c["measure"], c["field"], c["old"], c["new"]) for c in document["changes"]] == [
        ("py1/submission-2.yaml", "1.5", "points", 20, 30)
    ]
    plans = (REPO / "examples" / "py1" / "plans.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert {p["mcp"] for p in document["impact"]} == {line.split(",")[0] for line in plans if line}
    differences = sum(Decimal(p["difference"]) for p in document["impact"])
    retained = Decimal(document["totals"]["new"]["retained"]) - Decimal(document["totals"]["old"]["retained"])
    assert differences + retained == 0
    assert any(Decimal(p["difference"]) != 0 for p in document["impact"])
    for side in ("old", "new"):
        t = document["totals"][side]
        assert Decimal(t["earned"]) - Decimal(t["recouped"]) + Decimal(t["pool_awarded"]) + Decimal(
            t["retained"]
        ) == Decimal(t["funding"])
    assert document["balanced"] == {"old": True, "new": True}


def _level_change(tmp_path: Path) -> Path:
    new = copy_base(tmp_path)
    edit(
        new,
        SUB,
        "level: plan\n    mandatory: false\n    kind: completion",
        "level: county\n    mandatory: false\n    kind: completion",
    )
    return new


def _points_change(tmp_path: Path) -> Path:
    new = copy_base(tmp_path)
    edit(new, SUB, "direction: higher\n    points: 20", "direction: higher\n    points: 25")
    return new


@pytest.mark.parametrize(
    ("make", "fail_on", "expected"),
    [
        (_level_change, None, 1),
        (_level_change, "breaking", 1),
        (_level_change, "any", 1),
        (_level_change, "never", 0),
        (_points_change, None, 0),
        (_points_change, "breaking", 0),
        (_points_change, "any", 1),
        (_points_change, "never", 0),
        (lambda tmp: BASE, "any", 0),
    ],
)
def test_cli_exit_codes_follow_fail_on(
    run_cli: Any, tmp_path: Path, make: Any, fail_on: str | None, expected: int
) -> None:
    argv: list[Any] = ["diff", BASE, make(tmp_path), "-f", "json"]
    if fail_on is not None:
        argv += ["--fail-on", fail_on]
    code, out, _ = run_cli(argv)
    assert code == expected
    assert "changes" in json.loads(out)


@pytest.mark.parametrize(
    ("argv", "code_name"),
    [
        (["diff", BASE], "usage"),
        (["diff", BASE, FIXTURES / "nowhere"], "file-not-found"),
        (["diff", BASE, MOVED, "--year", "7"], "usage"),
        (["diff", BASE, MOVED, "--base", "HEAD"], "usage"),
    ],
)
def test_cli_bad_input_exits_2_with_a_code(run_cli: Any, argv: list[Any], code_name: str) -> None:
    code, _, err = run_cli(argv)
    assert code == 2
    assert f"[{code_name}]" in err
    code, out, _ = run_cli([*argv, "--format", "json"])
    assert code == 2
    assert json.loads(out)["error"]["code"] == code_name


def test_cli_broken_measure_set_is_bad_input(run_cli: Any, tmp_path: Path) -> None:
    new = copy_base(tmp_path)
    edit(new, SUB, "points: 50", 'points: "fifty"')
    code, _, err = run_cli(["diff", BASE, new])
    assert code == 2
    assert "submission-1.yaml" in err


def test_cli_data_needs_year_when_several_years_differ(run_cli: Any, tmp_path: Path) -> None:
    old = copy_base(tmp_path, "old")
    shutil.copytree(old / "py1", old / "py2")
    for name in ("program.yaml", "submission-1.yaml"):
        edit(old / "py2", name, "program_year: 1\n", "program_year: 2\n")
    new = tmp_path / "new"
    shutil.copytree(old, new)
    edit(new, SUB, "points: 50", "points: 55")
    edit(new, "py2/submission-1.yaml", "points: 50", "points: 55")
    code, _, err = run_cli(["diff", old, new, "--data", DATA])
    assert code == 2
    assert "give --year" in err
    code, out, _ = run_cli(["diff", old, new, "--year", "2", "-f", "json"])
    assert code == 0
    assert {c["file"] for c in json.loads(out)["changes"]} == {"py2/submission-1.yaml"}


def test_cli_year_folder_against_a_root(run_cli: Any) -> None:
    code, out, _ = run_cli(["diff", BASE / "py1", MOVED, "-f", "json"])
    assert code == 0
    assert [(c["measure"], c["field"]) for c in json.loads(out)["changes"]] == [("1.1", "points"), ("1.2", "points")]


def test_cli_formats(run_cli: Any, tmp_path: Path, data_with_workbooks: Path) -> None:
    new = _level_change(tmp_path)
    code, out, _ = run_cli(["diff", BASE, new, "-f", "csv"])
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "section,file,measure,mcp,field,old,new,difference,breaking,why"
    assert lines[1].startswith("change,py1/submission-1.yaml,1.2,,level,plan,county,,yes,")
    code, out, _ = run_cli(["diff", BASE, new, "-f", "markdown"])
    assert out.startswith("<!-- ipp-diff -->\n### ipp diff:")
    assert "| ⚠ **breaking** | py1/submission-1.yaml | 1.2 | level | plan | county |" in out
    code, out, _ = run_cli(["diff", BASE, MOVED, "--data", data_with_workbooks, "-f", "markdown"])
    assert code == 0
    assert "| alpha | 780.00 | 760.00 | **-20.00** |" in out
    assert "conserved to the cent" in out
    code, out, _ = run_cli(["diff", BASE, MOVED, "--data", data_with_workbooks])
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "1.1" in out and "-20.00" in out and "+40.00" in out
    code, out, _ = run_cli(["diff", BASE, MOVED, "--data", data_with_workbooks, "-f", "csv"])
    assert "impact,,,alpha,total,780.00,760.00,-20.00,," in out.splitlines()
    assert "totals,,,,retained,20.00,0.00,-20.00,," in out.splitlines()


def test_cli_output_file_is_written_and_never_over_an_input(run_cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "diff.md"
    code, out, _ = run_cli(["diff", BASE, MOVED, "-f", "markdown", "-o", target])
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("<!-- ipp-diff -->")
    new = copy_base(tmp_path)
    code, _, err = run_cli(["diff", BASE, new, "-o", new / SUB])
    assert code == 2 and "[output-is-input]" in err


# --------------------------------------------------------------------------- --base, against git


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=ipp tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with the base measure set committed as ``measures/``."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    shutil.copytree(BASE, root / "measures")
    git(root, "add", "measures")
    git(root, "commit", "-q", "-m", "base measure set")
    return root


def test_base_compares_the_working_tree_with_a_revision(run_cli: Any, repo: Path) -> None:
    edit(repo / "measures", SUB, "direction: higher\n    points: 20", "direction: higher\n    points: 25")
    code, out, _ = run_cli(["diff", "--base", "HEAD", "-f", "json"], cwd=repo)
    assert code == 0
    document = json.loads(out)
    assert document["old"] == "HEAD:measures"
    assert rows_of(document) == [(SUB, "1.3", "points", 20, 25, False)]
    # A PATH inside the work tree: a single year folder, from a sub-folder.
    code, out, _ = run_cli(["diff", "--base", "HEAD", "py1", "-f", "json"], cwd=repo / "measures")
    assert code == 0
    assert rows_of(json.loads(out)) == [(SUB, "1.3", "points", 20, 25, False)]
    # Committed, the working tree is clean; the edit shows against the commit before.
    git(repo, "commit", "-q", "-am", "more points")
    code, out, _ = run_cli(["diff", "--base", "HEAD", "-f", "json"], cwd=repo)
    assert (code, json.loads(out)["changes"]) == (0, [])
    code, out, _ = run_cli(["diff", "--base", "HEAD~1", "--fail-on", "any", "-f", "json"], cwd=repo)
    assert code == 1
    assert rows_of(json.loads(out)) == [(SUB, "1.3", "points", 20, 25, False)]


def test_base_with_a_breaking_change_and_a_new_year(run_cli: Any, repo: Path) -> None:
    measures = repo / "measures"
    edit(
        measures,
        SUB,
        "level: plan\n    mandatory: false\n    kind: completion",
        "level: county\n    mandatory: false\n    kind: completion",
    )
    shutil.copytree(measures / "py1", measures / "py2")
    for name in ("program.yaml", "submission-1.yaml"):
        edit(measures / "py2", name, "program_year: 1\n", "program_year: 2\n")
    code, out, _ = run_cli(["diff", "--base", "HEAD", "-f", "json"], cwd=repo)
    assert code == 1
    assert rows_of(json.loads(out)) == [
        (SUB, "1.2", "level", "plan", "county", True),
        ("py2/", None, "year", None, "PY2: Tiny PY1 (ipp diff tests) (1 submission)", False),
    ]


def test_base_a_path_missing_at_the_revision_is_all_new(run_cli: Any, repo: Path) -> None:
    shutil.copytree(BASE, repo / "other")
    code, out, _ = run_cli(["diff", "--base", "HEAD", "other", "-f", "json"], cwd=repo)
    document = json.loads(out)
    assert code == 0  # a year added breaks nothing already filed
    assert rows_of(document) == [("py1/", None, "year", None, "PY1: Tiny PY1 (ipp diff tests) (1 submission)", False)]
    assert "holds no measure sets" in document["notices"][0]


def test_base_errors(run_cli: Any, repo: Path, tmp_path: Path) -> None:
    code, _, err = run_cli(["diff", "--base", "no-such-branch"], cwd=repo)
    assert code == 2 and "[git]" in err and "no-such-branch" in err
    plain = tmp_path / "plain"
    plain.mkdir()
    code, _, err = run_cli(["diff", "--base", "HEAD"], cwd=plain)
    assert code == 2 and "[usage]" in err and "work tree" in err
    shutil.copytree(BASE, plain / "measures")
    code, _, err = run_cli(["diff", "--base", "HEAD", "measures"], cwd=plain)
    assert code == 2 and "[git]" in err and "not inside a git work tree" in err
    code, _, err = run_cli(["diff", "--base", "--help-me"], cwd=repo)
    assert code == 2


def rows_of(document: dict[str, Any]) -> list[Row]:
    return [(c["file"], c["measure"], c["field"], c["old"], c["new"], c["breaking"]) for c in document["changes"]]


# --------------------------------------------------------------------------- --attribute: each change on its own

#: OLD for the attribution tests: ``base`` plus an optional 5-point completion measure 1.5, so that
#: removing 1.5 still leaves area 1 reachable (50 + 30 + 20 + 10 = 110 ≥ 100 points available).
#: Filed: alpha 1.1 Yes (50), 1.2 No (0), 1.3 = 12 ≥ 10 (20), 1.4 two tiers (5 + 5), 1.5 No (0);
#: beta 1.1 Yes (50), 1.2 Yes (30), 1.3 = 5 < 10 (0), 1.4 one tier (5), 1.5 Yes (5).
ATTRIBUTION_ANSWERS = {
    "alpha": ("Alameda", {("1.1", "All"): "Yes", ("1.2", "All"): "No", ("1.3", "Alameda"): 12, ("1.4", "All"): 2}),
    "beta": ("Fresno", {("1.1", "All"): "Yes", ("1.2", "All"): "Yes", ("1.3", "Fresno"): 5, ("1.4", "All"): 1}),
}
ATTRIBUTION_15 = {"alpha": "No", "beta": "Yes"}
TIERS_28 = (
    ("{points: 5, description: gaps mapped}", "{points: 2, description: gaps mapped}"),
    ("{points: 5, description: contracts signed}", "{points: 8, description: contracts signed}"),
)


def _attribution_sides(tmp_path: Path) -> tuple[Path, Path]:
    """OLD (base + 1.5) and NEW: OLD with two independent changes, 1.4's tiers 5 / 5 → 2 / 8 (the
    measure still 10 points) and 1.5 removed."""
    old = copy_base(tmp_path, "old")
    append(old, SUB, EXTRA_MEASURE.format(name="Extra optional", mandatory="false"))
    new = tmp_path / "new"
    shutil.copytree(old, new)
    for before, after in TIERS_28:
        edit(new, SUB, before, after)
    path = new / SUB
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index('  - id: "1.5"')], encoding="utf-8")
    return old, new


def _attribution_filed() -> dict[tuple[str, int], FilledSubmission]:
    out = {}
    for mcp, (county, answers) in ATTRIBUTION_ANSWERS.items():
        values: dict[tuple[str, str], Any] = {}
        for key, value in {**answers, ("1.5", "All"): ATTRIBUTION_15[mcp]}.items():
            values[key] = value == "Yes" if isinstance(value, str) else (value if key[0] == "1.4" else Decimal(value))
        out[(mcp, 1)] = _filed(mcp, county, values)
    return out


def _attribution_of(old_root: Path, new_root: Path, data: Path = DATA) -> Any:
    from ipp_calc.core.diff import attribute

    old_ms = load_tree(folder_tree(old_root)).sets[1]
    new_ms = load_tree(folder_tree(new_root)).sets[1]
    folder = read_data_folder(data, old_ms.program)
    old_inputs = YearInputs(old_ms, folder.plans, folder.elections, folder.table, folder.targets, _attribution_filed())
    filed, _ = refit_filed(old_inputs.filed, new_ms)
    new_folder = read_data_folder(data, new_ms.program)
    new_inputs = YearInputs(new_ms, new_folder.plans, new_folder.elections, new_folder.table, new_folder.targets, filed)
    changes = diff_years({1: old_ms}, {1: new_ms})
    return attribute(changes, old_inputs, new_inputs, run_year(old_inputs), run_year(new_inputs))


def _own(attribution: Any) -> list[tuple[str, dict[str, Decimal], Decimal]]:
    return [(c.group.name, dict(c.plans), c.retained) for c in attribution.changes]


D = Decimal


def test_attribution_of_two_independent_changes_by_hand(tmp_path: Path) -> None:
    """The hand computation ($1,000.00; alpha 600 : beta 400 member months, so maxima 600.00 and
    400.00; alpha alone meets its 1.3 target, so alpha alone shares the pool; alpha's room is
    5% × 15,600.00 − earned = 780.00 − earned).

    OLD: alpha 50 + 0 + 20 + 10 + 0 = 80/100 → 480.00; beta 50 + 30 + 0 + 5 + 5 = 90/100 → 360.00;
      pool 120.00 + 40.00 = 160.00 ≤ room 300.00 → alpha 640.00, beta 360.00, retained 0.00.
    #1 1.4 tiers 5 / 5 → 2 / 8 alone: alpha's two tiers still 10; beta's one tier 5 → 2: 87 → 348.00;
      pool 120.00 + 52.00 = 172.00 ≤ 300.00 → alpha 652.00 (+12.00), beta −12.00.
    #2 1.5 removed alone: alpha answered No (no change); beta 90 − 5 = 85 → 340.00;
      pool 120.00 + 60.00 = 180.00 ≤ 300.00 → alpha 660.00 (+20.00), beta −20.00.
    NEW: beta 50 + 30 + 0 + 2 = 82 → 328.00; pool 120.00 + 72.00 = 192.00 ≤ 300.00 → alpha 672.00.
      total: alpha +32.00, beta −32.00 = own #1 + #2 (12 + 20 = 32; −12 − 20 = −32): interaction 0.00.
    """
    attribution = _attribution_of(*_attribution_sides(tmp_path))
    assert _own(attribution) == [
        ("1.4 tiers", {"alpha": D("12.00"), "beta": D("-12.00")}, D("0.00")),
        ("1.5 removed", {"alpha": D("20.00"), "beta": D("-20.00")}, D("0.00")),
    ]
    assert dict(attribution.totals) == {"alpha": D("32.00"), "beta": D("-32.00")}
    assert dict(attribution.interaction) == {"alpha": D("0.00"), "beta": D("0.00")}
    assert attribution.interaction_retained == 0 and attribution.retained == 0
    assert attribution.adds_up and attribution.folded == ()


def test_attribution_interaction_is_what_the_capitation_cap_takes_back(tmp_path: Path) -> None:
    """The same two changes with alpha's capitation 13,000.00: 5% is 650.00, so alpha's room is
    650.00 − 480.00 = 170.00 whatever the changes (they move only beta's earned and the pool).

    OLD: pool 160.00 ≤ 170.00 → alpha 640.00, beta 360.00, retained 0.00.
    #1 alone: pool 172.00 > 170.00 → alpha 650.00 (+10.00), beta 348.00 (−12.00), retained 2.00 (+2.00).
    #2 alone: pool 180.00 > 170.00 → alpha 650.00 (+10.00), beta 340.00 (−20.00), retained 10.00 (+10.00).
    NEW: pool 192.00 > 170.00 → alpha 650.00 (+10.00), beta 328.00 (−32.00), retained 22.00 (+22.00).
    Interaction: alpha 10 − (10 + 10) = −10.00; beta −32 − (−12 − 20) = 0.00; retained 22 − (2 + 10) = +10.00.
    """
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    edit(data, "plans.csv", "15600.00", "13000.00")
    attribution = _attribution_of(*_attribution_sides(tmp_path), data=data)
    assert _own(attribution) == [
        ("1.4 tiers", {"alpha": D("10.00"), "beta": D("-12.00")}, D("2.00")),
        ("1.5 removed", {"alpha": D("10.00"), "beta": D("-20.00")}, D("10.00")),
    ]
    assert dict(attribution.totals) == {"alpha": D("10.00"), "beta": D("-32.00")}
    assert dict(attribution.interaction) == {"alpha": D("-10.00"), "beta": D("0.00")}
    assert (attribution.retained, attribution.interaction_retained) == (D("22.00"), D("10.00"))
    assert attribution.adds_up


@pytest.fixture
def attribution_data(tmp_path: Path) -> tuple[Path, Path, Path]:
    """OLD, NEW (as :func:`_attribution_sides`) and a data folder with the filed workbooks above."""
    from ipp_calc.io.measures import load_year
    from ipp_calc.io.template import write_template
    from workbooks import fill

    old, new = _attribution_sides(tmp_path)
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "submissions").mkdir()
    ms = load_year(old, 1)
    for mcp, (county, answers) in ATTRIBUTION_ANSWERS.items():
        path = data / "submissions" / f"{mcp}.xlsx"
        write_template(ms, 1, mcp, [county], path)
        fill(path, {**answers, ("1.5", "All"): ATTRIBUTION_15[mcp]})
    return old, new, data


def test_cli_attribute_json_gives_each_changes_own_dollars(
    run_cli: Any, attribution_data: tuple[Path, Path, Path]
) -> None:
    old, new, data = attribution_data
    code, out, err = run_cli(["diff", old, new, "--data", data, "--attribute", "-f", "json"])
    assert code == 1, err  # 1.5 removed is breaking
    document = json.loads(out)
    attribution = document["attribution"]
    # the hand computation of test_attribution_of_two_independent_changes_by_hand, through workbooks
    assert [
        (c["change"], c["measure"], c["fields"], c["applied"], c["total"], c["plans"]) for c in attribution["changes"]
    ] == [
        (
            "1.4 tiers",
            "1.4",
            ["tiers"],
            True,
            "0.00",
            [{"mcp": "alpha", "difference": "12.00"}, {"mcp": "beta", "difference": "-12.00"}],
        ),
        (
            "1.5 removed",
            "1.5",
            ["measure"],
            True,
            "0.00",
            [{"mcp": "alpha", "difference": "20.00"}, {"mcp": "beta", "difference": "-20.00"}],
        ),
    ]
    assert attribution["interaction"] == {
        "total": "0.00",
        "retained": "0.00",
        "includes": [],
        "plans": [{"mcp": "alpha", "difference": "0.00"}, {"mcp": "beta", "difference": "0.00"}],
    }
    # the total is the impact's: alpha 640.00 → 672.00, beta 360.00 → 328.00
    assert attribution["total"]["plans"] == [
        {"mcp": p["mcp"], "difference": p["difference"]} for p in document["impact"]
    ]
    assert [p["difference"] for p in document["impact"]] == ["32.00", "-32.00"]
    assert attribution["adds_up"] is True


def test_cli_without_attribute_has_no_attribution(run_cli: Any, attribution_data: tuple[Path, Path, Path]) -> None:
    old, new, data = attribution_data
    code, out, _ = run_cli(["diff", old, new, "--data", data, "-f", "json"])
    assert code == 1
    assert "attribution" not in json.loads(out)
    code, table, _ = run_cli(["diff", old, new, "--data", data])
    assert "Dollar impact by change" not in table


def test_cli_attribute_without_data_is_a_usage_error_naming_the_option(run_cli: Any) -> None:
    code, _, err = run_cli(["diff", BASE, MOVED, "--attribute"])
    assert code == 2
    assert "[usage]" in err and "--attribute" in err and "--data" in err
    code, out, _ = run_cli(["diff", BASE, MOVED, "--attribute", "-f", "json"])
    assert code == 2
    assert json.loads(out)["error"]["code"] == "usage"


def test_a_change_that_cannot_stand_alone_is_named_and_counted_in_the_interaction(
    run_cli: Any, data_with_workbooks: Path, tmp_path: Path
) -> None:
    """NEW removes 1.3 (20 points) and lowers points_available 100 → 80 with it. Removing 1.3
    alone leaves 50 + 30 + 10 = 90 < 100 points: it fails ipp check, so it is folded.

    Filed (``data_with_workbooks``): alpha 1.1 Yes, 1.2 No, 1.3 = 12 (met); beta 1.1 Yes, 1.2 No,
    1.3 = 5. OLD (test_moving_ten_points…): alpha 780.00 (420.00 + pool 360.00), beta 200.00,
    retained 20.00.
    #1 points_available 100 → 80 alone: alpha 70/80 → 525.00, beta 50/80 → 250.00; pool 75.00 +
      150.00 = 225.00 ≤ alpha's room 780.00 − 525.00 = 255.00 → alpha 750.00 (−30.00), beta
      250.00 (+50.00), retained 0.00 (−20.00).
    NEW: alpha 50/80 → 375.00, beta 50/80 → 250.00; no target measure is left, so no plan
      performs and the pool 125.00 + 150.00 = 275.00 is all retained: alpha 375.00 (−405.00),
      beta +50.00, retained 375.00 (+355.00).
    Interaction: alpha −405 − (−30) = −375.00; beta 50 − 50 = 0.00; retained 355 − (−20) = +375.00.
    """
    new = copy_base(tmp_path)
    path = new / SUB
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index('  - id: "1.3"')] + text[text.index('  - id: "1.4"') :], encoding="utf-8")
    edit(new, SUB, "1: {points_available: 100}", "1: {points_available: 80}")
    code, out, err = run_cli(["diff", BASE, new, "--data", data_with_workbooks, "--attribute", "-f", "json"])
    assert code == 1, err
    attribution = json.loads(out)["attribution"]
    first, second = attribution["changes"]
    assert (first["change"], first["applied"], first["total"], first["retained"]) == (
        "areas[1].points_available 100 → 80",
        True,
        "20.00",
        "-20.00",
    )
    assert first["plans"] == [{"mcp": "alpha", "difference": "-30.00"}, {"mcp": "beta", "difference": "50.00"}]
    assert (second["change"], second["applied"], second["total"], second["plans"]) == ("1.3 removed", False, None, [])
    assert "does not pass ipp check" in second["problem"] and "at most 90" in second["problem"]
    assert attribution["interaction"]["includes"] == ["1.3 removed"]
    assert attribution["interaction"]["plans"] == [
        {"mcp": "alpha", "difference": "-375.00"},
        {"mcp": "beta", "difference": "0.00"},
    ]
    assert attribution["interaction"]["retained"] == "375.00"
    assert attribution["total"]["retained"] == "355.00"


# --------------------------------------------------------------------------- --attribute on random years


#: The kinds of random edit, the ones that move dollars more often drawn more often.
EDITS = ("points", "points", "available", "available", "funding", "remove", "mandatory", "pool", "shares")


def _random_edits(draw: Any, ms: Any) -> Any:
    """1–4 small edits of a measure set, each one a change ``ipp diff`` lists: a measure's points,
    mandatory flag or removal, an area's points_available, the funding, a pool setting, or the
    payment shares (two rows that fail ipp check one at a time)."""
    from dataclasses import replace

    from hypothesis import strategies as st

    for _ in range(draw(st.integers(1, 4))):
        number = draw(st.sampled_from(sorted(ms.submissions)))
        sub = ms.submissions[number]
        measures = list(sub.measures)
        index = draw(st.integers(0, len(measures) - 1))
        kind = draw(st.sampled_from(EDITS))
        program = ms.program
        if kind == "points" and measures[index].kind != "tiered":
            measures[index] = measures[index].model_copy(update={"points": Decimal(draw(st.integers(1, 10)))})
        elif kind == "remove" and len(measures) > 1:
            del measures[index]
        elif kind == "mandatory":
            measures[index] = measures[index].model_copy(update={"mandatory": not measures[index].mandatory})
        elif kind == "available":
            area = draw(st.sampled_from(sorted(sub.areas)))
            entry = sub.areas[area].model_copy(update={"points_available": Decimal(draw(st.integers(1, 12)))})
            sub = sub.model_copy(update={"areas": {**sub.areas, area: entry}})
        elif kind == "funding":
            program = program.model_copy(update={"funding": Decimal(draw(st.integers(1, 10**6))) / 100})
        elif kind == "pool":
            pool = program.pool.model_copy(update={"recoupments_pooled": not program.pool.recoupments_pooled})
            program = program.model_copy(update={"pool": pool})
        elif kind == "shares" and len(program.payments) == 2:
            first = Decimal(draw(st.integers(1, 9))) / 10
            payments = [
                program.payments[0].model_copy(update={"share": first}),
                program.payments[1].model_copy(update={"share": 1 - first}),
            ]
            program = program.model_copy(update={"payments": payments})
        sub = sub.model_copy(update={"measures": measures})
        ms = replace(ms, program=program, submissions={**ms.submissions, number: sub})
    return ms


def test_attribution_adds_up_to_the_total_for_every_plan_on_random_years() -> None:
    from dataclasses import replace

    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    from ipp_calc.core.diff import attribute, diff_measure_sets, measure_set_problem
    from test_year_properties import years

    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(years(), st.data())
    def check(inputs: YearInputs, data: Any) -> None:
        new_ms = _random_edits(data.draw, inputs.ms)
        assume(measure_set_problem(new_ms) is None)
        filed, _ = refit_filed(inputs.filed, new_ms)
        new_inputs = replace(inputs, ms=new_ms, filed=filed)
        old_result, new_result = run_year(inputs), run_year(new_inputs)
        changes = diff_measure_sets(inputs.ms, new_ms)
        attribution = attribute(changes, inputs, new_inputs, old_result, new_result)
        impact = compare_years(old_result, new_result)
        # every change row is in exactly one group, and together they make NEW
        assert sum(len(c.group.rows) for c in attribution.changes) == len(changes)
        assert not attribution.unlisted
        # per plan: Σ own impacts + interaction = NEW − OLD (the impact's difference), to the cent
        own = [dict(c.plans) for c in attribution.changes if c.applied]
        interaction = dict(attribution.interaction)
        assert dict(attribution.totals) == {p.mcp: p.difference for p in impact.plans}
        for p in impact.plans:
            assert sum((o[p.mcp] for o in own), Decimal(0)) + interaction[p.mcp] == p.difference
        own_retained = sum((c.retained for c in attribution.changes if c.applied), Decimal(0))
        assert own_retained + attribution.interaction_retained == impact.retained_difference
        assert attribution.adds_up
        # overall: the rows' Σ plans + Δ retained is the change in funding
        assert attribution.total + attribution.retained == impact.funding_difference
        # one change that applies alone explains everything: no interaction
        if len(attribution.changes) == 1 and attribution.changes[0].applied:
            assert all(amount == 0 for _, amount in attribution.interaction)
        # a change applied alone runs on OLD + that change: what it moves sums with the retained to its funding change
        for c in attribution.changes:
            if c.applied and c.group.rows[0].field != "funding":
                assert c.total + c.retained == 0

    check()


def test_changes_are_grouped_as_a_reviewer_names_them_and_together_make_new(tmp_path: Path) -> None:
    from ipp_calc.core.diff import apply_change, change_groups

    new = copy_base(tmp_path)
    edit(new, SUB, 'id: "1.4"', 'id: "1.5"')  # re-identified: two rows, one change
    edit(new, SUB, "kind: completion\n    points: 30", "kind: reporting\n    points: 25")  # 1.2: two rows
    edit(new, SUB, "1: {points_available: 100}", "1: {points_available: 90}")
    edit(new, PROGRAM, 'funding: "1000.00"', 'funding: "1200.00"')
    edit(new, PROGRAM, '{name: member_months, weight: "1"}', '{name: member_months, weight: "0.5"}')
    edit(new, PROGRAM, '{name: revenue, weight: "0"}', '{name: revenue, weight: "0.5"}')
    edit(new, PROGRAM, "method: targets_met", "method: attainment")
    edit(new, PROGRAM, "  - Sobering Centers\n", "")
    old_ms, new_ms = (load_tree(folder_tree(root)).sets[1] for root in (BASE, new))
    changes = diff_years({1: old_ms}, {1: new_ms})
    groups = change_groups(changes, old_ms, new_ms)
    assert [(g.name, len(g.rows)) for g in groups] == [
        ("allocation.factors[member_months].weight 1 → 0.5", 1),
        ("allocation.factors[revenue].weight 0 → 0.5", 1),
        ("community_supports_catalog: -Sobering Centers", 1),
        ("funding 1000.00 → 1200.00", 1),
        ("pool.method targets_met → attainment", 1),
        ("areas[1].points_available 100 → 90", 1),
        ("1.2 kind, points", 2),
        ("1.4 re-identified as 1.5", 2),
    ]
    assert sum(len(g.rows) for g in groups) == len(changes)
    # each alone changes one thing: 1.2 alone has NEW's 1.2 and OLD's everything else
    alone = apply_change(old_ms, new_ms, groups[6].target)
    assert [(m.id, m.kind, int(m.points)) for m in alone.submissions[1].measures] == [
        ("1.1", "completion", 50),
        ("1.2", "reporting", 25),
        ("1.3", "target", 20),
        ("1.4", "tiered", 10),
    ]
    assert alone.program == old_ms.program
    renamed = apply_change(old_ms, new_ms, groups[7].target)
    assert [m.id for m in renamed.submissions[1].measures] == ["1.1", "1.2", "1.3", "1.5"]  # in 1.4's place
    # all of them, one after another, give NEW's rules
    combined = old_ms
    for group in groups:
        combined = apply_change(combined, new_ms, group.target)
    assert combined.program == new_ms.program
    assert combined.submissions == new_ms.submissions


def test_a_py3_diff_with_data_reads_the_py2_baselines_its_improvement_measures_need(
    run_cli: Any, tmp_path: Path
) -> None:
    """PY3's improvement measures score against PY2 workbooks, so the OLD run needs PY2's measure
    set too: it comes from OLD's own sets (this used to fail with "no measure set for program year
    2" naming a temporary folder that held PY3 alone). OLD's PY3 funding is $1.00 more; every
    plan's total moves by cents and the plans' differences add up, with retained, to −1.00."""
    repo = Path(__file__).resolve().parents[1]
    old = tmp_path / "old"
    shutil.copytree(repo / "measures", old)
    program = old / "py3" / "program.yaml"
    text = program.read_text(encoding="utf-8")
    assert text.count('funding: "300000000.00"') == 1, "the PY3 funding line has changed shape"
    program.write_text(text.replace('funding: "300000000.00"', 'funding: "300000001.00"'), encoding="utf-8")
    code, out, err = run_cli(
        ["diff", old, repo / "measures", "--data", repo / "examples" / "py3", "--year", "3", "-f", "json"]
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["program_year"] == 3 and document["impact"], document.get("notices")
    moved = sum((Decimal(p["difference"]) for p in document["impact"]), Decimal(0))
    difference = document["totals"]["difference"]
    assert difference["funding"] == "-1.00" and difference["retained"] == "0.00"
    assert moved == Decimal("-1.00") == Decimal(difference["plans"])  # Σ plans + Δ retained = Δ funding
    assert all(Decimal(p["difference"]) <= 0 for p in document["impact"])  # a dollar less: no plan gains
    assert document["conserved"] is True
