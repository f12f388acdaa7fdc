"""The percent-format scan finds a cell by its style number alone (issue 18), and finds exactly
the cells the full scan of every start tag found, whatever the attribute order or quoting."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ipp_calc.io import numformat

STYLES = (
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    b'<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="164"/><xf numFmtId="2"/></cellXfs>'
    b"</styleSheet>"
)
PARTS = {"xl/styles.xml": STYLES}  # cellXfs 1 (built-in 0%) and 2 (0.0%) are percentages


def _full_scan(xml: bytes, wanted: set[str]) -> set[str]:
    """The scan as it was: every cell start tag's attributes parsed."""
    hits = set()
    for match in numformat._CELL_START.finditer(xml):
        attributes = dict(numformat._ATTRIBUTE.findall(match.group(1)))
        ref = attributes.get(b"r", b"").decode("ascii", "replace")
        style = attributes.get(b"s", b"")
        if ref in wanted and style.isdigit() and int(style) in {1, 2}:
            hits.add(ref)
    return hits


def test_percent_cells_are_found_whatever_the_attribute_order_quotes_or_prefix() -> None:
    xml = (
        b'<worksheet><sheetData><row r="2" s="1">'
        b'<c r="A2" s="1"><v>0.5</v></c>'  # s=1: 0%
        b"<c s='2' r=\"B2\"><v>3</v></c>"  # s first, single quotes: 0.0%
        b'<x:c r="C2" s = "002"/>'  # a prefix, spaces, leading zeros: still xf 2
        b'<c r="D2" s="3"><v>1</v></c>'  # 0.00: not a percentage
        b'<c r="E2" t="s" s="12"><v>1</v></c>'  # 12 is not 1 or 2
        b'<c r="F2"><v>1</v></c>'  # no style at all
        b"</row></sheetData></worksheet>"
    )
    wanted = {"A2", "B2", "C2", "D2", "E2", "F2"}
    assert numformat.percent_cells(PARTS, xml, wanted) == {"A2", "B2", "C2"}
    assert numformat.percent_cells(PARTS, xml, wanted) == _full_scan(xml, wanted)
    assert numformat.percent_cells(PARTS, xml, {"D2"}) == set()  # only the cells asked about


_TAG = st.builds(
    lambda ref, style, quote, first, prefix: (
        f"<{prefix}c "
        + (f's={quote}{style}{quote} r="{ref}"' if first else f'r="{ref}" s={quote}{style}{quote}')
        + "><v>1</v></c>"
    ),
    st.sampled_from(["A1", "B2", "C3", "D4"]),
    st.sampled_from(["0", "1", "2", "3", "01", "12", "21"]),
    st.sampled_from(['"', "'"]),
    st.booleans(),
    st.sampled_from(["", "x:"]),
)


@given(st.lists(_TAG | st.sampled_from(['<row r="1" s="1">', "</row>", '<f s="1"/>']), max_size=12))
def test_the_style_search_agrees_with_the_full_scan_on_random_sheets(tags: list[str]) -> None:
    xml = ("<worksheet><sheetData>" + "".join(tags) + "</sheetData></worksheet>").encode()
    wanted = set(re.findall(r"[A-D][1-4]", "".join(tags)))
    assert numformat.percent_cells(PARTS, xml, wanted) == _full_scan(xml, wanted)
