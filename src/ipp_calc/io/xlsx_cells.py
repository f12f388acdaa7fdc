"""One typing of workbook cell values, shared by both sheet readers (calamine and openpyxl).

Why one typing: the two readers return the same cell differently (calamine ``291.0``, openpyxl
``291``; calamine reads an error value such as ``#DIV/0!`` as an empty string, openpyxl as the
text ``"#DIV/0!"``; neither says that a formula has no saved value). If each reader's raw value
went straight to the scorer, the same file could score differently depending on which reader is
installed. So every raw value passes through :func:`typed` here, and what the readers cannot see
(errors, formulas without a trustworthy saved value) comes from the sheet's XML, scanned once by
:func:`special_cells` for both readers alike.

A typed value is one of:

* ``str`` (shared strings, inline strings and rich text all end up as their plain text);
* ``Decimal``: a number as a spreadsheet shows and compares it, rounded to 15 significant digits
  (Excel stores ``=2.53*100`` as ``252.99999999999997``, shows ``253`` and compares ``253``);
* ``bool``; ``date`` / ``datetime`` / ``time`` / ``timedelta`` for date- and time-formatted cells
  (a ``datetime`` at midnight is the ``date``, so both readers agree);
* :class:`CellError`: a spreadsheet error value (``#DIV/0!``, ``#N/A``, …);
* :class:`NoValue`: a formula whose saved value cannot be trusted: there is none (written by a
  program, never opened in a spreadsheet), or the workbook asks to be recalculated when opened
  (``fullCalcOnLoad``, which XlsxWriter and openpyxl set, writing ``0`` as every formula's result).

Blank cells are absent (``None``).
"""

from __future__ import annotations

import functools
import html
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: Significant digits a spreadsheet keeps when it shows or compares a number (Excel, LibreOffice).
SIGNIFICANT_DIGITS = 15

#: A number typed as text: digits with an optional decimal point, nothing else. An exponent or a
#: thousands separator is refused (as in YAML and CSV): ``1e9999999`` would overflow or print
#: gigabytes, and ``1,000`` may be a European 1.000.
NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
EXPONENT_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+")


@dataclass(frozen=True, slots=True)
class CellError:
    """A spreadsheet error value such as ``#DIV/0!``: the formula behind it failed."""

    code: str


@dataclass(frozen=True, slots=True)
class NoValue:
    """A formula whose saved value is missing or a placeholder; ``recalc`` says which."""

    recalc: bool


CellValue = str | Decimal | bool | date | datetime | time | timedelta | CellError | NoValue


def typed(raw: object) -> CellValue | None:
    """A reader's raw value as the one typed value (see the module docstring); None if blank."""
    if raw is None or isinstance(raw, (CellError, NoValue)):
        return raw
    if isinstance(raw, str):
        return raw if raw else None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        return Decimal(raw) if -(10**15) < raw < 10**15 else spreadsheet_number(Decimal(raw))
    if isinstance(raw, float):
        return _float_number(raw)
    if isinstance(raw, datetime):
        return raw.date() if raw.time() == time() and raw.tzinfo is None else raw
    if isinstance(raw, (date, time, timedelta)):
        return raw
    return str(raw)


@functools.lru_cache(maxsize=4096)
def _float_number(raw: float) -> Decimal | CellError:
    """A float cell as its typed number (cached: a template repeats a few values many times)."""
    if not math.isfinite(raw):
        return CellError("#NUM!")  # no spreadsheet holds an infinity; a file that says so is broken
    if raw.is_integer() and abs(raw) < 10**15:
        return Decimal(int(raw)) if raw else Decimal(0)
    return spreadsheet_number(Decimal(raw))


def spreadsheet_number(value: Decimal) -> Decimal:
    """``value`` rounded to 15 significant digits (half away from zero, as Excel shows it),
    without trailing zeros: ``252.999999999999971578…`` → ``253``, ``0.1000000000000000055…`` → ``0.1``.

    The float's exact binary value is rounded (not its shortest repr), so there is one rounding.
    """
    if not value:
        return Decimal(0)
    exponent = value.adjusted() - (SIGNIFICANT_DIGITS - 1)
    if value.as_tuple().exponent < exponent:  # type: ignore[operator]
        value = value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    value = value.normalize()
    if value.as_tuple().exponent > 0 and value.adjusted() < 28:  # type: ignore[operator]
        value = value.quantize(Decimal(1))  # 2.5E+2 → 250
    return value


def number_text(text: str) -> Decimal | None:
    """A number typed as text (``'253``, `` 12.5 ``), rounded like a number cell; None if it is not one."""
    stripped = text.strip()
    if not NUMBER_TEXT.fullmatch(stripped):
        return None
    try:
        return spreadsheet_number(Decimal(stripped))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid Decimal text
        return None


def is_exponent_text(value: CellValue | None) -> bool:
    """Whether a text cell holds a number written with an exponent (``1e9999999``)."""
    return isinstance(value, str) and EXPONENT_TEXT.fullmatch(value.strip()) is not None


