"""Outputs that never hurt, through the real CLI: what ``-o`` writes to (devices, FIFOs, symlinks,
``-``, a data folder's ``submissions/``), ``ipp template`` never over a filled workbook, any
terminal encoding, user text that is never rich markup, and tables that fit the terminal.

Why: the computation can be right and the output still do harm. As root (CI, containers) a
rename over ``/dev/null`` replaced the machine's device with a file; a cp1252 redirect turned a
finished run into exit 70; a measure named ``[/under 21]`` crashed ``ipp diff``; at 80 columns
money split across lines.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import RunCli, copy_measures

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "py1"
BIG_PLAN = "bristlecone-ridge-care"  # the example's largest plan (Los Angeles and more)
ONE_COUNTY_PLAN = "heron-creek-care"


def money(amount: str | Decimal) -> str:
    """How a table shows an amount: ``1234567.5`` → ``1,234,567.50``."""
    return f"{Decimal(amount):,.2f}"


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example year, so that nothing a failing test writes can land in the repo."""
    root = tmp_path_factory.mktemp("outputs") / "py1"
    shutil.copytree(EXAMPLE, root)
    return root


def _ipp(*argv: str | os.PathLike[str]) -> None:
    """Run ``ipp`` in-process for a fixture; it must succeed."""
    from ipp_calc.cli import main

    with pytest.raises(SystemExit) as exited:
        main([os.fspath(a) for a in argv])
    assert exited.value.code in (0, None), argv


@pytest.fixture(scope="module")
def small_year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """RULES.md's worked example (three plans.csv rows, $1,000.00) with blank templates for both
    plans' two submissions: ``(measures, data)``, quick to run in a subprocess."""
    from conftest import WORKED_ELECTIONS_YAML, WORKED_PLANS_CSV

    root = tmp_path_factory.mktemp("small")
    data = root / "data"
    (data / "submissions").mkdir(parents=True)
    (data / "plans.csv").write_text(WORKED_PLANS_CSV, encoding="utf-8")
    (data / "elections.yaml").write_text(WORKED_ELECTIONS_YAML, encoding="utf-8")
    measures = copy_measures(root / "measures", funding="1000.00")
    for mcp in ("A", "B"):
        for submission in ("1", "2"):
            out = root / f"{mcp}-{submission}.xlsx"
            _ipp(
                "template",
                "--year",
                "1",
                "-s",
                submission,
                "--mcp",
                mcp,
                "--measures",
                measures,
                "--data",
                data,
                "-o",
                out,
            )
            out.rename(data / "submissions" / out.name)
    return measures, data


# --------------------------------------------------------------------------- what -o writes to


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")
def test_o_to_a_device_node_writes_in_place_and_the_node_stays_a_device(
    small_year: tuple[Path, Path], tmp_path: Path, run_cli: RunCli
) -> None:
    """A private ``/dev/null`` (character device 1,3): every command writing to it, directly or
    through a symlink named like a workbook, leaves it a device, never a regular file."""
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    link = tmp_path / "report.xlsx"
    link.symlink_to(null)
    measures, data = small_year
    common = ["--measures", measures, "--data", data]
    runs = [
        ["run", "--year", "1", *common, "-o", null],
        ["run", "--year", "1", *common, "-o", link],  # the report workbook, into the device
        ["allocate", "--year", "1", *common, "-f", "json", "-o", null],
        ["template", "--year", "1", "-s", "1", *common, "--mcp", "A", "-o", null],
    ]
    for argv in runs:
        code, _, err = run_cli(argv)
        assert code == 0, (argv, err)
        assert stat.S_ISCHR(os.lstat(null).st_mode), f"{argv} replaced the device node"
        assert os.lstat(null).st_rdev == os.makedev(1, 3)
    assert link.is_symlink() and os.readlink(link) == str(null)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "report.xlsx"]  # no temporary left


