"""``ipp check``: the shipped measure sets pass, and failures keep the exit-code contract.

Why: ``ipp check`` is what a downstream repository runs in CI after ``pip install``, so its exit
codes (0 ok, 1 findings, 2 unreadable input) and its JSON shape are a public contract
(FORMATS.md), and it must work from any folder with the measure sets the package carries.
The shipped PY2/PY3 sets are checked here too against the facts the sources give for them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import RunCli
from ipp_calc.io.measures import load_folder, shipped_measures_dir

DUPLICATE_KEY = """\
program_year: 1
label: PY1
label: PY1 again
"""


def ipp_script() -> str:
    """The installed ``ipp`` console script: beside this interpreter, else on PATH."""
    folder = Path(sys.executable).parent
    for name in ("ipp", "ipp.exe"):
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which("ipp")
    if found is None:
        pytest.skip("the ipp console script is not installed")
    return found


# --------------------------------------------------------------------------- the shipped sets


def test_check_with_no_arguments_passes_the_shipped_measure_sets(run_cli: RunCli) -> None:
    """Every shipped program year loads and obeys every cross-file rule."""
    code, out, err = run_cli(["check"])
    assert code == 0, out + err
    assert "no findings" in out
    for year in (1, 2, 3):
        assert f"py{year}: status illustrative" in err


def test_check_passes_from_any_folder(run_cli: RunCli, tmp_path: Path) -> None:
    """The default is the package's own measures/, not ./measures of the current folder."""
    code, out, _ = run_cli(["check"], cwd=tmp_path)
    assert code == 0
    assert "no findings" in out


def test_check_json_has_the_fixed_keys_checked_findings_ok(run_cli: RunCli) -> None:
    """``{checked, findings, ok}`` is what scripts read (``warnings`` added after them); the list
    names every shipped file."""
    code, out, _ = run_cli(["check", "--format", "json"])
    assert code == 0
    document = json.loads(out)
    assert list(document) == ["checked", "findings", "ok", "warnings"]
    assert document["ok"] is True
    assert document["findings"] == []
    names = {"/".join(Path(p).parts[-2:]) for p in document["checked"]}
    assert names >= {
        "py1/program.yaml",
        "py1/submission-1.yaml",
        "py1/submission-2.yaml",
        "py2/program.yaml",
        "py2/submission-3.yaml",
        "py2/submission-4.yaml",
        "py3/program.yaml",
        "py3/submission-5.yaml",
    }


def test_check_json_of_a_failing_file_lists_its_finding(run_cli: RunCli, tmp_path: Path) -> None:
    """A finding in JSON carries code, message, file, line and key; ``ok`` is false."""
    (tmp_path / "program.yaml").write_text(DUPLICATE_KEY, encoding="utf-8")
    code, out, _ = run_cli(["check", "--format", "json", "program.yaml"], cwd=tmp_path)
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False
    assert document["findings"] == [
        {
            "code": "yaml-duplicate-key",
            "message": "duplicate key (first on line 2); the second would silently win",
            "file": "program.yaml",
            "line": 3,
            "key": "label",
        }
    ]


def test_check_writes_its_report_to_a_file_with_o(run_cli: RunCli, tmp_path: Path) -> None:
    """``-o`` puts the report in the file and nothing on stdout."""
    report = tmp_path / "check.json"
    code, out, _ = run_cli(["check", "--format", "json", "-o", report])
    assert code == 0
    assert out == ""
    assert json.loads(report.read_text(encoding="utf-8"))["ok"] is True


# --------------------------------------------------------------------------- failures


def test_a_duplicate_key_file_prints_one_line_with_file_and_line_and_exits_1(run_cli: RunCli, tmp_path: Path) -> None:
    """One defect is one line an editor can jump to: ``file:line: key: message [code]``."""
    (tmp_path / "program.yaml").write_text(DUPLICATE_KEY, encoding="utf-8")
    code, out, err = run_cli(["check", "program.yaml"], cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "program.yaml:3: label: duplicate key (first on line 2); the second would silently win [yaml-duplicate-key]"
    ]
    assert "Traceback" not in out + err


def test_a_missing_path_exits_2_with_one_error_line(run_cli: RunCli, tmp_path: Path) -> None:
    """A path that does not exist is unreadable input (2), not a finding about rules (1)."""
    code, out, err = run_cli(["check", tmp_path / "nowhere"])
    assert code == 2
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("error: ") and line.endswith("[file-not-found]")
    assert "nowhere" in line


def test_a_missing_path_in_json_is_an_error_object(run_cli: RunCli, tmp_path: Path) -> None:
    """With ``--format json`` the error goes to stdout as ``{"error": {code, message, file, line}}``."""
    code, out, _ = run_cli(["check", "--format", "json", tmp_path / "nowhere"])
    assert code == 2
    error = json.loads(out)["error"]
    assert error["code"] == "file-not-found"
    assert error["file"].endswith("nowhere")


