"""The workbook layout is defined once (``io/layout.py``) and the writer and reader agree with it.

Why a test: the template writer and the workbook reader kept their own copies of the sheet names,
Cover labels and headers. Both now import ``io/layout.py``; this pins that each name they use *is*
the layout's (the same object, not an equal copy that could drift), so a template ``ipp template``
writes is always one ``ipp score`` can read.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from ipp_calc.io import layout, report, template, workbook

#: (module, its own name for a layout constant, the layout's name).
COPIES = [
    (template, "COVER_SHEET", "COVER_SHEET"),
    (template, "RESPONSES_SHEET", "RESPONSES_SHEET"),
    (template, "INSTRUCTIONS_SHEET", "INSTRUCTIONS_SHEET"),
    (template, "COVER_LABELS", "COVER_LABELS"),
    (template, "COLUMNS", "RESPONSE_COLUMNS"),
    (template, "BASELINE", "H_BASELINE"),
    (workbook, "COVER", "COVER_SHEET"),
    (workbook, "RESPONSES", "RESPONSES_SHEET"),
    (workbook, "COVER_REQUIRED", "COVER_REQUIRED"),
    (workbook, "COVER_MEASURE_SET", "COVER_MEASURE_SET"),
    (workbook, "REQUIRED_HEADERS", "REQUIRED_HEADERS"),
    (workbook, "USED_HEADERS", "USED_HEADERS"),
    (report, "SHEETS", "REPORT_SHEETS"),
]


@pytest.mark.parametrize(("module", "own", "name"), COPIES, ids=[f"{m.__name__}.{o}" for m, o, _ in COPIES])
def test_a_modules_copy_of_the_layout_agrees_with_it(module: ModuleType, own: str, name: str) -> None:
    assert getattr(module, own) is getattr(layout, name)


def test_measure_id_county_and_response_are_where_the_eye_starts() -> None:
    """Issue 16: Measure ID, County, Response, with Answer with beside it, then the rest; the
    improvement measures' Baseline after the others. (FORMATS.md's example cell, Responses!G14, is
    an example: the reader finds columns by header, so either order reads the same.)"""
    assert [layout.column_letter(h) for h in ("Measure ID", "County", "Response", "Answer with", "Notes")] == [
        "A",
        "B",
        "C",
        "D",
        "E",
    ]
    assert layout.column_letter("Points") == "K"  # the 11th column
    assert layout.column_letter("Baseline") == "L"
    assert layout.COVER_LABELS[:4] == layout.COVER_REQUIRED
