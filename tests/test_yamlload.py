"""Unit tests of the strict YAML loader: ``parse_yaml`` and ``validate``.

Why these matter: measure sets decide who gets paid, and ``yaml.safe_load`` would silently keep
the second of two duplicate keys, read ``NO`` as ``False`` and ``1.10`` as ``1.1``. The loader's
promise is that every value keeps its line and every such trap is a finding with a code, a line
and a key, reported all at once for a file.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ipp_calc.core.models import Program, Submission
from ipp_calc.errors import Finding, InputError
from ipp_calc.io.yamlload import YamlDoc, load_yaml, parse_yaml, read_text, validate

SHIPPED = Path(__file__).resolve().parent.parent / "measures"


def findings_of(text: str, file: str = "x.yaml") -> tuple[Finding, ...]:
    """The findings ``parse_yaml`` raises for ``text`` (the test fails if it raises none)."""
    with pytest.raises(InputError) as raised:
        parse_yaml(text, file)
    return raised.value.findings


def validation_findings(model: type, text: str, file: str = "program.yaml") -> tuple[Finding, ...]:
    """The findings ``validate`` raises for ``text`` read as ``model``."""
    with pytest.raises(InputError) as raised:
        validate(model, parse_yaml(text, file))
    return raised.value.findings


# --------------------------------------------------------------------------- lines


def test_every_key_and_list_item_records_its_line() -> None:
    """Cross-file checks name lines from this table, so nested keys and items must be in it."""
    doc = parse_yaml("a: 1\nb:\n  c: x\n  items:\n    - one\n    - {d: 2}\n", "x.yaml")
    assert doc.data == {"a": 1, "b": {"c": "x", "items": ["one", {"d": 2}]}}
    assert doc.lines[("a",)] == 1
    assert doc.lines[("b",)] == 2
    assert doc.lines[("b", "c")] == 3
    assert doc.lines[("b", "items", 0)] == 5
    assert doc.lines[("b", "items", 1, "d")] == 6


def test_a_path_without_its_own_line_falls_back_to_its_nearest_ancestor() -> None:
    """A missing key has no line of its own; the mapping that lacks it is the next best place."""
    doc = parse_yaml("# comment\nouter:\n  inner: 1\n", "x.yaml")
    assert doc.line_of(("outer", "absent")) == 2
    assert doc.line_of(("outer", "inner")) == 3


# --------------------------------------------------------------------------- YAML traps


def test_a_duplicate_key_names_its_line_and_the_first_ones() -> None:
    """The second value would silently win in other loaders: say where both are."""
    [found] = findings_of("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n")
    assert found.code == "yaml-duplicate-key"
    assert found.line == 5
    assert found.key == "b.c"
    assert "first on line 3" in found.message


def test_every_duplicate_key_in_a_file_is_reported_at_once() -> None:
    """An analyst fixes a file in one pass, not one error per run."""
    found = findings_of("a: 1\na: 2\nb: 1\nb: 2\n")
    assert [(f.code, f.line) for f in found] == [("yaml-duplicate-key", 2), ("yaml-duplicate-key", 4)]


@pytest.mark.parametrize("word", ["NO", "yes", "on", "Off", "TRUE"])
def test_an_ambiguous_yaml_1_1_boolean_is_refused(word: str) -> None:
    """``NO`` (Norway, or a label) is ``False`` to YAML 1.1 tools: only true/false are booleans."""
    if word == "TRUE":  # true/false in any case are booleans to both YAML versions
        assert parse_yaml(f"label: {word}\n", "x.yaml").data == {"label": True}
        return
    [found] = findings_of(f"label: {word}\n")
    assert found.code == "yaml-ambiguous-bool"
    assert found.line == 1
    assert found.key == "label"


@pytest.mark.parametrize("word", ["Y", "n"])
def test_single_letters_stay_text(word: str) -> None:
    """PyYAML's resolver does not treat single letters as booleans, so they stay plain text."""
    assert parse_yaml(f"label: {word}\n", "x.yaml").data == {"label": word}


def test_true_and_false_are_booleans_and_quoted_words_are_text() -> None:
    """The safe spellings keep working."""
    doc = parse_yaml("a: true\nb: False\nc: \"NO\"\nd: 'yes'\n", "x.yaml")
    assert doc.data == {"a": True, "b": False, "c": "NO", "d": "yes"}


