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
