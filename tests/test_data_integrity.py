"""Data-folder integrity through the real CLI: what DHCS approved is what is paid, and anything
else is an error (exit 2) or a finding (exit 1), never silence.

FORMATS.md: with a data folder, targets come from ``targets.csv``; a disagreement with the
workbook is a finding; a Cover lists the plan's counties. The cases (issue 12, items 10 and 11):

* a target found only in the workbook's ``Target`` cell (which the plan can edit) is not used: the
  row scores "no approved target", and the finding says so;
* a Cover that leaves out one of the plan's ``plans.csv`` counties is a finding: that county scores
  as not reported (it earns nothing), and the run says so and exits 1;
* a Cover county where the plan has no row, or an MCP not in ``plans.csv``, is an error with a
  did-you-mean: such a county is allocated nothing and cannot earn.

The folder: ``tests/fixtures/data_bad/base`` (alpha in Alameda and Fresno, beta in Alameda) with
alpha's PY1 submission-2 workbook, every row answered (a target measure such as 2.1 with 12).
Measure 2.1 (Contracted ECM providers) is a mandatory county-level target measure, 30 points,
higher is better.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import RunCli
from workbooks import filled_workbook, set_cover

BASE = Path(__file__).parent / "fixtures" / "data_bad" / "base"
WORKBOOK = "data/submissions/alpha.xlsx"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path / "data")
    (tmp_path / "data" / "submissions").mkdir()
    return tmp_path


def workbook(root: Path, **kwargs: object) -> Path:
    return filled_workbook(root / "data" / "submissions", **kwargs)


def row(document: dict, measure: str, county: str) -> dict:
    [found] = [r for r in document["measures"] if (r["measure"], r["county"]) == (measure, county)]
    return found


def score(run_cli: RunCli, root: Path) -> tuple[int, dict, str]:
    code, out, err = run_cli(["score", WORKBOOK, "--data", "data", "--format", "json"], cwd=root)
    return code, json.loads(out), err


def run_year(run_cli: RunCli, root: Path) -> tuple[int, dict, str]:
    code, out, err = run_cli(["run", "--year", "1", "--data", "data", "--format", "json", "--jobs", "1"], cwd=root)
    return code, json.loads(out), err


# --------------------------------------------------------------------------- targets


def test_a_target_only_in_the_workbook_is_not_used_when_targets_csv_exists_and_is_a_finding(
    run_cli: RunCli, folder: Path
) -> None:
    # targets.csv approves Alameda's 10 only; the workbook's Target cells say 10 (Alameda) and 5 (Fresno).
    (folder / "data" / "targets.csv").write_text("mcp,county,measure,target\nalpha,Alameda,2.1,10\n")
    workbook(folder, targets={("2.1", "Alameda"): Decimal(10), ("2.1", "Fresno"): Decimal(5)})
    code, document, err = score(run_cli, folder)
    assert code == 1, err  # a finding: the output is written, the exit says "look"
    fresno, alameda = row(document, "2.1", "Fresno"), row(document, "2.1", "Alameda")
    # Fresno: reported 12 ≥ the workbook's 5 would have earned 30 points; DHCS approved no target: 0.
    assert fresno["points_earned"] == 0 and "no approved target" in fresno["reason"]
    assert alameda["points_earned"] == 30 and "targets.csv" in alameda["reason"]  # 12 ≥ 10
    [finding] = document["findings"]
    assert (finding["code"], finding["measure"], finding["county"]) == ("target-not-approved", "2.1", "Fresno")
    assert "Target 5 is not in targets.csv" in finding["message"]

    code, year, err = run_year(run_cli, folder)
    assert code == 1, err
    expected = "measure 2.1 (Fresno): the workbook's Target 5 is not in targets.csv"
    [found] = [f for f in year["findings"] if expected in f["message"]]  # one shape: code, message, place
    assert found["code"] == "target-not-approved" and found["mcp"] == "alpha"
    assert (found["measure"], found["county"]) == ("2.1", "Fresno")
    assert "finding:" in err and "target 5" in err.lower()


def test_without_targets_csv_the_workbooks_target_is_used_and_there_is_no_finding(
    run_cli: RunCli, folder: Path
) -> None:
    workbook(folder, targets={("2.1", "Alameda"): Decimal(10), ("2.1", "Fresno"): Decimal(5)})
    code, document, err = score(run_cli, folder)
    assert code == 0, err
    fresno = row(document, "2.1", "Fresno")
    assert fresno["points_earned"] == 30 and "target from workbook" in fresno["reason"]  # 12 ≥ 5
    assert document["findings"] == []


def test_a_workbook_target_that_disagrees_with_targets_csv_loses_and_is_a_finding(
    run_cli: RunCli, folder: Path
) -> None:
    # targets.csv: 20 in both counties; the workbook says 10 in Alameda. Reported 12: 12 < 20, not met.
    targets = "mcp,county,measure,target\nalpha,Alameda,2.1,20\nalpha,Fresno,2.1,20\n"
    (folder / "data" / "targets.csv").write_text(targets)
    workbook(folder, targets={("2.1", "Alameda"): Decimal(10), ("2.1", "Fresno"): Decimal(20)})
    code, document, err = score(run_cli, folder)
    assert code == 1, err
    assert row(document, "2.1", "Alameda")["points_earned"] == 0  # 12 < 20 (targets.csv), not 12 ≥ 10
    [finding] = document["findings"]
    assert finding["code"] == "target-disagreement" and finding["county"] == "Alameda"
    code, year, _ = run_year(run_cli, folder)
    assert code == 1
    assert any("targets.csv says 20, the workbook says 10" in f["message"] for f in year["findings"])


# --------------------------------------------------------------------------- the Cover's counties


def test_the_reports_findings_sheet_lists_every_finding_that_makes_run_exit_1(run_cli: RunCli, folder: Path) -> None:
    """A Cover that leaves out a county and a target disagreement: both make ``ipp run`` exit 1,
    so both are on the report's Findings sheet, kind "finding", each where it was found."""
    import openpyxl

    (folder / "data" / "targets.csv").write_text("mcp,county,measure,target\nalpha,Alameda,2.1,20\n")
    workbook(folder, counties=["Alameda"], targets={("2.1", "Alameda"): Decimal(10)})
    code, year, err = run_year(run_cli, folder)
    assert code == 1, err
    codes = sorted(f["code"] for f in year["findings"])
    assert codes == ["missing-county", "target-disagreement"]
    code, _, err = run_cli(["run", "--year", "1", "--data", "data", "-o", "report.xlsx"], cwd=folder)
    assert code == 1, err
    sheet = openpyxl.load_workbook(folder / "report.xlsx", read_only=True)["Findings"]
    rows = [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(r[2] for r in rows if r[3] == "finding") == codes  # one row for each, nothing more
    [cover] = [r for r in rows if r[2] == "missing-county"]
    assert cover[1] == "data/submissions/alpha.xlsx: Cover" and str(cover[4]).startswith("Cover leaves out Fresno")


def test_a_cover_that_leaves_out_a_county_of_the_plan_is_a_finding_and_that_county_earns_nothing(
    run_cli: RunCli, folder: Path
) -> None:
    workbook(folder, counties=["Alameda"])  # alpha operates in Alameda and Fresno (plans.csv)
    code, year, err = run_year(run_cli, folder)
    assert code == 1, err
    [finding] = [f for f in year["findings"] if "leaves out" in f["message"]]
    assert (finding["file"], finding["sheet"], finding["code"]) == (
        "data/submissions/alpha.xlsx",
        "Cover",
        "missing-county",
    )
    assert finding["message"].startswith("Cover leaves out Fresno, where MCP alpha operates")
    [alpha_2] = [s for s in year["scores"] if (s["mcp"], s["submission"]) == ("alpha", 2)]
    assert all(not r["reported"] for r in alpha_2["measures"] if r["county"] == "Fresno")
    assert any(r["reported"] for r in alpha_2["measures"] if r["county"] == "Alameda")
    assert "finding:" in err and "leaves out Fresno" in err

    code, document, err = score(run_cli, folder)
    assert code == 1, err
    assert [f["code"] for f in document["findings"]] == ["missing-county"]
    assert all(not r["reported"] for r in document["measures"] if r["county"] == "Fresno")


def test_a_cover_that_lists_exactly_the_plans_counties_has_no_finding(run_cli: RunCli, folder: Path) -> None:
    workbook(folder)  # Alameda and Fresno, as plans.csv
    code, year, err = run_year(run_cli, folder)
    assert code == 0, err
    assert year["findings"] == []


@pytest.mark.parametrize("command", ["run", "score"])
def test_a_cover_county_where_the_plan_has_no_row_is_refused_with_the_nearest_county(
    run_cli: RunCli, folder: Path, command: str
) -> None:
    workbook(folder, counties=["Alameda", "Fresn"])
    argv = ["run", "--year", "1", "--jobs", "1"] if command == "run" else ["score", WORKBOOK]
    code, out, err = run_cli([*argv, "--data", "data"], cwd=folder)
    assert code == 2 and out == ""
    assert err.startswith("error: data/submissions/alpha.xlsx: Cover: Cover lists Fresn, where MCP alpha has no"), err
    assert "did you mean 'Fresno'?" in err


@pytest.mark.parametrize("command", ["run", "score"])
def test_a_cover_mcp_not_in_plans_csv_is_refused_with_the_nearest_mcp(
    run_cli: RunCli, folder: Path, command: str
) -> None:
    set_cover(workbook(folder), "MCP", "alpah")
    argv = ["run", "--year", "1", "--jobs", "1"] if command == "run" else ["score", WORKBOOK]
    code, out, err = run_cli([*argv, "--data", "data"], cwd=folder)
    assert code == 2 and out == ""
    assert "MCP 'alpah' (from the Cover) is not in plans.csv; did you mean 'alpha'?" in err


# --------------------------------------------------------------------------- year.yaml: the folder's program year

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "py1"


@pytest.mark.parametrize(
    "argv",
    [
        ["allocate", "--year", "2"],
        ["run", "--year", "2", "--jobs", "1"],
        ["template", "--year", "2", "--submission", "3", "--mcp", "heron-creek-care", "-o", "t.xlsx"],
    ],
    ids=["allocate", "run", "template"],
)
def test_a_data_folder_for_py1_is_refused_for_py2(run_cli: RunCli, tmp_path: Path, argv: list[str]) -> None:
    # examples/py1/year.yaml says program_year: 1 (line 3); PY2's measures share ids with PY1's.
    code, out, err = run_cli([*argv, "--data", EXAMPLE], cwd=tmp_path)
    assert code == 2 and out == ""
    assert "year.yaml:3: program_year: this data folder is for program year 1, not 2; use --year 1" in err
    assert err.rstrip().endswith("[year-mismatch]")
    assert not (tmp_path / "t.xlsx").exists()


def test_a_folder_that_does_not_state_its_year_still_works_with_a_note(run_cli: RunCli, folder: Path) -> None:
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data", "--format", "json"], cwd=folder)
    assert code == 0, err
    expected = "data/year.yaml: is missing, so the data folder does not say which program year it is for; add it"
    assert expected in err and "with the line `program_year: 1`" in err
    assert any("program_year: 1" in n for n in json.loads(out)["notices"])


def test_a_folder_that_states_its_year_gets_no_note_and_its_file_is_a_source(run_cli: RunCli, folder: Path) -> None:
    (folder / "data" / "year.yaml").write_text("program_year: 1\n")
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data", "--format", "json"], cwd=folder)
    assert code == 0, err
    assert "program year" not in err + out
    workbook(folder)
    report = folder / "report.xlsx"
    code, _, err = run_cli(["run", "--year", "1", "--data", "data", "--jobs", "1", "-o", report], cwd=folder)
    assert code == 0, err
    import openpyxl

    sources = openpyxl.load_workbook(report, read_only=True)["Sources"]
    assert any("data/year.yaml" in str(c) for r in sources.iter_rows(values_only=True) for c in r)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ('program_year: "1"\n', "yaml-type", "program_year"),
        ("program_year: 1\nyear: 1\n", "yaml-unknown-key", "allowed: program_year"),
        ("", "yaml-structure", "program_year: 1"),
        ("program_year: 0\n", "yaml-type", "greater than or equal to 1"),
    ],
    ids=["quoted", "unknown-key", "empty", "zero"],
)
def test_a_bad_year_yaml_is_refused_naming_its_line(
    run_cli: RunCli, folder: Path, text: str, code: str, words: str
) -> None:
    (folder / "data" / "year.yaml").write_text(text)
    exit_code, out, err = run_cli(["allocate", "--year", "1", "--data", "data"], cwd=folder)
    assert exit_code == 2 and out == ""
    assert err.startswith("error: data/year.yaml:") and err.rstrip().endswith(f"[{code}]"), err
    assert words in err


