"""Shown when the app is asked to quit while entries still wait for their commit.

"opslaan… (2)" counts down as they are made; the app closes once none waits. When another
program keeps the database locked, the app stops waiting after a few seconds (or at once on a
second q) and keeps the words for the next start (see tui/saving.py). Esc: do not quit after all.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from facilitator.i18n import t
from facilitator.tui.base import DismissOnce


class QuittingScreen(DismissOnce, ModalScreen[None]):
    """ "opslaan… (n)" while the app waits to quit; q: quit now, Esc: stay."""

    BINDINGS = [
        Binding("q,ctrl+q", "now", show=False, priority=True),
        Binding("escape", "stay", show=False),
    ]

    def __init__(
        self, pending: Callable[[], int], now: Callable[[], None], stay: Callable[[], bool]
    ):
        super().__init__()
        self._pending = pending
        self._now = now
        self._stay = stay
        self._shown = -1

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="quitting-dialog"):
            yield Static("", id="quitting-count", classes="dialog-title")
            yield Static(Content(t("saving.quit_hint")), id="quitting-hint")

    def on_mount(self) -> None:
        self._show()
        self.set_interval(0.25, self._show)

    def _show(self) -> None:
        n = self._pending()
        if n != self._shown:
            self._shown = n
            self.query_one("#quitting-count", Static).update(Content(t("saving.quit_waiting", n=n)))

    def action_now(self) -> None:
        self._now()

    def action_stay(self) -> None:
        if self._stay():
            self.dismiss(None)
