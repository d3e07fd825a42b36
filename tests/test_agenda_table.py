"""The agenda draws its rows itself when every column fits, exactly as the rich Table would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.style import Style

from facilitator.tui.widgets.agenda import AgendaTable

STYLES = [None, Style.null(), Style(bold=True), Style(bold=True, bgcolor="blue"), Style(dim=True)]
HEADER = ["", "Blok", "Min", "Plan", "Start", "Duur"]

names = st.text(
    alphabet=st.one_of(
        st.sampled_from("abc XYZ-·é…"),
        st.sampled_from(["中", "文", "😀", "\u0301", "\t", "\n", "\x1b", "\u00a0", "\u200b"]),
    ),
    max_size=70,
)
short = st.text(alphabet=st.sampled_from("0123456789:→+"), max_size=9)


def segments(renderable, width: int) -> list[list[tuple]]:
    console = Console(width=200, force_terminal=True, color_system="truecolor")
    lines = console.render_lines(renderable, console.options.update_width(width))
    return [[tuple(segment) for segment in line] for line in lines]


def same(columns, rows, header, width) -> None:
    agenda = AgendaTable(columns, rows, header)
    assert segments(agenda, width) == segments(agenda.table(), width)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.tuples(st.sampled_from(["", "1", "4", "12"]), names, short, short, short, short),
            st.sampled_from(STYLES),
        ),
        min_size=1,
        max_size=12,
    ),
    width=st.integers(min_value=1, max_value=130),
    header=st.sampled_from(STYLES),
    titles=st.one_of(st.just(HEADER), st.tuples(st.just(""), names, short, short, short, short)),
)
def test_the_agenda_lines_are_the_tables(rows, width, header, titles):
    same(list(titles), rows, header, width)


def test_the_usual_agenda_is_drawn_directly_and_a_narrow_one_by_the_table():
    rows = [(("", "Welkom en kennismaking", "20", "14:19", "14:19", "2"), Style(bold=True))]
    rows += [(("1", "De diepte in", "60", "14:39", "", ""), None)]
    agenda = AgendaTable(HEADER, rows, Style(bold=True))
    assert agenda.lines(62) is not None
    assert agenda.lines(20) is None  # the name column would get less than one cell
    for width in (62, 30, 20, 12, 3):
        same(HEADER, rows, Style(bold=True), width)
    empty = [(cells[:2] + ("",) + cells[3:], style) for cells, style in rows]
    assert AgendaTable(["", "Blok", "", "Plan", "Start", "Duur"], empty, Style()).lines(62) is None