def test_o_to_a_fifo_writes_in_place(worked_example, run_cli: RunCli) -> None:  # type: ignore[no-untyped-def]
    """A named pipe gets the bytes (a reader sees the same CSV as stdout) and stays a pipe."""
    fifo = worked_example.root / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    code, _, err = run_cli(worked_example.argv("-f", "csv", "-o", fifo))
    thread.join(timeout=30)
    assert code == 0, err
    _, expected, _ = run_cli(worked_example.argv("-f", "csv"))
    assert received == [expected.encode("utf-8")]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_o_through_a_symlink_replaces_its_target_and_the_link_stays(worked_example, run_cli: RunCli) -> None:  # type: ignore[no-untyped-def]
    root = worked_example.root
    real = root / "real.csv"
    real.write_text("last week\n", encoding="utf-8")
    link = root / "latest.csv"
    link.symlink_to(real)
    code, _, err = run_cli(worked_example.argv("-f", "csv", "-o", link))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("mcp,county,payment,priority_area,amount")
    dangling = root / "new.csv"
    dangling.symlink_to(root / "made-by-ipp.csv")
    assert run_cli(worked_example.argv("-f", "csv", "-o", dangling)).exit_code == 0
    assert dangling.is_symlink() and (root / "made-by-ipp.csv").is_file()


def test_o_to_a_socket_is_refused_and_left_alone(worked_example, run_cli: RunCli) -> None:  # type: ignore[no-untyped-def]
    path = worked_example.root / "s"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        code, out, err = run_cli(worked_example.argv("-o", path))
    finally:
        server.close()
    assert code == 2 and out == ""
    assert err.rstrip().endswith("[output-unwritable]") and "not a regular file, a device or a FIFO" in err
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_o_dash_is_standard_output_never_a_file_named_dash(worked_example, run_cli: RunCli) -> None:  # type: ignore[no-untyped-def]
    _, table, _ = run_cli(worked_example.argv())
    for extra in ((), ("-f", "json"), ("-f", "csv")):
        code, out, err = run_cli(worked_example.argv(*extra, "-o", "-"), cwd=worked_example.root)
        assert code == 0, err
        # the reference run in the same folder, so notes name files the same way
        assert out == run_cli(worked_example.argv(*extra), cwd=worked_example.root).stdout
    assert "Maximum allocation" in table
    assert not (worked_example.root / "-").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["allocate", "--year", "1", "--data", "{year}", "-o", "{year}/submissions/alloc.txt"],
        ["run", "--year", "1", "--data", "{year}", "-o", "{year}/submissions/report.xlsx"],
        [
            "template",
            "--year",
            "1",
            "-s",
            "1",
            "--data",
            "{year}",
            "--mcp",
            ONE_COUNTY_PLAN,
            "-o",
            "{year}/submissions/t.xlsx",
        ],
        # without --data too: a submissions/ beside a plans.csv is a data folder's
        ["check", "-o", "{year}/submissions/check.txt"],
    ],
    ids=["allocate", "run", "template", "check"],
)
def test_o_into_the_data_folders_submissions_is_refused(argv: list[str], year: Path, run_cli: RunCli) -> None:
    """Written there, the output would be read (or refused) by every later run of the year."""
    before = sorted(p.name for p in (year / "submissions").iterdir())
    code, out, err = run_cli([a.format(year=year) for a in argv])
    assert code == 2 and out == ""
    assert err.rstrip().endswith("[output-in-submissions]"), err
    assert sorted(p.name for p in (year / "submissions").iterdir()) == before


def test_template_refuses_an_existing_file_unless_forced(year: Path, tmp_path: Path, run_cli: RunCli) -> None:
    filled = tmp_path / "t.xlsx"
    filled.write_bytes(b"a filled workbook, perhaps")
    argv = ["template", "--year", "1", "-s", "1", "--data", year, "--mcp", ONE_COUNTY_PLAN, "-o", filled]
    code, out, err = run_cli(argv)
    assert code == 2 and out == ""
    assert err.rstrip().endswith("[output-exists]") and "--force" in err
    assert filled.read_bytes() == b"a filled workbook, perhaps"
    code, _, err = run_cli([*argv, "--force"])
    assert code == 0, err
    assert filled.read_bytes()[:2] == b"PK"  # a workbook now


