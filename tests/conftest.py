"""Shared test fixtures: hypothesis profiles, a CLI runner, and RULES.md's worked example on disk.

Hypothesis profiles (selected once, here, before any test module is imported):

* ``thorough`` (the default, for local runs): 500 examples per property, no deadline;
* ``ci`` (chosen when the environment has ``CI=true``): 60 examples, no deadline, derandomized so a
  CI run is reproducible, and a failing example's blob printed so it can be replayed locally.

``HYPOTHESIS_PROFILE=<name>`` overrides the choice.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import settings

settings.register_profile("thorough", max_examples=500, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI", "").lower() == "true" else "thorough")
)


# --------------------------------------------------------------------------- running the CLI


class CliResult(NamedTuple):
    """What one ``ipp`` run did; unpacks as ``code, out, err = run_cli([...])``."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        """Non-empty lines written to standard error."""
        return [line for line in self.stderr.splitlines() if line.strip()]


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run the real ``ipp`` entry point in-process: ``run_cli(argv, cwd=None) -> CliResult``.

    ``argv`` is the argument list without the program name (``["allocate", "--year", "1"]``);
    path arguments may be ``Path`` objects. ``ipp_calc.cli.main`` always ends with
    ``sys.exit(code)``; the runner catches that ``SystemExit`` and returns the exit code with
    everything written to stdout and stderr during the call (earlier output is discarded first,
    so the result holds this call's output only). ``cwd``, when given, is the current folder
    during the call only (restored afterwards). ``IPP_DEBUG`` is cleared so a developer's
    environment cannot turn error lines into tracebacks.

    Safe to call many times in one test (and inside a hypothesis test: it keeps no state between
    calls, so ``HealthCheck.function_scoped_fixture`` may be suppressed there).
    """
    from ipp_calc.cli import main

    def run(argv: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] | None = None) -> CliResult:
        capsys.readouterr()  # drop anything printed before this call
        with monkeypatch.context() as patch:
            patch.delenv("IPP_DEBUG", raising=False)
            if cwd is not None:
                patch.chdir(cwd)
            with pytest.raises(SystemExit) as exited:
                main([os.fspath(a) for a in argv])
        captured = capsys.readouterr()
        code = exited.value.code
        if code is None:
            code = 0
        assert isinstance(code, int), f"main() exited with a non-integer code {code!r}"
        return CliResult(code, captured.out, captured.err)

    return run


# --------------------------------------------------------------------------- RULES.md's worked example

WORKED_PLANS_CSV = """\
mcp,county,member_months,revenue,wpc,hhp
A,Alameda,300,200,yes,no
A,Fresno,100,100,no,no
B,Alameda,600,700,yes,yes
"""

# A elects its flexible 30% into area 3, as in RULES.md. B's election is not in RULES.md: it puts
# its flexible 30% into area 1. Both offer Community Supports, so nothing is forfeited.
WORKED_ELECTIONS_YAML = """\
A:
  flexible: {3: "0.30"}
  community_supports: [Housing Transition Navigation Services, Recuperative Care (Medical Respite), Sobering Centers]
B:
  flexible: {1: "0.30"}
  community_supports: [Housing Deposits, Respite Services, Asthma Remediation]
"""


@dataclass(frozen=True)
class WorkedExample:
    """RULES.md's worked example on disk: ``ipp allocate --year 1 --measures MEASURES --data DATA``."""

    root: Path  # tmp folder holding both
    data: Path  # the data folder: plans.csv, elections.yaml
    measures: Path  # a measures root: py1/ with funding "1000.00"
    plans: Path
    elections: Path

    def argv(self, *extra: str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
        """``allocate --year 1 --measures … --data …`` plus ``extra``."""
        return ["allocate", "--year", "1", "--measures", self.measures, "--data", self.data, *extra]


def copy_measures(destination: Path, *, year: int = 1, funding: str | None = None) -> Path:
    """Copy the shipped ``py<year>/`` into ``destination`` (a measures root), optionally with a new
    funding line; returns ``destination``. For tests that need a small, hand-checkable year."""
    from ipp_calc.io.measures import shipped_measures_dir

    folder = destination / f"py{year}"
    shutil.copytree(shipped_measures_dir() / f"py{year}", folder)
    if funding is not None:
        program = folder / "program.yaml"
        text, count = re.subn(r'(?m)^funding: "[^"]*"$', f'funding: "{funding}"', program.read_text(encoding="utf-8"))
        assert count == 1, "program.yaml's funding line has changed shape; update copy_measures"
        program.write_text(text, encoding="utf-8")
    return destination


@pytest.fixture
def worked_example(tmp_path: Path) -> WorkedExample:
    """RULES.md's worked example: three plans.csv rows, funding $1,000.00, weights 0.5/0.3/0.2."""
    data = tmp_path / "data"
    data.mkdir()
    plans = data / "plans.csv"
    plans.write_text(WORKED_PLANS_CSV, encoding="utf-8")
    elections = data / "elections.yaml"
    elections.write_text(WORKED_ELECTIONS_YAML, encoding="utf-8")
    measures = copy_measures(tmp_path / "measures", funding="1000.00")
    return WorkedExample(root=tmp_path, data=data, measures=measures, plans=plans, elections=elections)
