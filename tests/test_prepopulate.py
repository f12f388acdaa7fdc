"""Prepopulation carries only what the measure set declares (``prepopulate_from``, and an
improvement measure's ``baseline``), never by a bare id match; ``ipp check`` validates each
declaration.

The tiny year of ``scenario.py``: Submission 1 has 1.1 (plan, completion), 1.2 (county,
reporting), 3.1 and 3.2 (county, completion); Submission 2 has 1.1 (county, target), 1.2 (county,
target, lower), 3.1 (county, completion).
"""

from __future__ import annotations

import pytest

from ipp_calc.core.checks import check_baselines, check_measure_set
from ipp_calc.core.prepopulate import prepopulate
from scenario import ALL, D, filled, m, measure_set, program, sub1, submission

#: Submission 2 of the tiny year, where 3.1 declares it is prepopulated from Submission 1's 3.1
#: (both county-level Yes/No), and 1.2 declares Submission 1's 1.2 (both county-level numbers).
DECLARED = (
    m("1.1", 1, "target", 5, extra="direction: higher")
    + m(
        "1.2",
        1,
        "target",
        5,
        mandatory=False,
        extra='direction: lower, prepopulate_from: {submission: 1, measure: "1.2"}',
    )
    + m("3.1", 3, "completion", 10, extra='prepopulate_from: {submission: 1, measure: "3.1"}')
)

#: The same submission declaring nothing: the ids 1.1, 1.2, 3.1 all exist in Submission 1 too.
UNDECLARED = (
    m("1.1", 1, "target", 5, extra="direction: higher")
    + m("1.2", 1, "target", 5, mandatory=False, extra="direction: lower")
    + m("3.1", 3, "completion", 10)
)

EARLIER = filled(
    "A",
    1,
    ("Alameda", "Fresno"),
    {
        ("1.1", ALL): "Yes",
        ("1.2", "Alameda"): "40",
        ("1.2", "Fresno"): "7",
        ("3.1", "Alameda"): "Yes",
        # 3.1 Fresno left blank in Submission 1
    },
)


def test_nothing_is_carried_when_no_measure_declares_the_earlier_submission() -> None:
    # Today's bug: a bare id match carried S1 1.1 = Yes into S2 1.1 and S1 1.2 = 40 into S2's target 1.2.
    result = prepopulate(
        submission(2, {1: 10, 3: 10}, UNDECLARED), ("Alameda", "Fresno"), EARLIER, source="a.xlsx", sha256="ab"
    )
    assert result.carried == () and result.not_carried == () and result.declared == 0


def test_only_declared_measures_are_carried_county_by_county() -> None:
    result = prepopulate(
        submission(2, {1: 10, 3: 10}, DECLARED), ("Alameda", "Fresno"), EARLIER, source="a.xlsx", sha256="ab"
    )
    assert result.declared == 2  # 1.2 and 3.1 declare Submission 1
    assert [(c.measure, c.county, c.column, c.value) for c in result.carried] == [
        ("1.2", "Alameda", "Response", D("40")),
        ("1.2", "Fresno", "Response", D("7")),
        ("3.1", "Alameda", "Response", True),
    ]
    # 3.1 Fresno was blank in Submission 1: declared, nothing to carry, and said so
    assert [str(n) for n in result.not_carried] == [
        "measure 3.1 (Fresno): the earlier workbook has no answer for measure 3.1 (Fresno)"
    ]
    assert result.label == "PY1 submission 1: a.xlsx (sha256 ab)"


def test_a_workbook_of_another_submission_than_declared_carries_nothing() -> None:
    later = filled("A", 2, ("Alameda",), {("1.2", "Alameda"): "40", ("3.1", "Alameda"): "Yes"})
    result = prepopulate(submission(2, {1: 10, 3: 10}, DECLARED), ("Alameda",), later, source="b.xlsx", sha256="cd")
    assert result.carried == () and result.declared == 0


# --------------------------------------------------------------------------- ipp check


def checked(extra: str, *, kind: str = "reporting", level: str = "county") -> list[str]:
    sub2 = submission(
        2,
        {1: 10, 3: 10},
        m("1.1", 1, kind, 5, level=level, extra=extra) + m("1.2", 1, "reporting", 5) + m("3.1", 3, "completion", 10),
    )
    ms = measure_set(program(), [sub1(), sub2])
    return [f.message for f in check_measure_set(ms) + check_baselines(ms, {}) if f.code != "optional-meaningless"]


def test_a_good_declaration_has_no_finding() -> None:
    assert checked('prepopulate_from: {submission: 1, measure: "1.2"}') == []


@pytest.mark.parametrize(
    ("declaration", "words"),
    [
        ('prepopulate_from: {submission: 2, measure: "1.2"}', "does not come before this one (2)"),
        ('prepopulate_from: {submission: 1, measure: "9.9"}', "submission 1 has no measure 9.9"),
        ('prepopulate_from: {submission: 1, measure: "3.1"}', "is answered with Yes/No, this one with a number"),
        ('prepopulate_from: {submission: 1, measure: "1.1"}', "1.1 is plan-level; this one is county-level"),
        ('prepopulate_from: {program_year: 2, submission: 1, measure: "1.2"}', "comes after this one (1)"),
        ('prepopulate_from: {program_year: 0, submission: 1, measure: "1.2"}', "whose measure set was not found"),
    ],
)
def test_a_bad_declaration_is_a_finding_naming_it(declaration: str, words: str) -> None:
    found = checked(declaration)
    assert len(found) == 1 and words in found[0], found