# --------------------------------------------------------------------------- any encoding


def _diff_copy(root: Path) -> Path:
    """measures/py1 with two factor weights moved (every plan's dollars move by millions) and a
    measure renamed with rich-markup-looking text."""
    copy = root / "edited"
    if copy.exists():
        return copy
    shutil.copytree(REPO / "measures" / "py1", copy)
    program = copy / "program.yaml"
    text = program.read_text(encoding="utf-8")
    text = text.replace('{name: member_months, weight: "0.5"}', '{name: member_months, weight: "0.4"}')
    text = text.replace('{name: revenue, weight: "0.3"}', '{name: revenue, weight: "0.4"}')
    program.write_text(text, encoding="utf-8")
    sub = copy / "submission-2.yaml"
    text = sub.read_text(encoding="utf-8")
    old = "name: Data analytics in place to identify ECM Populations of Focus"
    assert old in text
    sub.write_text(text.replace(old, 'name: "Members [/under 21] and [bold]over[/bold] [see note]"'), encoding="utf-8")
    return copy


def _commands(year: Path, root: Path) -> dict[str, list[str]]:
    return {
        "allocate": ["allocate", "--year", "1", "--data", str(year)],
        "score": ["score", str(year / "submissions" / f"{BIG_PLAN}-submission-2.xlsx"), "--data", str(year)],
        "pool": ["pool", "--year", "1", "--data", str(year)],
        "run": ["run", "--year", "1", "--data", str(year)],
        "explain": ["explain", "--year", "1", "--data", str(year), "--mcp", ONE_COUNTY_PLAN],
        "diff": [
            *("diff", str(REPO / "measures" / "py1"), str(_diff_copy(root))),
            *("--data", str(year), "--fail-on", "never"),
        ],
    }


def _small_commands(measures: Path, data: Path, root: Path) -> dict[str, list[str]]:
    common = ["--measures", str(measures), "--data", str(data)]
    return {
        "allocate": ["allocate", "--year", "1", *common],
        "score": ["score", str(data / "submissions" / "A-2.xlsx"), *common],
        "pool": ["pool", "--year", "1", *common],
        "run": ["run", "--year", "1", *common],
        "explain": ["explain", "--year", "1", "--mcp", "A", *common],
        "diff": [
            *("diff", str(measures / "py1"), str(_diff_copy(root))),
            *("--data", str(data), "--fail-on", "never"),
        ],
    }


