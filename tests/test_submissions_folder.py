"""Every entry of ``submissions/`` is read, noted as junk, or refused: none is skipped in silence.

Why: a workbook that is not read scores its plan "nothing reported", which pays $0 and loses the
pool while the run exits 0. These tests go through the real CLI (``ipp pool``, which reads every
workbook of the year) on a small data folder: alpha (Alameda, Fresno) and beta (Alameda), with
alpha's submission-2 workbook filed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import RunCli
from workbooks import filled_workbook

DATA_BASE = Path(__file__).parent / "fixtures" / "data_bad" / "base"  # alpha: Alameda, Fresno; beta: Alameda


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """alpha's filled submission-2 workbook, made once for the module."""
    return filled_workbook(tmp_path_factory.mktemp("filed"))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA_BASE, folder)
    (folder / "submissions").mkdir()
    return folder


def pool(run_cli: RunCli, data: Path) -> tuple[int, dict | None, str]:
    """``ipp pool`` as JSON (the result, and the notes on stderr); when refused (exit 2), the
    error lines as a table run prints them, with nothing on stdout."""
    argv = ["pool", "--year", "1", "--data", data, "--jobs", "1"]
    code, out, err = run_cli([*argv, "--format", "json"], cwd=data.parent)
    if code in (0, 1):
        return code, json.loads(out), err
    again, out, err = run_cli(argv, cwd=data.parent)
    assert again == code and out == ""
    return code, None, err


def alpha_filed(result: dict) -> bool:
    """Whether alpha's submission 2 was read: a plan with no workbook has the reason 'no workbook filed'."""
    alpha = next(p for p in result["plans"] if p["mcp"] == "alpha")
    return not any("submission 2" in r and "no workbook filed" in r for r in alpha["reasons"])


@pytest.mark.parametrize("name", ["alpha.xlsm", "alpha.xltx", "ALPHA.XLSX"])
def test_a_macro_enabled_workbook_or_a_template_is_read_like_an_xlsx(
    run_cli: RunCli, data: Path, filed: Path, name: str
) -> None:
    """.xlsm and .xltx are the same container as .xlsx (ipp score reads them too), so a run reads them."""
    shutil.copy(filed, data / "submissions" / name)
    code, result, err = pool(run_cli, data)
    assert code == 0, err
    assert result is not None and alpha_filed(result)


def test_a_workbook_in_a_subfolder_is_read(run_cli: RunCli, data: Path, filed: Path) -> None:
    """Analysts sort workbooks into folders per submission; the Cover says what each one answers."""
    (data / "submissions" / "submission-2").mkdir()
    shutil.copy(filed, data / "submissions" / "submission-2" / "alpha.xlsx")
    code, result, err = pool(run_cli, data)
    assert code == 0, err
    assert result is not None and alpha_filed(result)


def test_an_old_copy_in_an_archive_subfolder_is_a_duplicate_naming_both_files(
    run_cli: RunCli, data: Path, filed: Path
) -> None:
    (data / "submissions" / "archive").mkdir()
    shutil.copy(filed, data / "submissions" / "alpha.xlsx")
    shutil.copy(filed, data / "submissions" / "archive" / "alpha-old.xlsx")
    code, result, err = pool(run_cli, data)
    assert code == 2 and result is None
    assert "archive/alpha-old.xlsx" in err and "submissions/alpha.xlsx" in err


@pytest.mark.parametrize(
    "name",
    ["~$alpha.xlsx", ".~lock.alpha.xlsx#", ".DS_Store", "Thumbs.db", "desktop.ini", "._alpha.xlsx", ".gitkeep"],
)
def test_known_junk_is_ignored_with_a_note_naming_it(run_cli: RunCli, data: Path, filed: Path, name: str) -> None:
    shutil.copy(filed, data / "submissions" / "alpha.xlsx")
    (data / "submissions" / name).write_bytes(b"\x00junk")
    code, result, err = pool(run_cli, data)
    assert code == 0, err
    assert result is not None and alpha_filed(result)
    assert f"data/submissions/{name}: ignored: " in err


