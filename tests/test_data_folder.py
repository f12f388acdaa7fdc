"""Bad data folders through the real CLI (src/ipp_calc/io/data.py, ``ipp allocate``).

FORMATS.md: "A bad input gets one clear line on standard error that names the place, and no
traceback"; exit code 2; ``-o`` is written atomically, so a failed run leaves no file.

Each case is the good folder ``tests/fixtures/data_bad/base/`` plus exactly one defect, written out
below beside the words its error line must contain (the OpenFisca pattern: a bad fixture paired
with its expected words). The line is ``error: <file>:<line>: <column>: <message> [<code>]``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import RunCli

BASE = Path(__file__).parent / "fixtures" / "data_bad" / "base"
PLANS = (BASE / "plans.csv").read_text(encoding="utf-8")
ELECTIONS = (BASE / "elections.yaml").read_text(encoding="utf-8")

# base/plans.csv, line by line:
#   1 mcp,county,member_months,revenue,wpc,hhp
#   2 alpha,Alameda,1200,250000.00,yes,no
#   3 alpha,Fresno,800,150000.00,no,no
#   4 beta,Alameda,2000,400000.00,yes,yes
# base/elections.yaml: alpha on lines 1-3 (flexible on 2, community_supports on 3), beta on 4-6.


def plans_with(line: int, new: str) -> str:
    """base/plans.csv with line ``line`` (1-based) replaced by ``new``."""
    lines = PLANS.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


def elections_with(old: str, new: str) -> str:
    assert old in ELECTIONS, old
    return ELECTIONS.replace(old, new, 1)


@dataclass(frozen=True)
class Case:
    """One defect: the files it changes (None deletes one), where the error must point, and its words."""

    files: dict[str, str | bytes | None]
    file: str  # the file the error names, as displayed from the run folder
    line: int | None  # None: the problem is the whole file (or folder)
    words: tuple[str, ...]  # each must appear in the error line (case-insensitive)
    code: str
    column: str | None = None  # the CSV column or YAML key named after the line
    data: str = "data"  # the --data argument
    more: int = 0  # how many further problems there are, each on a line of its own after the first
    more_words: tuple[str, ...] = ()  # words of those further findings (in the JSON error's "more")


CASES: dict[str, Case] = {
    # ------------------------------------------------------------------ plans.csv: header
    "missing_column": Case(
        {"plans.csv": PLANS.replace(",hhp\n", "\n", 1).replace(",no\n", "\n").replace(",yes\n", "\n")},
        "data/plans.csv",
        1,
        ("missing column", "'hhp'"),
        "csv-header",
        column="hhp",
    ),
    "misspelt_column_has_a_hint": Case(
        {"plans.csv": plans_with(1, "mcp,county,member_month,revenue,wpc,hhp")},
        "data/plans.csv",
        1,
        ("unknown column", "'member_month'", "did you mean 'member_months'"),
        "csv-header",
        column="member_month",
        # one problem, one line: the missing 'member_months' is the one its "did you mean" names
    ),
    "empty_plans_csv": Case({"plans.csv": ""}, "data/plans.csv", 1, ("empty", "header"), "csv-header"),
    "header_only_plans_csv": Case(
        {"plans.csv": "mcp,county,member_months,revenue,wpc,hhp\n"}, "data/plans.csv", 2, ("no rows",), "csv-value"
    ),
    # ------------------------------------------------------------------ plans.csv: rows
    "duplicate_mcp_county_row": Case(
        {"plans.csv": PLANS + "alpha,Alameda,1,1.00,yes,no\n"},
        "data/plans.csv",
        5,
        ("alpha", "Alameda", "already on line 2"),
        "csv-duplicate-row",
    ),
    "ragged_row": Case(
        {"plans.csv": plans_with(3, "alpha,Fresno,800,150000.00,no")},
        "data/plans.csv",
        3,
        ("5 fields", "header has 6"),
        "csv-value",
    ),
    "negative_amount": Case(
        {"plans.csv": plans_with(3, "alpha,Fresno,800,-150000.00,no,no")},
        "data/plans.csv",
        3,
        ("revenue", "-150000.00", "negative"),
        "csv-value",
        column="revenue",
    ),
    "amount_with_dollar_sign_and_thousands_separator": Case(
        {"plans.csv": plans_with(3, 'alpha,Fresno,800,"$1,200",no,no')},
        "data/plans.csv",
        3,
        ("'$1,200'", "not an amount", "plain digits"),
        "csv-value",
        column="revenue",
    ),
    "amount_with_fractions_of_a_cent": Case(
        {"plans.csv": plans_with(2, "alpha,Alameda,1200,250000.005,yes,no")},
        "data/plans.csv",
        2,
        ("'250000.005'", "fractions of a cent"),
        "csv-value",
        column="revenue",
    ),
    "absurdly_large_amount": Case(
        {"plans.csv": plans_with(2, "alpha,Alameda,1200,1e30,yes,no")},
        "data/plans.csv",
        2,
        ("'1e30'", "not an amount"),
        "csv-value",
        column="revenue",
    ),
    "member_months_not_a_number": Case(
        {"plans.csv": plans_with(4, "beta,Alameda,lots,400000.00,yes,yes")},
        "data/plans.csv",
        4,
        ("member_months", "'lots'", "not a number"),
        "csv-value",
        column="member_months",
    ),
    "wpc_maybe": Case(
        {"plans.csv": plans_with(4, "beta,Alameda,2000,400000.00,maybe,yes")},
        "data/plans.csv",
        4,
        ("wpc", "yes or no", "'maybe'"),
        "csv-value",
        column="wpc",
    ),
    "blank_mcp": Case(
        {"plans.csv": plans_with(3, ",Fresno,800,150000.00,no,no")},
        "data/plans.csv",
        3,
        ("mcp", "empty"),
        "csv-value",
        column="mcp",
    ),
    "capitation_blank_for_some_rows_only": Case(
        {
            "plans.csv": "mcp,county,member_months,revenue,wpc,hhp,capitation\n"
            "alpha,Alameda,1200,250000.00,yes,no,9000000000.00\n"
            "alpha,Fresno,800,150000.00,no,no,\n"
            "beta,Alameda,2000,400000.00,yes,yes,9000000000.00\n"
        },
        "data/plans.csv",
        3,
        ("capitation is blank", "alpha", "Fresno", "other counties"),
        "csv-value",
        column="capitation",
    ),
    "line_numbers_count_quoted_newlines_and_blank_lines": Case(
        # line 2-3: an MCP id with a newline inside quotes (collapsed away); line 4 blank; the bad row is line 6.
        {
            "plans.csv": "mcp,county,member_months,revenue,wpc,hhp\n"
            '"alpha\n",Alameda,1200,250000.00,yes,no\n'
            "\n"
            "alpha,Fresno,800,150000.00,no,no\n"
            "beta,Alameda,2000,400000.00,sometimes,yes\n"
        },
        "data/plans.csv",
        6,
        ("wpc", "'sometimes'"),
        "csv-value",
        column="wpc",
    ),
    "plans_csv_not_utf8": Case(
        {"plans.csv": PLANS.replace("Fresno", "Fresno Cañon").encode("latin-1")},
        "data/plans.csv",
        3,
        ("not UTF-8",),
        "file-unreadable",
    ),
    # ------------------------------------------------------------------ elections.yaml
    "mcp_in_elections_but_not_in_plans": Case(
        {"elections.yaml": ELECTIONS + 'gamma:\n  flexible: {1: "0.30"}\n  community_supports: [Housing Deposits]\n'},
        "data/elections.yaml",
        7,
        ("'gamma'", "no rows in plans.csv"),
        "unknown-mcp",
        column="gamma",
    ),
    "mcp_in_plans_but_without_an_election": Case(
        {"elections.yaml": "".join(ELECTIONS.splitlines(keepends=True)[:3])},
        "data/elections.yaml",
        1,
        ("'beta'", "in plans.csv", "no entry"),
        "missing-mcp",
        column="beta",
    ),
    "community_support_not_in_the_catalog_suggests_the_nearest_name": Case(
        {"elections.yaml": elections_with("Sobering Centers]", "Sobering Center]")},
        "data/elections.yaml",
        3,
        ("MCP alpha", "'Sobering Center'", "catalog", "did you mean 'Sobering Centers'"),
        "unknown-community-support",
        column="alpha.community_supports[2]",
    ),
    "elections_duplicate_key": Case(
        {"elections.yaml": ELECTIONS + 'alpha:\n  flexible: {1: "0.30"}\n  community_supports: [Housing Deposits]\n'},
        "data/elections.yaml",
        7,
        ("duplicate key", "first on line 1"),
        "yaml-duplicate-key",
        column="alpha",
    ),
    "elections_float_share": Case(
        {"elections.yaml": elections_with('{1: "0.30"}', "{1: 0.30}")},
        "data/elections.yaml",
        5,
        ("share", "string", "0.3"),
        "yaml-float-money",
        column="beta.flexible[1]",
    ),
    "elections_misspelt_key": Case(
        # 'flexable' (line 5) is unknown and 'flexible' is therefore missing: one finding says both,
        # the unknown key with the hint "did you mean 'flexible'?" (the missing key is not repeated).
        {"elections.yaml": elections_with('  flexible: {1: "0.30"}', '  flexable: {1: "0.30"}')},
        "data/elections.yaml",
        5,
        ("unknown key", "did you mean 'flexible'"),
        "yaml-unknown-key",
        column="beta.flexable",
    ),
    "elections_tab": Case(
        {"elections.yaml": elections_with('  flexible: {1: "0.30"}', '\tflexible: {1: "0.30"}')},
        "data/elections.yaml",
        5,
        ("tab",),
        "yaml-tab",
    ),
    "elections_empty": Case({"elections.yaml": ""}, "data/elections.yaml", 1, ("empty",), "yaml-structure"),
    "unapproved_exception": Case(
        {
            "elections.yaml": elections_with(
                '  flexible: {2: "0.10", 3: "0.20"}\n',
                '  flexible: {2: "0.10", 3: "0.20"}\n  exception: {approved: false, from: 1, to: 3, share: "0.05"}\n',
            )
        },
        "data/elections.yaml",
        3,
        ("MCP alpha", "not approved"),
        "election",
        column="alpha.exception.approved",
    ),
    "flexible_shares_not_adding_up": Case(
        {"elections.yaml": elections_with('{1: "0.30"}', '{1: "0.20", 2: "0.05"}')},
        "data/elections.yaml",
        5,
        ("MCP beta", "add up to 0.25", "exactly 0.30"),
        "election",
        column="beta.flexible",
    ),
    "area_3_without_community_supports": Case(
        {
            "elections.yaml": elections_with(
                "  community_supports: [Housing Transition Navigation Services, Recuperative Care (Medical Respite), "
                "Sobering Centers]",
                "  community_supports: []",
            )
        },
        "data/elections.yaml",
        2,
        ("MCP alpha", "no Community Supports", "area 3"),
        "election",
        column="alpha.flexible[3]",
    ),
    # ------------------------------------------------------------------ allocation.csv
    "allocation_csv_unknown_mcp": Case(
        {"allocation.csv": "mcp,county,amount\nalpha,Alameda,1000.00\ngamma,Kern,5.00\n"},
        "data/allocation.csv",
        3,
        ("'gamma'", "no rows in plans.csv"),
        "unknown-mcp",
        column="mcp",
    ),
    "allocation_csv_unknown_county": Case(
        {"allocation.csv": "mcp,county,amount\nalpha,Alameda,1000.00\nbeta,Fresno,5.00\n"},
        "data/allocation.csv",
        3,
        ("beta", "no plans.csv row for Fresno"),
        "unknown-county",
        column="county",
    ),
    "allocation_csv_negative_amount": Case(
        {"allocation.csv": "mcp,county,amount\nalpha,Alameda,-1.00\n"},
        "data/allocation.csv",
        2,
        ("amount", "negative"),
        "csv-value",
        column="amount",
    ),
    "allocation_csv_over_funding": Case(
        # 400,000,000.00 + 0 + 200,000,000.01 = 600,000,000.01 > PY1's 600,000,000.00 by one cent: a whole-file problem.
        {
            "allocation.csv": "mcp,county,amount\n"
            "alpha,Alameda,400000000.00\nalpha,Fresno,0\nbeta,Alameda,200000000.01\n"
        },
        "data/allocation.csv",
        None,
        ("600,000,000.01", "more than", "funding", "600,000,000.00"),
        "allocation-table",
    ),
    # ------------------------------------------------------------------ targets.csv
    "targets_csv_bad_number": Case(
        {"targets.csv": "mcp,county,measure,target\nalpha,Alameda,2.1,0.5\nalpha,Fresno,2.1,half\n"},
        "data/targets.csv",
        3,
        ("target", "'half'", "not a number"),
        "csv-value",
        column="target",
    ),
    "targets_csv_unknown_mcp": Case(
        {"targets.csv": "mcp,county,measure,target\ngamma,Alameda,2.1,0.5\n"},
        "data/targets.csv",
        2,
        ("'gamma'", "no rows in plans.csv"),
        "unknown-mcp",
        column="mcp",
    ),
    # ------------------------------------------------------------------ names (src/ipp_calc/io/names.py)
    "county_typo_is_not_a_california_county_and_suggests_the_nearest": Case(
        {"plans.csv": plans_with(3, "alpha,Los Angles,800,150000.00,no,no")},
        "data/plans.csv",
        3,
        ("'Los Angles'", "not one of California's 58 counties", "did you mean 'Los Angeles'?"),
        "not-a-county",
        column="county",
    ),
    "county_in_the_wrong_case_says_how_the_state_spells_it": Case(
        {"plans.csv": plans_with(3, "alpha,fresno,800,150000.00,no,no")},
        "data/plans.csv",
        3,
        ("'fresno'", "did you mean 'Fresno'?", "differ only in case"),
        "not-a-county",
        column="county",
    ),
    "mcp_spelt_in_two_cases_names_both_lines": Case(
        # 'Alpha' on line 3 and 'alpha' on line 2 would be two plans, each with its own money.
        {"plans.csv": plans_with(3, "Alpha,Fresno,800,150000.00,no,no")},
        "data/plans.csv",
        3,
        ("MCP 'Alpha'", "'alpha' on line 2", "differ only in case", "one spelling"),
        "name-case",
        column="mcp",
    ),
    "mcp_with_a_nul_character": Case(
        {"plans.csv": plans_with(4, "be\x00ta,Alameda,2000,400000.00,yes,yes")},
        "data/plans.csv",
        4,
        ("U+0000",),
        "name-invalid",
        column="mcp",
    ),
    "mcp_with_a_zero_width_space": Case(
        {"plans.csv": plans_with(4, "beta\u200b,Alameda,2000,400000.00,yes,yes")},
        "data/plans.csv",
        4,
        ("U+200B ZERO WIDTH SPACE",),
        "name-invalid",
        column="mcp",
    ),
    "targets_mcp_with_a_lookalike_letter_says_where_it_differs": Case(
        # The first letter is CYRILLIC SMALL LETTER A (U+0430): on screen the two ids look the same.
        {"targets.csv": "mcp,county,measure,target\n\u0430lpha,Alameda,2.1,10\n"},
        "data/targets.csv",
        2,
        ("did you mean 'alpha'?", "character 1", "U+0430 CYRILLIC SMALL LETTER A", "U+0061 LATIN SMALL LETTER A"),
        "unknown-mcp",
        column="mcp",
    ),
    "targets_county_typo": Case(
        {"targets.csv": "mcp,county,measure,target\nalpha,Alamda,2.1,10\n"},
        "data/targets.csv",
        2,
        ("'Alamda'", "did you mean 'Alameda'?"),
        "not-a-county",
        column="county",
    ),
    "elections_mcp_spelt_in_another_case": Case(
        {"elections.yaml": ELECTIONS + 'ALPHA:\n  flexible: {1: "0.30"}\n  community_supports: []\n'},
        "data/elections.yaml",
        7,
        ("MCP 'ALPHA'", "'alpha' on line 1", "differ only in case"),
        "name-case",
        column="ALPHA",
    ),
    "elections_community_supports_left_without_a_value": Case(
        # What remains when someone deletes the list's items: not "not said", which would cancel the forfeit.
        {
            "elections.yaml": elections_with(
                "  community_supports: [Housing Deposits, Respite Services, Asthma Remediation]",
                "  community_supports:",
            )
        },
        "data/elections.yaml",
        6,
        ("no value", "write [] for none"),
        "yaml-type",
        column="beta.community_supports",
    ),
    "allocation_csv_leaves_out_a_plans_row": Case(
        # beta-Alameda (plans.csv line 4) is missing: it would get $0 with no word.
        {"allocation.csv": "mcp,county,amount\nalpha,Alameda,1000.00\nalpha,Fresno,0\n"},
        "data/allocation.csv",
        None,
        ("no row for MCP beta in Alameda", "plans.csv line 4", "0.00"),
        "allocation-table",
    ),
    # ------------------------------------------------------------------ files and folders
    "missing_data_folder": Case({}, "nowhere", None, ("no such data folder",), "file-not-found", data="nowhere"),
    "missing_plans_csv": Case({"plans.csv": None}, "data/plans.csv", None, ("no such file",), "file-not-found"),
    "missing_elections_yaml": Case(
        {"elections.yaml": None}, "data/elections.yaml", None, ("no such file",), "file-not-found"
    ),
}


def make_folder(root: Path, case: Case) -> None:
    data = root / "data"
    shutil.copytree(BASE, data)
    for name, content in case.files.items():
        path = data / name
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


def allocate_argv(case: Case, *extra: str) -> list[str]:
    return ["allocate", "--year", "1", "--data", case.data, *extra]


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_data_folder_gets_exit_2_and_one_line_naming_file_line_and_column(
    run_cli: RunCli, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    make_folder(tmp_path, case)
    code, out, err = run_cli(allocate_argv(case, "--format", "table", "-o", "out.txt"), cwd=tmp_path)

    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 + case.more, err  # every problem, one line each (issue 13)
    line = lines[0]
    place = case.file if case.line is None else f"{case.file}:{case.line}"
    assert line.startswith(f"error: {place}: "), line
    if case.column is not None:
        assert line.startswith(f"error: {place}: {case.column}: "), line
    for word in case.words:
        assert word.lower() in line.lower(), (word, line)
    assert line.endswith(f"[{case.code}]"), line
    assert all(x.startswith("error: ") for x in lines[1:]), err
    assert not (tmp_path / "out.txt").exists()  # nothing written, not even an empty file
    assert not list(tmp_path.glob(".out.txt.*"))  # and no temporary file left behind


@pytest.mark.parametrize("name", sorted(CASES))
def test_with_format_json_the_same_error_is_a_json_object_with_code_file_and_line(
    run_cli: RunCli, tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    make_folder(tmp_path, case)
    code, out, err = run_cli(allocate_argv(case, "--format", "json"), cwd=tmp_path)
    assert code == 2
    assert "Traceback" not in err
    error = json.loads(out)["error"]
    assert {"code", "message", "file"} <= set(error)
    assert error["code"] == case.code
    assert error["file"] == case.file
    assert error.get("line") == case.line
    assert error.get("key") == case.column
    for word in case.words:
        assert word.lower() in error["message"].lower(), (word, error)
    more = error.get("more", [])
    assert len(more) == case.more
    for word in case.more_words:
        assert any(word.lower() in m["message"].lower() for m in more), (word, more)


def test_the_base_folder_is_good(run_cli: RunCli, tmp_path: Path) -> None:
    """Every case above is the base plus one defect, so the base itself must pass."""
    make_folder(tmp_path, Case({}, "", None, (), ""))
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data", "-o", "out.txt"], cwd=tmp_path)
    assert code == 0, err
    assert out == ""  # with -o, nothing on stdout
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").strip()


def test_a_plans_csv_saved_by_excel_with_a_bom_works(run_cli: RunCli, tmp_path: Path) -> None:
    make_folder(tmp_path, Case({"plans.csv": "\ufeff" + PLANS.replace("\n", "\r\n")}, "", None, (), ""))
    assert (tmp_path / "data" / "plans.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data", "--format", "json"], cwd=tmp_path)
    assert code == 0, err
    document = json.loads(out)
    # The BOM did not glue itself to the first column name: MCP ids are read as written.
    assert [p["mcp"] for p in document["plans"]] == ["alpha", "beta"]
    base_run = run_cli(["allocate", "--year", "1", "--data", BASE, "--format", "json"])
    assert base_run.exit_code == 0
    assert json.loads(base_run.stdout)["cells"] == document["cells"]  # same numbers as without the BOM


def test_header_names_forgive_case_and_spaces_and_columns_may_come_in_any_order(
    run_cli: RunCli, tmp_path: Path
) -> None:
    reordered = (
        " HHP , WPC ,Revenue,Member_Months,County,MCP\n"
        "no,yes,250000.00,1200,Alameda,alpha\n"
        "no,no,150000.00,800,Fresno,alpha\n"
        "yes,yes,400000.00,2000,Alameda,beta\n"
    )
    make_folder(tmp_path, Case({"plans.csv": reordered}, "", None, (), ""))
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data", "--format", "csv"], cwd=tmp_path)
    assert code == 0, err
    base_run = run_cli(["allocate", "--year", "1", "--data", BASE, "--format", "csv"])
    assert out == base_run.stdout


def test_several_problems_are_each_one_line_in_file_order(run_cli: RunCli, tmp_path: Path) -> None:
    # Two bad cells (lines 2 and 4): both shown, one line each, in file order (issue 13).
    bad = (
        "mcp,county,member_months,revenue,wpc,hhp\n"
        "alpha,Alameda,1200,-1.00,yes,no\n"
        "alpha,Fresno,800,150000.00,no,no\n"
        "beta,Alameda,2000,400000.00,maybe,yes\n"
    )
    make_folder(tmp_path, Case({"plans.csv": bad}, "", None, (), ""))
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data"], cwd=tmp_path)
    assert code == 2 and out == ""
    first, second = err.splitlines()
    assert first.startswith("error: data/plans.csv:2: revenue: ") and first.endswith("]")
    assert second.startswith("error: data/plans.csv:4: ") and second.endswith("]")


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("non-breaking space in a county", {"plans.csv": plans_with(3, "alpha,Fresno\u00a0,800,150000.00,no,no")}),
        ("spaces around an MCP id", {"plans.csv": plans_with(4, "  beta ,Alameda,2000,400000.00,yes,yes")}),
        ("non-breaking space in an elections key", {"elections.yaml": elections_with("beta:", '"beta\u00a0":')}),
        (
            "non-breaking space inside a Community Support",
            {"elections.yaml": elections_with("Housing Deposits", "Housing\u00a0 Deposits")},
        ),
    ],
)
def test_whitespace_in_names_is_collapsed_at_load_so_the_result_is_the_base_folders(
    run_cli: RunCli, tmp_path: Path, name: str, files: dict[str, str | bytes | None]
) -> None:
    make_folder(tmp_path, Case(files, "", None, (), ""))
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data", "--format", "json"], cwd=tmp_path)
    assert code == 0, err
    base_run = run_cli(["allocate", "--year", "1", "--data", BASE, "--format", "json"])
    mine, base = json.loads(out), json.loads(base_run.stdout)
    assert (mine["cells"], mine["plans"]) == (base["cells"], base["plans"])


def test_a_county_spelt_in_two_cases_for_one_plan_is_refused_not_counted_twice(run_cli: RunCli, tmp_path: Path) -> None:
    two = PLANS + "alpha,contra costa,1,1.00,no,no\nalpha,Contra Costa,1,1.00,no,no\n"
    make_folder(tmp_path, Case({"plans.csv": two}, "", None, (), ""))
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data"], cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.startswith("error: data/plans.csv:5: county: county 'contra costa'"), err
    assert "did you mean 'Contra Costa'? (they differ only in case)" in err


def test_debug_shows_the_traceback_that_is_otherwise_hidden(run_cli: RunCli, tmp_path: Path) -> None:

    make_folder(tmp_path, CASES["wpc_maybe"])
    code, _, err = run_cli(["allocate", "--year", "1", "--data", "data", "--debug"], cwd=tmp_path)
    assert code == 2  # the exit code does not change under --debug
    assert "Traceback (most recent call last)" in err and "InputError" in err
