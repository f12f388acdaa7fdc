"""Points, fractions and performance as JSON numbers.

Why this module: JSON has no decimal type, so the contract (FORMATS.md) writes points and
fractions as numbers, fractions and performance rounded half-even to 6 places. The exact values
(``Decimal`` points, ``Fraction`` shares) stay exact in the engine; only here, at the edge, does a
rounded ratio become a binary float for ``json.dumps``. Money never passes through here: money
is always a two-decimal string.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

SIX_PLACES = Decimal("0.000001")


def rounded6(value: Fraction | Decimal) -> Decimal:
    """The exact value rounded half-even to 6 decimal places, still exact."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN)


def ratio6(value: Fraction | Decimal) -> int | float:
    """A fraction or performance for JSON: rounded half-even to 6 places (1 and 0 stay ints)."""
    rounded = rounded6(value)
    if rounded == rounded.to_integral_value():
        return int(rounded)
    return float(rounded)  # a display value with ≤ 6 decimals: its repr is exactly those digits


def number(value: Decimal) -> int | float:
    """Points for JSON: whole numbers as ints, others (2.5) as their shortest decimal."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)  # points are small decimals such as 2.5, exact in their repr


def decimal_text(value: Decimal) -> str:
    """An exact decimal as plain text, without exponent or trailing zeros: ``120``, ``0.95``.

    Why text rather than a JSON number: a reported value or a target is compared exactly with
    ``Decimal``; a binary float could show a different number than the one that was scored.
    """
    text = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
    return "0" if text == "-0" else text


def exact_number(value: Decimal) -> int | float | str:
    """A reported value or a target for JSON: a number, like points and baselines (an integer
    when whole, else the float whose shortest form is exactly these digits); in the rare case
    that no float has them (more than 15 significant digits), the exact decimal text instead,
    because a JSON reader must never see a different number than the one that was scored."""
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else decimal_text(value)