def test_a_folder_without_measure_sets_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    """An empty folder holds nothing to check: that is a wrong path, not a clean bill."""
    code, _, err = run_cli(["check", tmp_path])
    assert code == 2
    assert "no program.yaml" in err


def test_every_finding_of_a_set_is_reported_at_once(run_cli: RunCli, tmp_path: Path) -> None:
    """An analyst fixes a set in one pass: two defects in two files give two lines."""
    folder = tmp_path / "py2"
    shutil.copytree(shipped_measures_dir() / "py2", folder)
    program = folder / "program.yaml"
    program.write_text(program.read_text(encoding="utf-8").replace('flexible_share: "0.30"', 'flexible_share: "0.25"'))
    sub = folder / "submission-4.yaml"
    sub.write_text(
        sub.read_text(encoding="utf-8").replace("  1: {points_available: 100}", "  1: {points_available: 200}")
    )
    code, out, _ = run_cli(["check", folder], cwd=tmp_path)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("py2/program.yaml:") and lines[0].endswith("[shares-sum]")
    assert lines[1].startswith("py2/submission-4.yaml:") and lines[1].endswith("[points-unreachable]")


def test_a_bad_file_reached_through_a_symlinked_folder_is_still_reported(run_cli: RunCli, tmp_path: Path) -> None:
    """Regression: the file named on the command line and its findings must match after the
    folder is resolved, or a bad file behind a symlink passed as "ok: 0 files checked"."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "program.yaml").write_text(DUPLICATE_KEY, encoding="utf-8")
    link = tmp_path / "link"
    try:
        link.symlink_to(real, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks are not available here")
    code, out, _ = run_cli(["check", "link/program.yaml"], cwd=tmp_path)
    assert code == 1
    assert "[yaml-duplicate-key]" in out


# --------------------------------------------------------------------------- the installed script


def test_the_installed_ipp_script_checks_the_shipped_sets_from_a_temporary_folder(tmp_path: Path) -> None:
    """What a downstream CI runs: the real console script, in a folder with no measures/."""
    env = {k: v for k, v in os.environ.items() if k != "IPP_DEBUG"}
    done = subprocess.run([ipp_script(), "check"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no findings" in done.stdout


def test_the_installed_ipp_script_keeps_the_exit_codes(tmp_path: Path) -> None:
    """1 for a finding, 2 for a missing path, and never a traceback, in a real process."""
    env = {k: v for k, v in os.environ.items() if k != "IPP_DEBUG"}
    (tmp_path / "program.yaml").write_text(DUPLICATE_KEY, encoding="utf-8")
    bad = subprocess.run(
        [ipp_script(), "check", "program.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert bad.returncode == 1
    assert bad.stdout.startswith("program.yaml:3: label: ")
    missing = subprocess.run(
        [ipp_script(), "check", "nowhere"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert missing.returncode == 2
    assert "Traceback" not in bad.stderr + missing.stderr


# --------------------------------------------------------------------------- PY2 and PY3 content


def test_py2_and_py3_carry_the_dates_the_sources_give() -> None:
    """APL 21-016 sets the program years; the IPP page sets Submission 4's period and due date."""
    py2 = load_folder(shipped_measures_dir() / "py2")
    py3 = load_folder(shipped_measures_dir() / "py3")
    assert (str(py2.program.period.start), str(py2.program.period.end)) == ("2023-01-01", "2023-12-31")
    assert (str(py3.program.period.start), str(py3.program.period.end)) == ("2024-01-01", "2024-06-30")
    periods = {
        number: (str(sub.measurement_period.start), str(sub.measurement_period.end))
        for ms in (py2, py3)
        for number, sub in ms.submissions.items()
    }
    assert periods == {
        3: ("2023-01-01", "2023-06-30"),
        4: ("2023-07-01", "2023-12-31"),
        5: ("2024-01-01", "2024-06-30"),
    }
    assert str(py2.submissions[4].due) == "2024-03-01"


def test_the_three_years_spend_the_1_5_billion_budget_and_say_the_split_is_illustrative() -> None:
    """$300M + $600M + $600M by fiscal year; how PY2 and PY3 share $900M is our parameter."""
    years = [load_folder(shipped_measures_dir() / f"py{year}") for year in (1, 2, 3)]
    assert [ms.program.funding for ms in years] == [
        Decimal("600000000.00"),
        Decimal("600000000.00"),
        Decimal("300000000.00"),
    ]
    assert sum(ms.program.funding for ms in years) == Decimal("1500000000.00")
    for ms in years[1:]:
        assert ms.program.status == "illustrative"
        assert all(sub.status == "illustrative" for sub in ms.submissions.values())
        assert any("illustrative parameter" in note.lower() and "$900 million" in note for note in ms.program.notes)


