"""The seeded example generator (examples/generate.py) and the committed examples/py1 folder.

Why: the examples are how users and the benchmark meet the calculator, so they must be exactly
reproducible from the script, well formed for the strict loaders, and carry the special plans the
README promises.
"""

import csv
import importlib.util
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ipp_calc.core.models import Election
from ipp_calc.io.measures import load_year, shipped_measures_dir
from ipp_calc.io.yamlload import load_yaml, validate

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "generate.py"
COMMITTED = ROOT / "examples" / "py1"
FILES = ("year.yaml", "plans.csv", "elections.yaml", "targets.csv")

CALIFORNIA_COUNTIES = {
    "Alameda", "Alpine", "Amador", "Butte", "Calaveras", "Colusa", "Contra Costa", "Del Norte",
    "El Dorado", "Fresno", "Glenn", "Humboldt", "Imperial", "Inyo", "Kern", "Kings", "Lake",
    "Lassen", "Los Angeles", "Madera", "Marin", "Mariposa", "Mendocino", "Merced", "Modoc", "Mono",
    "Monterey", "Napa", "Nevada", "Orange", "Placer", "Plumas", "Riverside", "Sacramento",
    "San Benito", "San Bernardino", "San Diego", "San Francisco", "San Joaquin", "San Luis Obispo",
    "San Mateo", "Santa Barbara", "Santa Clara", "Santa Cruz", "Shasta", "Sierra", "Siskiyou",
    "Solano", "Sonoma", "Stanislaus", "Sutter", "Tehama", "Trinity", "Tulare", "Tuolumne",
    "Ventura", "Yolo", "Yuba",
}  # fmt: skip

#: Fragments of real Medi-Cal plan names that an invented id must never contain.
REAL_NAME_FRAGMENTS = (
    "la-care", "lacare", "health-net", "anthem", "molina", "kaiser", "caloptima", "partnership",
    "iehp", "inland", "empire", "cencal", "gold", "kern", "alameda", "alliance", "santa-clara",
    "san-francisco", "calviva", "san-joaquin", "community-health-group", "aetna", "blue-shield",
    "care1st", "wellness", "family", "valley",
)  # fmt: skip


