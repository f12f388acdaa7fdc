"""Determinism: every command's JSON and CSV is byte-identical across input orderings, file names,
``PYTHONHASHSEED`` and runs.

Why: analysts diff this week's output against last week's, and DHCS re-runs a year to check it. A
line that moves because a set was iterated in hash order, or because a workbook was renamed or
plans.csv was sorted differently in Excel, would look like a change in someone's money.

One small generated year (6 MCPs, 6 filled workbooks) is laid out twice: as generated, and
"shuffled" (plans.csv, targets.csv and allocation.csv rows in another order, elections.yaml entries
reordered, every workbook renamed and created in another order). ``allocate``, ``score``, ``pool``,
``run`` and ``diff`` (with ``--data``) must print the same bytes for both, in JSON and in CSV, in
this process and in ``python -m ipp_calc`` subprocesses under other hash seeds (and with workers).
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

from conftest import RunCli

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "measures"
SEEDS = ("0", "4242")

#: (name, argv) of every command checked; ``WORKBOOK`` stands for one MCP's submission-2 workbook.
WORKBOOK = "<workbook>"
COMMANDS: list[tuple[str, list[str]]] = [
    ("allocate", ["allocate", "--year", "1", "--data", "data"]),
    ("score", ["score", WORKBOOK, "--data", "data"]),
    ("pool", ["pool", "--year", "1", "--data", "data", "--jobs", "1"]),
    ("run", ["run", "--year", "1", "--data", "data", "--jobs", "1"]),
    ("diff", ["diff", "old/py1", "new/py1", "--data", "data", "--jobs", "1", "--fail-on", "never"]),
]
RUNS = [(f"{name}-{fmt}", [*argv, "--format", fmt]) for name, argv in COMMANDS for fmt in ("json", "csv")]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ipp_examples_generate_determinism", ROOT / "examples" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def years(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{"as-generated": root, "shuffled": root}: the same year, laid out two ways."""
    base = tmp_path_factory.mktemp("determinism") / "as-generated"
    gen = _load_generator()
    year = gen.generate_data(base / "data", mcps=6, seed=11)
    gen.generate_submissions(year)
    for mcp in year.mcps[3:]:  # three plans' workbooks are enough to shuffle, and quicker to read
        for path in (base / "data" / "submissions").glob(f"{mcp}-submission-*.xlsx"):
            path.unlink()
    rows = (base / "data" / "plans.csv").read_text(encoding="utf-8").splitlines()[1:]
    table = ["mcp,county,amount"] + [f"{r.split(',')[0]},{r.split(',')[1]},{1000 + i}.00" for i, r in enumerate(rows)]
    (base / "data" / "allocation.csv").write_text("\n".join(table) + "\n", encoding="utf-8")
    shutil.copytree(SHIPPED / "py1", base / "old" / "py1")
    shutil.copytree(SHIPPED / "py1", base / "new" / "py1")
    submission = base / "new" / "py1" / "submission-2.yaml"
    text = submission.read_text(encoding="utf-8")
    assert "points: 10\n" in text
    submission.write_text(text.replace("points: 10\n", "points: 12\n", 1), encoding="utf-8")

    shuffled = base.parent / "shuffled"
    shutil.copytree(base, shuffled)
    rng = random.Random(2022)
    data = shuffled / "data"
    for name in ("plans.csv", "targets.csv", "allocation.csv"):
        _shuffle_csv(data / name, rng)
    _shuffle_yaml_entries(data / "elections.yaml", rng)
    workbooks = sorted((data / "submissions").iterdir())
    rng.shuffle(workbooks)
    staging = shuffled / "staging"
    staging.mkdir()
    for index, path in enumerate(workbooks):  # new names, created in a new order
        path.rename(staging / f"{rng.randrange(10**6):06d}-{index}.xlsx")
    for path in sorted(staging.iterdir(), reverse=True):
        shutil.copyfile(path, data / "submissions" / f"Upload {path.name.upper()}")
    shutil.rmtree(staging)
    for root in (base, shuffled):
        (root / "out").mkdir()
    return {"as-generated": base, "shuffled": shuffled}


def _shuffle_csv(path: Path, rng: random.Random) -> None:
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    before = list(rows)
    while rows == before and len(rows) > 1:
        rng.shuffle(rows)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def _shuffle_yaml_entries(path: Path, rng: random.Random) -> None:
    """Reorder the top-level entries (one per MCP), each with its indented lines and comments."""
    head: list[str] = []
    entries: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.strip() and not line[0].isspace() and not line.startswith("#"):
            entries.append([line])
        elif entries:
            entries[-1].append(line)
        else:
            head.append(line)
    before = list(entries)
    while entries == before:
        rng.shuffle(entries)
    path.write_text("".join(head) + "".join("".join(e) for e in entries), encoding="utf-8")


def _workbook_of(root: Path, mcp_submission: tuple[str, int] | None = None) -> str:
    """The path (from ``root``) of one MCP's submission-2 workbook, whatever its file name."""
    from ipp_calc.io.workbook import read_submission

    wanted = None
    for path in sorted((root / "data" / "submissions").iterdir()):
        filled = read_submission(path, lambda y: _measure_set(y), allow_measure_set_change=True)
        key = (filled.mcp, filled.submission)
        if (mcp_submission is None and filled.submission == 2) or key == mcp_submission:
            wanted = path
            break
    assert wanted is not None
    return str(wanted.relative_to(root))