@pytest.mark.parametrize(
    ("environment", "encoding"),
    [
        ({"PYTHONIOENCODING": "cp1252"}, "cp1252"),
        ({"PYTHONIOENCODING": "latin-1"}, "latin-1"),
        ({"PYTHONIOENCODING": "ascii"}, "ascii"),
        ({"LANG": "C", "LC_ALL": "C"}, None),
    ],
    ids=["cp1252", "latin-1", "ascii", "LANG=C"],
)
def test_every_command_prints_on_any_encoding(
    environment: dict[str, str],
    encoding: str | None,
    small_year: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """What a stream cannot encode degrades to ASCII (``→`` to ``->``, ``Σ`` to ``sum``, box
    drawing to ``-``); never ``UnicodeEncodeError`` and exit 70."""
    root = tmp_path_factory.getbasetemp() / "encodings"
    root.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG", "LC_ALL", "IPP_DEBUG")}
    env.update(environment)
    env.pop("COLUMNS", None)
    commands = _small_commands(*small_year, root)
    if encoding not in ("cp1252", "ascii"):  # the others on the two outputs with the most symbols
        commands = {name: commands[name] for name in ("run", "diff")}
    for name, argv in commands.items():
        done = subprocess.run(
            [sys.executable, "-m", "ipp_calc", *argv], capture_output=True, env=env, timeout=120, check=False
        )
        assert done.returncode in (0, 1), (name, done.stderr.decode("utf-8", "replace"))
        out = done.stdout.decode(encoding or "utf-8")  # strict: every byte is in the stream's encoding
        done.stderr.decode(encoding or "utf-8")
        assert "internal error" not in done.stderr.decode(encoding or "utf-8")
        if encoding == "ascii":
            assert "─" not in out and "→" not in out
            if name == "diff":
                assert "->" in out and "sum differences" in out  # the header's → and Σ
            if name == "allocate":
                assert "------" in out  # the header rule, drawn in ASCII
        if name in ("allocate", "run"):
            assert money("1000") in out  # the funding, whole


# --------------------------------------------------------------------------- user text is not markup

MARKUP_MCPS = ("[/x]", "[bold]b", "c[1]")


def test_names_that_look_like_markup_print_as_they_are_in_every_table(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MCP ids ``[/x]``, ``[bold]b``, ``c[1]`` through allocate, pool, run, explain and score;
    a measure named ``[/under 21]`` through check and diff, and a factor path
    ``allocation.factors[member_months].weight`` through diff."""
    data = tmp_path / "data"
    (data / "submissions").mkdir(parents=True)
    (data / "plans.csv").write_text(
        "mcp,county,member_months,revenue,wpc,hhp\n"
        '"[/x]",Alameda,300,200,yes,no\n'
        '"[bold]b",Fresno,100,100,no,no\n'
        '"c[1]",Alameda,600,700,yes,yes\n',
        encoding="utf-8",
    )
    supports = "[Housing Deposits, Respite Services, Asthma Remediation]"
    (data / "elections.yaml").write_text(
        "".join(f"'{m}':\n  flexible: {{1: \"0.30\"}}\n  community_supports: {supports}\n" for m in MARKUP_MCPS),
        encoding="utf-8",
    )
    measures = copy_measures(tmp_path / "measures", funding="1000.00")
    common = ["--measures", measures, "--data", data]
    for mcp in MARKUP_MCPS[:2]:
        county = "Alameda" if mcp == "[/x]" else "Fresno"
        code, _, err = run_cli(
            ["template", "--year", "1", "-s", "1", "--mcp", mcp, *common, "-o", data / "t.xlsx", "--force"]
        )
        assert code == 0, err
        shutil.move(data / "t.xlsx", data / "submissions" / f"{'x' if county == 'Alameda' else 'b'}-1.xlsx")
    outputs = {
        "allocate": run_cli(["allocate", "--year", "1", *common]),
        "pool": run_cli(["pool", "--year", "1", *common]),
        "run": run_cli(["run", "--year", "1", *common]),
        "explain": run_cli(["explain", "--year", "1", "--mcp", "[/x]", *common]),
        "score": run_cli(["score", data / "submissions" / "b-1.xlsx", *common]),
    }
    for name, (code, out, err) in outputs.items():
        assert code in (0, 1), (name, err)
        shown = (
            MARKUP_MCPS if name in ("allocate", "pool", "run") else (("[/x]",) if name == "explain" else ("[bold]b",))
        )
        for mcp in shown:
            assert mcp in out, (name, mcp, out)
    edited = _diff_copy(tmp_path)
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping: each cell on one line
    code, _, err = run_cli(["check", edited])
    assert code == 0, err
    code, out, err = run_cli(["diff", REPO / "measures" / "py1", edited, "--fail-on", "never"])
    assert code == 0, err
    flat = out
    assert "Members [/under 21] and [bold]over[/bold] [see note]" in flat
    assert "allocation.factors[member_months].weight" in flat


# --------------------------------------------------------------------------- tables fit the terminal


def _money_in(document: object) -> set[str]:
    """Every money string (two decimals) in a JSON document."""
    found: set[str] = set()
    if isinstance(document, dict):
        for value in document.values():
            found |= _money_in(value)
    elif isinstance(document, list):
        for value in document:
            found |= _money_in(value)
    elif isinstance(document, str) and re.fullmatch(r"-?\d+\.\d\d", document):
        found.add(document)
    return found


def _check_fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}"
        assert line == line.rstrip(), f"trailing spaces: {line!r}"


@pytest.mark.parametrize("width", [80, 200])
def test_every_table_fits_the_terminal_and_shows_money_whole(
    width: int, year: Path, tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 (not a terminal, no COLUMNS) and at COLUMNS=200: no line wider, none padded, and the
    amounts a table shows (from the JSON of the same run) each appear whole on one line."""
    monkeypatch.delenv("COLUMNS", raising=False)
    if width != 80:
        monkeypatch.setenv("COLUMNS", str(width))
    commands = _commands(year, tmp_path)
    # The amounts each table shows: per plan, per measure, per pool row, the totals.
    shown = {
        "allocate": lambda d: {p["max_allocation"] for p in d["plans"]} | {p["forfeited"] for p in d["plans"]},
        "score": lambda d: {m["worth"] for m in d["measures"] if m["worth"]} | set(d["totals"].values()),
        "pool": lambda d: {p["award"] for p in d["plans"]} | {d["pool"], d["awarded"]} | _money_in(d["sources"]),
        "run": lambda d: (
            {s["total"] for s in d["summary"]}
            | {s["max_allocation"] for s in d["summary"]}
            | _money_in(d["reconciliation"])
        ),
        "diff": lambda d: {p["difference"] for p in d["impact"]},
        "explain": lambda d: set(),
    }
    if width != 80:  # wide: the diff dollar table once cut money short there ("-12,260,196.…")
        commands = {"diff": commands["diff"]}
    for name, argv in commands.items():
        code, table, err = run_cli(argv)
        assert code in (0, 1), (name, err)
        _check_fits(table, width)
        format_json = ["-f", "json"]
        code, out, _ = run_cli([*argv, *format_json])
        document = json.loads(out)
        for amount in shown[name](document):
            if isinstance(amount, str) and re.fullmatch(r"-?\d+\.\d\d", amount):
                shown_as = money(amount)
                if name == "diff" and not amount.startswith("-") and Decimal(amount) > 0:
                    shown_as = "+" + shown_as
                assert any(shown_as in line for line in table.splitlines()), (name, shown_as)


# --------------------------------------------------------------------------- CLI conventions


def test_ipp_alone_prints_the_help_and_exits_0_and_h_is_help(run_cli: RunCli) -> None:
    code, out, err = run_cli([])
    assert code == 0 and err == ""
    assert out.startswith("Usage: ipp") and "Commands:" in out and "-h, --help" in out
    assert "Exit codes: 0 done, 1 findings, 2 bad input or usage, 70 a bug" in out
    assert "--debug" in out and "IPP_DEBUG=1" in out
    code, out, _ = run_cli(["run", "-h"])
    assert code == 0 and out.startswith("Usage: ipp run")


def test_a_usage_error_ends_with_where_to_find_help_and_format_xlsx_is_answered_in_our_words(
    run_cli: RunCli,
) -> None:
    code, out, err = run_cli(["run", "--year"])
    assert code == 2 and out == ""
    assert err.rstrip().splitlines()[-1] == "Try 'ipp run --help' for help."
    code, _, err = run_cli(["allocate", "--year", "1", "--format", "xlsx"])
    assert code == 2
    assert (
        "error: --format xlsx: ipp allocate writes table, json, csv; a workbook is chosen by the -o file's suffix"
        in err
    )
    assert "Value error" not in err


def test_shell_completion_is_available(run_cli: RunCli) -> None:
    code, out, _ = run_cli(["--help"])
    assert code == 0 and "--install-completion" in out and "--show-completion" in out


# --------------------------------------------------------------------------- -o chooses the format


def _small(small_year: tuple[Path, Path]) -> list[str | os.PathLike[str]]:
    measures, data = small_year
    return ["--measures", measures, "--data", data]


def test_o_chooses_the_format_by_its_suffix(small_year: tuple[Path, Path], tmp_path: Path, run_cli: RunCli) -> None:
    """``allocate -o`` of RULES.md's worked example: A-Alameda, Payment 1, area 1 is $27.67 (its
    $138.33 split 20/20/60 by largest remainder: 2,766.6 → 2,767 cents). .csv is the CSV, .json the
    JSON, any other suffix the table as text (whose per-plan row shows A's area 1 as $71.34:
    Alameda 27.67 × 2 payments + Fresno 4,000 cents × 20 % = $8.00 × 2 payments); nothing goes to
    stdout."""
    common = ["allocate", "--year", "1", *_small(small_year)]
    code, out, _ = run_cli([*common, "-o", tmp_path / "a.csv"])
    assert code == 0 and out == ""
    lines = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "mcp,county,payment,priority_area,amount,forfeited"
    assert "A,Alameda,1,1,27.67,no" in lines
    code, _, _ = run_cli([*common, "-o", tmp_path / "a.json"])
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert code == 0 and document["status"] == "illustrative"
    code, _, _ = run_cli([*common, "-o", tmp_path / "a.txt"])
    text = (tmp_path / "a.txt").read_text(encoding="utf-8")
    assert code == 0 and "71.34" in text and not text.lstrip().startswith(("{", "mcp,"))
    code, _, _ = run_cli([*common, "-o", tmp_path / "a.md"])  # text for a person: the table
    assert code == 0 and "71.34" in (tmp_path / "a.md").read_text(encoding="utf-8")
    code, _, _ = run_cli([*common, "-o", tmp_path / "a-report", "-f", "csv"])  # no suffix: --format decides
    assert code == 0 and (tmp_path / "a-report").read_text(encoding="utf-8").startswith("mcp,county")


@pytest.mark.parametrize(
    ("argv", "name", "says"),
    [
        (["allocate", "--year", "1", "-f", "table"], "a.csv", "is written as csv, but --format says table"),
        (["check", "--year", "1"], "c.xlsx", "this command writes no workbook"),
        (["pool", "--year", "1"], "p.xlsx", "this command writes no workbook"),
        (["explain", "--year", "1", "--mcp", "A"], "e.csv", "this command writes no csv"),
        (["score-blank", "-f", "csv"], "s.xlsx", "leave out --format csv"),
    ],
)
def test_a_suffix_the_command_cannot_write_or_a_format_that_contradicts_it_is_a_usage_error(
    argv: list[str], name: str, says: str, small_year: tuple[Path, Path], tmp_path: Path, run_cli: RunCli
) -> None:
    measures, data = small_year
    if argv[0] == "score-blank":
        argv = ["score", data / "submissions" / "A-1.xlsx", *argv[1:]]
    target = tmp_path / name
    code, out, err = run_cli([*argv, "--measures", measures, "--data", data, "-o", target])
    assert code == 2 and out == "", err
    assert says in err and "[usage]" in err
    assert err.rstrip().splitlines()[-1].startswith(f"Try 'ipp {argv[0] if argv[0] != 'score-blank' else 'score'}")
    assert not target.exists()


def test_allocate_o_xlsx_is_a_workbook_with_money_as_numbers_a_frozen_header_and_filters(
    small_year: tuple[Path, Path], tmp_path: Path, run_cli: RunCli
) -> None:
    """The worked example's $1,000.00 in 12 cells (2 plan-counties of A + 1 of B, × 2 payments ×
    4 areas, area 4 $0 for A and B, as their elections leave nothing there). The Notes sheet says
    ILLUSTRATIVE, as every report made with a shipped set must."""
    import openpyxl

    target = tmp_path / "alloc.xlsx"
    code, out, err = run_cli(["allocate", "--year", "1", *_small(small_year), "-o", target])
    assert code == 0, err
    assert out.startswith(f"wrote {target}: ") and "Allocation" in out
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Allocation", "Notes"]
    sheet = book["Allocation"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref is not None
    rows = [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert ("A", "Alameda", 1, 1, 27.67, "no") in rows
    assert sheet.cell(2, 5).number_format == '"$"#,##0.00'
    assert sum(Decimal(str(r[4])) for r in rows) == Decimal("1000.00")  # every dollar of the year
    notes = [r[0] for r in book["Notes"].iter_rows(min_row=2, values_only=True)]
    assert any(str(n).startswith("ILLUSTRATIVE") for n in notes)


def test_score_o_xlsx_puts_the_missing_mandatory_answers_first_then_areas_and_measures(
    small_year: tuple[Path, Path], tmp_path: Path, run_cli: RunCli
) -> None:
    """A blank template scores 0 points everywhere: every area's fraction is 0 and all of its
    allocated dollars are unearned; every mandatory measure is listed as missing."""
    import openpyxl

    measures, data = small_year
    target = tmp_path / "score.xlsx"
    argv = ["score", data / "submissions" / "A-1.xlsx", "--measures", measures, "--data", data, "-o", target]
    code, out, err = run_cli(argv)
    assert code == 0, err  # a blank answer is not a finding (FORMATS.md): it is what the Missing sheet lists
    assert out.startswith(f"wrote {target}: ")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Missing", "Areas", "Scores", "Notes"]
    missing = [r for r in book["Missing"].iter_rows(min_row=2, values_only=True)]
    _, json_out, _ = run_cli([*argv[:-2], "-f", "json"])
    document = json.loads(json_out)
    assert len(missing) == len(document["mandatory_missing"]) > 0
    areas = list(book["Areas"].iter_rows(min_row=1, values_only=True))
    assert areas[0][:5] == ("County", "Priority area", "Points earned", "Points available", "Fraction")
    assert areas[0][5:] == ("Payment", "Allocated", "Earned", "Unearned", "Forfeited")
    for row in areas[1:]:
        assert row[2] == 0 and row[4] == 0 and row[7] == 0  # nothing earned
        assert Decimal(str(row[6])) == Decimal(str(row[8])) + Decimal(str(row[9]))  # allocated = unearned + forfeited
    assert len(list(book["Scores"].iter_rows(min_row=2))) == len(document["measures"])


# --------------------------------------------------------------------------- help that reads as words


def _help_commands() -> list[str]:
    from ipp_calc.cli import EXAMPLES

    return sorted(EXAMPLES)


@pytest.mark.parametrize("command", _help_commands())
def test_each_commands_help_has_word_metavars_and_examples(command: str, run_cli: RunCli) -> None:
    """No Python type names (``<int range>``, ``<path>``, ``<str>``, ``x>=1``) in any help; an
    Examples paragraph kept as written (one example per line, never rewrapped)."""
    from ipp_calc.cli import EXAMPLES

    code, out, _ = run_cli([command, "--help"])
    assert code == 0
    for python_word in ("<int", "<path>", "<str>", "<list", "x>=1", "range>"):
        assert python_word not in out, (command, python_word)
    assert "Examples:" in out
    for example in EXAMPLES[command]:
        assert f"  {example}\n" in out


def test_check_says_in_its_usage_that_it_takes_several_paths(run_cli: RunCli) -> None:
    """``ipp check measures/py1 measures/py2`` is allowed: the usage line says so with ``...``
    (typer 0.28 no longer adds the dots to a variadic argument, so the metavar carries them)."""
    code, out, _ = run_cli(["check", "--help"])
    assert code == 0
    assert "Usage: ipp check [OPTIONS] [PATH...]" in out


def test_the_help_examples_run_as_written(tmp_path: Path, run_cli: RunCli) -> None:
    """Every example that needs only the shipped examples/ and measures/ runs, in order, in a copy
    of them (so ``template … -o t.xlsx`` makes the ``t.xlsx`` that ``score t.xlsx`` scores), exiting
    0 or 1 (findings). Examples about files a user has (``ours.csv``, a git revision) are skipped."""
    import shlex

    from ipp_calc.cli import EXAMPLES

    shutil.copytree(REPO / "examples", tmp_path / "examples")
    shutil.copytree(REPO / "measures", tmp_path / "measures")
    shutil.copytree(REPO / "measures", tmp_path / "old-measures")
    needs_more = ("ours.csv", "--base", "my-measures/")
    order = ["check", "allocate", "template", "score", "pool", "run", "explain", "review", "elections"]
    order += ["program", "diff", "schema"]
    assert sorted(order) == sorted(EXAMPLES)
    ran = 0
    for command in order:
        for example in EXAMPLES[command]:
            if any(word in example for word in needs_more):
                continue
            code, _, err = run_cli(shlex.split(example)[1:], cwd=tmp_path)
            assert code in (0, 1), (example, err)
            ran += 1
    assert ran >= 20


def test_every_problem_is_a_line_of_its_own_up_to_50_then_a_count(tmp_path: Path, run_cli: RunCli) -> None:
    """A plans.csv with 60 negative revenues: 60 problems. The terminal shows the first 50, one line
    each in file order (lines 2..51), then "and 10 more"; ``--format json`` lists all 60."""
    from conftest import WORKED_ELECTIONS_YAML

    data = tmp_path / "data"
    data.mkdir()
    rows = [f"P{i:02d},Alameda,100,-1.00,no,no" for i in range(60)]
    (data / "plans.csv").write_text("mcp,county,member_months,revenue,wpc,hhp\n" + "\n".join(rows) + "\n")
    (data / "elections.yaml").write_text(WORKED_ELECTIONS_YAML, encoding="utf-8")
    code, out, err = run_cli(["allocate", "--year", "1", "--data", "data"], cwd=tmp_path)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 51
    assert [line.split(":")[2] for line in lines[:50]] == [str(n) for n in range(2, 52)]  # error: data/plans.csv:N
    assert lines[-1] == "error: and 10 more; `--format json` lists all"
    code, out, _ = run_cli(["allocate", "--year", "1", "--data", data, "-f", "json"])
    error = json.loads(out)["error"]
    assert code == 2 and 1 + len(error["more"]) == 60


@pytest.mark.parametrize("name", ["t.csv", "t.json", "t.XLS", "-"])
def test_template_writes_only_a_workbook_name_and_says_so(
    name: str, year: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    """``ipp template -o t.csv`` wrote a workbook under a .csv name; now it is a usage error naming
    the file, and nothing is written (``-o -``: a workbook is not for a terminal)."""
    target = tmp_path / name if name != "-" else Path("-")
    argv = ["template", "--year", "1", "-s", "2", "--data", year, "--mcp", ONE_COUNTY_PLAN, "-o", target]
    code, out, err = run_cli(argv, cwd=tmp_path)
    assert code == 2 and out == ""
    assert "name the -o file FILE.xlsx [usage]" in err
    assert list(tmp_path.iterdir()) == []
    code, _, err = run_cli([*argv[:-1], tmp_path / "T.XLSX"])
    assert code == 0, err  # the suffix in any case


def test_every_command_answers_the_same_built_alone_as_in_the_whole_app(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cli._click_command builds only the subcommand named (typer builds every command's
    options on each run): its help and its usage errors must be what the whole app says."""
    import typer

    from ipp_calc import cli

    names = sorted(typer.main.get_command(cli.app).commands)  # type: ignore[attr-defined]
    assert len(names) >= 10
    argvs = [[name, "--help"] for name in names] + [[name, "--no-such-option"] for name in names]
    argvs += [["run", "--year"], ["score"], ["run", "--year", "x", "--data", "."]]
    alone = [run_cli(argv) for argv in argvs]
    monkeypatch.setattr(cli, "_click_command", lambda args: typer.main.get_command(cli.app))
    whole = [run_cli(argv) for argv in argvs]
    for argv, one, every in zip(argvs, alone, whole, strict=True):
        assert one == every, argv
    assert all(result.exit_code == 0 for result in alone[: len(names)])  # every help shown
    assert all(result.exit_code == 2 for result in alone[len(names) :])  # every usage error said