def test_py2_pays_submissions_3_and_4_and_py3_pays_submission_5() -> None:
    """The payments name their submissions; the pool measures the year's last one."""
    py2 = load_folder(shipped_measures_dir() / "py2").program
    py3 = load_folder(shipped_measures_dir() / "py3").program
    assert [(p.id, p.submission, p.share) for p in py2.payments] == [(1, 3, Decimal("0.5")), (2, 4, Decimal("0.5"))]
    assert [(p.id, p.submission, p.share) for p in py3.payments] == [(1, 5, Decimal("1"))]
    assert (py2.pool.performance_submission, py2.pool.method) == (4, "targets_met")
    assert (py3.pool.performance_submission, py3.pool.method) == (5, "attainment")


@pytest.mark.parametrize("year", [2, 3])
def test_later_years_use_every_domain_kind_direction_and_basis(year: int) -> None:
    """The scorer's every branch has a real measure to run on, in every domain of the letter."""
    ms = load_folder(shipped_measures_dir() / f"py{year}")
    measures = [m for sub in ms.submissions.values() for m in sub.measures]
    assert {m.domain for m in measures} == {"1A", "2A", "2B", "3A", "3B", "3C", "4A"}
    # PY2 and PY3 judge "improvement over time" too (RULES.md section 8)
    assert {m.kind for m in measures} == {"completion", "reporting", "target", "tiered", "improvement"}
    assert {m.direction for m in measures if m.kind == "target"} == {"higher", "lower"}
    assert {m.basis for m in measures if m.kind == "tiered"} >= {"completion", "value", "target_ratio"}
    assert {m.level for m in measures} == {"plan", "county"}
    assert Counter(m.mandatory for m in measures).keys() == {True, False}
    # PY2 and PY3 measures emphasise pediatric measures (APL 21-016, Appendix A).
    assert any("child" in (m.name or "").lower() for m in measures)


def test_later_years_cite_only_the_sources_without_invented_links() -> None:
    """References name APL 21-016 or the DHCS IPP page, with a note and no made-up URL."""
    for year in (2, 3):
        ms = load_folder(shipped_measures_dir() / f"py{year}")
        nodes = [ms.program, *ms.program.payments, *ms.program.priority_areas, ms.program.pool]
        for sub in ms.submissions.values():
            nodes += [sub, *sub.measures]
        references = [ref for node in nodes for ref in node.reference]
        assert references
        for ref in references:
            assert ref.href is None
            assert ref.note
            assert ref.title.startswith(("APL 21-016", "DHCS Incentive Payment Program page"))


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["allocate"], "Missing option '--year'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["allocate", "--year", "one"], "Invalid value for '--year'"),
        (["check", "--format", "xml"], "--format xml: ipp check writes table, json"),
    ],
)
def test_a_usage_error_is_exit_2_with_one_error_line_and_no_traceback(
    run_cli: RunCli, argv: list[str], words: str
) -> None:
    """Usage errors come from (typer's copy of) click, not from our catalog: still exit 2, one line."""
    code, out, err = run_cli(argv)
    assert code == 2 and out == ""
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0] and errors[0].endswith("[usage]")
    assert "Traceback" not in err and "internal error" not in err
    code, out, _ = run_cli([*argv, "--format", "json"] if "--format" not in argv else argv)
    if "--format" not in argv:
        assert code == 2 and json.loads(out)["error"]["code"] == "usage"


def test_a_program_without_allocation_or_pool_sections_takes_the_rules_documented_defaults() -> None:
    """RULES.md documents defaults for the factor weights (0.5 / 0.3 / 0.2) and the pool
    (3 Community Supports, targets_met, cap 1.0, recoupments not pooled, performance measured on
    the submission of the last payment); a program year that leaves them out gets exactly those."""
    from decimal import Decimal

    from ipp_calc.core.models import Program
    from ipp_calc.io.measures import shipped_measures_dir
    from ipp_calc.io.yamlload import parse_yaml, validate

    text = (shipped_measures_dir() / "py1" / "program.yaml").read_text()
    head = text[: text.index("allocation:")]
    program = validate(Program, parse_yaml(head, "program.yaml"))
    assert [(f.name, f.weight) for f in program.allocation.factors] == [
        ("member_months", Decimal("0.5")),
        ("revenue", Decimal("0.3")),
        ("pilot_member_months", Decimal("0.2")),
    ]
    pool = program.pool
    assert (pool.min_community_supports, pool.method, pool.attainment_cap, pool.recoupments_pooled) == (
        3,
        "targets_met",
        Decimal("1.0"),
        False,
    )
    assert program.performance_submission == 2  # payment 2 is paid by submission 2, the last
