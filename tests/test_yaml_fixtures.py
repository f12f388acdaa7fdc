"""Every bad measure-set fixture fails ``ipp check`` with one finding that names its place.

Why a folder of fixtures (the OpenFisca pattern): analysts edit these YAML files by hand, and the
promise of FORMATS.md is that each mistake they can make gives *one* line naming the file, the
line and the key, with a stable code, and never a traceback. Each fixture under
``fixtures/yaml_bad/<name>/`` holds exactly one defect:

* a folder with a single ``program.yaml`` or ``submission-1.yaml`` (or another YAML file) is a
  one-file defect, and ``ipp check`` is pointed at that file;
* a folder with ``program.yaml`` and ``submission-1.yaml`` is a cross-file defect (shares that
  do not add up, a payment without its submission, …): the files are an otherwise valid minimal
  measure set, and ``ipp check`` is pointed at the folder.

The table below pairs each fixture with what its line must say. A new fixture folder without a
row fails :func:`test_every_fixture_folder_has_a_row_in_the_table`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import RunCli

FIXTURES = Path(__file__).parent / "fixtures" / "yaml_bad"


@dataclass(frozen=True)
class Bad:
    """One fixture and what ``ipp check`` must say about it."""

    target: str  # what ipp check is pointed at, relative to FIXTURES
    file: str  # the file its finding names, relative to FIXTURES
    line: int | None  # None where no line means anything (nesting too deep to parse)
    key: str | None
    code: str
    words: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.target.split("/")[0]


def one(file: str, line: int | None, key: str | None, code: str, *words: str) -> Bad:
    """A one-file defect: ``ipp check`` is pointed at the file itself."""
    return Bad(file, file, line, key, code, words)


def cross(folder: str, file: str, line: int, key: str | None, code: str, *words: str) -> Bad:
    """A cross-file defect: ``ipp check`` is pointed at the folder (program + submission)."""
    return Bad(folder, f"{folder}/{file}", line, key, code, words)


P, S = "program.yaml", "submission-1.yaml"

CASES: list[Bad] = [
    # ---- YAML traps, caught while parsing
    one("duplicate_key/program.yaml", 7, "funding", "yaml-duplicate-key", "duplicate key", "line 6"),
    one(f"duplicate_key_nested/{S}", 34, "measures[2].points", "yaml-duplicate-key", "line 33"),
    one("other_yaml_duplicate_key/notes.yaml", 3, "owner", "yaml-duplicate-key", "line 2"),
    one(f"tab_indentation/{P}", 20, None, "yaml-tab", "tab"),
    one(f"bool_no_as_text/{P}", 3, "label", "yaml-ambiguous-bool", "'NO'", "quote it"),
    one(f"bool_yes_as_bool/{S}", 16, "measures[0].mandatory", "yaml-ambiguous-bool", "'yes'", "true/false"),
    one(f"bool_on_as_bool/{P}", 21, "pool.recoupments_pooled", "yaml-ambiguous-bool", "'on'"),
    one(f"hex_number/{P}", 2, "program_year", "yaml-type", "'0x1'", "YAML 1.1"),
    one(f"underscore_number/{S}", 18, "measures[0].points", "yaml-type", "'1_0'", "YAML 1.1"),
    one(f"octal_number/{S}", 18, "measures[0].points", "yaml-type", "'010'", "YAML 1.1"),
    one(f"sexagesimal_number/{P}", 20, "pool.performance_submission", "yaml-type", "'1:30'"),
    one(f"bad_date/{P}", 5, "period.end", "yaml-type", "2022-02-30", "not a valid date"),
    one(f"python_tag/{P}", 3, "label", "yaml-type", "unsupported tag", "python/name"),
    one(f"merge_key/{P}", 11, None, "yaml-structure", "merge keys (<<)"),
    one(f"alias_bomb/{P}", 2, None, "yaml-structure", "aliases", "refused"),
    one(f"deep_nesting/{P}", None, None, "yaml-structure", "nested too deeply"),
    one(f"syntax_error/{P}", 11, None, "yaml-syntax", "YAML syntax"),
    one(f"non_utf8/{P}", 3, None, "file-unreadable", "not UTF-8"),
    # ---- the shape of one file (pydantic models)
    one(f"empty_file/{P}", 1, None, "yaml-structure", "an empty file"),
    one(f"list_not_mapping/{P}", 2, None, "yaml-structure", "a list"),
    one(
        f"unknown_key_misspelt/{P}",
        21,
        "pool.recoupment_pooled",
        "yaml-unknown-key",
        "did you mean 'recoupments_pooled'?",
    ),
    one(f"unknown_key_measure/{S}", 34, "measures[2].unti", "yaml-unknown-key", "did you mean 'unit'?", "allowed:"),
    one(f"missing_key/{P}", 2, "label", "yaml-missing-key", "required key is missing"),
    one(f"missing_key_measure/{S}", 27, "measures[2].domain", "yaml-missing-key", "required key is missing"),
    one(f"float_money/{P}", 6, "funding", "yaml-float-money", "600000000.0", "as a string"),
    one(f"float_share/{P}", 10, "priority_areas[0].minimum_share", "yaml-float-money", "as a string"),
    one(f"int_share/{P}", 8, "payments[0].share", "yaml-float-money", "as a string", "found 1"),
    one(f"float_threshold/{S}", 44, "measures[3].tiers[1].at_least", "yaml-float-money", "as a string"),
    one(f"share_above_one/{P}", 13, "priority_areas[3].minimum_share", "yaml-type", "between 0 and 1", "1.5"),
    one(f"money_fraction_of_cent/{P}", 6, "funding", "yaml-type", "fractions of a cent"),
    one(f"money_negative/{P}", 6, "funding", "yaml-type", "negative"),
    one(f"measure_id_float/{S}", 12, "measures[0].id", "yaml-type", "quote it", '"1.10"'),
    one(f"wrong_type_points/{S}", 33, "measures[2].points", "yaml-type", "'ten'"),
    one(f"wrong_type_year_text/{P}", 2, "program_year", "yaml-type", "integer", "'1'"),
    one(f"wrong_type_domains/{P}", 10, "priority_areas[0].domains", "yaml-type", "list"),
    one(f"null_label/{P}", 3, "label", "yaml-type", "string", "None"),
    one(f"bad_literal_kind/{S}", 32, "measures[2].kind", "yaml-type", "'scored'", "'tiered'"),
    one(f"bad_literal_status/{P}", 4, "status", "yaml-type", "'draft'", "'illustrative'"),
    one(f"period_end_before_start/{S}", 5, "measurement_period", "yaml-type", "before start"),
    # ---- rules across fields and files (core/checks.py)
    cross("shares_minimums_sum", P, 14, "flexible_share", "shares-sum", "1.05, not 1"),
    cross("shares_payments_sum", P, 7, "payments", "shares-sum", "payment shares", "0.9"),
    cross("shares_factor_weights_sum", P, 16, "allocation.factors", "shares-sum", "weights", "0.9"),
    cross("unknown_factor", P, 18, "allocation.factors[1].name", "yaml-type", "'revenu'"),
    cross("community_supports_area_unknown", P, 15, "community_supports_area", "unknown-area", "7"),
    cross("missing_submission_file", P, 9, "payments[1].submission", "missing-submission", "submission-2.yaml"),
    cross("pool_submission_missing", P, 20, "pool.performance_submission", "missing-submission", "9"),
    cross("program_year_mismatch", S, 2, "program_year", "year-mismatch", "program_year 2 here, 1 in"),
    cross("submission_number_mismatch", S, 3, "submission", "year-mismatch", "file name says submission 1"),
    cross("duplicate_measure_id", S, 27, "measures[2].id", "duplicate-id", "3.1", "2 times"),
    cross("domain_wrong_area", S, 21, "measures[1].domain", "domain-area", "3A", "belongs to area 3"),
    cross("tier_points_mismatch", S, 41, "measures[3].points", "tier-points", "add up to 9"),
    cross("points_unreachable", S, 7, "areas[1].points_available", "points-unreachable", "at most 10"),
    cross("points_available_missing", S, 6, "areas", "points-available", "area 4"),
    cross("unknown_area", S, 46, "measures[4].priority_area", "unknown-area", "priority area 5"),
    cross("unknown_area_in_areas", S, 11, "areas[5]", "unknown-area", "area 5"),
    cross("direction_on_completion", S, 18, "measures[0].direction", "kind-fields", "only for target"),
    cross("target_without_direction", S, 24, "measures[1].kind", "kind-fields", "needs direction"),
    cross("tiered_without_tiers", S, 39, "measures[3].kind", "kind-fields", "at least one tier"),
    cross("at_least_missing", S, 44, "measures[3].tiers[1]", "kind-fields", "needs at_least", "basis value"),
    cross(
        "at_least_with_completion_basis", S, 44, "measures[3].tiers[1].at_least", "kind-fields", "basis is completion"
    ),
    cross("thresholds_decrease", S, 42, "measures[3].tiers", "kind-fields", "must not decrease"),
]


def test_every_fixture_folder_has_a_row_in_the_table() -> None:
    """A fixture nobody checks is worse than none: it looks like coverage and proves nothing."""
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    named = [case.name for case in CASES]
    assert len(named) == len(set(named)), "a fixture is listed twice"
    assert folders == set(named)
    assert len(folders) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_bad_fixture_gives_one_line_naming_file_line_key_and_code(case: Bad, run_cli: RunCli) -> None:
    """One defect, one finding line (``file:line: key: message [code]``), exit 1, no traceback."""
    code, out, err = run_cli(["check", case.target], cwd=FIXTURES)
    assert "Traceback" not in out + err
    assert code == 1, (out, err)
    lines = out.splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    place = case.file if case.line is None else f"{case.file}:{case.line}"
    assert line.startswith(f"{place}: "), line
    if case.key is not None:
        assert line.startswith(f"{place}: {case.key}: "), line
    assert line.endswith(f"[{case.code}]"), line
    for word in case.words:
        assert word in line, (word, line)
    assert "1 finding" in err


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_bad_fixture_in_json_is_one_finding_with_code_file_line_and_key(case: Bad, run_cli: RunCli) -> None:
    """Scripts read ``--format json``: the same one finding, with its fields apart, and ok false."""
    code, out, err = run_cli(["check", "--format", "json", case.target], cwd=FIXTURES)
    assert code == 1
    assert "Traceback" not in out + err
    document = json.loads(out)
    assert document["ok"] is False
    [finding] = document["findings"]
    assert finding["code"] == case.code
    assert finding["file"] == case.file
    assert finding["line"] == case.line
    assert finding.get("key") == case.key
    for word in case.words:
        assert word in finding["message"] or word in (finding.get("key") or ""), word


def test_the_alias_bomb_is_refused_in_well_under_a_few_seconds(run_cli: RunCli) -> None:
    """Nine levels of nine aliases expand to 387 million values; refusing must not mean trying."""
    started = time.perf_counter()
    code, out, _ = run_cli(["check", "alias_bomb/program.yaml"], cwd=FIXTURES)
    assert time.perf_counter() - started < 5
    assert code == 1
    assert "refused" in out
