"""The plain table renderer draws every table exactly as rich draws it (issue 18).

ipp draws its terminal tables itself when every character is one cell wide, and hands anything
else (CJK, emoji, tabs) to rich. These tests hold the two to the same bytes on random tables:
random words, long words that must fold, spaces in odd places, narrow and wide terminals, right-
and left-justified columns, titles, captions and section breaks.
"""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from ipp_calc.views import render
from ipp_calc.views.render import SINGLE_CELL, Table, Text, new_table, render_tables

#: Letters, digits, punctuation, the symbols ipp prints (− → … –), accented letters, spaces.
_ALPHABET = st.sampled_from(list("abcXYZ019.,:;-_()[]/*%$#'\"éñßΣ−→…–—≤×") + [" "] * 6)
_TEXT = st.text(_ALPHABET, max_size=40)
_WORDY = st.lists(st.text(_ALPHABET.filter(lambda c: c != " "), min_size=1, max_size=25), max_size=8).map(" ".join)


def _both(items: list[Table | Text], width: int) -> tuple[str, str]:
    """The plain drawing and rich's drawing of the same items at ``width``."""
    return render._draw(items, width), render._render_rich(items, width)


@st.composite
def _tables(draw: st.DrawFn) -> Table:
    columns = draw(st.lists(st.tuples(_WORDY, st.sampled_from(["left", "right"])), min_size=1, max_size=6))
    title = draw(st.none() | _TEXT | _WORDY)
    table = new_table(title, *columns)
    for _ in range(draw(st.integers(0, 6))):
        cells = [draw(_TEXT | _WORDY) for _ in columns]
        table.add_row(*cells, end_section=draw(st.booleans()))
    if draw(st.booleans()):
        table.caption = Text(draw(_WORDY))
    return table


@settings(max_examples=300, deadline=None)
@given(tables=st.lists(_tables() | _WORDY.map(Text), min_size=1, max_size=3), width=st.integers(8, 130))
def test_the_plain_renderer_draws_random_tables_byte_for_byte_as_rich_does(
    tables: list[Table | Text], width: int
) -> None:
    plain, rich = _both(tables, width)
    assert plain == rich


def test_a_long_word_folds_and_money_stays_whole_as_rich_draws_them() -> None:
    table = new_table("A title long enough to wrap at twenty", ("Name", "left"), ("Amount", "right"))
    table.add_row("supercalifragilisticexpialidocious plan", "1,234,567.89")
    table.add_row("x", "0.00  ")  # trailing spaces in a right-justified cell are dropped, as rich drops them
    plain, rich = _both([table], 20)
    assert plain == rich
    # "Amount" is 12 wide (1,234,567.89) and a text column keeps at least 10 cells, so the table
    # is drawn 10 + 1 + 12 = 23 wide rather than cut the money: the title wraps at 23, the long
    # word folds in pieces of 10 ("ious " then has room for "plan"), the money stays whole, and
    # "0.00  " loses its trailing spaces before it is right-justified.
    assert plain.splitlines() == [
        "A title long enough to",
        "wrap at twenty",
        "Name             Amount",
        "─" * 23,
        "supercalif 1,234,567.89",
        "ragilistic",
        "expialidoc",
        "ious plan",
        "x                  0.00",
    ]


def test_text_that_is_not_one_cell_per_character_is_drawn_by_rich() -> None:
    table = new_table(None, ("Plan", "left"), ("Total", "right"))
    table.add_row("東京 health", "1.00")  # two-cell characters
    assert not render._drawable(table)
    text = render_tables([table], width=30)
    # 東京 is four cells: "東京 health" is 11 cells wide, the column 11, and the total after one space.
    assert text.splitlines()[2] == "東京 health  1.00"


def test_every_character_drawn_plainly_is_one_cell_wide_for_rich_too() -> None:
    # The plain renderer counts a character as one cell; rich's own measure must agree for
    # every character it is allowed to draw, or the two would lay out tables differently.
    assert all(cell_len(c) == 1 for c in SINGLE_CELL)
    assert "\t" not in SINGLE_CELL and "\n" not in SINGLE_CELL and "\u2028" not in SINGLE_CELL


def test_ipp_score_draws_its_tables_without_importing_rich() -> None:
    """rich costs ~30 ms to import: a command whose tables are plain does not load it."""
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "py1"
    workbook = sorted((example / "submissions").glob("*.xlsx"))[0]
    code = (
        "import sys\n"
        "from ipp_calc.cli import main\n"
        "try:\n"
        f"    main(['score', {str(workbook)!r}, '--data', {str(example)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = any(m == 'rich' or m.startswith('rich.') for m in sys.modules)\n"
        "sys.stderr.write('rich loaded' if loaded else 'no rich')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert "points per measure" in done.stdout
    assert done.stderr.endswith("no rich")


def test_a_table_of_numbers_only_on_a_narrow_terminal_is_drawn_wider_not_crashed() -> None:
    # ipp score's Totals table is four money columns; at COLUMNS=20 fitting it used to raise
    # ValueError (max() of no text columns). "Earned" is 6 wide: 12 + 1 + 6 = 19 > 10, drawn 19 wide.
    table = new_table("Totals", ("Allocated", "right"), ("Earned", "right"))
    table.add_row("1,234,567.89", "0.00")
    assert render_tables([table], width=10).splitlines() == [
        "Totals",
        "   Allocated Earned",
        "─" * 19,
        "1,234,567.89   0.00",
    ]
