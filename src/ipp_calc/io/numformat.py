"""Which cells of a sheet a spreadsheet shows as a percentage.

Why: a Response cell formatted as ``0%`` shows ``95%`` while it holds ``0.95``. For a measure that
counts something (providers, members, days), an MCP who typed "95%" meant 95, and scoring 0.95
would be silently wrong. Neither reader (calamine, openpyxl ``read_only``) reports a cell's number
format cheaply, so this reads it from the package: the workbook's ``styles.xml`` says which cell
formats (``cellXfs``) are percentages, and only when some are does a scan of the sheet's start
tags (``<c r="G14" s="5">``) find the cells that use them.

The archive has already passed :func:`ipp_calc.io.workbook.check_archive` (entry count, sizes,
no DTD or entity), and XML is parsed with defusedxml only.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
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


def percent_cells(
    data: bytes, sheet_title: str, cells: Iterable[str], sheet_part: Callable[[zipfile.ZipFile, str, Any], str | None]
) -> set[str]:
    """Which of ``cells`` (``"G14"``) on ``sheet_title`` have a percentage number format.

    ``sheet_part`` finds the sheet's zip path (the workbook reader's own resolver). A workbook
    whose styles cannot be read gives an empty set: this only adds a warning, never refuses.
    """
    wanted = set(cells)
    if not wanted:
        return set()
    from defusedxml.ElementTree import parse

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            styles = _styles_part(archive, parse)
            if styles is None:
                return set()
            percent_xfs = _percent_xfs(parse(archive.open(styles)).getroot())
            if not percent_xfs:
                return set()
            part = sheet_part(archive, sheet_title, parse)
            if part is None:
                return set()
            xml = archive.read(part)
    except Exception:
        return set()
    hits: set[str] = set()
    for match in _CELL_START.finditer(xml):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        ref = attributes.get(b"r", b"").decode("ascii", "replace")
        style = attributes.get(b"s", b"")
        if ref in wanted and style.isdigit() and int(style) in percent_xfs:
            hits.add(ref)
    return hits


def _styles_part(archive: zipfile.ZipFile, parse: Any) -> str | None:
    names = set(archive.namelist())
    book = "xl/workbook.xml"
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names:
        for rel in parse(archive.open(rels)).getroot():
            if str(rel.get("Type", "")).endswith("/styles"):
                target = str(rel.get("Target", ""))
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(posixpath.dirname(book), target))
                )
                return path if path in names else None
    return "xl/styles.xml" if "xl/styles.xml" in names else None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


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
