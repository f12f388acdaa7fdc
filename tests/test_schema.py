"""``ipp schema``: the JSON Schema that YAML editors use to validate measure sets as you type.

The shipped ``measures/schema/*.schema.json`` must be exactly what this version writes (so an
editor never validates against stale rules), every shipped measure file must point at it on its
first line, and the schema must accept every shipped file and refuse what the loader refuses.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ipp_calc.io.schema import PROGRAM_FILE, SUBMISSION_FILE, schema_texts, schemas, stale_schemas

REPO = Path(__file__).resolve().parents[1]
MEASURES = REPO / "measures"
SHIPPED = sorted(MEASURES.glob("py*/*.yaml"))
FIXTURES = sorted((Path(__file__).parent / "fixtures" / "diff").glob("*/py*/*.yaml"))


def _schema_for(path: Path) -> str:
    return PROGRAM_FILE if path.name == "program.yaml" else SUBMISSION_FILE


def _plain(value: Any) -> Any:
    """YAML data as the editor's language server sees it: keys and dates as strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def test_shipped_schema_files_are_up_to_date() -> None:
    assert stale_schemas(MEASURES / "schema") == [], "run: ipp schema --measures measures"


@pytest.mark.parametrize("path", SHIPPED + FIXTURES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_measure_file_points_at_its_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix), f"{path}: first line is {first!r}"
    target = (path.parent / first[len(prefix) :]).resolve()
    assert target == (MEASURES / "schema" / _schema_for(path)).resolve()
    assert target.is_file()


def test_there_are_shipped_measure_files() -> None:
    assert {p.parent.name for p in SHIPPED} >= {"py1", "py2", "py3"}


@pytest.mark.parametrize("path", SHIPPED + FIXTURES, ids=lambda p: str(p.relative_to(REPO)))
def test_schema_accepts_every_shipped_file(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = _plain(yaml.safe_load(path.read_text(encoding="utf-8")))
    validator = jsonschema.Draft202012Validator(schemas()[_schema_for(path)])
    assert [e.message for e in validator.iter_errors(data)] == []


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda d: d.update(funding=600000000.0), "a float where money is meant"),
        (lambda d: d.update(fundng="600000000.00"), "a misspelt key"),
        (lambda d: d.pop("payments"), "a missing key"),
        (lambda d: d.update(flexible_share=0.3), "a float where a share is meant"),
        (lambda d: d.update(status="draft"), "a status that is neither official nor illustrative"),
    ],
)
def test_schema_refuses_what_the_loader_refuses_in_program_yaml(change: Any, what: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = _plain(yaml.safe_load((MEASURES / "py1" / "program.yaml").read_text(encoding="utf-8")))
    change(data)
    validator = jsonschema.Draft202012Validator(schemas()[PROGRAM_FILE])
    assert list(validator.iter_errors(data)), what


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda d: d["measures"][0].update(kind="survey"), "an unknown kind"),
        (lambda d: d["measures"][0].update(points=-5), "negative points"),
        (lambda d: d["measures"][0].update(id=1.1), "a measure id YAML reads as a float"),
        (lambda d: d["areas"].update({"one": {"points_available": 5}}), "an area key that is not a number"),
        (lambda d: d["measures"][0].update(mandatory="yes"), "a mandatory flag that is not a boolean"),
    ],
)
def test_schema_refuses_what_the_loader_refuses_in_a_submission(change: Any, what: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = _plain(yaml.safe_load((MEASURES / "py1" / "submission-1.yaml").read_text(encoding="utf-8")))
    change(data)
    validator = jsonschema.Draft202012Validator(schemas()[SUBMISSION_FILE])
    assert list(validator.iter_errors(data)), what


def test_schema_text_is_stable_json() -> None:
    first, second = schema_texts(), schema_texts()
    assert first == second
    for name, text in first.items():
        document = json.loads(text)
        assert document["$schema"].startswith("https://json-schema.org/")
        assert document["additionalProperties"] is False
        assert text.endswith("}\n"), name


def test_cli_writes_both_files_and_checks_them(run_cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "schema"
    code, out, _ = run_cli(["schema", "-o", target])
    assert code == 0
    assert sorted(p.name for p in target.iterdir()) == [PROGRAM_FILE, SUBMISSION_FILE]
    assert "wrote" in out
    for name, text in schema_texts().items():
        assert (target / name).read_text(encoding="utf-8") == text
    assert run_cli(["schema", "-o", target, "--check"]).exit_code == 0
    (target / SUBMISSION_FILE).write_text("{}\n", encoding="utf-8")
    code, out, _ = run_cli(["schema", "-o", target, "--check"])
    assert code == 1
    assert SUBMISSION_FILE in out and PROGRAM_FILE not in out


def test_cli_default_folder_with_measures_is_its_schema_folder(run_cli: Any, tmp_path: Path) -> None:
    code, _, _ = run_cli(["schema", "--measures", tmp_path])
    assert code == 0
    assert (tmp_path / "schema" / PROGRAM_FILE).is_file()
    assert run_cli(["schema", "--check", "--measures", MEASURES]).exit_code == 0


def test_cli_refuses_a_file_as_the_folder(run_cli: Any, tmp_path: Path) -> None:
    file = tmp_path / "not-a-folder"
    file.write_text("x", encoding="utf-8")
    code, _, err = run_cli(["schema", "-o", file])
    assert code == 2 and "[output-unwritable]" in err


# --------------------------------------------------------------------------- tooling for measures repositories


def test_pre_commit_hook_runs_ipp_check_on_measure_files(run_cli: Any) -> None:
    import re

    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "ipp-check"
    assert hook["entry"] == "ipp check"
    pattern = re.compile(hook["files"])
    assert all(pattern.search(p.relative_to(REPO).as_posix()) for p in SHIPPED)
    assert not pattern.search("measures/schema/program.schema.json")
    assert not pattern.search("examples/py1/elections.yaml")
    # What pre-commit runs: the entry with the changed files as arguments.
    code, out, _ = run_cli(["check", *SHIPPED[:2]])
    assert code == 0, out


def test_example_ci_workflow_checks_diffs_and_posts_markdown() -> None:
    workflow = REPO / "examples" / "ci" / "measures-ci.yml"
    document = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    steps = document["jobs"]["check-and-diff"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "pip install" in commands
    assert "ipp check measures" in commands
    assert "ipp diff --base" in commands and "--data" in commands and "--format markdown" in commands
    assert "gh pr comment" in commands
    assert (REPO / "examples" / "ci" / "README.md").is_file()
