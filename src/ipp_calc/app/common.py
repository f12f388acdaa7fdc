"""What several commands share: the measures root, the checked measure set, the data files read."""

from __future__ import annotations

from pathlib import Path

from ipp_calc.core.models import MeasureSet
from ipp_calc.errors import Finding, InputError


def measures_root(measures: Path | None) -> Path:
    """``--measures``, or the measure sets shipped with ipp."""
    from ipp_calc.io.measures import shipped_measures_dir

    return measures if measures is not None else shipped_measures_dir()


def load_measure_set(measures: Path | None, year: int) -> MeasureSet:
    """The program year's measure set, checked: a set with error findings is bad input (exit 2)."""
    from ipp_calc.core.checks import check_baselines, check_measure_set
    from ipp_calc.io.measures import baseline_sets, load_year

    root = measures_root(measures)
    ms = load_year(root, year)
    problems = [f for f in check_measure_set(ms) if f.severity == "error"]
    problems += check_baselines(ms, baseline_sets(ms, [root], {}))
    if problems:
        raise InputError(problems)
    return ms


def illustrative_notes(ms: MeasureSet) -> list[str]:
    from ipp_calc.io.measures import illustrative_notes as notes

    return list(notes(ms))


def data_inputs(data: Path) -> list[Path]:
    """The data folder's files (read, so never to be overwritten by ``-o``)."""
    return [data / name for name in ("year.yaml", "plans.csv", "elections.yaml", "allocation.csv", "targets.csv")]


def unknown_mcp(mcp: str, data: Path) -> InputError:
    """The one "MCP not in plans.csv" error of the commands that take ``--mcp``."""
    return InputError(Finding("unknown-mcp", f"MCP {mcp!r} is not in plans.csv", file=str(data / "plans.csv")))
