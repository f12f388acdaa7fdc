"""The error catalog is a closed set: every code in it is emitted by the code and checked by a test.

Why: a code nobody emits is a promise the tool does not keep (a script waiting for it waits
forever), and a code no test checks can silently change to another. The catalog is
``ipp_calc.errors.ERROR_CODES``; ``Finding`` refuses any code outside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ipp_calc.errors import ERROR_CODES, Finding

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "ipp_calc"
EXAMPLE = REPO / "examples" / "py1"


def _text(folder: Path, skip: str | None = None) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.py")) if p.name != skip)


def test_a_code_outside_the_catalog_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown error code"):
        Finding("no-such-code", "x")


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_every_catalog_code_is_emitted_by_the_code(code: str) -> None:
    """The code appears as a literal outside the catalog itself (a Finding, error() or add() call)."""
    source = _text(SRC, skip="errors.py")
    assert f'"{code}"' in source, f"{code} is in the catalog but nothing emits it"


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_every_catalog_code_is_named_by_a_test(code: str) -> None:
    """Every code is emitted (above) and checked by some test: a new code comes with its test."""
    tests = _text(REPO / "tests", skip=Path(__file__).name) + Path(__file__).read_text(encoding="utf-8")
    assert f'"{code}"' in tests or f"[{code}]" in tests or f"{code}:" in tests, f"no test checks for {code}"


def test_a_missing_workbook_is_a_note_naming_the_plan_and_the_submission(tmp_path: Path) -> None:
    """One plan's Submission 2 workbook removed: the year still loads, and one no-workbook note
    names that plan and that submission (it is scored as nothing reported)."""
    from ipp_calc.app.common import load_measure_set, measures_root
    from ipp_calc.io.year_loader import load_year_inputs

    data = tmp_path / "py1"
    shutil.copytree(EXAMPLE, data)
    (data / "submissions" / "condor-grove-health-submission-2.xlsx").unlink()
    loaded = load_year_inputs(load_measure_set(None, 1), measures_root(None), data)
    missing = [f for f in loaded.notes if f.code == "no-workbook"]
    assert [(f.severity, f.message.split(" has no")[0]) for f in missing] == [("note", "MCP condor-grove-health")]
    assert "no workbook for submission 2" in missing[0].message
    assert ("condor-grove-health", 2) not in loaded.inputs.filed
    assert ("condor-grove-health", 1) in loaded.inputs.filed
