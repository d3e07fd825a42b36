"""The agenda: every block with its planned and actual times, the running one highlighted."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from facilitator.core.clock import ClockState, whole_minutes
from facilitator.core.text import one_line
from facilitator.core.timeutil import local
from facilitator.i18n import t


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else str(whole_minutes(seconds))


def agenda_rows(state: ClockState) -> list[tuple[str, ...]]:
    """One row per block: phase/kind, name, planned min, planned start, actual start, actual min."""
    rows: list[tuple[str, ...]] = []
    for b in state.blocks:
        planned = f"{b.block.minutes}"
        if b.planned_minutes != b.block.minutes:
            planned = f"{b.block.minutes}→{b.planned_minutes}"
        if b.extra_minutes:
            planned += f"+{b.extra_minutes}"
        p_start = state.planned_start(b.index)
        actual = "" if b.started_at is None else f"{local(b.started_at):%H:%M}"
        label = str(b.block.phase) if b.block.phase else ""
        name = one_line(b.name)
        if b.status == "suspended":
            name += " " + t("run.suspended_mark")
        rows.append(
            (
                label,
                name,
                planned,
                "" if p_start is None or b.inserted else f"{local(p_start):%H:%M}",
                actual,
                _minutes(b.actual_seconds(state.now)),
            )
        )
    return rows


class Agenda(Widget):
    """A read-only table of the blocks, drawn as one rich Table; the running block stands out.

    No DataTable: the agenda takes no focus and no cursor, and one rendered table costs a
    fraction of a DataTable's start-up (it is on the first screen a facilitator sees).
    """

    DEFAULT_CSS = """
    Agenda { height: 1fr; }
    """
    COMPONENT_CLASSES = {"agenda--header", "agenda--running", "agenda--done", "agenda--odd"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: list[tuple[str, ...]] = []
        self._status: list[str] = []
        self._current: int | None = None

    def update_state(self, state: ClockState) -> None:
        rows = agenda_rows(state)
        status = [b.status for b in state.blocks]
        current = state.current.index if state.current is not None else None
        if (rows, status, current) != (self._rows, self._status, self._current):
            self._rows, self._status, self._current = rows, status, current
            self.refresh()

    def render(self) -> AgendaTable:
        header = self.get_component_rich_style("agenda--header")
        running = self.get_component_rich_style("agenda--running")
        done = self.get_component_rich_style("agenda--done")
        odd = self.get_component_rich_style("agenda--odd")
        columns = ["", t("run.col_block")]
        columns += [
            t("run." + key) for key in ("col_planned", "col_plan", "col_start", "col_duration")
        ]
        # On a short terminal, a window of rows around the running block.
        room = max(1, self.size.height - 1)
        start = 0
        if len(self._rows) > room and self._current is not None:
            start = min(max(0, self._current - room // 2), len(self._rows) - room)
        rows: list[tuple[tuple[str, ...], Style | None]] = []
        for i in range(start, min(len(self._rows), start + room)):
            status = self._status[i]
            style = (
                running
                if status == "running"
                else done
                if status == "done"
                else odd
                if i % 2
                else None
            )
            rows.append((self._rows[i], style))
        return AgendaTable(columns, rows, header)


class AgendaTable:
    """The agenda's rows as the rich Table of `table()` draws them, drawn directly.

    The table was ~5 ms of the run screen's first paint (a third of drawing the whole screen):
    it measures and renders every cell through rich's general machinery. When every column
    gets its whole width (a wide enough pane, one-line cells: the usual case) the layout is
    simple, and the lines are made here with the same segments, styles and "…" the table gives
    (tests/test_agenda_table.py compares the two); otherwise the table draws them itself.
    """

    def __init__(
        self,
        columns: list[str],
        rows: list[tuple[tuple[str, ...], Style | None]],
        header_style: Style,
    ) -> None:
        self.columns = columns
        self.rows = rows
        self.header_style = header_style

    def table(self) -> Table:
        """The same agenda as a rich Table (box-less, padded by one, the name column flexible)."""
        table = Table(
            box=None, expand=True, padding=(0, 1), show_edge=False, header_style=self.header_style
        )
        table.add_column(Text(self.columns[0]), width=1, no_wrap=True)
        table.add_column(Text(self.columns[1]), ratio=1, no_wrap=True, overflow="ellipsis")
        for title in self.columns[2:]:
            table.add_column(Text(title), no_wrap=True)
        for cells, style in self.rows:
            # rich Text cells, never a str: typed block names are not markup.
            table.add_row(*(Text(v) for v in cells), style=style)
        return table

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table())

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self.lines(options.max_width)
        if lines is None:
            yield from self.table().__rich_console__(console, options)
            return
        new_line = Segment.line()
        for line in lines:
            yield from line
            yield new_line

    def lines(self, max_width: int) -> list[list[Segment]] | None:
        """The table's lines at `max_width`, or None when only the table itself can say."""
        every = [self.columns, *(cells for cells, _style in self.rows)]
        if any(len(cells) != len(self.columns) for cells in every):
            return None
        if not all(text.isprintable() for cells in every for text in cells):
            return None  # a tab, a newline, a control or unusual space: the table decides
        # Each column's width with its padding: the marker column is 1 wide, the others as
        # wide as their widest cell (header included), the name column takes what is left.
        widths = [3, 0]
        for index in range(2, len(self.columns)):
            widest = max(cell_len(cells[index]) for cells in every)
            if widest < 1:
                return None  # rich measures an empty column apart
            widths.append(widest + 2)
        flexible = max_width - sum(widths)
        if flexible < 3:
            return None  # not every column fits: the table shrinks them its own way
        widths[1] = flexible
        lines = [self._line(self.columns, widths, self.header_style)]
        for cells, style in self.rows:
            lines.append(self._line(cells, widths, style))
        return lines

    @staticmethod
    def _line(cells: tuple[str, ...] | list[str], widths: list[int], style: Style | None) -> list:
        """One row as the table renders it: per cell a padding space, the text cut with "…" or
        filled with spaces to the column's width, a padding space. A row with a style has it on
        every segment; a row without has rich's null style on the padding only."""
        pad_style = style if style else Style.null()
        text_style = style if style else None
        pad = Segment(" ", pad_style)
        line = []
        for text, width in zip(cells, widths, strict=True):
            inner = width - 2
            length = cell_len(text)
            if length > inner:
                text = set_cell_size(text, inner - 1) + "…"
                length = cell_len(text)
            line += [pad, Segment(text + " " * (inner - length), text_style), pad]
        return line