def test_score_refuses_a_data_folder_of_another_year_than_the_workbooks(run_cli: RunCli, folder: Path) -> None:
    (folder / "data" / "year.yaml").write_text("program_year: 2\n")
    workbook(folder)  # a PY1 workbook
    code, out, err = run_cli(["score", WORKBOOK, "--data", "data"], cwd=folder)
    assert code == 2 and out == ""
    assert "data/year.yaml:1: program_year: this data folder is for program year 2, not 1" in err


# --------------------------------------------------------------------------- ipp check --data


def test_check_data_on_the_example_year_is_ok(run_cli: RunCli) -> None:
    code, out, err = run_cli(["check", "--data", EXAMPLE, "--format", "json"])
    assert code == 0, err
    document = json.loads(out)
    assert document["ok"] is True and document["findings"] == []
    # year.yaml, plans.csv, elections.yaml, targets.csv and the 50 workbooks (25 plans × 2 submissions)
    assert len(document["checked"]) == 4 + 50


def test_check_data_reports_every_files_problems_at_once(run_cli: RunCli, folder: Path) -> None:
    data = folder / "data"
    (data / "year.yaml").write_text("program_year: 1\n")
    (data / "allocation.csv").write_text("mcp,county,amount\nalpha,Alameda,10.00\nalpha,Fresno,0\n")
    (data / "targets.csv").write_text("mcp,county,measure,target\nalpha,Alameda,9.9,10\n")
    (data / "elections.yaml").write_text((BASE / "elections.yaml").read_text().replace("beta:", "Beta:"))
    code, out, err = run_cli(["check", "--data", "data"], cwd=folder)
    assert code == 1, err
    lines = out.splitlines()
    # allocation.csv: beta-Alameda left out; targets.csv line 2: an unknown measure; elections.yaml: 'Beta'.
    assert any(x.startswith("data/allocation.csv: has no row for MCP beta in Alameda") for x in lines), out
    assert any(x.startswith("data/targets.csv:2: measure:") and x.endswith("[unknown-measure]") for x in lines)
    assert any(x.startswith("data/elections.yaml:4:") and "'Beta'" in x for x in lines), out
    assert lines[-1] == f"{len(lines) - 1} findings"


