"""A small window with a progress bar while an export is written (the writing happens elsewhere)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from facilitator.i18n import t


class ExportProgressScreen(ModalScreen[None]):
    """Shows how far an export is; the export action moves the bar and closes the window."""

    CSS_PATH = "export.tcss"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self._finished = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog export-progress"):
            yield Static(Content(t("export.working", path=self.path)), classes="dialog-title")
            yield ProgressBar(total=100, show_eta=False, id="export-bar")

    def set_progress(self, done: int, total: int) -> None:
        """Move the bar to done/total."""
        if self.is_mounted:
            self.query_one(ProgressBar).update(total=max(1, total), progress=done)

    def finish(self) -> None:
        """Close the window now, or as soon as a screen pushed over it is gone."""
        self._finished = True
        if self.is_current:
            self.dismiss(None)

    def on_screen_resume(self) -> None:
        if self._finished:
            self.dismiss(None)
