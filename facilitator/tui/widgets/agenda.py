"""The agenda: every block with its planned and actual times, the running one highlighted."""

from __future__ import annotations

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

    def render(self) -> Table:
        header = self.get_component_rich_style("agenda--header")
        running = self.get_component_rich_style("agenda--running")
        done = self.get_component_rich_style("agenda--done")
        odd = self.get_component_rich_style("agenda--odd")
        table = Table(box=None, expand=True, padding=(0, 1), show_edge=False, header_style=header)
        table.add_column(Text(""), width=1, no_wrap=True)
        table.add_column(Text(t("run.col_block")), ratio=1, no_wrap=True, overflow="ellipsis")
        for key in ("col_planned", "col_plan", "col_start", "col_duration"):
            table.add_column(Text(t("run." + key)), no_wrap=True)
        # On a short terminal, a window of rows around the running block.
        room = max(1, self.size.height - 1)
        start = 0
        if len(self._rows) > room and self._current is not None:
            start = min(max(0, self._current - room // 2), len(self._rows) - room)
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
            # rich Text cells, never a str: typed block names are not markup.
            table.add_row(*(Text(v) for v in self._rows[i]), style=style)
        return table
