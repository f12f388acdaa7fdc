"""The one typing of cell values (src/ipp_calc/io/xlsx_cells.py), checked against hand arithmetic."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from ipp_calc.io.xlsx_cells import CellError, NoValue, number_text, special_cells, spreadsheet_number, typed


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (2.53 * 100, "253"),  # 252.99999999999997: 15 digits 253.000000000000
        (0.1 + 0.2, "0.3"),  # 0.30000000000000004
        (1 / 3, "0.333333333333333"),  # 15 threes
        (2 / 3, "0.666666666666667"),  # the 16th digit 6 rounds the 15th up
        (2.0**60, "1152921504606850000"),  # 1152921504606846976: 15 digits 115292150460685 (…6|976 up)
        (-0.0, "0"),
        (12.0, "12"),
        (1e300, "1E+300"),
        (291, "291"),
        (10**20 + 1, "100000000000000000000"),  # an int from openpyxl, to 15 digits
    ],
)
def test_a_number_is_typed_as_a_spreadsheet_shows_it(raw: float | int, shown: str) -> None:
    value = typed(raw)
    assert isinstance(value, Decimal)
    assert (f"{value:f}" if value.adjusted() < 28 else str(value)) == shown


def test_text_numbers_round_the_same_way_and_exponents_are_not_numbers() -> None:
    assert number_text(" 252.99999999999997 ") == Decimal(253)
    assert number_text("1e9999999") is None and number_text("1,000") is None
    assert spreadsheet_number(Decimal("0.1000000000000000055511151231257827")) == Decimal("0.1")


def test_a_datetime_at_midnight_is_the_date_and_infinity_is_an_error() -> None:
    assert typed(datetime(2024, 1, 2)) == date(2024, 1, 2)
    assert typed(float("inf")) == CellError("#NUM!")
    assert typed("") is None and typed(None) is None


def test_error_cells_and_formulas_without_a_trustworthy_value_are_found_in_the_xml() -> None:
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1" t="e"/><c r="B1"><v>12</v></c>'
        b'<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D1"><f>1+1</f></c>'
        b'<c r="E1" t="str"><f>""</f><v></v></c><c r="F1"><f>2</f><v>2</v></c></row></sheetData></worksheet>'
    )
    assert special_cells(xml, recalc=False) == {
        "A1": CellError("#VALUE!"),  # an error cell with no code saved
        "C1": CellError("#DIV/0!"),
        "D1": NoValue(recalc=False),  # a formula, nothing saved
    }  # E1 is a formula whose result is "" (blank), F1 a formula saved by a spreadsheet
    assert special_cells(xml, recalc=True) == {
        "A1": CellError("#VALUE!"),
        "C1": CellError("#DIV/0!"),
        "D1": NoValue(recalc=False),
        "E1": NoValue(recalc=True),  # in a workbook that asks for recalculation, no saved result counts
        "F1": NoValue(recalc=True),
    }
