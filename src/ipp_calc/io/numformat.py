"""Which cells of a sheet a spreadsheet shows as a percentage.

Why: a Response cell formatted as ``0%`` shows ``95%`` while it holds ``0.95``. For a measure that
counts something (providers, members, days), an MCP who typed "95%" meant 95, and scoring 0.95
would be silently wrong. Neither reader (calamine, openpyxl ``read_only``) reports a cell's number
format cheaply, so this reads it from the package: the workbook's ``styles.xml`` says which cell
formats (``cellXfs``) are percentages, and only when some are does a scan of the sheet's start
tags (``<c r="G14" s="5">``) find the cells that use them.

The archive has already passed :func:`ipp_calc.io.workbook.check_archive` (entry count, sizes,
no DTD or entity), which hands over the parts it decompressed; XML is parsed with defusedxml only.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: Built-in number formats that are percentages (ECMA-376 Part 1, 18.8.30: 9 ``0%``, 10 ``0.00%``).
BUILTIN_PERCENT = frozenset({9, 10})

_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s([^<>]*?)/?>")
_ATTRIBUTE = re.compile(rb"""\b(r|s)\s*=\s*["']([^"']*)["']""")


def is_percent_code(code: str) -> bool:
    """Whether a format code shows its number as a percentage: a ``%`` outside quotes, escapes
    and brackets (``0.0%`` yes; ``0 "%"`` and ``0\\%`` no)."""
    quoted = bracket = escaped = False
    for char in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = char != '"'
        elif bracket:
            bracket = char != "]"
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = True
        elif char == "[":
            bracket = True
        elif char == "%":
            return True
    return False


def percent_cells(parts: Mapping[str, bytes], sheet_xml: bytes, cells: Iterable[str]) -> set[str]:
    """Which of ``cells`` (``"G14"``) of a sheet have a percentage number format.

    ``parts`` are the workbook's parts as :func:`~ipp_calc.io.xlsx_container.check_archive`
    decompressed them, ``sheet_xml`` the sheet's part as the sheet reader read it: nothing is
    decompressed again. A workbook whose styles cannot be read gives an empty set: this only adds
    a warning, never refuses.
    """
    wanted = set(cells)
    if not wanted:
        return set()
    try:
        styles = _styles_part(parts)
        if styles is None:
            return set()
        percent_xfs = _percent_xfs_of(parts[styles])
    except Exception:
        return set()
    if not percent_xfs:
        return set()
    # Only the cells whose start tag names a percentage style: found by one search for those
    # style numbers (a few cells), not by parsing every cell's attributes (issue 18).
    numbers = "|".join(str(n) for n in sorted(percent_xfs)).encode("ascii")
    candidates = re.compile(rb"""\bs\s*=\s*["']0*(?:""" + numbers + rb""")["']""")
    hits: set[str] = set()
    for found in candidates.finditer(sheet_xml):
        match = _CELL_START.match(sheet_xml, sheet_xml.rfind(b"<", 0, found.start()))
        if match is None or match.end() <= found.start():
            continue  # not in a cell's start tag
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        ref = attributes.get(b"r", b"").decode("ascii", "replace")
        style = attributes.get(b"s", b"")
        if ref in wanted and style.isdigit() and int(style) in percent_xfs:
            hits.add(ref)
    return hits


def _styles_part(parts: Mapping[str, bytes]) -> str | None:
    rels = "xl/_rels/workbook.xml.rels"
    if rels in parts:
        path = _styles_target(parts[rels])
        if path is not None:
            return path if path in parts else None
    return "xl/styles.xml" if "xl/styles.xml" in parts else None


@functools.lru_cache(maxsize=32)
def _styles_target(workbook_rels: bytes) -> str | None:
    """The styles part the workbook's relationships name, if any (by the part's bytes, as
    :func:`_percent_xfs_of`: one parse for a year's workbooks made from one template)."""
    from defusedxml.ElementTree import fromstring

    for rel in fromstring(workbook_rels):
        if str(rel.get("Type", "")).endswith("/styles"):
            target = str(rel.get("Target", ""))
            return (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(posixpath.dirname("xl/workbook.xml"), target))
            )
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


@functools.lru_cache(maxsize=32)
def _percent_xfs_of(styles: bytes) -> frozenset[int]:
    """:func:`_percent_xfs` of a styles part, by its bytes: a year's workbooks come from one
    template, so most share their styles part byte for byte, and it is parsed once."""
    from defusedxml.ElementTree import fromstring

    return frozenset(_percent_xfs(fromstring(styles)))


def _percent_xfs(root: Any) -> set[int]:
    """Indexes of ``cellXfs`` entries whose number format is a percentage."""
    percent_ids = set(BUILTIN_PERCENT)
    xfs: list[Any] = []
    for child in root:
        name = _local(child.tag)
        if name == "numFmts":
            for fmt in child:
                number = fmt.get("numFmtId", "")
                if number.isdigit():
                    if is_percent_code(fmt.get("formatCode", "")):
                        percent_ids.add(int(number))
                    else:
                        percent_ids.discard(int(number))
        elif name == "cellXfs":
            xfs = [xf for xf in child if _local(xf.tag) == "xf"]
    out: set[int] = set()
    for index, xf in enumerate(xfs):
        number = xf.get("numFmtId", "0")
        if number.isdigit() and int(number) in percent_ids:
            out.add(index)
    return out
