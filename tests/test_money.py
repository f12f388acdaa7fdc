"""Exact money (src/ipp_calc/core/money.py): the largest-remainder split, cents, rounding, parsing.

RULES.md, "Largest-remainder split": to split T cents by non-negative weights w_i, q_i = T·w_i/Σw
exactly; each part gets floor(q_i); the cents left over go one each to the largest fractional
remainders, ties broken by key ascending. The parts add up to T, each is within one cent of q_i,
and Σw = 0 places nothing (the caller decides).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ipp_calc.core.money import (
    ZeroWeightsError,
    cents,
    floor_cents,
    from_cents,
    money_text,
    parse_money,
    round_cents,
    split,
    total,
)

# --------------------------------------------------------------------------- strategies

MAX_CENTS = 10**12  # $10 billion: well above any program year's funding

amount_cents = st.integers(min_value=0, max_value=MAX_CENTS)

int_weights = st.integers(min_value=0, max_value=10**9)
fraction_weights = st.fractions(min_value=0, max_value=10**6, max_denominator=10**6)
decimal_weights = st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False)
# Zero is drawn often: a county with no pilot, an area with no share.
any_weight = st.one_of(st.just(0), int_weights, fraction_weights, decimal_weights)

keys = st.text(alphabet="ABCabc-1 ", min_size=1, max_size=4)
weight_maps = st.dictionaries(keys, any_weight, min_size=1, max_size=12)


def exact(weight: int | Fraction | Decimal) -> Fraction:
    return Fraction(weight)


def exact_parts(total_cents: int, weights: dict[str, int | Fraction | Decimal]) -> dict[str, Fraction]:
    """q_i = T·w_i/Σw, in cents, computed independently of the code under test."""
    weight_sum = sum((exact(w) for w in weights.values()), Fraction(0))
    return {k: total_cents * exact(w) / weight_sum for k, w in weights.items()}


# --------------------------------------------------------------------------- split: properties


@given(amount_cents, weight_maps)
def test_split_parts_add_up_to_the_whole_to_the_cent(count: int, weights: dict[str, object]) -> None:
    assume(any(exact(w) > 0 for w in weights.values()))  # type: ignore[arg-type]
    parts = split(from_cents(count), weights)  # type: ignore[arg-type]
    assert set(parts) == set(weights)
    assert sum(cents(p) for p in parts.values()) == count
    assert all(p >= 0 and p == p.quantize(Decimal("0.01")) for p in parts.values())


@given(amount_cents, weight_maps)
def test_each_part_is_within_one_cent_of_its_exact_share(count: int, weights: dict[str, object]) -> None:
    assume(any(exact(w) > 0 for w in weights.values()))  # type: ignore[arg-type]
    parts = split(from_cents(count), weights)  # type: ignore[arg-type]
    for key, q in exact_parts(count, weights).items():  # type: ignore[arg-type]
        part = cents(parts[key])
        assert abs(part - q) < 1  # |part − T·w/Σw| < 0.01 dollars
        assert part in (math.floor(q), math.floor(q) + 1)  # floor, or floor plus one left-over cent


@given(amount_cents, weight_maps)
def test_left_over_cents_go_to_the_largest_remainders_then_the_smallest_keys(
    count: int, weights: dict[str, object]
) -> None:
    """An independent oracle for the whole method: rank by (−remainder, key), give out T − Σfloor."""
    assume(any(exact(w) > 0 for w in weights.values()))  # type: ignore[arg-type]
    q = exact_parts(count, weights)  # type: ignore[arg-type]
    floors = {k: math.floor(v) for k, v in q.items()}
    left_over = count - sum(floors.values())
    assert 0 <= left_over < len(q)
    ranked = sorted(q, key=lambda k: (-(q[k] - floors[k]), k))  # string keys: plain ascending order
    expected = {k: floors[k] + (1 if i < left_over else 0) for i, k in enumerate(ranked)}
    assert {k: cents(v) for k, v in split(from_cents(count), weights).items()} == expected  # type: ignore[arg-type]


@given(amount_cents, weight_maps, st.data())
def test_split_does_not_depend_on_the_order_of_the_mapping(
    count: int, weights: dict[str, object], data: st.DataObject
) -> None:
    assume(any(exact(w) > 0 for w in weights.values()))  # type: ignore[arg-type]
    reordered = dict(data.draw(st.permutations(list(weights.items()))))
    first = split(from_cents(count), weights)  # type: ignore[arg-type]
    assert split(from_cents(count), reordered) == first  # type: ignore[arg-type]
    assert split(from_cents(count), dict(reversed(list(weights.items())))) == first  # type: ignore[arg-type]


@given(amount_cents, weight_maps)
def test_split_is_deterministic(count: int, weights: dict[str, object]) -> None:
    assume(any(exact(w) > 0 for w in weights.values()))  # type: ignore[arg-type]
    runs = [split(from_cents(count), weights) for _ in range(3)]  # type: ignore[arg-type]
    assert runs[0] == runs[1] == runs[2]


@given(amount_cents, weight_maps, st.integers(min_value=1, max_value=10**6))
def test_scaling_every_weight_by_the_same_factor_changes_nothing(
    count: int, weights: dict[str, object], factor: int
) -> None:
    assume(any(exact(w) > 0 for w in weights.values()))  # type: ignore[arg-type]
    scaled = {k: exact(w) * factor for k, w in weights.items()}  # type: ignore[arg-type]
    assert split(from_cents(count), scaled) == split(from_cents(count), weights)  # type: ignore[arg-type]


@given(amount_cents, st.dictionaries(keys, st.just(0), min_size=0, max_size=6))
def test_all_zero_weights_place_nothing(count: int, weights: dict[str, int]) -> None:
    if count == 0:
        assert split(Decimal("0.00"), weights) == {k: Decimal("0.00") for k in weights}
    else:
        with pytest.raises(ZeroWeightsError):
            split(from_cents(count), weights)


# --------------------------------------------------------------------------- split: hand examples


def test_one_dollar_in_three_equal_parts_gives_the_left_over_cent_to_the_smallest_key() -> None:
    # 100 cents / 3 = 33.33… each: floors 33 + 33 + 33 = 99, one cent left; every remainder is .33…,
    # a three-way tie broken by key ascending, so "a" gets it: 0.34 / 0.33 / 0.33.
    parts = split(Decimal("1.00"), {"c": 1, "a": 1, "b": 1})
    assert parts == {"a": Decimal("0.34"), "b": Decimal("0.33"), "c": Decimal("0.33")}


def test_worked_example_payment_one_split_gives_the_last_cent_to_b_alameda() -> None:
    # RULES.md: weights 0.276666… / 0.08 / 0.643333… of 50,000 cents → 13,833.33… / 4,000 / 32,166.66…
    # floors 13,833 + 4,000 + 32,166 = 49,999; the left-over cent goes to the largest remainder (.66…).
    weights = {
        ("A", "Alameda"): Fraction(83, 300),  # 0.5·0.3 + 0.3·0.2 + 0.2·(1/3) = 0.276666…
        ("A", "Fresno"): Fraction(8, 100),  # 0.5·0.1 + 0.3·0.1 + 0.2·0 = 0.08
        ("B", "Alameda"): Fraction(193, 300),  # 0.5·0.6 + 0.3·0.7 + 0.2·(2/3) = 0.643333…
    }
    assert split(Decimal("500.00"), weights) == {
        ("A", "Alameda"): Decimal("138.33"),
        ("A", "Fresno"): Decimal("40.00"),
        ("B", "Alameda"): Decimal("321.67"),
    }


def test_integer_keys_tie_in_numeric_order_not_text_order() -> None:
    # 1 cent, two equal weights: remainders tie at .5, so the smaller key wins: 9 < 10 as numbers
    # (as text "10" < "9" would give it to area 10).
    assert split(Decimal("0.01"), {10: 1, 9: 1}) == {9: Decimal("0.01"), 10: Decimal("0.00")}


def test_area_ties_go_to_the_lower_area_id() -> None:
    # RULES.md worked example, A-Alameda payment 1: 13,833 cents by 0.2/0.2/0.6/0 →
    # 2,766.6 / 2,766.6 / 8,299.8 / 0 → floors 2,766 + 2,766 + 8,299 = 13,831, two cents left:
    # first to 8,299.8 (area 3), then the .6 tie between areas 1 and 2 goes to area 1.
    shares = {4: Decimal("0"), 3: Decimal("0.60"), 2: Decimal("0.20"), 1: Decimal("0.20")}
    assert split(Decimal("138.33"), shares) == {
        1: Decimal("27.67"),
        2: Decimal("27.66"),
        3: Decimal("83.00"),
        4: Decimal("0.00"),
    }


def test_tuple_keys_tie_by_mcp_then_county() -> None:
    # 0.02 in three equal parts: 0.666… each, floors 0, two cents left, all remainders tie:
    # (A, Fresno) and (B, Alameda) come before (B, Fresno).
    parts = split(Decimal("0.02"), {("B", "Fresno"): 1, ("B", "Alameda"): 1, ("A", "Fresno"): 1})
    assert parts == {
        ("A", "Fresno"): Decimal("0.01"),
        ("B", "Alameda"): Decimal("0.01"),
        ("B", "Fresno"): Decimal("0.00"),
    }


def test_a_zero_weight_gets_nothing_even_when_cents_are_left_over() -> None:
    # 0.01 by 0 / 1 / 1: the zero-weight part has remainder 0 and never gets the left-over cent.
    assert split(Decimal("0.01"), {"a": 0, "b": 1, "c": 1}) == {
        "a": Decimal("0.00"),
        "b": Decimal("0.01"),
        "c": Decimal("0.00"),
    }


def test_weights_may_mix_ints_fractions_and_decimals() -> None:
    # 1/4 + 0.25 + 2 = 2.5 → 10.00 splits 1.00 / 1.00 / 8.00
    parts = split(Decimal("10.00"), {"a": Fraction(1, 4), "b": Decimal("0.25"), "c": 2})
    assert parts == {"a": Decimal("1.00"), "b": Decimal("1.00"), "c": Decimal("8.00")}


def test_all_zero_weights_raise_zero_weights_error_which_is_a_value_error() -> None:
    with pytest.raises(ZeroWeightsError, match="every weight is zero"):
        split(Decimal("5.00"), {"a": 0, "b": Decimal(0), "c": Fraction(0)})
    with pytest.raises(ZeroWeightsError):
        split(Decimal("0.01"), {})  # nothing to put it in: still never silently lost
    assert issubclass(ZeroWeightsError, ValueError)


def test_zero_amount_with_zero_weights_gives_zeros() -> None:
    assert split(Decimal("0.00"), {"a": 0, "b": 0}) == {"a": Decimal("0.00"), "b": Decimal("0.00")}
    assert split(Decimal("0.00"), {}) == {}


def test_negative_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        split(Decimal("1.00"), {"a": 2, "b": -1})
    with pytest.raises(ValueError, match="negative"):
        split(Decimal("1.00"), {"a": Fraction(1), "b": Decimal("-0.01")})


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        split(Decimal("-1.00"), {"a": 1})


def test_sub_cent_amounts_are_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="whole number of cents"):
        split(Decimal("1.005"), {"a": 1, "b": 1})


@pytest.mark.parametrize("bad", [0.5, 1.0, float("nan"), True])
def test_float_and_bool_weights_are_refused_with_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="exact"):
        split(Decimal("1.00"), {"a": 1, "b": bad})  # type: ignore[dict-item]


# --------------------------------------------------------------------------- cents and rounding


def test_cents_counts_whole_cents_and_refuses_fractions_of_a_cent() -> None:
    assert cents(Decimal("12.34")) == 1234
    assert cents(Decimal("12.340")) == 1234
    assert cents(Decimal("0")) == 0
    assert cents(Decimal("1E+3")) == 100_000
    with pytest.raises(ValueError, match="whole number of cents"):
        cents(Decimal("0.001"))


@given(st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS))
def test_cents_and_money_text_round_trip(count: int) -> None:
    amount = from_cents(count)
    assert cents(amount) == count
    text = money_text(amount)
    assert len(text.lstrip("-").split(".")[1]) == 2  # exactly two decimals, never 1E+3
    assert "E" not in text
    assert parse_money(text) == amount


def test_money_text_writes_exactly_two_decimals() -> None:
    assert money_text(Decimal("1234.5")) == "1234.50"
    assert money_text(Decimal("0")) == "0.00"
    assert money_text(Decimal("1E+3")) == "1000.00"
    assert money_text(from_cents(60_000_000_000)) == "600000000.00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.125"), "0.12"),  # 12.5 cents: half to even → 12
        (Decimal("0.135"), "0.14"),  # 13.5 cents: half to even → 14
        (Decimal("0.005"), "0.00"),  # 0.5 cent → 0 (even)
        (Decimal("0.015"), "0.02"),  # 1.5 cents → 2 (even)
        (Decimal("-0.125"), "-0.12"),  # symmetric about zero
        (Fraction(1, 3), "0.33"),  # 33.33… cents
        (Fraction(2, 3), "0.67"),  # 66.66… cents
        (Fraction(1383333, 10000), "138.33"),
    ],
)
def test_round_cents_rounds_half_to_even(value: Fraction | Decimal, expected: str) -> None:
    assert round_cents(value) == Decimal(expected)
    assert money_text(round_cents(value)) == expected


@given(st.fractions(min_value=-(10**10), max_value=10**10, max_denominator=10**6))
def test_round_cents_is_within_half_a_cent(value: Fraction) -> None:
    rounded = round_cents(value)
    assert abs(Fraction(rounded) - value) <= Fraction(1, 200)
    assert rounded == rounded.quantize(Decimal("0.01"))


@given(st.fractions(min_value=0, max_value=10**10, max_denominator=10**6))
def test_floor_cents_never_rounds_up(value: Fraction) -> None:
    floored = floor_cents(value)
    assert Fraction(floored) <= value < Fraction(floored) + Fraction(1, 100)


def test_total_of_nothing_is_zero_money_not_the_int_zero() -> None:
    assert total([]) == Decimal("0.00")
    assert isinstance(total([]), Decimal)
    assert total([Decimal("0.10"), Decimal("0.20")]) == Decimal("0.30")  # exact, unlike 0.1 + 0.2


# --------------------------------------------------------------------------- parse_money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600000000.00", "600000000.00"),
        ("1234.5", "1234.50"),
        (" 12.50 ", "12.50"),  # spaces around a spreadsheet cell are forgiven
        ("1.500", "1.50"),  # trailing zeros past the cent are still whole cents
        ("0", "0.00"),
        # Callers refuse negatives; parse_money keeps the sign.
        ("-5", "-5.00"),
    ],
)
def test_parse_money_reads_plain_amounts(text: str, expected: str) -> None:
    amount = parse_money(text)
    assert amount == Decimal(expected)
    assert money_text(amount) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1,000", "not an amount"),  # thousands separators are ambiguous across locales
        ("$1,200", "not an amount"),
        ("$12", "not an amount"),
        ("", "not an amount"),
        ("abc", "not an amount"),
        ("1.2.3", "not an amount"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("-inf", "not an amount"),
        # an exponent usually means a spreadsheet reformatted the number and may have lost digits
        ("1e3", "not an amount"),
        ("1.23457E+11", "not an amount"),
        ("0.001", "fractions of a cent"),
        ("12.345", "fractions of a cent"),
    ],
)
def test_parse_money_refuses_what_is_not_an_exact_amount(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_money(text)


def test_parse_money_refuses_non_text() -> None:
    with pytest.raises(ValueError):
        parse_money(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["1e30", "123456789012345678901234567890"])
def test_parse_money_refuses_absurdly_large_amounts_with_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)
