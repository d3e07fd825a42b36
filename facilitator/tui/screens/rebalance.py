"""The offer to take lost time back from the remaining blocks; returns True, False (declined) or None."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from facilitator.core.clock import ClockState
from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.tui.base import DismissOnce, Translated


class RebalanceScreen(DismissOnce, Translated, ModalScreen[bool | None]):
    """Shows every remaining block's minutes now and after; the facilitator accepts or declines."""

    BINDINGS = [
        Binding("j,y", "answer(True)", "keys.accept"),
        Binding("n", "answer(False)", "keys.decline"),
        Binding("escape", "answer(None)", "keys.back", show=False),
    ]

    def __init__(self, state: ClockState, proposal: dict[str, int]) -> None:
        super().__init__()
        self.state = state
        self.proposal = proposal

    def compose(self) -> ComposeResult:
        late = round(self.state.late_minutes)
        with Vertical(classes="dialog"):
            yield Static(Content(t("rebalance.title", minutes=late)), classes="dialog-title")
            yield Static(Content(t("rebalance.intro")))
            yield DataTable(id="proposal", show_cursor=False)
            saved = sum(
                b.planned_minutes - self.proposal.get(b.key, b.planned_minutes)
                for b in self.state.pending
            )
            yield Static(Content(t("rebalance.total", minutes=saved)))
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(t("rebalance.accept")), variant="primary", id="accept")
                yield Button(Content(t("rebalance.decline")), id="decline")

    def on_mount(self) -> None:
        table = self.query_one("#proposal", DataTable)
        table.add_columns(
            Text(t("rebalance.col_block")),
            Text(t("rebalance.col_now")),
            Text(t("rebalance.col_new")),
        )
        for b in self.state.pending:
            new = self.proposal.get(b.key, b.planned_minutes)
            table.add_row(Text(one_line(b.name)), Text(str(b.planned_minutes)), Text(str(new)))
        self.query_one("#accept", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")

    def action_answer(self, value: bool | None) -> None:
        self.dismiss(value)
