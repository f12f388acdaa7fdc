"""A built wheel carries the measure sets, and ``ipp check`` finds them without the repository.

Why: in a source checkout (and an editable install) the measure sets are read from the
repository's ``measures/``, so a packaging mistake would pass every other test and only break
for the analyst who runs ``pip install ipp-calc`` and then ``ipp check`` in CI. So: build a real
wheel (with the installed build backend, no network: about a second), look inside it, then run
the unpacked package alone from a temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("hatchling", reason="the build backend is needed to build a wheel offline")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel per test run, built from the working tree without build isolation (offline)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [built] = out.glob("ipp_calc-*.whl")
    return built


def shipped_files() -> set[str]:
    """Every file of the repository's measures/, as the wheel should name it."""
    measures = ROOT / "measures"
    return {
        "ipp_calc/measures/" + path.relative_to(measures).as_posix() for path in measures.rglob("*") if path.is_file()
    }


def test_the_wheel_carries_every_measure_set_file(wheel: Path) -> None:
    """Non-editable installs read ``ipp_calc/measures``: every program year must be in it."""
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = shipped_files()
    assert {
        "ipp_calc/measures/py1/program.yaml",
        "ipp_calc/measures/py1/submission-1.yaml",
        "ipp_calc/measures/py1/submission-2.yaml",
        "ipp_calc/measures/py2/program.yaml",
        "ipp_calc/measures/py2/submission-3.yaml",
        "ipp_calc/measures/py2/submission-4.yaml",
        "ipp_calc/measures/py3/program.yaml",
        "ipp_calc/measures/py3/submission-5.yaml",
    } <= expected
    assert expected <= names


def test_the_wheel_carries_the_code_and_its_console_script_but_no_tests(wheel: Path) -> None:
    """The ``ipp`` entry point is declared, and test fixtures (bad YAML on purpose) stay out."""
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert "ipp_calc/cli.py" in names
    assert "ipp_calc/io/measures.py" in names
    # California's 58 counties: every data folder's counties are checked against this list.
    counties = archive.read("ipp_calc/counties.txt").decode().splitlines()
    assert len([c for c in counties if c and not c.startswith("#")]) == 58
    assert not any(name.startswith("tests/") or "yaml_bad" in name for name in names)
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "ipp = ipp_calc.cli:main" in archive.read(entry_points).decode()


def test_the_unpacked_wheel_checks_its_own_measures_from_a_temporary_folder(wheel: Path, tmp_path: Path) -> None:
    """The package as installed, not the repository, must supply the default measure sets."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("IPP_DEBUG", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)  # ahead of the editable install's path entry
    code = (
        "import json, sys, ipp_calc\n"
        "from ipp_calc.io.measures import shipped_measures_dir\n"
        "print(json.dumps([ipp_calc.__file__, str(shipped_measures_dir())]))\n"
    )
    where = subprocess.run(
        [sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    package_file, measures_dir = (Path(p) for p in json.loads(where.stdout))
    assert site in package_file.parents, "the unpacked wheel was not the ipp_calc imported"
    assert measures_dir == site / "ipp_calc" / "measures"
    done = subprocess.run(
        [sys.executable, "-m", "ipp_calc", "check", "--format", "json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"ok": true' in done.stdout
    # The shipped sets are named measures/py<N>/… wherever pip put them (the check above proved
    # which copy is read), so reports read the same on every machine.
    assert '"measures/py3/submission-5.yaml"' in done.stdout