def _measure_set(year: int) -> object:
    from ipp_calc.io.measures import load_year

    return load_year(SHIPPED, year)


def _argv(argv: list[str], workbook: str) -> list[str]:
    return [workbook if a == WORKBOOK else a for a in argv]


@pytest.fixture(scope="module")
def scored_workbooks(years: dict[str, Path]) -> dict[str, str]:
    """The same plan's submission-2 workbook in each layout (under its own name there)."""
    first = _workbook_of(years["as-generated"])
    from ipp_calc.io.workbook import read_submission

    filled = read_submission(years["as-generated"] / first, _measure_set, allow_measure_set_change=True)
    return {
        "as-generated": first,
        "shuffled": _workbook_of(years["shuffled"], (filled.mcp, filled.submission)),
    }


@pytest.fixture(scope="module")
def outputs(years: dict[str, Path], scored_workbooks: dict[str, str]) -> dict[str, dict[str, bytes]]:
    """layout → run name → bytes printed, run in this process (its own random hash seed)."""
    from ipp_calc.cli import main

    found: dict[str, dict[str, bytes]] = {}
    for layout, root in years.items():
        found[layout] = {}
        for name, argv in RUNS:
            target = root / "out" / name
            cwd = os.getcwd()
            os.chdir(root)
            try:
                with pytest.raises(SystemExit) as exited:
                    main([*_argv(argv, scored_workbooks[layout]), "-o", str(target)])
            finally:
                os.chdir(cwd)
            assert exited.value.code in (0, 1), (layout, name)
            found[layout][name] = target.read_bytes()
    return found


def test_the_shuffled_layout_really_differs(years: dict[str, Path]) -> None:
    a, b = years["as-generated"] / "data", years["shuffled"] / "data"
    for name in ("plans.csv", "targets.csv", "allocation.csv", "elections.yaml"):
        assert (a / name).read_bytes() != (b / name).read_bytes(), name
        assert sorted((a / name).read_text().splitlines()) == sorted((b / name).read_text().splitlines()), name
    names_a = {p.name for p in (a / "submissions").iterdir()}
    names_b = {p.name for p in (b / "submissions").iterdir()}
    assert len(names_a) == len(names_b) == 6 and not names_a & names_b


@pytest.mark.parametrize("name", [name for name, _ in RUNS])
def test_input_order_and_file_names_change_no_byte_of_the_output(
    name: str, outputs: dict[str, dict[str, bytes]]
) -> None:
    first, second = outputs["as-generated"][name], outputs["shuffled"][name]
    assert len(first) > 100
    assert first == second


def test_hash_seeds_and_worker_processes_change_no_byte_of_the_output(
    years: dict[str, Path], scored_workbooks: dict[str, str], outputs: dict[str, dict[str, bytes]]
) -> None:
    """Another run, in ``python -m ipp_calc`` under PYTHONHASHSEED 0 (every run, the year commands
    reading workbooks in two worker processes) and 4242 (the JSON runs); this process has a random seed."""
    root = years["shuffled"]
    env = {k: v for k, v in os.environ.items() if k not in ("IPP_DEBUG", "PYTHONHASHSEED")}

    def one(job: tuple[str, str, list[str]]) -> tuple[str, str, bytes]:
        seed, name, argv = job
        target = root / "out" / f"{name}-seed-{seed}"
        if seed == SEEDS[0]:
            argv = [("2" if i and argv[i - 1] == "--jobs" else a) for i, a in enumerate(argv)]  # worker processes
        done = subprocess.run(
            [sys.executable, "-m", "ipp_calc", *argv, "-o", str(target)],
            cwd=root,
            env={**env, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 1), (name, seed, done.stderr)
        return seed, name, target.read_bytes()

    jobs = [
        (seed, name, _argv(argv, scored_workbooks["shuffled"]))
        for seed in SEEDS
        for name, argv in RUNS
        if seed == SEEDS[0] or name.endswith("-json")
    ]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(one, jobs))
    for seed, name, printed in results:
        assert printed == outputs["shuffled"][name], (name, seed)


def test_the_report_workbook_holds_the_same_cells_whatever_the_input_order(
    years: dict[str, Path], run_cli: RunCli
) -> None:
    """The .xlsx itself carries a timestamp, so compare what it shows: every cell of every sheet
    except Sources (which names the files and their sha256, and those do differ)."""
    sheets = []
    for root in years.values():
        report = root / "out" / "report.xlsx"
        code, _, err = run_cli(["run", "--year", "1", "--data", "data", "--jobs", "1", "-o", report], cwd=root)
        assert code in (0, 1), err
        wb = openpyxl.load_workbook(report, read_only=True)
        sheets.append(
            {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb if ws.title != "Sources"}
        )
        wb.close()
    assert sheets[0] == sheets[1]
    assert len(sheets[0]["Scores"]) > 100