def test_check_data_names_a_plans_csv_problem(run_cli: RunCli, folder: Path) -> None:
    (folder / "data" / "year.yaml").write_text("program_year: 1\n")
    (folder / "data" / "plans.csv").write_text((BASE / "plans.csv").read_text() + "gamma,Los Angles,1,1.00,no,no\n")
    code, out, err = run_cli(["check", "--data", "data"], cwd=folder)
    assert code == 1, err
    assert out.startswith("data/plans.csv:5: county: county 'Los Angles' is not one of California's 58 counties")


def test_check_data_applies_the_cross_file_rules_to_the_workbooks(run_cli: RunCli, folder: Path) -> None:
    (folder / "data" / "year.yaml").write_text("program_year: 1\n")
    (folder / "data" / "targets.csv").write_text("mcp,county,measure,target\nalpha,Alameda,2.1,10\n")
    workbook(folder, counties=["Alameda"], targets={("2.1", "Alameda"): Decimal(11)})
    code, out, err = run_cli(["check", "--data", "data", "--format", "json"], cwd=folder)
    assert code == 1, err
    codes = sorted(f["code"] for f in json.loads(out)["findings"])
    assert codes == ["missing-county", "target-disagreement"]  # Fresno left off; 11 in the workbook, 10 approved


def test_check_data_without_a_year_asks_for_one_and_refuses_another_years_folder(run_cli: RunCli, folder: Path) -> None:
    code, _, err = run_cli(["check", "--data", "data"], cwd=folder)
    assert code == 2 and "--year" in err
    code, _, err = run_cli(["check", "--data", EXAMPLE, "--year", "2"])
    assert code == 2 and "[year-mismatch]" in err


@pytest.mark.parametrize("name", ["plans.csv", "elections.yaml", "targets.csv", "year.yaml"])
def test_check_on_a_data_file_says_plainly_it_is_not_a_measure_set_file(run_cli: RunCli, name: str) -> None:
    code, out, err = run_cli(["check", EXAMPLE / name])
    assert code == 2 and out == ""
    assert "is a data-folder file, not a measure-set file; check its folder with: ipp check --data" in err
    assert "ok" not in err


def test_check_on_a_file_that_is_nothing_it_knows_says_so(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    (tmp_path / "notes.txt").write_text("hello\n")
    for name in ("notes.yaml", "notes.txt"):
        code, _, err = run_cli(["check", tmp_path / name])
        assert code == 2 and "is not a measure-set file" in err, err


def test_a_folder_without_year_yaml_gets_the_no_program_year_note_not_an_error(tmp_path: Path) -> None:
    from ipp_calc.io.data import read_year

    source, notes = read_year(tmp_path, 2)
    assert source is None
    assert [(n.code, n.severity) for n in notes] == [("no-program-year", "note")]
    assert "`program_year: 2`" in notes[0].message