@pytest.mark.parametrize(
    ("name", "says"),
    [
        (
            "alpha.xls",
            "is an old-style Excel workbook (.xls), which ipp does not read; open it and save it as an "
            "Excel Workbook (.xlsx)",
        ),
        (
            "alpha.ods",
            "is an OpenDocument spreadsheet (.ods), which ipp does not read; open it and save it as an "
            "Excel Workbook (.xlsx)",
        ),
        ("alpha.csv", "is a CSV file: only .xlsx (.xlsm, .xltx) workbooks belong in submissions/; move it out"),
        ("notes.txt", "is not a workbook: only .xlsx (.xlsm, .xltx) workbooks belong in submissions/; move it out"),
        ("alpha", "is not a workbook: only .xlsx"),
    ],
)
def test_any_other_file_is_refused_saying_what_to_do(run_cli: RunCli, data: Path, name: str, says: str) -> None:
    """Before: ``.xls``/``.ods`` were skipped with a note and exit 0, and the plan earned nothing."""
    (data / "submissions" / name).write_bytes(b"not read")
    code, result, err = pool(run_cli, data)
    assert code == 2 and result is None
    assert err.startswith(f"error: data/submissions/{name}: {says}"), err


def test_every_refused_entry_is_listed_at_once(run_cli: RunCli, data: Path) -> None:
    for name in ("a.xls", "b.ods", "c.pdf"):
        (data / "submissions" / name).write_bytes(b"x")
    code, out, _ = run_cli(["pool", "--year", "1", "--data", data, "--format", "json"], cwd=data.parent)
    assert code == 2
    error = json.loads(out)["error"]
    problems = [error, *error["more"]]
    assert [(p["code"], p["file"]) for p in problems] == [
        ("not-xlsx", "data/submissions/a.xls"),
        ("not-xlsx", "data/submissions/b.ods"),
        ("not-xlsx", "data/submissions/c.pdf"),
    ]


def test_a_data_folder_without_submissions_is_refused(run_cli: RunCli, data: Path) -> None:
    """Before: it ran, paid nothing and exited 0."""
    (data / "submissions").rmdir()
    code, result, err = pool(run_cli, data)
    assert code == 2 and result is None
    assert err.startswith("error: data/submissions: the data folder has no submissions/ folder"), err


def test_an_empty_submissions_folder_says_nothing_was_filed(run_cli: RunCli, data: Path) -> None:
    code, result, err = pool(run_cli, data)
    assert code == 0, err
    assert result is not None and not alpha_filed(result)
    assert "MCP alpha has no workbook for submission 2" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_not_read(run_cli: RunCli, data: Path) -> None:
    """Reading a FIFO named alpha.xlsx would hang the run forever."""
    os.mkfifo(data / "submissions" / "alpha.xlsx")
    code, _, err = pool(run_cli, data)
    assert code == 2
    assert err.startswith("error: data/submissions/alpha.xlsx: is not a regular file"), err


def test_a_link_to_a_folder_is_not_followed(run_cli: RunCli, data: Path) -> None:
    """A link loop (submissions/loop -> submissions) must not hang the run."""
    (data / "submissions" / "loop").symlink_to(data / "submissions", target_is_directory=True)
    code, _, err = pool(run_cli, data)
    assert code == 2
    assert err.startswith("error: data/submissions/loop: is a link to a folder, which is not followed"), err


def test_a_junk_entry_is_a_note_with_the_ignored_file_code_and_never_a_workbook(tmp_path: Path) -> None:
    """The lock file Excel leaves beside an open workbook is not read, and the note says so with
    its catalog code (``ignored-file``, severity note: it does not change the exit code)."""
    from ipp_calc.io.submissions import workbook_paths

    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alpha.xlsx").write_bytes(b"PK")
    (folder / "~$alpha.xlsx").write_bytes(b"\x00junk")
    paths, notes = workbook_paths(folder)
    assert [p.name for p in paths] == ["alpha.xlsx"]
    assert [(n.code, n.severity) for n in notes] == [("ignored-file", "note")]
