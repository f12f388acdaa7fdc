"""Measure sets as programs and people write them, through the real CLI (issue 12, items 14 and 15).

* A program that writes YAML (``yaml.safe_dump`` of text values) quotes dates:
  ``start: '2022-01-01'``. A quoted ISO date is that date; a quoted impossible date is refused
  with its line.
* "Optional measures cannot add points" (the mandatory ones alone reach ``points_available``) is
  an opinion about a measure set: RULES.md's ``min(1, …)`` defines the computation, and an optional
  measure still makes up for an unreported mandatory one. So it is a warning of ``ipp check``
  (shown, exit 0) and never stops ``template``, ``score`` or ``run``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import RunCli, copy_measures

WARN = Path(__file__).parent / "fixtures" / "yaml_warn" / "optional_meaningless"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"
DATE = re.compile(r"(?m)^(\s*(?:start|end|due): )(\d{4}-\d{2}-\d{2})\s*$")
PERIOD = re.compile(r"\{start: (\d{4}-\d{2}-\d{2}), end: (\d{4}-\d{2}-\d{2})\}")


def quote_dates(folder: Path) -> int:
    """Every date of the folder's YAML quoted as yaml.safe_dump writes a text value; returns how many."""
    count = 0
    for path in folder.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text, n = DATE.subn(r"\1'\2'", text)
        text, m = PERIOD.subn(r"{start: '\1', end: '\2'}", text)
        count += n + 2 * m
        path.write_text(text, encoding="utf-8")
    return count


def test_quoted_iso_dates_are_dates_and_change_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    measures = copy_measures(tmp_path / "measures")
    assert quote_dates(measures / "py1") >= 6  # the program's period and each submission's period and due date
    code, out, err = run_cli(["check", measures / "py1"])
    assert code == 0, out + err
    quoted = run_cli(["allocate", "--year", "1", "--data", EXAMPLE, "--measures", measures, "--format", "json"])
    shipped = run_cli(["allocate", "--year", "1", "--data", EXAMPLE, "--format", "json"])
    assert quoted.exit_code == shipped.exit_code == 0, quoted.stderr
    assert json.loads(quoted.stdout)["cells"] == json.loads(shipped.stdout)["cells"]


def test_a_quoted_impossible_date_is_refused_with_its_line(run_cli: RunCli, tmp_path: Path) -> None:
    measures = copy_measures(tmp_path / "measures")
    program = measures / "py1" / "program.yaml"
    text = program.read_text(encoding="utf-8")
    text, n = PERIOD.subn("{start: '2022-02-30', end: '2022-12-31'}", text, count=1)
    assert n == 1
    program.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "2022-02-30" in t)
    code, out, _ = run_cli(["check", measures / "py1"])
    assert code == 1
    assert f"program.yaml:{line}: period.start: '2022-02-30' is not a valid date [yaml-type]" in out


def warn_measures(root: Path) -> Path:
    measures = root / "measures"
    shutil.copytree(WARN, measures / "py1")
    return measures


def test_optional_measures_that_cannot_add_points_are_a_warning_of_check_not_a_finding(
    run_cli: RunCli, tmp_path: Path
) -> None:
    measures = warn_measures(tmp_path)
    code, out, err = run_cli(["check", measures / "py1"])
    assert code == 0, out + err
    [line] = [x for x in out.splitlines() if x.startswith("warning: ")]
    assert "submission-1.yaml:7: areas[1].points_available:" in line  # the fixture's area 1 line
    assert "optional measures 1.2 add points only when a mandatory one is not earned" in line
    assert line.endswith("[optional-meaningless]")
    assert "ok: 2 files checked, no findings (1 warning)" in out + err
    code, out, _ = run_cli(["check", measures / "py1", "--format", "json"])
    document = json.loads(out)
    assert code == 0 and document["ok"] is True and document["findings"] == []
    assert [w["code"] for w in document["warnings"]] == ["optional-meaningless"]


def test_a_warning_never_stops_template_or_score(run_cli: RunCli, tmp_path: Path) -> None:
    measures = warn_measures(tmp_path)
    template = tmp_path / "alpha.xlsx"
    code, _, err = run_cli(
        [
            *("template", "--year", "1", "--submission", "1", "--mcp", "alpha", "--counties", "Alameda"),
            *("--measures", measures, "-o", template),
        ]
    )
    assert code == 0, err
    code, out, err = run_cli(["score", template, "--measures", measures, "--format", "json"])
    assert code == 0, err
    assert json.loads(out)["mcp"] == "alpha"
