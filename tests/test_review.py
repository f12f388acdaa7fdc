"""The intake review of a round (``ipp review``), through the real CLI.

Why on the shipped example round: ``examples/review-round`` is what the README tells an analyst to
try, and its README table says what is wrong with each plan's workbook. These tests hold the
review to that table, plan by plan and problem by problem, and check each output (table, JSON,
CSV, the review workbook, the letters) and the exit codes of FORMATS.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import RunCli
from workbooks import random_file

ROOT = Path(__file__).resolve().parents[1]
ROUND = ROOT / "examples" / "review-round"
PY1 = ROOT / "examples" / "py1"

#: What examples/review-round/README.md says about each plan, as the review must see it.
EXPECTED_STATUS = {
    "alder-bend-care": "revision requested",  # a blank mandatory answer
    "bristlecone-trail-care": "revision requested",  # "n/a" in a number cell, "maybe" in Yes/No
    "cobalt-grove-care": "accepted",  # a Target typed over DHCS's: for information only
    "ember-grove-rural-health": "revision requested",  # made for the wrong counties: Yuba left out
    "foothill-trail-health": "missing",  # its workbook's Cover misspells its id
    "lupine-terrace-health-circle": "missing",  # sent nothing
    "tule-hollow-health-plan": "accepted",  # clean
    "willow-glen-care-network": "revision requested",  # sent twice
}


@pytest.fixture
def round_dir(tmp_path: Path) -> Path:
    """A private copy of the example round, so outputs and edits never touch the repository."""
    return Path(shutil.copytree(ROUND, tmp_path / "round"))


def review_json(run_cli: RunCli, data: Path, submission: int = 2) -> tuple[int, dict]:
    code, out, _ = run_cli(["review", "--year", "1", "--submission", str(submission), "--data", data, "-f", "json"])
    return code, json.loads(out)


def problems_of(document: dict, mcp: str) -> list[dict]:
    return next(p for p in document["plans"] if p["mcp"] == mcp)["problems"]


def test_the_example_round_gives_each_plan_the_status_its_readme_states(run_cli: RunCli, round_dir: Path) -> None:
    code, document = review_json(run_cli, round_dir)
    assert code == 1  # some plans need revision: findings, not bad input
    assert {p["mcp"]: p["status"] for p in document["plans"]} == EXPECTED_STATUS
    # 2 accepted, 4 revision requested, 2 missing: 8 plans, the counts add up
    assert document["counts"] == {"accepted": 2, "revision requested": 4, "missing": 2}
    assert document["accepted"] is False


def test_every_problem_of_every_workbook_is_named_with_its_file_sheet_and_cell(
    run_cli: RunCli, round_dir: Path
) -> None:
    _, document = review_json(run_cli, round_dir)
    cells = problems_of(document, "bristlecone-trail-care")
    # both bad cells of one workbook, not only the first
    assert sorted((p["code"], p["sheet"], p["cell"]) for p in cells) == [
        ("cell-type", "Responses", "G2"),  # 1.1 (All), plan level: the first row
        ("cell-type", "Responses", "G3"),  # 1.2 (Fresno): the plan's one county, the second row
    ]
    assert all(p["file"].endswith("bristlecone-trail-care-submission-2.xlsx") for p in cells)
    [blank] = problems_of(document, "alder-bend-care")
    assert (blank["code"], blank["measure"], blank["county"], blank["cell"]) == (
        "mandatory-missing",
        "1.2",
        "San Diego",
        "G3",
    )
    [county] = problems_of(document, "ember-grove-rural-health")
    assert (county["code"], county["county"], county["sheet"]) == ("missing-county", "Yuba", "Cover")
    [duplicate] = problems_of(document, "willow-glen-care-network")
    assert duplicate["code"] == "duplicate-workbook"
    [info] = problems_of(document, "cobalt-grove-care")
    assert (info["code"], info["blocking"]) == ("target-disagreement", False)
    assert "400" in info["message"] and "401" in info["message"]  # the generator typed target + 1


def test_a_workbook_naming_an_unknown_plan_is_a_problem_of_the_round_with_a_suggestion(
    run_cli: RunCli, round_dir: Path
) -> None:
    _, document = review_json(run_cli, round_dir)
    [typo] = document["round_problems"]
    assert typo["code"] == "unknown-mcp" and typo["mcp"] is None
    assert "did you mean 'foothill-trail-health'?" in typo["message"]
    # the plan it probably belongs to hears of it in its own letter, and stays missing
    [claimed] = problems_of(document, "foothill-trail-health")
    assert claimed["code"] == "unknown-mcp" and "foothilltrail-health" in claimed["message"]


def test_a_round_where_every_plan_is_complete_exits_0(run_cli: RunCli) -> None:
    code, document = review_json(run_cli, PY1, submission=1)
    assert code == 0
    assert document["counts"] == {"accepted": 25, "revision requested": 0, "missing": 0}
    # the 25 Submission 2 workbooks in the same folder are not part of this round
    assert len(document["other_submissions"]) == 25


def _set_elections(path: Path, values: dict[str, object]) -> None:
    """Type into the Elections sheet's column B beside the labels of column A, as in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book["Elections"]
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, 1).value in values:
            sheet.cell(row, 2).value = values[sheet.cell(row, 1).value]  # type: ignore[index]
    book.save(path)