@pytest.mark.parametrize("number", ["0x1F", "017", "010", "1_000", "1:30", "0b101"])
def test_a_yaml_1_1_number_form_is_refused(number: str) -> None:
    """Hex, octal (a leading 0), underscores and base-60 change meaning between YAML versions."""
    [found] = findings_of(f"points: {number}\n")
    assert found.code == "yaml-type"
    assert found.line == 1
    assert repr(number) in found.message


def test_plain_numbers_and_dates_are_read_as_such() -> None:
    """The forms both YAML versions agree on are read, not refused."""
    doc = parse_yaml("a: 10\nb: -2\nc: 2.5\nd: 2024-03-01\ne: ~\n", "x.yaml")
    assert doc.data == {"a": 10, "b": -2, "c": 2.5, "d": date(2024, 3, 1), "e": None}


def test_an_unquoted_measure_id_1_10_is_a_float_that_validation_refuses() -> None:
    """``1.10`` is the number 1.1, which would collide with measure 1.1: it must be quoted."""
    text = Path(SHIPPED / "py1" / "submission-1.yaml").read_text(encoding="utf-8")
    bad = text.replace('  - id: "1.1"\n', "  - id: 1.10\n", 1)
    found = validation_findings(Submission, bad, "submission-1.yaml")
    assert [(f.code, f.key) for f in found] == [("yaml-type", "measures[0].id")]
    assert 'quote it, e.g. "1.10"' in found[0].message


def test_a_tab_is_refused_with_its_line() -> None:
    """YAML forbids tabs in indentation; say so plainly rather than with a scanner error."""
    [found] = findings_of("a:\n\tb: 1\n")
    assert (found.code, found.line) == ("yaml-tab", 2)


def test_a_syntax_error_names_its_line() -> None:
    """The parser's own mark is kept, one-based."""
    [found] = findings_of("a: [1, 2\nb: 3\n")
    assert found.code == "yaml-syntax"
    assert found.line is not None and found.line >= 1


def test_a_merge_key_is_refused() -> None:
    """``<<`` copies keys invisibly; a rule must be written where it applies."""
    [found] = findings_of("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert (found.code, found.line) == ("yaml-structure", 3)


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system [echo hi]",
        "!!python/name:os.system",
        "!!set {x, y}",
        "!!omap [x: 1]",
        "!local {x: 1}",
    ],
)
def test_an_unknown_tag_is_refused_and_never_constructed(value: str) -> None:
    """A tag on a scalar, a list or a mapping means something else to other tools: refuse it."""
    [found] = findings_of(f"a: {value}\n")
    assert (found.code, found.line, found.key) == ("yaml-type", 1, "a")
    assert "unsupported tag" in found.message


