"""Text that every terminal and redirect can take, whatever its encoding.

Why: ``PYTHONIOENCODING=cp1252`` is what a redirect gets on Windows, ``ascii`` what some CI
runners and cron jobs give, and a table with ``→``, ``Σ`` or box drawing then raised
``UnicodeEncodeError`` (exit 70) after the computation was done. A character the stream cannot
encode is written as its ASCII equivalent instead (``→`` as ``->``, ``Σ`` as ``sum``, box
drawing as ``-`` and ``|``, ``é`` as ``e``), and anything without one as ``?``: the numbers and
names a person needs always get through, never an exception. Files written with ``-o`` are
UTF-8 and keep every character.
"""

from __future__ import annotations

import codecs
import contextlib
import sys
import unicodedata
from typing import TextIO

#: The handler's name for ``str.encode(errors=...)`` and ``TextIOWrapper.reconfigure``.
ERRORS = "ipp-ascii"

#: Characters ipp itself prints, and common ones in names, with their ASCII equivalents.
_ASCII = {
    "→": "->",
    "←": "<-",
    "↔": "<->",
    "⇒": "=>",
    "Σ": "sum",
    "∑": "sum",
    "Δ": "d",
    "−": "-",
    "–": "-",
    "—": "--",
    "…": "...",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "×": "x",
    "÷": "/",
    "·": ".",
    "•": "*",
    "✓": "v",
    "✗": "x",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "«": "<<",
    "»": ">>",
    "\u00a0": " ",
    "€": "EUR",
    "§": "S.",
    "°": " deg",
}


def ascii_equivalent(char: str) -> str:
    """The ASCII a person would type for ``char``: box drawing by its direction, a letter
    without its accents (NFKD), else ``?``."""
    if char in _ASCII:
        return _ASCII[char]
    code = ord(char)
    if 0x2500 <= code <= 0x257F:  # box drawing
        name = unicodedata.name(char, "")
        horizontal, vertical = "HORIZONTAL" in name, "VERTICAL" in name
        if horizontal and not vertical:
            return "=" if "DOUBLE" in name else "-"
        if vertical and not horizontal:
            return "|"
        return "+"
    if 0x2580 <= code <= 0x259F:  # block elements (progress bars)
        return "#"
    decomposed = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    if stripped and stripped.isascii() and stripped.isprintable():
        return stripped
    return "?"


def _handler(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(ascii_equivalent(c) for c in bad), error.end


codecs.register_error(ERRORS, _handler)


def degrade_gracefully(*streams: TextIO) -> None:
    """Make ``streams`` (default: stdout and stderr) write what they cannot encode as ASCII.

    Only the error handler changes; the encoding stays what the user's environment chose. A
    stream that cannot be reconfigured (a test's capture, a closed stream) is left alone."""
    for stream in streams or (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
        if encoding in ("utf-8", "utf8") and getattr(stream, "errors", "") != "strict":
            continue  # utf-8 with surrogateescape and the like: every str already gets through
        with contextlib.suppress(Exception):
            reconfigure(errors=ERRORS)