def test_elections_that_do_not_add_up_ask_the_plan_to_revise_naming_the_elections_sheet(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """Submission 1 carries the Gap-Filling Plan (``gap_filling_submission: 1``): its Elections
    sheet is reviewed with the Responses, so the plan fixes both in one go."""
    year = Path(shutil.copytree(PY1, tmp_path / "py1"))
    plan, other = "heron-creek-care", "juniper-flats-health-circle"
    _set_elections(  # 0.10 in all, where the flexible share is 0.30
        year / "submissions" / f"{plan}-submission-1.xlsx",
        {
            "Area 1: Delivery System Infrastructure": 0.10,
            "Area 2: ECM Provider Capacity Building": None,
            "Area 3: Community Supports (ILOS) Provider Capacity Building and Take-Up": None,
            "Area 4: Quality": None,
        },
    )
    _set_elections(
        year / "submissions" / f"{other}-submission-1.xlsx", {"Area 1: Delivery System Infrastructure": "lots"}
    )
    code, document = review_json(run_cli, year, submission=1)
    assert code == 1
    assert document["counts"] == {"accepted": 23, "revision requested": 2, "missing": 0}
    [sums] = problems_of(document, plan)
    assert sums["code"] == "election" and sums["sheet"] == "Elections"
    assert sums["file"].endswith(f"{plan}-submission-1.xlsx")
    assert "add up to 0.1" in sums["message"] and "exactly 0.30" in sums["message"]
    [cell] = problems_of(document, other)
    assert (cell["sheet"], cell["cell"]) == ("Elections", "B5") and "expects a number" in cell["message"]
    # A sheet left blank, or a workbook without one, is not the review's concern: DHCS may hold
    # the elections in elections.yaml (ipp elections says what is missing when it gathers them).
    blank = "cypress-flats-health"
    book = openpyxl.load_workbook(year / "submissions" / f"{blank}-submission-1.xlsx")
    for (cell,) in book["Elections"].iter_rows(min_col=2, max_col=2):
        if not str(cell.value or "").startswith("="):  # what the plan types; the live total stays
            cell.value = None
    book.save(year / "submissions" / f"{blank}-submission-1.xlsx")
    book = openpyxl.load_workbook(year / "submissions" / f"{plan}-submission-1.xlsx")
    del book["Elections"]  # as a workbook made by a script with only the Cover and Responses
    book.save(year / "submissions" / f"{plan}-submission-1.xlsx")
    code, document = review_json(run_cli, year, submission=1)
    assert document["counts"] == {"accepted": 24, "revision requested": 1, "missing": 0}
    assert problems_of(document, blank) == [] and problems_of(document, plan) == []
    # Reviewed as Submission 2, the same folder is not about elections: its workbooks carry none,
    # and the Submission 1 workbooks are not part of that round.
    _, document = review_json(run_cli, year, submission=2)
    assert all(p["sheet"] != "Elections" for plan in document["plans"] for p in plan["problems"])


def test_the_review_never_stops_at_a_workbook_that_is_not_a_workbook(run_cli: RunCli, round_dir: Path) -> None:
    random_file(round_dir / "submissions" / "scanned-letter.xlsx")
    code, document = review_json(run_cli, round_dir)
    assert code == 1
    codes = sorted(p["code"] for p in document["round_problems"])
    assert codes == ["not-xlsx", "unknown-mcp"]  # nobody to send it to, so the round's
    assert {p["mcp"]: p["status"] for p in document["plans"]} == EXPECTED_STATUS  # the rest as before


def test_an_unusable_data_folder_is_bad_input_exit_2(run_cli: RunCli, tmp_path: Path, round_dir: Path) -> None:
    code, _, err = run_cli(["review", "--year", "1", "--submission", "2", "--data", tmp_path / "nowhere"])
    assert code == 2 and "no such data folder" in err
    shutil.rmtree(round_dir / "submissions")
    code, _, err = run_cli(["review", "--year", "1", "--submission", "2", "--data", round_dir])
    assert code == 2 and "submissions" in err and "[file-not-found]" in err
    code, _, err = run_cli(["review", "--year", "1", "--submission", "9", "--data", round_dir])
    assert code == 2 and "no submission 9" in err


def test_csv_has_one_row_per_problem(run_cli: RunCli, round_dir: Path) -> None:
    code, out, _ = run_cli(["review", "--year", "1", "--submission", "2", "--data", round_dir, "-f", "csv"])
    assert code == 1
    rows = list(csv.DictReader(io.StringIO(out)))
    # 1 blank + 2 cells + 1 target note + 1 county + 1 claimed typo + 1 duplicate, and the round's typo
    assert len(rows) == 8
    assert list(rows[0]) == [
        "mcp",
        "status",
        "file",
        "sheet",
        "cell",
        "county",
        "measure",
        "code",
        "blocking",
        "message",
    ]
    assert [r["mcp"] for r in rows if r["code"] == "unknown-mcp"] == ["foothill-trail-health", "(round)"]


def test_the_review_workbook_has_a_status_sheet_and_a_filtered_problems_sheet(
    run_cli: RunCli, round_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "review.xlsx"
    code, stdout, _ = run_cli(["review", "--year", "1", "--submission", "2", "--data", round_dir, "-o", out])
    assert code == 1 and "wrote the review workbook" in stdout
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Status", "Problems"]
    problems = book["Problems"]
    assert problems.auto_filter.ref == "A1:J9"  # header + 8 problems, 10 columns
    header = [c.value for c in problems[1]]
    assert header[:5] == ["mcp", "status", "file", "sheet", "cell"] and header[-3:] == ["code", "blocking", "message"]
    status = book["Status"]
    statuses = {row[0]: row[1] for row in status.iter_rows(values_only=True) if row[0] in EXPECTED_STATUS}
    assert statuses == EXPECTED_STATUS


def test_letters_one_per_plan_that_an_analyst_can_send(run_cli: RunCli, round_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    code, stdout, _ = run_cli(["review", "--year", "1", "--submission", "2", "--data", round_dir, "-o", folder])
    assert code == 1 and "wrote 8 letters" in stdout
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{m}.md" for m in EXPECTED_STATUS)
    workbook = round_dir / "submissions" / "bristlecone-trail-care-submission-2.xlsx"
    text = (folder / "bristlecone-trail-care.md").read_text()
    assert text.startswith("# Revision requested: Program Year 1, Submission 2")
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() in text  # which file was reviewed
    assert "correct the 2 items below" in text
    assert "| Responses | G3 |" in text and 'found "n/a"' in text
    blank = (folder / "alder-bend-care.md").read_text()
    assert "## Mandatory answers missing, by county" in blank and "### San Diego (1)" in blank
    assert (folder / "lupine-terrace-health-circle.md").read_text().startswith("# No submission received")
    accepted = (folder / "cobalt-grove-care.md").read_text()
    assert accepted.startswith("# Submission accepted") and "For your information" in accepted


def test_the_table_lists_every_plan_and_every_problem(run_cli: RunCli, round_dir: Path) -> None:
    code, out, _ = run_cli(["review", "--year", "1", "--submission", "2", "--data", round_dir])
    assert code == 1
    for mcp in EXPECTED_STATUS:
        assert mcp in out
    assert "Problems (8)" in out
    assert out.rstrip().endswith(
        "8 plans: 2 accepted, 4 revision requested, 2 missing; 1 problem(s) of workbooks that name no plan"
    )


def test_json_is_byte_identical_across_runs(run_cli: RunCli, round_dir: Path) -> None:
    first = run_cli(["review", "--year", "1", "--submission", "2", "--data", round_dir, "-f", "json"]).stdout
    second = run_cli(["review", "--year", "1", "--submission", "2", "--data", round_dir, "-f", "json"]).stdout
    assert first == second


def test_ipp_run_refusing_a_bad_round_says_to_run_the_review(run_cli: RunCli, round_dir: Path) -> None:
    code, _, err = run_cli(["run", "--year", "1", "--data", round_dir])
    assert code == 2
    line, *others = err.splitlines()  # every problem a line; the first carries the hint
    assert line.startswith("error: ") and line.endswith("[cell-type]")
    assert all(other.startswith("error: ") and "ipp review" not in other for other in others)
    assert (
        f"; to see every workbook's problems at once, plan by plan, run: ipp review --year 1 --submission S "
        f"--data {round_dir} (S: 1, 2) [cell-type]"
    ) in line