def is_blank(value: CellValue | None) -> bool:
    """Empty, or text of only spaces: what a person sees as an empty cell."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: CellValue, *, keep_inner: bool = False) -> str:
    """A cell as text: strings trimmed (inner spaces folded unless ``keep_inner``), numbers as shown."""
    if isinstance(value, str):
        return value.strip() if keep_inner else " ".join(value.split())
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, CellError):
        return value.code
    return str(value)


def format_number(value: Decimal) -> str:
    """A typed number as a person reads it: ``253``, ``0.95``, ``1E+308`` only when huge or tiny."""
    if -28 < value.adjusted() < 28:
        return f"{value:f}"
    return str(value)


def shown(value: CellValue) -> str:
    """A found value as a message shows it: text quoted (and shortened), the rest as a spreadsheet shows it."""
    if isinstance(value, str):
        text = " ".join(value.split())
        if len(text) > 40:
            text = text[:39] + "…"
        return f'"{text}"'
    if isinstance(value, (datetime, date)):
        return f"a date ({value.isoformat()})"
    if isinstance(value, (time, timedelta)):
        return f"a time ({value})"
    if isinstance(value, CellError):
        return f"the error value {value.code}"
    if isinstance(value, NoValue):
        return "a formula with no saved value"
    return as_text(value)


# --------------------------------------------------------------------------- from the XML


def special_cells(xml: bytes, *, recalc: bool) -> dict[str, CellError | NoValue]:
    """The cells of a worksheet part whose value a reader's own value must not stand for.

    * error cells (``t="e"``): both readers lose or misread them;
    * formula cells with no saved value (no ``<v>``, or an empty one that is not a text result);
    * with ``recalc`` (the workbook's ``fullCalcOnLoad``), every formula cell: its saved value is
      whatever the writing program put there (XlsxWriter: 0), not the formula's result.

    A byte scan, not a parse: cells with an error or a formula are rare on a filled template, so
    the whole sheet costs a few ``bytes.find`` calls and work per special cell only. Every
    program that writes xlsx (Excel, LibreOffice, XlsxWriter, openpyxl) writes these tags
    unprefixed with double quotes; a sheet that prefixes them is read by openpyxl instead
    (:func:`needs_parser`), which sees error cells natively.
    """
    found: dict[str, CellError | NoValue] = {}
    for marker in (b' t="e"', b" t='e'"):
        start = xml.find(marker)
        while start != -1:
            cell = _enclosing_cell(xml, start)
            if cell is not None:
                ref, body = cell
                code = _value_text(body)
                found[ref] = CellError(html.unescape(code.decode("utf-8", "replace")) if code else "#VALUE!")
            start = xml.find(marker, start + 1)
    for marker in (b"<f>", b"<f ", b"<f/>"):
        start = xml.find(marker)
        while start != -1:
            cell = _enclosing_cell(xml, start)
            if cell is not None and cell[0] not in found:
                ref, body = cell
                head = xml[xml.rfind(b"<c", 0, start) : start]
                if not _value_text(body) and b't="str"' not in head and b"t='str'" not in head:
                    found[ref] = NoValue(recalc=False)  # nothing saved at all: the plainer reason
                elif recalc:
                    found[ref] = NoValue(recalc=True)
            start = xml.find(marker, start + 1)
    return found


def needs_parser(xml: bytes) -> bool:
    """Whether a worksheet part is written in a way the byte scans do not cover (a namespace
    prefix on its elements, or a UTF-16 encoding): such a part is read by the XML parser."""
    head = xml[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return True
    match = re.search(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]", head)
    return match is None or match.group(1) is not None


_REF = re.compile(rb"""\sr=["']([A-Z]{1,3}[0-9]{1,7})["']""")
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")


#: How far before a marker its cell's start tag may begin: the marker is in the start tag
#: (``t="e"``) or right after it (``<f>``, the first child), and a start tag is a few attributes.
_TAG_REACH = 4096


def _enclosing_cell(xml: bytes, position: int) -> tuple[str, bytes] | None:
    """The reference and content of the ``<c>`` element around ``position``, or None."""
    reach = max(0, position - _TAG_REACH)
    begin = xml.rfind(b"<c", reach, position)
    while begin != -1 and xml[begin + 2 : begin + 3] not in (b" ", b">", b"\t", b"\n", b"\r"):
        begin = xml.rfind(b"<c", reach, begin)  # <col>, <cfRule>, …: not a cell
    if begin == -1:
        return None
    close = xml.find(b">", begin)
    if close == -1:
        return None
    if xml[close - 1 : close] == b"/":  # <c … t="e"/>: an empty cell, no content of its own
        if close < position:
            return None  # the marker comes after this empty cell: it is in no cell
        match = _REF.search(xml, begin, close)
        return None if match is None else (match.group(1).decode("ascii"), b"")
    end = xml.find(b"</c>", close)
    if end == -1 or end < position:
        return None
    match = _REF.search(xml, begin, close)
    if match is None:
        return None
    return match.group(1).decode("ascii"), xml[close + 1 : end]


def _value_text(body: bytes) -> bytes:
    match = _VALUE.search(body)
    return match.group(1).strip() if match else b""
