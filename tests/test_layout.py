"""The workbook layout is defined once (``io/layout.py``) and the writer and reader agree with it.

Why a test: the template writer and the workbook reader kept their own copies of the sheet names,
Cover labels and headers. Until both import ``io/layout.py`` instead, this pins that any copy a
module still has agrees with the layout, so a template ``ipp template`` writes is always one
``ipp score`` can read. (A module that has dropped its copy passes: it uses the layout.)
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
    expected = getattr(layout, name)
    value = getattr(module, own, expected)
    assert (tuple(value) if isinstance(value, list | tuple) else value) == expected


def test_response_is_column_g_as_formats_md_shows() -> None:
    """FORMATS.md's example puts the answer in column G; the layout says so by name."""
    assert layout.column_letter("Response") == "G"
    assert layout.column_letter("Measure ID") == "A"
    assert layout.COVER_LABELS[:4] == layout.COVER_REQUIRED
