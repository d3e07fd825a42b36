"""The agenda: every block with its planned and actual times, the running one highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from facilitator.core.clock import BlockState, ClockState
from facilitator.core.timeutil import local
from facilitator.i18n import t


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{int(seconds // 60)}"


def agenda_rows(state: ClockState) -> list[tuple[str, ...]]:
    """One row per block: phase/kind, name, planned min, planned start, actual start, actual min."""
    rows = []
    for b in state.blocks:
        planned = f"{b.block.minutes}"
        if b.planned_minutes != b.block.minutes:
            planned = f"{b.block.minutes}→{b.planned_minutes}"
        if b.extra_minutes:
            planned += f"+{b.extra_minutes}"
        p_start = state.planned_start(b.index)
        actual = "" if b.started_at is None else f"{local(b.started_at):%H:%M}"
        label = str(b.block.phase) if b.block.phase else ""
        rows.append(
            (
                label,
                b.name,
                planned,
                "" if p_start is None or b.inserted else f"{local(p_start):%H:%M}",
                actual,
                _minutes(b.actual_seconds(state.now)),
            )
        )
    return rows


class Agenda(DataTable):
    """A read-only table of the blocks; updated only when a shown value changes."""

    DEFAULT_CSS = """
    Agenda { height: auto; max-height: 100%; }
    """

    def __init__(self, **kwargs) -> None:
        # The cursor marks the running block; the table never takes focus, so keys reach the screen.
        super().__init__(cursor_type="row", zebra_stripes=True, show_cursor=False, **kwargs)
        self.can_focus = False
        self._shown: list[tuple[str, ...]] = []

    def on_mount(self) -> None:
        self.add_column(Text(""), key="phase", width=1)
        self.add_column(Text(t("run.col_block")), key="name")
        self.add_column(Text(t("run.col_planned")), key="planned")
        self.add_column(Text(t("run.col_plan")), key="plan")
        self.add_column(Text(t("run.col_start")), key="start")
        self.add_column(Text(t("run.col_duration")), key="duration")

    def update_state(self, state: ClockState) -> None:
        rows = agenda_rows(state)
        if rows == self._shown:
            return
        self.clear()
        for i, (row, b) in enumerate(zip(rows, state.blocks, strict=True)):
            self.add_row(*(self._cell(v, b) for v in row), key=str(i))
        self._shown = rows
        current = state.current
        self.show_cursor = current is not None
        if current is not None:
            self.move_cursor(row=current.index, scroll=True)

    @staticmethod
    def _cell(value: str, block: BlockState) -> Text:
        # rich Text, never a str: a DataTable parses a plain string as markup.
        style = {"running": "bold", "done": "dim"}.get(block.status, "")
        return Text(value, style=style)