def test_thousands_of_nested_brackets_are_refused_not_a_crash() -> None:
    """Deep nesting exhausts Python's recursion: that is bad input (a finding), not a bug."""
    [found] = findings_of("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert found.code == "yaml-structure"
    assert "too deeply" in found.message


def test_an_alias_bomb_is_refused_quickly() -> None:
    """Billion laughs: aliases expand to 9**9 values; the loader stops counting well before."""
    lines = ['a: &a ["l", "l", "l", "l", "l", "l", "l", "l", "l"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    [found] = findings_of("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 5
    assert found.code == "yaml-structure"
    assert "refused" in found.message


def test_aliases_that_stay_small_are_allowed() -> None:
    """Anchors are ordinary YAML; only explosive expansion is refused."""
    doc = parse_yaml("a: &x [1, 2]\nb: *x\n", "x.yaml")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}


def test_an_empty_document_parses_to_none() -> None:
    """Emptiness is for ``validate`` to name (it knows what was expected)."""
    doc = parse_yaml("# only a comment\n", "x.yaml")
    assert doc.data is None


# --------------------------------------------------------------------------- files


def test_non_utf8_bytes_are_refused_with_their_line(tmp_path: Path) -> None:
    """A Latin-1 file is not silently mis-decoded; the line of the first bad byte is given."""
    path = tmp_path / "program.yaml"
    path.write_bytes(b"a: 1\nlabel: caf\xe9\n")
    with pytest.raises(InputError) as raised:
        read_text(path, "program.yaml")
    assert (raised.value.first.code, raised.value.first.line) == ("file-unreadable", 2)


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    """Windows editors add a BOM; it is not part of the first key."""
    path = tmp_path / "x.yaml"
    path.write_bytes("\ufeffa: 1\n".encode())
    assert load_yaml(path, "x.yaml").data == {"a": 1}


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    """The CLI maps this code to exit 2 (unreadable input)."""
    with pytest.raises(InputError) as raised:
        read_text(tmp_path / "absent.yaml", "absent.yaml")
    assert raised.value.first.code == "file-not-found"


# --------------------------------------------------------------------------- validate


def shipped_program(year: int = 1) -> str:
    return (SHIPPED / f"py{year}" / "program.yaml").read_text(encoding="utf-8")


def test_the_shipped_program_validates_with_money_and_shares_as_decimals() -> None:
    """Money and shares arrive as exact ``Decimal``s, never floats."""
    program = validate(Program, parse_yaml(shipped_program(), "program.yaml"))
    assert program.funding == Decimal("600000000.00")
    assert [p.share for p in program.payments] == [Decimal("0.5"), Decimal("0.5")]


def test_an_unknown_key_suggests_the_nearest_allowed_one() -> None:
    """A misspelt key is a rule silently ignored; name it, and guess what was meant."""
    text = shipped_program().replace("flexible_share:", "flexible_shares:")
    found = validation_findings(Program, text)
    unknown = [f for f in found if f.code == "yaml-unknown-key"]
    assert len(unknown) == 1
    assert unknown[0].key == "flexible_shares"
    assert "did you mean 'flexible_share'?" in unknown[0].message
    assert unknown[0].line == text.splitlines().index('flexible_shares: "0.30"') + 1
    # The misspelling also leaves the real key missing; the hint already says so, so the missing
    # key is not reported a second time.
    assert not any(f.code == "yaml-missing-key" and f.key == "flexible_share" for f in found)


def test_float_money_is_refused_with_its_line_and_key() -> None:
    """``600000000.0`` is already a float when YAML hands it over; money must be a string."""
    text = shipped_program().replace('funding: "600000000.00"', "funding: 600000000.0")
    [found] = validation_findings(Program, text)
    assert (found.code, found.key) == ("yaml-float-money", "funding")
    assert found.line == text.splitlines().index("funding: 600000000.0") + 1


def test_an_integer_share_is_refused_like_a_float_one() -> None:
    """``share: 1`` looks harmless, but shares are written one way: as strings."""
    text = shipped_program(3).replace('share: "1"', "share: 1")
    [found] = validation_findings(Program, text)
    assert (found.code, found.key) == ("yaml-float-money", "payments[0].share")


def test_a_list_where_a_mapping_is_expected_is_a_structure_finding() -> None:
    """The whole file is the wrong shape: one finding, not one per missing key."""
    [found] = validation_findings(Program, "- a\n- b\n")
    assert (found.code, found.line) == ("yaml-structure", 1)
    assert "a list" in found.message


def test_an_empty_file_is_a_structure_finding() -> None:
    """An empty program.yaml says so, on line 1."""
    [found] = validation_findings(Program, "")
    assert (found.code, found.line) == ("yaml-structure", 1)
    assert "empty" in found.message


def test_a_model_error_message_names_the_value_once() -> None:
    """Our own messages already quote the value; pydantic's input is not appended a second time."""
    text = shipped_program().replace('funding: "600000000.00"', 'funding: "-1.00"')
    [found] = validation_findings(Program, text)
    assert found.message.count("-1.00") == 1


def test_a_period_error_does_not_print_python_reprs() -> None:
    """The input of a model-level error is a dict of dates; its repr is Python, not YAML."""
    text = shipped_program().replace("end: 2022-12-31", "end: 2021-12-31")
    [found] = validation_findings(Program, text)
    assert found.key == "period"
    assert "datetime" not in found.message
    assert "before start" in found.message


def test_validate_accepts_plain_types_as_well_as_models() -> None:
    """``validate`` takes any type, so small files (lists of names) share the same errors."""
    doc = YamlDoc(file="x.yaml", data=[1, "two"], lines={(): 1, (1,): 2})
    with pytest.raises(InputError) as raised:
        validate(list[int], doc)
    assert raised.value.first.line == 2
