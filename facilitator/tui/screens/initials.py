"""Asks a note-taker once for the initials stamped on what they capture."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from facilitator.core.text import one_line
from facilitator.i18n import t

MAX_INITIALS = 8


class InitialsScreen(ModalScreen[str | None]):
    """Returns the initials typed (prefilled with the last ones used here), or None on Esc."""

    CSS_PATH = "../capture.tcss"
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, suggestion: str = "") -> None:
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="initials-dialog"):
            yield Static(Content(t("capture.initials_title")), classes="dialog-title")
            yield Static(Content(t("capture.initials_intro")))
            yield Input(self.suggestion, placeholder="AB", max_length=MAX_INITIALS, id="initials")
            yield Static("", id="initials-error", classes="error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        initials = one_line(event.value).strip()
        if not initials:
            self.query_one("#initials-error", Static).update(Content(t("capture.initials_empty")))
            return
        self.dismiss(initials[:MAX_INITIALS])

    def action_cancel(self) -> None:
        self.dismiss(None)
