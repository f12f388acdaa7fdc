"""Names as people type them: MCP ids, counties, Community Supports, normalised once at load.

Why: names are keys. Two spellings of one name (``Contra Costa`` and ``contra  costa``, or one
with a non-breaking space pasted from a web page) would otherwise be two counties, two plans or
two Community Supports, each silently getting or losing money, and the message about the
mismatch would show two names that look identical. So, in every data file:

* surrounding and repeated whitespace, including non-breaking and other Unicode spaces, is
  collapsed to one space (``clean``);
* control characters (NUL, escape, …) and invisible format characters (zero-width space, a BOM
  in the middle, bidirectional marks) are refused, naming the character by its code point;
* a message that compares two names says where they differ (:func:`difference`), naming
  characters by code point when they are not plain ASCII (``U+2010 HYPHEN``);
* counties are checked against California's 58 (``counties.txt``, shipped in the package).
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Iterable
from importlib import resources

#: What a county in a plan-level row of targets.csv is called (as in the workbook).
PLAN_LEVEL = "All"


class BadName(ValueError):
    """A name that cannot be used (a control or invisible character)."""


def char_name(c: str) -> str:
    """``U+00A0 NO-BREAK SPACE``: how a message names a character a person cannot see."""
    return f"U+{ord(c):04X} {unicodedata.name(c, 'control character')}"


def clean(raw: str) -> str:
    """``raw`` with its whitespace collapsed; :class:`BadName` for a control or format character."""
    if raw.isascii() and raw.isprintable():  # space to tilde: no control character (most names)
        return " ".join(raw.split())
    for c in raw:
        category = unicodedata.category(c)
        if category in ("Cc", "Cf", "Co", "Cs", "Cn") and not c.isspace():
            raise BadName(f"contains {char_name(c)}, which no name may hold; remove it")
    return " ".join(raw.split())


def difference(here: str, there: str) -> str:
    """Where two names that look alike differ, for a message: ``they differ only in case``, or
    the first differing character by code point (``U+2010 HYPHEN here, U+002D HYPHEN-MINUS
    there``). Empty when the difference is plain to see (both names ASCII, not only case)."""
    if here == there:
        return ""
    if here.casefold() == there.casefold():
        return "they differ only in case"
    if here.isascii() and there.isascii():
        return ""
    index = next((i for i, (a, b) in enumerate(zip(here, there, strict=False)) if a != b), min(len(here), len(there)))
    mine = char_name(here[index]) if index < len(here) else "the end"
    theirs = char_name(there[index]) if index < len(there) else "the end"
    return f"they differ at character {index + 1}: {mine} here, {theirs} there"


def suggestion(name: str, choices: Iterable[str]) -> str:
    """``; did you mean 'X'?`` (with where they differ when that is hard to see), or empty."""
    options = sorted(set(choices))
    by_fold = {c.casefold(): c for c in options}
    if name.casefold() in by_fold:
        close = by_fold[name.casefold()]
    else:
        found = difflib.get_close_matches(name.casefold(), list(by_fold), n=1, cutoff=0.6)
        if not found:
            return ""
        close = by_fold[found[0]]
    where = difference(name, close)
    return f"; did you mean {close!r}?" + (f" ({where})" if where else "")


@functools.cache
def california_counties() -> tuple[str, ...]:
    """California's 58 counties, from the list shipped in the package."""
    text = resources.files("ipp_calc").joinpath("counties.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def county_problem(name: str) -> str | None:
    """Why ``name`` is not a California county as the State spells it, or None when it is."""
    counties = california_counties()
    if name in counties:
        return None
    return f"county {name!r} is not one of California's 58 counties{suggestion(name, counties)}"


class Spellings:
    """The first spelling of each name in one file, so a second spelling that differs only in
    case is refused with both lines named (it would otherwise be a second plan or county)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.first: dict[str, tuple[str, int | None]] = {}

    def clash(self, name: str, line: int | None) -> str | None:
        """The message when ``name`` is a new spelling of a name already seen; None otherwise."""
        spelling, first_line = self.first.setdefault(name.casefold(), (name, line))
        if spelling == name:
            return None
        where = f" on line {first_line}" if first_line is not None else ""
        how = difference(name, spelling)
        return f"{self.what} {name!r} is {spelling!r}{where} spelt another way ({how}); use one spelling"
