"""Exact money: ``Decimal`` amounts in whole cents, and the one largest-remainder split.

Why this module exists: the program moves real money, and every table it prints must add up to
the cent at every level (funding → payments → cells → areas). Floats cannot promise that, and
rounding each part on its own loses or invents cents. So every amount is a ``Decimal`` with
exactly two places, every share is exact (``Fraction``), and every division of an amount into
parts goes through :func:`split`, the largest-remainder method of RULES.md.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import lcm
from typing import Any, TypeVar

CENT = Decimal("0.01")
#: No amount in this program comes near a trillion dollars; larger text is a typo, and refusing
#: it keeps every amount well inside Decimal's exact range.
MAX_MONEY = Decimal(10) ** 12
ZERO = Decimal("0.00")

K = TypeVar("K", bound=Hashable)

#: A weight or share: exact rational numbers only (no float).
Exact = Fraction | Decimal | int


class ZeroWeightsError(ValueError):
    """All weights are zero, so an amount cannot be placed; the caller decides where it goes."""


def cents(amount: Decimal) -> int:
    """Whole cents in ``amount``; refuses sub-cent amounts rather than rounding them away."""
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(scaled)


def from_cents(count: int) -> Decimal:
    """``12345`` → ``Decimal('123.45')``."""
    return Decimal(count).scaleb(-2)  # exact below 28 digits (amounts are ~12); twice as fast as quantize


def round_cents(value: Fraction | Decimal) -> Decimal:
    """Round an exact amount to the cent, half to even (RULES.md: earned and recouped dollars)."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    return from_cents(round(exact * 100))  # Fraction.__round__ rounds half to even


def floor_cents(value: Fraction | Decimal) -> Decimal:
    """Round an exact amount down to the cent (RULES.md: a plan's room under its cap)."""
    exact = value if isinstance(value, Fraction) else Fraction(value)
    return from_cents((exact * 100).__floor__())


def money_text(amount: Decimal) -> str:
    """Money as the JSON contract writes it: a string with exactly two decimals, ``"1234.50"``."""
    return f"{amount.quantize(CENT):f}"


def parse_money(text: str) -> Decimal:
    """Read a money amount written as text (``"600000000.00"``; ``"1,234.5"`` and ``"1E+6"`` are
    refused: a thousands separator or an exponent usually means a spreadsheet reformatted the
    number, and ``1.23457E+11`` has already lost digits).

    Raises ``ValueError`` with a short reason; loaders add the file and line.
    """
    value = _plain_number(text, "an amount of money")
    if abs(value) >= MAX_MONEY:
        raise ValueError(f"{text!r} is too large (the limit is {MAX_MONEY:,} dollars)")
    if value != value.quantize(CENT):
        raise ValueError(f"{text!r} has fractions of a cent")
    return value.quantize(CENT)


def parse_decimal(text: str) -> Decimal:
    """Read an exact number written as text (a share, a threshold, a target, member months)."""
    value = _plain_number(text, "a number")
    if abs(value) >= MAX_MONEY * 1000:
        raise ValueError(f"{text!r} is too large")
    return value


_PLAIN = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")


def _plain_number(text: str, what: str) -> Decimal:
    """Digits, an optional sign and decimal point: nothing Decimal would also take (NaN, 1e3)."""
    if not isinstance(text, str) or not _PLAIN.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not {what} (write plain digits, like 1234.50)")
    try:
        return Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValueError(f"{text!r} is not {what}") from None


def split(amount: Decimal, weights: Mapping[K, Exact]) -> dict[K, Decimal]:
    """Split ``amount`` into parts proportional to ``weights`` by the largest-remainder method.

    Exactly RULES.md: with ``T`` cents and weights ``w_i``, part ``i`` gets ``floor(T·w_i/Σw)``
    cents, and the cents left over go one each to the parts with the largest fractional
    remainders, ties broken by key in ascending order. The parts always add up to ``amount``,
    each is within one cent of its exact share, and the result does not depend on the order of
    ``weights``. Raises :class:`ZeroWeightsError` when ``Σw = 0`` and there is something to
    place: the caller decides where such an amount goes, so it is never silently lost.
    """
    total_cents = cents(amount)
    if total_cents < 0:
        raise ValueError(f"cannot split a negative amount ({amount})")
    keys = list(weights)
    fractions = [_exact(weights[k]) for k in keys]
    if any(f < 0 for f in fractions):
        raise ValueError("weights must not be negative")
    # Integer arithmetic on a common denominator: exact, and much faster than Fraction sums.
    denominator = lcm(*(f.denominator for f in fractions)) if fractions else 1
    numerators = [f.numerator * (denominator // f.denominator) for f in fractions]
    weight_sum = sum(numerators)
    if weight_sum == 0:
        if total_cents == 0:
            return {k: ZERO for k in keys}
        raise ZeroWeightsError(f"cannot split {amount}: every weight is zero")
    floors: list[int] = []
    remainders: list[int] = []
    for numerator in numerators:
        quotient, remainder = divmod(total_cents * numerator, weight_sum)
        floors.append(quotient)
        remainders.append(remainder)
    left_over = total_cents - sum(floors)
    if left_over:
        order = sorted(range(len(keys)), key=lambda i: (-remainders[i], _key_order(keys[i])))
        for i in order[:left_over]:
            floors[i] += 1
    return {k: from_cents(c) for k, c in zip(keys, floors, strict=True)}


def _exact(value: Exact) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Fraction(value)
    raise TypeError(f"weights must be exact (Fraction, Decimal or int), got {type(value).__name__}")


def _key_order(key: Any) -> Any:
    """Keys sort as themselves; tuples mixing ints and strings compare element by element."""
    if isinstance(key, tuple):
        return tuple(_key_order(part) for part in key)
    if isinstance(key, int):
        return (0, key, "")
    return (1, 0, str(key))


def total(amounts: Iterable[Decimal]) -> Decimal:
    """Sum of money amounts, ``0.00`` when empty (``sum`` would give the int 0)."""
    return sum(amounts, ZERO)