def _load_generator() -> ModuleType:
    """Import the script by path, as the benchmark does (not registered in sys.modules)."""
    spec = importlib.util.spec_from_file_location("ipp_examples_generate", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def default_year(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return gen.generate_data(tmp_path_factory.mktemp("default"))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_generation_is_byte_identical(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate_data(tmp_path / "a", mcps=12, seed=5)
    gen.generate_data(tmp_path / "b", mcps=12, seed=5)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_default_generation_reproduces_committed_examples(default_year: Any) -> None:
    out = default_year.out_dir
    for name in FILES:
        assert (out / name).read_bytes() == (COMMITTED / name).read_bytes(), (
            f"examples/py1/{name} is stale: run `python examples/generate.py`"
        )


def test_script_runs_from_the_command_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--mcps", "6", "--seed", "3", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert all((tmp_path / name).is_file() for name in FILES)


def test_files_are_utf8_without_bom_and_lf(default_year: Any) -> None:
    out = default_year.out_dir
    for name in FILES:
        raw = (out / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in raw
        raw.decode("utf-8")


def test_plans_cover_every_county(default_year: Any) -> None:
    out = default_year.out_dir
    rows = _rows(out / "plans.csv")
    assert list(rows[0]) == ["mcp", "county", "member_months", "revenue", "wpc", "hhp", "capitation"]
    assert len({r["mcp"] for r in rows}) == 25
    assert {r["county"] for r in rows} == CALIFORNIA_COUNTIES
    assert [(r["mcp"], r["county"]) for r in rows] == sorted((r["mcp"], r["county"]) for r in rows)
    assert len({(r["mcp"], r["county"]) for r in rows}) == len(rows)
    for row in rows:
        assert row["member_months"].isdigit() and int(row["member_months"]) > 0
        for money in ("revenue", "capitation"):
            assert Decimal(row[money]) > 0 and len(row[money].split(".")[1]) == 2
        assert row["wpc"] in {"yes", "no"} and row["hhp"] in {"yes", "no"}
    per_county = Counter(r["county"] for r in rows)
    assert 1 in per_county.values() and 2 in per_county.values()
    per_plan = Counter(r["mcp"] for r in rows)
    assert any(10 <= n <= 20 for n in per_plan.values())  # a regional plan
    assert 1 in per_plan.values()  # single-county plans


def test_plan_ids_are_invented(default_year: Any) -> None:
    for mcp in default_year.mcps:
        assert mcp == mcp.lower() and " " not in mcp
        assert not any(fragment in mcp for fragment in REAL_NAME_FRAGMENTS), mcp


def test_elections(default_year: Any) -> None:
    year = default_year
    out = year.out_dir
    special = year.special
    text = (out / "elections.yaml").read_text(encoding="utf-8")
    assert text.startswith("#") and "python examples/generate.py" in text.splitlines()[3]
    elections = validate(dict[str, Election], load_yaml(out / "elections.yaml", "elections.yaml"))
    plans = {r["mcp"] for r in _rows(out / "plans.csv")}
    assert set(elections) == plans == set(year.mcps)
    assert list(elections) == sorted(elections)
    catalog = load_year(shipped_measures_dir(), 1).program.community_supports_catalog or []
    for mcp, election in elections.items():
        assert sum(election.flexible.values()) == Decimal("0.30"), mcp
        assert set(election.community_supports) <= set(catalog)
    assert [m for m, e in elections.items() if not e.community_supports] == [special.no_community_supports]
    assert 3 not in elections[special.no_community_supports].flexible
    assert [m for m, e in elections.items() if len(e.community_supports) == 2] == [special.two_community_supports]
    others = [e for e in elections.values() if len(e.community_supports) > 2]
    assert all(3 <= len(e.community_supports) <= 10 for e in others)
    cap = [m for m, e in elections.items() if e.corrective_action_plan]
    assert cap == [special.corrective_action_plan]
    assert elections[cap[0]].recoupment == Decimal("0.25")
    assert all(e.recoupment == 0 for m, e in elections.items() if m not in cap)
    excepted = {m: e.exception for m, e in elections.items() if e.exception is not None}
    assert list(excepted) == [special.exception]
    exception = excepted[special.exception]
    assert exception is not None
    assert (exception.approved, exception.from_, exception.to, exception.share) == (
        True,
        1,
        3,
        Decimal("0.05"),
    )
    assert 3 in elections[special.exception].flexible
    assert len(set(vars_of(special))) == 5  # five distinct plans


def vars_of(special: Any) -> list[str]:
    return [getattr(special, name) for name in special.__slots__]


def test_targets_cover_every_target_measure(default_year: Any) -> None:
    out = default_year.out_dir
    submission = load_year(shipped_measures_dir(), 1).submissions[2]
    needed = [
        m.id for m in submission.measures if m.kind == "target" or (m.kind == "tiered" and m.basis == "target_ratio")
    ]
    assert {"1.2", "1.4", "2.1", "3.1", "3.3"} <= set(needed)
    rows = _rows(out / "targets.csv")
    assert list(rows[0]) == ["mcp", "county", "measure", "target"]
    got = {(r["mcp"], r["county"], r["measure"]) for r in rows}
    assert len(got) == len(rows)
    expected = {(r["mcp"], r["county"], measure) for r in _rows(out / "plans.csv") for measure in needed}
    assert got == expected
    for row in rows:
        assert Decimal(row["target"]) > 0
        if row["measure"] == "1.4":
            assert 5 <= Decimal(row["target"]) <= 30


def test_capped_plan(default_year: Any) -> None:
    year = default_year
    ratio = year.capped_capitation * Decimal("0.05") / year.capped_expected_allocation
    assert Decimal("1.019") < ratio < Decimal("1.021")
    rows = _rows(year.out_dir / "plans.csv")
    capped = year.special.capped
    total = sum(Decimal(r["capitation"]) for r in rows if r["mcp"] == capped)
    assert total == year.capped_capitation
    # Everyone else: capitation about equal to revenue, so the 5% cap is far from binding.
    for row in rows:
        if row["mcp"] != capped:
            assert Decimal("0.9") * Decimal(row["revenue"]) <= Decimal(row["capitation"])


def test_readme_names_the_special_plans(default_year: Any) -> None:
    readme = (COMMITTED / "README.md").read_text(encoding="utf-8")
    for mcp in vars_of(default_year.special):
        assert mcp in readme


def test_ten_times_year(gen: ModuleType, tmp_path: Path) -> None:
    """The benchmark's year: 250 MCPs, still covering every county, still well formed."""
    year = gen.generate_data(tmp_path, mcps=250, seed=2022)
    assert len(year.mcps) == 250
    rows = _rows(tmp_path / "plans.csv")
    assert {r["county"] for r in rows} == CALIFORNIA_COUNTIES
    elections = validate(dict[str, Election], load_yaml(tmp_path / "elections.yaml", "e"))
    assert set(elections) == set(year.mcps)
    assert sum(1 for e in elections.values() if not e.community_supports) == 1


def test_too_few_mcps_is_refused(gen: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 5"):
        gen.generate_data(tmp_path, mcps=4)


# --------------------------------------------------------------------------- PY2 and PY3


@pytest.mark.parametrize("number", [2, 3])
def test_later_example_years_reproduce_the_committed_folders(gen: ModuleType, tmp_path: Path, number: int) -> None:
    year = gen.generate_data(tmp_path, program_year=number)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (ROOT / "examples" / f"py{number}" / name).read_bytes(), (
            f"examples/py{number}/{name} is stale: run `python examples/generate.py --year {number}`"
        )
    assert year.program_year == number


def test_py2_keeps_py1s_plans_and_py3_changes_the_roster(gen: ModuleType, tmp_path: Path) -> None:
    py1 = gen.generate_data(tmp_path / "1")
    py2 = gen.generate_data(tmp_path / "2", program_year=2)
    py3 = gen.generate_data(tmp_path / "3", program_year=3)
    assert py2.counties == py1.counties and py2.roster_change is None
    left, host, new = py3.roster_change
    assert left in py2.mcps and left not in py3.mcps  # stops serving Medi-Cal on 2024-01-01
    assert new not in py2.mcps and new in py3.mcps  # a new plan
    assert set(py2.counties[left]) <= set(py3.counties[host])  # its counties went to another plan
    assert set(py3.mcps) == (set(py2.mcps) - {left}) | {new}
    rows = _rows(tmp_path / "3" / "plans.csv")
    assert {r["county"] for r in rows} == CALIFORNIA_COUNTIES  # every county still served
    assert "Roster change on 2024-01-01" in (tmp_path / "3" / "elections.yaml").read_text(encoding="utf-8")


def test_every_committed_workbook_answers_its_own_year() -> None:
    from ipp_calc.io.workbook import read_submission

    root = shipped_measures_dir()
    for number, submissions in ((2, {3, 4}), (3, {5})):
        folder = ROOT / "examples" / f"py{number}" / "submissions"
        paths = sorted(folder.glob("*.xlsx"))
        assert len(paths) == 25 * len(submissions)
        first = read_submission(paths[0], lambda y: load_year(root, y), display=paths[0].name)
        assert first.program_year == number and first.submission in submissions
